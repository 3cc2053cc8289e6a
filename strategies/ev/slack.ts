/**
 * `ev-slack`: an EV bids what it still needs at a price that rises as its slack
 * before departure shrinks. Pure: a function of the EV's view and the public
 * market view (the forecast quantiles are memoised per forecast array, see
 * `forecastQuantiles.ts`).
 *
 * With Δt the interval length, h = hoursToDeparture, s = slackHours, P the known
 * forecast prices of the intervals left before departure (the first ⌈h/Δt⌉
 * entries; NaN entries skipped; the last cleared price when none is known; 0 when
 * nothing is known at all), and Q(q) the ⌈q·|P|⌉-th cheapest of P:
 *
 * 1. must-run: `mustChargeKw` at the price cap — the least power that keeps the
 *    departure target reachable (`minChargeKwNow`);
 * 2. flexible: the rest it can take now, `maxChargeKw − mustChargeKw`, at
 *      base = Q(f),  f = 1 − s/h  (the share of the time left it must spend charging:
 *                                  with k of n intervals needed, the k-th cheapest price)
 *      wtp  = base + (cap − base) · clamp(1 − s / urgencyHours, 0, 1)
 *    so with plenty of slack it pays the cheap end of the forecast, and the price
 *    climbs linearly to the cap over the last `urgencyHours` of slack;
 * 3. V2G (capable cars only): `maxDischargeKw` (above the reserve and the
 *    departure-feasible SoC) offered at
 *      ask = max(Q(v2gQuantile), base / (η_c·η_d) + 2·deg / η_d)
 *    — at least the expensive quantile, and enough to buy the energy back at its own
 *    charging price through both efficiencies and pay the wear of discharging and
 *    recharging (2/η_d MWh of cell throughput per MWh sold). It is left out when
 *    ask ≤ wtp (the car values charging more) or nothing is known about prices.
 * Prices are clipped to [floor, cap].
 *
 * Example (cap 3000, Δt = 0.25 h): h = 2 h, forecast for the 8 intervals left
 * 10, 20, …, 80; the car needs 0.5 h flat out (s = 1.5 h): f = 0.25 → base = Q(0.25)
 * = 20 (it needs 2 of 8 intervals: the 2nd cheapest), no urgency (s ≥ 1 h) → it bids
 * its flexible power at 20. With s = 0.5 h: f = 0.75 → base = 60 (the 6th cheapest),
 * half-way into the urgency ramp → 60 + 2940 · 0.5 = 1530.
 */
import * as z from 'zod';
import type { BidSegment } from '../../market/types.ts';
import { quantileOfSorted, sortedKnownPrices } from '../storage/forecastQuantiles.ts';
import type { MarketView, Strategy, StrategyFactory } from '../types.ts';
import type { EvView } from './view.ts';

export const evSlackParams = z.strictObject({
  /** Over the last this-many hours of slack, the flexible bid rises linearly to the cap. */
  urgencyHours: z.number().min(0).max(48).default(1),
  /** V2G is offered at or above this quantile of the forecast (0–1). */
  v2gQuantile: z.number().min(0).max(1).default(0.75),
});
export type EvSlackParams = z.infer<typeof evSlackParams>;

const clampPrice = (p: number, m: MarketView): number => (p > m.priceCapMwh ? m.priceCapMwh : p < m.priceFloorMwh ? m.priceFloorMwh : p);
const clamp01 = (x: number): number => (x > 1 ? 1 : x > 0 ? x : 0);

/** What of a car's view the rule reads. */
export type EvSlackInputs = Pick<EvView, 'hoursToDeparture' | 'slackHours' | 'mustChargeKw' | 'maxChargeKw' | 'maxDischargeKw' | 'chargeEfficiency' | 'dischargeEfficiency' | 'degradationCostPerMwh'>;

/** Where the rule writes its segments, in order: a list of objects (`SegmentList`) or packed rows (market/packedCurves.ts). */
export interface SegmentSink {
  push(buy: boolean, priceMwh: number, quantityKw: number): void;
}

/** Segments as objects, for `SegmentSink`. */
class SegmentList implements SegmentSink {
  readonly segments: BidSegment[] = [];
  push(buy: boolean, priceMwh: number, quantityKw: number): void {
    this.segments.push({ side: buy ? 'buy' : 'sell', priceMwh, quantityKw });
  }
}

/** The flexible willingness to pay and the V2G ask (NaN when none) for a view: the rule above, as numbers. */
export function evSlackPrices(view: EvSlackInputs, market: MarketView, params: EvSlackParams): { wtpMwh: number; askMwh: number } {
  const dt = market.interval.durationH;
  const h = view.hoursToDeparture;
  const s = view.slackHours;
  const window = dt > 0 ? Math.ceil(h / dt - 1e-9) : market.priceForecastMwh.length;
  const sorted = sortedKnownPrices(market.priceForecastMwh, window);
  const last = market.lastPriceMwh;
  const known = sorted.length > 0 || (last !== undefined && Number.isFinite(last));
  const f = h > 0 && s > -Infinity ? clamp01(1 - s / h) : 1;
  const base = sorted.length > 0 ? quantileOfSorted(sorted, f) : known ? last! : 0;
  const urgency = params.urgencyHours > 0 ? clamp01(1 - s / params.urgencyHours) : s <= 0 ? 1 : 0;
  const wtpMwh = clampPrice(base + (market.priceCapMwh - base) * urgency, market);
  if (!known || !(view.maxDischargeKw > 0)) return { wtpMwh, askMwh: NaN };
  const high = sorted.length > 0 ? quantileOfSorted(sorted, params.v2gQuantile) : last!;
  const rebuy = base / (view.chargeEfficiency * view.dischargeEfficiency) + (2 * view.degradationCostPerMwh) / view.dischargeEfficiency;
  return { wtpMwh, askMwh: clampPrice(Math.max(high, rebuy), market) };
}

/**
 * The rule's segments for a view, written to `out` in order: the must-charge at the cap, the
 * flexible charge at the willingness to pay, the V2G offer at the ask. EVs on `ev-slack` write
 * them as packed rows from their own numbers, without a view (agents/ev/runtime.ts `bidPacked`).
 */
export function evSlackCurve(view: EvSlackInputs, market: MarketView, params: EvSlackParams, out: SegmentSink): void {
  const must = view.mustChargeKw > 0 ? Math.min(view.mustChargeKw, view.maxChargeKw) : 0;
  const flexible = view.maxChargeKw - must;
  if (!(flexible > 0) && !(view.maxDischargeKw > 0)) {
    if (must > 0) out.push(true, market.priceCapMwh, must);
    return;
  }
  const { wtpMwh, askMwh } = evSlackPrices(view, market, params);
  if (must > 0) out.push(true, market.priceCapMwh, must);
  if (flexible > 0) out.push(true, wtpMwh, flexible);
  if (askMwh > (flexible > 0 || must > 0 ? wtpMwh : -Infinity)) out.push(false, askMwh, view.maxDischargeKw);
}

export function evSlackStrategy(params: EvSlackParams): Strategy<EvView> {
  return {
    id: 'ev-slack',
    bid(view, market) {
      const out = new SegmentList();
      evSlackCurve(view, market, params, out);
      return out.segments;
    },
  };
}

/**
 * `ev-slack`'s parameters when `ref` names it (by name, with parameters, or by default:
 * undefined, as the EV's default strategy), undefined for any other strategy. A registered
 * strategy cannot take the built-in's name (strategies/registry.ts).
 */
export function evSlackParamsOf(ref: string | { readonly id?: string | undefined; readonly params?: Record<string, unknown> | undefined } | undefined): EvSlackParams | undefined {
  if (ref === undefined || ref === 'ev-slack') return evSlackParams.parse({});
  if (typeof ref === 'object' && ref.id === 'ev-slack' && !('module' in ref)) return evSlackParams.parse(ref.params ?? {});
  return undefined;
}

/** Registry entry (`strategies/registry.ts`). */
export const evSlackFactory: StrategyFactory = {
  params: evSlackParams,
  kinds: ['ev'],
  create: (p) => evSlackStrategy(p as EvSlackParams) as unknown as Strategy,
};

/**
 * `home-forecast`, the default strategy of `kind: home`: the home's own valuation,
 * re-priced where the public price forecast says more than physics does.
 *
 * Per demand entry (one buy segment each, same order and kW, so the home can tell
 * which need each award served), clamped to the market's [floor, cap]:
 * - `base`, `base-flex`, `hvac-keep`: the home's value as it is (the cap for what it
 *   cannot do without);
 * - `hvac` (towards the setpoint): max(value, P), where P is the banking value
 *   (`bankingValueMwh`: the forecast peak within `lookaheadHours`, discounted by the
 *   room's time constant, when it beats the price expected now by `minSpread`):
 *   heat not removed now must be removed at the peak;
 * - `precondition`: P when there is such a peak and now is among the intervals the bank
 *   must be filled in (the time the unit needs, `bankFillIntervals`, plus `fillMarginHours`),
 *   else the home's value (0: only free energy is banked). Buying it when the price now is
 *   below P is pre-conditioning;
 * - `appliance` with slack s > 0: min(value, C) when C, the cheapest forecast price
 *   among the intervals it could still start in, is below the price expected now by
 *   more than `minSpread`, so it waits when waiting is forecast to be cheaper; with no
 *   slack (it must run now) the value (the cap) as it is.
 * Supply (PV) is offered at its cost as it is.
 * With a forecast of NaNs only this is `truthful`.
 */
import * as z from 'zod';
import type { BidSegment } from '../../market/types.ts';
import type { MarketView, Strategy, StrategyFactory } from '../types.ts';
import { bankFillIntervals, bankingValueMwh, cheapestAheadMwh } from './forecastValue.ts';
import type { HomeView } from './view.ts';

export const homeForecastParams = z.strictObject({
  /** How far ahead a price peak makes banking comfort worth it, hours. */
  lookaheadHours: z.number().positive().max(48).default(6),
  /** How much the discounted peak must beat the price expected now, relative (0.1: by 10 %). */
  minSpread: z.number().min(0).max(10).default(0.1),
  /** Bid for pre-conditioning at all (false: the `precondition` need is bid at the home's own value). */
  precondition: z.boolean().default(true),
  /**
   * Hours added to the time the unit needs to fill the bank (`bankFillIntervals`, which takes
   * this interval's outdoor temperature and gains): the afternoon before a peak gets hotter.
   */
  fillMarginHours: z.number().min(0).max(48).default(1),
});
export type HomeForecastParams = z.infer<typeof homeForecastParams>;

const clamp = (p: number, m: MarketView): number => (p > m.priceCapMwh ? m.priceCapMwh : p < m.priceFloorMwh ? m.priceFloorMwh : p);

/**
 * P, the banking value of a home's room this interval (see the header), or NaN when no
 * forecast peak is worth banking for. The room as `HvacView` describes it.
 */
export function homeBankingPeakMwh(
  mode: 'cool' | 'heat',
  indoorC: number,
  band: { readonly lowC: number; readonly highC: number },
  ratedSteadyC: number | undefined,
  timeConstantH: number,
  market: MarketView,
  params: HomeForecastParams,
): number {
  const dtH = market.interval.durationH;
  const fill = bankFillIntervals(mode, indoorC, band, ratedSteadyC, dtH, timeConstantH) + Math.ceil(params.fillMarginHours / dtH - 1e-9);
  return Math.min(market.priceCapMwh, bankingValueMwh(market.priceForecastMwh, market.lastPriceMwh, dtH, timeConstantH, params.lookaheadHours, params.minSpread, fill));
}

/** The price expected now: the forecast's first entry, else the last price (NaN when neither is known). */
export function expectedNowMwh(market: MarketView): number {
  const f = market.priceForecastMwh;
  return f.length > 0 && !Number.isNaN(f[0]!) ? f[0]! : (market.lastPriceMwh ?? NaN);
}

/**
 * The bid price of one demand entry (rules in the header), clamped to the market's
 * [floor, cap]: `need` and `valueMwh` are the entry's, `slackH` its slack (read for
 * appliances only), `peak` from `homeBankingPeakMwh` (NaN without HVAC) and `now` from
 * `expectedNowMwh`. Homes price their needs with this directly when their strategy is
 * this one (agents/home/runtime.ts), so both ways give the same bid.
 */
export function homeNeedBidMwh(need: string | undefined, valueMwh: number, slackH: number, peak: number, now: number, market: MarketView, params: HomeForecastParams): number {
  let v = valueMwh;
  switch (need) {
    case 'hvac':
      if (peak > v) v = peak;
      break;
    case 'precondition':
      if (params.precondition && !Number.isNaN(peak)) v = peak;
      break;
    case 'appliance': {
      if (slackH > 0 && !Number.isNaN(now)) {
        const dtH = market.interval.durationH;
        const cheapest = cheapestAheadMwh(market.priceForecastMwh, Math.floor(slackH / dtH + 1e-9));
        if (cheapest < now - params.minSpread * Math.abs(now) && cheapest < v) v = cheapest;
      }
      break;
    }
    default:
      break;
  }
  return clamp(v, market);
}

export function homeForecastBid(view: HomeView, market: MarketView, params: HomeForecastParams): BidSegment[] {
  const h = view.hvac;
  const peak = h ? homeBankingPeakMwh(h.mode, h.indoorC, h.band, h.ratedSteadyC, h.timeConstantH, market, params) : NaN;
  const now = expectedNowMwh(market);
  const out: BidSegment[] = [];
  const { demand, needs, slackH } = view;
  for (let i = 0; i < demand.length; i++) {
    const d = demand[i]!;
    if (!(d.kw > 0)) continue;
    const need = needs[i];
    out.push({ side: 'buy', priceMwh: homeNeedBidMwh(need, d.valueMwh, need === 'appliance' ? slackH[i]! : NaN, peak, now, market, params), quantityKw: d.kw });
  }
  for (const s of view.supply) if (s.kw > 0) out.push({ side: 'sell', priceMwh: clamp(s.valueMwh, market), quantityKw: s.kw });
  return out;
}

/**
 * The parameters of the built-in `home-forecast` when a home group's strategy reference
 * names it (or names none: it is the homes' default), parsed as the registry parses them;
 * undefined for any other strategy. `home-forecast` cannot be registered over.
 */
export function homeForecastParamsOf(ref: string | { readonly id?: string | undefined; readonly params?: Record<string, unknown> | undefined } | undefined): HomeForecastParams | undefined {
  if (ref === undefined || ref === 'home-forecast') return homeForecastParams.parse({});
  if (typeof ref === 'object' && ref.id === 'home-forecast' && !('module' in ref)) return homeForecastParams.parse(ref.params ?? {});
  return undefined;
}

export function homeForecastStrategy(params: HomeForecastParams): Strategy<HomeView> {
  return { id: 'home-forecast', bid: (view, market) => homeForecastBid(view, market, params) };
}

/** Registry entry (strategies/registry.ts): for homes only. */
export const homeForecastFactory: StrategyFactory = {
  params: homeForecastParams,
  kinds: ['home'],
  create: (p) => homeForecastStrategy(p as HomeForecastParams) as unknown as Strategy,
};

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
 * - `precondition`: P when there is such a peak, else the home's value (0: only free
 *   energy is banked). Buying it when the price now is below P is pre-conditioning;
 * - `appliance` with slack s > 0: min(value, C) when C, the cheapest forecast price
 *   among the intervals it could still start in, is below the price expected now by
 *   more than `minSpread`, so it waits when waiting is forecast to be cheaper; with no
 *   slack (it must run now) the value (the cap) as it is.
 * Supply (PV) is offered at its cost as it is.
 * With a forecast of NaNs only this is `truthful`.
 */
import { z } from 'zod';
import type { BidSegment } from '../../market/types.ts';
import type { MarketView, Strategy, StrategyFactory } from '../types.ts';
import { bankingValueMwh, cheapestAheadMwh } from './forecastValue.ts';
import type { HomeView } from './view.ts';

export const homeForecastParams = z.strictObject({
  /** How far ahead a price peak makes banking comfort worth it, hours. */
  lookaheadHours: z.number().positive().max(48).default(6),
  /** How much the discounted peak must beat the price expected now, relative (0.1: by 10 %). */
  minSpread: z.number().min(0).max(10).default(0.1),
  /** Bid for pre-conditioning at all (false: the `precondition` need is bid at the home's own value). */
  precondition: z.boolean().default(true),
});
export type HomeForecastParams = z.infer<typeof homeForecastParams>;

const clamp = (p: number, m: MarketView): number => (p > m.priceCapMwh ? m.priceCapMwh : p < m.priceFloorMwh ? m.priceFloorMwh : p);

export function homeForecastBid(view: HomeView, market: MarketView, params: HomeForecastParams): BidSegment[] {
  const f = market.priceForecastMwh;
  const dtH = market.interval.durationH;
  const peak = view.hvac ? Math.min(market.priceCapMwh, bankingValueMwh(f, market.lastPriceMwh, dtH, view.hvac.timeConstantH, params.lookaheadHours, params.minSpread)) : NaN;
  // The price expected now: the forecast's first entry, else the last price.
  const now = f.length > 0 && !Number.isNaN(f[0]!) ? f[0]! : (market.lastPriceMwh ?? NaN);
  const out: BidSegment[] = [];
  const { demand, needs, slackH } = view;
  for (let i = 0; i < demand.length; i++) {
    const d = demand[i]!;
    if (!(d.kw > 0)) continue;
    let v = d.valueMwh;
    switch (needs[i]) {
      case 'hvac':
        if (peak > v) v = peak;
        break;
      case 'precondition':
        if (params.precondition && !Number.isNaN(peak)) v = peak;
        break;
      case 'appliance': {
        const s = slackH[i]!;
        if (s > 0 && !Number.isNaN(now)) {
          const cheapest = cheapestAheadMwh(f, Math.floor(s / dtH + 1e-9));
          if (cheapest < now - params.minSpread * Math.abs(now) && cheapest < v) v = cheapest;
        }
        break;
      }
      default:
        break;
    }
    out.push({ side: 'buy', priceMwh: clamp(v, market), quantityKw: d.kw });
  }
  for (const s of view.supply) if (s.kw > 0) out.push({ side: 'sell', priceMwh: clamp(s.valueMwh, market), quantityKw: s.kw });
  return out;
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

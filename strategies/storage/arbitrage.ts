/**
 * `storage-arbitrage`: a battery buys low and sells high against the public
 * price forecast, only when the spread pays for the round-trip losses and the wear.
 * Pure (forecast quantiles memoised per forecast array, see `forecastQuantiles.ts`).
 *
 * With P the known prices of the whole forecast horizon (NaN entries skipped; the
 * last cleared price alone when none is known; no bid when nothing is known),
 * lo = Q(lowQuantile), hi = Q(highQuantile) (the ⌈q·n⌉-th cheapest), η_c, η_d the
 * efficiencies and deg the wear per MWh of cell throughput:
 *
 *   margin = η_c·η_d·hi − lo − 2·η_c·deg
 *
 * is what one MWh bought at lo earns when sold at hi: η_c·η_d MWh come back out, and
 * the η_c MWh stored wear the cells twice (in and out). Only when margin > 0 does it bid
 *   buy  maxChargeKw    at lo  (charge when the price is at or below the low quantile),
 *   sell maxDischargeKw at hi  (discharge when it is at or above the high quantile),
 * both in one curve (the book accepts both sides; hi > lo so they never cross).
 * The quantities are the view's limits for the current SoC (0 at a bound: that side
 * is left out). Prices are clipped to [floor, cap].
 *
 * Example: forecast 40, 40, 100, 100 (quantiles 0.25 / 0.75 → lo 40, hi 100),
 * η_c = η_d = 0.95, deg 20: margin = 0.9025·100 − 40 − 2·0.95·20 = 12.25 > 0 →
 * buy 5 kW at 40, sell 5 kW at 100 (a 5 kW battery at mid SoC). With deg 30 the
 * margin is −6.75: no bid.
 */
import * as z from 'zod';
import type { BidSegment } from '../../market/types.ts';
import type { MarketView, Strategy, StrategyFactory } from '../types.ts';
import { quantileOfSorted, sortedKnownPrices } from './forecastQuantiles.ts';
import type { StorageView } from './view.ts';

export const storageArbitrageParams = z
  .strictObject({
    /** Buy at or below this quantile of the forecast (0–1). */
    lowQuantile: z.number().min(0).max(1).default(0.25),
    /** Sell at or above this quantile of the forecast (0–1). */
    highQuantile: z.number().min(0).max(1).default(0.75),
  })
  .refine((p) => p.lowQuantile < p.highQuantile, { message: 'lowQuantile must be below highQuantile', path: ['lowQuantile'] });
export type StorageArbitrageParams = z.infer<typeof storageArbitrageParams>;

const clampPrice = (p: number, m: MarketView): number => (p > m.priceCapMwh ? m.priceCapMwh : p < m.priceFloorMwh ? m.priceFloorMwh : p);

/** The buy and sell prices and the margin per MWh bought (NaN prices when nothing is known). */
export function arbitragePrices(view: StorageView, market: MarketView, params: StorageArbitrageParams): { buyMwh: number; sellMwh: number; marginMwh: number } {
  const sorted = sortedKnownPrices(market.priceForecastMwh);
  let lo: number;
  let hi: number;
  if (sorted.length > 0) {
    lo = quantileOfSorted(sorted, params.lowQuantile);
    hi = quantileOfSorted(sorted, params.highQuantile);
  } else if (market.lastPriceMwh !== undefined && Number.isFinite(market.lastPriceMwh)) {
    lo = hi = market.lastPriceMwh;
  } else {
    return { buyMwh: NaN, sellMwh: NaN, marginMwh: NaN };
  }
  const ec = view.chargeEfficiency;
  const marginMwh = ec * view.dischargeEfficiency * hi - lo - 2 * ec * view.degradationCostPerMwh;
  return { buyMwh: clampPrice(lo, market), sellMwh: clampPrice(hi, market), marginMwh };
}

export function storageArbitrageStrategy(params: StorageArbitrageParams): Strategy<StorageView> {
  return {
    id: 'storage-arbitrage',
    bid(view, market) {
      const out: BidSegment[] = [];
      if (!(view.maxChargeKw > 0) && !(view.maxDischargeKw > 0)) return out;
      const { buyMwh, sellMwh, marginMwh } = arbitragePrices(view, market, params);
      if (!(marginMwh > 0) || !(sellMwh > buyMwh)) return out;
      if (view.maxChargeKw > 0) out.push({ side: 'buy', priceMwh: buyMwh, quantityKw: view.maxChargeKw });
      if (view.maxDischargeKw > 0) out.push({ side: 'sell', priceMwh: sellMwh, quantityKw: view.maxDischargeKw });
      return out;
    },
  };
}

/** Registry entry (`strategies/registry.ts`). */
export const storageArbitrageFactory: StrategyFactory = {
  params: storageArbitrageParams,
  kinds: ['storage'],
  create: (p) => storageArbitrageStrategy(p as StorageArbitrageParams) as unknown as Strategy,
};

/**
 * `price-taker` (storage): a battery that decides from the forecast alone and then
 * takes whatever price the market makes. The rule (the quantiles of
 * `storage-arbitrage`): when the forecast price of this interval is at or below
 * the `lowQuantile` of the forecast it charges, at or above the `highQuantile` it
 * discharges — only when that spread pays the losses and the wear (the margin of
 * `arbitragePrices` > 0) — and it bids that quantity at any price: buy at the cap,
 * sell at the floor. So it is always dispatched as planned, and pays for it when the
 * forecast was wrong. A reference for `mpc` and `storage-arbitrage`, which say what
 * price they need. Pure.
 *
 * Example (quantiles 0.25 / 0.75): forecast 20, 20, 60, 150, 150, 60 for a battery
 * at mid SoC, this interval 20 → buy its `maxChargeKw` at the cap; 150 → sell its
 * `maxDischargeKw` at the floor; 60 → nothing.
 */
import type { BidSegment } from '../market/types.ts';
import { arbitragePrices, storageArbitrageParams, type StorageArbitrageParams } from './storage/arbitrage.ts';
import type { StorageView } from './storage/view.ts';
import type { Strategy, StrategyFactory } from './types.ts';

export const priceTakerParams = storageArbitrageParams;

export function priceTakerStrategy(params: StorageArbitrageParams): Strategy<StorageView> {
  return {
    id: 'price-taker',
    bid(view, market) {
      const out: BidSegment[] = [];
      const f0 = market.priceForecastMwh[0];
      const now = f0 !== undefined && Number.isFinite(f0) ? f0 : market.lastPriceMwh;
      if (now === undefined || !Number.isFinite(now)) return out;
      const { buyMwh, sellMwh, marginMwh } = arbitragePrices(view, market, params);
      if (!(marginMwh > 0)) return out;
      if (now <= buyMwh && view.maxChargeKw > 0) out.push({ side: 'buy', priceMwh: market.priceCapMwh, quantityKw: view.maxChargeKw });
      else if (now >= sellMwh && view.maxDischargeKw > 0) out.push({ side: 'sell', priceMwh: market.priceFloorMwh, quantityKw: view.maxDischargeKw });
      return out;
    },
  };
}

/** Registry entry (`strategies/registry.ts`). */
export const priceTakerFactory: StrategyFactory = {
  params: priceTakerParams,
  kinds: ['storage'],
  create: (p) => priceTakerStrategy(p as StorageArbitrageParams) as unknown as Strategy,
};

/**
 * `building-forecast`, the default strategy of `kind: building`: the building's own
 * valuation, re-priced by the public price forecast where physics says too little.
 * One buy segment per demand entry (same order and kW), clamped to [floor, cap]:
 * - `base`, `hvac`, `dimming`: the building's value as it is (the must-serve part at
 *   the cap; dimming at its contract value: light not used now is not banked);
 * - `hvac-relax`: max(value, P), P the banking value (`bankingValueMwh`: the forecast
 *   peak discounted by the building's time constant, when it beats the price expected
 *   now by `minSpread`): relaxing now means removing the heat at the peak;
 * - `precondition`: P when there is such a peak (else its value, 0).
 * With a forecast of NaNs only this is `truthful`.
 */
import * as z from 'zod';
import type { BidSegment } from '../../market/types.ts';
import { bankingValueMwh } from '../home/forecastValue.ts';
import type { MarketView, Strategy, StrategyFactory } from '../types.ts';
import type { BuildingView } from './view.ts';

export const buildingForecastParams = z.strictObject({
  /** How far ahead a price peak makes banking comfort worth it, hours. */
  lookaheadHours: z.number().positive().max(48).default(6),
  /** How much the discounted peak must beat the price expected now, relative. */
  minSpread: z.number().min(0).max(10).default(0.1),
  /** Bid for pre-cooling/pre-heating at all. */
  precondition: z.boolean().default(true),
});
export type BuildingForecastParams = z.infer<typeof buildingForecastParams>;

const clamp = (p: number, m: MarketView): number => (p > m.priceCapMwh ? m.priceCapMwh : p < m.priceFloorMwh ? m.priceFloorMwh : p);

export function buildingForecastBid(view: BuildingView, market: MarketView, params: BuildingForecastParams): BidSegment[] {
  const peak = Math.min(
    market.priceCapMwh,
    bankingValueMwh(market.priceForecastMwh, market.lastPriceMwh, market.interval.durationH, view.hvac.timeConstantH, params.lookaheadHours, params.minSpread),
  );
  const out: BidSegment[] = [];
  const { demand, needs } = view;
  for (let i = 0; i < demand.length; i++) {
    const d = demand[i]!;
    if (!(d.kw > 0)) continue;
    let v = d.valueMwh;
    const need = needs[i];
    if (need === 'hvac-relax' && peak > v) v = peak;
    else if (need === 'precondition' && params.precondition && !Number.isNaN(peak)) v = peak;
    out.push({ side: 'buy', priceMwh: clamp(v, market), quantityKw: d.kw });
  }
  for (const s of view.supply) if (s.kw > 0) out.push({ side: 'sell', priceMwh: clamp(s.valueMwh, market), quantityKw: s.kw });
  return out;
}

export function buildingForecastStrategy(params: BuildingForecastParams): Strategy<BuildingView> {
  return { id: 'building-forecast', bid: (view, market) => buildingForecastBid(view, market, params) };
}

/** Registry entry (strategies/registry.ts): for buildings only. */
export const buildingForecastFactory: StrategyFactory = {
  params: buildingForecastParams,
  kinds: ['building'],
  create: (p) => buildingForecastStrategy(p as BuildingForecastParams) as unknown as Strategy,
};

/**
 * What a battery's energy is worth to it: a pure function from its state and a
 * water value (the price it expects to trade stored energy at) to its valuation
 * curve, for strategies that bid the agent's own values (`truthful`, `markup`).
 *
 * With w the water value (currency per MWh delivered to the grid later), η_c, η_d
 * the efficiencies and deg the wear per MWh of cell throughput:
 * - buying 1 MWh now stores η_c MWh, later sold as η_c·η_d MWh worth w, wearing the
 *   cells η_c MWh in and η_c out: value = η_c·η_d·w − 2·η_c·deg;
 * - selling 1 MWh now takes 1/η_d MWh from the cells, which must be bought back at w
 *   through both efficiencies, wearing 1/η_d MWh out and in: cost = w/(η_c·η_d) + 2·deg/η_d.
 * So it buys below and sells above w, with a dead band that pays for losses and wear.
 * Example: w = 100, η_c = η_d = 0.95, deg = 20: buy value 52.25, sell cost 152.91.
 */
import type { BatteryParams } from '../physics/battery.ts';
import type { ValueSegment } from '../../strategies/types.ts';

export interface StorageValuation {
  readonly demand: readonly ValueSegment[];
  readonly supply: readonly ValueSegment[];
}

/** The two prices of the valuation: what charging is worth and what discharging costs (currency/MWh); NaN when w is unknown. */
export function storageValuePrices(b: BatteryParams, waterValueMwh: number): { readonly buyValueMwh: number; readonly sellCostMwh: number } {
  if (!Number.isFinite(waterValueMwh)) return { buyValueMwh: NaN, sellCostMwh: NaN };
  const ec = b.chargeEfficiency;
  const ed = b.dischargeEfficiency;
  const deg = b.degradationCostPerMwh;
  return { buyValueMwh: ec * ed * waterValueMwh - 2 * ec * deg, sellCostMwh: waterValueMwh / (ec * ed) + (2 * deg) / ed };
}

const NONE: readonly ValueSegment[] = Object.freeze([]);

/** The curves for charging up to `chargeKw` at `buyValueMwh` and discharging up to `dischargeKw` at `sellCostMwh`; empty sides for 0 kW or unknown prices. */
export function valuationCurves(buyValueMwh: number, sellCostMwh: number, chargeKw: number, dischargeKw: number): StorageValuation {
  return {
    demand: chargeKw > 0 && Number.isFinite(buyValueMwh) ? Object.freeze([{ kw: chargeKw, valueMwh: buyValueMwh }]) : NONE,
    supply: dischargeKw > 0 && Number.isFinite(sellCostMwh) ? Object.freeze([{ kw: dischargeKw, valueMwh: sellCostMwh }]) : NONE,
  };
}

/** The valuation curves for charging up to `chargeKw` and discharging up to `dischargeKw`; empty when w is unknown (NaN). */
export function storageValuation(b: BatteryParams, waterValueMwh: number, chargeKw: number, dischargeKw: number): StorageValuation {
  const p = storageValuePrices(b, waterValueMwh);
  return valuationCurves(p.buyValueMwh, p.sellCostMwh, chargeKw, dischargeKw);
}

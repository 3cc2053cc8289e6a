/**
 * `mpc` for stationary storage: every interval, plan the window (`planBattery`)
 * from the current SoC against the forecast and bid the first interval's action
 * (`bidFromPlan`). Energy left at the window's end is valued at what it would
 * fetch discharged at the window's `terminalQuantile` price: τ = (η_d·Q − deg)/1000
 * per kWh (≥ 0), so the plan neither dumps its energy before the horizon nor hoards it.
 * No price known at all: no bid. A failed solve: no bid (reported by nobody —
 * the battery just sits out the interval).
 */
import type { BidSegment } from '../../market/types.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import type { StorageView } from '../storage/view.ts';
import type { DayAheadValuation, MarketView } from '../types.ts';
import { planBattery, type BatteryPlan, type BatteryWindow } from './batteryPlan.ts';
import { bidFromBatteryPlan } from './bidFromPlan.ts';
import { forecastWindow, quantile } from './window.ts';
import type { MpcParams } from './params.ts';

/** The storage window LP for a view and a price window (exported for tests and the whole-horizon comparison). */
export function storageWindow(view: StorageView, prices: readonly number[], dtH: number, terminalQuantile: number): BatteryWindow {
  const T = prices.length;
  // Future intervals at the rated limits: the view's `maxChargeKw` is this interval's (SoC-limited) one.
  const ratedCharge = view.ratedChargeKw ?? Math.max(view.maxChargeKw, view.maxDischargeKw);
  const ratedDischarge = view.ratedDischargeKw ?? Math.max(view.maxChargeKw, view.maxDischargeKw);
  const chargeKw = new Float64Array(T).fill(ratedCharge);
  const dischargeKw = new Float64Array(T).fill(ratedDischarge);
  chargeKw[0] = view.maxChargeKw;
  dischargeKw[0] = view.maxDischargeKw;
  const q = quantile(prices, terminalQuantile);
  return {
    dtH,
    pricesMwh: prices,
    socKwh: view.socKwh,
    minSocKwh: view.minSocKwh,
    maxSocKwh: view.maxSocKwh,
    chargeKw,
    dischargeKw,
    chargeEfficiency: view.chargeEfficiency,
    dischargeEfficiency: view.dischargeEfficiency,
    degradationCostPerMwh: view.degradationCostPerMwh,
    terminalValuePerKwh: Math.max(0, (view.dischargeEfficiency * q - view.degradationCostPerMwh) / 1000),
  };
}

export function storageMpcBid(view: StorageView, market: MarketView, params: MpcParams, solver: LpSolver, remember?: (plan: BatteryPlan) => void): BidSegment[] {
  const prices = forecastWindow(market, params.horizonHours);
  if (!prices) return [];
  const w = storageWindow(view, prices, market.interval.durationH, params.terminalQuantile);
  const plan = planBattery(w, solver);
  remember?.(plan);
  if (!plan.ok) return [];
  return bidFromBatteryPlan(plan, w, params.marginMwh, market);
}

/**
 * The day-ahead valuation of an `mpc` battery (docs/markets.md, "mpc as the day-ahead bid"):
 * the day-ahead programme is its plan over the delivery day, with the same end-of-window
 * value as its rolling plan — energy left at the day's end is worth η_d·Q − deg per MWh of
 * cell energy (≥ 0), Q the `terminalQuantile` of the forecast over `horizonHours` from the
 * first delivery interval — and no SoC it must return to (its minimum): the value of what is
 * left, not a constraint, stops it from emptying. No price known: undefined (the default bid).
 * Example: forecast median 80, η_d = √0.9, wear 20 → 0.94868 × 80 − 20 = 55.89 per MWh.
 */
export function storageDayAheadValuation(view: StorageView, market: MarketView, params: MpcParams): DayAheadValuation | undefined {
  const prices = forecastWindow(market, params.horizonHours);
  if (!prices) return undefined;
  const q = quantile(prices, params.terminalQuantile);
  return { terminalValueMwh: Math.max(0, view.dischargeEfficiency * q - view.degradationCostPerMwh), finalSocMinKwh: view.minSocKwh };
}

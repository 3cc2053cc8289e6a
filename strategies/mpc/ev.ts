/**
 * `mpc` for EVs: minimise the cost of charging (less V2G revenue, plus wear) from
 * now until departure, as the battery LP of `batteryPlan.ts` (maximising money is
 * minimising cost), over the intervals left before departure or the window,
 * whichever ends first:
 *
 * - departure within the window: the SoC at the end of the last interval the car is
 *   plugged in must reach the target (a shortfall costs 2 × cap per MWh: only when the
 *   target is physically out of reach);
 * - departure after the window: the SoC left at the window's end is worth what it
 *   saves buying later, τ = (median price / η_c + deg) / 1000 per kWh, and must be at
 *   least what still reaches the target charging flat out after the window.
 *
 * Limits: this interval's from the view (already reduced for time plugged, SoC room,
 * the reserve and departure-feasibility of V2G); later intervals at `chargerKw`
 * (V2G-capable cars discharge at up to `chargerKw` too), scaled by the share of the
 * interval before departure. The bid: the view's `mustChargeKw` at the cap (the car's
 * own safety rule), then the first interval of the plan (`bidFromPlan`). No price
 * known at all: the `ev-slack` rule instead.
 */
import type { BidSegment } from '../../market/types.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { evSlackParams, evSlackStrategy } from '../ev/slack.ts';
import type { EvView } from '../ev/view.ts';
import type { MarketView } from '../types.ts';
import { planBattery, type BatteryWindow } from './batteryPlan.ts';
import { bidFromBatteryPlan } from './bidFromPlan.ts';
import type { MpcParams } from './params.ts';
import { forecastWindow, quantile } from './window.ts';

const noPrices = evSlackStrategy(evSlackParams.parse({}));

export function evWindow(view: EvView, prices: readonly number[], dtH: number, capMwh: number): BatteryWindow {
  const intervalsLeft = Math.max(1, Math.ceil(view.hoursToDeparture / dtH - 1e-9));
  const departsInWindow = intervalsLeft <= prices.length;
  const T = Math.min(prices.length, intervalsLeft);
  const window = prices.slice(0, T);
  const chargeKw = new Float64Array(T);
  const dischargeKw = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const plugged = Math.min(1, Math.max(0, (view.hoursToDeparture - t * dtH) / dtH));
    chargeKw[t] = t === 0 ? view.maxChargeKw : view.chargerKw * plugged;
    dischargeKw[t] = t === 0 ? view.maxDischargeKw : view.v2gCapable ? view.chargerKw * plugged : 0;
  }
  const ec = view.chargeEfficiency;
  const afterWindowH = view.hoursToDeparture - T * dtH;
  return {
    dtH,
    pricesMwh: window,
    socKwh: view.socKwh,
    minSocKwh: view.minSocKwh,
    maxSocKwh: view.targetSocKwh,
    chargeKw,
    dischargeKw,
    chargeEfficiency: ec,
    dischargeEfficiency: view.dischargeEfficiency,
    degradationCostPerMwh: view.degradationCostPerMwh,
    terminalValuePerKwh: departsInWindow ? 0 : Math.max(0, (quantile(window, 0.5) / ec + view.degradationCostPerMwh) / 1000),
    ...(departsInWindow
      ? { target: { socKwh: view.targetSocKwh, penaltyPerKwh: (2 * Math.max(capMwh, 1)) / 1000 } }
      : { endSocFloorKwh: view.targetSocKwh - ec * view.chargerKw * Math.max(0, afterWindowH) }),
  };
}

export function evMpcBid(view: EvView, market: MarketView, params: MpcParams, solver: LpSolver): readonly BidSegment[] {
  const prices = forecastWindow(market, params.horizonHours);
  if (!prices) return noPrices.bid(view, market);
  const w = evWindow(view, prices, market.interval.durationH, market.priceCapMwh);
  const plan = planBattery(w, solver);
  if (!plan.ok) return noPrices.bid(view, market);
  return bidFromBatteryPlan(plan, w, params.marginMwh, market, view.mustChargeKw);
}

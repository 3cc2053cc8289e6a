/**
 * The battery planning LP of the `mpc` strategy (stationary storage and EVs):
 * the best charge/discharge schedule over a look-ahead window against a price
 * forecast, solved through any `LpSolver`. Pure: a function of its input and
 * the solver's answer.
 *
 * With T intervals of Δt hours, forecast prices p_t (currency/MWh), grid-side
 * charge c_t ∈ [0, C_t] and discharge d_t ∈ [0, D_t] (kW), SoC s_t at the end of
 * interval t (kWh), η_c, η_d the efficiencies and deg the wear per MWh of cell
 * throughput:
 *
 *   max  Σ_t Δt/1000 · [ p_t·(d_t − c_t) − deg·(η_c·c_t + d_t/η_d) ]      (money, currency)
 *        + τ · s_{T−1}                                                    (what is left is worth τ per kWh)
 *        − π · u                                                          (EV: shortfall at departure)
 *   s.t. s_t = s_{t−1} + Δt·(η_c·c_t − d_t/η_d),   s_{−1} = SoC now        (one row per interval)
 *        S_min ≤ s_t ≤ S_max
 *        s_{T−1} + u ≥ target,  u ≥ 0                                     (only with a target)
 *
 * The dual of the first SoC row, μ = ∂objective/∂s_0 (currency per kWh), is the
 * marginal value of stored energy after the first interval. It turns the plan into
 * prices: charging one more MWh now is worth it below vBuy = η_c·(1000·μ − deg), and
 * discharging one more above vSell = (1000·μ + deg)/η_d (see `bidFromPlan.ts`).
 */
import type { LpSolver } from '../../market/lp/solver.ts';
import { LpBuilder } from './lpBuilder.ts';

export interface BatteryWindow {
  readonly dtH: number;
  /** Forecast prices, currency/MWh, one per interval of the window (finite). */
  readonly pricesMwh: readonly number[];
  readonly socKwh: number;
  readonly minSocKwh: number;
  readonly maxSocKwh: number;
  /** Grid-side limits per interval, kW (≥ 0), as long as `pricesMwh`. */
  readonly chargeKw: ArrayLike<number>;
  readonly dischargeKw: ArrayLike<number>;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  readonly degradationCostPerMwh: number;
  /** Value of each kWh of SoC left at the window's end, currency/kWh. */
  readonly terminalValuePerKwh: number;
  /** Least SoC at the window's end, kWh (e.g. what an EV needs to still make its target after the window). */
  readonly endSocFloorKwh?: number;
  /** SoC wanted at the window's end (an EV's departure), with the penalty per kWh short. */
  readonly target?: { readonly socKwh: number; readonly penaltyPerKwh: number };
}

export interface BatteryPlan {
  readonly ok: boolean;
  /** Why not, when `ok` is false (the solver's status and message). */
  readonly message: string;
  readonly chargeKw: Float64Array;
  readonly dischargeKw: Float64Array;
  readonly socKwh: Float64Array;
  /** Money of the window (objective), currency. */
  readonly objective: number;
  /** μ: marginal value of SoC after the first interval, currency/kWh; NaN when the solver gave no duals. */
  readonly socValuePerKwh: number;
}

/** Builds and solves the window LP. Never throws on an optimisation outcome: `ok` says whether to trust the plan. */
export function planBattery(w: BatteryWindow, solver: LpSolver): BatteryPlan {
  const T = w.pricesMwh.length;
  const dt = w.dtH;
  const ec = w.chargeEfficiency;
  const ed = w.dischargeEfficiency;
  const deg = w.degradationCostPerMwh;
  // A SoC already outside the bounds (an EV arriving below its reserve) may only move towards them.
  const lo = Math.min(w.minSocKwh, w.socKwh);
  const hi = Math.max(w.maxSocKwh, w.socKwh);
  const b = new LpBuilder();
  const socRows: number[] = [];
  for (let t = 0; t < T; t++) socRows.push(b.row(t === 0 ? w.socKwh : 0, t === 0 ? w.socKwh : 0));
  const targetRow = w.target ? b.row(w.target.socKwh, Infinity) : -1;
  const cCols: number[] = [];
  const dCols: number[] = [];
  const sCols: number[] = [];
  for (let t = 0; t < T; t++) {
    const p = w.pricesMwh[t]!;
    const row = socRows[t]!;
    cCols.push(b.col((-dt / 1000) * (p + deg * ec), 0, Math.max(0, w.chargeKw[t]!), [[row, -dt * ec]]));
    dCols.push(b.col((dt / 1000) * (p - deg / ed), 0, Math.max(0, w.dischargeKw[t]!), [[row, dt / ed]]));
  }
  for (let t = 0; t < T; t++) {
    const last = t === T - 1;
    const entries: Array<[number, number]> = [[socRows[t]!, 1]];
    if (!last) entries.push([socRows[t + 1]!, -1]);
    if (last && targetRow >= 0) entries.push([targetRow, 1]);
    const floor = last && w.endSocFloorKwh !== undefined ? Math.min(hi, Math.max(lo, w.endSocFloorKwh)) : lo;
    sCols.push(b.col(last ? w.terminalValuePerKwh : 0, floor, hi, entries));
  }
  if (w.target) b.col(-w.target.penaltyPerKwh, 0, Infinity, [[targetRow, 1]]);
  const lp = b.build('max');
  const sol = solver.solve(lp);
  const chargeKw = new Float64Array(T);
  const dischargeKw = new Float64Array(T);
  const socKwh = new Float64Array(T);
  if (sol.status !== 'optimal') return { ok: false, message: `${sol.status}: ${sol.message}`, chargeKw, dischargeKw, socKwh, objective: NaN, socValuePerKwh: NaN };
  for (let t = 0; t < T; t++) {
    chargeKw[t] = Math.max(0, sol.colValue[cCols[t]!]!);
    dischargeKw[t] = Math.max(0, sol.colValue[dCols[t]!]!);
    socKwh[t] = sol.colValue[sCols[t]!]!;
  }
  const mu = sol.rowDual && T > 0 ? sol.rowDual[socRows[0]!]! : NaN;
  return { ok: true, message: '', chargeKw, dischargeKw, socKwh, objective: sol.objective, socValuePerKwh: mu };
}

/** The prices at which one more MWh of charging (below vBuy) or discharging (above vSell) pays, from μ (currency/kWh). */
export function marginalPrices(mu: number, w: Pick<BatteryWindow, 'chargeEfficiency' | 'dischargeEfficiency' | 'degradationCostPerMwh'>): { vBuyMwh: number; vSellMwh: number } {
  const deg = w.degradationCostPerMwh;
  return { vBuyMwh: w.chargeEfficiency * (1000 * mu - deg), vSellMwh: (1000 * mu + deg) / w.dischargeEfficiency };
}

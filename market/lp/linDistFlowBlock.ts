/**
 * The LinDistFlow network block of a dispatch LP: the rows and columns of ONE
 * interval's radial feeder, appended to an `LpBuilder`. The caller owns the
 * injections: it adds its columns (offers, generators, inverters' reactive power)
 * into the balance rows this block returns, so the same block serves the
 * single-interval dispatch (market/lp/feederDispatch.ts) and, once per interval, a
 * multi-interval programme.
 *
 * ## Rows and columns (bus k ≠ root, energised, with parent i; U = kW per LP unit)
 *   columns  P_k, Q_k    flow into k from i (LP units of kW, kvar), |P_k| ≤ limit_k (default) — free otherwise
 *            w_k         squared voltage, p.u.², vmin_k² ≤ w_k ≤ vmax_k²; w_root fixed at V_set²
 *            q_sub       (optional) reactive power from the grid at the substation, free
 *   P balance k:  P_k − Σ_{c child of k} P_c + (caller's injections at k) = fixed load_k
 *   Q balance k:  Q_k − Σ_c Q_c + q_sub·[k = root] + (caller's reactive injections) = fixed kvar_k
 *   drop k:       w_k − w_i + 2 (r_k P_k + x_k Q_k) U / S_base = 0
 *   apparent power (option `lineLimit: 'apparent'`): for m = polygonSides (even), m/2 ranged rows
 *                 −L cos(π/m) ≤ cos θ_s P_k + sin θ_s Q_k ≤ L cos(π/m),  θ_s = (2s + 1) π / m,
 *                 the regular m-gon inscribed in |S| ≤ L: an inner approximation (never lets
 *                 more through than the circle), exact at its vertices.
 *   marginal losses (option `losses`, linearised at an operating point 0): the root's P balance
 *                 also withdraws L0 + Σ_i LF_i (p_i − p0_i) + Σ_i LFq_i (q_i − q0_i), p_i and q_i the
 *                 net withdrawals at bus i. Since p_k = P_k − Σ_{c child of k} P_c, that is the
 *                 constant L0 − Σ LF_i p0_i − Σ LFq_i q0_i (moved into the row's bounds) plus, on each
 *                 flow column, (LF_k − LF_parent(k)) P_k and (LFq_k − LFq_parent(k)) Q_k (LF_root = 0):
 *                 the substation supplies the feeder's losses as they change with the dispatch.
 * Without reactive power (`reactive: false`) the Q rows and columns are left out. Given the flows'
 * range (`flowRange`), so are the drop rows and w columns of every subtree whose voltage limits
 * that range proves slack (market/lp/voltageSlack.ts): they would only define its voltages, which
 * the read-back then computes from the flows through the same drop equation. On the feeder bench's
 * book (case141, 10k segments, no limit binds) that is every drop row: 141 rows instead of 281.
 * Islanded buses get nothing: no rows, no columns (their layout entries are −1), so
 * a caller puts no injection there and their demand is unserved.
 *
 * ## Where read-back finds things
 * `LinDistFlowLayout` holds, per bus, the row and column indices; `readLinDistFlow`
 * turns a solution into voltages, flows, prices and the DLMP decomposition
 * (see its comment for the derivation).
 */
import type { RadialFeeder } from '../../network/radial.ts';
import type { LpBuilder } from './lpBuilder.ts';
import type { LpSolution } from './solver.ts';
import { type FlowRange, voltageRowsNeeded } from './voltageSlack.ts';

export type LineLimitForm = 'active' | 'apparent';

/**
 * The feeder's losses linearised at an operating point (network/lossFactors.ts): kW of losses
 * the substation supplies = `constantKw` + Σ_i dLossDpKw_i p_i + Σ_i dLossDqKvar_i q_i, with p_i, q_i
 * the net withdrawals at bus i (kW, kvar). `constantKw` = L0 − Σ LF_i p0_i − Σ LFq_i q0_i.
 */
export interface LinearLosses {
  /** Per bus: ∂Loss/∂p_i, kW of losses per kW withdrawn (0 at the root). */
  readonly dLossDpKw: ArrayLike<number>;
  /** Per bus: ∂Loss/∂q_i, kW of losses per kvar withdrawn (used only where reactive power is modelled). */
  readonly dLossDqKvar?: ArrayLike<number>;
  readonly constantKw: number;
}

export interface LinDistFlowBlockSpec {
  /** kW per LP unit (scaling only); default 1. */
  readonly unitKw?: number;
  /** Fixed withdrawal per bus, kW and kvar (moved into the balance rows' bounds). */
  readonly fixedLoadKw?: ArrayLike<number>;
  readonly fixedLoadKvar?: ArrayLike<number>;
  /** |P| ≤ limit on each branch (default), or the apparent-power polygon. */
  readonly lineLimit?: LineLimitForm;
  /** Sides of the apparent-power polygon, even, ≥ 4; default 12 (within 3.4 % of the circle). */
  readonly polygonSides?: number;
  /** Enforce voltage limits (default true); relaxed, the w bounds are ±∞. */
  readonly voltageLimits?: boolean;
  /** Enforce branch limits (default true). */
  readonly lineLimits?: boolean;
  /** A free reactive source at the substation (the upstream grid), default true; false when generators there supply Q. */
  readonly substationReactive?: boolean;
  /**
   * Model reactive power (default true). False when nothing on the feeder draws or makes any:
   * every Q is then 0, and the Q rows and columns are left out (a third fewer rows).
   */
  readonly reactive?: boolean;
  /** Marginal losses supplied at the substation (see the header); absent: lossless (the default). */
  readonly losses?: LinearLosses;
  /**
   * The range of each branch's flow that the caller's injections allow (market/lp/voltageSlack.ts):
   * given, the drop rows and w columns of every subtree whose voltage limits it proves slack are
   * left out (their `wCol` and `dropRow` are −1; the read-back computes their voltages from the
   * flows). Absent: every bus has both.
   */
  readonly flowRange?: FlowRange;
}

export interface LinDistFlowLayout {
  readonly feeder: RadialFeeder;
  readonly unitKw: number;
  /** Per bus, −1 where islanded (`wCol` also where `flowRange` proved the bus's subtree slack; the root always has one). */
  readonly pBalanceRow: Int32Array;
  readonly qBalanceRow: Int32Array;
  readonly wCol: Int32Array;
  /** Per bus (as the child end of its parent branch), −1 for the root and islanded buses. */
  readonly pFlowCol: Int32Array;
  readonly qFlowCol: Int32Array;
  /** Per bus, −1 for the root, islanded buses and those whose subtree `flowRange` proved slack. */
  readonly dropRow: Int32Array;
  /** First polygon row of a bus's parent branch (−1 for none); `polygonRows` per branch. */
  readonly polygonRow: Int32Array;
  readonly polygonRows: number;
  /** Per polygon row s: the P and Q coefficients (cos θ_s, sin θ_s). */
  readonly polygonCos: Float64Array;
  readonly polygonSin: Float64Array;
  /** The substation's free reactive column, or −1. */
  readonly substationQCol: number;
  /** The linearised losses the root's balance carries, when any. */
  readonly losses?: LinearLosses;
}

/** Appends one interval's LinDistFlow rows and columns to `lp`. */
export function appendLinDistFlow(lp: LpBuilder, feeder: RadialFeeder, spec: LinDistFlowBlockSpec = {}): LinDistFlowLayout {
  const U = spec.unitKw ?? 1;
  const n = feeder.busCount;
  const { order, parent, root } = feeder;
  const apparent = spec.lineLimit === 'apparent';
  const sides = spec.polygonSides ?? 12;
  if (apparent && !(Number.isInteger(sides) && sides >= 4 && sides % 2 === 0)) throw new RangeError(`polygonSides must be an even integer ≥ 4, got ${sides}`);
  const voltage = spec.voltageLimits ?? true;
  const lines = spec.lineLimits ?? true;
  const pBalanceRow = new Int32Array(n).fill(-1);
  const qBalanceRow = new Int32Array(n).fill(-1);
  const wCol = new Int32Array(n).fill(-1);
  const pFlowCol = new Int32Array(n).fill(-1);
  const qFlowCol = new Int32Array(n).fill(-1);
  const dropRow = new Int32Array(n).fill(-1);
  const polygonRow = new Int32Array(n).fill(-1);
  const half = apparent ? sides / 2 : 0;
  const polygonCos = new Float64Array(half);
  const polygonSin = new Float64Array(half);
  for (let s = 0; s < half; s++) {
    const theta = ((2 * s + 1) * Math.PI) / sides;
    polygonCos[s] = Math.cos(theta);
    polygonSin[s] = Math.sin(theta);
  }
  const shrink = apparent ? Math.cos(Math.PI / sides) : 1;
  const pLoad = spec.fixedLoadKw;
  const qLoad = spec.fixedLoadKvar;
  const vSet2 = feeder.substationVoltagePu ** 2;
  const reactive = spec.reactive ?? true;
  const losses = spec.losses;
  const needed = spec.flowRange ? voltageRowsNeeded(feeder, spec.flowRange, { voltageLimits: voltage, activeLineLimits: lines && !apparent }) : undefined;
  for (const k of order) {
    // The root's balance also withdraws the losses' constant part (see the header).
    const fixed = (pLoad ? pLoad[k]! : 0) + (losses && k === root ? losses.constantKw : 0);
    pBalanceRow[k] = lp.addRow(fixed / U, fixed / U);
    if (reactive) qBalanceRow[k] = lp.addRow(qLoad ? qLoad[k]! / U : 0, qLoad ? qLoad[k]! / U : 0);
    const lo = k === root ? vSet2 : voltage ? feeder.vMinPu[k]! ** 2 : -Infinity;
    const hi = k === root ? vSet2 : voltage ? feeder.vMaxPu[k]! ** 2 : Infinity;
    // The root's is kept (fixed, without entries when no drop row needs it): the read-back starts from it.
    if (!needed || needed[k] || k === root) wCol[k] = lp.addColumn(lo, hi);
  }
  const c = U / feeder.baseKva;
  for (const k of order) {
    if (k === root) continue;
    const i = parent[k]!;
    const limit = lines ? feeder.limitKw[k]! / U : Infinity;
    const pCol = lp.addColumn(apparent ? -Infinity : -limit, apparent ? Infinity : limit);
    const qCol = reactive ? lp.addColumn(-Infinity, Infinity) : -1;
    pFlowCol[k] = pCol;
    qFlowCol[k] = qCol;
    lp.add(pBalanceRow[k]!, pCol, 1);
    lp.add(pBalanceRow[i]!, pCol, -1);
    if (reactive) {
      lp.add(qBalanceRow[k]!, qCol, 1);
      lp.add(qBalanceRow[i]!, qCol, -1);
    }
    if (losses) {
      // The flow's share of the losses the root supplies (the builder sums it with the −1 above when i is the root).
      const dp = lossStep(losses.dLossDpKw, k, i, root);
      if (dp !== 0) lp.add(pBalanceRow[root]!, pCol, -dp);
      const dq = reactive && losses.dLossDqKvar ? lossStep(losses.dLossDqKvar, k, i, root) : 0;
      if (dq !== 0) lp.add(pBalanceRow[root]!, qCol, -dq);
    }
    if (!needed || needed[k]) {
      const drop = lp.addRow(0, 0);
      dropRow[k] = drop;
      lp.add(drop, wCol[k]!, 1);
      lp.add(drop, wCol[i]!, -1);
      lp.add(drop, pCol, 2 * feeder.rPu[k]! * c);
      if (reactive) lp.add(drop, qCol, 2 * feeder.xPu[k]! * c);
    }
    if (apparent && Number.isFinite(limit)) {
      const edge = limit * shrink;
      for (let s = 0; s < half; s++) {
        const row = lp.addRow(-edge, edge);
        if (s === 0) polygonRow[k] = row;
        lp.add(row, pCol, polygonCos[s]!);
        if (reactive) lp.add(row, qCol, polygonSin[s]!);
      }
    }
  }
  let substationQCol = -1;
  if (reactive && (spec.substationReactive ?? true)) {
    substationQCol = lp.addColumn(-Infinity, Infinity);
    lp.add(qBalanceRow[root]!, substationQCol, 1);
  }
  return { feeder, unitKw: U, pBalanceRow, qBalanceRow, wCol, pFlowCol, qFlowCol, dropRow, polygonRow, polygonRows: half, polygonCos, polygonSin, substationQCol, ...(losses ? { losses } : {}) };
}

/** LF_k − LF_parent, with LF_root = 0: a flow into k carries k's subtree's withdrawals, so its coefficient is the step along the branch. */
function lossStep(factor: ArrayLike<number>, k: number, parent: number, root: number): number {
  return factor[k]! - (parent === root ? 0 : factor[parent]!);
}

/** What one interval's block says after a solve; kW, kvar, p.u., currency/MWh. NaN at islanded buses. */
export interface LinDistFlowReadout {
  /** Per bus: voltage magnitude √w, p.u. */
  readonly vmPu: Float64Array;
  /** Per bus: active and reactive flow into it from its parent, kW / kvar. */
  readonly pFlowKw: Float64Array;
  readonly qFlowKvar: Float64Array;
  /** Reactive power from the grid at the substation, kvar (0 without that column). */
  readonly substationKvar: number;
  /** Per bus: DLMP = marginal cost of 1 MWh more withdrawal there, and its parts (sum exactly to it). */
  readonly priceMwh: Float64Array;
  readonly energyMwh: Float64Array;
  readonly congestionMwh: Float64Array;
  readonly voltageMwh: Float64Array;
  /** Per bus: the marginal losses' part, π_root · ∂Loss/∂p_k (0 everywhere on a lossless clearing). */
  readonly lossMwh: Float64Array;
  /** Per bus: marginal cost of 1 Mvarh more reactive withdrawal, currency/Mvarh. */
  readonly reactivePriceMvarh: Float64Array;
  /**
   * Per bus: the voltage limit's shadow price ν_k (∂welfare/∂w_k's bound, currency/h per p.u.² ×
   * 1000/U), > 0 at vmax, < 0 at vmin, 0 within the band; and per bus as a child, its parent
   * branch's thermal shadow price (currency/MWh, ≥ 0, non-zero only at the limit).
   */
  readonly voltageDual: Float64Array;
  readonly lineShadowMwh: Float64Array;
}

/**
 * Reads the block back from a solution.
 *
 * ## DLMP decomposition (from the KKT conditions)
 * With π_k = −(dual of P balance k) (welfare maximised; the dual is ∂welfare/∂load), the
 * stationarity of each flow column P_k (cost 0) and voltage column w_k reads, with the
 * solver's convention cost_j = Σ_i A_ij y_i + d_j (y row duals, d column duals):
 *   P_k:  0 = y^P_k − y^P_i + 2 r_k c y^drop_k + Σ_s cos θ_s δ_{k,s} + d^P_k        (c = U/S_base)
 *   w_k:  0 = y^drop_k − Σ_{j child of k} y^drop_j + d^w_k
 * so y^drop_k = −Σ_{m ∈ subtree(k)} d^w_m and, walking down from the substation,
 *   π_k = π_root + Σ_{l ∈ path(k)} (d^P_l + Σ_s cos θ_s δ_{l,s}) + Σ_{l ∈ path(k)} 2 r_l c y^drop_l
 *       = energy     + congestion                                 + voltage
 * energy = the substation's price; congestion = Σ_l μ_l ∂P_l/∂d_k (∂P_l/∂d_k = 1 for the
 * branches on k's path, μ_l the thermal duals); voltage = Σ_m ν_m ∂w_m/∂d_k with
 * ∂w_m/∂d_k = −2 c Σ_{l ∈ path(m) ∩ path(k)} r_l and ν_m = d^w_m. The three parts are
 * computed from their own formulas; they sum to π_k to the solver's tolerance (tested).
 *
 * With marginal losses (the block's `losses`), each P_k also has −(LF_k − LF_parent) in the root's
 * balance row, so its stationarity gains −(LF_k − LF_parent) y^P_root and, walking down,
 *   π_k = energy + loss + congestion + voltage,   loss = Σ_{l ∈ path(k)} (LF_l − LF_parent(l)) π_root = LF_k π_root:
 * the DLMP of the literature, λ (1 + ∂Loss/∂p_k) + congestion + voltage (Papavasiliou 2018).
 * Without `losses` the loss part is 0 at every bus. The reactive prices carry their loss part too
 * (LFq on the Q columns); they are not split.
 */
export function readLinDistFlow(layout: LinDistFlowLayout, solution: LpSolution): LinDistFlowReadout {
  const { feeder, unitKw: U, losses } = layout;
  const n = feeder.busCount;
  const { order, parent, root } = feeder;
  const x = solution.colValue;
  const y = solution.rowDual;
  const d = solution.colDual;
  const nan = (): Float64Array => new Float64Array(n).fill(NaN);
  const vmPu = nan();
  const pFlowKw = nan();
  const qFlowKvar = nan();
  const priceMwh = nan();
  const energyMwh = nan();
  const congestionMwh = nan();
  const voltageMwh = nan();
  const lossMwh = nan();
  const reactivePriceMvarh = nan();
  const voltageDual = nan();
  const lineShadowMwh = nan();
  const c = U / feeder.baseKva;
  // w of a bus whose drop row was left out (see `flowRange`): its drop equation, from its parent's w.
  const w = new Float64Array(n);
  for (const k of order) {
    const qCol = layout.qFlowCol[k]!;
    if (layout.wCol[k]! >= 0) w[k] = x[layout.wCol[k]!]!;
    else w[k] = w[parent[k]!]! - 2 * (feeder.rPu[k]! * x[layout.pFlowCol[k]!]! + (qCol >= 0 ? feeder.xPu[k]! * x[qCol]! : 0)) * c;
    vmPu[k] = Math.sqrt(Math.max(0, w[k]!));
    pFlowKw[k] = k === root ? 0 : x[layout.pFlowCol[k]!]! * U;
    qFlowKvar[k] = k === root || qCol < 0 ? 0 : x[qCol]! * U;
  }
  const substationKvar = layout.substationQCol >= 0 ? x[layout.substationQCol]! * U : 0;
  if (!y || !d) return { vmPu, pFlowKw, qFlowKvar, substationKvar, priceMwh, energyMwh, congestionMwh, voltageMwh, lossMwh, reactivePriceMvarh, voltageDual, lineShadowMwh };
  // y^drop_k = −Σ_{m ∈ subtree(k)} d^w_m: leaves first.
  const dropDual = new Float64Array(n);
  for (let a = order.length - 1; a >= 0; a--) {
    const k = order[a]!;
    // A left-out w's bounds were proved never active: dual 0.
    voltageDual[k] = k === root || layout.wCol[k]! < 0 ? 0 : d[layout.wCol[k]!]!;
    if (k === root) continue;
    dropDual[k]! += -voltageDual[k]!;
    const p = parent[k]!;
    if (p !== root) dropDual[p]! += dropDual[k]!;
  }
  for (const k of order) {
    priceMwh[k] = -y[layout.pBalanceRow[k]!]! + 0;
    reactivePriceMvarh[k] = layout.qBalanceRow[k]! >= 0 ? -y[layout.qBalanceRow[k]!]! + 0 : NaN;
    if (k === root) {
      energyMwh[k] = priceMwh[k]!;
      congestionMwh[k] = 0;
      voltageMwh[k] = 0;
      lossMwh[k] = 0;
      lineShadowMwh[k] = 0;
      continue;
    }
    const p = parent[k]!;
    let mu = d[layout.pFlowCol[k]!]!;
    const first = layout.polygonRow[k]!;
    if (first >= 0) for (let s = 0; s < layout.polygonRows; s++) mu += layout.polygonCos[s]! * y[first + s]!;
    lineShadowMwh[k] = Math.abs(mu);
    energyMwh[k] = energyMwh[p]!;
    congestionMwh[k] = congestionMwh[p]! + mu;
    voltageMwh[k] = voltageMwh[p]! + 2 * feeder.rPu[k]! * c * dropDual[k]!;
    lossMwh[k] = lossMwh[p]! + (losses ? lossStep(losses.dLossDpKw, k, p, root) * energyMwh[root]! : 0);
  }
  return { vmPu, pFlowKw, qFlowKvar, substationKvar, priceMwh, energyMwh, congestionMwh, voltageMwh, lossMwh, reactivePriceMvarh, voltageDual, lineShadowMwh };
}

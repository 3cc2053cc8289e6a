/**
 * Which of a feeder LP's voltage rows no dispatch of the book can make bind, proved before the
 * solve from the offers' bounds alone: those rows (and their w columns) are left out of the LP,
 * which then has up to half the rows, and the voltages are computed from the flows after it.
 *
 * ## Why it holds
 * Summing the P balance rows of the buses in k's subtree (market/lp/linDistFlowBlock.ts) leaves
 * the flow into k: P_k = Σ_{m ∈ subtree(k)} d_m, d_m the net withdrawal at m (fixed load + buys −
 * sells). Every offer lies within its bounds, so P_k lies within the sum of the d_m's ranges. On a
 * lossless feeder Σ_all d_m = 0 (the flows cancel in the sum of every balance row: nothing else
 * supplies the feeder), so also P_k = −Σ_{m ∉ subtree(k)} d_m: the flow into a subtree is at most
 * what the rest of the feeder can sell it. The same sums bound Q_k (subtree only: the substation's
 * reactive source is free). A branch limit |P_k| ≤ L (the active form) narrows the range further.
 *
 * The drop rows give w_k = w_parent − 2c (r_k P_k + x_k Q_k) (c = U/S_base), so along the path
 * from the substation (w fixed at V_set²) the ranges of the flows bound w_k: [wLow_k, wHigh_k].
 * When that lies inside (vmin_k², vmax_k²) by `PROOF_MARGIN_PU2`, the bounds on w_k are never
 * active at any feasible point, their duals are 0 at every optimum, and so are the drop row's
 * duals of a subtree whose every bus is so: y^drop_k = −Σ_{m ∈ subtree(k)} d^w_m (the block's
 * read-back). Such a subtree's drop rows and w columns only define the voltages: dropping them
 * leaves the same feasible flows and offers, the same optimum and the same prices (the voltage
 * parts of its DLMPs are 0 either way), and w_k is read back through the same drop equation.
 *
 * Pure.
 */
import type { RadialFeeder } from '../../network/radial.ts';

/**
 * Per bus k (as the child end of its parent branch): the range of the flow into k that the
 * balance rows and the offers' bounds allow, kW and kvar; ±Infinity where unbounded.
 */
export interface FlowRange {
  readonly pLowKw: Float64Array;
  readonly pHighKw: Float64Array;
  /** Absent: no reactive power modelled (every Q is 0). */
  readonly qLowKvar?: Float64Array;
  readonly qHighKvar?: Float64Array;
}

/** What the proof needs from the book: per offer its bus, side, bounds and tan φ; fixed loads and reactive sources per bus. */
export interface FlowRangeInput {
  readonly feeder: RadialFeeder;
  readonly offers: { readonly count: number; readonly bus: Int32Array; readonly isBuy: Uint8Array; readonly lowerKw: Float64Array; readonly upperKw: Float64Array };
  readonly kvarPerKw?: Float64Array | undefined;
  readonly fixedLoadKw?: ArrayLike<number> | undefined;
  readonly fixedLoadKvar?: ArrayLike<number> | undefined;
  readonly sources?: { readonly count: number; readonly bus: Int32Array; readonly lowerKvar: Float64Array; readonly upperKvar: Float64Array } | undefined;
  /** Model reactive power (Q ranges computed). */
  readonly reactive: boolean;
  /** The feeder's P balances sum to zero (no linearised losses at the root): the complement's bound holds too. */
  readonly lossless: boolean;
}

/** A margin on the proof, p.u.² (≈ 5e-7 p.u. of voltage): the solver's feasibility tolerance and rounding stay well inside it. */
export const PROOF_MARGIN_PU2 = 1e-6;

/**
 * The dispatch leaves rows out from this many offer columns (market/lp/feederDispatch.ts). The optimum is the same
 * either way, but where it is not unique (a bid at exactly the clearing price: zero surplus) HiGHS may end at another
 * of the optimal vertices on the smaller LP than on the whole one. Below this size a clearing takes a few milliseconds
 * either way, and the whole LP keeps the vertices the engine has always given (every example scenario's book is
 * smaller); above it the smaller LP pays (the feeder bench's 10k segments: 9,985 columns, HiGHS 21 ms against 53),
 * and ties may break differently, as in the windowed solve of a large book. The same threshold as the windowed
 * solve's dense books (market/lp/priceWindows.ts `WINDOWED_DENSE_MIN_COLUMNS`).
 */
export const PRUNE_MIN_COLUMNS = 4_096;

/** The flow ranges of `input` (see the header); one pass over the offers and two over the tree. */
export function flowRange(input: FlowRangeInput): FlowRange {
  const { feeder, offers } = input;
  const n = feeder.busCount;
  const { order, parent, root } = feeder;
  // Net withdrawal ranges per bus, then summed over subtrees (leaves first).
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const qLo = input.reactive ? new Float64Array(n) : undefined;
  const qHi = input.reactive ? new Float64Array(n) : undefined;
  const tan = input.kvarPerKw;
  for (let j = 0; j < offers.count; j++) {
    const k = offers.bus[j]!;
    if (feeder.energised[k] !== 1) continue;
    const a = offers.lowerKw[j]!;
    const b = offers.upperKw[j]!;
    if (offers.isBuy[j]) {
      lo[k]! += a;
      hi[k]! += b;
    } else {
      lo[k]! -= b;
      hi[k]! -= a;
    }
    const t = tan ? tan[j]! : 0;
    if (qLo && t !== 0) {
      // A buy withdraws t kvar per kW, a sell injects it: withdrawal s·t·y with s = ±1.
      const s = offers.isBuy[j] ? t : -t;
      qLo[k]! += s > 0 ? s * a : s * b;
      qHi![k]! += s > 0 ? s * b : s * a;
    }
  }
  if (input.fixedLoadKw) {
    for (let k = 0; k < n; k++) {
      lo[k]! += input.fixedLoadKw[k]!;
      hi[k]! += input.fixedLoadKw[k]!;
    }
  }
  if (qLo && input.fixedLoadKvar) {
    for (let k = 0; k < n; k++) {
      qLo[k]! += input.fixedLoadKvar[k]!;
      qHi![k]! += input.fixedLoadKvar[k]!;
    }
  }
  const src = input.sources;
  if (qLo && src) {
    for (let s = 0; s < src.count; s++) {
      const k = src.bus[s]!;
      qLo[k]! -= src.upperKvar[s]!;
      qHi![k]! -= src.lowerKvar[s]!;
    }
  }
  let totalLo = 0;
  let totalHi = 0;
  for (const k of order) {
    totalLo += lo[k]!;
    totalHi += hi[k]!;
  }
  for (let a = order.length - 1; a > 0; a--) {
    const k = order[a]!;
    const p = parent[k]!;
    lo[p]! += lo[k]!;
    hi[p]! += hi[k]!;
    if (qLo) {
      qLo[p]! += qLo[k]!;
      qHi![p]! += qHi![k]!;
    }
  }
  const pLowKw = new Float64Array(n).fill(NaN);
  const pHighKw = new Float64Array(n).fill(NaN);
  for (const k of order) {
    if (k === root) continue;
    let low = orInfinity(lo[k]!, -Infinity);
    let high = orInfinity(hi[k]!, Infinity);
    if (input.lossless) {
      // P_k = −Σ_{outside} d_m ∈ [−(totalHi − hi_k), −(totalLo − lo_k)], where the totals are finite.
      if (Number.isFinite(totalHi) && Number.isFinite(hi[k]!)) low = Math.max(low, -(totalHi - hi[k]!));
      if (Number.isFinite(totalLo) && Number.isFinite(lo[k]!)) high = Math.min(high, -(totalLo - lo[k]!));
    }
    pLowKw[k] = low;
    pHighKw[k] = high;
  }
  if (!qLo) return { pLowKw, pHighKw };
  const qLowKvar = new Float64Array(n).fill(NaN);
  const qHighKvar = new Float64Array(n).fill(NaN);
  for (const k of order) {
    if (k === root) continue;
    qLowKvar[k] = orInfinity(qLo[k]!, -Infinity);
    qHighKvar[k] = orInfinity(qHi![k]!, Infinity);
  }
  return { pLowKw, pHighKw, qLowKvar, qHighKvar };
}

/** NaN (∞ − ∞ of unbounded offers on both sides) is no bound. */
function orInfinity(v: number, unbounded: number): number {
  return Number.isNaN(v) ? unbounded : v;
}

export interface VoltageProofSpec {
  /** The block enforces voltage limits (false: every w is free, none binds). */
  readonly voltageLimits: boolean;
  /** |P_k| ≤ limit_k on each branch narrows the flow ranges (the active line-limit form, enforced). */
  readonly activeLineLimits: boolean;
}

/**
 * Per bus: 1 where the block must keep its w column and drop row (its voltage limit, or one in
 * its subtree, may bind), 0 where the whole subtree's limits are proved slack. The root is 1 when
 * any of its children is. Islanded buses are 0.
 */
export function voltageRowsNeeded(feeder: RadialFeeder, range: FlowRange, spec: VoltageProofSpec): Uint8Array {
  const n = feeder.busCount;
  const { order, parent, root } = feeder;
  const need = new Uint8Array(n);
  const wLow = new Float64Array(n);
  const wHigh = new Float64Array(n);
  const c = 2 / feeder.baseKva;
  for (const k of order) {
    if (k === root) {
      wLow[k] = wHigh[k] = feeder.substationVoltagePu ** 2;
      continue;
    }
    const i = parent[k]!;
    let pLow = range.pLowKw[k]!;
    let pHigh = range.pHighKw[k]!;
    if (spec.activeLineLimits) {
      pLow = Math.max(pLow, -feeder.limitKw[k]!);
      pHigh = Math.min(pHigh, feeder.limitKw[k]!);
    }
    // The drop 2 (r P + x Q) / S_base in p.u.² (kW over kVA), as an interval.
    const [pd0, pd1] = scaled(c * feeder.rPu[k]!, pLow, pHigh);
    const [qd0, qd1] = range.qLowKvar ? scaled(c * feeder.xPu[k]!, range.qLowKvar[k]!, range.qHighKvar![k]!) : [0, 0];
    wLow[k] = wLow[i]! - (pd1 + qd1);
    wHigh[k] = wHigh[i]! - (pd0 + qd0);
    const inside = wLow[k]! > feeder.vMinPu[k]! ** 2 + PROOF_MARGIN_PU2 && wHigh[k]! < feeder.vMaxPu[k]! ** 2 - PROOF_MARGIN_PU2;
    need[k] = !spec.voltageLimits || inside ? 0 : 1;
  }
  // A bus whose subtree needs a row keeps its own (its w is in its children's drop rows).
  for (let a = order.length - 1; a > 0; a--) {
    const k = order[a]!;
    if (need[k]) need[parent[k]!] = 1;
  }
  return need;
}

/** [a·lo, a·hi] ordered; 0 when a = 0 (whatever the range). */
function scaled(a: number, lo: number, hi: number): [number, number] {
  if (a === 0) return [0, 0];
  const x = a * lo;
  const y = a * hi;
  return x <= y ? [x, y] : [y, x];
}

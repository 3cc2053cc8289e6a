/**
 * The LinDistFlow dispatch of a radial feeder with marginal losses: DLMP_k = λ (1 + ∂Loss/∂p_k)
 * + congestion + voltage (Papavasiliou 2018; Bai et al. 2018), the substation supplying the
 * losses as the dispatch changes them.
 *
 * The losses are linearised at an operating point found by iteration, bounded. The answer sought is
 * a fixed point: a dispatch that is an optimum of the LP linearised at that dispatch itself.
 *   0. clear lossless (the plain dispatch);
 *   1. run the AC sweep at the dispatch's net withdrawals and take its loss factors
 *      (network/lossFactors.ts): L0, LF_i = ∂Loss/∂p_i and, where asked, LFq_i = ∂Loss/∂q_i;
 *   2. clear again with the root's balance carrying L0 + Σ LF_i (p_i − p0_i) + Σ LFq_i (q_i − q0_i)
 *      (market/lp/linDistFlowBlock.ts, option `losses`); the new dispatch is the next point (a whole
 *      step) until it is a fixed point, or it comes back to an earlier dispatch's columns (a cycle),
 *      at most `maxIterations` re-clearings (default 8);
 *   3. on a cycle, the columns that moved along it are marginal: the LP's vertex jumps when the
 *      factors carry a block's price across its bus's DLMP, and the consistent answer clears that
 *      block in part, which no vertex of a linearised LP is. They are held at quantities q and moved
 *      by projected Newton on their surplus (market/lp/marginalLossColumns.ts), the rest cleared by
 *      the LP at the point's factors, at most `maxColumnIterations` clearings (default 8).
 * **The fixed-point condition** (`lossIterations.gapMwh`, converged when ≤ `priceToleranceMwh`):
 *   max over buses of π_root · |LF_k(dispatch) − LF_k(point)| (the DLMPs linearised at the dispatch
 *   itself would move by that much) and over the held columns of their complementarity gap (a held
 *   column inside its bounds has value = DLMP, at its lower bound value ≤ DLMP, at its upper ≥).
 * With fixed loads the dispatch does not move, so one re-clearing suffices. If the bound is reached
 * the result says so (`lossIterations.converged` false) and is the clearing with the smallest gap
 * among those whose prices support their awards (a clearing with held blocks only while each is
 * within `MARGINAL_LOSS_HELD_SUPPORT_MWH` of its condition);
 * `losses.suppliedKw` (with `outside`: the residual Σ LF (p − p0)) says how far its losses are from
 * that point's.
 *
 * `solve` is the dispatch to repeat (the whole LP, or the windowed one, which gives the same
 * result: the loss terms sit on flow columns and in the root's bounds, which the windows keep).
 *
 * Pure; never throws on an optimisation outcome. A sweep that does not converge at an operating
 * point (voltage collapse) ends the iteration with the lossless clearing's status replaced by
 * 'solver-error' and a message saying so: the losses are unknown, so no marginal price is made up.
 */
import { type LossFactors, lossFactors } from '../../network/lossFactors.ts';
import type { RadialFeeder } from '../../network/radial.ts';
import { dispatchFeeder, type FeederDispatchResult, type FeederProblem, modelsReactive } from './feederDispatch.ts';
import type { Offers } from './dispatch.ts';
import type { LinearLosses, LinDistFlowReadout } from './linDistFlowBlock.ts';
import { columnSurplusMwh, complementarityGapMwh, settleColumns, withdrawalSign } from './marginalLossColumns.ts';
import type { LpSolver } from './solver.ts';

export interface MarginalLossOptions {
  /** Re-clearings at most (≥ 1; default 8). */
  readonly maxIterations?: number;
  /** Quantities within this are the same (a dispatch coming back to an earlier one's columns; a column at its bound), kW (default 1e-6). */
  readonly toleranceKw?: number;
  /** Clearings with the marginal columns held, after a cycle, at most (≥ 0; default 8). */
  readonly maxColumnIterations?: number;
  /** The fixed-point condition's tolerance, currency/MWh (default `MARGINAL_LOSS_PRICE_TOLERANCE_MWH`; see the header). */
  readonly priceToleranceMwh?: number;
  /**
   * Put ∂Loss/∂q in the clearing too where reactive power is modelled (default false). Off by default:
   * reactive sources (inverters, generators' Q) are free decisions, and a linear price on their Q's
   * losses swings them from bound to bound between iterations. Measured on scenarios/feeder-voltage.yaml
   * (inverters in `clearing` mode): with them 58 of 96 intervals never settled and the AC losses rose
   * from 198 to 385 kWh; without them the losses stay 204–207 kWh.
   */
  readonly reactiveFactors?: boolean;
  /**
   * Who supplies the operating point's losses L0: `market` (default), the offers at the substation
   * (an OPF's generators: the root's balance carries L0 + Σ LF (p − p0)); or `outside`, a supply
   * beside the market (a scenario run: the `losses` stage buys the AC losses from the grid behind the
   * substation), so the root's balance carries only Σ LF (p − p0) and, at a converged point, the
   * market's offers balance its bids while the prices still carry λ · LF at the margin.
   */
  readonly operatingLosses?: 'market' | 'outside';
  /** The dispatch to repeat; default the whole LP (`dispatchFeeder`). */
  readonly solve?: (problem: FeederProblem, solver: LpSolver) => FeederDispatchResult;
}

export interface MarginalLossResult extends FeederDispatchResult {
  /** The linearisation the returned clearing used (absent when it never got one: a failed first clearing). */
  readonly losses?: LinearLosses & {
    /** AC losses at the operating point, kW. */
    readonly operatingLossesKw: number;
    /** What the root's balance carries for losses at the returned dispatch: L0 + Σ LF (p − p0) + Σ LFq (q − q0) (without L0 when `outside` supplies it), kW. */
    readonly suppliedKw: number;
  };
  /** Re-clearings made (both phases; the balancing clearing aside), whether the fixed-point condition holds, and its gap, currency/MWh (NaN when no clearing was made). */
  readonly lossIterations: { readonly count: number; readonly converged: boolean; readonly gapMwh: number };
}

export const MARGINAL_LOSS_MAX_ITERATIONS = 8;
export const MARGINAL_LOSS_MAX_COLUMN_ITERATIONS = 8;
/**
 * The fixed-point condition holds within this, currency/MWh: a tenth of the default price tick (0.01), so a
 * converged clearing's DLMPs round to the ticks its own linearisation would give, but for a price that
 * falls within 0.001 of a half tick. The loss factors' own error (~1e-6) is 3e-4/MWh at 300/MWh.
 */
export const MARGINAL_LOSS_PRICE_TOLERANCE_MWH = 1e-3;
/** A clearing with held blocks is kept, unconverged, only while each is within this of its condition: half the default tick (see `keep`). */
export const MARGINAL_LOSS_HELD_SUPPORT_MWH = 0.005;

/** Net withdrawals per bus (kW, kvar) of a LinDistFlow readout: p_k = P_k − Σ_{c child of k} P_c; 0 at the root and islands. */
export function netWithdrawals(feeder: RadialFeeder, r: LinDistFlowReadout): { kw: Float64Array; kvar: Float64Array } {
  const n = feeder.busCount;
  const kw = new Float64Array(n);
  const kvar = new Float64Array(n);
  for (const k of feeder.order) {
    if (k === feeder.root || feeder.energised[k] !== 1) continue;
    kw[k]! += r.pFlowKw[k]!;
    kvar[k]! += r.qFlowKvar[k]!;
    const p = feeder.parent[k]!;
    if (p === feeder.root) continue;
    kw[p]! -= r.pFlowKw[k]!;
    kvar[p]! -= r.qFlowKvar[k]!;
  }
  return { kw, kvar };
}

/** `dispatchFeeder(problem)` with marginal losses (see the header). */
export function dispatchFeederMarginalLosses(problem: FeederProblem, solver: LpSolver, opts: MarginalLossOptions = {}): MarginalLossResult {
  const solve = opts.solve ?? dispatchFeeder;
  const maxIt = opts.maxIterations ?? MARGINAL_LOSS_MAX_ITERATIONS;
  if (!(Number.isInteger(maxIt) && maxIt >= 1)) throw new RangeError(`maxIterations must be an integer ≥ 1, got ${maxIt}`);
  const maxColumnIt = opts.maxColumnIterations ?? MARGINAL_LOSS_MAX_COLUMN_ITERATIONS;
  if (!(Number.isInteger(maxColumnIt) && maxColumnIt >= 0)) throw new RangeError(`maxColumnIterations must be an integer ≥ 0, got ${maxColumnIt}`);
  const tol = opts.toleranceKw ?? 1e-6;
  const priceTol = opts.priceToleranceMwh ?? MARGINAL_LOSS_PRICE_TOLERANCE_MWH;
  const { feeder, offers, kvarPerKw } = problem;
  const reactive = problem.block?.reactive ?? modelsReactive(problem);
  const reactiveFactors = reactive && (opts.reactiveFactors ?? false);
  const outside = opts.operatingLosses === 'outside';
  const root = feeder.root;

  /** The linearisation at `point` (its factors `lf`): the root's balance carries (L0 +) Σ LF (p − p0). */
  const linearAt = (point: Withdrawals, lf: LossFactors): LinearLosses => {
    let constantKw = outside ? 0 : lf.lossesKw;
    for (let k = 0; k < feeder.busCount; k++) constantKw -= lf.dLossDpKw[k]! * point.kw[k]! + lf.dLossDqKvar[k]! * point.kvar[k]!;
    return { dLossDpKw: lf.dLossDpKw, dLossDqKvar: lf.dLossDqKvar, constantKw };
  };
  const suppliedAt = (linear: LinearLosses, at: Withdrawals): number => {
    let kw = linear.constantKw;
    const dq = linear.dLossDqKvar;
    for (let k = 0; k < feeder.busCount; k++) kw += linear.dLossDpKw[k]! * at.kw[k]! + (dq ? dq[k]! * at.kvar[k]! : 0);
    return kw;
  };
  const factorsAt = (point: Withdrawals): LossFactors => lossFactors(feeder, point.kw, point.kvar, { reactive: reactiveFactors });
  const collapse = (r: FeederDispatchResult, it: number): MarginalLossResult => ({
    ...r,
    status: 'solver-error',
    message: `the AC sweep did not converge at the operating point of marginal-loss iteration ${it} (voltage collapse): the losses and their factors are unknown`,
    lossIterations: { count: it - 1, converged: false, gapMwh: NaN },
  });
  /**
   * How far a clearing at the factors of `point` is from its own fixed point, per MWh: the DLMPs move by
   * π_root · (LF(dispatch) − LF(point)) if linearised at the dispatch instead, and each column held
   * fixed must meet its complementarity condition at the clearing's prices. 0 at a fixed point.
   */
  const heldGap = (r: FeederDispatchResult, fixed: readonly number[]): number => {
    let gap = 0;
    for (const c of fixed) gap = Math.max(gap, complementarityGapMwh(columnSurplusMwh(offers, kvarPerKw, r, c), r.quantityKw[c]!, offers.lowerKw[c]!, offers.upperKw[c]!, tol));
    return Number.isNaN(gap) ? Infinity : gap;
  };
  const gapOf = (r: FeederDispatchResult, used: Pick<LinearLosses, 'dLossDpKw' | 'dLossDqKvar'>, own: LossFactors, fixed: readonly number[]): number => {
    const rootPrice = Math.abs(r.feeder.energyMwh[root]!);
    let gap = 0;
    for (let k = 0; k < feeder.busCount; k++) gap = Math.max(gap, rootPrice * Math.abs(own.dLossDpKw[k]! - used.dLossDpKw[k]!), reactiveFactors && used.dLossDqKvar ? rootPrice * Math.abs(own.dLossDqKvar[k]! - used.dLossDqKvar[k]!) : 0);
    gap = Math.max(gap, heldGap(r, fixed));
    return Number.isNaN(gap) ? Infinity : gap;
  };
  /** The offers with `columns` held at `q` (lower = upper bound). */
  const holding = (columns: readonly number[], q: ArrayLike<number>): Offers => {
    if (columns.length === 0) return offers;
    const lowerKw = Float64Array.from(offers.lowerKw);
    const upperKw = Float64Array.from(offers.upperKw);
    columns.forEach((c, i) => {
      lowerKw[c] = upperKw[c] = q[i]!;
    });
    return { ...offers, lowerKw, upperKw };
  };
  /**
   * With the operating point's losses supplied `outside`, the market's offers sell its bids plus the residual
   * Σ LF (p − p0) (≠ 0 when the dispatch moved from the point). Cleared again with the same factors and the
   * constant −Σ LF p (the returned dispatch as the point), the same prices hold (the constant moves only the
   * root's requirement) and the offers balance the bids: the rounding to whole quanta then has nothing to
   * spread. One more LP, only when the residual is above `toleranceKw`. The columns the fixed point held stay held.
   */
  const balanced = (r: MarginalLossResult, held: Offers, fixed: readonly number[]): MarginalLossResult => {
    if (!outside || !r.losses || Math.abs(r.losses.suppliedKw) <= tol) return r;
    const constantKw = r.losses.constantKw - r.losses.suppliedKw;
    const again = solve({ ...problem, offers: held, block: { ...problem.block, reactive, losses: { ...r.losses, constantKw } } }, solver);
    if (again.status !== 'optimal') return { ...again, lossIterations: r.lossIterations };
    const at = netWithdrawals(feeder, again.feeder);
    const suppliedKw = suppliedAt({ ...r.losses, constantKw }, at);
    // Where the LP has more than one optimum (a degenerate vertex) the balancing clearing may return another: its gap is measured again.
    const own = factorsAt(at);
    const gapMwh = own.converged ? gapOf(again, r.losses, own, fixed) : Infinity;
    return { ...again, losses: { ...r.losses, constantKw, suppliedKw }, lossIterations: { ...r.lossIterations, converged: gapMwh <= priceTol, gapMwh } };
  };

  let result = solve(problem, solver);
  if (result.status !== 'optimal') return { ...result, lossIterations: { count: 0, converged: false, gapMwh: NaN } };
  let point = netWithdrawals(feeder, result.feeder);
  let lf = factorsAt(point);
  if (!lf.converged) return collapse(result, 1);
  let best: { r: MarginalLossResult; held: Offers; fixed: readonly number[] } | undefined;
  /**
   * The clearing to return if none converges: the smallest gap, but a clearing with held blocks only while each of them
   * is within `MARGINAL_LOSS_HELD_SUPPORT_MWH` of its condition. A held block's award is not the LP's choice, so its
   * prices need not support it; the run's award check (market/clearNetwork.ts, one tick) would refuse such a clearing
   * and leave the interval uncleared. A clearing with none held is the LP's optimum at its own prices, always supported.
   */
  const keep = (r: MarginalLossResult, held: Offers, fixed: readonly number[]): void => {
    if (fixed.length > 0 && heldGap(r, fixed) > MARGINAL_LOSS_HELD_SUPPORT_MWH) return;
    if (!best || r.lossIterations.gapMwh <= best.r.lossIterations.gapMwh) best = { r, held, fixed: [...fixed] };
  };
  // Phase 1, successive linearisation: clear at the point's factors; the dispatch is the next point. It ends at
  // a fixed point (the dispatch's own factors are those it was cleared at, within `priceToleranceMwh` of price), or
  // when the dispatch comes back to an earlier one's columns: a cycle, whose moving columns are the marginal ones.
  const seen: Float64Array[] = [Float64Array.from(result.quantityKw)];
  let marginal: number[] = [];
  let count = 0;
  for (let it = 1; it <= maxIt; it++) {
    const linear = linearAt(point, lf);
    result = solve({ ...problem, block: { ...problem.block, reactive, losses: linear } }, solver);
    count = it;
    if (result.status !== 'optimal') return { ...result, lossIterations: { count, converged: false, gapMwh: NaN } };
    const next = netWithdrawals(feeder, result.feeder);
    const own = factorsAt(next);
    if (!own.converged) return collapse(result, it + 1);
    const gapMwh = gapOf(result, lf, own, []);
    const r: MarginalLossResult = { ...result, losses: { ...linear, operatingLossesKw: lf.lossesKw, suppliedKw: suppliedAt(linear, next) }, lossIterations: { count, converged: gapMwh <= priceTol, gapMwh } };
    if (r.lossIterations.converged) return balanced(r, offers, []);
    keep(r, offers, []);
    const q = result.quantityKw;
    const back = seen.findIndex((d) => sameColumns(d, q, offers, root, tol));
    if (back >= 0) {
      // The columns that moved along the cycle (the root's supply aside: it moves with the losses and is no point's).
      for (let c = 0; c < offers.count; c++) if (offers.bus[c] !== root && seen.slice(back).some((d) => Math.abs(d[c]! - q[c]!) > tol)) marginal.push(c);
      break;
    }
    seen.push(Float64Array.from(q));
    [point, lf] = [next, own];
  }
  if (marginal.length === 0) return balanced({ ...best!.r, lossIterations: { ...best!.r.lossIterations, count } }, best!.held, best!.fixed);

  // Phase 2, the marginal columns (market/lp/marginalLossColumns.ts): hold them at q, clear the rest at the
  // factors of the point, move q by projected Newton on their surplus until every condition holds.
  let lowerKw: Float64Array = Float64Array.from(marginal, (c) => offers.lowerKw[c]!);
  let upperKw: Float64Array = Float64Array.from(marginal, (c) => offers.upperKw[c]!);
  let previous: Float64Array | undefined;
  let q: Float64Array = Float64Array.from(marginal, (c) => result.quantityKw[c]!);
  /** The Hessian's step: 1 % of the feeder's base (second differences need a step well above the sweep's noise). */
  const stepKw = 1e-2 * feeder.baseKva;
  for (let it = 1; it <= maxColumnIt; it++) {
    const held = holding(marginal, q);
    const linear = linearAt(point, lf);
    result = solve({ ...problem, offers: held, block: { ...problem.block, reactive, losses: linear } }, solver);
    count++;
    if (result.status !== 'optimal') break;
    const next = netWithdrawals(feeder, result.feeder);
    const own = factorsAt(next);
    if (!own.converged) return collapse(result, count + 1);
    const gapMwh = gapOf(result, lf, own, marginal);
    const r: MarginalLossResult = { ...result, losses: { ...linear, operatingLossesKw: lf.lossesKw, suppliedKw: suppliedAt(linear, next) }, lossIterations: { count, converged: gapMwh <= priceTol, gapMwh } };
    if (r.lossIterations.converged) return balanced(r, held, marginal);
    keep(r, held, marginal);
    // A column the LP moved between two clearings of this phase (off the root, not held) is marginal too: held from now on.
    if (previous) for (let c = 0; c < offers.count; c++) if (offers.bus[c] !== root && !marginal.includes(c) && Math.abs(previous[c]! - result.quantityKw[c]!) > tol) [marginal, q, lowerKw, upperKw] = [[...marginal, c], append(q, result.quantityKw[c]!), append(lowerKw, offers.lowerKw[c]!), append(upperKw, offers.upperKw[c]!)];
    previous = Float64Array.from(result.quantityKw);
    // The rest of each held column's price (congestion, voltage, reactive), and the root's energy price, as this clearing has them.
    const rootPriceMwh = result.feeder.energyMwh[root]!;
    const otherMwh = Float64Array.from(marginal, (c) => {
      const k = offers.bus[c]!;
      const surplus = columnSurplusMwh(offers, kvarPerKw, result, c);
      const slope = (offers.slopeMwhPerKw?.[c] ?? 0) * result.quantityKw[c]!;
      // price = value − slope q − surplus (a buy), cost + slope q + surplus (a sell); other = price − π_root (1 + LF_k).
      const price = offers.isBuy[c] ? offers.priceMwh[c]! - slope - surplus : offers.priceMwh[c]! + slope + surplus;
      return price - rootPriceMwh * (1 + lf.dLossDpKw[k]!);
    });
    const atKw = Float64Array.from(marginal, (c) => result.quantityKw[c]!);
    q = settleColumns({ feeder, offers, columns: marginal, lowerKw, upperKw, baseKw: next.kw, baseKvar: next.kvar, atKw, rootPriceMwh, otherMwh }, priceTol / 4, stepKw).q;
    // The next point: this clearing's withdrawals, the held columns moved to q (their kvar at their power factor).
    const kw = Float64Array.from(next.kw);
    const kvar = Float64Array.from(next.kvar);
    marginal.forEach((c, i) => {
      const k = offers.bus[c]!;
      const s = withdrawalSign(offers, c);
      const dq = q[i]! - atKw[i]!;
      kw[k]! += s * dq;
      kvar[k]! += s * (kvarPerKw?.[c] ?? 0) * dq;
    });
    point = { kw, kvar };
    lf = factorsAt(point);
    if (!lf.converged) return collapse(result, count + 1);
  }
  return balanced({ ...best!.r, lossIterations: { ...best!.r.lossIterations, count } }, best!.held, best!.fixed);
}

function append(a: Float64Array, v: number): Float64Array {
  const out = new Float64Array(a.length + 1);
  out.set(a);
  out[a.length] = v;
  return out;
}

type Withdrawals = { kw: Float64Array; kvar: Float64Array };

/** Two dispatches with the same quantities (within `tolKw`) on every column off the root. */
function sameColumns(a: Float64Array, b: Float64Array, offers: Offers, root: number, tolKw: number): boolean {
  for (let c = 0; c < offers.count; c++) if (offers.bus[c] !== root && Math.abs(a[c]! - b[c]!) > tolKw) return false;
  return true;
}

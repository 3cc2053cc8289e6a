/**
 * The LinDistFlow dispatch of a radial feeder with marginal losses: DLMP_k = λ (1 + ∂Loss/∂p_k)
 * + congestion + voltage (Papavasiliou 2018; Bai et al. 2018), the substation supplying the
 * losses as the dispatch changes them.
 *
 * The losses are linearised at an operating point found by iteration, bounded:
 *   0. clear lossless (the plain dispatch);
 *   1. run the AC sweep at that dispatch's net withdrawals and take its loss factors
 *      (network/lossFactors.ts): L0, LF_i = ∂Loss/∂p_i and, where reactive power is modelled,
 *      LFq_i = ∂Loss/∂q_i;
 *   2. clear again with the root's balance carrying L0 + Σ LF_i (p_i − p0_i) + Σ LFq_i (q_i − q0_i)
 *      (market/lp/linDistFlowBlock.ts, option `losses`);
 *   3. if the new dispatch's net withdrawals are those of the operating point (within
 *      `toleranceKw` at every bus), stop: the prices are the marginal ones at the dispatch they
 *      price. Otherwise take the new dispatch as the operating point and go to 1, at most
 *      `maxIterations` re-clearings (default 4).
 * Settled also when the factors move less than `MARGINAL_LOSS_FACTOR_TOLERANCE` between two
 * linearisations (the prices then agree to a tick). The second point is the first re-clearing's
 * dispatch; each later one is halfway between the last point and the dispatch it gave (damped).
 * With fixed loads the dispatch does not move, so one re-clearing suffices. With price-responsive
 * bids the map from factors to dispatch is discontinuous: an LP's vertex jumps when the factors
 * carry a bid's price across its bus's DLMP, and there may be no point the LP's vertices return
 * to (the consistent answer clears that bid in part, which a linearisation cannot find). After
 * `maxIterations` the result says so (`lossIterations.converged` false) and is the iterate whose
 * dispatch was closest to its own linearisation point; `losses.suppliedKw` (with `outside`: the
 * residual Σ LF (p − p0)) says how far its losses are from that point's.
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
import type { LinearLosses, LinDistFlowReadout } from './linDistFlowBlock.ts';
import type { LpSolver } from './solver.ts';

export interface MarginalLossOptions {
  /** Re-clearings at most (≥ 1; default 8). */
  readonly maxIterations?: number;
  /** Largest change in a bus's net withdrawal that counts as the same operating point, kW (default 1e-6). */
  readonly toleranceKw?: number;
  /** Largest change in any loss factor between two linearisations that counts as settled (default `MARGINAL_LOSS_FACTOR_TOLERANCE`). */
  readonly factorTolerance?: number;
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
  readonly lossIterations: { readonly count: number; readonly converged: boolean };
}

export const MARGINAL_LOSS_MAX_ITERATIONS = 8;
/**
 * Loss factors that move less than this between two linearisations are the same operating point:
 * at λ ≤ 100/MWh that moves a DLMP by ≤ 0.01/MWh, one price tick.
 */
export const MARGINAL_LOSS_FACTOR_TOLERANCE = 1e-4;

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
  const tol = opts.toleranceKw ?? 1e-6;
  const factorTol = opts.factorTolerance ?? MARGINAL_LOSS_FACTOR_TOLERANCE;
  const { feeder } = problem;
  const reactive = problem.block?.reactive ?? modelsReactive(problem);
  const reactiveFactors = reactive && (opts.reactiveFactors ?? false);
  const outside = opts.operatingLosses === 'outside';
  /**
   * With the operating point's losses supplied `outside`, the market's offers sell its bids plus the residual
   * Σ LF (p − p0) (≠ 0 when the dispatch moved from the point). Cleared again with the same factors and the
   * constant −Σ LF p (the returned dispatch as the point), the same prices hold (the constant moves only the
   * root's requirement) and the offers balance the bids: the rounding to whole quanta then has nothing to
   * spread. One more LP, only when the residual is above `toleranceKw`.
   */
  const balanced = (r: MarginalLossResult): MarginalLossResult => {
    if (!outside || !r.losses || Math.abs(r.losses.suppliedKw) <= tol) return r;
    const constantKw = r.losses.constantKw - r.losses.suppliedKw;
    const again = solve({ ...problem, block: { ...problem.block, reactive, losses: { ...r.losses, constantKw } } }, solver);
    if (again.status !== 'optimal') return { ...again, lossIterations: r.lossIterations };
    const at = netWithdrawals(feeder, again.feeder);
    let suppliedKw = constantKw;
    const dq = r.losses.dLossDqKvar;
    for (let k = 0; k < feeder.busCount; k++) suppliedKw += r.losses.dLossDpKw[k]! * at.kw[k]! + (dq ? dq[k]! * at.kvar[k]! : 0);
    return { ...again, losses: { ...r.losses, constantKw, suppliedKw }, lossIterations: r.lossIterations };
  };
  let result = solve(problem, solver);
  if (result.status !== 'optimal') return { ...result, lossIterations: { count: 0, converged: false } };
  let point = netWithdrawals(feeder, result.feeder);
  let previous: LossFactors | undefined;
  let best: MarginalLossResult | undefined;
  let bestMoved = Infinity;
  for (let it = 1; it <= maxIt; it++) {
    const lf = lossFactors(feeder, point.kw, point.kvar, { reactive: reactiveFactors });
    if (!lf.converged) {
      return { ...result, status: 'solver-error', message: `the AC sweep did not converge at the operating point of marginal-loss iteration ${it} (voltage collapse): the losses and their factors are unknown`, lossIterations: { count: it - 1, converged: false } };
    }
    let constantKw = outside ? 0 : lf.lossesKw;
    for (let k = 0; k < feeder.busCount; k++) constantKw -= lf.dLossDpKw[k]! * point.kw[k]! + lf.dLossDqKvar[k]! * point.kvar[k]!;
    const linear: LinearLosses = { dLossDpKw: lf.dLossDpKw, dLossDqKvar: lf.dLossDqKvar, constantKw };
    result = solve({ ...problem, block: { ...problem.block, reactive, losses: linear } }, solver);
    if (result.status !== 'optimal') return { ...result, lossIterations: { count: it, converged: false } };
    const next = netWithdrawals(feeder, result.feeder);
    let suppliedKw = constantKw;
    let moved = 0;
    let shift = previous ? 0 : Infinity;
    for (let k = 0; k < feeder.busCount; k++) {
      suppliedKw += lf.dLossDpKw[k]! * next.kw[k]! + lf.dLossDqKvar[k]! * next.kvar[k]!;
      moved = Math.max(moved, Math.abs(next.kw[k]! - point.kw[k]!), Math.abs(next.kvar[k]! - point.kvar[k]!));
      if (previous) shift = Math.max(shift, Math.abs(lf.dLossDpKw[k]! - previous.dLossDpKw[k]!), Math.abs(lf.dLossDqKvar[k]! - previous.dLossDqKvar[k]!));
    }
    const losses = { ...linear, operatingLossesKw: lf.lossesKw, suppliedKw };
    const converged = moved <= tol || shift <= factorTol;
    if (converged) return balanced({ ...result, losses, lossIterations: { count: it, converged } });
    if (moved <= bestMoved) [best, bestMoved] = [{ ...result, losses, lossIterations: { count: it, converged: false } }, moved];
    if (it === maxIt) return balanced({ ...best!, lossIterations: { count: it, converged: false } });
    previous = lf;
    // The first step is taken whole (it settles whatever moves once: a bid the loss part prices out).
    // Then damped, halfway between the point and the dispatch it gave: undamped, a dispatch that jumps
    // between two vertices as the factors carry a bid's price across its bus's DLMP cycles for ever.
    const w = it === 1 ? 1 : 0.5;
    for (let k = 0; k < feeder.busCount; k++) {
      point.kw[k] = point.kw[k]! + w * (next.kw[k]! - point.kw[k]!);
      point.kvar[k] = point.kvar[k]! + w * (next.kvar[k]! - point.kvar[k]!);
    }
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}

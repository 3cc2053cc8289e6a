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
 * With fixed loads the dispatch at the root does not move the withdrawals elsewhere, so one
 * re-clearing suffices; with price-responsive bids the LP can jump between vertices, hence the bound.
 * A result that reached the bound says so (`lossIterations.converged` false) and keeps the
 * last clearing, whose factors are those of the previous dispatch.
 *
 * `solve` is the dispatch to repeat (the whole LP, or the windowed one, which gives the same
 * result: the loss terms sit on flow columns and in the root's bounds, which the windows keep).
 *
 * Pure; never throws on an optimisation outcome. A sweep that does not converge at an operating
 * point (voltage collapse) ends the iteration with the lossless clearing's status replaced by
 * 'solver-error' and a message saying so: the losses are unknown, so no marginal price is made up.
 */
import { lossFactors } from '../../network/lossFactors.ts';
import type { RadialFeeder } from '../../network/radial.ts';
import { dispatchFeeder, type FeederDispatchResult, type FeederProblem, modelsReactive } from './feederDispatch.ts';
import type { LinearLosses, LinDistFlowReadout } from './linDistFlowBlock.ts';
import type { LpSolver } from './solver.ts';

export interface MarginalLossOptions {
  /** Re-clearings at most (≥ 1; default 4). */
  readonly maxIterations?: number;
  /** Largest change in a bus's net withdrawal that counts as the same operating point, kW (default 1e-6). */
  readonly toleranceKw?: number;
  /** The dispatch to repeat; default the whole LP (`dispatchFeeder`). */
  readonly solve?: (problem: FeederProblem, solver: LpSolver) => FeederDispatchResult;
}

export interface MarginalLossResult extends FeederDispatchResult {
  /** The linearisation the returned clearing used (absent when it never got one: a failed first clearing). */
  readonly losses?: LinearLosses & {
    /** AC losses at the operating point, kW. */
    readonly operatingLossesKw: number;
    /** What the substation supplies for losses at the returned dispatch: L0 + Σ LF (p − p0) + Σ LFq (q − q0), kW. */
    readonly suppliedKw: number;
  };
  readonly lossIterations: { readonly count: number; readonly converged: boolean };
}

export const MARGINAL_LOSS_MAX_ITERATIONS = 4;

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
  const { feeder } = problem;
  const reactive = problem.block?.reactive ?? modelsReactive(problem);
  let result = solve(problem, solver);
  if (result.status !== 'optimal') return { ...result, lossIterations: { count: 0, converged: false } };
  let point = netWithdrawals(feeder, result.feeder);
  for (let it = 1; it <= maxIt; it++) {
    const lf = lossFactors(feeder, point.kw, point.kvar, { reactive });
    if (!lf.converged) {
      return { ...result, status: 'solver-error', message: `the AC sweep did not converge at the operating point of marginal-loss iteration ${it} (voltage collapse): the losses and their factors are unknown`, lossIterations: { count: it - 1, converged: false } };
    }
    let constantKw = lf.lossesKw;
    for (let k = 0; k < feeder.busCount; k++) constantKw -= lf.dLossDpKw[k]! * point.kw[k]! + lf.dLossDqKvar[k]! * point.kvar[k]!;
    const linear: LinearLosses = { dLossDpKw: lf.dLossDpKw, dLossDqKvar: lf.dLossDqKvar, constantKw };
    result = solve({ ...problem, block: { ...problem.block, reactive, losses: linear } }, solver);
    if (result.status !== 'optimal') return { ...result, lossIterations: { count: it, converged: false } };
    const next = netWithdrawals(feeder, result.feeder);
    let suppliedKw = constantKw;
    let moved = 0;
    for (let k = 0; k < feeder.busCount; k++) {
      suppliedKw += lf.dLossDpKw[k]! * next.kw[k]! + lf.dLossDqKvar[k]! * next.kvar[k]!;
      moved = Math.max(moved, Math.abs(next.kw[k]! - point.kw[k]!), Math.abs(next.kvar[k]! - point.kvar[k]!));
    }
    const losses = { ...linear, operatingLossesKw: lf.lossesKw, suppliedKw };
    if (moved <= tol || it === maxIt) return { ...result, losses, lossIterations: { count: it, converged: moved <= tol } };
    point = next;
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}

/**
 * Economic dispatch of one interval on a radial feeder under LinDistFlow: the
 * offers of `dispatch` (market/lp/dispatch.ts), plus reactive power, voltage limits
 * and the feeder's branch limits from the LinDistFlow block
 * (market/lp/linDistFlowBlock.ts). Prices are DLMPs, split into energy, congestion
 * and voltage parts; a reactive price per bus comes with them.
 *
 *   maximise   Σ_buy p_j y_j − Σ_sell p_j y_j − constant cost
 *   subject to the block's rows, with at bus k:
 *              P injections  Σ_sell@k y − Σ_buy@k y
 *              Q injections  Σ_j tanφ_j (± y_j) + Σ_{sources s at k} q_s,  q_s ∈ [lower_s, upper_s] at no cost
 *              groups        lower_g ≤ Σ_{j∈g} y_j ≤ upper_g
 *
 * An offer's reactive power moves with its active power at its power factor:
 * `kvarPerKw[j]` = tan φ_j, withdrawn with a buy and injected with a sell (0 = unity).
 * Reactive sources are decisions (a generator's Q within [Qmin, Qmax], an inverter's
 * √(S² − P²)); with lower = upper they are fixed (a volt-var setting).
 *
 * Offers at islanded buses are held at zero and fixed loads there are unserved
 * (reported in `islandedLoadKw`), never an infeasibility.
 *
 * Pure; never throws on an optimisation outcome (statuses, NaN quantities and prices).
 */
import { sharedTopologyCache } from '../../network/topology.ts';
import type { DispatchResult } from './dispatch.ts';
import { buildFeederLp, type FeederLayout, type FeederProblem } from './feederProgram.ts';
import { explainFeederInfeasibility } from './feederInfeasibility.ts';
import { type LinDistFlowReadout, readLinDistFlow } from './linDistFlowBlock.ts';
import type { LinearProgram, LpSolution, LpSolver } from './solver.ts';

export { buildFeederLp, modelsReactive, type FeederLayout, type FeederProblem, type ReactiveSources } from './feederProgram.ts';

export interface FeederSolution extends LinDistFlowReadout {
  /** Per reactive source, kvar injected (NaN unless optimal). */
  readonly sourceKvar: Float64Array;
  /** Fixed load at islanded buses, kW: unserved. */
  readonly islandedLoadKw: number;
}

export interface FeederDispatchResult extends DispatchResult {
  readonly feeder: FeederSolution;
}

/**
 * Dispatches `problem` with `solver`. Never throws on an optimisation outcome:
 * infeasible, unbounded and solver failures come back as a status with a message.
 */
export function dispatchFeeder(problem: FeederProblem, solver: LpSolver, opts: FeederDispatchOptions = {}): FeederDispatchResult {
  const { lp, layout } = buildFeederLp(problem);
  const solution = solver.solve(lp, { duals: true });
  // Only an infeasible programme is diagnosed (more solves, market/lp/feederInfeasibility.ts): a feasible interval pays nothing.
  const why = solution.status === 'infeasible' ? (opts.diagnose ?? true ? explainFeederInfeasibility(problem, solver, solution.message) : `infeasible (${solution.message})`) : solution.message;
  return readFeeder(problem, lp, layout, solution, solver.name, why);
}

export interface FeederDispatchOptions {
  /**
   * Say why an infeasible programme is infeasible (default true): a few more solves, on the failure path
   * only. False for the windowed solve's small LPs, whose infeasibility is expected and thrown away.
   */
  readonly diagnose?: boolean;
}

function readFeeder(problem: FeederProblem, lp: LinearProgram, layout: FeederLayout, solution: LpSolution, solverName: string, failure: string): FeederDispatchResult {
  const U = problem.unitKw ?? 1;
  const { feeder, offers } = problem;
  const network = feeder.network;
  const M = offers.count;
  const G = problem.groups?.count ?? 0;
  const S = problem.reactiveSources?.count ?? 0;
  const nBr = network.branches.length;
  const size = { rows: lp.numRows, cols: lp.numCols, nonzeros: lp.matrix.rows.length };
  const topology = sharedTopologyCache.get(network);
  let islandedLoadKw = 0;
  if (problem.fixedLoadKw) for (let k = 0; k < feeder.busCount; k++) if (!feeder.energised[k]) islandedLoadKw += problem.fixedLoadKw[k]!;
  const quantityKw = new Float64Array(M).fill(NaN);
  const groupKw = new Float64Array(G).fill(NaN);
  const groupLowerDualMwh = new Float64Array(G).fill(NaN);
  const groupUpperDualMwh = new Float64Array(G).fill(NaN);
  const flowKw = new Float64Array(nBr);
  const flowShadowMwh = new Float64Array(nBr);
  const sourceKvar = new Float64Array(S).fill(NaN);
  const base = { solver: solverName as DispatchResult['solver'], formulation: 'lindistflow' as const, topology, size, angleShadowMwh: new Float64Array(nBr), angleRad: new Float64Array(feeder.busCount).fill(NaN) };
  if (solution.status !== 'optimal') {
    const empty = readLinDistFlow(layout.block, { ...solution, colValue: new Float64Array(lp.numCols).fill(NaN) });
    return {
      ...base,
      status: solution.status,
      message: failure,
      quantityKw,
      groupKw,
      groupLowerDualMwh,
      groupUpperDualMwh,
      priceMwh: empty.priceMwh,
      flowKw: flowKw.fill(NaN),
      flowShadowMwh: flowShadowMwh.fill(NaN),
      welfarePerH: NaN,
      congestionRentPerH: NaN,
      feeder: { ...empty, sourceKvar, islandedLoadKw },
    };
  }
  const x = solution.colValue;
  const dual = solution.rowDual;
  for (let j = 0; j < M; j++) quantityKw[j] = x[j]! * U;
  if (G > 0) {
    groupKw.fill(0);
    const group = offers.group!;
    for (let j = 0; j < M; j++) if (group[j]! >= 0) groupKw[group[j]!]! += quantityKw[j]!;
    for (let g = 0; g < G; g++) {
      const d = dual ? dual[layout.groupRow + g]! : NaN;
      groupLowerDualMwh[g] = dual ? Math.max(0, -d) : NaN;
      groupUpperDualMwh[g] = dual ? Math.max(0, d) : NaN;
    }
  }
  for (let s = 0; s < S; s++) sourceKvar[s] = (x[layout.sourceCol[s]!]! - (layout.sourceNegCol[s]! >= 0 ? x[layout.sourceNegCol[s]!]! : 0)) * U;
  const read = readLinDistFlow(layout.block, solution);
  for (let k = 0; k < feeder.busCount; k++) {
    const b = feeder.parentBranch[k]!;
    if (b < 0 || !feeder.energised[k]) continue;
    flowKw[b] = feeder.orientation[k]! * read.pFlowKw[k]!;
    flowShadowMwh[b] = dual ? read.lineShadowMwh[k]! : NaN;
  }
  let rent = 0;
  for (let k = 0; k < feeder.busCount; k++) {
    if (!feeder.energised[k] || k === feeder.root) continue;
    rent += (read.pFlowKw[k]! * (read.priceMwh[k]! - read.priceMwh[feeder.parent[k]!]!)) / 1000;
  }
  return {
    ...base,
    status: 'optimal',
    message: dual ? '' : `${solverName} returned no duals: prices and shadow prices are NaN`,
    quantityKw,
    groupKw,
    groupLowerDualMwh,
    groupUpperDualMwh,
    priceMwh: read.priceMwh,
    flowKw,
    flowShadowMwh,
    welfarePerH: (solution.objective * U) / 1000,
    congestionRentPerH: dual ? rent : NaN,
    feeder: { ...read, sourceKvar, islandedLoadKw },
  };
}

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
import type { RadialFeeder } from '../../network/radial.ts';
import type { DispatchResult, OfferGroups, Offers } from './dispatch.ts';
import { appendLinDistFlow, type LinDistFlowBlockSpec, type LinDistFlowLayout, type LinDistFlowReadout, readLinDistFlow } from './linDistFlowBlock.ts';
import { LpBuilder } from './lpBuilder.ts';
import type { LinearProgram, LpSolution, LpSolver } from './solver.ts';

export interface ReactiveSources {
  readonly count: number;
  /** Bus index of each source. */
  readonly bus: Int32Array;
  /** Bounds on its reactive injection, kvar (lower = upper: fixed). */
  readonly lowerKvar: Float64Array;
  readonly upperKvar: Float64Array;
  /**
   * A small cost per Mvarh of |Q|, currency/Mvarh (default 0). Q from free sources is otherwise a
   * degenerate choice: the lossless LP is indifferent between every Q that keeps the limits, and a
   * vertex may absorb or supply far more than needed (more losses, worse AC voltages). With a cost
   * the clearing uses inverter Q only where it is worth something. Needs lower ≤ 0 ≤ upper (the
   * source is split into its supply and absorption parts).
   */
  readonly costPerMvarh?: number;
}

export interface FeederProblem {
  readonly feeder: RadialFeeder;
  /** kW per LP unit (scaling only); default 1. */
  readonly unitKw?: number;
  readonly offers: Offers;
  /** Per offer: tan φ, kvar per kW (reactive withdrawal with a buy, injection with a sell); default 0. */
  readonly kvarPerKw?: Float64Array;
  readonly groups?: OfferGroups;
  /** Fixed withdrawals per bus, kW and kvar. */
  readonly fixedLoadKw?: Float64Array;
  readonly fixedLoadKvar?: Float64Array;
  readonly reactiveSources?: ReactiveSources;
  readonly constantCostPerH?: number;
  /** Line-limit form, relaxations, substation reactive source (see the block). */
  readonly block?: Omit<LinDistFlowBlockSpec, 'unitKw' | 'fixedLoadKw' | 'fixedLoadKvar'>;
}

export interface FeederSolution extends LinDistFlowReadout {
  /** Per reactive source, kvar injected (NaN unless optimal). */
  readonly sourceKvar: Float64Array;
  /** Fixed load at islanded buses, kW: unserved. */
  readonly islandedLoadKw: number;
}

export interface FeederDispatchResult extends DispatchResult {
  readonly feeder: FeederSolution;
}

/** Where the offers, groups and sources sit around the block. */
export interface FeederLayout {
  readonly block: LinDistFlowLayout;
  readonly groupRow: number;
  /** Per reactive source, its column (supply part when split) and its absorption part's column (−1 unless split). */
  readonly sourceCol: Int32Array;
  readonly sourceNegCol: Int32Array;
}

/** False when nothing on the feeder draws or makes reactive power: the programme then leaves Q out (every Q would be 0). */
export function modelsReactive(problem: FeederProblem): boolean {
  return (problem.kvarPerKw?.some((t) => t !== 0) ?? false) || (problem.fixedLoadKvar?.some((q) => q !== 0) ?? false) || (problem.reactiveSources?.count ?? 0) > 0;
}

/** Builds the programme; exposed for tests that inspect it (complementary slackness). */
export function buildFeederLp(problem: FeederProblem): { lp: LinearProgram; layout: FeederLayout } {
  const U = problem.unitKw ?? 1;
  const { feeder, offers } = problem;
  const M = offers.count;
  const builder = new LpBuilder({ cols: M + 4 * feeder.busCount, nonzeros: 3 * M + 12 * feeder.busCount });
  // Offers first: columns 0 … M−1, as in `dispatch`.
  const tan = problem.kvarPerKw;
  for (let j = 0; j < M; j++) {
    const live = feeder.energised[offers.bus[j]!] === 1;
    const cost = offers.isBuy[j] ? offers.priceMwh[j]! : -offers.priceMwh[j]!;
    builder.addColumn(live ? offers.lowerKw[j]! / U : 0, live ? offers.upperKw[j]! / U : 0, cost);
  }
  const block = appendLinDistFlow(builder, feeder, { reactive: modelsReactive(problem), ...problem.block, unitKw: U, ...(problem.fixedLoadKw ? { fixedLoadKw: problem.fixedLoadKw } : {}), ...(problem.fixedLoadKvar ? { fixedLoadKvar: problem.fixedLoadKvar } : {}) });
  for (let j = 0; j < M; j++) {
    const k = offers.bus[j]!;
    if (block.pBalanceRow[k]! < 0) continue;
    const dir = offers.isBuy[j] ? -1 : 1;
    builder.add(block.pBalanceRow[k]!, j, dir);
    if (tan && tan[j]! !== 0 && block.qBalanceRow[k]! >= 0) builder.add(block.qBalanceRow[k]!, j, dir * tan[j]!);
  }
  const G = problem.groups?.count ?? 0;
  const groupRow = builder.numRows;
  for (let g = 0; g < G; g++) builder.addRow(problem.groups!.lowerKw[g]! / U, problem.groups!.upperKw[g]! / U);
  const group = offers.group;
  if (group) for (let j = 0; j < M; j++) if (group[j]! >= 0) builder.add(groupRow + group[j]!, j, 1);
  const src = problem.reactiveSources;
  const S = src?.count ?? 0;
  const sourceCol = new Int32Array(S);
  const sourceNegCol = new Int32Array(S).fill(-1);
  const cost = src?.costPerMvarh ?? 0;
  for (let s = 0; s < S; s++) {
    const row = block.qBalanceRow[src!.bus[s]!]!;
    const live = row >= 0;
    const lo = live ? src!.lowerKvar[s]! / U : 0;
    const hi = live ? src!.upperKvar[s]! / U : 0;
    if (cost > 0 && lo <= 0 && hi >= 0 && lo < hi) {
      sourceCol[s] = builder.addColumn(0, hi, -cost);
      sourceNegCol[s] = builder.addColumn(0, -lo, -cost);
      builder.add(row, sourceCol[s]!, 1);
      builder.add(row, sourceNegCol[s]!, -1);
      continue;
    }
    sourceCol[s] = builder.addColumn(lo, hi);
    if (live) builder.add(row, sourceCol[s]!, 1);
  }
  const offset = -((problem.constantCostPerH ?? 0) * 1000) / U;
  return { lp: builder.build('max', offset), layout: { block, groupRow, sourceCol, sourceNegCol } };
}

/**
 * Dispatches `problem` with `solver`. Never throws on an optimisation outcome:
 * infeasible, unbounded and solver failures come back as a status with a message.
 */
export function dispatchFeeder(problem: FeederProblem, solver: LpSolver): FeederDispatchResult {
  const { lp, layout } = buildFeederLp(problem);
  const solution = solver.solve(lp, { duals: true });
  return readFeeder(problem, lp, layout, solution, solver.name);
}

function readFeeder(problem: FeederProblem, lp: LinearProgram, layout: FeederLayout, solution: LpSolution, solverName: string): FeederDispatchResult {
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
      message: solution.status === 'infeasible' ? `infeasible: the fixed load cannot be served within the feeder's voltage and branch limits (${solution.message})` : solution.message,
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

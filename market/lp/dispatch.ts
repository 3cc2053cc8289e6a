/**
 * Grid-constrained economic dispatch as a linear programme (B-θ form), in four
 * named steps: `buildConstraints`, `buildObjective`, `solveLp` (through the
 * `LpSolver` interface) and `readBack`. `dispatch` chains them. Pure: the inputs are
 * only read; the one shared state is the topology cache, which only memoises.
 *
 * ## The programme (B-θ form, the default)
 * Columns: one per offer (a bid segment, a generator segment) in LP units of
 * `unitKw` kW, then one voltage angle θ_k per bus (free; 0 at the reference bus).
 *
 *   maximise   Σ_buy p_j y_j − Σ_sell p_j y_j − ½ Σ s_j y_j² − constant cost
 *   subject to balance, bus k:   Σ_sell@k y − Σ_buy@k y − Σ_l C_lk b_l (θ_from − θ_to) = load_k + shift_k
 *              limit, branch l:  −L_l ≤ b_l (θ_from − θ_to − φ_l) ≤ L_l, and angle limits on θ_from − θ_to
 *              group g:          lower_g ≤ Σ_{j∈g} y_j ≤ upper_g   (a generator's Pmin/Pmax over its cost segments)
 *              offer j:          lower_j ≤ y_j ≤ upper_j
 *
 * (C_lk = +1 at the from bus, −1 at the to bus; b_l in kW/rad from the topology.)
 * A branch's thermal and angle limits share one row: both bound the same
 * expression b_l (θ_from − θ_to), so the row's bounds are their intersection.
 *
 * ## The PTDF form (`formulation: 'ptdf'`)
 * The same programme with the angles eliminated (network/ptdf.ts): offers are the only
 * columns, one system balance Σ_sell y − Σ_buy y = Σ_k (load_k + shift_k), and each limit
 * row bounds Σ_k PTDF[l][k] · P_k, P = net injections. No free variable and coefficients
 * |PTDF| ≲ 1: the form for solvers that handle free columns or wide coefficient ranges
 * badly (javascript-lp-solver). Prices: π_k = −(λ + Σ_l PTDF[l][k] μ_l), λ and μ_l the
 * duals of the system balance and limit rows — equal to the B-θ balance duals.
 *
 * ## Sign conventions
 * - **Price** at a bus = the marginal cost of serving one more unit of demand there,
 *   currency/MWh: π_k = −∂welfare/∂load_k = −(dual of balance row k), since the
 *   solver's dual is ∂objective/∂rhs and the objective is welfare (maximised).
 * - **Flow** is positive from `from` to `to`, kW.
 * - **Branch shadow price** = marginal welfare of one more kW of thermal limit,
 *   currency/MWh, ≥ 0, non-zero only at the limit; the direction is the flow's.
 * - **Group duals**: μ_min (≥ 0) is what raising the group's lower bound (Pmin) by a
 *   unit costs, μ_max (≥ 0) what raising its upper bound (Pmax) earns, currency/MWh
 *   (MATPOWER's MU_PMIN / MU_PMAX).
 * - **Congestion rent** = Σ_l flow_l × (π_to − π_from) = Σ_k π_k × net withdrawal_k
 *   (withdrawal = buys + fixed load − sells); currency/h.
 *
 * ## Units
 * Quantities in and out are kW and prices currency/MWh; `unitKw` only scales the
 * LP (MATPOWER cases solve in MW). Money rates are currency per hour.
 */
import { dcFlowsKw } from '../../network/flows.ts';
import { sharedTopologyCache, type Topology, type TopologyCache } from '../../network/topology.ts';
import type { BranchModel, Network } from '../../network/types.ts';
import { dcNetworkBlock, DISPATCH_TOLERANCE, type NetworkBlock, readNetworkBlock } from './networkBlock.ts';
import { supplyBounds } from './supplyBounds.ts';
import { type CscMatrix, failedSolution, type LinearProgram, type LpFormulation, type LpSolution, type LpSolver } from './solver.ts';

export { DISPATCH_TOLERANCE };

/** Offers (columns), one row each, in the caller's order. */
export interface Offers {
  readonly count: number;
  /** Index into `network.buses`. */
  readonly bus: Int32Array;
  /** 1 = withdrawal (buy, load), 0 = injection (sell, generation). */
  readonly isBuy: Uint8Array;
  /** A buyer's value or a seller's cost at zero quantity, currency/MWh. */
  readonly priceMwh: Float64Array;
  /** Bounds, kW; −Infinity / Infinity allowed (a generator's first cost segment may start below zero). */
  readonly lowerKw: Float64Array;
  readonly upperKw: Float64Array;
  /** Optional quadratic: the marginal price rises (sells) or falls (buys) by this much per kW. */
  readonly slopeMwhPerKw?: Float64Array;
  /** Optional group (generator) of each offer; −1 for none. */
  readonly group?: Int32Array;
}

/** Bounds on the sum of each group's offers (a generator's Pmin and Pmax), kW. */
export interface OfferGroups {
  readonly count: number;
  readonly lowerKw: Float64Array;
  readonly upperKw: Float64Array;
}

export interface DispatchProblem {
  readonly network: Network;
  /** DC susceptance convention; default 'matpower' (1/(x·tap), the textbook 1/x without taps). */
  readonly branchModel?: BranchModel;
  /** kW per LP quantity unit (scaling only); default 1. */
  readonly unitKw?: number;
  readonly offers: Offers;
  readonly groups?: OfferGroups;
  /** Fixed (inelastic, not optional) load per network bus, kW. A market over bids has none. */
  readonly fixedLoadKw?: Float64Array;
  /** Cost that does not depend on the dispatch (constant cost terms), currency/h. */
  readonly constantCostPerH?: number;
  /** Where topologies are memoised; default the process-wide cache. */
  readonly topologyCache?: TopologyCache;
}

export interface DispatchOptions {
  /** Compute duals (prices, shadow prices); default true. */
  readonly duals?: boolean;
  /** Default: the solver's preferred formulation. */
  readonly formulation?: LpFormulation;
}

export type DispatchStatus = 'optimal' | 'infeasible' | 'unbounded' | 'solver-error';

export interface DispatchResult {
  readonly status: DispatchStatus;
  /** Why, when the status is not 'optimal'. */
  readonly message: string;
  readonly solver: string;
  readonly formulation: LpFormulation;
  readonly topology: Topology;
  /** Per offer, kW; NaN unless optimal. */
  readonly quantityKw: Float64Array;
  /** Per group: Σ of its offers, kW, and the duals of its bounds, currency/MWh (≥ 0). */
  readonly groupKw: Float64Array;
  readonly groupLowerDualMwh: Float64Array;
  readonly groupUpperDualMwh: Float64Array;
  /** Per network bus (network order), currency/MWh; NaN unless optimal with duals. */
  readonly priceMwh: Float64Array;
  /** Per network branch (network order; 0 for a branch out of service), kW. */
  readonly flowKw: Float64Array;
  /** Per network branch: thermal-limit shadow price, currency/MWh, ≥ 0. */
  readonly flowShadowMwh: Float64Array;
  /** Per network branch: angle-difference-limit shadow price, currency/MWh per the limit row's kW, ≥ 0. */
  readonly angleShadowMwh: Float64Array;
  /** Voltage angles, radians, per network bus. */
  readonly angleRad: Float64Array;
  /** Σ buy value − Σ sell cost − constant cost, currency/h. For an OPF, cost = −welfare. */
  readonly welfarePerH: number;
  /** Σ_l flow × (π_to − π_from), currency/h. */
  readonly congestionRentPerH: number;
  readonly size: { readonly rows: number; readonly cols: number; readonly nonzeros: number };
}

/** Where things sit in the LP. */
export interface LpLayout {
  readonly formulation: LpFormulation;
  readonly topology: Topology;
  readonly unitKw: number;
  readonly offers: number;
  /** First angle column (= offers); B-θ form only. */
  readonly angleCol: number;
  /** First balance row: one per bus (B-θ) or the one system balance (PTDF). */
  readonly balanceRow: number;
  /** First limit row; limit row r belongs to branch topology.limited[r]. */
  readonly limitRow: number;
  readonly groupRow: number;
  readonly groups: number;
  /** Per limit row: the thermal bounds alone (LP units), to tell which limit binds. */
  readonly thermalLower: Float64Array;
  readonly thermalUpper: Float64Array;
  /** The network's rows and angle columns (market/lp/networkBlock.ts). */
  readonly network: NetworkBlock;
}

export interface LpConstraints {
  readonly layout: LpLayout;
  readonly numRows: number;
  readonly numCols: number;
  readonly matrix: CscMatrix;
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
}

export interface LpObjective {
  readonly sense: 'max';
  readonly offset: number;
  readonly colCost: Float64Array;
  readonly hessianDiagonal?: Float64Array;
}

/**
 * Step 1: rows, columns, bounds and the sparse matrix. The B-θ angle block (or the
 * PTDF) comes from the cached topology.
 */
export function buildConstraints(problem: DispatchProblem, topology: Topology, formulation: LpFormulation = 'b-theta'): LpConstraints {
  const U = problem.unitKw ?? 1;
  const { offers } = problem;
  const M = offers.count;
  const G = problem.groups?.count ?? 0;
  const network = dcNetworkBlock(topology, formulation, U, problem.fixedLoadKw);
  const NB = network.numRows;
  const numRows = NB + G;
  const numCols = M + network.numCols;
  const group = offers.group;

  // Rows: the network block's, then one per group.
  const rowLower = new Float64Array(numRows);
  const rowUpper = new Float64Array(numRows);
  rowLower.set(network.rowLower, 0);
  rowUpper.set(network.rowUpper, 0);
  for (let g = 0; g < G; g++) {
    rowLower[NB + g] = problem.groups!.lowerKw[g]! / U;
    rowUpper[NB + g] = problem.groups!.upperKw[g]! / U;
  }

  // Columns: the offers, then the block's own (angles).
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols);
  const { injectionStarts, injectionRows, injectionValues } = network;
  let nnz = network.columns.rows.length;
  for (let j = 0; j < M; j++) {
    colLower[j] = offers.lowerKw[j]! / U;
    colUpper[j] = offers.upperKw[j]! / U;
    const bus = offers.bus[j]!;
    nnz += injectionStarts[bus + 1]! - injectionStarts[bus]! + (group && group[j]! >= 0 ? 1 : 0);
  }
  colLower.set(network.colLower, M);
  colUpper.set(network.colUpper, M);

  const starts = new Int32Array(numCols + 1);
  const rows = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let j = 0; j < M; j++) {
    starts[j] = p;
    const dir = offers.isBuy[j] ? -1 : 1;
    const bus = offers.bus[j]!;
    for (let q = injectionStarts[bus]!; q < injectionStarts[bus + 1]!; q++) {
      rows[p] = injectionRows[q]!;
      values[p++] = dir * injectionValues[q]!;
    }
    if (group && group[j]! >= 0) {
      rows[p] = NB + group[j]!;
      values[p++] = 1;
    }
  }
  const own = network.columns;
  for (let k = 0; k < network.numCols; k++) {
    starts[M + k] = p;
    for (let q = own.starts[k]!; q < own.starts[k + 1]!; q++) {
      rows[p] = own.rows[q]!;
      values[p++] = own.values[q]!;
    }
  }
  starts[numCols] = p;
  const layout: LpLayout = {
    formulation,
    topology,
    unitKw: U,
    offers: M,
    angleCol: M,
    balanceRow: network.balanceRow,
    limitRow: network.limitRow,
    groupRow: NB,
    groups: G,
    thermalLower: network.thermalLower,
    thermalUpper: network.thermalUpper,
    network,
  };
  return { layout, numRows, numCols, matrix: { starts, rows: rows.subarray(0, p), values: values.subarray(0, p) }, rowLower, rowUpper, colLower, colUpper };
}

/** Step 2: welfare to maximise, in currency/MWh × LP units (= currency/h × 1000 / unitKw). */
export function buildObjective(problem: DispatchProblem, layout: LpLayout): LpObjective {
  const U = layout.unitKw;
  const { offers } = problem;
  const colCost = new Float64Array(layout.formulation === 'ptdf' ? layout.offers : layout.offers + layout.topology.busCount);
  for (let j = 0; j < offers.count; j++) colCost[j] = offers.isBuy[j] ? offers.priceMwh[j]! : -offers.priceMwh[j]!;
  let hessianDiagonal: Float64Array | undefined;
  const slope = offers.slopeMwhPerKw;
  if (slope && slope.some((s) => s !== 0)) {
    hessianDiagonal = new Float64Array(colCost.length);
    for (let j = 0; j < offers.count; j++) hessianDiagonal[j] = -slope[j]! * U;
  }
  const offset = -((problem.constantCostPerH ?? 0) * 1000) / U;
  return { sense: 'max', offset, colCost, ...(hessianDiagonal ? { hessianDiagonal } : {}) };
}

/** Step 3: hand the programme to the solver. */
export function solveLp(constraints: LpConstraints, objective: LpObjective, solver: LpSolver, opts: DispatchOptions = {}): { lp: LinearProgram; solution: LpSolution } {
  const lp: LinearProgram = {
    sense: objective.sense,
    numCols: constraints.numCols,
    numRows: constraints.numRows,
    offset: objective.offset,
    colCost: objective.colCost,
    colLower: constraints.colLower,
    colUpper: constraints.colUpper,
    rowLower: constraints.rowLower,
    rowUpper: constraints.rowUpper,
    matrix: constraints.matrix,
    ...(objective.hessianDiagonal ? { hessianDiagonal: objective.hessianDiagonal } : {}),
  };
  return { lp, solution: solver.solve(lp, { duals: opts.duals ?? true }) };
}

/** Step 4: quantities, angles, flows, prices and shadow prices back in kW and currency/MWh. */
export function readBack(problem: DispatchProblem, constraints: LpConstraints, solution: LpSolution, solverName: string): DispatchResult {
  const { layout } = constraints;
  const { topology, unitKw: U } = layout;
  const network = problem.network;
  const N = topology.busCount;
  const M = layout.offers;
  const G = layout.groups;
  const nBranches = network.branches.length;
  const size = { rows: constraints.numRows, cols: constraints.numCols, nonzeros: constraints.matrix.rows.length };
  const quantityKw = new Float64Array(M).fill(NaN);
  const groupKw = new Float64Array(G).fill(NaN);
  const groupLowerDualMwh = new Float64Array(G).fill(NaN);
  const groupUpperDualMwh = new Float64Array(G).fill(NaN);
  const priceMwh = new Float64Array(N).fill(NaN);
  const flowKw = new Float64Array(nBranches);
  const flowShadowMwh = new Float64Array(nBranches);
  const angleShadowMwh = new Float64Array(nBranches);
  const angleRad = new Float64Array(N).fill(NaN);
  const base = { solver: solverName, formulation: layout.formulation, topology, size };
  if (solution.status !== 'optimal') {
    flowKw.fill(NaN);
    flowShadowMwh.fill(NaN);
    angleShadowMwh.fill(NaN);
    return {
      ...base,
      status: solution.status,
      message: explainFailure(problem, solution, topology),
      quantityKw,
      groupKw,
      groupLowerDualMwh,
      groupUpperDualMwh,
      priceMwh,
      flowKw,
      flowShadowMwh,
      angleShadowMwh,
      angleRad,
      welfarePerH: NaN,
      congestionRentPerH: NaN,
    };
  }
  const x = solution.colValue;
  const dual = solution.rowDual;
  for (let j = 0; j < M; j++) quantityKw[j] = x[j]! * U;
  // Net injections (kW) of the offers less fixed load: the PTDF form's angles need them.
  const P = new Float64Array(N);
  if (layout.formulation === 'ptdf') {
    for (let k = 0; k < N; k++) P[k] = -(problem.fixedLoadKw ? problem.fixedLoadKw[k]! : 0);
    for (let j = 0; j < M; j++) P[problem.offers.bus[j]!]! += problem.offers.isBuy[j] ? -quantityKw[j]! : quantityKw[j]!;
  }
  const net = readNetworkBlock(layout.network, nBranches, solution, { rowOffset: 0, colOffset: layout.angleCol, dualPerPrice: 1, rowLower: constraints.rowLower, rowUpper: constraints.rowUpper }, P);
  angleRad.set(net.angleRad);
  flowKw.set(net.flowKw);
  if (dual) {
    priceMwh.set(net.priceMwh);
    flowShadowMwh.set(net.flowShadowMwh);
    angleShadowMwh.set(net.angleShadowMwh);
  }
  if (G > 0) {
    groupKw.fill(0);
    const group = problem.offers.group!;
    for (let j = 0; j < M; j++) if (group[j]! >= 0) groupKw[group[j]!]! += quantityKw[j]!;
    for (let g = 0; g < G; g++) {
      const d = dual ? dual[layout.groupRow + g]! : NaN;
      groupLowerDualMwh[g] = dual ? Math.max(0, -d) : NaN;
      groupUpperDualMwh[g] = dual ? Math.max(0, d) : NaN;
    }
  }
  let rent = 0;
  if (dual) {
    for (let l = 0; l < topology.branchCount; l++) {
      const i = topology.branchOf[l]!;
      rent += (flowKw[i]! * (priceMwh[topology.to[l]!]! - priceMwh[topology.from[l]!]!)) / 1000;
    }
  } else rent = NaN;
  return {
    ...base,
    status: 'optimal',
    message: dual ? '' : `${solverName} returned no duals: prices and shadow prices are NaN`,
    quantityKw,
    groupKw,
    groupLowerDualMwh,
    groupUpperDualMwh,
    priceMwh,
    flowKw,
    flowShadowMwh,
    angleShadowMwh,
    angleRad,
    welfarePerH: (solution.objective * U) / 1000,
    congestionRentPerH: rent,
  };
}

/**
 * Dispatches `problem` on its network's current topology (from the cache) with
 * `solver`. Never throws on an optimisation outcome: infeasible, unbounded and
 * solver failures come back as a status with a message, and NaN (never zero)
 * quantities and prices.
 */
export function dispatch(problem: DispatchProblem, solver: LpSolver, opts: DispatchOptions = {}): DispatchResult {
  const topology = (problem.topologyCache ?? sharedTopologyCache).get(problem.network, problem.branchModel ?? 'matpower');
  checkProblem(problem, topology);
  const formulation = opts.formulation ?? solver.preferredFormulation;
  // Size first: a solver that cannot take the programme says so before the PTDF (N × branches) is built.
  const rows = (formulation === 'ptdf' ? 1 : topology.busCount) + topology.limited.length + (problem.groups?.count ?? 0);
  const tooLarge = solver.tooLarge?.(rows, problem.offers.count + (formulation === 'ptdf' ? 0 : topology.busCount));
  if (tooLarge !== undefined) {
    // Reported on the sparse B-θ layout, which costs nothing to build; nothing was solved.
    const skeleton = buildConstraints(problem, topology, 'b-theta');
    return readBack(problem, skeleton, failedSolution({ numCols: skeleton.numCols, numRows: skeleton.numRows } as LinearProgram, 'solver-error', tooLarge), solver.name);
  }
  const constraints = buildConstraints(problem, topology, formulation);
  const objective = buildObjective(problem, constraints.layout);
  const { solution } = solveLp(constraints, objective, solver, opts);
  // HiGHS's QP solver can fail outright on the B-θ form where the PTDF form of the same
  // programme solves (IEEE 118-bus, MATPOWER branch model, quadratic costs: HiGHS status −1).
  // The two forms have the same optimum and prices, so a failed QP gets the other form.
  if (solution.status === 'solver-error' && objective.hessianDiagonal && formulation === 'b-theta' && !opts.formulation) {
    const ptdf = buildConstraints(problem, topology, 'ptdf');
    const retry = solveLp(ptdf, buildObjective(problem, ptdf.layout), solver, opts).solution;
    if (retry.status !== 'solver-error') return readBack(problem, ptdf, retry, solver.name);
  }
  return readBack(problem, constraints, solution, solver.name);
}

/** Programming errors (not optimisation outcomes) throw: wrong lengths, bus indices, NaN data. */
function checkProblem(problem: DispatchProblem, topology: Topology): void {
  const { offers } = problem;
  const n = offers.count;
  for (const [name, arr] of [
    ['bus', offers.bus],
    ['isBuy', offers.isBuy],
    ['priceMwh', offers.priceMwh],
    ['lowerKw', offers.lowerKw],
    ['upperKw', offers.upperKw],
  ] as const) {
    if (arr.length < n) throw new RangeError(`dispatch: offers.${name} has ${arr.length} entries, expected ${n}`);
  }
  for (let j = 0; j < n; j++) {
    const b = offers.bus[j]!;
    if (!(b >= 0 && b < topology.busCount)) throw new RangeError(`dispatch: offer ${j} is at bus index ${b}, outside the network's ${topology.busCount} buses`);
    if (!Number.isFinite(offers.priceMwh[j]!)) throw new RangeError(`dispatch: offer ${j} has a non-finite price ${offers.priceMwh[j]}`);
    if (Number.isNaN(offers.lowerKw[j]!) || Number.isNaN(offers.upperKw[j]!)) throw new RangeError(`dispatch: offer ${j} has a NaN bound`);
  }
  if (problem.fixedLoadKw && problem.fixedLoadKw.length !== topology.busCount)
    throw new RangeError(`dispatch: fixedLoadKw has ${problem.fixedLoadKw.length} entries, expected one per bus (${topology.busCount})`);
  if (problem.fixedLoadKw?.some((v) => !Number.isFinite(v))) throw new RangeError('dispatch: fixedLoadKw has a non-finite entry');
}

/** A message that says what the failure means for this problem, not only what the solver said. */
function explainFailure(problem: DispatchProblem, solution: LpSolution, topology: Topology): string {
  if (solution.status !== 'infeasible') return solution.message;
  const { fixedLoadKw: load, minimumDemandKw: minimum, supplyKw: supply, minimumGenerationKw: minGen, maximumDemandKw: maxDemand } = supplyBounds(problem.offers, problem.groups, problem.fixedLoadKw);
  const need = load + minimum;
  // Messages in the problem's own unit: MW for cases solved in MW, else kW.
  const mw = problem.unitKw === 1000;
  const kw = (v: number): string => `${Number((mw ? v / 1000 : v).toPrecision(6))} ${mw ? 'MW' : 'kW'}`;
  if (need > supply * (1 + DISPATCH_TOLERANCE))
    return `infeasible: the fixed load${minimum > 0 ? ' and minimum demand' : ''} of ${kw(need)} exceeds the ${kw(supply)} that all supply together can give (${solution.message})`;
  if (minGen > maxDemand * (1 + DISPATCH_TOLERANCE))
    return `infeasible: generator minimums of ${kw(minGen)} exceed the ${kw(maxDemand)} that load and demand can take (${solution.message})`;
  return `infeasible: the fixed load of ${kw(load)} cannot be delivered within the branch and angle limits${shifterOverloads(problem, topology, kw)} (${solution.message})`;
}

/**
 * Phase shifters drive loop flows whatever is traded: where those alone (with the fixed
 * load, nothing else injected) put a branch over its thermal limit, the likely reason a
 * market with no fixed load at all is infeasible. Empty without shifters or overloads.
 */
function shifterOverloads(problem: DispatchProblem, topology: Topology, kw: (v: number) => string): string {
  if (!topology.shiftRad.some((v) => v !== 0)) return '';
  const injection = Float64Array.from({ length: topology.busCount }, (_, k) => -(problem.fixedLoadKw?.[k] ?? 0));
  const flows = dcFlowsKw(topology, injection);
  const over: string[] = [];
  for (let l = 0; l < topology.branchCount; l++) {
    const limit = topology.limitKw[l]!;
    if (Math.abs(flows[l]!) > limit * (1 + DISPATCH_TOLERANCE)) over.push(`${kw(Math.abs(flows[l]!))} through branch '${problem.network.branches[topology.branchOf[l]!]!.id}' (limit ${kw(limit)})`);
  }
  return over.length === 0 ? '' : `: with nothing traded the phase shifters alone drive ${over.join(', ')}, and the offers cannot counter that`;
}

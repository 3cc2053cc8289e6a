/**
 * DC power flows of given nodal injections on a topology, through its PTDF:
 * f_l = Σ_k PTDF[l][k] · (P_k − s_k) − b_l φ_l (kW; P_k = generation − demand at bus k;
 * s_k the phase shifters' outflow at zero angles, `topology.shiftOutflowKw`, and φ_l the
 * branch's shift: flow = b (θ_from − θ_to − φ), as the dispatch LP reads flows back; the
 * reference bus absorbs the imbalance, which is zero for a cleared market).
 * Used to check an unconstrained clearing against the branch limits, and to
 * report physical flows when the market clears without the grid.
 */
import { ptdfOf } from './ptdf.ts';
import type { Topology } from './topology.ts';
import type { BranchFlow, Network } from './types.ts';

/** Flow on each in-service branch (topology order), kW, positive from → to. */
export function dcFlowsKw(topology: Topology, injectionKw: Float64Array): Float64Array {
  const { factors, busCount } = ptdfOf(topology);
  const flows = new Float64Array(topology.branchCount);
  // A phase shifter drives a loop flow even at zero injections: without it the auction's
  // flows were checked against the limits as if every shift were 0.
  const { shiftOutflowKw, shiftRad, susceptanceKw } = topology;
  for (let l = 0; l < topology.branchCount; l++) {
    let f = -susceptanceKw[l]! * shiftRad[l]!;
    const row = l * busCount;
    for (let k = 0; k < busCount; k++) f += factors[row + k]! * (injectionKw[k]! - shiftOutflowKw[k]!);
    flows[l] = f + 0; // + 0: no −0
  }
  return flows;
}

/** Relative slack allowed before a flow counts as over its limit (solver and rounding noise). */
export const LIMIT_TOLERANCE = 1e-7;

/**
 * Flows are reported to the watt (flows.csv: 3 decimals of kW) and judged against their
 * limits at that same resolution: a flow is over its limit when, rounded to the watt, it
 * exceeds the limit rounded to the watt. So the line-limit KPIs count exactly the rows
 * flows.csv shows above their limit. Why a watt: awards are whole 1 W quanta rounded
 * from the LP's solution, so physical flows at a binding limit land a fraction of a watt
 * either side of it (0.2 W on evening-peak: 3.4e-6 relative, above the LP's own
 * DISPATCH_TOLERANCE of 1e-6); half a watt is within the resolution every output states.
 */
export const FLOW_DECIMALS = 3;
const FLOW_SCALE = 10 ** FLOW_DECIMALS;

/** True when |flowKw| exceeds limitKw at the reported resolution (`FLOW_DECIMALS`); never for an infinite limit. */
export function isOverLimit(flowKw: number, limitKw: number): boolean {
  return Number.isFinite(limitKw) && Math.round(Math.abs(flowKw) * FLOW_SCALE) > Math.round(limitKw * FLOW_SCALE);
}

/** The flows as `BranchFlow`s for every branch of the network (out-of-service ones at 0 kW, limit 0), shadow prices 0. */
export function branchFlows(network: Network, topology: Topology, flowsKw: Float64Array): BranchFlow[] {
  const byBranch = new Map<number, number>();
  for (let l = 0; l < topology.branchCount; l++) byBranch.set(topology.branchOf[l]!, l);
  return network.branches.map((b, i) => {
    const l = byBranch.get(i);
    return l === undefined ? { id: b.id, flowKw: 0, limitKw: 0, shadowPriceMwh: 0 } : { id: b.id, flowKw: flowsKw[l]!, limitKw: b.limitKw, shadowPriceMwh: 0 };
  });
}

/**
 * True when every flow is within its branch's thermal limit and every angle difference
 * θ_from − θ_to = flow / b + φ within its angle limits (with `LIMIT_TOLERANCE`): the limits
 * the dispatch LP enforces, so an 'auto' clearing that passes here needs no LP.
 */
export function withinLimits(topology: Topology, flowsKw: Float64Array): boolean {
  const { angleMinRad, angleMaxRad, susceptanceKw, shiftRad } = topology;
  for (let l = 0; l < topology.branchCount; l++) {
    const limit = topology.limitKw[l]!;
    if (Math.abs(flowsKw[l]!) > limit * (1 + LIMIT_TOLERANCE) + 1e-9) return false;
    const lo = angleMinRad[l]!;
    const hi = angleMaxRad[l]!;
    if (lo === -Infinity && hi === Infinity) continue;
    const b = susceptanceKw[l]!;
    const diff = flowsKw[l]! / b + shiftRad[l]!;
    // The thermal test's slack, relative to the finite bound and 1e-9 kW absolute.
    const bound = Math.max(Number.isFinite(lo) ? Math.abs(lo) : 0, Number.isFinite(hi) ? Math.abs(hi) : 0);
    const slack = bound * LIMIT_TOLERANCE + 1e-9 / Math.abs(b);
    if (diff < lo - slack || diff > hi + slack) return false;
  }
  return true;
}

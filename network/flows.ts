/**
 * DC power flows of given nodal injections on a topology, through its PTDF:
 * f_l = Σ_k PTDF[l][k] · P_k (kW; P_k = generation − demand at bus k; the
 * reference bus absorbs the imbalance, which is zero for a cleared market).
 * Used to check an unconstrained clearing against the branch limits, and to
 * report physical flows when the market clears without the grid.
 */
import type { BranchFlow } from '../market/types.ts';
import { ptdfOf } from './ptdf.ts';
import type { Topology } from './topology.ts';
import type { Network } from './types.ts';

/** Flow on each in-service branch (topology order), kW, positive from → to. */
export function dcFlowsKw(topology: Topology, injectionKw: Float64Array): Float64Array {
  const { factors, busCount } = ptdfOf(topology);
  const flows = new Float64Array(topology.branchCount);
  for (let l = 0; l < topology.branchCount; l++) {
    let f = 0;
    const row = l * busCount;
    for (let k = 0; k < busCount; k++) f += factors[row + k]! * injectionKw[k]!;
    flows[l] = f;
  }
  return flows;
}

/** Relative slack allowed before a flow counts as over its limit (solver and rounding noise). */
export const LIMIT_TOLERANCE = 1e-7;

/** The flows as `BranchFlow`s for every branch of the network (out-of-service ones at 0 kW, limit 0), shadow prices 0. */
export function branchFlows(network: Network, topology: Topology, flowsKw: Float64Array): BranchFlow[] {
  const byBranch = new Map<number, number>();
  for (let l = 0; l < topology.branchCount; l++) byBranch.set(topology.branchOf[l]!, l);
  return network.branches.map((b, i) => {
    const l = byBranch.get(i);
    return l === undefined ? { id: b.id, flowKw: 0, limitKw: 0, shadowPriceMwh: 0 } : { id: b.id, flowKw: flowsKw[l]!, limitKw: b.limitKw, shadowPriceMwh: 0 };
  });
}

/** True when every flow is within its branch's limit (with `LIMIT_TOLERANCE`). */
export function withinLimits(topology: Topology, flowsKw: Float64Array): boolean {
  for (let l = 0; l < topology.branchCount; l++) {
    const limit = topology.limitKw[l]!;
    if (Math.abs(flowsKw[l]!) > limit * (1 + LIMIT_TOLERANCE) + 1e-9) return false;
  }
  return true;
}

/**
 * Complementary slackness of a dispatch, checked in economic terms on the result
 * alone (quantities, prices, shadow prices), independently of how the LP was written:
 *
 * - an offer whose price beats its bus price is cleared fully, one whose price is worse
 *   not at all, and one partly cleared only at equality (for a generator's cost segment
 *   the bus price is shifted by the generator's Pmin/Pmax duals: π + μ_min − μ_max);
 * - a generator's μ_min is non-zero only at Pmin, μ_max only at Pmax;
 * - a branch's shadow price is non-zero only when its flow is at the limit, and no flow
 *   exceeds its limit.
 *
 * Returns the violations (empty when everything holds), so a failing test says which.
 */
import type { DispatchProblem, DispatchResult } from '../../market/lp/dispatch.ts';

export interface ComplementarityTolerance {
  /** Prices, currency/MWh: absolute plus relative to the price. Default 1e-6 + 1e-7·|π|. */
  readonly price?: number;
  /** Quantities, kW: absolute plus relative to the bound. Default 1e-6 + 1e-7·|bound|. */
  readonly quantity?: number;
}

export function complementarityViolations(problem: DispatchProblem, result: DispatchResult, tol: ComplementarityTolerance = {}): string[] {
  const out: string[] = [];
  if (result.status !== 'optimal') return [`status is ${result.status}: ${result.message}`];
  const pt = tol.price ?? 1e-6;
  const qt = tol.quantity ?? 1e-6;
  const priceTol = (p: number): number => pt + 1e-7 * Math.abs(p);
  const qtyTol = (b: number): number => qt + 1e-7 * (Number.isFinite(b) ? Math.abs(b) : 0);
  const { offers, network } = problem;
  const group = offers.group;
  for (let j = 0; j < offers.count; j++) {
    const q = result.quantityKw[j]!;
    const lo = offers.lowerKw[j]!;
    const hi = offers.upperKw[j]!;
    const buy = offers.isBuy[j] === 1;
    const pi = result.priceMwh[offers.bus[j]!]!;
    const g = group ? group[j]! : -1;
    const effective = g >= 0 ? pi + result.groupLowerDualMwh[g]! - result.groupUpperDualMwh[g]! : pi;
    const slope = offers.slopeMwhPerKw?.[j] ?? 0;
    const marginal = buy ? offers.priceMwh[j]! - slope * q : offers.priceMwh[j]! + slope * q;
    // Gain from one more kW: buyer's value − price, or price − seller's cost.
    const gain = buy ? marginal - effective : effective - marginal;
    const atLo = Math.abs(q - lo) <= qtyTol(lo);
    const atHi = Math.abs(q - hi) <= qtyTol(hi);
    const name = `offer ${j} (${buy ? 'buy' : 'sell'} at ${marginal} currency/MWh, bus ${network.buses[offers.bus[j]!]!.id} price ${pi}${g >= 0 ? `, group ${g}` : ''})`;
    if (q < lo - qtyTol(lo) || q > hi + qtyTol(hi)) out.push(`${name}: quantity ${q} kW outside [${lo}, ${hi}]`);
    if (gain > priceTol(effective) && !atHi) out.push(`${name}: beats the price by ${gain} but clears ${q} of ${hi} kW`);
    if (gain < -priceTol(effective) && !atLo) out.push(`${name}: worse than the price by ${-gain} but clears ${q} kW (lower bound ${lo})`);
  }
  for (let g = 0; g < (problem.groups?.count ?? 0); g++) {
    const p = result.groupKw[g]!;
    const lo = problem.groups!.lowerKw[g]!;
    const hi = problem.groups!.upperKw[g]!;
    if (p < lo - qtyTol(lo) || p > hi + qtyTol(hi)) out.push(`group ${g}: output ${p} kW outside [${lo}, ${hi}]`);
    if (result.groupLowerDualMwh[g]! > pt && Math.abs(p - lo) > qtyTol(lo)) out.push(`group ${g}: μ_min ${result.groupLowerDualMwh[g]} but output ${p} kW is above Pmin ${lo}`);
    if (result.groupUpperDualMwh[g]! > pt && Math.abs(p - hi) > qtyTol(hi)) out.push(`group ${g}: μ_max ${result.groupUpperDualMwh[g]} but output ${p} kW is below Pmax ${hi}`);
  }
  network.branches.forEach((br, i) => {
    const f = result.flowKw[i]!;
    const limit = br.inService ? br.limitKw : 0;
    if (Math.abs(f) > limit + qtyTol(limit)) out.push(`branch '${br.id}': flow ${f} kW exceeds its limit ${limit} kW`);
    const mu = result.flowShadowMwh[i]!;
    if (mu < 0) out.push(`branch '${br.id}': negative shadow price ${mu}`);
    if (mu > pt && Math.abs(Math.abs(f) - limit) > qtyTol(limit)) out.push(`branch '${br.id}': shadow price ${mu} but flow ${f} kW is not at its limit ${limit} kW`);
  });
  return out;
}

/** Σ_bus price × net withdrawal (buys + fixed load − sells), currency/h: the congestion rent computed bus-side. */
export function busSideRentPerH(problem: DispatchProblem, result: DispatchResult): number {
  const N = problem.network.buses.length;
  const withdrawal = new Float64Array(N);
  if (problem.fixedLoadKw) withdrawal.set(problem.fixedLoadKw);
  for (let j = 0; j < problem.offers.count; j++) {
    const q = result.quantityKw[j]!;
    withdrawal[problem.offers.bus[j]!]! += problem.offers.isBuy[j] ? q : -q;
  }
  let rent = 0;
  for (let k = 0; k < N; k++) rent += (result.priceMwh[k]! * withdrawal[k]!) / 1000;
  return rent;
}

/**
 * The LinDistFlow power flow (Baran & Wu 1989, simplified DistFlow) of given
 * bus withdrawals on a radial feeder: lossless branch flows and squared voltages,
 *
 *   P_j = Σ_{k ∈ subtree(j)} p_k,   Q_j = Σ_{k ∈ subtree(j)} q_k      (flow into j from its parent i)
 *   w_j = w_i − 2 (r_ij P_j + x_ij Q_j) / S_base,    w = |V|²,  w_root = V_set²
 *
 * with p, q the net withdrawals (load − generation) in kW and kvar, r and x in p.u.
 * on S_base (kVA). Closed form, O(buses). The LP (market/lp/linDistFlowBlock.ts)
 * writes the same equations as constraints; this is the same model evaluated at a
 * known dispatch (reports, operators, the comparison with the AC sweep).
 *
 * Islanded buses get NaN voltages and zero flows.
 */
import { type RadialFeeder, subtreeSums } from './radial.ts';

export interface LinDistFlowState {
  /** Per bus: squared voltage magnitude, p.u.², and the magnitude √w, p.u. (NaN when islanded, and where w ≤ 0: past collapse). */
  readonly wPu: Float64Array;
  readonly vmPu: Float64Array;
  /** Per bus: active and reactive flow into it from its parent, kW and kvar (0 for the root and islanded buses). */
  readonly pKw: Float64Array;
  readonly qKvar: Float64Array;
}

export function linDistFlow(feeder: RadialFeeder, withdrawalKw: ArrayLike<number>, withdrawalKvar: ArrayLike<number>): LinDistFlowState {
  const n = feeder.busCount;
  const pKw = subtreeSums(feeder, withdrawalKw);
  const qKvar = subtreeSums(feeder, withdrawalKvar);
  const wPu = new Float64Array(n).fill(NaN);
  const { order, parent, rPu, xPu, root } = feeder;
  const s = feeder.baseKva;
  wPu[root] = feeder.substationVoltagePu ** 2;
  pKw[root] = 0;
  qKvar[root] = 0;
  for (let i = 1; i < order.length; i++) {
    const k = order[i]!;
    wPu[k] = wPu[parent[k]!]! - (2 * (rPu[k]! * pKw[k]! + xPu[k]! * qKvar[k]!)) / s;
  }
  for (let k = 0; k < n; k++) {
    if (!feeder.energised[k]) {
      pKw[k] = 0;
      qKvar[k] = 0;
    }
  }
  // |V|² at or below 0 is past what the linear model can describe (a voltage collapse): no magnitude, not 0 p.u.
  const vmPu = Float64Array.from(wPu, (w) => (w > 0 ? Math.sqrt(w) : NaN));
  return { wPu, vmPu, pKw, qKvar };
}

/**
 * ∂w_m/∂p_k, the change of bus m's squared voltage per kW more withdrawal at bus k:
 * −2 Σ r_l / S_base over the branches the paths from the substation to m and to k share
 * (0 if either is islanded). The reactive sensitivity is the same with x for r.
 */
export function voltageSensitivity(feeder: RadialFeeder, m: number, k: number, impedance: 'r' | 'x' = 'r'): number {
  if (!feeder.energised[m] || !feeder.energised[k]) return 0;
  const z = impedance === 'r' ? feeder.rPu : feeder.xPu;
  const onPath = new Set<number>();
  for (let b = m; b !== feeder.root; b = feeder.parent[b]!) onPath.add(b);
  let sum = 0;
  for (let b = k; b !== feeder.root; b = feeder.parent[b]!) if (onPath.has(b)) sum += z[b]!;
  return (-2 * sum) / feeder.baseKva;
}

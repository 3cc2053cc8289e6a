/**
 * AC power flow of a radial feeder by the backward/forward sweep, constant-power
 * loads (the check of a LinDistFlow dispatch: actual voltages, losses, and the
 * limits the linear model missed).
 *
 * With bus withdrawals S_k = p_k + j q_k (p.u. on S_base) and the substation at V_set∠0:
 *   backward: load current I_k = conj(S_k / V_k); branch current J_k = I_k + Σ_children J_c
 *   forward:  V_k = V_parent − (r_k + j x_k) J_k
 * repeated until no voltage moves by more than `tolerancePu` (default 1e-10, the
 * refcases' convention). Losses = Σ |J_k|² r_k and Σ |J_k|² x_k. Islanded buses are
 * skipped (NaN voltage). A dispatch past voltage collapse (no real solution: the iterates go to
 * NaN) ends `converged: false`. Plain typed arrays, no allocation per iteration.
 */
import type { RadialFeeder } from './radial.ts';

export interface AcSweepOptions {
  readonly tolerancePu?: number;
  readonly maxIterations?: number;
}

export interface AcSweepResult {
  readonly converged: boolean;
  readonly iterations: number;
  /** Per bus: voltage magnitude, p.u., and angle, radians (NaN when islanded). */
  readonly vmPu: Float64Array;
  readonly vaRad: Float64Array;
  /** Per bus: active and reactive power sent into it by its parent branch, kW and kvar (at the parent's end). */
  readonly pKw: Float64Array;
  readonly qKvar: Float64Array;
  /** Per bus: current magnitude in the branch from its parent, p.u. */
  readonly currentPu: Float64Array;
  /** Total series losses, kW and kvar. */
  readonly lossesKw: number;
  readonly lossesKvar: number;
}

export const AC_SWEEP_TOLERANCE_PU = 1e-10;

export function acSweep(feeder: RadialFeeder, withdrawalKw: ArrayLike<number>, withdrawalKvar: ArrayLike<number>, opts: AcSweepOptions = {}): AcSweepResult {
  const tol = opts.tolerancePu ?? AC_SWEEP_TOLERANCE_PU;
  const maxIt = opts.maxIterations ?? 100;
  const n = feeder.busCount;
  const { order, parent, rPu, xPu, root } = feeder;
  const s = feeder.baseKva;
  const m = order.length;
  const pl = new Float64Array(n);
  const ql = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const k = order[i]!;
    pl[k] = withdrawalKw[k]! / s;
    ql[k] = withdrawalKvar[k]! / s;
  }
  const vr = new Float64Array(n).fill(feeder.substationVoltagePu);
  const vi = new Float64Array(n);
  const jr = new Float64Array(n);
  const ji = new Float64Array(n);
  let converged = false;
  let it = 0;
  while (it < maxIt) {
    it++;
    // Backward: J_k = conj(S_k / V_k) + Σ children, accumulated leaf to root.
    jr.fill(0);
    ji.fill(0);
    for (let i = m - 1; i > 0; i--) {
      const k = order[i]!;
      const a = vr[k]!;
      const b = vi[k]!;
      const d = a * a + b * b;
      // conj((p + jq) / (a + jb)) = (p a + q b − j (q a − p b)) / d ... written out: (p − jq)/(a − jb).
      jr[k]! += (pl[k]! * a + ql[k]! * b) / d;
      ji[k]! += (pl[k]! * b - ql[k]! * a) / d;
      const p = parent[k]!;
      if (p !== root) {
        jr[p]! += jr[k]!;
        ji[p]! += ji[k]!;
      }
    }
    // Forward: V_k = V_parent − Z_k J_k.
    let delta = 0;
    for (let i = 1; i < m; i++) {
      const k = order[i]!;
      const p = parent[k]!;
      const nr = vr[p]! - (rPu[k]! * jr[k]! - xPu[k]! * ji[k]!);
      const ni = vi[p]! - (rPu[k]! * ji[k]! + xPu[k]! * jr[k]!);
      const dv = Math.abs(nr - vr[k]!) + Math.abs(ni - vi[k]!);
      // `!(dv <= delta)`, not `dv > delta`: a NaN change (iterates past voltage collapse) must win,
      // or the sweep would stop "converged" at NaN voltages and losses.
      if (!(dv <= delta)) delta = dv;
      vr[k] = nr;
      vi[k] = ni;
    }
    if (delta < tol) {
      converged = true;
      break;
    }
    if (Number.isNaN(delta)) break; // no voltage carries this dispatch: not converged
  }
  const vmPu = new Float64Array(n).fill(NaN);
  const vaRad = new Float64Array(n).fill(NaN);
  const pKw = new Float64Array(n);
  const qKvar = new Float64Array(n);
  const currentPu = new Float64Array(n);
  let lossP = 0;
  let lossQ = 0;
  for (let i = 0; i < m; i++) {
    const k = order[i]!;
    vmPu[k] = Math.hypot(vr[k]!, vi[k]!);
    vaRad[k] = Math.atan2(vi[k]!, vr[k]!);
    if (i === 0) continue;
    const p = parent[k]!;
    const i2 = jr[k]! * jr[k]! + ji[k]! * ji[k]!;
    currentPu[k] = Math.sqrt(i2);
    lossP += i2 * rPu[k]!;
    lossQ += i2 * xPu[k]!;
    // S sent = V_parent · conj(J).
    pKw[k] = (vr[p]! * jr[k]! + vi[p]! * ji[k]!) * s;
    qKvar[k] = (vi[p]! * jr[k]! - vr[p]! * ji[k]!) * s;
  }
  return { converged, iterations: it, vmPu, vaRad, pKw, qKvar, currentPu, lossesKw: lossP * s, lossesKvar: lossQ * s };
}

/**
 * Power transfer distribution factors of a topology, computed once per topology
 * (memoised on the `Topology` object, which the `TopologyCache` itself reuses
 * across intervals) and only when a PTDF formulation asks for them.
 *
 *   X = B_r⁻¹ (reduced nodal susceptance matrix, reference row/column removed; X_ref = 0)
 *   b_l (θ_from − θ_to) = Σ_k PTDF[l][k] · P_k,   PTDF[l][k] = b_l (X[from][k] − X[to][k])
 *
 * with P the net injections (kW) and θ in radians. Dense: N×N for X and L×N for the
 * PTDF, meant for the small and medium networks where a PTDF programme is wanted.
 */
import type { Topology } from './topology.ts';

export interface Ptdf {
  readonly busCount: number;
  /** Row-major, `branchCount × busCount`, in-service branch order of the topology. */
  readonly factors: Float64Array;
  /** Row-major `busCount × busCount`: θ = X P (radians per kW); the reference row and column are zero. */
  readonly reactance: Float64Array;
}

const memo = new WeakMap<Topology, Ptdf>();
let computations = 0;

/** The PTDF of `topology`, computed on first use and kept with it. */
export function ptdfOf(topology: Topology): Ptdf {
  let p = memo.get(topology);
  if (!p) {
    p = computePtdf(topology);
    memo.set(topology, p);
    computations++;
  }
  return p;
}

/** How many PTDFs were computed in this process (for tests that check reuse). */
export const ptdfComputations = (): number => computations;

function computePtdf(t: Topology): Ptdf {
  const n = t.busCount;
  const ref = t.referenceIndex;
  // Buses the in-service branches connect to the reference; the others (islands, on a radial
  // feeder after an outage) take and give nothing: their rows and columns stay zero.
  const live = new Uint8Array(n);
  live[ref] = 1;
  for (let changed = true; changed; ) {
    changed = false;
    for (let l = 0; l < t.branchCount; l++) {
      const a = t.from[l]!;
      const b = t.to[l]!;
      if (live[a] !== live[b]) {
        live[a] = live[b] = 1;
        changed = true;
      }
    }
  }
  // Reduced index: live buses other than the reference.
  const red = new Int32Array(n).fill(-1);
  let m = 0;
  for (let k = 0; k < n; k++) if (k !== ref && live[k]) red[k] = m++;
  const B = new Float64Array(m * m);
  for (let l = 0; l < t.branchCount; l++) {
    const b = t.susceptanceKw[l]!;
    const f = red[t.from[l]!]!;
    const to = red[t.to[l]!]!;
    if (f >= 0) B[f * m + f]! += b;
    if (to >= 0) B[to * m + to]! += b;
    if (f >= 0 && to >= 0) {
      B[f * m + to]! -= b;
      B[to * m + f]! -= b;
    }
  }
  const inv = invert(B, m);
  const X = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = red[i]!;
    if (ri < 0) continue;
    for (let k = 0; k < n; k++) {
      const rk = red[k]!;
      if (rk >= 0) X[i * n + k] = inv[ri * m + rk]!;
    }
  }
  const factors = new Float64Array(t.branchCount * n);
  for (let l = 0; l < t.branchCount; l++) {
    if (!live[t.from[l]!]) continue;
    const b = t.susceptanceKw[l]!;
    const f = t.from[l]! * n;
    const to = t.to[l]! * n;
    for (let k = 0; k < n; k++) factors[l * n + k] = b * (X[f + k]! - X[to + k]!);
  }
  return { busCount: n, factors, reactance: X };
}

/** Dense inverse by Gauss–Jordan elimination with partial pivoting. */
function invert(a: Float64Array, m: number): Float64Array {
  const A = a.slice();
  const I = new Float64Array(m * m);
  for (let i = 0; i < m; i++) I[i * m + i] = 1;
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(A[r * m + c]!) > Math.abs(A[p * m + c]!)) p = r;
    const pivot = A[p * m + c]!;
    if (pivot === 0 || !Number.isFinite(pivot)) throw new RangeError('PTDF: the susceptance matrix is singular (an island, or reactances that cancel)');
    if (p !== c) {
      for (let k = 0; k < m; k++) {
        [A[p * m + k], A[c * m + k]] = [A[c * m + k]!, A[p * m + k]!];
        [I[p * m + k], I[c * m + k]] = [I[c * m + k]!, I[p * m + k]!];
      }
    }
    const inv = 1 / pivot;
    for (let k = 0; k < m; k++) {
      A[c * m + k]! *= inv;
      I[c * m + k]! *= inv;
    }
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const f = A[r * m + c]!;
      if (f === 0) continue;
      for (let k = 0; k < m; k++) {
        A[r * m + k]! -= f * A[c * m + k]!;
        I[r * m + k]! -= f * I[c * m + k]!;
      }
    }
  }
  return I;
}

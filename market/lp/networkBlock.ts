/**
 * One interval's DC network as a block of an LP: its rows (bus balances and branch
 * limits), its own columns (voltage angles, B-θ form only), and how one LP unit of
 * power injected at a bus enters those rows. Single-interval dispatch
 * (market/lp/dispatch.ts) is one block plus the offer columns; the day-ahead LP
 * (market/dayAhead/program.ts) stacks one block per interval. This is the seam another
 * network model (LinDistFlow) plugs into: build the block, place its rows and columns,
 * and read prices and flows back with `readNetworkBlock`.
 *
 * Rows, block-relative: balance rows first (one per bus in B-θ form, the one system
 * balance in PTDF form), then one limit row per limited branch (`topology.limited`).
 * Row bounds already hold the fixed withdrawals (fixed load and phase-shifter outflow)
 * passed in. See market/lp/dispatch.ts for the programme, units and sign conventions.
 */
import { ptdfOf } from '../../network/ptdf.ts';
import type { Topology } from '../../network/topology.ts';
import type { CscMatrix, LpFormulation, LpSolution } from './solver.ts';

export interface NetworkBlock {
  readonly formulation: LpFormulation;
  readonly topology: Topology;
  /** kW per LP unit. */
  readonly unitKw: number;
  readonly numRows: number;
  /** Own columns: the bus angles (B-θ), none (PTDF). */
  readonly numCols: number;
  /** First balance row (0) and first limit row (block-relative). */
  readonly balanceRow: number;
  readonly limitRow: number;
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
  /** Own columns' entries, block-relative rows. */
  readonly columns: CscMatrix;
  /**
   * The entries one LP unit of injection at bus k puts in the block's rows:
   * rows injectionRows[s..e), values injectionValues[s..e), s = injectionStarts[k],
   * e = injectionStarts[k + 1]. A withdrawal enters with the opposite sign.
   */
  readonly injectionStarts: Int32Array;
  readonly injectionRows: Int32Array;
  readonly injectionValues: Float64Array;
  /** Per limit row: the thermal bounds alone (LP units), to tell which limit binds. */
  readonly thermalLower: Float64Array;
  readonly thermalUpper: Float64Array;
}

/**
 * Builds the block for `topology` in `formulation`, `fixedOutLp` being each bus's
 * fixed withdrawal in LP units (fixed load; the phase shifters' outflow is added here).
 */
export function dcNetworkBlock(topology: Topology, formulation: LpFormulation, unitKw: number, fixedLoadKw?: Float64Array): NetworkBlock {
  const U = unitKw;
  const N = topology.busCount;
  const F = topology.limited.length;
  const ptdf = formulation === 'ptdf';
  const B = ptdf ? 1 : N;
  const numRows = B + F;
  const rowLower = new Float64Array(numRows);
  const rowUpper = new Float64Array(numRows);
  // Bus withdrawals that are not offers: fixed load plus the phase shifters' outflow, LP units.
  const fixedOut = new Float64Array(N);
  for (let k = 0; k < N; k++) fixedOut[k] = ((fixedLoadKw ? fixedLoadKw[k]! : 0) + topology.shiftOutflowKw[k]!) / U;
  if (ptdf) {
    const total = fixedOut.reduce((a, v) => a + v, 0);
    rowLower[0] = total;
    rowUpper[0] = total;
  } else {
    rowLower.set(fixedOut, 0);
    rowUpper.set(fixedOut, 0);
  }
  const factors = ptdf ? ptdfOf(topology).factors : undefined;
  const thermalLower = new Float64Array(F);
  const thermalUpper = new Float64Array(F);
  for (let r = 0; r < F; r++) {
    const l = topology.limited[r]!;
    const b = topology.susceptanceKw[l]!;
    const bphi = b * topology.shiftRad[l]!;
    const L = topology.limitKw[l]!;
    // PTDF form: the row is PTDF·(offer injections); the fixed withdrawals move its bounds.
    let moved = 0;
    if (factors) for (let k = 0; k < N; k++) moved += factors[l * N + k]! * fixedOut[k]!;
    thermalLower[r] = (-L + bphi) / U + moved;
    thermalUpper[r] = (L + bphi) / U + moved;
    const a1 = (b * topology.angleMinRad[l]!) / U;
    const a2 = (b * topology.angleMaxRad[l]!) / U;
    // b·[amin, amax], ordered (b < 0 for a series capacitor); ±Infinity × b stays infinite.
    const angLo = Math.min(a1, a2) + moved;
    const angHi = Math.max(a1, a2) + moved;
    rowLower[B + r] = Math.max(thermalLower[r]!, Number.isNaN(angLo) ? -Infinity : angLo);
    rowUpper[B + r] = Math.min(thermalUpper[r]!, Number.isNaN(angHi) ? Infinity : angHi);
  }

  // Injection pattern per bus.
  const injectionStarts = new Int32Array(N + 1);
  const injRows: number[] = [];
  const injValues: number[] = [];
  for (let k = 0; k < N; k++) {
    injectionStarts[k] = injRows.length;
    injRows.push(ptdf ? 0 : k);
    injValues.push(1);
    if (factors) {
      for (let r = 0; r < F; r++) {
        const v = factors[topology.limited[r]! * N + k]!;
        if (v === 0) continue;
        injRows.push(B + r);
        injValues.push(v);
      }
    }
  }
  injectionStarts[N] = injRows.length;

  // Own columns: the angles (B-θ), 0 at the reference bus.
  const numCols = ptdf ? 0 : N;
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols);
  let columns: CscMatrix;
  if (ptdf) columns = { starts: new Int32Array(1), rows: new Int32Array(0), values: new Float64Array(0) };
  else {
    for (let k = 0; k < N; k++) {
      colLower[k] = k === topology.referenceIndex ? 0 : -Infinity;
      colUpper[k] = k === topology.referenceIndex ? 0 : Infinity;
    }
    const { angleStarts, angleRows, angleValues } = topology;
    columns = { starts: angleStarts, rows: angleRows, values: U === 1 ? angleValues : Float64Array.from(angleValues, (v) => v / U) };
  }
  return {
    formulation,
    topology,
    unitKw: U,
    numRows,
    numCols,
    balanceRow: 0,
    limitRow: B,
    rowLower,
    rowUpper,
    colLower,
    colUpper,
    columns,
    injectionStarts,
    injectionRows: Int32Array.from(injRows),
    injectionValues: Float64Array.from(injValues),
    thermalLower,
    thermalUpper,
  };
}

/** Prices, flows and shadow prices of one block, per network bus and branch. */
export interface NetworkReading {
  /** Per network bus, currency/MWh (before any rounding); NaN without duals. */
  readonly priceMwh: Float64Array;
  /** Per network branch (0 for out of service), kW. */
  readonly flowKw: Float64Array;
  readonly flowShadowMwh: Float64Array;
  readonly angleShadowMwh: Float64Array;
  readonly angleRad: Float64Array;
  readonly hasDuals: boolean;
}

/** Where a block sits in a solved LP, and how its duals become prices. */
export interface BlockPlacement {
  readonly rowOffset: number;
  readonly colOffset: number;
  /** Dual → currency/MWh: price = −dual / dualPerPrice (1 for a one-interval LP in currency/h; Δt for an LP in currency). */
  readonly dualPerPrice: number;
  /** Row bounds as placed (the block's, possibly shifted by the caller), to tell thermal from angle limits. */
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
}

/**
 * Reads an optimal solution's block back. `netInjectionKw` (per network bus: injections
 * of the offers minus withdrawals and fixed load) is needed in PTDF form, for the angles.
 */
export function readNetworkBlock(block: NetworkBlock, branchCount: number, solution: LpSolution, at: BlockPlacement, netInjectionKw: Float64Array): NetworkReading {
  const { topology } = block;
  const N = topology.busCount;
  const priceMwh = new Float64Array(N).fill(NaN);
  const flowKw = new Float64Array(branchCount);
  const flowShadowMwh = new Float64Array(branchCount);
  const angleShadowMwh = new Float64Array(branchCount);
  const angleRad = new Float64Array(N).fill(NaN);
  const x = solution.colValue;
  const dual = solution.rowDual;
  const ptdf = block.formulation === 'ptdf' ? ptdfOf(topology) : undefined;
  if (ptdf) {
    // θ = X P, P the net injections (kW) less the shifters' outflow.
    const P = Float64Array.from(netInjectionKw, (v, k) => v - topology.shiftOutflowKw[k]!);
    for (let i = 0; i < N; i++) {
      let th = 0;
      for (let k = 0; k < N; k++) th += ptdf.reactance[i * N + k]! * P[k]!;
      angleRad[i] = th;
    }
  } else for (let k = 0; k < N; k++) angleRad[k] = x[at.colOffset + k]!;
  for (let l = 0; l < topology.branchCount; l++) {
    const i = topology.branchOf[l]!;
    flowKw[i] = topology.susceptanceKw[l]! * (angleRad[topology.from[l]!]! - angleRad[topology.to[l]!]! - topology.shiftRad[l]!);
  }
  if (dual) {
    const s = at.dualPerPrice;
    const balance = at.rowOffset + block.balanceRow;
    const limit = at.rowOffset + block.limitRow;
    if (ptdf) {
      // π_k = −(λ + Σ_r PTDF[l_r][k] μ_r)
      const lambda = dual[balance]!;
      for (let k = 0; k < N; k++) {
        let v = lambda;
        for (let r = 0; r < topology.limited.length; r++) {
          const mu = dual[limit + r]!;
          if (mu !== 0) v += ptdf.factors[topology.limited[r]! * N + k]! * mu;
        }
        priceMwh[k] = -v / s + 0; // + 0: no −0
      }
    } else for (let k = 0; k < N; k++) priceMwh[k] = -dual[balance + k]! / s + 0;
    for (let r = 0; r < topology.limited.length; r++) {
      const d = dual[limit + r]!;
      if (d === 0 || Number.isNaN(d)) continue;
      const i = topology.branchOf[topology.limited[r]!]!;
      // The dual's sign says which bound is active: > 0 the upper, < 0 the lower.
      const bound = d > 0 ? at.rowUpper[block.limitRow + r]! : at.rowLower[block.limitRow + r]!;
      const thermal = d > 0 ? block.thermalUpper[r]! : block.thermalLower[r]!;
      if (nearlyEqual(bound, thermal)) flowShadowMwh[i] = Math.abs(d) / s;
      else angleShadowMwh[i] = Math.abs(d) / s;
    }
  }
  return { priceMwh, flowKw, flowShadowMwh, angleShadowMwh, angleRad, hasDuals: dual !== undefined };
}

/**
 * The one tolerance of dispatch read-back: relative to max(1, |value|), the slack
 * under which a flow counts as at its limit or a quantity as at a bound.
 */
export const DISPATCH_TOLERANCE = 1e-6;

function nearlyEqual(a: number, b: number): boolean {
  // An infinite bound (no thermal limit) equals nothing finite: ∞ − a ≤ tolerance × ∞ held, and a
  // binding angle limit's dual was reported as the thermal shadow price of a branch with no limit.
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= DISPATCH_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

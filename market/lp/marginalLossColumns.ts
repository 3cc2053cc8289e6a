/**
 * The marginal columns of a marginal-loss clearing (market/lp/marginalLossDispatch.ts): the offers
 * a linearisation keeps flipping in and out, settled at the partial quantity where their bus's
 * DLMP meets their price.
 *
 * Why it is needed: with the losses linearised at a point, each bus's DLMP is flat in the quantity
 * cleared there, so an LP returns a vertex: a marginal block wholly in or wholly out. But the
 * true DLMP rises as the block clears (losses are convex: more withdrawal downstream, a larger
 * ∂Loss/∂p), and the consistent answer is often in between. On scenarios/feeder-voltage.yaml a
 * 58.65 kW buy at 46.77 at bus `end` saw a DLMP of 46.71 with itself out and 52.2 with itself in;
 * its fixed point is ≈ 0.7 kW. No vertex is that point, so successive linearisation cycles.
 *
 * What this module does: the dispatcher fixes those columns' quantities q (bounds lower = upper = q)
 * and lets the LP clear the rest; `settleColumns` finds q where each column meets its
 * complementarity condition on its surplus
 *   surplus_c(q) = value_c − price_{bus c}   (a buy; price − cost for a sell; per MWh of one more kW):
 * 0 strictly inside its bounds, ≤ 0 at its lower bound, ≥ 0 at its upper. It maximises the concave
 * function whose gradient that surplus is, by projected Newton with the losses' own Hessian (second
 * differences of the AC sweep's losses) and an Armijo search (see `settleColumns`). The LP re-checks
 * each answer with its own prices, so the model only needs to point the way.
 *
 * Pure functions over plain arrays.
 */
import { acSweep } from '../../network/acSweep.ts';
import { LOSS_FACTOR_STEP_PU } from '../../network/lossFactors.ts';
import type { RadialFeeder } from '../../network/radial.ts';
import type { Offers } from './dispatch.ts';
import type { FeederDispatchResult } from './feederDispatch.ts';

/** A column's sign on its bus's withdrawal: +1 a buy (withdraws), −1 a sell (injects). */
export function withdrawalSign(offers: Offers, c: number): number {
  return offers.isBuy[c] ? 1 : -1;
}

/**
 * Surplus per MWh of one more kW of column c at the result's prices: a buy's value − its price, a
 * sell's price − its cost; the price being the bus's DLMP plus, where the column draws or makes
 * reactive power, tan φ × the bus's reactive price (as market/clearNetwork.ts's award check does).
 */
export function columnSurplusMwh(offers: Offers, kvarPerKw: Float64Array | undefined, r: FeederDispatchResult, c: number): number {
  const k = offers.bus[c]!;
  const tan = kvarPerKw?.[c] ?? 0;
  const reactive = tan !== 0 ? r.feeder.reactivePriceMvarh[k]! : 0;
  const price = r.priceMwh[k]! + (Number.isFinite(reactive) ? tan * reactive : 0);
  const slope = offers.slopeMwhPerKw?.[c] ?? 0;
  const q = r.quantityKw[c]!;
  return offers.isBuy[c] ? offers.priceMwh[c]! - slope * q - price : price - (offers.priceMwh[c]! + slope * q);
}

/**
 * How far column c at quantity q is from its complementarity condition, per MWh: |surplus| inside its
 * bounds, the surplus's wrong-signed part at a bound (a column at its lower bound may have a negative
 * surplus, at its upper bound a positive one). `atKw`: a quantity within this of a bound is at it.
 */
export function complementarityGapMwh(surplusMwh: number, q: number, lowerKw: number, upperKw: number, atKw: number): number {
  if (!Number.isFinite(surplusMwh)) return Infinity;
  const atLower = q <= lowerKw + atKw;
  const atUpper = q >= upperKw - atKw;
  if (atLower && atUpper) return 0; // a column with no room (lower = upper) has nothing to satisfy
  if (atLower) return Math.max(0, surplusMwh);
  if (atUpper) return Math.max(0, -surplusMwh);
  return Math.abs(surplusMwh);
}

/** The marginal columns' model around a clearing (see `settleColumns`). */
export interface ColumnModel {
  readonly feeder: RadialFeeder;
  readonly offers: Offers;
  /** The held columns. */
  readonly columns: readonly number[];
  /** Their bounds, kW (the offers' own). */
  readonly lowerKw: Float64Array;
  readonly upperKw: Float64Array;
  /** Net withdrawals per bus with the columns at `atKw`, kW and kvar (the kvar stays as it is: see `settleColumns`). */
  readonly baseKw: Float64Array;
  readonly baseKvar: Float64Array;
  readonly atKw: Float64Array;
  /** The root's energy price π_root, currency/MWh. */
  readonly rootPriceMwh: number;
  /** Per column, the rest of its price: congestion + voltage (+ tan φ × the reactive price), held at the clearing's. */
  readonly otherMwh: Float64Array;
}

/**
 * The quantities of the held columns at which each meets its complementarity condition, on the model
 * of one clearing: each column's price is π_root (1 + LF_k(x(q))) + its other parts, with π_root and the
 * other parts held at the clearing's, and LF_k from the AC sweep at the withdrawals x(q) (the base with
 * each column's kW moved by sign × (q − q_at)). That is the optimality condition of the concave
 *   φ(q) = Σ_c [sign_c (value_c − π_root − other_c) q_c − slope_c q_c² / 2] − π_root · Loss(x(q))
 * over the box of the columns' bounds (its gradient is the surplus; concave as the losses are convex),
 * maximised by projected Newton (Bertsekas 1982) with an Armijo search on φ itself, so it ascends
 * whatever the active set does. The Hessian, π_root ∂²Loss/∂p_k∂p_j, is taken once, by second
 * differences of the sweep's losses with a step of `stepKw`. The reactive withdrawals are held (the
 * clearing's prices carry no ∂Loss/∂q by default); the clearing that follows re-checks all of it.
 * Returns the quantities, and the model's gap at them (per MWh).
 */
export function settleColumns(model: ColumnModel, toleranceMwh: number, stepKw: number, maxIterations = 30): { q: Float64Array; gapMwh: number } {
  const { feeder, offers, columns, lowerKw, upperKw, baseKw, baseKvar, atKw, rootPriceMwh: pi, otherMwh } = model;
  const m = columns.length;
  const buses = [...new Set(columns.map((c) => offers.bus[c]!))];
  const slot = columns.map((c) => buses.indexOf(offers.bus[c]!));
  const sign = columns.map((c) => withdrawalSign(offers, c));
  const slope = columns.map((c) => offers.slopeMwhPerKw?.[c] ?? 0);
  const linear = columns.map((c, i) => sign[i]! * (offers.priceMwh[c]! - pi - otherMwh[i]!));
  const x = Float64Array.from(baseKw);
  const place = (q: Float64Array): void => {
    for (const k of buses) x[k] = baseKw[k]!;
    for (let i = 0; i < m; i++) x[offers.bus[columns[i]!]!]! += sign[i]! * (q[i]! - atKw[i]!);
  };
  const loss = (): number => {
    const r = acSweep(feeder, x, baseKvar);
    return r.converged ? r.lossesKw : NaN;
  };
  const phi = (q: Float64Array): number => {
    place(q);
    let v = -pi * loss();
    for (let i = 0; i < m; i++) v += linear[i]! * q[i]! - (slope[i]! * q[i]! * q[i]!) / 2;
    return v;
  };
  /** Per held bus, ∂Loss/∂p_k at x (central differences, the loss factors' step). */
  const factors = (): Float64Array => {
    const h = LOSS_FACTOR_STEP_PU * feeder.baseKva;
    const lf = new Float64Array(buses.length);
    buses.forEach((k, b) => {
      const at = x[k]!;
      x[k] = at + h;
      const up = loss();
      x[k] = at - h;
      const down = loss();
      x[k] = at;
      lf[b] = (up - down) / (2 * h);
    });
    return lf;
  };
  const surplusAt = (q: Float64Array): Float64Array => {
    place(q);
    const lf = factors();
    return Float64Array.from(columns, (_, i) => linear[i]! - sign[i]! * pi * lf[slot[i]!]! - slope[i]! * q[i]!);
  };
  const gapOf = (q: Float64Array, g: Float64Array): number => {
    let gap = 0;
    for (let i = 0; i < m; i++) gap = Math.max(gap, complementarityGapMwh(g[i]!, q[i]!, lowerKw[i]!, upperKw[i]!, 1e-9));
    return Number.isNaN(gap) ? Infinity : gap;
  };
  // The Hessian of the losses over the held buses, once (second differences at the start).
  let q: Float64Array = Float64Array.from(atKw);
  place(q);
  const nb = buses.length;
  const hess = new Float64Array(nb * nb);
  const l0 = loss();
  for (let a = 0; a < nb; a++) {
    for (let b = a; b < nb; b++) {
      const ka = buses[a]!;
      const kb = buses[b]!;
      const [xa, xb] = [x[ka]!, x[kb]!];
      let v: number;
      if (a === b) {
        x[ka] = xa + stepKw;
        const up = loss();
        x[ka] = xa - stepKw;
        const down = loss();
        v = (up - 2 * l0 + down) / (stepKw * stepKw);
      } else {
        const at = (da: number, db: number): number => {
          x[ka] = xa + da;
          x[kb] = xb + db;
          return loss();
        };
        v = (at(stepKw, stepKw) - at(stepKw, -stepKw) - at(-stepKw, stepKw) + at(-stepKw, -stepKw)) / (4 * stepKw * stepKw);
      }
      x[ka] = xa;
      x[kb] = xb;
      hess[a * nb + b] = hess[b * nb + a] = v;
    }
  }
  let g = surplusAt(q);
  let gap = gapOf(q, g);
  for (let it = 0; it < maxIterations && gap > toleranceMwh; it++) {
    const free: number[] = [];
    for (let i = 0; i < m; i++) {
      const atLower = q[i]! <= lowerKw[i]! + 1e-9 && g[i]! <= 0;
      const atUpper = q[i]! >= upperKw[i]! - 1e-9 && g[i]! >= 0;
      if (!atLower && !atUpper) free.push(i);
    }
    const f = free.length;
    if (f === 0) break;
    // −∂surplus_i/∂q_j = sign_i sign_j π_root H_{k_i k_j} + slope_i [i = j], with a small ridge: columns at one bus are collinear.
    const a = new Float64Array(f * (f + 1));
    let scale = 0;
    for (let r = 0; r < f; r++) {
      const i = free[r]!;
      for (let s = 0; s < f; s++) {
        const j = free[s]!;
        a[r * (f + 1) + s] = sign[i]! * sign[j]! * pi * hess[slot[i]! * nb + slot[j]!]! + (i === j ? slope[i]! : 0);
      }
      scale = Math.max(scale, Math.abs(a[r * (f + 1) + r]!));
      a[r * (f + 1) + f] = g[i]!;
    }
    for (let r = 0; r < f; r++) a[r * (f + 1) + r]! += 1e-6 * (scale > 0 ? scale : 1);
    let d = solveDense(a, f);
    // Not an ascent direction (a Hessian off its sign, by the differences' noise): the gradient, scaled.
    let ascent = 0;
    if (d) for (let r = 0; r < f; r++) ascent += d[r]! * g[free[r]!]!;
    if (!d || !(ascent > 0)) d = Float64Array.from(free, (i) => g[i]! / Math.max(1e-12, Math.abs(pi * hess[slot[i]! * nb + slot[i]!]!) + slope[i]!));
    const f0 = phi(q);
    let accepted: Float64Array | undefined;
    for (let t = 0, step = 1; t < 40; t++, step /= 2) {
      const next = Float64Array.from(q);
      for (let r = 0; r < f; r++) {
        const i = free[r]!;
        next[i] = Math.min(upperKw[i]!, Math.max(lowerKw[i]!, q[i]! + step * d[r]!));
      }
      let rise = 0;
      for (let i = 0; i < m; i++) rise += g[i]! * (next[i]! - q[i]!);
      if (phi(next) >= f0 + 1e-4 * rise) {
        accepted = next;
        break;
      }
    }
    if (!accepted) break;
    q = accepted;
    g = surplusAt(q);
    gap = gapOf(q, g);
  }
  return { q, gapMwh: gap };
}

/** Gaussian elimination with partial pivoting on an n × (n + 1) augmented matrix (row-major, overwritten); undefined when singular. */
function solveDense(a: Float64Array, n: number): Float64Array | undefined {
  const w = n + 1;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * w + col]!) > Math.abs(a[piv * w + col]!)) piv = r;
    if (!(Math.abs(a[piv * w + col]!) > 0)) return undefined;
    if (piv !== col) for (let s = 0; s < w; s++) [a[col * w + s], a[piv * w + s]] = [a[piv * w + s]!, a[col * w + s]!];
    for (let r = col + 1; r < n; r++) {
      const f = a[r * w + col]! / a[col * w + col]!;
      if (f === 0) continue;
      for (let s = col; s < w; s++) a[r * w + s]! -= f * a[col * w + s]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let v = a[r * w + n]!;
    for (let s = r + 1; s < n; s++) v -= a[r * w + s]! * x[s]!;
    x[r] = v / a[r * w + r]!;
  }
  return x;
}

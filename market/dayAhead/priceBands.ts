/**
 * Price bands: the day-ahead LP with only the simple columns that can be marginal, and a
 * certificate that the answer is the full LP's. Exact LP theory, no heuristic in the result.
 *
 * A simple column j of interval t sits at one bus b with price p_j and bounds [0, Q_j]. With
 * π_bt the nodal price read from the row duals (the price of one kW injected at b, as
 * read-back computes it: −(Σ_r a_r y_r)/Δt over the rows an injection enters), its reduced
 * cost in the maximisation is Δt (p_j − π_bt) for a buy and Δt (π_bt − p_j) for a sell. A
 * primal–dual pair (x, y) is optimal iff x is feasible and every column at its upper bound has
 * a reduced cost ≥ 0, every column at its lower bound ≤ 0 (complementary slackness).
 *
 * So, per interval t and grid bus b, a band of ticks [lo_tb, hi_tb]:
 * - segments priced above hi_tb: a buy is FIXED accepted (x = Q), a sell dropped (x = 0);
 * - segments priced below lo_tb: a sell is FIXED accepted, a buy dropped;
 * - segments inside the band (and every column in a ramp group) stay free LP columns.
 * The fixed-accepted columns of one bus and side are one merged column (their injection enters
 * the same rows), bounds [0, ΣQ]: elastic, so that the restricted LP stays feasible where the
 * grid cannot carry every fixed acceptance; the dropped ones leave the LP. Every row stays, so
 * the restricted LP's duals are duals of the full LP's rows.
 *
 * A restricted optimum (x, y) whose merged columns sit at ΣQ, x extended by the fixed values,
 * is feasible for the full LP (same rows, values within bounds). It is optimal for the full LP
 * iff the fixed and dropped columns' reduced costs have the right sign. The clearing checks
 * each of them against its bus price strictly (by ε = `PRICE_BAND_TOLERANCE_MWH`, far below a
 * tick): then by complementary slackness with y *every* optimum of the full LP has those
 * columns at the same bounds — the restricted LP keeps the full LP's whole optimal face, not
 * just one optimum. Where a price fails, or a merged column is short of ΣQ, that bus's band is
 * widened to take its price in (plus a margin) and the LP solved again; an infeasible
 * restricted LP widens every band. Bands only grow and each widening frees the failing column,
 * so the loop ends — at the latest when every band holds every column, which is the full LP.
 *
 * Seeds: the prices of a coarse day (market/dayAhead/coarseSeed.ts), or each interval's
 * copper-plate merit-order price of its simple bids alone, ± a margin. Between iterations the
 * optimal basis is carried over (`carryBasis`) for a warm start.
 * Pure: no I/O; the caller solves.
 */
import { BASIS_BASIC, BASIS_LOWER, BASIS_UPPER, type LpBasis } from '../lp/solver.ts';
import type { SimpleColumns } from './program.ts';

/** How far (currency/MWh) a nodal price may pass its band's edge and still certify it: far below a tick, above the solver's dual tolerance. */
export const PRICE_BAND_TOLERANCE_MWH = 1e-6;

/** First margin around the seed price, and the widening margin, in currency/MWh. */
export const PRICE_BAND_MARGIN_MWH = 5;

/** From this many simple columns in the horizon on, `clearDayAhead` restricts by price bands (below it the full LP is quick). */
export const PRICE_BAND_MIN_COLUMNS = 20_000;

/**
 * Per interval and grid bus, the inclusive band of price ticks whose columns stay free:
 * entry t × busCount + b. Per bus, because a congested interval's bus prices spread: one band
 * per interval would hold every bus's columns between its cheapest and dearest bus.
 */
export interface PriceBands {
  readonly busCount: number;
  readonly loTick: Float64Array;
  readonly hiTick: Float64Array;
}

/** Interval t's bands, one per grid bus (views into `bands`). */
export function bandsAt(bands: PriceBands, t: number): { lo: Float64Array; hi: Float64Array } {
  const B = bands.busCount;
  return { lo: bands.loTick.subarray(t * B, (t + 1) * B), hi: bands.hiTick.subarray(t * B, (t + 1) * B) };
}

/** Bands of `busCount` grid buses, every bus of interval t at [lo[t], hi[t]]. */
export function uniformBands(lo: ArrayLike<number>, hi: ArrayLike<number>, busCount: number): PriceBands {
  const T = lo.length;
  const loTick = new Float64Array(T * busCount);
  const hiTick = new Float64Array(T * busCount);
  for (let t = 0; t < T; t++) {
    loTick.fill(lo[t]!, t * busCount, (t + 1) * busCount);
    hiTick.fill(hi[t]!, t * busCount, (t + 1) * busCount);
  }
  return { busCount, loTick, hiTick };
}

/** One interval's simple columns restricted to its band. */
export interface RestrictedColumns {
  /** The LP's columns: the free ones in their original order, then one fixed column per (bus, side) of fixed acceptances. */
  readonly columns: SimpleColumns;
  /** Per original column: its LP column when free, −1 when fixed or dropped. */
  readonly freeAt: Int32Array;
  /** Per original column: 1 when fixed accepted (x = Q). */
  readonly accepted: Uint8Array;
}

/**
 * The columns of one interval with the band [loTick, hiTick] applied (one for all buses, or
 * one per grid bus, indexed by the column's grid bus). A column in a ramp
 * group always stays free (its ramp rows link it to the neighbouring intervals).
 */
export function restrictColumns(cols: SimpleColumns, loTickAt: number | ArrayLike<number>, hiTickAt: number | ArrayLike<number>): RestrictedColumns {
  const n = cols.count;
  const freeAt = new Int32Array(n).fill(-1);
  const accepted = new Uint8Array(n);
  let free = 0;
  // Fixed acceptances per (grid bus, side): quanta and Σ ticks × quanta (the constant cost).
  const fixedKey = new Map<number, number>();
  const fixedBus: number[] = [];
  const fixedBuy: number[] = [];
  const fixedQuanta: number[] = [];
  const fixedTickQuanta: number[] = [];
  for (let c = 0; c < n; c++) {
    const tick = cols.priceTicks[c]!;
    const buy = cols.isBuy[c] === 1;
    const bus = cols.gridBus[c]!;
    const loTick = typeof loTickAt === 'number' ? loTickAt : loTickAt[bus]!;
    const hiTick = typeof hiTickAt === 'number' ? hiTickAt : hiTickAt[bus]!;
    if (cols.ramp[c]! >= 0 || (tick >= loTick && tick <= hiTick)) {
      freeAt[c] = free++;
      continue;
    }
    if (buy !== tick > hiTick) continue; // a buy below the band, a sell above it: dropped
    accepted[c] = 1;
    const key = cols.gridBus[c]! * 2 + (buy ? 1 : 0);
    let k = fixedKey.get(key);
    if (k === undefined) {
      k = fixedBus.length;
      fixedKey.set(key, k);
      fixedBus.push(cols.gridBus[c]!);
      fixedBuy.push(buy ? 1 : 0);
      fixedQuanta.push(0);
      fixedTickQuanta.push(0);
    }
    fixedQuanta[k]! += cols.quanta[c]!;
    fixedTickQuanta[k]! += tick * cols.quanta[c]!;
  }
  const m = free + fixedBus.length;
  const gridBus = new Int32Array(m);
  const isBuy = new Uint8Array(m);
  const priceTicks = new Float64Array(m);
  const quanta = new Float64Array(m);
  const ramp = new Int32Array(m).fill(-1);
  const fixed = new Uint8Array(m);
  for (let c = 0; c < n; c++) {
    const k = freeAt[c]!;
    if (k < 0) continue;
    gridBus[k] = cols.gridBus[c]!;
    isBuy[k] = cols.isBuy[c]!;
    priceTicks[k] = cols.priceTicks[c]!;
    quanta[k] = cols.quanta[c]!;
    ramp[k] = cols.ramp[c]!;
  }
  for (let f = 0; f < fixedBus.length; f++) {
    const k = free + f;
    gridBus[k] = fixedBus[f]!;
    isBuy[k] = fixedBuy[f]!;
    quanta[k] = fixedQuanta[f]!;
    // The quantity-weighted mean tick: cost Σ p Q exactly up to rounding (a constant; it moves neither x nor the duals).
    priceTicks[k] = fixedTickQuanta[f]! / fixedQuanta[f]!;
    fixed[k] = 1;
  }
  return { columns: { count: m, gridBus, isBuy, priceTicks, quanta, ramp, columnOf: new Int32Array(0), fixed }, freeAt, accepted };
}

/**
 * The copper-plate merit-order price of one interval's simple columns, in ticks: the
 * lowest tick p at which the buys priced above p take no more than the sells priced ≤ p offer
 * (bisection over ticks; NaN when one side is empty).
 */
export function meritOrderTick(cols: SimpleColumns): number {
  let lo = Infinity;
  let hi = -Infinity;
  let buys = 0;
  let sells = 0;
  for (let c = 0; c < cols.count; c++) {
    const t = cols.priceTicks[c]!;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
    if (cols.isBuy[c]) buys++;
    else sells++;
  }
  if (buys === 0 || sells === 0) return NaN;
  // excess(p) = demand(> p) − supply(≤ p): non-increasing in p; find the smallest p with excess ≤ 0.
  const excess = (p: number): number => {
    let e = 0;
    for (let c = 0; c < cols.count; c++) {
      const t = cols.priceTicks[c]!;
      if (cols.isBuy[c]) {
        if (t > p) e += cols.quanta[c]!;
      } else if (t <= p) e -= cols.quanta[c]!;
    }
    return e;
  };
  let a = Math.floor(lo);
  let b = Math.ceil(hi);
  if (excess(a) <= 0) return a;
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (excess(mid) <= 0) b = mid;
    else a = mid;
  }
  return b;
}

/** Seed bands: each interval's merit-order tick ± `marginTicks` (the whole range when it has no merit order). */
export function seedBands(simple: readonly SimpleColumns[], marginTicks: number, busCount: number): PriceBands {
  const T = simple.length;
  const lo = new Float64Array(T);
  const hi = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const m = meritOrderTick(simple[t]!);
    lo[t] = Number.isNaN(m) ? -Infinity : m - marginTicks;
    hi[t] = Number.isNaN(m) ? Infinity : m + marginTicks;
  }
  return uniformBands(lo, hi, busCount);
}

/** Doubles every band's width around its middle (after an infeasible restricted LP); returns whether any band still leaves a column out. */
export function widenAll(bands: PriceBands, simple: readonly SimpleColumns[]): boolean {
  let partial = false;
  for (let k = 0; k < bands.loTick.length; k++) {
    const w = Math.max(1, bands.hiTick[k]! - bands.loTick[k]!);
    bands.loTick[k]! -= w;
    bands.hiTick[k]! += w;
  }
  simple.forEach((cols, t) => {
    const { lo, hi } = bandsAt(bands, t);
    for (let c = 0; c < cols.count && !partial; c++) {
      const tick = cols.priceTicks[c]!;
      const b = cols.gridBus[c]!;
      if (tick < lo[b]! || tick > hi[b]!) partial = true;
    }
  });
  return partial;
}

/** Where a restricted programme's columns are: per interval, its first simple column and first grid column; the battery and integer columns after them. */
export interface RestrictedLayout {
  readonly simpleCol: Int32Array;
  readonly gridCol: Int32Array;
  readonly gridCols: number;
  readonly numCols: number;
  readonly numRows: number;
}

/**
 * The optimal basis of one restricted LP carried to the next (wider) one, for a warm start.
 * Rows are the same in both (restriction never removes a row), and so are the grid,
 * battery and integer columns: they keep their status. A simple column free in both keeps
 * its status; one freed by the wider band starts nonbasic at the value it was fixed at (its
 * upper bound when it was accepted, its lower when dropped); a fixed-acceptance column keeps
 * the status of the previous one of its (bus, side), nonbasic when there was none. So the
 * carried basis reproduces the previous optimum, primal feasible in the wider LP; only the
 * freed columns whose reduced cost has the wrong sign (what widened the band) are dual
 * infeasible, and they are boxed: the dual simplex flips them and goes on from there.
 *
 * Returns undefined when the count of basic entries is not the number of rows (a basic
 * fixed-acceptance column whose members all became free): then the LP starts cold. A warm
 * start changes where the simplex starts, never the optimum it proves. Pure.
 */
export function carryBasis(
  prev: { readonly layout: RestrictedLayout; readonly restriction: readonly RestrictedColumns[]; readonly basis: LpBasis },
  next: { readonly layout: RestrictedLayout; readonly restriction: readonly RestrictedColumns[] },
  simple: readonly SimpleColumns[],
): LpBasis | undefined {
  const pl = prev.layout;
  const nl = next.layout;
  if (pl.numRows !== nl.numRows) return undefined;
  const T = simple.length;
  const pTail = pl.gridCol[T - 1]! + pl.gridCols;
  const nTail = nl.gridCol[T - 1]! + nl.gridCols;
  if (pl.numCols - pTail !== nl.numCols - nTail) return undefined;
  const from = prev.basis.colStatus;
  const col = new Int32Array(nl.numCols);
  for (let t = 0; t < T; t++) {
    const cols = simple[t]!;
    const pr = prev.restriction[t]!;
    const nr = next.restriction[t]!;
    const p0 = pl.simpleCol[t]!;
    const n0 = nl.simpleCol[t]!;
    for (let c = 0; c < cols.count; c++) {
      const k = nr.freeAt[c]!;
      if (k < 0) continue;
      const was = pr.freeAt[c]!;
      col[n0 + k] = was >= 0 ? from[p0 + was]! : pr.accepted[c] ? BASIS_UPPER : BASIS_LOWER;
    }
    // Fixed-acceptance columns, one per (bus, side), after the free ones: the previous one's status.
    const prevFixed = new Map<number, number>();
    const pc = pr.columns;
    for (let k = 0; k < pc.count; k++) if (pc.fixed![k]) prevFixed.set(pc.gridBus[k]! * 2 + pc.isBuy[k]!, from[p0 + k]!);
    const nc = nr.columns;
    for (let k = 0; k < nc.count; k++) if (nc.fixed![k]) col[n0 + k] = prevFixed.get(nc.gridBus[k]! * 2 + nc.isBuy[k]!) ?? BASIS_LOWER;
    for (let k = 0; k < nl.gridCols; k++) col[nl.gridCol[t]! + k] = from[pl.gridCol[t]! + k]!;
  }
  col.set(from.subarray(pTail), nTail);
  const rowStatus = prev.basis.rowStatus.slice();
  let basic = 0;
  for (let j = 0; j < col.length; j++) if (col[j] === BASIS_BASIC) basic++;
  for (let i = 0; i < rowStatus.length; i++) if (rowStatus[i] === BASIS_BASIC) basic++;
  return basic === nl.numRows ? { colStatus: col, rowStatus } : undefined;
}

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
 * So, per interval t, a band of ticks [lo_t, hi_t]:
 * - segments priced above hi_t: a buy is FIXED accepted (x = Q), a sell dropped (x = 0);
 * - segments priced below lo_t: a sell is FIXED accepted, a buy dropped;
 * - segments inside the band (and every column in a ramp group) stay free LP columns.
 * The fixed-accepted columns of one bus and side are one column with bounds [ΣQ, ΣQ] (their
 * injection enters the same rows; their cost is a constant), the dropped ones leave the LP.
 * Every row stays, so the restricted LP's duals are duals of the full LP's rows.
 *
 * The restricted optimum (x, y), x extended by the fixed values, is feasible for the full LP
 * (same rows, values within bounds). It is optimal for the full LP iff the fixed and dropped
 * columns' reduced costs have the right sign. Fixed columns lie at least one tick outside the
 * band, so it suffices that every nodal price of interval t lies in [lo_t·tick − ε, hi_t·tick + ε]
 * (ε = `PRICE_BAND_TOLERANCE_MWH`, far below a tick): then each fixed column's reduced cost
 * has its sign strictly (by ≥ tick − ε), and by complementary slackness with y *every* optimum
 * of the full LP has those columns at the same bounds — the restricted LP keeps the full LP's
 * whole optimal face, not just one optimum. Where a price leaves its band, the band is widened
 * to take it in (plus a margin) and the LP solved again; an infeasible restricted LP (fixed
 * acceptances the grid cannot carry) widens every band. Bands only grow, so the loop ends — at
 * the latest when every band holds every column, which is the full LP.
 *
 * Seeds: each interval's copper-plate merit-order price of its simple bids alone, ± a margin.
 * Pure: no I/O; the caller solves.
 */
import type { SimpleColumns } from './program.ts';

/** How far (currency/MWh) a nodal price may pass its band's edge and still certify it: far below a tick, above the solver's dual tolerance. */
export const PRICE_BAND_TOLERANCE_MWH = 1e-6;

/** First margin around the seed price, and the widening margin, in currency/MWh. */
export const PRICE_BAND_MARGIN_MWH = 5;

/** From this many simple columns in the horizon on, `clearDayAhead` restricts by price bands (below it the full LP is quick). */
export const PRICE_BAND_MIN_COLUMNS = 20_000;

/** Per interval, the inclusive band of price ticks whose columns stay free. */
export interface PriceBands {
  readonly loTick: Float64Array;
  readonly hiTick: Float64Array;
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
 * The columns of one interval with the band [loTick, hiTick] applied. A column in a ramp
 * group always stays free (its ramp rows link it to the neighbouring intervals).
 */
export function restrictColumns(cols: SimpleColumns, loTick: number, hiTick: number): RestrictedColumns {
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
export function seedBands(simple: readonly SimpleColumns[], marginTicks: number): PriceBands {
  const T = simple.length;
  const loTick = new Float64Array(T);
  const hiTick = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const m = meritOrderTick(simple[t]!);
    loTick[t] = Number.isNaN(m) ? -Infinity : m - marginTicks;
    hiTick[t] = Number.isNaN(m) ? Infinity : m + marginTicks;
  }
  return { loTick, hiTick };
}

/** Doubles every band's width around its middle (after an infeasible restricted LP); returns whether any band still leaves a column out. */
export function widenAll(bands: PriceBands, simple: readonly SimpleColumns[]): boolean {
  let partial = false;
  for (let t = 0; t < bands.loTick.length; t++) {
    const w = Math.max(1, bands.hiTick[t]! - bands.loTick[t]!);
    bands.loTick[t]! -= w;
    bands.hiTick[t]! += w;
    const cols = simple[t]!;
    for (let c = 0; c < cols.count && !partial; c++) {
      const tick = cols.priceTicks[c]!;
      if (tick < bands.loTick[t]! || tick > bands.hiTick[t]!) partial = true;
    }
  }
  return partial;
}

/**
 * The dispatch LP of a large order book, solved on the columns near the prices only,
 * and proved optimal for the whole book: the algorithm, for any market LP whose bids are
 * simple columns (the DC dispatch, market/lp/windowedDispatch.ts; the LinDistFlow
 * feeder, market/lp/windowedFeederDispatch.ts).
 *
 * A market's bids are simple columns (0 ≤ y ≤ upper, no groups, no quadratic cost). At a
 * bus whose price is π, a column drawing 1 kW and tan φ kvar is measured against
 * π + tan φ · ρ (ρ the bus's reactive price; 0 without reactive power): every buy priced
 * above it clears in full and every one below not at all, and the other way round for
 * sells (KKT: a column strictly in or out of the money sits at its bound). So, per bus,
 * side and power-factor class (a *slot*), only the columns priced near that price can be
 * partly cleared. With 100,000 agents a book has ~190,000 columns (one per bus, side and
 * price tick) and HiGHS spends about a second on each LP; nearly all of those columns are
 * far from any price.
 *
 * The windowed solve:
 * 1. Guess the prices with a coarse LP: each slot's columns, in merit order, lumped into a
 *    few buckets of equal quantity.
 * 2. Keep, per slot, the columns within a window around the guess (whole groups of equal
 *    price, so no tie is split); the columns below the window in merit order are fixed at
 *    their upper bound (a fixed load at the bus, + for buys, − for sells, with its kvar;
 *    their value a constant of the objective) and those above it are left out (0).
 * 3. Solve that LP exactly and check the KKT conditions of the whole book at its prices:
 *    every fixed-in column at least as good as its slot's price, every left-out one no
 *    better. Then the solution is optimal for the whole book: same welfare, same prices
 *    where the prices are unique. Otherwise (or if the small LP is infeasible: a fixed load
 *    the network cannot carry) extend each window to take in the columns around the new
 *    prices (windows only grow: see `windowAround`), widen those that failed, and solve
 *    again; after a few rounds, the whole book.
 *
 * Pure; the same inputs give the same result.
 */
import type { DispatchResult, Offers } from './dispatch.ts';
import { ScratchArrays } from '../../core/typedArrays.ts';

/** The merit order and the windows' column flags: internal to a call, reused (off-heap memory per column each LP interval otherwise: issue 16). */
const scratch = new ScratchArrays();

/** Below this many columns the whole book is solved directly (fast already, and the guess would cost as much)… */
export const WINDOWED_ABOVE_COLUMNS = 32_768;
/**
 * … unless its buses hold this many columns each on average (and it has at least
 * `WINDOWED_DENSE_MIN_COLUMNS`). HiGHS's dual simplex slows down far faster than the column count
 * where one bus's balance row holds thousands of columns (its ratio test then passes over nearly
 * every one of them in an iteration): on 2 buses, 9,183 columns took 27 ms and 23,372 took 355 ms,
 * against 5–9 ms windowed. Measured on ring networks of 10–100 buses and 2k–20k segments with the
 * first windows of `FIRST_HALF_WIDTH` (2026-12-06): windowed took 0.08–0.11 of the whole LP's time
 * at ~1,000–2,000 columns a bus, 0.23–0.49 at 330–660, 0.63–0.95 at 200, 0.57 at 166, 1.00–1.32 at
 * 100 and 1.65–2.05 at 20–67 (the coarse guess then costs more than it saves).
 */
export const WINDOWED_COLUMNS_PER_BUS = 200;
/** Below this many columns a book is solved whole however dense (a few milliseconds either way: 0.95 at 2,000 columns on 10 buses). */
export const WINDOWED_DENSE_MIN_COLUMNS = 4_096;
/**
 * Columns kept on each side of the guessed price, per slot, in the first round; ×4 in a
 * further round where they were too few. Narrow, because the small LP's time grows far faster than
 * its columns (see `WINDOWED_COLUMNS_PER_BUS`) and the coarse guess lands close: on meshed books of
 * 40k–200k segments on 10–300 buses and 30k on case33bw (three and two seeds, 2026-12-06), every
 * first round with 16 proved optimal, in 14–484 ms against 32–799 ms with the earlier 128.
 */
const FIRST_HALF_WIDTH = 16;
const ROUNDS = 6;
/** Buckets per slot in the coarse LP. */
const BUCKETS = 24;
/** Prices are compared with this slack, currency/MWh (the LP's duals carry float noise; book prices sit on the tick). */
const PRICE_SLACK = 1e-6;

/** The sizes the windowed solve works with (tests make them small to exercise narrow windows). */
export interface WindowTuning {
  /** Books with at most this many columns are solved whole. Default: `windowedPays`'s rule (`WINDOWED_ABOVE_COLUMNS`, or the dense-book thresholds). */
  readonly aboveColumns?: number;
  /** Columns kept each way around the guessed price, per slot, in the first round. */
  readonly halfWidth?: number;
  /** Buckets per slot in the coarse LP that guesses the prices. */
  readonly buckets?: number;
  /** A first guess of the bus prices instead of the coarse LP's (tests: a wrong guess must still end optimal). */
  readonly guessMwh?: Float64Array;
  /** Told about each small LP: its round, its columns, and whether it proved optimal for the whole book. */
  readonly trace?: (round: { readonly round: number; readonly columns: number; readonly proved: boolean }) => void;
}

/**
 * True when a book of `columns` simple columns on `buses` buses is worth windowing: above
 * `aboveColumns` columns, or (by default) `WINDOWED_COLUMNS_PER_BUS` columns a bus from
 * `WINDOWED_DENSE_MIN_COLUMNS` columns on.
 */
export function windowedPays(columns: number, buses: number, aboveColumns?: number): boolean {
  if (aboveColumns !== undefined) return columns > aboveColumns;
  return columns > WINDOWED_ABOVE_COLUMNS || (columns >= WINDOWED_DENSE_MIN_COLUMNS && columns >= WINDOWED_COLUMNS_PER_BUS * buses);
}

/** True when every offer is a simple column: bounds [0, finite upper], no group, no quadratic cost. */
export function simpleColumns(o: Offers): boolean {
  if (o.slopeMwhPerKw || o.group) return false;
  for (let j = 0; j < o.count; j++) if (o.lowerKw[j] !== 0 || !Number.isFinite(o.upperKw[j]!)) return false;
  return true;
}

/** What the windowed solve needs of a market's LP. */
export interface WindowedBook<R extends DispatchResult> {
  readonly offers: Offers;
  readonly busCount: number;
  /** Power-factor classes: columns of one bus, side and class clear in merit order of price. */
  readonly classCount: number;
  /** Per column its class (0 … classCount − 1); absent: all in class 0. */
  readonly classOf?: Int32Array | undefined;
  /**
   * Solves the LP with `offers` (of classes `classOf`) in place of the book's columns, plus
   * (`fixed`) withdrawals fixed per bus and class, kW (index bus · classCount + class), whose
   * value, currency/h, is a constant of the objective.
   */
  solve(offers: Offers, classOf: Int32Array | undefined, fixed?: { readonly kwByBusClass: Float64Array; readonly valuePerH: number }): R;
  /** The price the columns of `bus` and class `cls` are measured against in `result`, currency/MWh (NaN: none). */
  slotPriceMwh(result: R, bus: number, cls: number): number;
}

/**
 * The book's LP solved through small LPs (see the module comment); the whole LP
 * (`book.solve(book.offers, …)`) when the guess fails or the rounds run out.
 */
export function solveInWindows<R extends DispatchResult>(book: WindowedBook<R>, tuning: WindowTuning = {}): R {
  const o = book.offers;
  const C = book.classCount;
  const cls = book.classOf;
  const whole = (): R => book.solve(o, cls);
  // Per slot ((bus · C + class) · 2 + buy), the columns in merit order: buys by price down, sells by price up (ties: column order).
  const slots = 2 * C * book.busCount;
  const slotOf = (j: number): number => 2 * (o.bus[j]! * C + (cls ? cls[j]! : 0)) + o.isBuy[j]!;
  const starts = new Int32Array(slots + 1);
  for (let j = 0; j < o.count; j++) starts[slotOf(j) + 1]!++;
  for (let s = 0; s < slots; s++) starts[s + 1]! += starts[s]!;
  const merit = scratch.i32('merit', o.count); // every position written below
  const fill = starts.slice(0, slots);
  for (let j = 0; j < o.count; j++) merit[fill[slotOf(j)]!++] = j;
  for (let s = 0; s < slots; s++) {
    const part = merit.subarray(starts[s]!, starts[s + 1]!);
    const sign = s % 2 === 1 ? -1 : 1;
    part.sort((a, b) => sign * (o.priceMwh[a]! - o.priceMwh[b]!) || a - b);
  }
  const slotPrices = (r: R): Float64Array | undefined => {
    const p = new Float64Array(slots);
    for (let s = 0; s < slots; s++) {
      if (starts[s] === starts[s + 1]) continue; // no column: no price needed
      p[s] = book.slotPriceMwh(r, Math.floor(s / (2 * C)), (s >> 1) % C);
      if (Number.isNaN(p[s])) return undefined;
    }
    return p;
  };

  let guess: Float64Array | undefined;
  if (tuning.guessMwh) {
    const g = tuning.guessMwh;
    guess = Float64Array.from({ length: slots }, (_, s) => g[Math.floor(s / (2 * C))]!);
  } else {
    const coarse = coarseBook(o, merit, starts, C, tuning.buckets ?? BUCKETS);
    const lp = book.solve(coarse.offers, coarse.classOf);
    if (lp.status === 'optimal') guess = slotPrices(lp);
  }
  if (!guess) return whole();
  const halfWidth = new Int32Array(slots).fill(tuning.halfWidth ?? FIRST_HALF_WIDTH);
  let previous: Window | undefined;
  // Per slot, 1 when its window held at the last small LP's prices: it stays as it is.
  const held = new Uint8Array(slots);
  for (let round = 0; round < ROUNDS; round++) {
    const window = windowAround(o, merit, starts, guess, halfWidth, previous, held);
    previous = window;
    const reduced = reducedBook(o, cls, window, C, book.busCount);
    const lp = book.solve(reduced.offers, reduced.classOf, reduced.fixed);
    const prices = lp.status === 'optimal' ? slotPrices(lp) : undefined;
    if (prices) {
      const violated = kktViolations(o, merit, starts, window, prices);
      tuning.trace?.({ round, columns: reduced.columns.length, proved: violated.length === 0 });
      if (violated.length === 0) return expand(lp, reduced.columns, window.fixedIn, o);
      // The windows that failed take in the columns around these prices, four times as many each way (windows only
      // grow: see `windowAround`); the others held at these prices and stay.
      guess = prices;
      held.fill(1);
      for (const s of violated) {
        halfWidth[s]! *= 4;
        held[s] = 0;
      }
    } else {
      // The fixed loads did not fit the network (or left a price undefined): widen all.
      tuning.trace?.({ round, columns: reduced.columns.length, proved: false });
      halfWidth.forEach((w, s) => (halfWidth[s] = 4 * w));
      held.fill(0);
    }
  }
  return whole();
}

interface Window {
  /** Per slot: merit positions [lo, hi) are in the LP; below lo fixed at the upper bound, from hi on left out. */
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Per column: 1 when fixed at its upper bound. */
  readonly fixedIn: Uint8Array;
  /** Per column: 1 when a column of the small LP. */
  readonly kept: Uint8Array;
}

/**
 * The windows around `slotPriceMwh`, `halfWidth` (per slot) merit positions each way, each joined with its `previous`
 * window and everything between the two, widened to whole groups of equal price; a slot `held` keeps its previous
 * window as it is.
 *
 * Why windows only grow: a small LP's prices are the prices of the book with its windows' fixings, and where a
 * few kW decide which limit binds they can land far beyond the whole book's. On the README's line with 7,600 small
 * buys half at power factor 0.99 (test/market/lp/windowedMixedPf.spec.ts) one class's price is 31.39 in the whole
 * book (DLMP 759.67 + 0.142492 × the reactive price −5111.04); its window around the coarse guess of 30.70 fixed 19
 * columns too many, the small LP's price for that class went to 3000, and a window recentred there took none of them,
 * whose LP said −20.09: recentred, the windows swung between the class's two ends for five LPs until they held 2,675
 * of the 7,607 columns. A failed window keeps its columns and takes in every column between it and the new prices'
 * position: where those prices overshoot, as here, the marginal column lies in between, and the next small LP holds
 * it (here the second, of 486 columns). Each round adds at least the column that failed, so the rounds end.
 */
function windowAround(o: Offers, merit: Int32Array, starts: Int32Array, slotPriceMwh: Float64Array, halfWidth: Int32Array, previous: Window | undefined, held: Uint8Array): Window {
  const slots = starts.length - 1;
  const lo = new Int32Array(slots);
  const hi = new Int32Array(slots);
  // The previous round's window is done with when the next is made.
  const fixedIn = scratch.u8('fixedIn', o.count).fill(0);
  const kept = scratch.u8('kept', o.count).fill(0);
  for (let s = 0; s < slots; s++) {
    const a = starts[s]!;
    const b = starts[s + 1]!;
    let l: number;
    let h: number;
    if (previous && held[s]) {
      l = previous.lo[s]!;
      h = previous.hi[s]!;
    } else {
      const buy = s % 2 === 1;
      const pi = slotPriceMwh[s]!;
      // First merit position not in the money at π (buys: price < π; sells: price > π).
      let k = a;
      while (k < b && (buy ? o.priceMwh[merit[k]!]! >= pi : o.priceMwh[merit[k]!]! <= pi)) k++;
      l = Math.max(a, k - halfWidth[s]!);
      h = Math.min(b, k + halfWidth[s]!);
      if (previous) {
        l = Math.min(l, previous.lo[s]!);
        h = Math.max(h, previous.hi[s]!);
      }
      while (l > a && o.priceMwh[merit[l - 1]!] === o.priceMwh[merit[l]!]) l--;
      while (h < b && h > a && o.priceMwh[merit[h]!] === o.priceMwh[merit[h - 1]!]) h++;
    }
    lo[s] = l;
    hi[s] = h;
    for (let q = a; q < l; q++) fixedIn[merit[q]!] = 1;
    for (let q = l; q < h; q++) kept[merit[q]!] = 1;
  }
  return { lo, hi, fixedIn, kept };
}

/** The small LP's columns (in their order), and the fixed-in ones as fixed loads per bus and class with their value. */
function reducedBook(o: Offers, cls: Int32Array | undefined, w: Window, C: number, buses: number) {
  let m = 0;
  for (let j = 0; j < o.count; j++) m += w.kept[j]!;
  const columns = new Int32Array(m);
  const kwByBusClass = new Float64Array(buses * C);
  let valuePerH = 0; // Σ buy value − Σ sell cost of the fixed-in columns, currency/h
  for (let j = 0, c = 0; j < o.count; j++) {
    if (w.kept[j]) columns[c++] = j;
    else if (w.fixedIn[j]) {
      const kw = o.upperKw[j]!;
      const sign = o.isBuy[j] ? 1 : -1;
      kwByBusClass[o.bus[j]! * C + (cls ? cls[j]! : 0)]! += sign * kw;
      valuePerH += (sign * o.priceMwh[j]! * kw) / 1000;
    }
  }
  const pick = <T extends Int32Array | Uint8Array | Float64Array>(src: T): T => {
    const out = new (src.constructor as new (n: number) => T)(m);
    for (let c = 0; c < m; c++) out[c] = src[columns[c]!]!;
    return out;
  };
  const offers: Offers = { count: m, bus: pick(o.bus), isBuy: pick(o.isBuy), priceMwh: pick(o.priceMwh), lowerKw: pick(o.lowerKw), upperKw: pick(o.upperKw) };
  return { offers, classOf: cls ? pick(cls) : undefined, columns, fixed: { kwByBusClass, valuePerH } };
}

/** KKT of the whole book at the small LP's prices: the slots whose last fixed-in column is out of the money or whose first left-out one is in it. */
function kktViolations(o: Offers, merit: Int32Array, starts: Int32Array, w: Window, slotPriceMwh: Float64Array): number[] {
  const violated: number[] = [];
  for (let s = 0; s < starts.length - 1; s++) {
    const pi = slotPriceMwh[s]!;
    const buy = s % 2 === 1;
    let ok = true;
    if (w.lo[s]! > starts[s]!) {
      const p = o.priceMwh[merit[w.lo[s]! - 1]!]!;
      if (buy ? p < pi - PRICE_SLACK : p > pi + PRICE_SLACK) ok = false;
    }
    if (w.hi[s]! < starts[s + 1]!) {
      const p = o.priceMwh[merit[w.hi[s]!]!]!;
      if (buy ? p > pi + PRICE_SLACK : p < pi - PRICE_SLACK) ok = false;
    }
    if (!ok) violated.push(s);
  }
  return violated;
}

/** The small LP's result for the whole book: fixed-in columns at their upper bound, left-out ones at 0. */
function expand<R extends DispatchResult>(lp: R, columns: Int32Array, fixedIn: Uint8Array, o: Offers): R {
  const quantityKw = new Float64Array(o.count);
  for (let j = 0; j < o.count; j++) if (fixedIn[j]) quantityKw[j] = o.upperKw[j]!;
  for (let c = 0; c < columns.length; c++) quantityKw[columns[c]!] = lp.quantityKw[c]!;
  return { ...lp, quantityKw };
}

/**
 * A coarse book to guess the prices from: each slot's merit order cut into `buckets` runs of
 * about equal quantity, each run one column at its quantity-weighted mean price.
 */
function coarseBook(o: Offers, merit: Int32Array, starts: Int32Array, C: number, buckets: number): { offers: Offers; classOf: Int32Array | undefined } {
  const bus: number[] = [];
  const isBuy: number[] = [];
  const cls: number[] = [];
  const price: number[] = [];
  const upper: number[] = [];
  for (let s = 0; s < starts.length - 1; s++) {
    const a = starts[s]!;
    const b = starts[s + 1]!;
    if (a === b) continue;
    let total = 0;
    for (let q = a; q < b; q++) total += o.upperKw[merit[q]!]!;
    let kw = 0;
    let value = 0;
    let done = 0;
    let bucket = 1;
    for (let q = a; q < b; q++) {
      const j = merit[q]!;
      kw += o.upperKw[j]!;
      value += o.upperKw[j]! * o.priceMwh[j]!;
      if (q === b - 1 || done + kw >= (total * bucket) / buckets) {
        bus.push(Math.floor(s / (2 * C)));
        cls.push((s >> 1) % C);
        isBuy.push(s % 2);
        price.push(kw > 0 ? value / kw : o.priceMwh[j]!);
        upper.push(kw);
        done += kw;
        kw = 0;
        value = 0;
        while (bucket < buckets && done >= (total * bucket) / buckets) bucket++;
      }
    }
  }
  const m = bus.length;
  const offers: Offers = { count: m, bus: Int32Array.from(bus), isBuy: Uint8Array.from(isBuy), priceMwh: Float64Array.from(price), lowerKw: new Float64Array(m), upperKw: Float64Array.from(upper) };
  return { offers, classOf: C > 1 ? Int32Array.from(cls) : undefined };
}

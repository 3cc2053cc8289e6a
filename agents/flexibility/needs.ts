/**
 * An agent's needs for one interval as plain numbers: what each need is, its kW, its
 * value, the price the strategy bid for it and what the award gave it. One list per
 * agent, refilled every interval.
 *
 * Layout: every field of every need lives in ONE Float64Array, need by need (a
 * record of `STRIDE` numbers each). Thousands of agents bid in turn, so by the time
 * an agent is asked again its data has left the CPU caches; one contiguous block
 * costs a few cache misses where one array per field cost one or two per field
 * (measured: about 1 µs per agent and interval with nine separate arrays).
 *
 * The interval's round: `reset` → `push` each need → `sortByValue` (highest first,
 * stable) → `demandView` for the strategy → `takeBidPrices` from what it bid →
 * `allocate` the award → read `served`.
 */
import type { BidSegment } from '../../market/types.ts';
import type { ValueSegment } from '../../strategies/types.ts';
import { allocatePacked } from './allocate.ts';

/** Field offsets inside a need's record. */
const CODE = 0;
const KW = 1;
const VALUE = 2;
const PRICE = 3;
const INDIVISIBLE = 4;
const REF = 5;
const SLACK = 6;
const WANTED = 7;
const SERVED = 8;
export const NEED_STRIDE = 9;

/** Scratch for sorting during `allocate`, shared: allocation never interleaves between agents. */
let order = new Int32Array(64);
/** Needs sequences up to this length are interned (their key, base 8, stays below 2^53). */
const MAX_INTERNED = 17;
const internedByNames = new WeakMap<readonly string[], Map<number, readonly string[]>>();
const noSlacks: Array<readonly number[]> = [];
/** A frozen array of n NaNs, shared. */
function noSlack(n: number): readonly number[] {
  let a = noSlacks[n];
  if (!a) noSlacks[n] = a = Object.freeze(new Array<number>(n).fill(NaN));
  return a;
}
/** Scratch for one record while sorting. */
const record = new Float64Array(NEED_STRIDE);

export class NeedList<Need extends string> {
  n = 0;
  /** The records, `NEED_STRIDE` numbers per need. */
  readonly d: Float64Array;
  /** Frozen needs arrays by their code sequence, shared by every list of the same names. */
  private readonly interned: Map<number, readonly Need[]>;

  /**
   * `names[code]` is the need's name in the strategy's view. `records`, when given, is where
   * the records live (at least `capacity · NEED_STRIDE` numbers, e.g. this list's share of a
   * block holding a whole group's lists one after the other, so that agents bidding in turn
   * read memory in order); else the list has its own.
   */
  constructor(
    readonly names: readonly Need[],
    readonly capacity: number,
    records?: Float64Array,
  ) {
    if (records && records.length < capacity * NEED_STRIDE) throw new RangeError(`need records: ${records.length} numbers for ${capacity} needs`);
    this.d = records ?? new Float64Array(Math.max(1, capacity) * NEED_STRIDE);
    let m = internedByNames.get(names);
    if (!m) internedByNames.set(names, (m = new Map()));
    this.interned = m as Map<number, readonly Need[]>;
  }

  reset(): void {
    this.n = 0;
  }

  /** Adds a need; needs of 0 kW or less are left out (they are never bid). Throws past the capacity (a bug in the caller). */
  push(code: number, kw: number, valueMwh: number, wanted: boolean, indivisible = false, ref = -1, slackH = NaN): void {
    if (!(kw > 0)) return;
    if (this.n >= this.capacity) throw new RangeError(`need list full (${this.capacity} needs)`);
    const o = this.n++ * NEED_STRIDE;
    const d = this.d;
    d[o + CODE] = code;
    d[o + KW] = kw;
    d[o + VALUE] = valueMwh;
    d[o + PRICE] = valueMwh;
    d[o + INDIVISIBLE] = indivisible ? 1 : 0;
    d[o + REF] = ref;
    d[o + SLACK] = slackH;
    d[o + WANTED] = wanted ? 1 : 0;
    d[o + SERVED] = 0;
  }

  code(i: number): number {
    return this.d[i * NEED_STRIDE + CODE]!;
  }
  kw(i: number): number {
    return this.d[i * NEED_STRIDE + KW]!;
  }
  valueMwh(i: number): number {
    return this.d[i * NEED_STRIDE + VALUE]!;
  }
  priceMwh(i: number): number {
    return this.d[i * NEED_STRIDE + PRICE]!;
  }
  ref(i: number): number {
    return this.d[i * NEED_STRIDE + REF]!;
  }
  /** Hours an appliance run can still wait (NaN for other needs). */
  slackH(i: number): number {
    return this.d[i * NEED_STRIDE + SLACK]!;
  }
  /** Sets the price need i was bid at (an agent that priced its needs itself, instead of `takeBidPrices`). */
  setPrice(i: number, priceMwh: number): void {
    this.d[i * NEED_STRIDE + PRICE] = priceMwh;
  }
  wanted(i: number): boolean {
    return this.d[i * NEED_STRIDE + WANTED] !== 0;
  }
  /** The award's share of need i, kW (after `allocate`). */
  served(i: number): number {
    return this.d[i * NEED_STRIDE + SERVED]!;
  }

  /** Orders the needs by value, highest first; ties keep the order they were pushed in. */
  sortByValue(): void {
    const d = this.d;
    for (let i = 1; i < this.n; i++) {
      const v = d[i * NEED_STRIDE + VALUE]!;
      let j = i;
      while (j > 0 && d[(j - 1) * NEED_STRIDE + VALUE]! < v) j--;
      if (j === i) continue;
      // Move record i up to j: save it, shift j … i−1 down by one record, put it back.
      for (let f = 0; f < NEED_STRIDE; f++) record[f] = d[i * NEED_STRIDE + f]!;
      d.copyWithin((j + 1) * NEED_STRIDE, j * NEED_STRIDE, i * NEED_STRIDE);
      for (let f = 0; f < NEED_STRIDE; f++) d[j * NEED_STRIDE + f] = record[f]!;
    }
  }

  /**
   * The frozen demand curve, needs and slacks a strategy sees. The needs array is
   * shared by every list with the same sequence of needs, and the slacks array by every
   * list with no slack at all (interned, frozen): per-agent copies cost cache misses
   * when thousands of agents bid in turn.
   */
  demandView(): { demand: readonly ValueSegment[]; needs: readonly Need[]; slackH: readonly number[] } {
    const n = this.n;
    const d = this.d;
    const demand: ValueSegment[] = [];
    let key = 1;
    let anySlack = false;
    for (let o = 0; o < n * NEED_STRIDE; o += NEED_STRIDE) {
      demand.push({ kw: d[o + KW]!, valueMwh: d[o + VALUE]! });
      key = key * 8 + d[o + CODE]!;
      if (d[o + SLACK] === d[o + SLACK]) anySlack = true; // not NaN
    }
    let needs: readonly Need[] | undefined;
    const internable = n <= MAX_INTERNED && this.names.length <= 8;
    if (internable) needs = this.interned.get(key);
    if (!needs) {
      const fresh: Need[] = [];
      for (let o = 0; o < n * NEED_STRIDE; o += NEED_STRIDE) fresh.push(this.names[d[o + CODE]!]!);
      needs = Object.freeze(fresh);
      if (internable) this.interned.set(key, needs);
    }
    let slackH: readonly number[];
    if (!anySlack) slackH = noSlack(n);
    else {
      const fresh: number[] = [];
      for (let o = 0; o < n * NEED_STRIDE; o += NEED_STRIDE) fresh.push(d[o + SLACK]!);
      slackH = Object.freeze(fresh);
    }
    return { demand: Object.freeze(demand), needs, slackH };
  }

  /**
   * Reads the strategy's prices per need: when its buy segments are one per need, in
   * order, with the needs' kW (to 1e-9 relative), each need's price is its segment's;
   * otherwise every price stays the need's value. Returns whether they matched.
   */
  takeBidPrices(segments: readonly BidSegment[]): boolean {
    const d = this.d;
    let k = 0;
    let matched = true;
    for (let s = 0; s < segments.length; s++) {
      const seg = segments[s]!;
      if (seg.side !== 'buy') continue;
      const kw = k < this.n ? d[k * NEED_STRIDE + KW]! : NaN;
      if (!(Math.abs(seg.quantityKw - kw) <= 1e-9 * Math.max(1, kw))) {
        matched = false;
        break;
      }
      d[k * NEED_STRIDE + PRICE] = seg.priceMwh;
      k++;
    }
    if (matched && k === this.n) return true;
    for (let i = 0; i < this.n; i++) d[i * NEED_STRIDE + PRICE] = d[i * NEED_STRIDE + VALUE]!;
    return false;
  }

  /** Splits a purchase over the needs by bid price (see `allocatePacked`); returns the kW left over. */
  allocate(boughtKw: number, quantumKw: number): number {
    if (order.length < this.n) order = new Int32Array(this.n * 2);
    return allocatePacked(this.d, NEED_STRIDE, PRICE, KW, INDIVISIBLE, SERVED, this.n, boughtKw, order, quantumKw);
  }

  /**
   * The agent's own control, with no award to split (`Award.ownControl`): every need wanted now
   * is served in full, the others (what could wait, a precondition) get nothing. Returns Σ served, kW.
   */
  serveWanted(): number {
    const d = this.d;
    let total = 0;
    for (let o = 0; o < this.n * NEED_STRIDE; o += NEED_STRIDE) {
      const kw = d[o + WANTED] !== 0 ? d[o + KW]! : 0;
      d[o + SERVED] = kw;
      total += kw;
    }
    return total;
  }

  /** Σ kW of the needs wanted now (what `serveWanted` would serve). */
  wantedKw(): number {
    const d = this.d;
    let total = 0;
    for (let o = 0; o < this.n * NEED_STRIDE; o += NEED_STRIDE) if (d[o + WANTED] !== 0) total += d[o + KW]!;
    return total;
  }

  /** Writes Σ served per need code into `sums` (length ≥ names.length). */
  sumServed(sums: Float64Array): void {
    sums.fill(0);
    const d = this.d;
    for (let o = 0; o < this.n * NEED_STRIDE; o += NEED_STRIDE) {
      const c = d[o + CODE]!;
      sums[c] = sums[c]! + d[o + SERVED]!;
    }
  }

  /** Σ over wanted needs of what they lacked, kW. */
  shortKw(): number {
    const d = this.d;
    let s = 0;
    for (let o = 0; o < this.n * NEED_STRIDE; o += NEED_STRIDE) if (d[o + WANTED] !== 0) s += d[o + KW]! - d[o + SERVED]!;
    return s;
  }
}

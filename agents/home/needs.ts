/**
 * An agent's needs for one interval as plain numbers in reusable arrays: what each
 * need is, its kW, its value, the price the strategy bid for it and what the award
 * gave it. One list per agent, refilled every interval (no allocation on the hot
 * path besides the frozen arrays handed to the strategy). Used by homes and buildings.
 *
 * The interval's round: `reset` → `push` each need → `sortByValue` (highest first,
 * stable) → `demandView` for the strategy → `takeBidPrices` from what it bid →
 * `allocate` the award.
 */
import type { BidSegment } from '../../market/types.ts';
import type { ValueSegment } from '../../strategies/types.ts';
import { allocateByPrice } from './allocate.ts';

export class NeedList<Need extends string> {
  n = 0;
  /** What each need is, as an index into `names`. */
  readonly code: Uint8Array;
  readonly kw: Float64Array;
  readonly valueMwh: Float64Array;
  /** Bid price per need (the value when the strategy's curve cannot be matched to the needs). */
  readonly priceMwh: Float64Array;
  readonly indivisible: Uint8Array;
  /** What the need refers to (an appliance's index, a block's index), −1 for none. */
  readonly ref: Int16Array;
  /** Hours the need can wait (appliances), NaN otherwise. */
  readonly slackH: Float64Array;
  /** Counts towards what the agent wants now (its shortfall makes it curtailed). */
  readonly wanted: Uint8Array;
  /** The award's share per need, kW (after `allocate`). */
  readonly served: Float64Array;
  private readonly order: Int32Array;

  /** `names[code]` is the need's name in the strategy's view. */
  constructor(
    readonly names: readonly Need[],
    readonly capacity: number,
  ) {
    this.code = new Uint8Array(capacity);
    this.kw = new Float64Array(capacity);
    this.valueMwh = new Float64Array(capacity);
    this.priceMwh = new Float64Array(capacity);
    this.indivisible = new Uint8Array(capacity);
    this.ref = new Int16Array(capacity);
    this.slackH = new Float64Array(capacity);
    this.wanted = new Uint8Array(capacity);
    this.served = new Float64Array(capacity);
    this.order = new Int32Array(capacity);
  }

  reset(): void {
    this.n = 0;
  }

  /** Adds a need; needs of 0 kW or less are left out (they are never bid). */
  push(code: number, kw: number, valueMwh: number, wanted: boolean, indivisible = false, ref = -1, slackH = NaN): void {
    if (!(kw > 0)) return;
    const i = this.n++;
    this.code[i] = code;
    this.kw[i] = kw;
    this.valueMwh[i] = valueMwh;
    this.priceMwh[i] = valueMwh;
    this.indivisible[i] = indivisible ? 1 : 0;
    this.ref[i] = ref;
    this.slackH[i] = slackH;
    this.wanted[i] = wanted ? 1 : 0;
    this.served[i] = 0;
  }

  /** Orders the needs by value, highest first; ties keep the order they were pushed in. */
  sortByValue(): void {
    for (let i = 1; i < this.n; i++) {
      const v = this.valueMwh[i]!;
      let j = i;
      while (j > 0 && this.valueMwh[j - 1]! < v) j--;
      if (j !== i) this.moveUp(i, j);
    }
  }

  /** The frozen demand curve, needs and slacks a strategy sees. */
  demandView(): { demand: readonly ValueSegment[]; needs: readonly Need[]; slackH: readonly number[] } {
    const n = this.n;
    const demand = new Array<ValueSegment>(n);
    const needs = new Array<Need>(n);
    const slack = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      demand[i] = { kw: this.kw[i]!, valueMwh: this.valueMwh[i]! };
      needs[i] = this.names[this.code[i]!]!;
      slack[i] = this.slackH[i]!;
    }
    return { demand: Object.freeze(demand), needs: Object.freeze(needs), slackH: Object.freeze(slack) };
  }

  /**
   * Reads the strategy's prices per need: when its buy segments are one per need, in
   * order, with the needs' kW (to 1e-9 relative), each need's price is its segment's;
   * otherwise every price stays the need's value. Returns whether they matched.
   */
  takeBidPrices(segments: readonly BidSegment[]): boolean {
    let k = 0;
    let matched = true;
    for (const s of segments) {
      if (s.side !== 'buy') continue;
      if (k >= this.n || Math.abs(s.quantityKw - this.kw[k]!) > 1e-9 * Math.max(1, this.kw[k]!)) {
        matched = false;
        break;
      }
      this.priceMwh[k] = s.priceMwh;
      k++;
    }
    if (matched && k === this.n) return true;
    for (let i = 0; i < this.n; i++) this.priceMwh[i] = this.valueMwh[i]!;
    return false;
  }

  /** Splits a purchase over the needs by bid price (see `allocateByPrice`); returns the kW left over. */
  allocate(boughtKw: number, quantumKw: number): number {
    return allocateByPrice(this.priceMwh, this.kw, this.indivisible, this.n, boughtKw, this.order, this.served, quantumKw);
  }

  /** Writes Σ served per need code into `sums` (length ≥ names.length). */
  sumServed(sums: Float64Array): void {
    sums.fill(0);
    for (let i = 0; i < this.n; i++) {
      const c = this.code[i]!;
      sums[c] = sums[c]! + this.served[i]!;
    }
  }

  /** Σ over wanted needs of what they lacked, kW. */
  shortKw(): number {
    let s = 0;
    for (let i = 0; i < this.n; i++) if (this.wanted[i]) s += this.kw[i]! - this.served[i]!;
    return s;
  }

  private moveUp(from: number, to: number): void {
    const code = this.code[from]!;
    const kw = this.kw[from]!;
    const v = this.valueMwh[from]!;
    const p = this.priceMwh[from]!;
    const ind = this.indivisible[from]!;
    const ref = this.ref[from]!;
    const sl = this.slackH[from]!;
    const w = this.wanted[from]!;
    for (let i = from; i > to; i--) {
      this.code[i] = this.code[i - 1]!;
      this.kw[i] = this.kw[i - 1]!;
      this.valueMwh[i] = this.valueMwh[i - 1]!;
      this.priceMwh[i] = this.priceMwh[i - 1]!;
      this.indivisible[i] = this.indivisible[i - 1]!;
      this.ref[i] = this.ref[i - 1]!;
      this.slackH[i] = this.slackH[i - 1]!;
      this.wanted[i] = this.wanted[i - 1]!;
    }
    this.code[to] = code;
    this.kw[to] = kw;
    this.valueMwh[to] = v;
    this.priceMwh[to] = p;
    this.indivisible[to] = ind;
    this.ref[to] = ref;
    this.slackH[to] = sl;
    this.wanted[to] = w;
  }
}

/**
 * One meter's valid reads as columns of numbers in ascending interval-start order: the
 * MDMS keeps 10,000 meters × 96 reads a day, and one object per read in a map per meter
 * cost more to build and collect than the reads are worth. A read is a row index;
 * its voltage is NaN when the meter gave none (a valid read's voltage is always finite:
 * validation rejects NaN).
 */
import type { MeterRead } from './meter.ts';

/** The columns the VEE rules read (vee.ts `estimateColumns`). */
export interface ReadColumnsView {
  readonly count: number;
  /** Interval starts, ms, ascending; the first `count` entries are in use. */
  readonly times: Float64Array;
  readonly importKwh: Float64Array;
  readonly exportKwh: Float64Array;
  /** Per unit; NaN: none given. */
  readonly voltagePu: Float64Array;
  /** Row of the read starting at `t`, or −1. */
  indexOf(t: number): number;
}

export class ReadColumns implements ReadColumnsView {
  count = 0;
  times: Float64Array<ArrayBuffer>;
  importKwh: Float64Array<ArrayBuffer>;
  exportKwh: Float64Array<ArrayBuffer>;
  voltagePu: Float64Array<ArrayBuffer>;

  /**
   * `capacity`: reads held before the columns grow (a meter's reads over the run, when known: no
   * copies). `slab`: room for the four columns, `4 × capacity` numbers (zeros) this instance alone
   * writes, to carve many meters' columns from one buffer (`ReadColumns.slab`); without it, each
   * column is its own array. Growing always moves a column to its own array.
   */
  constructor(capacity = 16, slab?: Float64Array<ArrayBuffer>) {
    const n = ReadColumns.rows(capacity);
    if (slab && slab.length >= 4 * n) {
      this.times = slab.subarray(0, n);
      this.importKwh = slab.subarray(n, 2 * n);
      this.exportKwh = slab.subarray(2 * n, 3 * n);
      this.voltagePu = slab.subarray(3 * n, 4 * n);
    } else {
      this.times = new Float64Array(n);
      this.importKwh = new Float64Array(n);
      this.exportKwh = new Float64Array(n);
      this.voltagePu = new Float64Array(n);
    }
  }

  /** The rows a `capacity` makes room for (a slab for one meter is 4 × this many numbers). */
  static rows(capacity: number): number {
    return capacity >= 1 && Number.isFinite(capacity) ? Math.ceil(capacity) : 16;
  }

  /** The columns of `reads` (any order). */
  static of(reads: Iterable<MeterRead>): ReadColumns {
    const c = new ReadColumns();
    for (const r of reads) c.insert(r);
    return c;
  }

  indexOf(t: number): number {
    const i = this.lowerBound(t);
    return i < this.count && this.times[i] === t ? i : -1;
  }

  /** Does a read start at `t`? */
  has(t: number): boolean {
    return this.indexOf(t) >= 0;
  }

  /**
   * Adds `read` in its place; false (nothing changed) when one with its start is already
   * held. Reads arrive in time order, so the usual case is an append.
   */
  insert(read: MeterRead): boolean {
    return this.insertFields(read.intervalStartMs, read.importKwh, read.exportKwh, read.voltagePu ?? NaN);
  }

  /** `insert` of the read with these fields (`voltagePu` NaN: none given). */
  insertFields(t: number, importKwh: number, exportKwh: number, voltagePu: number): boolean {
    const n = this.count;
    let i = n;
    if (n > 0 && !(t > this.times[n - 1]!)) {
      i = this.lowerBound(t);
      if (this.times[i] === t) return false;
    }
    if (n === this.times.length) this.grow();
    if (i < n) {
      this.times.copyWithin(i + 1, i, n);
      this.importKwh.copyWithin(i + 1, i, n);
      this.exportKwh.copyWithin(i + 1, i, n);
      this.voltagePu.copyWithin(i + 1, i, n);
    }
    this.times[i] = t;
    this.importKwh[i] = importKwh;
    this.exportKwh[i] = exportKwh;
    this.voltagePu[i] = voltagePu;
    this.count = n + 1;
    return true;
  }

  /** First row whose start is ≥ `t` (`count` when none). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const n = 2 * this.times.length;
    const widen = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.times = widen(this.times);
    this.importKwh = widen(this.importKwh);
    this.exportKwh = widen(this.exportKwh);
    this.voltagePu = widen(this.voltagePu);
  }
}

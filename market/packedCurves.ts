/**
 * Bid segments packed for the hot path: the segments of many bids of one interval in
 * three typed arrays (side, price, quantity), one row per segment, and `PackedBid`, a
 * `Bid` whose segments are a run of those rows. The order book reads the rows directly
 * (market/orderBook.ts); anyone else reading `segments` gets the same segments as
 * objects, made on first access (and kept). 10,000 homes × 11 segments × 96 intervals
 * are 10 million objects a day the simulation no longer makes.
 */
import type { AgentId, BusId } from '../core/units.ts';
import type { Bid, BidSegment } from './types.ts';
import { grown } from '../core/typedArrays.ts';

/** Segment rows, appended bid after bid; a bid's rows are `[start, start + count)`. */
export class PackedCurves {
  /** Rows written so far. */
  n = 0;
  /** 1 = buy, 0 = sell. */
  isBuy: Uint8Array;
  priceMwh: Float64Array;
  quantityKw: Float64Array;

  constructor(capacity = 256) {
    const c = Math.max(16, capacity);
    this.isBuy = new Uint8Array(c);
    this.priceMwh = new Float64Array(c);
    this.quantityKw = new Float64Array(c);
  }

  /** Appends one segment. */
  push(buy: boolean, priceMwh: number, quantityKw: number): void {
    const i = this.n;
    if (i === this.isBuy.length) this.grow();
    this.isBuy[i] = buy ? 1 : 0;
    this.priceMwh[i] = priceMwh;
    this.quantityKw[i] = quantityKw;
    this.n = i + 1;
  }

  /** Drops every row, keeping the arrays for the next interval's bids (engine/simulation.ts `reuseIntervalArrays`). */
  clear(): this {
    this.n = 0;
    return this;
  }

  /** Drops the rows from `n` on (what a bidder that failed half-way wrote). */
  truncate(n: number): void {
    if (n < this.n) this.n = Math.max(0, n);
  }

  /** Rows `[start, start + count)` as segment objects. */
  segments(start: number, count: number): BidSegment[] {
    const out: BidSegment[] = new Array(count);
    for (let k = 0; k < count; k++) {
      const i = start + k;
      out[k] = { side: this.isBuy[i] ? 'buy' : 'sell', priceMwh: this.priceMwh[i]!, quantityKw: this.quantityKw[i]! };
    }
    return out;
  }

  private grow(): void {
    const c = this.isBuy.length * 2;
    this.isBuy = grown(this.isBuy, c);
    this.priceMwh = grown(this.priceMwh, c);
    this.quantityKw = grown(this.quantityKw, c);
  }
}

/**
 * A bid whose segments are rows `[start, start + count)` of `curves`. The rows must not
 * change while the bid is in use (`PackedCurves` is only appended to; `truncate` only
 * drops rows no bid was made of). Readonly to all but its maker, which may point it at a
 * later interval's rows once nobody reads it any more (`repoint`).
 */
export class PackedBid implements Bid {
  private made: readonly BidSegment[] | undefined;

  constructor(
    /** The id, or undefined for `<agent>@<interval>` (see `id`). */
    private readonly name: string | undefined,
    readonly agentId: AgentId,
    readonly bus: BusId,
    readonly interval: number,
    readonly curves: PackedCurves,
    readonly start: number,
    readonly count: number,
  ) {}

  /**
   * The id given, else `<agent>@<interval>`, made on each read: the market and the simulation
   * read a bid's id only to quote it (a rejection, a lost bid), a few times a run, where a
   * string per bid made up front was 4000 strings an interval for 4000 homes.
   */
  get id(): string {
    return this.name ?? `${this.agentId}@${this.interval}`;
  }

  /** The segments as objects, made on first access. */
  get segments(): readonly BidSegment[] {
    return (this.made ??= this.curves.segments(this.start, this.count));
  }

  /**
   * Makes this the same agent's bid of another interval, on rows `[start, start + count)` of
   * `curves`: for a maker that reuses its bids, which must know that nobody reads this one
   * any more (engine/interval/collectBids.ts states when that is).
   */
  protected repoint(interval: number, curves: PackedCurves, start: number, count: number): void {
    const self = this as { -readonly [K in 'interval' | 'curves' | 'start' | 'count']: PackedBid[K] };
    self.interval = interval;
    self.curves = curves;
    self.start = start;
    self.count = count;
    this.made = undefined;
  }
}

/** How many segments a bid has, without making a packed bid's segment objects. */
export const segmentCount = (bid: Bid): number => (bid instanceof PackedBid ? bid.count : bid.segments.length);

/**
 * Validates bids where they enter the market and lays them out as an `OrderBook`.
 * An invalid bid is rejected whole, with a reason, and never stops the others:
 * a curve with one malformed segment does not say what its owner wants.
 */
import type { BusId } from '../core/units.ts';
import { PackedBid } from './packedCurves.ts';
import { isValidPriceQuantity, isValidSegment, segmentProblem } from './segment.ts';
import type { Bid, MarketRules, OrderBook, Rejection, RejectionCode } from './types.ts';
import { grown } from '../core/typedArrays.ts';
import { ClearingScratch } from './clearingScratch.ts';

export interface OrderBookContext {
  readonly interval: number;
  readonly durationH: number;
  readonly rules: MarketRules;
  readonly buses: readonly BusId[];
  /** Agents allowed to trade; bids from anyone else are rejected. */
  readonly isKnownAgent: (agentId: string) => boolean;
  /**
   * Set by a submitter that builds every bid itself (the simulation): bid ids are unique
   * and agents registered by construction, so the book skips the duplicate-id and
   * known-agent checks — a Set of fresh id strings per interval, the costliest part of
   * validating thousands of bids. Every other check still runs.
   */
  readonly trustedIdentities?: boolean;
}

/**
 * Collects the bids of one interval. `build()` hands over the book and closes the
 * builder: a book never changes after it has been handed out.
 */
export class OrderBookBuilder {
  private readonly busIndexOf: Map<string, number>;
  /**
   * The accepted bids, `bidCount` of them (entries past it are a reused array's leftovers, cut
   * off by `build`). Taken over from a reused builder like the typed arrays: a new array grown
   * by appending allocated ~3 copies of its final size per interval (9.5 MB a run of 4000 homes,
   * V8's sampling heap profiler).
   */
  private bids: Bid[] = [];
  private bidCount = 0;
  private readonly bidIds = new Set<string>();
  private n = 0;
  private isBuy: Uint8Array;
  private priceTicks: Float64Array;
  private quantityQuanta: Float64Array;
  private bidIndex: Int32Array;
  private busIndex: Int32Array;
  private built = false;
  /** Clearing storage, passed on to a builder that reuses this one's arrays (market/clearingScratch.ts). */
  private readonly scratch: ClearingScratch;

  constructor(
    private readonly ctx: OrderBookContext,
    capacity = 1024,
    /**
     * A builder whose book is no longer read by anyone: its arrays are taken over (rows are
     * written before they are read, so nothing needs clearing) and that book changes with
     * this one. For a caller that keeps no book past its interval (engine/simulation.ts).
     */
    reuse?: OrderBookBuilder,
  ) {
    this.busIndexOf = new Map(ctx.buses.map((b, i) => [b, i]));
    capacity = Math.max(16, capacity);
    this.scratch = reuse?.scratch ?? new ClearingScratch();
    if (reuse !== undefined) {
      // Detached from `reuse`, so that a late `reuse.release()` cannot empty this builder's bids.
      this.bids = reuse.bids;
      reuse.bids = [];
    }
    if (reuse !== undefined && reuse.isBuy.length >= capacity) {
      ({ isBuy: this.isBuy, priceTicks: this.priceTicks, quantityQuanta: this.quantityQuanta, bidIndex: this.bidIndex, busIndex: this.busIndex } = reuse);
      return;
    }
    this.isBuy = new Uint8Array(capacity);
    this.priceTicks = new Float64Array(capacity);
    this.quantityQuanta = new Float64Array(capacity);
    this.bidIndex = new Int32Array(capacity);
    this.busIndex = new Int32Array(capacity);
  }

  /**
   * Adds a bid to the book; returns why not when it is invalid. Each segment is checked as it
   * is laid out (one pass): at the first invalid one the rows written so far are dropped
   * and the bid is rejected whole, with `segmentProblem`'s reason for that segment.
   */
  add(bid: Bid): Rejection | undefined {
    if (this.built) throw new Error('OrderBookBuilder.add after build(): the book was already handed out');
    const bus = this.busIndexOf.get(bid.bus);
    const problem = this.bidProblem(bid, bus);
    if (problem || bus === undefined) return rejection(bid, problem!);
    const rules = this.ctx.rules;
    const { priceTickMwh, quantumKw } = rules;
    const b = this.bidCount;
    if (bid instanceof PackedBid) return this.addPacked(bid, b, bus);
    const segments = bid.segments;
    const start = this.n;
    this.reserve(start + segments.length);
    const { isBuy, priceTicks, quantityQuanta, bidIndex, busIndex } = this;
    for (let k = 0; k < segments.length; k++) {
      const s = segments[k]!;
      if (!isValidSegment(s, rules)) return rejection(bid, segmentProblem(s, k, rules)!);
      const i = start + k;
      isBuy[i] = s.side === 'buy' ? 1 : 0;
      priceTicks[i] = Math.round(s.priceMwh / priceTickMwh);
      quantityQuanta[i] = Math.round(s.quantityKw / quantumKw);
      bidIndex[i] = b;
      busIndex[i] = bus;
    }
    this.n = start + segments.length;
    // Appended by index, not push: a new builder's empty `bids` is an array of small integers
    // until its first bid, and optimised code that had seen such arrays at the push bailed out
    // ("not a Smi") on an object; a keyed store's feedback records that transition and makes it.
    this.bids[b] = bid;
    this.bidCount = b + 1;
    if (!this.ctx.trustedIdentities) this.bidIds.add(bid.id);
    return undefined;
  }

  /** Adds every bid in order (`add`), appending the rejections to `rejections`. */
  addAll(bids: readonly Bid[], rejections: Rejection[]): void {
    for (const bid of bids) {
      const r = this.add(bid);
      if (r) rejections.push(r);
    }
  }

  /** `add` for a bid whose segments are packed rows: the same checks and layout, read from the rows (no segment objects). */
  private addPacked(bid: PackedBid, b: number, bus: number): Rejection | undefined {
    const rules = this.ctx.rules;
    const { priceTickMwh, quantumKw } = rules;
    const { curves, count } = bid;
    const from = bid.start;
    const start = this.n;
    this.reserve(start + count);
    const { isBuy, priceTicks, quantityQuanta, bidIndex, busIndex } = this;
    const buys = curves.isBuy;
    const prices = curves.priceMwh;
    const quantities = curves.quantityKw;
    for (let k = 0; k < count; k++) {
      const p = prices[from + k]!;
      const q = quantities[from + k]!;
      if (!isValidPriceQuantity(p, q, rules)) return rejection(bid, segmentProblem(bid.segments[k], k, rules)!);
      const i = start + k;
      isBuy[i] = buys[from + k]!;
      priceTicks[i] = Math.round(p / priceTickMwh);
      quantityQuanta[i] = Math.round(q / quantumKw);
      bidIndex[i] = b;
      busIndex[i] = bus;
    }
    this.n = start + count;
    this.bids[b] = bid; // by index, not push: see `add`
    this.bidCount = b + 1;
    if (!this.ctx.trustedIdentities) this.bidIds.add(bid.id);
    return undefined;
  }

  /**
   * Lets go of the bids of the book this builder built (its `bids` entries are then undefined):
   * for a caller done with that book, whose bids need not live on while the builder waits to be
   * reused (engine/simulation.ts `reuseIntervalArrays`: otherwise an interval's bid objects lived
   * through the next interval too, long enough for the young-generation collector to promote
   * them). Emptied by `fill`, not `length = 0`, which would free the storage the next builder reuses.
   */
  release(): void {
    this.bids.fill(undefined as unknown as Bid);
  }

  build(): OrderBook {
    this.built = true;
    const n = this.n;
    this.bids.length = this.bidCount;
    return {
      interval: this.ctx.interval,
      durationH: this.ctx.durationH,
      rules: this.ctx.rules,
      buses: this.ctx.buses,
      bids: this.bids,
      size: n,
      isBuy: this.isBuy.subarray(0, n),
      priceTicks: this.priceTicks.subarray(0, n),
      quantityQuanta: this.quantityQuanta.subarray(0, n),
      bidIndex: this.bidIndex.subarray(0, n),
      busIndex: this.busIndex.subarray(0, n),
      scratch: this.scratch,
    };
  }

  /** Checks a bid as `add` would, without adding it (for curves that go to an aggregator, not the book). */
  check(bid: Bid): Rejection | undefined {
    const problem = this.bidProblem(bid) ?? this.curveProblem(bid.segments);
    return problem && rejection(bid, problem);
  }

  /** What is wrong with the bid itself (interval, agent, bus, id, an empty curve), its segments aside; `bus` is its bus's index (undefined: not in the network). */
  private bidProblem(bid: Bid, bus = this.busIndexOf.get(bid.bus)): { code: RejectionCode; reason: string } | undefined {
    const { interval } = this.ctx;
    if (bid.interval !== interval)
      return { code: 'unknown-interval', reason: `bid is for interval ${bid.interval}, the book is for interval ${interval}` };
    const trusted = this.ctx.trustedIdentities === true;
    if (!trusted && !this.ctx.isKnownAgent(bid.agentId)) return { code: 'unknown-agent', reason: `agent '${bid.agentId}' is not registered in this market` };
    if (bus === undefined) return { code: 'unknown-bus', reason: `bus '${bid.bus}' is not in the network` };
    if (!trusted && this.bidIds.has(bid.id)) return { code: 'duplicate-bid-id', reason: `bid id '${bid.id}' was already used in this interval` };
    if (bid instanceof PackedBid ? bid.count === 0 : !Array.isArray(bid.segments) || bid.segments.length === 0) return { code: 'empty-curve', reason: 'the bid has no segments' };
    return undefined;
  }

  /** The first invalid segment's problem, or undefined. */
  private curveProblem(segments: Bid['segments']): { code: RejectionCode; reason: string } | undefined {
    const rules = this.ctx.rules;
    for (let k = 0; k < segments.length; k++) if (!isValidSegment(segments[k], rules)) return segmentProblem(segments[k], k, rules);
    return undefined;
  }

  private reserve(size: number): void {
    if (size <= this.isBuy.length) return;
    let cap = this.isBuy.length * 2;
    while (cap < size) cap *= 2;
    this.isBuy = grown(this.isBuy, cap);
    this.priceTicks = grown(this.priceTicks, cap);
    this.quantityQuanta = grown(this.quantityQuanta, cap);
    this.bidIndex = grown(this.bidIndex, cap);
    this.busIndex = grown(this.busIndex, cap);
  }
}

/** A rejection of `bid` for `problem`, naming the bid, its agent and interval. */
const rejection = (bid: Bid, problem: { code: RejectionCode; reason: string }): Rejection => ({ bidId: String(bid.id), agentId: String(bid.agentId), interval: bid.interval, ...problem });

/** Builds a book from bids in one call; handy for tests and `gridbid clear`. */
export function buildOrderBook(bids: readonly Bid[], ctx: OrderBookContext): { book: OrderBook; rejections: Rejection[] } {
  const builder = new OrderBookBuilder(ctx, Math.max(16, bids.length * 2));
  const rejections: Rejection[] = [];
  builder.addAll(bids, rejections);
  return { book: builder.build(), rejections };
}

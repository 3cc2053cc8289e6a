/**
 * Phase 1, collect bids: every agent bids for the interval one minute before its gate
 * closes, plus any communication latency. An agent that trades itself sends its bid to
 * the market (lost or delayed by comms faults); a member gives its curve to its
 * aggregator, which checks it as the market would; a retail customer keeps its curve
 * for its retail price. Then the intermediaries bid for those they serve, one bid per bus.
 *
 * Agents are isolated (participants.ts `Crashes`): a site that throws while bidding bids no more
 * and its devices run on their own control from this interval on (`prepareOnOwnControl`); an
 * intermediary that throws is left out. Either is skipped from then on.
 */
import type { CustomerBook } from '../../agents/retailer/index.ts';
import type { MemberCurve } from '../../agents/types.ts';
import { minutesToMs, type SimTime, simTime } from '../../core/time.ts';
import type { AgentId, BusId } from '../../core/units.ts';
import { PackedBid, PackedCurves } from '../../market/packedCurves.ts';
import { OrderBookBuilder } from '../../market/orderBook.ts';
import type { Bid, BidSegment, MarketRules, Rejection } from '../../market/types.ts';
import type { MarketView } from '../../strategies/types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { GridEvent, GridRoom } from '../../agents/operations/gridRoom.ts';
import type { RetailDesk } from '../retail.ts';
import type { Crashes, Participant } from './participants.ts';

/** A bid as the simulation builds it: with the index of the party that placed it (no lookup by id after clearing). */
export type PartyBid = Bid & { readonly party: number };

/** A `PartyBid` whose segments are packed rows (market/packedCurves.ts), named `<agent>@<interval>` when its id is read. */
class PackedPartyBid extends PackedBid {
  constructor(agentId: AgentId, bus: BusId, interval: number, curves: PackedCurves, start: number, count: number, readonly party: number) {
    super(undefined, agentId, bus, interval, curves, start, count);
  }

  /** This party's bid of another interval (`IntervalRows`: when that is allowed). */
  reuseFor(interval: number, curves: PackedCurves, start: number, count: number): this {
    this.repoint(interval, curves, start, count);
    return this;
  }
}

/**
 * An interval's packed rows and, per party, the packed bid last made of them. The bids live
 * exactly as long as the rows: a packed bid reads its segments from the rows, so once the
 * rows are handed back to be rewritten (`CollectContext.reuseRows`, engine/simulation.ts
 * `reuseIntervalArrays`) nobody may read that interval's bids either, and each party's bid
 * object is rewritten as its bid of the new interval. That holds because every holder of a
 * bid lets go of it within its interval: the gate keeps a bid only until its gate closes
 * (a late bid is rejected at once), the order book until the next interval `release()`s it
 * (before it collects bids), a sink reads the book during its interval only (`SimulationSink`:
 * with reuse, copy what you keep; the recorder reads the book's rows, not its bids), the comms
 * plane keeps bid indices, not bids, and rejections, lost-bid events and messages quote the id
 * as a string made when they are (test/engine/reusedBids.spec.ts).
 * Without reuse each interval has new rows, hence new bids: a caller may keep them.
 */
class IntervalRows extends PackedCurves {
  readonly bidOf: Array<PackedPartyBid | undefined>;
  /**
   * The interval's on-time bids (`BidCollection.onTime`), rewritten in place by the next: nobody keeps
   * this array (the gate copies it into its book, the comms plane returns a new one), and grown anew by
   * appending it allocated ~3 copies of its final size per interval (6 MB per warm run of 4000 homes).
   */
  readonly onTime: PartyBid[] = [];

  constructor(capacity: number, parties: number) {
    super(capacity);
    this.bidOf = new Array<PackedPartyBid | undefined>(parties).fill(undefined);
  }
}

/**
 * Bids that something at their sender kept from the plane at the bid time (`collectBids` on a plane; engine/interval/comms.ts `gateBids` sends them):
 * `held` ones enter it at `at` (a comms-loss fault's delay plus the agent's own `commsLatencyMinutes`),
 * `lost` ones never do (a comms-loss fault, lost mode).
 */
export interface BidsAtSender {
  readonly held: ReadonlyArray<{ readonly bid: PartyBid; readonly at: SimTime }>;
  readonly lost: readonly PartyBid[];
}

export interface BidCollection {
  /** Bids that reach the market by the gate (the intermediaries' included), submitted at `bidTime`. */
  readonly onTime: PartyBid[];
  /** Bids delayed past the gate, with their arrival time (the gate rejects them). Empty on a communication plane (`atSender`). */
  readonly late: Array<{ readonly bid: PartyBid; readonly at: SimTime }>;
  /**
   * On a communication plane (`CollectContext.onPlane`): the bids held at their sender past the bid
   * time (a comms-loss fault's delay, the agent's `commsLatencyMinutes`), with when they leave it, and
   * those a comms-loss fault cut off there. The plane carries the held ones from then and logs the
   * lost ones (engine/interval/comms.ts `gateBids`); without a plane the gate judges them here.
   */
  readonly atSender: BidsAtSender;
  readonly bidTime: SimTime;
  /** Per aggregator (party index): its members' curves. */
  readonly memberCurves: Map<number, MemberCurve[]>;
  /** Per retail customer (party index): its curve, for its retail price. */
  readonly customerCurves: Map<number, readonly BidSegment[]>;
  /** Members' curves their aggregator refused, with the reason. */
  readonly rejections: Rejection[];
  readonly events: GridEvent[];
  /** The packed segment rows the interval's packed bids read, and those bids (valid while the interval lasts). */
  readonly rows: PackedCurves;
  /**
   * Per party: 1 when the agent sent a bid (or, as a member, a curve to its aggregator) this interval,
   * whether or not it reached the book: with `noPosition.ts`, which sites end the interval without a position.
   */
  readonly placed: Uint8Array;
}

export interface CollectContext {
  readonly parts: readonly Participant[];
  readonly crashes: Crashes;
  readonly rules: MarketRules;
  readonly buses: readonly BusId[];
  readonly room: GridRoom;
  /** A communication plane carries the bids: a bid held or cut off at its sender goes to `BidCollection.atSender`, for the plane. */
  readonly onPlane?: boolean;
  readonly desk: RetailDesk | undefined;
  /** The public market view at a bus (frozen, shared), as `party` knows it (on a communication plane: the prices it has received). */
  readonly marketView: (bus: BusId, party?: number) => MarketView;
  /** On a communication plane: members' curves travel to their aggregator, and those not there by its gate are left out. */
  readonly memberGate?: (curves: Map<number, MemberCurve[]>, interval: MarketInterval, bidTime: SimTime, rejections: Rejection[]) => void;
  /** What a retailer knows of its customers at each bus. */
  /** A retailer's customers at each bus in interval `k` (engine/simulation.ts `customerBooks`). */
  readonly customerBooks: (retailer: number, k: number) => CustomerBook[];
  /**
   * The packed rows of an earlier interval's bids no one reads any more (`BidCollection.rows`), to
   * write this interval's into instead of new arrays: ~17 B per agent of off-heap memory each
   * interval otherwise (engine/simulation.ts `reuseIntervalArrays`, issue 16). The packed bids made of
   * them are rewritten too (`IntervalRows`).
   */
  readonly reuseRows?: PackedCurves | undefined;
  /**
   * On a LinDistFlow feeder whose LP may price reactive power (some kind's power factor below 1): per party, tan φ of its
   * consumption (its kind's, kvar per kW), which its aggregator's bids carry to the clearing (`MemberCurve.kvarPerKw`).
   */
  readonly kvarPerKw?: Float64Array | undefined;
}

export function collectBids(ctx: CollectContext, interval: MarketInterval): BidCollection {
  const { parts, crashes, room, desk, marketView } = ctx;
  const n = parts.length;
  const bidTime = simTime(interval.gateClosure - minutesToMs(1));
  const rows = ctx.reuseRows?.clear() ?? new IntervalRows(n * 8, n);
  const bidOf = rows instanceof IntervalRows && rows.bidOf.length === n ? rows.bidOf : undefined;
  const onTime = rows instanceof IntervalRows ? rows.onTime : [];
  let onTimeCount = 0; // written by index over the last interval's entries (never past the end: no holes), then cut to length
  const held: Array<{ readonly bid: PartyBid; readonly at: SimTime }> = [];
  const lost: PartyBid[] = [];
  const placed = new Uint8Array(n);
  const out: BidCollection = { onTime, late: [], atSender: { held, lost }, bidTime, memberCurves: new Map(), customerCurves: new Map(), rejections: [], events: [], rows, placed };
  const curveCheck = new OrderBookBuilder({ interval: interval.index, durationH: interval.durationH, rules: ctx.rules, buses: ctx.buses, isKnownAgent: () => true }, 16);
  const idSuffix = `@${interval.index}`; // every bid id is `<agent>@<interval>`: the suffix built once, not per bid
  // A bid of an agent trading itself goes to the market, lost or delayed by comms faults.
  const route = (bid: PartyBid): void => {
    const i = bid.party;
    const p = parts[i]! as Extract<Participant, { role: 'agent' }>;
    placed[i] = 1;
    const link = room.comms(i, bidTime);
    if (!link.delivered) {
      out.events.push({ at: interval.start, issuer: bid.agentId, target: 'market', type: 'COMMS_LOSS', response: 'lost', detail: `bid ${bid.id} lost (comms-loss fault)` });
      if (ctx.onPlane) lost.push(bid);
      return;
    }
    if (link.delayMinutes > 0) out.events.push({ at: interval.start, issuer: bid.agentId, target: 'market', type: 'COMMS_DELAY', response: 'delayed', detail: `bid ${bid.id} ${link.cause}` });
    const latency = (p.latency ? p.latency.rng.uniform(p.latency.min, p.latency.max) : 0) + link.delayMinutes;
    const at = simTime(bidTime + minutesToMs(latency));
    // On a plane the bid enters the network when its sender lets it go, and the plane decides whether it makes the gate.
    if (ctx.onPlane && at > bidTime) held.push({ bid, at });
    else if (at <= interval.gateClosure) onTime[onTimeCount++] = bid;
    else out.late.push({ bid, at });
  };
  for (let i = 0; i < n; i++) {
    const p = parts[i]!;
    if (p.role !== 'agent' || crashes.crashed[i]) continue;
    if (crashes.ownControl[i]) {
      prepareOnOwnControl(p, i, interval, crashes, marketView);
      continue;
    }
    const a = p.runtime;
    let segments: readonly BidSegment[] | undefined;
    // An agent trading itself with a packed fast path writes its segments as rows (no segment objects).
    const packed = p.route.type === 'market' && a.bidPacked !== undefined;
    const from = rows.n;
    try {
      if (room.crashes(i, interval.start)) throw new Error('injected fault (agent-crash): the agent threw while bidding');
      if (packed) segments = a.bidPacked!(interval, marketView(a.bus, i), rows);
      else segments = a.bid(interval, p.route.type === 'customer' ? desk!.view(i, interval, marketView(a.bus, i)) : marketView(a.bus, i));
    } catch (err) {
      rows.truncate(from);
      crashes.crash(i, 'bid', err);
      prepareOnOwnControl(p, i, interval, crashes, marketView);
      continue;
    }
    if (segments === undefined) {
      const count = rows.n - from;
      if (count === 0) continue;
      const kept = bidOf?.[i];
      const bid = kept ? kept.reuseFor(interval.index, rows, from, count) : new PackedPartyBid(a.id, a.bus, interval.index, rows, from, count, i);
      if (bidOf && !kept) bidOf[i] = bid;
      route(bid);
      continue;
    }
    if (p.route.type === 'customer') {
      out.customerCurves.set(i, segments);
      continue;
    }
    if (segments.length === 0) continue;
    const bid: PartyBid = { id: a.id + idSuffix, agentId: a.id, bus: a.bus, interval: interval.index, segments, party: i };
    if (p.route.type === 'member') {
      placed[i] = 1;
      // The aggregator checks its members' curves as the market would, and refuses bad ones with a reason.
      const problem = curveCheck.check(bid);
      if (problem) out.rejections.push(problem);
      else {
        let list = out.memberCurves.get(p.route.aggregator);
        if (!list) out.memberCurves.set(p.route.aggregator, (list = []));
        list.push(ctx.kvarPerKw ? { member: i, memberId: a.id, bus: a.bus, segments, kvarPerKw: ctx.kvarPerKw[i]! } : { member: i, memberId: a.id, bus: a.bus, segments });
      }
      continue;
    }
    route(bid);
  }
  ctx.memberGate?.(out.memberCurves, interval, bidTime, out.rejections);
  // Intermediaries bid for those they serve, one bid per bus.
  for (let i = 0; i < n; i++) {
    const p = parts[i]!;
    if (p.role === 'agent' || crashes.crashed[i]) continue;
    const view = ctx.memberGate ? (bus: BusId) => marketView(bus, i) : marketView;
    try {
      const bids = p.role === 'aggregator' ? p.runtime.bid(interval, out.memberCurves.get(i) ?? [], view) : p.runtime.bid(interval, ctx.customerBooks(i, interval.index), view);
      for (const b of bids) {
        if (b.segments.length === 0) continue;
        // A bid per power factor at a bus (an aggregator on a feeder pricing reactive power) names its class: ids stay unique.
        const t = b.kvarPerKw;
        onTime[onTimeCount++] =
          t === undefined
            ? { id: `${p.runtime.id}@${b.bus}@${interval.index}`, agentId: p.runtime.id, bus: b.bus, interval: interval.index, segments: b.segments, party: i }
            : { id: `${p.runtime.id}@${b.bus}~${t}@${interval.index}`, agentId: p.runtime.id, bus: b.bus, interval: interval.index, segments: b.segments, party: i, kvarPerKw: t };
      }
    } catch (err) {
      crashes.crash(i, 'bid', err);
    }
  }
  onTime.length = onTimeCount;
  out.late.sort((x, y) => x.at - y.at);
  return out;
}

/**
 * A site whose bidding code crashed (participants.ts `Crashes.ownControl`): its devices' part of the
 * interval's round, with no bid (`AgentRuntime.prepareOwnControl`: a home's needs, a car plugging in),
 * so that its own control runs on this interval's needs; the public view at its bus is the fresh one
 * (it receives no prices any more). An agent that throws here too is one the engine can no longer
 * model: it is left out.
 */
function prepareOnOwnControl(p: Extract<Participant, { role: 'agent' }>, i: number, interval: MarketInterval, crashes: Crashes, marketView: (bus: BusId, party?: number) => MarketView): void {
  const a = p.runtime;
  if (!a.prepareOwnControl) return;
  try {
    a.prepareOwnControl(interval, marketView(a.bus));
  } catch (err) {
    crashes.crash(i, 'own-control', err);
  }
}

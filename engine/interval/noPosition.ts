/**
 * Phase 4b, sites without a position (docs/markets.md, "No position"): which agents sent a bid
 * this interval that never reached the book — late at the gate, lost on the way, rejected by
 * the book's validation, or, for an aggregator's member, a curve its aggregator refused or did
 * not receive in time, or an aggregator whose own bid at the member's bus did not reach the book.
 *
 * Such a site has no position, yet its devices keep running, as a real customer's do when its
 * supplier's or its own nomination misses a gate: the engine tells it so (`Award.ownControl`), it
 * consumes what its devices need by their own control and a PV makes what it makes, and its meter's
 * deviation from its (zero) position settles at the imbalance price like any other deviation.
 * A site that bid and was awarded nothing (its price was not met) has a position — zero — and
 * keeps to it: that is demand response, not a missed gate. A day-ahead position does not count:
 * it is financial here (docs/markets.md), the real-time position is the physical one, and without
 * a real-time bid that is zero whatever was bought the day before.
 *
 * Pure: reads the interval's bids and book, writes only `out`.
 */
import type { BusId } from '../../core/units.ts';
import type { MemberCurve } from '../../agents/types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { Crashes, Participant } from './participants.ts';
import type { OrderBook } from '../../market/types.ts';
import type { PartyBid } from './collectBids.ts';

export interface NoPositionInput {
  /** Per party: 1 when it sent a bid or a member's curve this interval (`BidCollection.placed`). */
  readonly placed: Uint8Array;
  /** The real-time book the gate closed: the bids that reached the market and passed its checks. */
  readonly book: OrderBook;
  /** Per aggregator (party index): the members' curves it received and accepted (after its gate). */
  readonly memberCurves: ReadonlyMap<number, readonly MemberCurve[]>;
  /** 1 for aggregator members, 2 for retail customers, 0 otherwise. */
  readonly routeOf: Uint8Array;
  /** A member's aggregator (party index); −1 otherwise. */
  readonly viaOf: Int32Array;
  /** Bus index of each agent; −1 for intermediaries. */
  readonly busOf: Int32Array;
  readonly buses: readonly BusId[];
}

/**
 * Writes into `out` (length = parties) 1 for each agent without a position this interval (see
 * above) and 0 for every other party; returns `out`. A retail customer always has one (it takes
 * its curve at its retail price; its retailer carries the difference), an intermediary has no
 * devices, and an agent that sent nothing (faulted, left out after a crash, unplugged) has nothing to
 * run on. A site whose bidding code crashed sent nothing either, yet its devices run:
 * `crashedOnOwnControl` adds those.
 */
export function partiesWithoutPosition(input: NoPositionInput, out: Uint8Array): Uint8Array {
  const { placed, book, memberCurves, routeOf, viaOf, busOf, buses } = input;
  out.fill(0);
  const inBook = new Uint8Array(placed.length);
  // The buses each intermediary's bids reached the book at (aggregators bid one bid per bus).
  const intermediaryBuses = new Map<number, Set<BusId>>();
  for (const bid of book.bids as readonly PartyBid[]) {
    inBook[bid.party] = 1;
    if (busOf[bid.party]! >= 0) continue;
    let at = intermediaryBuses.get(bid.party);
    if (!at) intermediaryBuses.set(bid.party, (at = new Set()));
    at.add(bid.bus);
  }
  const curveOf = new Uint8Array(placed.length);
  for (const list of memberCurves.values()) for (const c of list) curveOf[c.member] = 1;
  for (let i = 0; i < placed.length; i++) {
    if (!placed[i] || busOf[i]! < 0) continue;
    if (routeOf[i] === 0) out[i] = inBook[i] ? 0 : 1;
    else if (routeOf[i] === 1) out[i] = curveOf[i] && intermediaryBuses.get(viaOf[i]!)?.has(buses[busOf[i]!]!) ? 0 : 1;
  }
  return out;
}

/**
 * Sets `out[i]` for every site on its own control after its bidding code crashed (participants.ts
 * `Crashes`): it has no position for the rest of the run, whatever its route (a retail customer's
 * deviation is its retailer's, a member's its aggregator's, as for a missed gate). A pass over the
 * parties only while there is such a site: nothing at all in the common case.
 */
export function crashedOnOwnControl(crashes: Crashes, out: Uint8Array): void {
  if (crashes.ownControlCount === 0) return;
  const own = crashes.ownControl;
  const crashed = crashes.crashed;
  for (let i = 0; i < out.length; i++) if (own[i] === 1 && crashed[i] === 0) out[i] = 1;
}

/**
 * What each site without a position (`ownControl[i]`) will draw on its own control, kW in whole
 * quanta of `quantumKw` (`AgentRuntime.ownControlKw`, net; 0 for an agent without it), NaN for every
 * other party: the operators' planned schedule for those sites (engine/interval/commands.ts).
 * Undefined when no site is without a position (the common case: nothing is allocated). An agent
 * that throws here is left out (participants.ts `Crashes`), as in any other phase but bidding.
 */
export function ownControlPlan(parts: readonly Participant[], ownControl: Uint8Array, interval: MarketInterval, crashes: Crashes, quantumKw: number): Float64Array | undefined {
  let plan: Float64Array | undefined;
  for (let i = 0; i < ownControl.length; i++) {
    if (!ownControl[i] || crashes.crashed[i]) continue;
    const p = parts[i]!;
    if (p.role !== 'agent') continue;
    if (!plan) plan = new Float64Array(ownControl.length).fill(NaN);
    try {
      // Each rounded as the meter rounds it (meter.ts), so the plan is what the meter will read.
      const own = p.runtime.ownControlKw?.(interval);
      plan[i] = own ? (Math.round(own.consumedKw / quantumKw) - Math.round(own.generatedKw / quantumKw)) * quantumKw : 0;
    } catch (err) {
      crashes.crash(i, 'settle', err);
    }
  }
  return plan;
}

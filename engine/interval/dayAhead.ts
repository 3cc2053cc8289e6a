/**
 * The day-ahead stage of a run: at the gate of a delivery day, the agents that face the
 * market bid for every interval of the day, `clearDayAhead` clears them as one programme
 * (with the grid, when the scenario has one), and each party's day-ahead position and each
 * bus's day-ahead price are kept for the real-time intervals they deliver in.
 *
 * Who bids what (docs/markets.md, "Day-ahead in a run"):
 * - an agent with `dayAhead()` bids what it says: generators their available offer (and
 *   takes) per interval, storage one intertemporal `StorageBid` (agents/storage), an EV
 *   one `EvBid` per plug-in session in the day (agents/ev/dayAhead.ts);
 * - every other agent facing the market (homes, buildings) bids its **load forecast**
 *   as a price-taking buy at the cap in every interval: the standard residential profile
 *   (BDEW H25, agents/physics/loadProfile.ts) scaled to its declared annual consumption
 *   (3500 kWh/a when it declares none) — how suppliers forecast small customers. What it
 *   really does (weather, clouds on its PV, appliances, commands) is its real-time
 *   deviation: its forecast error;
 * - aggregators, retailers and their members stay out of the day-ahead stage: they buy
 *   everything in real time (day-ahead position 0);
 * - crashed agents bid nothing.
 *
 * Every party pays q_DA·p_DA + (q_RT − q_DA)·p_RT (+ its imbalance), where q_RT is its
 * real-time position. In real time every party bids its full curve, except agents that
 * operate to their schedule: after the clearing, an agent with `dayAheadAwarded` (storage,
 * EVs) is handed its own schedule, and its real-time bid realises it (agents/storage,
 * agents/ev `followEvSchedule`).
 */
import { annualKwhToMeanKw, dayTypeOf, residentialShapeFactor } from '../../agents/physics/loadProfile.ts';
import { localHourOfDay } from '../../agents/physics/localTime.ts';
import type { DayAheadIntertemporal } from '../../agents/types.ts';
import type { SimTime } from '../../core/time.ts';
import type { BusId } from '../../core/units.ts';
import { agentId } from '../../core/units.ts';
import { clearDayAhead } from '../../market/dayAhead/clear.ts';
import type { DayAheadResult, IntertemporalBid } from '../../market/dayAhead/types.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { settle } from '../../market/settlement.ts';
import type { MarketRules, Rejection } from '../../market/types.ts';
import type { Network } from '../../network/types.ts';
import type { MarketInterval } from '../clock.ts';
import type { DayAheadInInterval } from './books.ts';
import type { PartyBid } from './collectBids.ts';
import { type IntervalLedger, ticksOf } from './ledger.ts';
import type { Crashes, Participant } from './participants.ts';

/** The day-ahead stage as it applies to one delivery interval, with every party's position. */
export interface DayAheadPosition extends DayAheadInInterval {
  /** Per party (scenario order): day-ahead net position, quanta (+ withdrawal). */
  readonly partyQuanta: Float64Array;
}

export interface DayAheadAuctionOutcome {
  /** One per delivery interval, in order; empty when the clearing failed. */
  readonly positions: ReadonlyMap<number, DayAheadPosition>;
  readonly rejections: readonly Rejection[];
  readonly result: DayAheadResult;
}

export interface DayAheadContext {
  readonly parts: readonly Participant[];
  readonly crashes: Crashes;
  readonly rules: MarketRules;
  readonly buses: readonly BusId[];
  /** Bus index of each party (−1 for intermediaries). */
  readonly busOf: Int32Array;
  readonly network: Network | undefined;
  readonly solver: LpSolver;
  readonly utcOffsetHours: number;
}

/** What a customer who declares nothing is taken to use (a typical European household, kWh/a). */
const DEFAULT_DECLARED_KWH = 3500;

/** Collects the day-ahead bids of `intervals` (one delivery day), clears them and reads back positions. */
export function runDayAheadAuction(ctx: DayAheadContext, intervals: readonly MarketInterval[]): DayAheadAuctionOutcome {
  const { parts, crashes, rules } = ctx;
  const bids: PartyBid[] = [];
  const intertemporal: IntertemporalBid[] = [];
  const rejections: Rejection[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.role !== 'agent' || p.route.type !== 'market' || crashes.crashed[i]) continue;
    const a = p.runtime;
    try {
      if (a.dayAhead) {
        const offer = a.dayAhead(intervals);
        for (const c of offer.curves ?? []) if (c.segments.length > 0) bids.push({ id: `${a.id}@da${c.interval}`, agentId: a.id, bus: a.bus, interval: c.interval, segments: c.segments, party: i });
        const own = offer.intertemporal === undefined ? [] : Array.isArray(offer.intertemporal) ? offer.intertemporal : [offer.intertemporal];
        // Several bids of one agent (an EV's sessions) are told apart by number; their schedules add up to its position.
        own.forEach((bid: DayAheadIntertemporal, n: number) =>
          intertemporal.push({ ...bid, id: n === 0 ? `${a.id}@da` : `${a.id}@da${n + 1}`, agentId: agentId(a.id), bus: a.bus } as IntertemporalBid),
        );
      } else {
        const meanKw: number = annualKwhToMeanKw(a.declaredAnnualKwh ?? DEFAULT_DECLARED_KWH);
        for (const iv of intervals) {
          const mid = ((iv.start + iv.end) / 2) as SimTime;
          const kw = meanKw * residentialShapeFactor(localHourOfDay(mid, ctx.utcOffsetHours), dayTypeOf(mid, ctx.utcOffsetHours));
          if (kw > 0) bids.push({ id: `${a.id}@da${iv.index}`, agentId: a.id, bus: a.bus, interval: iv.index, segments: [{ side: 'buy', priceMwh: rules.priceCapMwh, quantityKw: kw }], party: i });
        }
      }
    } catch (err) {
      crashes.crash(i, 'bid', err);
    }
  }
  const first = intervals[0]!;
  const result = clearDayAhead(
    { horizon: { firstInterval: first.index, intervalCount: intervals.length, durationH: first.durationH }, rules, bids, intertemporalBids: intertemporal },
    { network: ctx.network, buses: ctx.buses, solver: ctx.solver, trustedIdentities: true },
  );
  rejections.push(...result.rejections);
  const positions = new Map<number, DayAheadPosition>();
  if (result.status !== 'cleared') return { positions, rejections, result };

  const partyOf = new Map<string, number>();
  parts.forEach((p, i) => partyOf.set(p.runtime.id, i));
  const nBus = ctx.buses.length;
  result.intervals.forEach((r, t) => {
    const partyQuanta = new Float64Array(parts.length);
    const busNetQuanta = new Float64Array(nBus);
    const s = settle(r.book, r);
    for (let b = 0; b < r.book.bids.length; b++) {
      const bid = r.book.bids[b] as PartyBid;
      const net = s.buyQuanta[b]! - s.sellQuanta[b]!;
      partyQuanta[bid.party]! += net;
      busNetQuanta[ctx.busOf[bid.party]!]! += net;
    }
    for (const sch of result.schedules) {
      const i = partyOf.get(sch.agentId)!;
      partyQuanta[i]! += sch.netQuanta[t]!;
      busNetQuanta[ctx.busOf[i]!]! += sch.netQuanta[t]!;
    }
    positions.set(first.index + t, { busPriceMwh: r.busPriceMwh, busNetQuanta, partyQuanta });
  });
  handSchedules(ctx, result, partyOf, first.index);
  return { positions, rejections, result };
}

/**
 * Hands each agent that operates to its day-ahead schedule (`dayAheadAwarded`) its own
 * schedule: net kW per delivery interval index, its intertemporal bids' schedules summed.
 * An agent that throws is crashed like one whose bid throws.
 */
function handSchedules(ctx: DayAheadContext, result: DayAheadResult, partyOf: ReadonlyMap<string, number>, firstIndex: number): void {
  const own = new Map<number, Map<number, number>>();
  for (const sch of result.schedules) {
    const i = partyOf.get(sch.agentId)!;
    const p = ctx.parts[i]!;
    if (p.role !== 'agent' || !p.runtime.dayAheadAwarded) continue;
    let m = own.get(i);
    if (!m) own.set(i, (m = new Map()));
    sch.netKw.forEach((kw, t) => m.set(firstIndex + t, (m.get(firstIndex + t) ?? 0) + kw));
  }
  for (const [i, schedule] of own) {
    const p = ctx.parts[i]!;
    if (p.role !== 'agent' || ctx.crashes.crashed[i]) continue;
    try {
      p.runtime.dayAheadAwarded!(schedule);
    } catch (err) {
      ctx.crashes.crash(i, 'bid', err);
    }
  }
}

/**
 * Writes the day-ahead stage into the interval's ledger, after the real-time positions:
 * every agent's day-ahead position, its bus's day-ahead price and payment q_DA·p_DA, and
 * its real-time payment turned into the difference (q_RT − q_DA)·p_RT.
 */
export function applyDayAhead(ledger: IntervalLedger, da: DayAheadPosition, busOf: Int32Array, rtBusPriceMwh: Float64Array, tickMwh: number): void {
  for (let i = 0; i < busOf.length; i++) {
    const k = busOf[i]!;
    if (k < 0) continue;
    const q = da.partyQuanta[i]!;
    ledger.daPriceMwh[i] = da.busPriceMwh[k]!;
    if (q === 0) continue;
    ledger.daQuanta[i] = q;
    ledger.daUnits[i] = q * ticksOf(da.busPriceMwh[k]!, tickMwh);
    ledger.rtUnits[i]! -= q * ticksOf(rtBusPriceMwh[k]!, tickMwh);
  }
}

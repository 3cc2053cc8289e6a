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
 * - an **aggregator** bids its portfolio under its own name: its members' day-ahead curves
 *   (their load forecasts as above, a generator member's offer) aggregated truthfully per
 *   bus and interval (`AggregatorRuntime.dayAhead`), and its members' intertemporal bids
 *   (storage, EVs) as they are, under its name; after the clearing it splits each bus award
 *   among the members with the split it uses in real time (`allocate`, agents/aggregator/
 *   split.ts: fee-free — fees are charged on the real-time shares), and each member's own
 *   intertemporal schedule is its share of those;
 * - a **retailer** bids its customers' forecast net load at each bus, the forecast it bids in real
 *   time, made at the gate (`RetailerRuntime.dayAhead`): an import at the cap, a net export at
 *   its `exportOfferMwh` (default 0); its customers bid nothing;
 * - crashed agents bid nothing (nor do the members of a crashed aggregator).
 *
 * Every party pays q_DA·p_DA + (q_RT − q_DA)·p_RT (+ its imbalance), where q_RT is its
 * real-time position. In real time every party bids its full curve, except agents that
 * operate to their schedule: after the clearing, an agent with `dayAheadAwarded` (storage,
 * EVs) is handed its own schedule, and its real-time bid realises it (agents/storage,
 * agents/ev `followEvSchedule`).
 */
import type { SiteZone } from '../../core/siteZone.ts';
import { appendAll } from '../../core/arrays.ts';
import { annualKwhToMeanKw, dayTypeOf, residentialShapeFactor } from '../../agents/physics/loadProfile.ts';
import { localHourOfDay } from '../../agents/physics/localTime.ts';
import type { Holidays } from '../../core/calendar.ts';
import type { CustomerBook } from '../../agents/retailer/index.ts';
import type { AggregatorBusAward, BusBid, DayAheadIntertemporal, MemberCurve } from '../../agents/types.ts';
import type { SimTime } from '../../core/time.ts';
import type { BusId } from '../../core/units.ts';
import { agentId } from '../../core/units.ts';
import { clearDayAhead } from '../../market/dayAhead/clear.ts';
import type { DayAheadResult, IntertemporalBid } from '../../market/dayAhead/types.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { settle } from '../../market/settlement.ts';
import type { BidSegment, MarketRules, Rejection } from '../../market/types.ts';
import type { Network } from '../../network/types.ts';
import type { MarketView } from '../../strategies/types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { DayAheadInInterval } from './books.ts';
import type { PartyBid } from './collectBids.ts';
import { type IntervalLedger, ticksOf } from './ledger.ts';
import type { Crashes, Participant } from './participants.ts';

/** An intermediary's day-ahead position at one bus in one interval. */
export interface DayAheadBusPosition {
  readonly party: number;
  readonly busIndex: number;
  /** Its net position there (simple bids and its members' schedules), quanta (+ withdrawal). */
  quanta: number;
  /** For an aggregator: Σ of its members' day-ahead shares there (split awards and own schedules), quanta. */
  sharedQuanta: number;
}

/** The day-ahead stage as it applies to one delivery interval, with every party's position. */
export interface DayAheadPosition extends DayAheadInInterval {
  /** Per party (scenario order): day-ahead net position, quanta (+ withdrawal); an aggregator member's is its share, an intermediary's the sum over its buses. */
  readonly partyQuanta: Float64Array;
  /** Aggregators' and retailers' positions per bus. */
  readonly intermediaries: readonly DayAheadBusPosition[];
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
  readonly network: Network | undefined;
  readonly solver: LpSolver;
  readonly zone: SiteZone;
  /** The site's holidays (`Environment.holidays`): Sunday shapes in the retail forecast. */
  readonly holidays: Holidays;
  /** The public view of the first delivery interval at a bus, as known at the gate (its price forecast), for strategies that value the day (`mpc`). */
  readonly marketView?: ((bus: BusId) => MarketView) | undefined;
  /** What a retailer knows of its customers at each bus in delivery interval `k` (its forecast's input); none when there is no retailer. */
  readonly customerBooks?: ((retailer: number, k: number) => CustomerBook[]) | undefined;
  /**
   * On a communication plane: takes each agent's own schedule instead of handing it over now;
   * the plane carries it, and the agent gets it when it arrives (engine/interval/comms.ts
   * `dayAheadResults`). Absent with `comms: ideal`: handed over at the gate.
   */
  readonly holdSchedule?: ((party: number, schedule: ReadonlyMap<number, number>) => void) | undefined;
}

/** What a customer who declares nothing is taken to use (a typical European household, kWh/a). */
const DEFAULT_DECLARED_KWH = 3500;

/** Collects the day-ahead bids of `intervals` (one delivery day), clears them and reads back positions. */
export function runDayAheadAuction(ctx: DayAheadContext, intervals: readonly MarketInterval[]): DayAheadAuctionOutcome {
  const { parts, crashes, rules } = ctx;
  const bids: PartyBid[] = [];
  const intertemporal: IntertemporalBid[] = [];
  const rejections: Rejection[] = [];
  // Members' curves per aggregator and delivery interval; the party each intertemporal bid is for.
  const memberCurves = new Map<number, Map<number, MemberCurve[]>>();
  const ownerOfBid = new Map<string, number>();
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.role !== 'agent' || p.route.type === 'customer' || crashes.isolated[i]) continue;
    const aggregator = p.route.type === 'member' ? p.route.aggregator : -1;
    if (aggregator >= 0 && crashes.crashed[aggregator]) continue;
    const a = p.runtime;
    const curve = (interval: number, segments: readonly BidSegment[]): void => {
      if (segments.length === 0) return;
      if (aggregator < 0) {
        bids.push({ id: `${a.id}@da${interval}`, agentId: a.id, bus: a.bus, interval, segments, party: i });
        return;
      }
      let byInterval = memberCurves.get(aggregator);
      if (!byInterval) memberCurves.set(aggregator, (byInterval = new Map()));
      let list = byInterval.get(interval);
      if (!list) byInterval.set(interval, (list = []));
      list.push({ member: i, memberId: a.id, bus: a.bus, segments });
    };
    try {
      if (a.dayAhead) {
        const offer = a.dayAhead(intervals, ctx.marketView?.(a.bus));
        for (const c of offer.curves ?? []) curve(c.interval, c.segments);
        const own = offer.intertemporal === undefined ? [] : Array.isArray(offer.intertemporal) ? offer.intertemporal : [offer.intertemporal];
        // Several bids of one agent (an EV's sessions) are told apart by number; their schedules add up to its position.
        // A member's go in under its aggregator's name.
        own.forEach((bid: DayAheadIntertemporal, n: number) => {
          const id = n === 0 ? `${a.id}@da` : `${a.id}@da${n + 1}`;
          ownerOfBid.set(id, i);
          intertemporal.push({ ...bid, id, agentId: agentId(aggregator < 0 ? a.id : parts[aggregator]!.runtime.id), bus: a.bus } as IntertemporalBid);
        });
      } else {
        const meanKw: number = annualKwhToMeanKw(a.declaredAnnualKwh ?? DEFAULT_DECLARED_KWH);
        for (const iv of intervals) {
          const mid = ((iv.start + iv.end) / 2) as SimTime;
          const kw = meanKw * residentialShapeFactor(localHourOfDay(mid, ctx.zone), dayTypeOf(mid, ctx.zone, ctx.holidays));
          if (kw > 0) curve(iv.index, [{ side: 'buy', priceMwh: rules.priceCapMwh, quantityKw: kw }]);
        }
      }
    } catch (err) {
      crashes.crash(i, 'bid', err);
    }
  }
  // The intermediaries: aggregators bid their portfolios, retailers their customers' forecast, one bid per bus and interval.
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.role === 'agent' || crashes.crashed[i]) continue;
    const id = p.runtime.id;
    const place = (interval: number, busBids: readonly BusBid[]): void => {
      for (const b of busBids) if (b.segments.length > 0) bids.push({ id: `${id}@${b.bus}@da${interval}`, agentId: id, bus: b.bus, interval, segments: b.segments, party: i });
    };
    try {
      if (p.role === 'aggregator') for (const iv of intervals) place(iv.index, p.runtime.dayAhead(memberCurves.get(i)?.get(iv.index) ?? [], rules));
      else for (const x of p.runtime.dayAhead(intervals, (k) => ctx.customerBooks?.(i, k) ?? [], rules)) place(x.interval, x.bids);
    } catch (err) {
      crashes.crash(i, 'bid', err);
    }
  }
  const first = intervals[0]!;
  const result = clearDayAhead(
    { horizon: { firstInterval: first.index, intervalCount: intervals.length, durationH: first.durationH }, rules, bids, intertemporalBids: intertemporal },
    { network: ctx.network, buses: ctx.buses, solver: ctx.solver, trustedIdentities: true },
  );
  appendAll(rejections, result.rejections);
  const positions = new Map<number, DayAheadPosition>();
  if (result.status !== 'cleared') return { positions, rejections, result };

  const nBus = ctx.buses.length;
  const busIndex = new Map(ctx.buses.map((b, k) => [b as string, k]));
  const aggregatorOf = (i: number): number => {
    const p = parts[i]!;
    return p.role === 'agent' && p.route.type === 'member' ? p.route.aggregator : -1;
  };
  result.intervals.forEach((r, t) => {
    const iv = intervals[t]!;
    const partyQuanta = new Float64Array(parts.length);
    const busNetQuanta = new Float64Array(nBus);
    const held = new Map<number, DayAheadBusPosition>(); // key party × nBus + bus
    const hold = (party: number, k: number): DayAheadBusPosition => {
      let h = held.get(party * nBus + k);
      if (!h) held.set(party * nBus + k, (h = { party, busIndex: k, quanta: 0, sharedQuanta: 0 }));
      return h;
    };
    const awards = new Map<number, AggregatorBusAward[]>();
    const s = settle(r.book, r);
    for (let b = 0; b < r.book.bids.length; b++) {
      const bid = r.book.bids[b] as PartyBid;
      const net = s.buyQuanta[b]! - s.sellQuanta[b]!;
      const k = busIndex.get(bid.bus)!;
      partyQuanta[bid.party]! += net;
      busNetQuanta[k]! += net;
      const p = parts[bid.party]!;
      if (p.role === 'agent') continue;
      hold(bid.party, k).quanta += net;
      if (p.role === 'aggregator') {
        let list = awards.get(bid.party);
        if (!list) awards.set(bid.party, (list = []));
        list.push({ bus: bid.bus, buyQuanta: s.buyQuanta[b]!, sellQuanta: s.sellQuanta[b]!, priceMwh: r.busPriceMwh[k]! });
      }
    }
    for (const sch of result.schedules) {
      const i = ownerOfBid.get(sch.bidId)!;
      const net = sch.netQuanta[t]!;
      const k = busIndex.get(sch.bus)!;
      partyQuanta[i]! += net;
      busNetQuanta[k]! += net;
      const a = aggregatorOf(i);
      if (a < 0) continue;
      const h = hold(a, k);
      h.quanta += net;
      h.sharedQuanta += net;
      partyQuanta[a]! += net;
    }
    // Each aggregator splits its awards among its members as in real time (fee-free here).
    for (const [a, list] of awards) {
      const p = parts[a]!;
      if (p.role !== 'aggregator') continue;
      try {
        for (const sh of p.runtime.allocate(iv, memberCurves.get(a)?.get(iv.index) ?? [], list, rules)) {
          partyQuanta[sh.member]! += sh.buyQuanta - sh.sellQuanta;
          hold(a, busIndex.get(sh.bus)!).sharedQuanta += sh.buyQuanta - sh.sellQuanta;
        }
      } catch (err) {
        crashes.crash(a, 'settle', err);
      }
    }
    positions.set(first.index + t, { busPriceMwh: r.busPriceMwh, busNetQuanta, partyQuanta, intermediaries: [...held.values()] });
  });
  handSchedules(ctx, result, ownerOfBid, first.index);
  return { positions, rejections, result };
}

/**
 * Hands each agent that operates to its day-ahead schedule (`dayAheadAwarded`) its own
 * schedule: net kW per delivery interval index, its intertemporal bids' schedules summed.
 * An agent that throws is crashed like one whose bid throws.
 */
function handSchedules(ctx: DayAheadContext, result: DayAheadResult, ownerOfBid: ReadonlyMap<string, number>, firstIndex: number): void {
  const own = new Map<number, Map<number, number>>();
  for (const sch of result.schedules) {
    const i = ownerOfBid.get(sch.bidId)!;
    const p = ctx.parts[i]!;
    if (p.role !== 'agent' || !p.runtime.dayAheadAwarded) continue;
    let m = own.get(i);
    if (!m) own.set(i, (m = new Map()));
    sch.netKw.forEach((kw, t) => m.set(firstIndex + t, (m.get(firstIndex + t) ?? 0) + kw));
  }
  for (const [i, schedule] of own) {
    const p = ctx.parts[i]!;
    if (p.role !== 'agent' || ctx.crashes.isolated[i]) continue;
    if (ctx.holdSchedule) ctx.holdSchedule(i, schedule);
    else handSchedule(ctx.parts, ctx.crashes, i, schedule);
  }
}

/** Hands agent `i` its day-ahead schedule (net kW per interval index); an agent that throws is crashed like one whose bid throws. */
export function handSchedule(parts: readonly Participant[], crashes: Crashes, i: number, schedule: ReadonlyMap<number, number>): void {
  const p = parts[i]!;
  if (p.role !== 'agent' || crashes.isolated[i] || !p.runtime.dayAheadAwarded) return;
  try {
    p.runtime.dayAheadAwarded(schedule);
  } catch (err) {
    crashes.crash(i, 'bid', err);
  }
}

/**
 * Writes the day-ahead stage into the interval's ledger, after the real-time positions:
 * every agent's day-ahead position, its bus's day-ahead price and payment q_DA·p_DA, and
 * its real-time payment turned into the difference (q_RT − q_DA)·p_RT.
 */
export function applyDayAhead(ledger: IntervalLedger, da: DayAheadPosition, busOf: Int32Array, buses: readonly BusId[], rtBusPriceMwh: Float64Array, tickMwh: number): void {
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
  // Intermediaries, bus by bus (their rows sum their buses).
  for (const h of da.intermediaries) {
    const k = h.busIndex;
    const pos = ledger.busPosition(h.party, buses[k]!, k);
    const daUnits = h.quanta * ticksOf(da.busPriceMwh[k]!, tickMwh);
    const rtBack = h.quanta * ticksOf(rtBusPriceMwh[k]!, tickMwh);
    pos.daQuanta = h.quanta;
    pos.daSharedQuanta = h.sharedQuanta;
    pos.daUnits = daUnits;
    pos.rtUnits -= rtBack;
    ledger.daQuanta[h.party]! += h.quanta;
    ledger.daUnits[h.party]! += daUnits;
    ledger.rtUnits[h.party]! -= rtBack;
  }
}

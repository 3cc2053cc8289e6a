/**
 * The simulation loop: one virtual clock drives every market interval.
 *
 *   clock$ ──► agents bid (strategies, frozen views) ──┬─► market submissions ──┐
 *                     members' curves ─► aggregators ──┤                        │
 *                     customers' curves (retail price) │  retailers' forecasts ─┤
 *                                                      ▼                        ▼
 *   gateClosure (RxJS) ─► order book (validation) ─► clear (pure) ─► settle (exact)
 *   ─► awards: market agents directly; members by their aggregator's split; customers
 *      by their curve at the retail price ─► one lifecycle event per agent on change ─► sink
 *
 * Everything runs synchronously in virtual time. Agents are isolated: an agent
 * whose strategy or machine throws is reported, marked crashed and skipped; the
 * run goes on.
 */
import { Subject } from 'rxjs';
import type { AgentObservation, AgentRuntime, AggregatorRuntime, BusAward, MemberCurve } from '../agents/types.ts';
import { agentKind } from '../agents/registry.ts';
import type { RetailerRuntime } from '../agents/retailer/index.ts';
import { memberFee } from '../agents/aggregator/contract.ts';
import { RandomService, type Rng } from '../core/rng.ts';
import { type Money, money, ZERO } from '../core/money.ts';
import { type SimTime, minutesToMs, MS_PER_DAY, parseSimTime, simTime } from '../core/time.ts';
import { timeOf } from './faults.ts';
import { type AgentId, type BusId, busId } from '../core/units.ts';
import { splitAward } from '../market/aggregate.ts';
import { clear, type Grid } from '../market/clear.ts';
import { loadHighsSolver } from '../market/lp/highs.ts';
import { jslpSolver } from '../market/lp/jslp.ts';
import type { LpSolver } from '../market/lp/solver.ts';
import { feederGrid } from '../market/feederGrid.ts';
import { networkFromConfig } from '../network/schema.ts';
import { TopologyCache } from '../network/topology.ts';
import { gateClosure, type GateInput, type GateOutput } from '../market/gate.ts';
import { OrderBookBuilder } from '../market/orderBook.ts';
import { settle, type Settlement } from '../market/settlement.ts';
import type { Bid, BidSegment, ClearingResult, MarketRules, OrderBook, Rejection } from '../market/types.ts';
import { strategyNeedsLpSolver } from '../strategies/registry.ts';
import type { MarketView } from '../strategies/types.ts';
import { type ClockSpec, intervalAt, type MarketInterval, marketClock } from './clock.ts';
import { Environment } from './environment.ts';
import { PriceForecaster } from './forecast.ts';
import { type CustomerSpec, RetailDesk } from './retail.ts';
import type { Scenario } from './scenario/load.ts';
import { loadStrategyModules } from './strategyModules.ts';
import { type Counterfactual, GridRoom, type GridEvent } from './gridRoom.ts';

/** The single bus of a scenario without a network. */
export const DEFAULT_BUS = busId('main');

export interface AgentFault {
  readonly agentId: string;
  readonly kind: string;
  readonly at: SimTime;
  /**
   * Where it failed: while bidding, answering an operator's command or taking its award (the
   * agent is isolated for the rest of the run), or in its strategy (the agent bid its kind's
   * default for that interval).
   */
  readonly phase: 'bid' | 'command' | 'settle' | 'strategy';
  readonly message: string;
}

/** Who a row of the outputs is: an agent, or an intermediary trading for others (bus ''). */
export interface Party {
  readonly id: AgentId;
  readonly kind: string;
  readonly bus: BusId;
  readonly role: 'agent' | 'aggregator' | 'retailer';
}

/** Everything that happened in one interval, handed to the sink. */
export interface IntervalOutcome {
  readonly interval: MarketInterval;
  readonly book: OrderBook;
  readonly result: ClearingResult;
  readonly settlement: Settlement;
  readonly rejections: readonly Rejection[];
  readonly faults: readonly AgentFault[];
  /** Every agent and intermediary, in scenario order; the arrays below follow it. */
  readonly parties: readonly Party[];
  /**
   * Cleared buy and sell, in quanta of `book.rules.quantumKw`: for an agent what it consumed and injected (its market award,
   * its share of its aggregator's, or what it took at its retail price); for an
   * intermediary its net position in the market.
   */
  readonly buyQuanta: Float64Array;
  readonly sellQuanta: Float64Array;
  /** The price the party faced, currency/MWh (its bus price, or its retail price); NaN for none. */
  readonly priceMwh: Float64Array;
  /** What each party paid (+) or received (−): `settlement.unit` × costUnits + costExtra. */
  readonly costUnits: Float64Array;
  readonly costExtra: ReadonlyArray<Money | undefined>;
  /** Per party: true once it has crashed (it no longer takes part). */
  readonly crashed: Uint8Array;
  /** Per party, its state after the award (read once, shared by every consumer of the outcome). */
  readonly observations: readonly AgentObservation[];
  /** Per aggregator: market payment, members' payments and fee income this interval (exact). */
  readonly aggregators: ReadonlyArray<{ readonly id: string; readonly marketPayment: Money; readonly memberPayments: Money; readonly feeIncome: Money }>;
  /** Operator commands and responses, agents' reports, faults: the rows of events.csv. */
  readonly events: readonly GridEvent[];
  /** Per retailer: customers' energy charges, market cost, balancing cost and imbalance (kWh; + short). */
  readonly retailers: ReadonlyArray<{ readonly id: string; readonly revenue: Money; readonly marketCost: Money; readonly balancingCost: Money; readonly imbalanceKwh: number }>;
}

export interface SimulationSink {
  interval(outcome: IntervalOutcome): void;
  /** Called once after the last interval, with the retail desk (bills, tariff switches) and the operators' figures. */
  completed?(end: { readonly desk: RetailDesk | undefined; readonly parties: readonly Party[]; readonly operations: Record<string, unknown> }): void;
}

export interface RunInfo {
  readonly name: string;
  readonly seed: number;
  readonly start: SimTime;
  readonly intervals: number;
  readonly intervalMinutes: number;
  readonly buses: readonly BusId[];
  readonly agentCount: number;
}

const CRASHED: AgentObservation = Object.freeze({ state: 'crashed', baselineKw: 0, unservedKwh: 0 });

type Route = { readonly type: 'market' } | { readonly type: 'member'; readonly aggregator: number } | { readonly type: 'customer' };

type Participant =
  | {
      readonly role: 'agent';
      readonly runtime: AgentRuntime;
      readonly route: Route;
      readonly latency: { readonly min: number; readonly max: number; readonly rng: Rng } | undefined;
    }
  | { readonly role: 'aggregator'; readonly runtime: AggregatorRuntime }
  | { readonly role: 'retailer'; readonly runtime: RetailerRuntime };

const NO_BUS = busId('');

/** A bid as the simulation builds it: with the index of the party that placed it (no lookup by id after clearing). */
type PartyBid = Bid & { readonly party: number };

export interface SimulationOptions {
  readonly seed?: number | undefined;
  /** Run without the scenario's operators (the counterfactual of an operations study). */
  readonly withoutOperators?: boolean;
  /** Net consumption of every party in the same run without operators, for baselines and comparisons. */
  readonly counterfactual?: Counterfactual | undefined;
  /** Cleared prices of an earlier pass of this run, per bus (`info.buses` order) and interval: the `perfect-foresight` forecast (engine/run.ts). */
  readonly foresightPrices?: readonly Float64Array[] | undefined;
}

export class Simulation {
  /** Builds the grid (and loads the LP solver, asynchronously) when the scenario has a network. */
  static async create(input: Scenario, options: SimulationOptions = {}): Promise<Simulation> {
    const scenario = await loadStrategyModules(input);
    const cfg = scenario.config;
    let grid: Grid | undefined;
    const agentKinds = new Map<string, string>(); // filled once the agents exist: reactive power by kind on feeders
    if (cfg.network) {
      const network = networkFromConfig(cfg.network);
      const needsLp = network.buses.length > 1 && cfg.market.mechanism !== 'double-auction';
      const solver = needsLp && cfg.market.solver === 'highs' ? await loadHighsSolver() : jslpSolver;
      grid = { network, solver, topologies: new TopologyCache(), ...(cfg.network.model === 'lindistflow' ? { feeder: feederGrid(cfg.network, agentKinds) } : {}) };
    }
    // Strategies are created synchronously, and HiGHS loads asynchronously: load it here for those that plan with LPs (mpc).
    const strategyLp = cfg.agents.some((g) => 'strategy' in g && strategyNeedsLpSolver(g.strategy)) ? await loadHighsSolver() : undefined;
    const sim = new Simulation(scenario, options, grid, strategyLp);
    for (const p of sim.parties) agentKinds.set(p.id, p.kind);
    return sim;
  }

  readonly info: RunInfo;
  readonly rules: MarketRules;
  readonly environment: Environment;
  readonly parties: readonly Party[];
  private readonly clock: ClockSpec;
  private readonly participants: Participant[];
  private readonly marketIds: Set<string>;
  private readonly desk: RetailDesk | undefined;
  readonly room: GridRoom;
  /** Strategy faults reported during the current interval (drained into its outcome). */
  private strategyFaults: AgentFault[] = [];
  private readonly kindOf = new Map<string, string>();
  private now: SimTime;

  private readonly foresight: readonly Float64Array[] | undefined;

  private constructor(
    readonly scenario: Scenario,
    options: SimulationOptions,
    readonly grid: Grid | undefined,
    strategyLp?: LpSolver,
  ) {
    this.foresight = options.foresightPrices;
    const cfg = scenario.config;
    const seed = options.seed ?? cfg.seed;
    const random = new RandomService(seed);
    const start = parseSimTime(cfg.start)!;
    this.now = start;
    this.clock = {
      start,
      intervalMinutes: cfg.intervalMinutes,
      intervals: Math.round((cfg.days * MS_PER_DAY) / minutesToMs(cfg.intervalMinutes)),
      gateClosureMinutes: cfg.market.gateClosureMinutes,
    };
    const m = cfg.market;
    this.rules = Object.freeze({
      priceCapMwh: m.priceCapMwh,
      priceFloorMwh: m.priceFloorMwh,
      priceTickMwh: m.priceTickMwh,
      quantumKw: m.quantumKw,
      priceRule: m.priceRule,
      pricing: m.pricing,
    });
    this.environment = new Environment(cfg.site, cfg.weather, random);
    // Agents without a bus sit at the grid connection: the reference bus of the network, or the one bus.
    const defaultBus = grid ? grid.network.referenceBus : DEFAULT_BUS;
    const reportStrategyFault = (agentId: string, strategyId: string, message: string): void => {
      this.strategyFaults.push({ agentId, kind: this.kindOf.get(agentId) ?? '', at: this.now, phase: 'strategy', message: `strategy '${strategyId}' ${message}` });
    };
    const env = { random, site: cfg.site, environment: this.environment, clock: this.clock, defaultBus, reportStrategyFault, lpSolver: strategyLp };
    const buses = grid ? grid.network.buses.map((b) => b.id) : [DEFAULT_BUS];

    // Every party in scenario order; members find their aggregator by id once all are placed.
    this.participants = [];
    const customerSpecs: CustomerSpec[] = [];
    const memberOf: Array<[number, string]> = [];
    for (const group of cfg.agents) {
      const kind = agentKind(group.kind);
      if (kind.role === 'aggregator') {
        this.participants.push({ role: 'aggregator', runtime: kind.create(group, env) });
        continue;
      }
      if (kind.role === 'retailer') {
        this.participants.push({ role: 'retailer', runtime: kind.create(group, env) });
        continue;
      }
      const g = group as { aggregator?: string; retailer?: string; tariff?: string; tariffChoice?: { rationality: number; inertia: number }; commsLatencyMinutes?: { min: number; max: number } };
      for (const runtime of kind.create(group, env)) {
        const i = this.participants.length;
        if (g.aggregator) memberOf.push([i, g.aggregator]);
        if (g.retailer) {
          customerSpecs.push({
            party: i,
            bus: runtime.bus,
            busIndex: buses.indexOf(runtime.bus),
            tariffId: g.tariff!,
            choice: g.tariffChoice && { ...g.tariffChoice, rng: random.stream(runtime.id, 'tariff-choice') },
          });
        }
        const l = g.commsLatencyMinutes;
        this.participants.push({
          role: 'agent',
          runtime,
          route: g.retailer ? { type: 'customer' } : { type: 'market' },
          latency: l && { ...l, rng: random.stream(runtime.id, 'comms-latency') },
        });
      }
    }
    const indexById = new Map(this.participants.map((p, i) => [p.runtime.id as string, i]));
    for (const p of this.participants) this.kindOf.set(p.runtime.id, p.runtime.kind);
    for (const [i, aggregator] of memberOf) {
      const p = this.participants[i] as Extract<Participant, { role: 'agent' }>;
      this.participants[i] = { ...p, route: { type: 'member', aggregator: indexById.get(aggregator)! } };
    }
    this.parties = this.participants.map((p) => ({ id: p.runtime.id, kind: p.runtime.kind, bus: p.role === 'agent' ? p.runtime.bus : NO_BUS, role: p.role }));
    this.marketIds = new Set(this.participants.filter((p) => p.role !== 'agent' || p.route.type === 'market').map((p) => p.runtime.id));
    if (customerSpecs.length > 0) {
      const retailerOf = new Map<string, number>();
      this.participants.forEach((p, i) => {
        if (p.role === 'retailer') for (const t of p.runtime.tariffIds) if (!retailerOf.has(t)) retailerOf.set(t, i);
      });
      this.desk = new RetailDesk(cfg.tariffs, retailerOf, customerSpecs, buses.length, this.clock, this.rules);
    }
    const roomParties = this.participants.map((p) => ({
      id: p.runtime.id as string,
      kind: p.runtime.kind,
      busIndex: p.role === 'agent' ? buses.indexOf(p.runtime.bus) : -1,
      responder: p.role === 'agent' ? p.runtime.responder : undefined,
    }));
    this.room = new GridRoom(
      grid,
      options.withoutOperators ? [] : cfg.operations,
      cfg.faults,
      roomParties,
      this.clock.intervals,
      Math.round((24 * 60) / cfg.intervalMinutes),
      random,
      options.counterfactual,
      grid?.feeder ? { limits: grid.feeder.limits, ...selfHealingOf(options.withoutOperators ? [] : cfg.operations) } : undefined,
    );
    this.info = {
      name: cfg.name,
      seed,
      start,
      intervals: this.clock.intervals,
      intervalMinutes: cfg.intervalMinutes,
      buses,
      agentCount: this.participants.length,
    };
  }
  /** Runs the whole horizon synchronously, handing each interval's outcome to the sink. */
  run(sink: SimulationSink): void {
    const parts = this.participants;
    const n = parts.length;
    const rules = this.rules;
    const q = rules.quantumKw;
    const desk = this.desk;
    const crashed = new Uint8Array(n);
    const indexOf = new Map(parts.map((p, i) => [p.runtime.id as string, i]));
    const busIndex = new Map(this.info.buses.map((b, k) => [b, k]));
    const partyBus = Int32Array.from(this.parties, (p) => (p.role === 'agent' ? busIndex.get(p.bus)! : -1));
    const lastPrice = new Map<BusId, number>();
    const intervalsPerDay = Math.round((24 * 60) / this.clock.intervalMinutes);
    const forecaster = new PriceForecaster(this.info.buses.length, this.clock.intervals, intervalsPerDay, this.clock.intervalMinutes, this.scenario.config.forecast, this.clock.start);
    if (this.foresight) forecaster.foresee(this.foresight);
    const aggregatorOf = Int32Array.from(parts, (p) => (p.role === 'agent' && p.route.type === 'member' ? p.route.aggregator : -1));
    const agentRole = Uint8Array.from(parts, (p) => (p.role === 'agent' ? 1 : 0));
    let faults: AgentFault[] = [];
    let now: SimTime = this.clock.start;
    let lateRejections: Rejection[] = [];
    const crash = (i: number, phase: AgentFault['phase'], err: unknown): void => {
      if (crashed[i]) return;
      crashed[i] = 1;
      const a = parts[i]!.runtime;
      faults.push({ agentId: a.id, kind: a.kind, at: now, phase, message: err instanceof Error ? err.message : String(err) });
    };
    // An error inside a machine stops that actor; without an observer XState would rethrow it later.
    for (const [i, p] of parts.entries()) p.runtime.actor.subscribe({ error: (err: unknown) => crash(i, 'settle', err) });

    // The market pipeline: submissions → gate closure → books. Synchronous, in virtual time.
    const submissions$ = new Subject<GateInput>();
    const closed: Array<Extract<GateOutput, { type: 'closed' }>> = [];
    const gateOf: SimTime[] = []; // the gate asks for every bid: one MarketInterval per interval, not per bid
    submissions$.pipe(gateClosure((k) => (gateOf[k] ??= intervalAt(this.clock, k).gateClosure))).subscribe((out) => {
      if (out.type === 'closed') closed.push(out);
      else lateRejections.push(out.rejection);
    });

    marketClock(this.clock).subscribe((interval) => {
      faults = this.strategyFaults = [];
      now = this.now = interval.start;
      const rejections: Rejection[] = lateRejections; // late bids for this interval arrive after its gate
      lateRejections = [];
      const marketView = this.marketViews(interval, lastPrice, busIndex, forecaster);
      const room = this.room;
      const { grid, events } = room.gridAt(interval.start);
      // Equipment faults and repairs: sent to the agent's machine as FAULT / REPAIR.
      for (const f of this.scenario.config.faults) {
        if (f.type !== 'agent-fault') continue;
        const i = indexOf.get(f.agent);
        if (i === undefined || crashed[i]) continue;
        const event = timeOf(f.at) === interval.start ? 'FAULT' : f.until !== undefined && timeOf(f.until) === interval.start ? 'REPAIR' : undefined;
        if (!event) continue;
        const actor = parts[i]!.runtime.actor;
        if (actor.getSnapshot().can({ type: event })) actor.send({ type: event });
        events.push({ at: interval.start, issuer: 'fault', target: f.agent, type: event === 'FAULT' ? 'AGENT_FAULT' : 'AGENT_REPAIR', response: String(actor.getSnapshot().value), detail: event === 'FAULT' ? 'equipment failure: the agent stops trading until repaired' : 'repaired' });
      }

      // 1. Agents bid at one minute before gate closure, plus any communication latency.
      //    Members hand their curves to their aggregator; customers keep theirs for the retail price.
      const bidTime = interval.gateClosure - minutesToMs(1);
      const late: Array<{ bid: PartyBid; at: SimTime }> = [];
      const onTime: PartyBid[] = [];
      const memberCurves = new Map<number, MemberCurve[]>();
      const customerCurves = new Map<number, readonly BidSegment[]>();
      const curveCheck = new OrderBookBuilder({ interval: interval.index, durationH: interval.durationH, rules, buses: this.info.buses, isKnownAgent: () => true }, 16);
      for (let i = 0; i < n; i++) {
        const p = parts[i]!;
        if (p.role !== 'agent' || crashed[i]) continue;
        const a = p.runtime;
        let segments: readonly BidSegment[];
        try {
          if (room.crashes(i, interval.start)) throw new Error('injected fault (agent-crash): the agent threw while bidding');
          segments = a.bid(interval, p.route.type === 'customer' ? desk!.view(i, interval, marketView(a.bus)) : marketView(a.bus));
        } catch (err) {
          crash(i, 'bid', err);
          continue;
        }
        if (p.route.type === 'customer') {
          customerCurves.set(i, segments);
          continue;
        }
        if (segments.length === 0) continue;
        const bid: PartyBid = { id: `${a.id}@${interval.index}`, agentId: a.id, bus: a.bus, interval: interval.index, segments, party: i };
        if (p.route.type === 'member') {
          // The aggregator checks its members' curves as the market would, and refuses bad ones with a reason.
          const problem = curveCheck.check(bid);
          if (problem) rejections.push(problem);
          else {
            let list = memberCurves.get(p.route.aggregator);
            if (!list) memberCurves.set(p.route.aggregator, (list = []));
            list.push({ member: i, memberId: a.id, bus: a.bus, segments });
          }
          continue;
        }
        const link = room.comms(i, bidTime as SimTime);
        if (!link.delivered) {
          events.push({ at: interval.start, issuer: a.id, target: 'market', type: 'COMMS_LOSS', response: 'lost', detail: `bid ${bid.id} lost (comms-loss fault)` });
          continue;
        }
        if (link.delayMinutes > 0) events.push({ at: interval.start, issuer: a.id, target: 'market', type: 'COMMS_DELAY', response: 'delayed', detail: `bid ${bid.id} ${link.cause}` });
        const latency = (p.latency ? p.latency.rng.uniform(p.latency.min, p.latency.max) : 0) + link.delayMinutes;
        const at = simTime(bidTime + minutesToMs(latency));
        if (at <= interval.gateClosure) onTime.push(bid);
        else late.push({ bid, at });
      }
      // Intermediaries bid for those they serve, one bid per bus.
      const busBidOwner: Array<{ party: number; bus: BusId }> = [];
      for (let i = 0; i < n; i++) {
        const p = parts[i]!;
        if (p.role === 'agent' || crashed[i]) continue;
        try {
          const bids =
            p.role === 'aggregator'
              ? p.runtime.bid(interval, memberCurves.get(i) ?? [], marketView)
              : p.runtime.bid(interval, this.customerBooks(i, parts), marketView);
          for (const b of bids) {
            if (b.segments.length === 0) continue;
            onTime.push({ id: `${p.runtime.id}@${b.bus}@${interval.index}`, agentId: p.runtime.id, bus: b.bus, interval: interval.index, segments: b.segments, party: i });
            busBidOwner.push({ party: i, bus: b.bus });
          }
        } catch (err) {
          crash(i, 'bid', err);
        }
      }
      submissions$.next({ type: 'bids', bids: onTime, submittedAt: simTime(bidTime) });
      submissions$.next({ type: 'close', interval: interval.index, at: interval.gateClosure });
      late.sort((x, y) => x.at - y.at);
      for (const { bid, at } of late) submissions$.next({ type: 'bid', bid, submittedAt: at });
      rejections.push(...lateRejections);
      lateRejections = [];

      // 2. The book: validation rejects bad bids with a reason; the rest goes on.
      const gate = closed.shift()!;
      const builder = new OrderBookBuilder(
        // Every bid here was built above (unique ids, market parties only): the book need not check identities.
        { interval: interval.index, durationH: interval.durationH, rules, buses: this.info.buses, isKnownAgent: (id) => this.marketIds.has(id), trustedIdentities: true },
        Math.max(1024, n * 4),
      );
      for (const bid of gate.bids) {
        const r = builder.add(bid);
        if (r) rejections.push(r);
      }
      const book = builder.build();

      // 3. Clear (pure) and settle (exact).
      const cleared = clear(book, this.scenario.config.market.mechanism, grid);
      const settlement = settle(book, cleared);
      const result = cleared;
      for (let k = 0; k < book.buses.length; k++) {
        const price = result.busPriceMwh[k]!;
        if (!Number.isNaN(price)) lastPrice.set(book.buses[k]!, price);
      }
      forecaster.record(interval.index, result.busPriceMwh);
      desk?.recordPrices(interval, result.busPriceMwh);

      // 4. Awards. Market positions first (agents and intermediaries alike).
      const buyQ = new Float64Array(n);
      const sellQ = new Float64Array(n);
      const priceMwh = new Float64Array(n).fill(NaN);
      const costUnits = new Float64Array(n);
      const costExtra: Array<Money | undefined> = new Array(n);
      const busAward = new Map<string, { buyQuanta: number; sellQuanta: number; units: number }>();
      for (let b = 0; b < book.bids.length; b++) {
        const bid = book.bids[b]!;
        const i = (bid as PartyBid).party;
        buyQ[i]! += settlement.buyQuanta[b]!;
        sellQ[i]! += settlement.sellQuanta[b]!;
        costUnits[i]! += settlement.paymentUnits[b]!;
        if (parts[i]!.role !== 'agent') busAward.set(`${i}\u0001${bid.bus}`, { buyQuanta: settlement.buyQuanta[b]!, sellQuanta: settlement.sellQuanta[b]!, units: settlement.paymentUnits[b]! });
      }
      for (let i = 0; i < n; i++) if (partyBus[i]! >= 0) priceMwh[i] = result.busPriceMwh[partyBus[i]!]!;

      // Aggregators split each bus award among the members there, by their own curves.
      const aggregatorLedgers: Array<{ id: string; marketPayment: Money; memberPayments: Money; feeIncome: Money }> = [];
      for (const [a, curves] of memberCurves) {
        const agg = parts[a] as Extract<Participant, { role: 'aggregator' }>;
        const byBus = new Map<BusId, MemberCurve[]>();
        for (const c of curves) (byBus.get(c.bus) ?? byBus.set(c.bus, []).get(c.bus)!).push(c);
        let memberUnits = 0;
        let fees: Money = ZERO;
        for (const [bus, list] of byBus) {
          const award = busAward.get(`${a}\u0001${bus}`);
          if (!award) continue;
          const price = result.busPriceMwh[busIndex.get(bus)!]!;
          const ticks = Number.isNaN(price) ? 0 : Math.round(price / rules.priceTickMwh);
          const split = splitAward(
            list.map((c) => ({ memberId: c.memberId, segments: c.segments })),
            { buyKw: award.buyQuanta * q, sellKw: award.sellQuanta * q, priceMwh: price },
            rules,
          );
          for (const c of list) {
            const share = split.get(c.memberId);
            if (!share) continue;
            const bq = Math.round(share.buyKw / q);
            const sq = Math.round(share.sellKw / q);
            buyQ[c.member] = bq;
            sellQ[c.member] = sq;
            const units = (bq - sq) * ticks;
            const fee = memberFee(agg.runtime.contract, bq + sq, q, interval.durationH);
            costUnits[c.member] = units;
            costExtra[c.member] = fee.isZero() ? undefined : fee;
            memberUnits += units;
            fees = fees.plus(fee);
          }
        }
        const marketPayment = settlement.unit.toMoney(costUnits[a]!);
        const memberPayments = settlement.unit.toMoney(memberUnits).plus(fees);
        costUnits[a]! -= memberUnits;
        costExtra[a] = fees.isZero() ? undefined : fees.neg();
        aggregatorLedgers.push({ id: agg.runtime.id, marketPayment, memberPayments, feeIncome: fees });
      }
      for (let i = 0; i < n; i++) {
        const p = parts[i]!;
        if (p.role === 'aggregator' && !crashed[i]) {
          try {
            p.runtime.awarded(interval, buyQ[i]! + sellQ[i]! > 0, busAwardsOf(busAward, i, q, result.busPriceMwh, busIndex));
          } catch (err) {
            crash(i, 'settle', err);
          }
        }
      }

      // Customers take what their curve takes at their retail price; retailers balance the difference.
      const retailerLedgers: Array<{ id: string; revenue: Money; marketCost: Money; balancingCost: Money; imbalanceKwh: number }> = [];
      if (desk) {
        const revenue = new Map<number, Money>();
        const used = new Map<number, Map<BusId, number>>();
        for (const [i, segments] of customerCurves) {
          const c = desk.consume(i, interval, segments);
          buyQ[i] = c.buyQuanta;
          sellQ[i] = c.sellQuanta;
          priceMwh[i] = c.retailPriceMwh;
          costExtra[i] = c.charge;
          const { retailer } = desk.retailerOfCustomer(i);
          revenue.set(retailer, (revenue.get(retailer) ?? ZERO).plus(c.charge));
          const byBus = used.get(retailer) ?? used.set(retailer, new Map()).get(retailer)!;
          const bus = (parts[i] as Extract<Participant, { role: 'agent' }>).runtime.bus;
          byBus.set(bus, (byBus.get(bus) ?? 0) + c.buyQuanta - c.sellQuanta);
        }
        for (let r = 0; r < n; r++) {
          const p = parts[r]!;
          if (p.role !== 'retailer') continue;
          const usedQuanta = used.get(r) ?? new Map<BusId, number>();
          const usedKw = new Map<BusId, number>();
          const boughtKw = new Map<BusId, number>();
          let balancing: Money = ZERO;
          let imbalanceKwh = 0;
          for (const bus of new Set([...usedQuanta.keys(), ...busAwardBuses(busAward, r)])) {
            const award = busAward.get(`${r}\u0001${bus}`);
            const bought = award ? award.buyQuanta - award.sellQuanta : 0;
            const short = (usedQuanta.get(bus) ?? 0) - bought;
            usedKw.set(bus, (usedQuanta.get(bus) ?? 0) * q);
            boughtKw.set(bus, bought * q);
            const price = result.busPriceMwh[busIndex.get(bus)!]!;
            balancing = balancing.plus(balancingCost(short, q, Number.isNaN(price) ? 0 : price, p.runtime.penaltyMwh, interval.durationH));
            imbalanceKwh += short * q * interval.durationH;
          }
          const rev = revenue.get(r) ?? ZERO;
          retailerLedgers.push({ id: p.runtime.id, revenue: rev, marketCost: settlement.unit.toMoney(costUnits[r]!), balancingCost: balancing, imbalanceKwh });
          costExtra[r] = balancing.minus(rev);
          if (!crashed[r]) {
            try {
              p.runtime.metered(interval, usedKw, boughtKw);
            } catch (err) {
              crash(r, 'settle', err);
            }
          }
        }
      }

      // 5. The operators' turn: commands where the schedule would overload a branch; agents answer by their state.
      const netKw = new Float64Array(n);
      for (let i = 0; i < n; i++) if (agentRole[i]) netKw[i] = (buyQ[i]! - sellQ[i]!) * q;
      let commandedKw: Float64Array | undefined;
      let records: ReturnType<GridRoom['operate']>['records'] = [];
      if (grid && room.operators.length > 0) {
        const op = room.operate(interval, grid, netKw, agentRole, crashed);
        commandedKw = op.commandedKw;
        records = op.records;
        events.push(...op.events);
        for (const r of records) if (r.response === 'failed') crash(r.party, 'command', r.reason);
        for (let i = 0; i < n; i++) {
          const change = Math.round(op.commandedKw[i]! / q);
          if (change === 0) continue;
          // A reduction comes off the purchase first, then adds to the injection (a discharge).
          const fromBuy = Math.max(change, -buyQ[i]!);
          buyQ[i]! += fromBuy;
          sellQ[i]! -= change - fromBuy;
          netKw[i] = (buyQ[i]! - sellQ[i]!) * q;
          costUnits[i]! += room.commandedUnits(change, priceMwh[i]!, rules.priceTickMwh, settlement.unit); // it pays for what it used
        }
      }
      for (const f of this.scenario.config.faults) {
        if (f.type !== 'forged-command' || timeOf(f.at) < interval.start || timeOf(f.at) >= interval.end) continue;
        const target = indexOf.get(f.target);
        if (target === undefined) continue;
        const operatorOf = room.operators.find((o) => o.serves(this.parties[target]!.bus))?.config.id;
        events.push(room.forged(interval, f, target, netKw[target]!, operatorOf));
      }

      // 6. Each agent gets its own award: at most one lifecycle event.
      for (let i = 0; i < n; i++) {
        const p = parts[i]!;
        if (p.role !== 'agent' || crashed[i]) continue;
        try {
          const commanded = commandedKw?.[i] ?? 0;
          p.runtime.settle({
            interval,
            buyKw: buyQ[i]! * q,
            sellKw: sellQ[i]! * q,
            priceMwh: priceMwh[i]!,
            bidAccepted: buyQ[i]! + sellQ[i]! > 0 || aggregatorOf[i]! >= 0,
            ...(commanded !== 0 ? { commandedKw: commanded } : {}),
          });
        } catch (err) {
          crash(i, 'settle', err);
        }
      }
      const observations = parts.map((p, i): AgentObservation => {
        if (crashed[i]) return CRASHED;
        try {
          return p.runtime.observe();
        } catch (err) {
          crash(i, 'settle', err);
          return CRASHED;
        }
      });
      // 7. What the grid carried: physical flows, and the commanded agents' reports.
      let physical = result;
      if (grid) {
        const measured = room.measure(interval, grid, result, netKw, agentRole, records, observations);
        physical = { ...result, flows: measured.flows };
        events.push(...measured.events);
      }
      sink.interval({
        interval, book, result: physical, settlement, rejections, faults, parties: this.parties, buyQuanta: buyQ, sellQuanta: sellQ, priceMwh, costUnits, costExtra, crashed, observations, events,
        aggregators: aggregatorLedgers, retailers: retailerLedgers,
      });
      if (desk && (interval.index + 1) % intervalsPerDay === 0) desk.closeDay(Math.floor(interval.index / intervalsPerDay));
      else if (desk && interval.index === this.clock.intervals - 1) desk.closeDay(Math.floor(interval.index / intervalsPerDay));
    });
    submissions$.complete();
    sink.completed?.({ desk, parties: this.parties, operations: this.room.summary() });
  }

  /** Public market information per bus for one interval: frozen, shared by every agent at the bus. */
  private marketViews(interval: MarketInterval, lastPrice: ReadonlyMap<BusId, number>, busIndex: ReadonlyMap<string, number>, forecaster: PriceForecaster): (bus: BusId) => MarketView {
    const views = new Map<BusId, MarketView>();
    const weather = this.environment.at(interval.start, interval.durationH);
    const conditions = Object.freeze({ outdoorC: weather.outdoorC, ghiWm2: weather.ghiWm2 });
    const intervalInfo = Object.freeze({ index: interval.index, start: interval.start, durationH: interval.durationH });
    return (bus) => {
      let v = views.get(bus);
      if (!v) {
        v = Object.freeze({
          interval: intervalInfo,
          priceCapMwh: this.rules.priceCapMwh,
          priceFloorMwh: this.rules.priceFloorMwh,
          quantumKw: this.rules.quantumKw,
          lastPriceMwh: lastPrice.get(bus),
          priceForecastMwh: forecaster.forecast(busIndex.get(bus)!, interval.index),
          conditions,
        });
        views.set(bus, v);
      }
      return v;
    };
  }

  /** What a retailer knows of its customers at each bus this interval. */
  private customerBooks(retailer: number, parts: readonly Participant[]): Array<{ bus: BusId; customers: number; declaredAnnualKwh: number }> {
    const out: Array<{ bus: BusId; customers: number; declaredAnnualKwh: number }> = [];
    for (const [bus, members] of this.desk?.customersOf(retailer) ?? []) {
      let declared = 0;
      for (const i of members) declared += (parts[i] as Extract<Participant, { role: 'agent' }>).runtime.declaredAnnualKwh ?? DEFAULT_DECLARED_KWH;
      out.push({ bus, customers: members.length, declaredAnnualKwh: declared });
    }
    return out.sort((a, b) => (a.bus < b.bus ? -1 : a.bus > b.bus ? 1 : 0));
  }
}

/** The first operator with `selfHealing:`, as the grid room takes it. */
function selfHealingOf(operators: ScenarioOperators): { selfHealing?: { operator: string; restoreAfterMinutes: number } } {
  const o = operators.find((x) => x.selfHealing !== undefined);
  return o ? { selfHealing: { operator: o.id, restoreAfterMinutes: o.selfHealing!.restoreAfterMinutes } } : {};
}
type ScenarioOperators = Scenario['config']['operations'];

/** What a customer that declares nothing is assumed to use in a year (a typical European household). */
const DEFAULT_DECLARED_KWH = 3500;

/** What an intermediary's bids cleared, per bus (its strategy's feedback). */
function busAwardsOf(busAward: ReadonlyMap<string, { buyQuanta: number; sellQuanta: number }>, party: number, quantumKw: number, prices: ArrayLike<number>, busIndex: ReadonlyMap<string, number>): BusAward[] {
  const prefix = `${party}\u0001`;
  const out: BusAward[] = [];
  for (const [key, a] of busAward) {
    if (!key.startsWith(prefix)) continue;
    const bus = busId(key.slice(prefix.length));
    out.push({ bus, buyKw: a.buyQuanta * quantumKw, sellKw: a.sellQuanta * quantumKw, priceMwh: prices[busIndex.get(bus)!]! });
  }
  return out;
}

function busAwardBuses(busAward: ReadonlyMap<string, unknown>, party: number): BusId[] {
  const prefix = `${party}\u0001`;
  return [...busAward.keys()].filter((k) => k.startsWith(prefix)).map((k) => busId(k.slice(prefix.length)));
}

/**
 * Balancing cost of a retailer at one bus (see agents/retailer), exact: a shortfall
 * of E kWh is bought at price + penalty, a surplus sold back at price − penalty.
 */
export function balancingCost(shortQuanta: number, quantumKw: number, priceMwh: number, penaltyMwh: number, durationH: number): Money {
  if (shortQuanta === 0) return ZERO;
  const kwh = money(shortQuanta).times(money(quantumKw)).times(money(durationH));
  const unitPrice = money(priceMwh).plus(money(shortQuanta > 0 ? penaltyMwh : -penaltyMwh));
  return kwh.times(unitPrice).div(1000);
}

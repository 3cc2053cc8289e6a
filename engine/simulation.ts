/**
 * The simulation: one virtual clock drives the market timeline, and every real-time
 * interval runs the same pipeline of phases (engine/interval/, each with plain data in
 * and out); this file only orchestrates them.
 *
 *   timeline (RxJS stageTimeline) ─► per delivery day, at its gate: the day-ahead auction (interval/dayAhead.ts) ─► per interval:
 *   collect bids ─► gate (RxJS) ─► book ─► clear ─► settle ─► positions ─► split (aggregators)
 *   / take (retail customers) ─► commands ─► deliver ─► meter ─► re-dispatch ─► imbalance
 *   settlement ─► bills ─► demand-response settlement ─► books ─► sink
 *
 * Everything runs synchronously in virtual time. Agents are isolated: a strategy that
 * throws is replaced by its kind's default bid; an agent whose own code throws is reported
 * and trades no more — a site that threw while bidding runs on its devices' own control,
 * any other is left out (interval/participants.ts `Crashes`); the run goes on. The market model — positions, deviations and who pays what — is in
 * docs/markets.md.
 */
import { appendAll } from '../core/arrays.ts';
import { Subject } from 'rxjs';
import { agentKind } from '../agents/registry.ts';
import { UserError } from '../core/errors.ts';
import { RandomService } from '../core/rng.ts';
import { formatSimTime, MS_PER_DAY, minutesToMs, parseSimTime, type SimTime, simTime } from '../core/time.ts';
import { type BusId, busId, kw, optionalPrice, pricePerMwh, pricesPerMwh } from '../core/units.ts';
import { clear, type Grid } from '../market/clear.ts';
import { gateClosure, type GateInput, type GateOutput } from '../market/gate.ts';
import { loadHighsSolver } from '../market/lp/highs.ts';
import { jslpSolver } from '../market/lp/jslp.ts';
import type { LpSolver } from '../market/lp/solver.ts';
import { OrderBookBuilder } from '../market/orderBook.ts';
import { type Settlement, settle } from '../market/settlement.ts';
import { dayAheadAuctions, type StageEvent, stageTimeline } from '../market/timeline.ts';
import type { ClearingResult, MarketRules, Rejection } from '../market/types.ts';
import type { BranchFlow } from '../network/types.ts';
import { feederOf } from '../market/clearFeeder.ts';
import { feederGrid } from '../market/feederGrid.ts';
import { networkFromConfig } from '../network/schema.ts';
import { TopologyCache } from '../network/topology.ts';
import { strategyNeedsLpSolver } from '../strategies/registry.ts';
import type { MarketView } from '../strategies/types.ts';
import { type ClockSpec, intervalAt, type MarketInterval, marketClock } from '../core/clock.ts';
import { Environment, type Site } from '../agents/environment.ts';
import type { AgentEnv, AgentObservation, AgentRuntime, AggregatorBusAward } from '../agents/types.ts';
import type { StrategyFaultReporter } from '../strategies/guard.ts';
import { PriceForecaster } from './forecast.ts';
import type { CustomerBook } from '../agents/retailer/index.ts';
import { runSpanOf } from './scenario/runSpan.ts';
import { wallClockYesterday } from '../core/sameWallClock.ts';
import { billingDays } from './billingDays.ts';
import { type Counterfactual, type GridEvent, GridRoom } from '../agents/operations/gridRoom.ts';
import { businessDayOf } from '../agents/operations/baseline.ts';
import { checkBooks } from './interval/books.ts';
import { settleLosses } from './interval/losses.ts';
import { meteredFeeder } from './interval/meteredFeeder.ts';
import { collectBids, type PartyBid } from './interval/collectBids.ts';
import type { PackedCurves } from '../market/packedCurves.ts';
import { applyAgentFaults, operatorCommands } from './interval/commands.ts';
import { curtailSpill } from './interval/curtail.ts';
import { cutOffAtBuses, deadBusMask, grossAtDeadBuses, shedLoad } from './interval/shed.ts';
import { deliverAndObserve, deliverAwards, markOwnControl } from './interval/deliver.ts';
import { anyDeviation, effectiveImbalancePrices, offerBlocks, pricesWhereCut, redispatchInterval, type Regulator } from './interval/imbalance.ts';
import { intermediaryLedgers } from './interval/intermediaries.ts';
import { IntervalLedger } from './interval/ledger.ts';
import { crashedOnOwnControl, ownControlPlan, partiesWithoutPosition } from './interval/noPosition.ts';
import { absoluteDeviationQuanta, busDeviationQuanta, costUnitsOf, curtailableQuanta, liveParties, netWithdrawalKw, priceMembersAtBus, regulatingNow, ROUTE_CUSTOMER, ROUTE_MEMBER, deviceSheddableQuanta, sheddableQuanta } from './interval/partyPasses.ts';
import type { DayAheadFailure, IntervalOutcome, RunInfo, SimulationSink } from './interval/outcome.ts';
import { type AgentParticipant, Crashes, type Participant, type Party } from './interval/participants.ts';
import { PHASES, type Phases } from './interval/phases.ts';
import { passThroughReactive, reactivePositions } from './interval/reactive.ts';
import { aggregatorClassAwards } from './interval/classAwards.ts';
import { settleReactive } from '../market/reactiveSettlement.ts';
import { type CustomerSpec, RetailDesk, type RetailerSwitch } from './retail.ts';
import { utcTariffIn } from '../tariffs/localHours.ts';
import { siteZoneOf } from './scenario/siteZone.ts';
import type { Scenario } from './scenario/load.ts';
import { type DayAheadStage, normaliseTimeline, type RealTimeStage } from './scenario/timeline.ts';
import { applyDayAhead, type DayAheadPosition, handSchedule, runDayAheadAuction } from './interval/dayAhead.ts';
import { loadStrategyModules } from './strategyModules.ts';
import { CommsRun, type IntervalComms, MEMBER_LEAD_MS, REPORTING_KINDS } from './interval/comms.ts';
import { resolvePlane } from '../comms/schema.ts';
import type { Mdms } from '../metering/mdms.ts';
import { SettlementCapture } from './settlementRun.ts';
import { type MdmsRunEnd, settleOnMdms } from './settlementRunEnd.ts';

export type { Party } from './interval/participants.ts';
export type { IntervalOutcome, RunInfo, SimulationSink } from './interval/outcome.ts';

/** The single bus of a scenario without a network. */
export const DEFAULT_BUS = busId('main');

export type { Phases } from './interval/phases.ts';

/** The passes of one `gridbid run`: the counterfactual without operators, the foresight pass, the written run (engine/run.ts). */
import { RunInterrupted, type RunPass } from './interrupted.ts';
export { RunInterrupted, type RunPass };

export interface SimulationOptions {
  readonly seed?: number | undefined;
  /** Run without the scenario's operators (the counterfactual of an operations study). */
  readonly withoutOperators?: boolean;
  /** Net consumption of every party in the same run without operators, for baselines and comparisons. */
  readonly counterfactual?: Counterfactual | undefined;
  /** Cleared prices of an earlier pass of this run, per bus (`info.buses` order) and interval: the `perfect-foresight` forecast (engine/run.ts). */
  readonly foresightPrices?: readonly Float64Array[] | undefined;
  /** Replacements for phases of the interval pipeline (see `Phases`). */
  readonly phases?: Partial<Phases> | undefined;
  /**
   * On a communication plane, settle the run again from the MDMS at its end (default true).
   * The passes before the written run (the counterfactual, the foresight pass) use only
   * meters and prices, so engine/run.ts turns it off there: no capture, no final settlement.
   */
  readonly finalSettlement?: boolean | undefined;
  /**
   * On a communication plane, encode the rows of messages.csv (default true). The passes before
   * the written run hand them to no recorder, so engine/run.ts turns it off there.
   */
  readonly messageLog?: boolean | undefined;
  /**
   * Reuse an interval's largest arrays (the order book's, the settlement's, the ledger's, costs,
   * metered flows and the observations: one slot per party or segment; messages.csv's pieces of rows) for the next interval instead of allocating
   * them anew: the outcome handed to the sink is then valid only until `sink.interval`
   * returns. For sinks that copy what they keep (engine/run.ts: the recorder and the passes
   * before the run). Why: V8 counts typed-array memory as external and starts a full
   * mark-compact of the whole heap every 64 MB of it; fresh arrays of ~300 B per party and
   * interval made the number of those collections grow with the population, each of them
   * over a heap that grows too: the run's cost grew with the square of its size (issue 16;
   * docs/performance.md).
   */
  readonly reuseIntervalArrays?: boolean | undefined;
}

const NO_BUS = busId('');

/** What a retailer's customers declare when they declare nothing (a typical European household, kWh/a). */
const DEFAULT_DECLARED_KWH = 3500;

/**
 * What a group's `create` returns, with a user error raised while creating it (a strategy module's
 * factory that throws) located in the scenario: the module's message alone named no scenario file
 * and no group, and for kinds sharing one strategy per group (homes, buildings, generators) no agent.
 */
function createLocated<R>(create: () => R, file: string, groupIndex: number): R {
  try {
    return create();
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${file}: agents[${groupIndex}]: ${err.message}`, { cause: err });
    throw err;
  }
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
    // The day-ahead programme is one LP over the day: HiGHS, whatever the real-time mechanism.
    const dayAheadLp = normaliseTimeline(cfg.market.timeline).some((st) => st.stage === 'dayAhead') ? (strategyLp ?? (await loadHighsSolver())) : undefined;
    const sim = new Simulation(scenario, options, grid, strategyLp, dayAheadLp);
    for (const p of sim.parties) agentKinds.set(p.id, p.kind);
    // On a feeder whose LP may price reactive power, members' power factors travel with their curves to their
    // aggregator, which bids them per power factor (agents/aggregator); nothing of this elsewhere.
    const f = grid?.feeder;
    if (f && cfg.market.mechanism !== 'double-auction' && sim.intermediaries.length > 0 && sim.parties.some((p) => f.kvarPerKw(p.id) !== 0)) {
      sim.memberKvarPerKw = Float64Array.from(sim.parties, (p) => f.kvarPerKw(p.id));
    }
    return sim;
  }

  readonly info: RunInfo;
  /** Intervals simulated before the reported `start` (engine/warmUp.ts): the first ones of the engine's clock. */
  readonly warmUpIntervals: number;
  /** Every interval the engine simulates, warm-up included (what a pass's progress counts). */
  get simulatedIntervals(): number {
    return this.clock.intervals;
  }
  readonly rules: MarketRules;
  readonly environment: Environment;
  /** The site: where it is and its clock (core/siteZone.ts). */
  readonly site: Site;
  /** Every party, scenario order. A customer that moves to another retailer gets a new entry (its `via`) from the day of the move. */
  readonly parties: Party[];
  readonly room: GridRoom;
  private readonly clock: ClockSpec;
  private readonly participants: Participant[];
  private readonly desk: RetailDesk | undefined;
  private readonly phases: Phases;
  private readonly foresight: readonly Float64Array[] | undefined;
  /** Strategy faults reported during the current interval (drained into its outcome). */
  private strategyFaults: Crashes['faults'] = [];
  /**
   * Faults reported in a day-ahead auction (a strategy's day-ahead valuation, an agent isolated there):
   * it runs between real-time intervals, whose first phase starts a new fault list, so they go out
   * with the next interval. Before, they went into the last interval's list, already written: lost.
   */
  private dayAheadFaults: Crashes['faults'] = [];
  private readonly kindOf = new Map<string, string>();
  private now: SimTime;
  /** Per party (scenario order): bus index (−1 intermediaries), intermediary index (−1 none), route (1 member, 2 customer), meter, role flags. */
  private readonly busOf: Int32Array;
  private readonly viaOf: Int32Array;
  /** Customers that chose another retailer's tariff at a day's close (`tariffChoice.among: every-retailer`), followed at the next interval's start. */
  private retailerMoves: RetailerSwitch[] = [];
  /** Per customer that changed retailer: its retailer from each interval on, the first entry its retailer from the run's start (the final settlement re-settles each interval with that interval's). */
  private readonly retailerStints = new Map<number, Array<{ readonly from: number; readonly via: number }>>();
  private readonly routeOf: Uint8Array;
  private readonly hasMeter: Uint8Array;
  private readonly agentRole: Uint8Array;
  private readonly isIntermediary: Uint8Array;
  /** Generators facing the market: re-dispatch moves them (market/redispatch.ts). */
  private readonly regulators: readonly Regulator[];
  private readonly regulating: Uint8Array;
  /** The aggregators' and retailers' party indices, ascending: the loops for them need not read every party each interval. */
  private readonly intermediaries: Int32Array;
  /** Per party, tan φ of its consumption (its kind's), on a feeder whose LP may price reactive power and that has intermediaries; else undefined. */
  private memberKvarPerKw: Float64Array | undefined;
  private readonly dayAheadStage: DayAheadStage | undefined;
  /**
   * The scenario settings realTime reads, copied here: the next run's parsed scenario has objects of other
   * hidden classes, and an optimised realTime that had read them through `scenario.config` was thrown away
   * the moment the next run's scenario was parsed (a code-dependency deopt in every batch worker's second run, measured).
   */
  private readonly faults: Scenario['config']['faults'];
  private readonly mechanism: Scenario['config']['market']['mechanism'];
  private readonly regulationSpreadMwh: number;
  /** The communication plane of the run (issue 17); undefined with `comms: ideal`, where nothing changes. */
  private readonly comms: CommsRun | undefined;
  /** On a plane: what the initial settlement used, interval by interval, for the final settlement from the MDMS. */
  private readonly capture: SettlementCapture | undefined;

  private constructor(
    readonly scenario: Scenario,
    options: SimulationOptions,
    readonly grid: Grid | undefined,
    strategyLp?: LpSolver,
    private readonly dayAheadLp?: LpSolver,
  ) {
    this.foresight = options.foresightPrices;
    this.reuseArrays = options.reuseIntervalArrays === true;
    this.phases = { ...PHASES, ...options.phases };
    const cfg = scenario.config;
    const seed = options.seed ?? cfg.seed;
    const random = new RandomService(seed);
    // The reported period starts at `start`; the engine's clock, `warmUpDays` earlier (engine/warmUp.ts).
    // Days are calendar days of the site's clock: 23 or 25 hours across a daylight-saving change (engine/scenario/runSpan.ts).
    const reportedStart = parseSimTime(cfg.start)!;
    const span = runSpanOf(cfg);
    const start = simTime(span.simulatedStartMs);
    this.warmUpIntervals = span.warmUpIntervals;
    this.now = start;
    const stages = normaliseTimeline(cfg.market.timeline);
    const realTime = stages.find((st): st is RealTimeStage => st.stage === 'realTime');
    this.dayAheadStage = stages.find((st): st is DayAheadStage => st.stage === 'dayAhead');
    this.clock = {
      start,
      intervalMinutes: cfg.intervalMinutes,
      intervals: this.warmUpIntervals + span.reportedIntervals,
      gateClosureMinutes: realTime?.gateClosureMinutes ?? cfg.market.gateClosureMinutes,
    };
    const m = cfg.market;
    this.faults = cfg.faults;
    this.mechanism = m.mechanism;
    this.regulationSpreadMwh = m.regulationSpreadMwh;
    this.rules = Object.freeze({
      priceCapMwh: m.priceCapMwh,
      priceFloorMwh: m.priceFloorMwh,
      priceTickMwh: m.priceTickMwh,
      quantumKw: m.quantumKw,
      priceRule: m.priceRule,
      pricing: m.pricing,
    });
    // The site's clock, built once for the run's span (core/siteZone.ts): every local hour, day and weekday reads it.
    const site: Site = { latitude: cfg.site.latitude, longitude: cfg.site.longitude, zone: siteZoneOf(cfg), holidays: cfg.site.holidays };
    this.site = site;
    this.environment = new Environment(site, cfg.weather, random);
    // Agents without a bus sit at the grid connection: the reference bus of the network, or the one bus.
    const defaultBus = grid ? grid.network.referenceBus : DEFAULT_BUS;
    const reportStrategyFault = (agentId: string, strategyId: string, message: string): void => {
      this.strategyFaults.push({ agentId, kind: this.kindOf.get(agentId) ?? '', at: this.now, phase: 'strategy', message: `strategy '${strategyId}' ${message}` });
    };
    const env = new RunEnv(random, reportStrategyFault, site, this.environment, this.clock, defaultBus, strategyLp);
    const buses = grid ? grid.network.buses.map((b) => b.id) : [DEFAULT_BUS];

    // Every party in scenario order; members find their aggregator by id once all are placed.
    this.participants = [];
    const customerSpecs: CustomerSpec[] = [];
    const memberOf: Array<[number, string]> = [];
    const via: string[] = [];
    for (const [groupIndex, group] of cfg.agents.entries()) {
      const kind = agentKind(group.kind);
      if (kind.role === 'aggregator' || kind.role === 'retailer') {
        this.participants.push(
          kind.role === 'aggregator'
            ? { role: 'aggregator', runtime: createLocated(() => kind.create(group, env), scenario.file, groupIndex) }
            : { role: 'retailer', runtime: createLocated(() => kind.create(group, env), scenario.file, groupIndex) },
        );
        via.push('');
        continue;
      }
      const g = group as { aggregator?: string; retailer?: string; tariff?: string; tariffChoice?: { rationality: number; inertia: number; among: 'own-retailer' | 'every-retailer'; noticeDays: number }; commsLatencyMinutes?: { min: number; max: number } };
      for (const runtime of createLocated(() => kind.create(group, env), scenario.file, groupIndex)) {
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
        this.participants.push({ role: 'agent', runtime, route: g.retailer ? { type: 'customer' } : { type: 'market' }, latency: l && { ...l, rng: random.stream(runtime.id, 'comms-latency') } });
        via.push(g.aggregator ?? g.retailer ?? '');
      }
    }
    const indexById = new Map(this.participants.map((p, i) => [p.runtime.id as string, i]));
    for (const p of this.participants) this.kindOf.set(p.runtime.id, p.runtime.kind);
    for (const [i, aggregator] of memberOf) {
      const p = this.participants[i] as AgentParticipant;
      this.participants[i] = { ...p, route: { type: 'member', aggregator: indexById.get(aggregator)! } };
    }
    const parts = this.participants;
    this.parties = parts.map((p, i) => ({ id: p.runtime.id, kind: p.runtime.kind, bus: p.role === 'agent' ? p.runtime.bus : NO_BUS, role: p.role, via: via[i]! }));
    const busIndex = new Map(buses.map((b, k) => [b as string, k]));
    this.busOf = Int32Array.from(parts, (p) => (p.role === 'agent' ? busIndex.get(p.runtime.bus)! : -1));
    this.viaOf = Int32Array.from(via, (v) => (v === '' ? -1 : indexById.get(v)!));
    this.routeOf = Uint8Array.from(parts, (p) => (p.role !== 'agent' ? 0 : p.route.type === 'member' ? ROUTE_MEMBER : p.route.type === 'customer' ? ROUTE_CUSTOMER : 0));
    this.agentRole = Uint8Array.from(parts, (p) => (p.role === 'agent' ? 1 : 0));
    this.hasMeter = this.agentRole;
    this.isIntermediary = Uint8Array.from(parts, (p) => (p.role === 'agent' ? 0 : 1));
    this.intermediaries = Int32Array.from(parts.flatMap((p, i) => (p.role === 'agent' ? [] : [i])));
    const regulators: Regulator[] = [];
    parts.forEach((p, i) => {
      if (p.role === 'agent' && p.route.type === 'market' && p.runtime.regulation) regulators.push({ party: i, unit: { id: p.runtime.id, bus: p.runtime.bus, blocks: [] } });
    });
    this.regulators = regulators;
    this.regulating = new Uint8Array(parts.length);
    for (const r of regulators) this.regulating[r.party] = 1;
    if (customerSpecs.length > 0) {
      const retailerOf = new Map<string, number>();
      parts.forEach((p, i) => {
        if (p.role === 'retailer') for (const t of p.runtime.tariffIds) if (!retailerOf.has(t)) retailerOf.set(t, i);
      });
      // Tariffs written in local hours are read in UTC from here on (tariffs/localHours.ts).
      // Billing days are the site's local days; the reported start opens one too, so no bill mixes warm-up and reported intervals.
      const days = billingDays(this.clock, site.zone, [this.warmUpIntervals]);
      this.desk = new RetailDesk(cfg.tariffs.map((t) => utcTariffIn(t, site.zone)), retailerOf, customerSpecs, buses.length, this.clock, this.rules, { zone: site.zone, holidays: this.environment.holidays }, days);
    }
    const roomParties = parts.map((p) => ({
      id: p.runtime.id as string,
      kind: p.runtime.kind,
      busIndex: p.role === 'agent' ? buses.indexOf(p.runtime.bus) : -1,
      responder: p.role === 'agent' ? p.runtime.responder : undefined,
      ...(p.role === 'agent' && p.runtime.storageRating ? { storage: p.runtime.storageRating } : {}),
      ...(p.role === 'agent' && p.runtime.v2gRating ? { car: p.runtime.v2gRating } : {}),
    }));
    this.room = new GridRoom(
      grid,
      options.withoutOperators ? [] : cfg.operations,
      cfg.faults,
      roomParties,
      this.clock.intervals,
      Math.round((24 * 60) / cfg.intervalMinutes),
      businessDayOf(start, cfg.intervalMinutes, site.zone, this.environment.holidays),
      random,
      options.counterfactual,
      grid?.feeder ? { limits: grid.feeder.limits, ...selfHealingOf(options.withoutOperators ? [] : cfg.operations) } : undefined,
    );
    // What is reported: from `start`, without the warm-up (whose intervals come first, indices 0 … warmUpIntervals − 1).
    this.info = { name: cfg.name, seed, start: reportedStart, intervals: this.clock.intervals - this.warmUpIntervals, intervalMinutes: cfg.intervalMinutes, buses, agentCount: parts.length, stages: stages.map((st) => st.stage), ...(this.warmUpIntervals > 0 ? { warmUpIntervals: this.warmUpIntervals, warmUpDays: cfg.warmUpDays } : {}) };
    this.comms =
      cfg.comms === 'ideal'
        ? undefined
        : new CommsRun({
            plane: resolvePlane(cfg.comms),
            random,
            seed,
            parties: this.parties,
            operatorOf: this.parties.map((p) => (p.role === 'agent' ? this.room.operators.find((o) => o.serves(p.bus))?.config.id : undefined)),
            operatorsOf: this.parties.map((p) => (p.role === 'agent' ? this.room.operators.filter((o) => o.serves(p.bus)).map((o) => o.config.id) : [])),
            operators: this.room.operators.map((o) => o.config.id),
            faults: cfg.faults,
            intervalMinutes: cfg.intervalMinutes,
            gateClosureMinutes: this.clock.gateClosureMinutes,
            runStart: start,
            runEnd: simTime(start + this.clock.intervals * minutesToMs(cfg.intervalMinutes)),
            zone: site.zone,
            messageLog: options.messageLog,
            reuseLogPieces: options.reuseIntervalArrays,
          });
    if (this.comms) {
      this.desk?.billFromMdmsAtRunEnd();
      if (options.finalSettlement !== false) {
        this.room.keepDrCommands();
        this.capture = new SettlementCapture();
      }
    }
  }

  /** Runs the whole horizon synchronously, handing each interval's outcome to the sink. */
  run(sink: SimulationSink): void {
    for (const _ of this.steps(sink));
  }

  /**
   * The same run, giving the event loop a turn after every real-time interval (one
   * `setImmediate`: I/O scheduling, not engine time, which stays virtual), so that a
   * signal handler can run; stops with `RunInterrupted` once `signal` is aborted.
   * The outcomes, and their order, are those of `run`.
   */
  async runYielding(sink: SimulationSink, signal: AbortSignal | undefined, pass: RunPass): Promise<void> {
    for (const done of this.steps(sink)) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw new RunInterrupted(pass, done, this.clock.intervals, signal.reason);
    }
  }

  /** The run as a generator: yields the number of real-time intervals done after each one. */
  private *steps(sink: SimulationSink): Generator<number, void, undefined> {
    const parts = this.participants;
    const crashes = new Crashes(parts, this.clock.start);
    const busIndex = new Map(this.info.buses.map((b, k) => [b, k]));
    const indexOf = new Map(parts.map((p, i) => [p.runtime.id as string, i]));
    const lastPrice = new Map<BusId, number>();
    const intervalsPerDay = Math.round((24 * 60) / this.clock.intervalMinutes);
    const forecaster = new PriceForecaster(this.info.buses.length, this.clock.intervals, intervalsPerDay, this.clock.intervalMinutes, this.scenario.config.forecast, this.clock.start, wallClockYesterday(this.site.zone, this.clock.start, this.clock.intervalMinutes));
    if (this.foresight) forecaster.foresee(this.foresight);

    // The market pipeline: submissions → gate closure → books. Synchronous, in virtual time.
    const submissions$ = new Subject<GateInput>();
    const run = new RunState(crashes, busIndex, indexOf, lastPrice, forecaster, intervalsPerDay, submissions$);
    const gateOf: SimTime[] = []; // the gate asks for every bid: one MarketInterval per interval, not per bid
    submissions$.pipe(gateClosure((k) => (gateOf[k] ??= intervalAt(this.clock, k).gateClosure))).subscribe((out) => run.gateOutput(out));
    // The stages in gate order (market/timeline.ts): a day-ahead auction per delivery day when the timeline has one.
    const da = this.dayAheadStage;
    const [hh, mm] = (da?.gateClosureLocal ?? '12:00').split(':').map(Number) as [number, number];
    const auctions = da ? dayAheadAuctions(this.clock, this.site.zone, -da.daysBefore * 24 * 60 + hh * 60 + mm) : [];
    // The timeline's events in gate order (a few per day: taken first, so the run can pause between intervals).
    const events: Array<StageEvent<MarketInterval>> = [];
    marketClock(this.clock)
      .pipe(stageTimeline<MarketInterval>(auctions))
      .subscribe((event) => events.push(event));
    for (const event of events) {
      if (event.stage === 'realTime') {
        // The first reported interval: what the run accumulates for its end starts again here (engine/warmUp.ts).
        if (event.interval.index === this.warmUpIntervals && this.warmUpIntervals > 0) this.startReporting();
        sink.interval(this.realTime(event.interval, run));
        yield event.interval.index + 1;
      } else this.dayAhead(event.auction, run);
    }
    submissions$.complete();
    // On a plane, bills wait for the MDMS: once the last reads have arrived, each day is billed from its validated reads.
    // The final settlement (engine/settlementRun.ts) settles the run again on them, every read through a privacy view.
    let settlement: MdmsRunEnd | undefined;
    const settleFinal = (mdms: Mdms) => {
      const out = settleOnMdms(mdms, { parties: this.parties, settlementParties: { ids: this.parties.map((p) => p.id), busOf: this.busOf, viaOf: this.viaOf, routeOf: this.routeOf, hasMeter: this.hasMeter, ...(this.retailerStints.size > 0 ? { viaAt: (i: number, k: number) => viaIn(this.retailerStints.get(i), k) ?? this.viaOf[i]! } : {}) }, capture: this.capture!, drCommands: this.room.keepDrCommands(), desk: this.desk, supplyOf: (i: number) => this.supplyOf(i), runStartMs: this.clock.start, runEndMs: this.clock.start + this.clock.intervals * minutesToMs(this.clock.intervalMinutes) });
      settlement = out.end;
      return out.billed;
    };
    const comms = this.comms?.finish(this.capture ? settleFinal : undefined);
    sink.completed?.({ desk: this.desk, parties: this.parties, operations: this.room.summary(), ...(comms ? { comms } : {}), ...(settlement ? { settlement } : {}) });
  }

  /**
   * The warm-up is over: the retail desk's bills and month-to-date demand peaks and the grid room's totals start
   * from zero, so that the run's end reports the period from `start` only; every state carries on (engine/warmUp.ts).
   */
  private startReporting(): void {
    this.desk?.startReporting();
    this.room.startReporting();
  }

  /** One day-ahead auction at its gate: its positions wait for the real-time intervals they deliver in. */
  private dayAhead(auction: { readonly at: number; readonly firstInterval: number; readonly intervalCount: number }, run: RunState): void {
    const intervals = Array.from({ length: auction.intervalCount }, (_, t) => intervalAt(this.clock, auction.firstInterval + t));
    const network = this.grid && this.scenario.config.market.mechanism !== 'double-auction' ? this.grid.network : undefined;
    // On a plane the agents' schedules travel with the day-ahead results (comms.ts `dayAheadResults`), not handed over here.
    const held = this.comms && new Map<number, ReadonlyMap<number, number>>();
    // An auction is for reported days when it delivers into them: one whose day starts in the warm-up (a start after local
    // midnight) delivers the first reported day's first part, and a cold run from the same start reports it.
    const forReported = this.warmUpIntervals > 0 && auction.firstInterval + auction.intervalCount > this.warmUpIntervals;
    // The first auction for reported days: what earlier auctions, the warm-up days', still have to report (closed one after
    // the other before the clock's first interval, when daysBefore exceeds warmUpDays) is the warm-up's. It goes out with the
    // next interval, a warm-up one; only this auction's reports wait for start (engine/warmUp.ts).
    if (forReported && !run.dayAheadForReported) {
      run.warmUpDayAhead = { rejections: run.dayAheadRejections.splice(0), failures: run.dayAheadFailures.splice(0), faults: this.dayAheadFaults };
      this.dayAheadFaults = [];
    }
    // Faults reported from here on are the auction's, at its gate, kept for the next interval's outcome.
    run.crashes.faults = this.strategyFaults = this.dayAheadFaults;
    run.crashes.now = this.now = simTime(auction.at);
    const out = runDayAheadAuction({ parts: this.participants, crashes: run.crashes, rules: this.rules, buses: this.info.buses, network, solver: this.dayAheadLp!, zone: this.site.zone, holidays: this.environment.holidays, customerBooks: this.booksByBillingDay(), marketView: this.dayAheadViews(intervals[0]!, run), ...(held ? { holdSchedule: (i, s) => held.set(i, s) } : {}) }, intervals);
    if (this.comms && held && out.result.status === 'cleared') {
      const to: Array<{ party: number; from: string; schedule?: ReadonlyMap<number, number> | undefined }> = [];
      this.participants.forEach((p, i) => {
        if (run.crashes.isolated[i] || (p.role === 'agent' && p.route.type === 'customer')) return;
        to.push({ party: i, from: p.role === 'agent' && p.route.type === 'member' ? this.parties[p.route.aggregator]!.id : 'market', schedule: held.get(i) });
      });
      this.comms.dayAheadResults(auction.at, intervals[0]!, intervals.length, to);
    }
    for (const [k, p] of out.positions) run.dayAhead.set(k, p);
    if (forReported) run.dayAheadForReported = true;
    appendAll(run.dayAheadRejections, out.rejections);
    if (out.result.status !== 'cleared') {
      const start = intervals[0]!.start;
      run.dayAheadFailures.push({
        day: formatSimTime(simTime(this.site.zone.localDayNumber(start) * MS_PER_DAY)).slice(0, 10),
        firstIntervalStart: start,
        firstInterval: auction.firstInterval,
        intervalCount: auction.intervalCount,
        status: out.result.status,
        message: out.result.message,
      });
    }
  }

  /** Segments in the last real-time book: the next one is built with room for as many (and an eighth), not grown by doubling and copying as it fills. */
  private lastBookSize = 0;
  /** With `reuseIntervalArrays`: the last interval's book builder, packed bid rows, awards, settlement, ledger, per-party cost, flow and planned-schedule arrays and observations, taken over by the next. */
  private readonly reuseArrays: boolean;
  private spent: { builder: OrderBookBuilder; ledger: IntervalLedger; settlement: Settlement; netKw: Float64Array; costUnits: Float64Array; observations: AgentObservation[]; awarded: Float64Array; rows: PackedCurves; plannedKw: Float64Array | undefined } | undefined;

  /** One real-time interval, phase by phase. */
  private realTime(interval: MarketInterval, run: RunState): IntervalOutcome {
    const { crashes, busIndex, forecaster, lastPrice } = run;
    const parts = this.participants;
    const n = parts.length;
    const rules = this.rules;
    const q = rules.quantumKw;
    const desk = this.desk;
    const room = this.room;
    // A day-ahead auction held in the warm-up for reported days (the first's, at D−1) reports with the first reported
    // interval, as a cold run's first auction does with its first interval: not with a warm-up interval, which writes nothing.
    const holdDayAhead = run.dayAheadForReported && interval.index < this.warmUpIntervals;
    // The warm-up days' auctions' reports, set aside when the first auction for reported days closed right after them.
    const warmUpReports = run.warmUpDayAhead;
    run.warmUpDayAhead = undefined;
    crashes.faults = this.strategyFaults = holdDayAhead ? (warmUpReports?.faults ?? []) : warmUpReports ? [...warmUpReports.faults, ...this.dayAheadFaults] : this.dayAheadFaults;
    if (!holdDayAhead) this.dayAheadFaults = [];
    this.spent?.builder.release(); // the last interval's book is read no more: its bids can go
    crashes.now = this.now = interval.start;
    if (this.retailerMoves.length > 0) this.followRetailers(interval.index);
    const rejections: Rejection[] = run.takeLate(); // late bids for this interval arrive after its gate
    if (warmUpReports) appendAll(rejections, warmUpReports.rejections);
    if (!holdDayAhead) appendAll(rejections, run.dayAheadRejections.splice(0)); // the day-ahead auction's, with the first interval after it
    const dayAhead = run.dayAhead.get(interval.index);
    run.dayAhead.delete(interval.index);
    const { grid, events } = room.gridAt(interval.start);
    appendAll(events, applyAgentFaults(this.faults, interval, parts, run.indexOf, crashes));
    // Failed day-ahead auctions: a DAY_AHEAD_FAILED row each, and in the outcome for summary.json (output/kpis.ts).
    // Nearly every interval has none, and this runs every interval: no array is made then.
    const failedNow = !holdDayAhead && run.dayAheadFailures.length > 0;
    const dayAheadFailures: readonly DayAheadFailure[] = warmUpReports || failedNow ? [...(warmUpReports?.failures ?? []), ...(failedNow ? run.dayAheadFailures.splice(0) : [])] : NO_DAY_AHEAD_FAILURES;
    for (const f of dayAheadFailures) events.push({ at: interval.start, issuer: 'market', target: 'network', type: 'DAY_AHEAD_FAILED', response: 'not-cleared', detail: dayAheadFailureDetail(f) });

    // 1. Collect bids; 2. the gate (RxJS) closes the book.
    const comms = this.comms;
    comms?.dayAheadSchedulesDue(interval, (i, schedule) => handSchedule(parts, crashes, i, schedule));
    const marketView = this.marketViews(interval, lastPrice, busIndex, forecaster, crashes.isolated);
    const bids = collectBids(
      { parts, crashes, rules, buses: this.info.buses, room, desk, marketView, customerBooks: (r, k) => this.customerBooks(r, k), ...(comms ? { memberGate: (c, k, t, rej) => comms.memberGate(c, k, t, rej), onPlane: true } : {}), reuseRows: this.spent?.rows, kvarPerKw: this.memberKvarPerKw },
      interval,
    );
    appendAll(rejections, bids.rejections);
    appendAll(events, bids.events);
    const onTime = this.comms ? this.comms.gateBids(bids.onTime, interval, bids.bidTime, rejections, bids.atSender) : bids.onTime;
    run.submissions$.next({ type: 'bids', bids: onTime, submittedAt: bids.bidTime });
    run.submissions$.next({ type: 'close', interval: interval.index, at: interval.gateClosure });
    for (const { bid, at } of bids.late) run.submissions$.next({ type: 'bid', bid, submittedAt: at });
    appendAll(rejections, run.takeLate());
    const gate = run.closed.shift()!;
    // Every bid here was built by collectBids (unique ids, market parties only): the book need not check identities.
    const builder = new OrderBookBuilder({ interval: interval.index, durationH: interval.durationH, rules, buses: this.info.buses, isKnownAgent: () => true, trustedIdentities: true }, Math.max(1024, n * 4, this.lastBookSize + (this.lastBookSize >> 3)), this.spent?.builder);
    builder.addAll(gate.bids, rejections);
    const book = builder.build();
    this.lastBookSize = book.size;
    this.comms?.awards(gate.bids as readonly PartyBid[], interval);

    // 3. Clear (pure) and settle (exact); positions per party.
    const result = clear(book, this.mechanism, grid, this.spent?.awarded);
    const settlement = settle(book, result, this.spent?.settlement);
    for (let k = 0; k < book.buses.length; k++) {
      const price = result.busPriceMwh[k]!;
      if (!Number.isNaN(price)) lastPrice.set(book.buses[k]!, price);
    }
    forecaster.record(interval.index, result.busPriceMwh);
    desk?.recordPrices(interval, result.busPriceMwh);
    // On a plane the prices travel: each party bids next on the prices it has received by then (marketViews).
    if (comms) {
      comms.prices(interval, liveParties(crashes.isolated), (i) => (this.routeOf[i] === ROUTE_CUSTOMER ? this.parties[desk!.retailerOfCustomer(i).retailer]!.id : undefined));
    }
    const ledger = new IntervalLedger(n, settlement.unit, q, this.spent?.ledger);
    this.phases.positions(ledger, book, result, settlement, this.busOf, this.isIntermediary, busIndex);
    // 3b. On a LinDistFlow feeder whose clearing priced reactive power, each party's kvar at its bus's reactive price (reactive.ts).
    const reactiveStage = result.feeder ? settleReactive(book, result, settlement.unit) : undefined;
    const reactive = reactiveStage ? reactivePositions(ledger, book, reactiveStage) : undefined;

    // 4. Aggregators split their awards among their members; customers take their curve at their retail price.
    // Bidding per power factor (memberKvarPerKw), an aggregator has an award per bid (its bus and class), split among that class.
    const classAwards = this.memberKvarPerKw ? aggregatorClassAwards(book, settlement, result.busPriceMwh, reactive?.stage, rules.priceTickMwh) : undefined;
    for (const a of this.intermediaries) {
      const p = parts[a]!;
      if (p.role !== 'aggregator' || crashes.crashed[a]) continue;
      const awards: readonly AggregatorBusAward[] = classAwards ? (classAwards.get(a) ?? []) : ledger.busPositions.filter((x) => x.party === a).map((x) => ({ bus: x.bus, buyQuanta: x.buyQuanta, sellQuanta: x.sellQuanta, priceMwh: result.busPriceMwh[x.busIndex]! }));
      try {
        const shares = p.runtime.allocate(interval, bids.memberCurves.get(a) ?? [], awards, rules);
        for (const s of shares) {
          ledger.buyQuanta[s.member] = s.buyQuanta;
          ledger.sellQuanta[s.member] = s.sellQuanta;
          ledger.rtUnits[s.member] = s.energyUnits;
          if (!s.fee.isZero()) ledger.costExtra[s.member] = s.fee;
        }
        // Its members' kvar at their reactive prices, passed through as their energy is (reactive.ts).
        if (reactive && this.memberKvarPerKw) passThroughReactive(ledger, reactive, shares, this.memberKvarPerKw, busIndex);
        if (comms) comms.memberAwards(p.runtime.id, (bids.memberCurves.get(a) ?? []).map((c) => c.member), interval);
        p.runtime.awarded(interval, ledger.buyQuanta[a]! + ledger.sellQuanta[a]! > 0, awards.map((x) => ({ bus: x.bus, buyKw: x.buyQuanta * q, sellKw: x.sellQuanta * q, priceMwh: x.priceMwh, ...(x.kvarPerKw !== undefined ? { kvarPerKw: x.kvarPerKw } : {}) })));
      } catch (err) {
        crashes.crash(a, 'settle', err);
      }
    }
    // On a LinDistFlow feeder, its radial structure this interval (memoised per network, as its clearing uses it): which
    // buses an outage cut off (below: customers, 7b, 7c), and the tree the metered AC power flow walks (10b).
    const radial = grid?.feeder ? feederOf(grid.network, grid.feeder) : undefined;
    if (desk) {
      // A customer at a bus an outage cut off (an island of a LinDistFlow feeder) has no supply: it takes nothing, as a
      // party trading there is awarded nothing, and its need is unserved. Its tariff's curve would otherwise be metered
      // as consumption on a dead bus, which no regulation can cover (the books stayed open).
      const islanded = radial?.islanded;
      const dark = islanded && islanded.length > 0 ? new Set<string>(islanded) : undefined;
      for (const [i, segments] of bids.customerCurves) {
        const take = desk.take(i, interval, segments);
        const cutOff = dark !== undefined && dark.has(this.info.buses[this.busOf[i]!]!);
        ledger.buyQuanta[i] = cutOff ? 0 : take.buyQuanta;
        ledger.sellQuanta[i] = cutOff ? 0 : take.sellQuanta;
        ledger.priceMwh[i] = take.retailPriceMwh;
      }
    }
    priceMembersAtBus(ledger.priceMwh, this.routeOf, this.busOf, result.busPriceMwh);
    // The day-ahead stage: positions at their prices, real time on the difference (members' once their shares are known).
    if (dayAhead) applyDayAhead(ledger, dayAhead, this.busOf, this.info.buses, result.busPriceMwh, rules.priceTickMwh);
    // 4b. A site whose bid never reached the book has no position: its devices run on their own control (noPosition.ts).
    const ownControl = partiesWithoutPosition({ placed: bids.placed, book, memberCurves: bids.memberCurves, routeOf: this.routeOf, viaOf: this.viaOf, busOf: this.busOf, buses: this.info.buses }, new Uint8Array(n));
    // So does a site whose bidding code crashed, for the rest of the run (participants.ts `Crashes`).
    crashedOnOwnControl(crashes, ownControl);

    // 5. Commands change what agents will do (their setpoints), never their positions; deliver to all but the regulators.
    // On a plane the operator dispatches reporting agents on the newest flexibility report it has received (comms.ts `reports`).
    const telemetry = comms && ((g: Grid, netKw: Float64Array) => comms.reports(interval, room.flexibilityReports(g, netKw, this.agentRole, crashes.isolated, interval, REPORTING_KINDS), ledger.quantumKw));
    const commands = operatorCommands(room, grid, interval, ledger, this.agentRole, crashes, this.comms ? this.comms.roomFaults(this.faults) : this.faults, this.parties, run.indexOf, telemetry, this.spent?.plannedKw, ownControlPlan(parts, ownControl, interval, crashes, q));
    appendAll(events, commands.events);
    // On a communication plane, a command acts from its delivery on (pro rata), and not at all when lost or rejected.
    const sent = this.comms?.commands(commands.records, interval, ledger);
    if (sent) appendAll(events, sent.events);
    const commandRecords = sent ? sent.records : commands.records;
    // On a plane, a member acts on its aggregator's split only once received (comms.ts, MemberFallback).
    const memberFallback = this.comms?.memberSetpoints(interval, ledger);
    // A generator whose bidding code crashed regulates no more: it takes its own control (idle) with the other sites (a mask only then).
    const delivering = crashes.ownControlCount > 0 ? regulatingNow(this.regulating, crashes.isolated, new Uint8Array(n)) : this.regulating;
    const observations = deliverAndObserve(parts, ledger, interval, crashes, delivering, 0, this.viaOf, memberFallback, this.spent?.observations.length === n ? this.spent.observations : undefined, ownControl);

    // 6. Meter; 7. re-dispatch where anything deviates (else the generators do as cleared); 8. deliver to the generators.
    this.phases.meter(ledger, observations, this.hasMeter, crashes.crashed, q);
    const imbalanceParties = { busOf: this.busOf, viaOf: this.viaOf, routeOf: this.routeOf, hasMeter: this.hasMeter };
    // A generator whose bidding code crashed is out of the market: it idles (its own control) and regulates no more.
    const regulating = regulatingNow(this.regulating, crashes.isolated, new Uint8Array(n));
    // A loop into a literal, not filter().map(): once realTime ran optimised, TurboFan's inlined map() built a HOLEY
    // array where the builtin had built a PACKED one, and the for-of over it below deopted on the new map (measured).
    const regulators: Regulator[] = [];
    for (const r of this.regulators) {
      if (!regulating[r.party]) continue;
      const physical = (parts[r.party] as AgentParticipant).runtime.regulation!(interval);
      regulators.push({ party: r.party, unit: { ...r.unit, blocks: offerBlocks(physical.offers), takes: offerBlocks(physical.takes) } });
    }
    // At a bus an outage cut off, every site's generation stops (anti-islanding: shed.ts `grossAtDeadBuses`), whether or not it deviates.
    const dead = radial ? deadBusMask(radial.islanded, this.info.buses) : undefined;
    const curtailable = dead ? curtailableQuanta(observations, this.hasMeter, regulating, crashes.crashed, q) : undefined;
    const generatesAtDeadBus = curtailable !== undefined && curtailable.some((c, i) => c > 0 && this.busOf[i]! >= 0 && dead![this.busOf[i]!] === 1);
    const deviates = anyDeviation(ledger, imbalanceParties, regulating, this.info.buses) || generatesAtDeadBus;
    let redispatched: ReturnType<typeof redispatchInterval> | undefined;
    let curtailedAtBus: Float64Array | undefined;
    let shedAtBus: Float64Array | undefined;
    if (deviates) {
      const market = { mechanism: this.mechanism, grid, spreadMwh: this.regulationSpreadMwh };
      redispatched = redispatchInterval(ledger, imbalanceParties, regulators, regulating, interval, this.info.buses, rules, market);
      // 7b. An injection surplus nobody can take is curtailed at the injecting sites (curtail.ts), and the market re-dispatches what is left.
      // At a bus an outage cut off, the whole injection, not the net (shed.ts `grossAtDeadBuses`): nothing flows there.
      const spilled = grossAtDeadBuses(redispatched.spilledQuanta, ledger.actualQuanta, this.busOf, dead, curtailable);
      if (spilled.some((x) => x > 0)) {
        curtailedAtBus = curtailSpill(ledger, spilled, { busOf: this.busOf, viaOf: this.viaOf }, curtailable ?? curtailableQuanta(observations, this.hasMeter, regulating, crashes.crashed, q), dead);
        // The mirror of 7c's: a site on its own control at a bus an outage cut off has nothing to export into at any
        // price. Its export is taken off it the same way, but as the outage's, not a surplus's curtailment: no
        // SPILL_CURTAILED row, not in imbalance.curtailedKwh, no floor price there (shed.ts `cutOffAtBuses`).
        const cutOff = radial ? cutOffAtBuses(curtailedAtBus, radial.islanded, this.info.buses) : undefined;
        if (curtailedAtBus.some((x) => x > 0) || cutOff !== undefined) {
          const after = redispatchInterval(ledger, imbalanceParties, regulators, regulating, interval, this.info.buses, rules, market);
          redispatched = { ...after, imbalancePriceMwh: pricesWhereCut(after.imbalancePriceMwh, undefined, curtailedAtBus, rules) };
          this.curtailSites(interval, ledger, observations, crashes, events, cutOff);
        }
      }
      // 7c. A withdrawal nothing can cover is shed at the consuming sites (shed.ts: their free load first, then
      // their devices'), and the market re-dispatches what is left.
      if (redispatched.unservedQuanta.some((x) => x > 0)) {
        const sheddable = sheddableQuanta(observations, this.hasMeter, regulating, crashes.crashed, q);
        const devices = deviceSheddableQuanta(observations, sheddable, this.hasMeter, regulating, crashes.crashed, q);
        shedAtBus = shedLoad(ledger, redispatched.unservedQuanta, { busOf: this.busOf, viaOf: this.viaOf }, sheddable, devices);
        // At a bus an outage cut off (an island of a LinDistFlow feeder) there is no supply: what a site on its own
        // control there would draw is taken off it the same way, but it is the outage's unserved demand (the feeder's
        // reliability KPIs), as a customer's there with a position is, not a shortage's shed load: no LOAD_SHED row,
        // not in imbalance.shedKwh, no scarcity price (shed.ts `cutOffAtBuses`).
        const cutOff = radial ? cutOffAtBuses(shedAtBus, radial.islanded, this.info.buses) : undefined;
        if (shedAtBus.some((x) => x > 0) || cutOff !== undefined) {
          // The same dispatch without the shed load, whose prices would be anywhere between the last
          // offer and the cap (supply meets the fixed withdrawal exactly): the imbalance prices stay those
          // the unserved load set before it was shed, and the cap where it was short, as scarcity is priced
          // where load is shed (the value of lost load): set, not read from that dispatch, which defines no
          // price at all where nothing could supply (pricesWhereCut).
          const scarcityPriceMwh = pricesWhereCut(redispatched.imbalancePriceMwh, shedAtBus, undefined, rules);
          redispatched = { ...redispatchInterval(ledger, imbalanceParties, regulators, regulating, interval, this.info.buses, rules, market), imbalancePriceMwh: scarcityPriceMwh };
          this.shedSites(interval, ledger, observations, crashes, events, cutOff);
        }
      }
      regulators.forEach((r, k) => {
        const out = redispatched!.outputQuanta[k]!;
        ledger.commandedQuanta[r.party] = -out - ledger.positionQuanta(r.party);
      });
      if (redispatched.overloaded) events.push({ at: interval.start, issuer: 'market', target: 'network', type: 'REDISPATCH_OVERLOAD', response: 'limits-exceeded', detail: 're-dispatch could not cover the deviations within the branch limits: the lines carry the overload' });
    }
    deliverAwards(parts, ledger, interval, crashes, regulating, 1, this.viaOf, undefined, ownControl);
    for (const r of regulators) observations[r.party] = crashes.crashed[r.party] ? observations[r.party]! : parts[r.party]!.runtime.observe();
    this.phases.meter(ledger, observations, regulating, crashes.crashed, q);
    this.comms?.meterReads(interval, ledger, this.hasMeter, this.parties);

    // 9. Imbalance settlement at the imbalance prices; bills from the meters; the intermediaries' books.
    const imbalancePrices = effectiveImbalancePrices(redispatched?.imbalancePriceMwh, result.busPriceMwh);
    this.phases.settleImbalance(ledger, imbalanceParties, imbalancePrices, rules.priceTickMwh);
    priceMembersAtBus(ledger.imbalancePriceMwh, this.routeOf, this.busOf, imbalancePrices);
    if (desk) this.billCustomers(desk, interval, ledger, bids.customerCurves, crashes);
    const books = intermediaryLedgers(ledger, this.parties, this.viaOf, result.busPriceMwh, imbalancePrices, rules.priceTickMwh, interval.durationH, dayAhead?.busPriceMwh, reactive);
    this.meterRetailers(interval, ledger, crashes, observations);

    // 10. What the grid carried, the commanded agents' reports and demand-response money.
    const netKw = netWithdrawalKw(ledger, this.spent?.netKw.length === n ? this.spent.netKw : new Float64Array(n));
    const measured = room.measure(interval, grid, result, netKw, commandRecords, observations);
    appendAll(events, measured.events);
    for (const [i, cost] of measured.drCost) ledger.drCost[i] = cost;
    this.capture?.record(interval.index, interval.start, interval.durationH, ledger, imbalancePrices);

    // 10b. On a LinDistFlow feeder, the AC check of what the meters read says what voltages the sites saw and what losses
    // flowed (meteredFeeder.ts); the distribution operator buys the schedule's losses at the substation's real-time price
    // and what flowed beyond them at its imbalance price (losses.ts).
    const metered = result.feeder && radial ? meteredFeeder(radial, result.feeder, netKw, this.busOf, this.info.buses) : undefined;
    if (metered) grid!.feeder!.voltages?.measured(interval.index, metered.vmPu, metered.converged);
    const losses = result.feeder ? settleLosses(result.feeder, book, result.busPriceMwh, metered && { metered, imbalancePriceMwh: imbalancePrices }) : undefined;

    // 11. The books.
    const violations = checkBooks({
      losses,
      meteredFeeder: metered,
      reactive,
      kvarPerKw: this.memberKvarPerKw,
      interval: interval.index,
      parties: this.parties,
      busOf: this.busOf,
      ledger,
      book,
      result,
      dayAhead,
      imbalancePriceMwh: imbalancePrices,
      drPaidByOperators: measured.drPaid,
      aggregatorFees: new Map(books.aggregators.map((a) => [indexOfParty(this.parties, a.id), a.feeIncome])),
      retailerRevenue: new Map(books.retailers.map((r) => [indexOfParty(this.parties, r.id), r.revenue])),
    });
    const costUnits = costUnitsOf(ledger, this.spent?.costUnits.length === n ? this.spent.costUnits : new Float64Array(n));
    // Taken over by the next interval once the sink has had this one (sink.interval returns first: steps()).
    this.spent = this.reuseArrays ? { builder, ledger, settlement, netKw, costUnits, observations, awarded: result.awardedQuanta, rows: bids.rows, plannedKw: commands.plannedKw } : undefined;

    const outcome: IntervalOutcome = {
      interval,
      book,
      result: withMeasuredFlows(result, measured.flows),
      settlement,
      rejections,
      faults: crashes.faults,
      parties: this.parties,
      ledger,
      buyQuanta: ledger.buyQuanta,
      sellQuanta: ledger.sellQuanta,
      priceMwh: ledger.priceMwh,
      costUnits,
      costExtra: ledger.costExtra,
      ...(reactive ? { reactive } : {}),
      crashed: crashes.crashed,
      observations,
      dayAhead,
      imbalance: {
        redispatched: deviates,
        busPriceMwh: redispatched ? imbalancePrices : new Float64Array(book.buses.length).fill(NaN),
        busDeviationQuanta: busDeviationQuanta(ledger, this.hasMeter, this.busOf, book, result, new Float64Array(book.buses.length)),
        grossDeviationQuanta: absoluteDeviationQuanta(ledger, this.routeOf) / 2,
        unservedQuanta: redispatched?.unservedQuanta ?? new Float64Array(book.buses.length),
        spilledQuanta: redispatched?.spilledQuanta ?? new Float64Array(book.buses.length),
        curtailedQuanta: curtailedAtBus ?? new Float64Array(book.buses.length),
        shedQuanta: shedAtBus ?? new Float64Array(book.buses.length),
        overloaded: redispatched?.overloaded ?? false,
      },
      drPaid: measured.drPaid,
      aggregators: books.aggregators,
      retailers: books.retailers,
      events,
      ...(dayAheadFailures.length > 0 ? { dayAheadFailures } : {}),
      books: violations,
      ...(losses ? { losses } : {}),
      ...(metered ? { meteredFeeder: metered } : {}),
      ...(this.comms ? { comms: this.takeComms(events) } : {}),
    };
    if (desk?.days.closesDay(interval.index)) appendAll(this.retailerMoves, desk.closeDay(desk.days.dayOf(interval.index)));
    return outcome;
  }

  /**
   * Customers that moved to another retailer at the last day's close trade through it from this interval on: their energy,
   * imbalance and retail charges go to its books (`viaOf`, and `parties[i].via`, which the books check and agents.csv read),
   * as their bills do (by tariff). Not at the close itself: the sink writes the day's last interval after it, under the old retailer.
   */
  private followRetailers(from: number): void {
    for (const m of this.retailerMoves) {
      const stints = this.retailerStints.get(m.party) ?? this.retailerStints.set(m.party, [{ from: 0, via: this.viaOf[m.party]! }]).get(m.party)!;
      stints.push({ from, via: m.to });
      this.viaOf[m.party] = m.to;
      this.parties[m.party] = { ...this.parties[m.party]!, via: this.parties[m.to]!.id };
    }
    this.retailerMoves = [];
  }

  /** A customer that changed retailer: each of its retailers and the window [fromMs, toMs) it supplied it (metering/privacy.ts `supply`); else undefined. */
  private supplyOf(party: number): Array<{ via: number; fromMs: number; toMs: number }> | undefined {
    const stints = this.retailerStints.get(party);
    if (stints === undefined) return undefined;
    const ms = (k: number) => this.clock.start + k * minutesToMs(this.clock.intervalMinutes);
    return stints.map((s, j) => ({ via: s.via, fromMs: ms(s.from), toMs: ms(stints[j + 1]?.from ?? this.clock.intervals) }));
  }

  /** 7b. The sites whose injection re-dispatch could not place export less, pro rata (`ledger.curtailedQuanta`), and say so in the events. */
  private curtailSites(interval: MarketInterval, ledger: IntervalLedger, observations: AgentObservation[], crashes: Crashes, events: GridEvent[], cutOff: Uint8Array | undefined): void {
    this.tellSites(ledger.curtailedQuanta, (a) => a.curtail?.bind(a), interval, ledger, observations, crashes, events, 'SPILL_CURTAILED', 'curtailed', 're-dispatch could not place the injection surplus at {bus}: its export curtailed pro rata', cutOff);
  }

  /** 7c. The sites whose consumption re-dispatch could not cover consume less, pro rata (`ledger.shedQuanta`), and say so in the events. */
  private shedSites(interval: MarketInterval, ledger: IntervalLedger, observations: AgentObservation[], crashes: Crashes, events: GridEvent[], cutOff: Uint8Array | undefined): void {
    this.tellSites(ledger.shedQuanta, (a) => a.shed?.bind(a), interval, ledger, observations, crashes, events, 'LOAD_SHED', 'shed', 're-dispatch could not cover the withdrawal at {bus}: its load shed pro rata', cutOff);
  }

  /**
   * Each site with quanta in `taken` (curtailed or shed): its agent is told, when it has the method
   * (`tell`), and observed again (a throw isolates it), and an event says how much, at its bus.
   */
  private tellSites(
    taken: Float64Array,
    tell: (a: AgentRuntime) => ((kw: number, interval: MarketInterval) => void) | undefined,
    interval: MarketInterval,
    ledger: IntervalLedger,
    observations: AgentObservation[],
    crashes: Crashes,
    events: GridEvent[],
    type: string,
    response: string,
    detail: string,
    silentAt?: Uint8Array,
  ): void {
    const parts = this.participants;
    const q = ledger.quantumKw;
    for (let i = 0; i < parts.length; i++) {
      const c = taken[i]!;
      if (c === 0) continue;
      const a = (parts[i] as AgentParticipant).runtime;
      const told = tell(a);
      if (told) {
        try {
          told(c * q, interval);
          observations[i] = markOwnControl(a.observe(), i, crashes);
        } catch (err) {
          crashes.crash(i, 'settle', err);
        }
      }
      // No row at a bus without supply (`silentAt`): the outage's rows and the reliability KPIs report it.
      if (silentAt?.[this.busOf[i]!] !== 1) events.push({ at: interval.start, issuer: 'market', target: a.id, type, requestedKw: c * q, response, deliveredKw: c * q, detail: detail.replace('{bus}', this.info.buses[this.busOf[i]!]!) });
    }
  }

  /**
   * 9. Retail customers' bills from their meters: those who bid, and those on their own control after their
   * bidding code crashed (their devices draw; their retailer carries the deviation); those who did not bid
   * otherwise (left out after a crash, faulted) are metered at zero.
   */
  private billCustomers(desk: RetailDesk, interval: MarketInterval, ledger: IntervalLedger, customerCurves: ReadonlyMap<number, unknown>, crashes: Crashes): void {
    const fromMeter = (i: number): void => {
      const a = ledger.actualQuanta[i]!;
      ledger.costExtra[i] = desk.meter(i, interval, { importQuanta: Math.max(0, a), exportQuanta: Math.max(0, -a), consumedQuanta: ledger.consumedQuanta[i]!, generatedQuanta: ledger.generatedQuanta[i]! });
    };
    for (const [i] of customerCurves) fromMeter(i);
    for (let i = 0; i < this.routeOf.length; i++) {
      if (this.routeOf[i] !== ROUTE_CUSTOMER || customerCurves.has(i)) continue;
      if (crashes.onOwnControl(i)) fromMeter(i);
      else ledger.costExtra[i] = desk.meter(i, interval, { importQuanta: 0, exportQuanta: 0, consumedQuanta: 0, generatedQuanta: 0 });
    }
  }

  /** The interval's messages.csv rows and command deliveries; the receivers' verdicts become events. */
  private takeComms(events: GridEvent[]): IntervalComms {
    const c = this.comms!.takeInterval();
    appendAll(events, c.events);
    return { rows: c.rows, commands: c.commands };
  }

  /**
   * Each retailer learns its customers' metered use per bus and what it bought there (its load forecast, its lifecycle).
   * Its observation is taken again after: the one of step 5 came before its meters, so agents.csv showed the previous
   * interval's balanced / short / long beside this interval's imbalance_kw.
   */
  private meterRetailers(interval: MarketInterval, ledger: IntervalLedger, crashes: Crashes, observations: AgentObservation[]): void {
    const q = ledger.quantumKw;
    for (const r of this.intermediaries) {
      const p = this.participants[r]!;
      if (p.role !== 'retailer' || crashes.crashed[r]) continue;
      const usedKw = new Map<BusId, number>();
      const boughtKw = new Map<BusId, number>();
      for (const pos of ledger.busPositions) {
        if (pos.party !== r) continue;
        usedKw.set(pos.bus, pos.actualQuanta * q);
        boughtKw.set(pos.bus, (pos.buyQuanta - pos.sellQuanta) * q);
      }
      // Under retail competition each customer's meter too (the retailer forecasts customer by customer).
      let customersKw: Map<number, number> | undefined;
      if (this.desk?.retailCompetition) {
        customersKw = new Map();
        for (const members of this.desk.customersOf(r).values()) for (const i of members) if (!Number.isNaN(ledger.actualQuanta[i]!)) customersKw.set(i, ledger.actualQuanta[i]! * q);
      }
      try {
        p.runtime.metered(interval, usedKw, boughtKw, customersKw);
        observations[r] = p.runtime.observe();
      } catch (err) {
        crashes.crash(r, 'settle', err);
      }
    }
  }

  /**
   * On a communication plane: the views published for each interval (what bidders knew after the
   * interval before it cleared), per bus, kept while a party may still bid on them.
   */
  private readonly publishedViews = new Map<number, ReadonlyMap<BusId, MarketView>>();
  /** How many intervals' published views the run still keeps for parties bidding on old prices (a plane only; tests and diagnostics). */
  get retainedPriceViews(): number {
    return this.publishedViews.size;
  }

  /**
   * The market views of `interval`, per bus and, on a communication plane, per party: a party
   * whose newest received price broadcast is for interval j < index − 1 bids on the view
   * published after j cleared (its last price and forecast), moved to this interval: its
   * forecast starts at this interval (the entries it has passed dropped, the last one repeated
   * to keep the horizon), the interval and the weather are this interval's.
   */
  private marketViews(interval: MarketInterval, lastPrice: ReadonlyMap<BusId, number>, busIndex: ReadonlyMap<string, number>, forecaster: PriceForecaster, crashed: Uint8Array): (bus: BusId, party?: number) => MarketView {
    const fresh = this.freshViews(interval, lastPrice, busIndex, forecaster);
    const comms = this.comms;
    if (!comms) return fresh;
    const published = new Map<BusId, MarketView>(this.info.buses.map((b) => [b as BusId, fresh(b as BusId)]));
    this.publishedViews.set(interval.index, published);
    const bidTime = interval.gateClosure - minutesToMs(1);
    let oldest = interval.index;
    const stale = new Map<string, MarketView>();
    // A member bids when it sends its curve to its aggregator, MEMBER_LEAD_MS before the others.
    const bidTimeOf = (i: number): number => (this.routeOf[i] === ROUTE_MEMBER ? bidTime - MEMBER_LEAD_MS : bidTime);
    // A crashed party bids no more and is sent no more prices: its last view would pin every view since (pruned with it).
    for (let i = 0; i < this.parties.length; i++) if (!crashed[i]) oldest = Math.min(oldest, comms.pricesKnownAt(i, bidTimeOf(i)) + 1);
    for (const k of this.publishedViews.keys()) if (k < oldest) this.publishedViews.delete(k);
    return (bus, party) => {
      const from = party === undefined ? interval.index : comms.pricesKnownAt(party, bidTimeOf(party)) + 1;
      if (from >= interval.index) return fresh(bus);
      comms.staleView();
      const key = `${from}|${bus}`;
      let v = stale.get(key);
      if (!v) {
        const base = this.publishedViews.get(from)!.get(bus)!;
        const skip = interval.index - from;
        const f = base.priceForecastMwh;
        const forecast = f.length === 0 ? f : Array.from({ length: f.length }, (_, k) => f[Math.min(k + skip, f.length - 1)]!);
        const now = fresh(bus);
        v = Object.freeze({ ...base, interval: now.interval, conditions: now.conditions, priceForecastMwh: Object.freeze(forecast) });
        stale.set(key, v);
      }
      return v;
    };
  }

  /** Public market information per bus for one interval: frozen, shared by every agent at the bus. */
  private freshViews(interval: MarketInterval, lastPrice: ReadonlyMap<BusId, number>, busIndex: ReadonlyMap<string, number>, forecaster: PriceForecaster): (bus: BusId) => MarketView {
    const weather = this.environment.at(interval.start, interval.durationH);
    return this.busViews(interval, { outdoorC: weather.outdoorC, ghiWm2: weather.ghiWm2 }, lastPrice, (bus) => forecaster.forecast(busIndex.get(bus)!, interval.index));
  }

  /**
   * The public view of a delivery day's first interval as known at its day-ahead gate: the price
   * forecast from there (what has cleared so far), the last price; the weather is not known a day
   * ahead (NaN) — and drawing it now would move the weather's random stream.
   */
  private dayAheadViews(first: MarketInterval, run: RunState): (bus: BusId) => MarketView {
    return this.busViews(first, { outdoorC: NaN, ghiWm2: NaN }, run.lastPrice, (bus) => run.forecaster.forecast(run.busIndex.get(bus)!, first.index));
  }

  /** The views of `interval` per bus, each built on first request and then shared: the market's rules, the bus's last price and forecast, the conditions. */
  private busViews(interval: MarketInterval, weather: { readonly outdoorC: number; readonly ghiWm2: number }, lastPrice: ReadonlyMap<BusId, number>, forecastAt: (bus: BusId) => readonly number[]): (bus: BusId) => MarketView {
    const views = new Map<BusId, MarketView>();
    const conditions = Object.freeze({ outdoorC: weather.outdoorC, ghiWm2: weather.ghiWm2 });
    const intervalInfo = Object.freeze({ index: interval.index, start: interval.start, durationH: interval.durationH });
    return (bus) => {
      let v = views.get(bus);
      if (!v) {
        v = Object.freeze({
          interval: intervalInfo,
          priceCapMwh: pricePerMwh(this.rules.priceCapMwh),
          priceFloorMwh: pricePerMwh(this.rules.priceFloorMwh),
          quantumKw: kw(this.rules.quantumKw),
          lastPriceMwh: optionalPrice(lastPrice.get(bus)),
          priceForecastMwh: pricesPerMwh(forecastAt(bus)),
          conditions,
        });
        views.set(bus, v);
      }
      return v;
    };
  }

  /**
   * `customerBooks` for one day-ahead auction, asked once per retailer and billing day: a retailer's customers change
   * only where a billing day starts (a switch takes effect there), and one auction's gate sees every notice it will see.
   */
  private booksByBillingDay(): (retailer: number, k: number) => CustomerBook[] {
    const memo = new Map<string, CustomerBook[]>();
    const days = this.desk?.days;
    return (retailer, k) => {
      const key = `${retailer}:${days ? days.dayOf(k) : k}`;
      let books = memo.get(key);
      if (books === undefined) memo.set(key, (books = this.customerBooks(retailer, k)));
      return books;
    };
  }

  /**
   * What a retailer knows of its customers at each bus in interval `k` (the one it bids for; a day-ahead auction's first
   * delivery interval): a switch under notice (`tariffChoice.noticeDays`) counts from its day on.
   */
  private customerBooks(retailer: number, k: number): CustomerBook[] {
    const out: CustomerBook[] = [];
    // Where customers may change retailer, one by one (the retailer forecasts each from its own meter).
    const oneByOne = this.desk?.retailCompetition ?? false;
    for (const [bus, members] of this.desk?.customersOf(retailer, k) ?? []) {
      let declared = 0;
      let kvar = 0;
      const each: Array<{ party: number; declaredAnnualKwh: number }> = [];
      for (const i of members) {
        const kwh = (this.participants[i] as AgentParticipant).runtime.declaredAnnualKwh ?? DEFAULT_DECLARED_KWH;
        declared += kwh;
        if (this.memberKvarPerKw) kvar += kwh * this.memberKvarPerKw[i]!;
        if (oneByOne) each.push({ party: i, declaredAnnualKwh: kwh });
      }
      // On a feeder whose LP may price reactive power: its customers' tan φ, weighted as its forecast weighs them (declared consumption).
      const kvarPerKw = this.memberKvarPerKw ? (declared > 0 ? Math.round((kvar / declared) * 1e6) / 1e6 : 0) : undefined;
      out.push({ bus, customers: members.length, declaredAnnualKwh: declared, ...(oneByOne ? { members: each } : {}), ...(kvarPerKw !== undefined ? { kvarPerKw } : {}) });
    }
    return out.sort((a, b) => (a.bus < b.bus ? -1 : a.bus > b.bus ? 1 : 0));
  }
}

/** What one run keeps between its intervals. */
/**
 * What the agents of a run share. A class, not an object literal, for the reason RunState is one: the literal's second
 * evaluation (the next run) widened its fields to "any", and every agent method optimised on them (the homes' `at`) was thrown away.
 */
class RunEnv implements AgentEnv {
  constructor(
    readonly random: RandomService,
    readonly reportStrategyFault: StrategyFaultReporter,
    readonly site: Site,
    readonly environment: Environment,
    readonly clock: ClockSpec,
    readonly defaultBus: BusId,
    readonly lpSolver: LpSolver | undefined,
  ) {}
}

/**
 * What a run carries from interval to interval. A class, not an object literal: V8 records the hidden class of each
 * object-valued field's first value, and widens it to "any" when the same literal is built a second time (the next
 * run), which threw away realTime, optimised on those fields, at the start of every batch worker's second run (measured).
 */
class RunState {
  readonly closed: Array<Extract<GateOutput, { type: 'closed' }>> = [];
  /** Day-ahead positions per delivery interval (taken by its real-time interval), and what the auctions rejected or failed to clear. */
  readonly dayAhead = new Map<number, DayAheadPosition>();
  readonly dayAheadRejections: Rejection[] = [];
  readonly dayAheadFailures: DayAheadFailure[] = [];
  /** A day-ahead auction for reported days ran in the warm-up: its reports wait for the first reported interval (engine/warmUp.ts). */
  dayAheadForReported = false;
  /** What the warm-up days' auctions still had to report when the first auction for reported days closed: for the next interval. */
  warmUpDayAhead: { readonly rejections: Rejection[]; readonly failures: DayAheadFailure[]; readonly faults: Crashes['faults'] } | undefined = undefined;
  private lateRejections: Rejection[] = [];

  constructor(
    readonly crashes: Crashes,
    readonly busIndex: ReadonlyMap<BusId, number>,
    readonly indexOf: ReadonlyMap<string, number>,
    readonly lastPrice: Map<BusId, number>,
    readonly forecaster: PriceForecaster,
    readonly intervalsPerDay: number,
    readonly submissions$: Subject<GateInput>,
  ) {}

  /** What the gate emits: a closed book waits in `closed`, a late bid's rejection until `takeLate`. */
  gateOutput(out: GateOutput): void {
    if (out.type === 'closed') this.closed.push(out);
    else this.lateRejections.push(out.rejection);
  }

  /** The late-bid rejections the gate emitted since the last call. */
  takeLate(): Rejection[] {
    const taken = this.lateRejections;
    this.lateRejections = [];
    return taken;
  }
}

/** The first operator with `selfHealing:`, as the grid room takes it. */
function selfHealingOf(operators: ScenarioOperators): { selfHealing?: { operator: string; restoreAfterMinutes: number } } {
  const o = operators.find((x) => x.selfHealing !== undefined);
  return o ? { selfHealing: { operator: o.id, restoreAfterMinutes: o.selfHealing!.restoreAfterMinutes } } : {};
}
type ScenarioOperators = Scenario['config']['operations'];

const indexOfParty = (parties: readonly Party[], id: string): number => parties.findIndex((p) => p.id === id);

/**
 * The clearing's result with the flows the grid room measured. A literal, not `{ ...result, flows }`:
 * until the spread's inline cache had warmed up (the first ten intervals of a batch worker's first
 * run), it built its copy through the runtime, with another hidden class than the fast copies after
 * it, and the recorder's and the KPIs' optimised passes deopted on the change ("wrong map",
 * node --trace-opt --trace-deopt).
 */
function withMeasuredFlows(result: ClearingResult, flows: readonly BranchFlow[]): ClearingResult {
  const { interval, status, message, mechanism, awardedQuanta, busPriceMwh, welfare, feeder } = result;
  if (feeder === undefined) return { interval, status, message, mechanism, awardedQuanta, busPriceMwh, flows, welfare };
  return { interval, status, message, mechanism, awardedQuanta, busPriceMwh, flows, welfare, feeder };
}

/** A customer's retailer in interval k from its stints (ascending `from`), or undefined for one that never changed. */
function viaIn(stints: ReadonlyArray<{ readonly from: number; readonly via: number }> | undefined, k: number): number | undefined {
  if (stints === undefined) return undefined;
  let via = stints[0]!.via;
  for (const s of stints) if (s.from <= k) via = s.via;
  return via;
}

const NO_DAY_AHEAD_FAILURES: readonly DayAheadFailure[] = [];

/** A failed auction's row in events.csv (`detail`): its intervals by index, the status and the clearing's message. */
function dayAheadFailureDetail(f: DayAheadFailure): string {
  return `day-ahead auction for intervals ${f.firstInterval}–${f.firstInterval + f.intervalCount - 1}: ${f.status}: ${f.message}`;
}

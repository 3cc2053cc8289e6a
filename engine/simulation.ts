/**
 * The simulation loop: one virtual clock drives every market interval.
 *
 *   clock$ ──► agents bid (strategies, frozen views) ──► submissions$ ──gateClosure──►
 *   order book (validation) ──► clear (pure) ──► settle (decimal) ──► one event per agent ──► sink
 *
 * Everything runs synchronously in virtual time. Agents are isolated: an agent
 * whose strategy or machine throws is reported, marked faulted and skipped; the
 * run goes on.
 */
import { Subject } from 'rxjs';
import type { AgentObservation, AgentRuntime } from '../agents/types.ts';
import { agentKind } from '../agents/registry.ts';
import { RandomService, type Rng } from '../core/rng.ts';
import { type SimTime, minutesToMs, MS_PER_DAY, parseSimTime, simTime } from '../core/time.ts';
import { type BusId, busId } from '../core/units.ts';
import { clear, type Grid } from '../market/clear.ts';
import { loadHighsSolver } from '../market/lp/highs.ts';
import { jslpSolver } from '../market/lp/jslp.ts';
import { networkFromConfig } from '../network/schema.ts';
import { TopologyCache } from '../network/topology.ts';
import { gateClosure, type GateInput, type GateOutput } from '../market/gate.ts';
import { OrderBookBuilder } from '../market/orderBook.ts';
import { settle, type Settlement } from '../market/settlement.ts';
import type { Bid, ClearingResult, MarketRules, OrderBook, Rejection } from '../market/types.ts';
import type { MarketView } from '../strategies/types.ts';
import { type ClockSpec, intervalAt, type MarketInterval, marketClock } from './clock.ts';
import { Environment } from './environment.ts';
import { PriceForecaster } from './forecast.ts';
import type { Scenario } from './scenario/load.ts';

/** The single bus of a scenario without a network. */
export const DEFAULT_BUS = busId('main');

export interface AgentFault {
  readonly agentId: string;
  readonly kind: string;
  readonly at: SimTime;
  /** Where it failed: while bidding or while taking its award. */
  readonly phase: 'bid' | 'settle';
  readonly message: string;
}

/** Everything that happened in one interval, handed to the sink. */
export interface IntervalOutcome {
  readonly interval: MarketInterval;
  readonly book: OrderBook;
  readonly result: ClearingResult;
  readonly settlement: Settlement;
  readonly rejections: readonly Rejection[];
  readonly faults: readonly AgentFault[];
  readonly agents: readonly AgentRuntime[];
  /** Per agent (same order as `agents`): cleared buy and sell kW, and bid index in the book (−1 when none). */
  readonly buyKw: Float64Array;
  readonly sellKw: Float64Array;
  readonly bidOf: Int32Array;
  /** Per agent: true once it has crashed (it no longer takes part). */
  readonly crashed: Uint8Array;
  /** Per agent, its state after the award (read once, shared by every consumer of the outcome). */
  readonly observations: readonly AgentObservation[];
}

export interface SimulationSink {
  interval(outcome: IntervalOutcome): void;
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

interface Participant {
  readonly runtime: AgentRuntime;
  readonly latency: { readonly min: number; readonly max: number; readonly rng: Rng } | undefined;
}

export class Simulation {
  /** Builds the grid (and loads the LP solver, asynchronously) when the scenario has a network. */
  static async create(scenario: Scenario, options: { seed?: number | undefined } = {}): Promise<Simulation> {
    const cfg = scenario.config;
    let grid: Grid | undefined;
    if (cfg.network) {
      const network = networkFromConfig(cfg.network);
      const needsLp = network.buses.length > 1 && cfg.market.mechanism !== 'double-auction';
      const solver = needsLp && cfg.market.solver === 'highs' ? await loadHighsSolver() : jslpSolver;
      grid = { network, solver, topologies: new TopologyCache() };
    }
    return new Simulation(scenario, options, grid);
  }

  readonly info: RunInfo;
  readonly rules: MarketRules;
  private readonly clock: ClockSpec;
  private readonly participants: Participant[];
  private readonly agentIds: Set<string>;
  readonly environment: Environment;

  private constructor(
    readonly scenario: Scenario,
    options: { seed?: number | undefined },
    readonly grid: Grid | undefined,
  ) {
    const cfg = scenario.config;
    const seed = options.seed ?? cfg.seed;
    const random = new RandomService(seed);
    const start = parseSimTime(cfg.start)!;
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
    const env = { random, site: cfg.site, environment: this.environment, clock: this.clock, defaultBus };
    this.participants = [];
    for (const group of cfg.agents) {
      const runtimes = agentKind(group.kind).create(group, env);
      for (const runtime of runtimes) {
        const l = group.commsLatencyMinutes;
        this.participants.push({ runtime, latency: l && { ...l, rng: random.stream(runtime.id, 'comms-latency') } });
      }
    }
    this.agentIds = new Set(this.participants.map((p) => p.runtime.id));
    const buses = grid ? grid.network.buses.map((b) => b.id) : [DEFAULT_BUS];
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
    const agents = this.participants.map((p) => p.runtime);
    const n = agents.length;
    const crashed = new Uint8Array(n);
    const indexOf = new Map(agents.map((a, i) => [a.id as string, i]));
    const lastPrice = new Map<BusId, number>();
    const busIndex = new Map(this.info.buses.map((b, k) => [b, k]));
    const intervalsPerDay = Math.round((24 * 60) / this.clock.intervalMinutes);
    const forecaster = new PriceForecaster(this.info.buses.length, this.clock.intervals, intervalsPerDay, this.clock.intervalMinutes, this.scenario.config.forecast);
    const busOf = Int32Array.from(agents, (a) => this.info.buses.indexOf(a.bus));
    let faults: AgentFault[] = [];
    let now: SimTime = this.clock.start;
    let lateRejections: Rejection[] = [];
    const crash = (i: number, phase: AgentFault['phase'], err: unknown): void => {
      if (crashed[i]) return;
      crashed[i] = 1;
      const a = agents[i]!;
      faults.push({ agentId: a.id, kind: a.kind, at: now, phase, message: err instanceof Error ? err.message : String(err) });
    };
    // An error inside a machine stops that actor; without an observer XState would rethrow it later.
    for (const [i, a] of agents.entries()) a.actor.subscribe({ error: (err: unknown) => crash(i, 'settle', err) });

    // The market pipeline: submissions → gate closure → books. Synchronous, in virtual time.
    const submissions$ = new Subject<GateInput>();
    const closed: Array<Extract<GateOutput, { type: 'closed' }>> = [];
    submissions$.pipe(gateClosure((k) => intervalAt(this.clock, k).gateClosure)).subscribe((out) => {
      if (out.type === 'closed') closed.push(out);
      else lateRejections.push(out.rejection);
    });

    marketClock(this.clock).subscribe((interval) => {
      faults = [];
      now = interval.start;
      const rejections: Rejection[] = lateRejections; // late bids for this interval arrive after its gate
      lateRejections = [];
      const views = new Map<BusId, MarketView>();
      const weather = this.environment.at(interval.start, interval.durationH);
      const conditions = Object.freeze({ outdoorC: weather.outdoorC, ghiWm2: weather.ghiWm2 });
      const intervalInfo = Object.freeze({ index: interval.index, start: interval.start, durationH: interval.durationH });
      const marketView = (bus: BusId): MarketView => {
        let v = views.get(bus);
        if (!v) {
          v = Object.freeze({
            interval: intervalInfo,
            priceCapMwh: this.rules.priceCapMwh,
            priceFloorMwh: this.rules.priceFloorMwh,
            lastPriceMwh: lastPrice.get(bus),
            priceForecastMwh: forecaster.forecast(busIndex.get(bus)!, interval.index),
            conditions,
          });
          views.set(bus, v);
        }
        return v;
      };

      // 1. Agents bid at one minute before gate closure, plus any communication latency.
      const bidTime = interval.gateClosure - minutesToMs(1);
      const late: Array<{ bid: Bid; at: SimTime }> = [];
      const onTime: Bid[] = [];
      for (let i = 0; i < n; i++) {
        if (crashed[i]) continue;
        const a = agents[i]!;
        let segments;
        try {
          segments = a.bid(interval, marketView(a.bus));
        } catch (err) {
          crash(i, 'bid', err);
          continue;
        }
        if (segments.length === 0) continue;
        const bid: Bid = { id: `${a.id}@${interval.index}`, agentId: a.id, bus: a.bus, interval: interval.index, segments };
        const p = this.participants[i]!;
        const at = simTime(bidTime + (p.latency ? minutesToMs(p.latency.rng.uniform(p.latency.min, p.latency.max)) : 0));
        if (at <= interval.gateClosure) onTime.push(bid);
        else late.push({ bid, at });
      }
      for (const bid of onTime) submissions$.next({ type: 'bid', bid, submittedAt: simTime(bidTime) });
      submissions$.next({ type: 'close', interval: interval.index, at: interval.gateClosure });
      late.sort((x, y) => x.at - y.at);
      for (const { bid, at } of late) submissions$.next({ type: 'bid', bid, submittedAt: at });
      rejections.push(...lateRejections);
      lateRejections = [];

      // 2. The book: validation rejects bad bids with a reason; the rest goes on.
      const gate = closed.shift()!;
      const builder = new OrderBookBuilder(
        { interval: interval.index, durationH: interval.durationH, rules: this.rules, buses: this.info.buses, isKnownAgent: (id) => this.agentIds.has(id) },
        Math.max(1024, n * 4),
      );
      for (const bid of gate.bids) {
        const r = builder.add(bid);
        if (r) rejections.push(r);
      }
      const book = builder.build();

      // 3. Clear (pure) and settle (exact).
      const result = clear(book, this.scenario.config.market.mechanism, this.grid);
      const settlement = settle(book, result);

      // 4. Each agent gets its own award: one machine event.
      const buyKw = new Float64Array(n);
      const sellKw = new Float64Array(n);
      const bidOf = new Int32Array(n).fill(-1);
      for (let b = 0; b < book.bids.length; b++) {
        const i = indexOf.get(book.bids[b]!.agentId)!;
        bidOf[i] = b;
        buyKw[i] = settlement.buyQuanta[b]! * this.rules.quantumKw;
        sellKw[i] = settlement.sellQuanta[b]! * this.rules.quantumKw;
      }
      for (let k = 0; k < book.buses.length; k++) {
        const p = result.busPriceMwh[k]!;
        if (!Number.isNaN(p)) lastPrice.set(book.buses[k]!, p);
      }
      forecaster.record(interval.index, result.busPriceMwh);
      for (let i = 0; i < n; i++) {
        if (crashed[i]) continue;
        try {
          agents[i]!.settle({ interval, buyKw: buyKw[i]!, sellKw: sellKw[i]!, priceMwh: result.busPriceMwh[busOf[i]!]!, bidAccepted: bidOf[i]! >= 0 });
        } catch (err) {
          crash(i, 'settle', err);
        }
      }
      const observations = agents.map((a, i): AgentObservation => {
        if (crashed[i]) return CRASHED;
        try {
          return a.observe();
        } catch (err) {
          crash(i, 'settle', err);
          return CRASHED;
        }
      });
      sink.interval({ interval, book, result, settlement, rejections, faults, agents, buyKw, sellKw, bidOf, crashed, observations });
    });
    submissions$.complete();
  }
}

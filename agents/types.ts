/**
 * What the engine needs from every agent, whatever its kind. Each kind lives in
 * its own folder (`agents/<kind>/`): an XState machine that owns the lifecycle,
 * pure functions for its physics, a config schema for scenario files, and a
 * `create` function that wires them to a strategy into `AgentRuntime`s.
 */
import type { StorageRating } from './operations/prePosition.ts';
import type { IntertemporalBid } from '../market/dayAhead/types.ts';
import type { AnyStateMachine } from 'xstate';
import type { AggregatorContract } from './aggregator/contract.ts';
import type { AnyLifecycle } from './lifecycle.ts';
import type * as z from 'zod';
import type { RandomService } from '../core/rng.ts';
import type { Money } from '../core/money.ts';
import type { AgentId, BusId } from '../core/units.ts';
import type { ClockSpec, MarketInterval } from '../core/clock.ts';
import type { Environment, Site } from './environment.ts';
import type { LpSolver } from '../market/lp/solver.ts';
import type { BidSegment, MarketRules } from '../market/types.ts';
import type { PackedCurves } from '../market/packedCurves.ts';
import type { MarketView, ValueSegment } from '../strategies/types.ts';
import type { StrategyFaultReporter } from '../strategies/guard.ts';

/** The result of one interval for one agent, delivered as a single machine event. */
export interface Award {
  readonly interval: MarketInterval;
  /** Cleared purchase and sale, kW over the interval (both ≥ 0). */
  readonly buyKw: number;
  readonly sellKw: number;
  /** Clearing price at the agent's bus, currency/MWh; NaN when none was defined. */
  readonly priceMwh: number;
  /** False when the agent's bid was rejected or it did not bid. */
  readonly bidAccepted: boolean;
  /** Set when an operator's command changed the award (the change is already in buyKw/sellKw), kW. */
  readonly commandedKw?: number;
  /**
   * True when the agent has no position this interval: its bid never reached the book (late,
   * lost, rejected; engine/interval/noPosition.ts). buyKw and sellKw are then 0 and mean nothing to
   * follow: its devices run on their own control (a home's and a building's loads as their
   * thermostats and plugs ask, a car charging as it would unmanaged, PV making what it makes),
   * and the meter's deviation settles at the imbalance price. A generator or a battery stays idle:
   * output nobody scheduled is not its own control's to decide (docs/markets.md, "No position").
   */
  readonly ownControl?: boolean;
}

/** One agent's row in agents.csv, besides what the engine knows (award, price, cost). */
export interface AgentObservation {
  /** The machine's state value, e.g. 'normal', 'curtailed', 'charging'. */
  readonly state: string;
  readonly socKwh?: number | undefined;
  readonly indoorTempC?: number | undefined;
  /** What the agent would have consumed (kW) without any price response: the no-flexibility baseline. */
  readonly baselineKw: number;
  /** Wanted energy the agent did not get this interval (kWh), e.g. load shed. */
  readonly unservedKwh: number;
  /** Energy an EV lacked at a departure in this interval (kWh). */
  readonly unmetDepartureKwh?: number | undefined;
  /** Comfort violation in this interval: degrees outside the band × hours (°C·h). */
  readonly comfortViolationDegH?: number | undefined;
  /**
   * What the site's devices actually did this interval, after the award and any command,
   * as its meter at the connection point sees it: gross consumption (loads, charging) and
   * gross generation (PV, discharging, a generator's output), kW averaged over the interval,
   * both ≥ 0. Net withdrawal = consumedKw − generatedKw. Every agent with devices reports
   * both (the engine meters them, engine/interval/meter.ts); intermediaries leave them out.
   */
  readonly consumedKw?: number | undefined;
  readonly generatedKw?: number | undefined;
  /**
   * Of `generatedKw`, what the site can spill without changing its state (a home's PV), kW:
   * what the operator may curtail when nobody can take an injection surplus
   * (engine/interval/curtail.ts); an agent whose state that changes (a battery's discharge)
   * also has `AgentRuntime.curtail`. Absent: nothing (EVs, generators).
   */
  readonly curtailableKw?: number | undefined;
  /**
   * Of `consumedKw`, what the site can go without when nothing can supply it, kW (a home's
   * base load, a building's plug load: nothing else in the model depends on them): what the
   * operator may shed when regulation cannot cover a withdrawal (engine/interval/shed.ts). An
   * agent that reports it has `AgentRuntime.shed`. Absent: nothing.
   */
  readonly sheddableKw?: number | undefined;
  /**
   * Of `consumedKw`, beyond `sheddableKw`, what else the site can be shed when even all the
   * free load at its bus is not enough, kW: consumption whose loss its devices feel (a home's
   * or a building's HVAC, lighting and appliance runs, a car's or a battery's charging). The
   * agent recomputes their state from what was delivered (`AgentRuntime.shed`): the indoor
   * temperature, the state of charge. Absent: nothing (engine/interval/shed.ts, tier 2).
   */
  readonly deviceSheddableKw?: number | undefined;
}

export interface AgentRuntime {
  readonly id: AgentId;
  readonly kind: string;
  readonly bus: BusId;
  /** Its lifecycle machine's state (agents/lifecycle.ts): the engine sends FAULT and REPAIR to it and reports its state. */
  readonly lifecycle: AnyLifecycle;
  /** Calls the agent's strategy with frozen views and returns its bid for the interval. */
  bid(interval: MarketInterval, market: MarketView): readonly BidSegment[];
  /**
   * Optional fast path of `bid` for agents that trade themselves: the same bid (the same
   * state change), its segments appended to `out` as packed rows and undefined returned;
   * or, when it has no packed form, the segments as `bid` returns them, nothing written.
   */
  bidPacked?(interval: MarketInterval, market: MarketView, out: PackedCurves): readonly BidSegment[] | undefined;
  /**
   * Delivers the award: exactly one event to the machine. The award is read during the call
   * only: the engine rewrites the same object for the next agent (engine/interval/deliver.ts
   * `AwardScratch`), so copy any figure you keep.
   */
  settle(award: Award): void;
  /**
   * Optional: what it would consume and generate (kW) this interval on its own control
   * (`Award.ownControl`), from its bid's needs; called before `settle` only for a site without a
   * position, as the operators' planned schedule for it (engine/interval/commands.ts): its position,
   * 0, is not what it will do. Absent: it would draw nothing of its own accord (generators, batteries).
   */
  ownControlKw?(interval: MarketInterval): { readonly consumedKw: number; readonly generatedKw: number };
  /**
   * Optional: for a site whose bidding code crashed (engine/interval/participants.ts `Crashes`): its
   * devices' part of the interval's round without a bid — what `bid` works out before it asks its
   * strategy (a home's or a building's needs, its PV; a car plugging in) — so that `ownControlKw` and
   * `settle` with `Award.ownControl` act on this interval's needs. Called instead of `bid`, every
   * interval from the crash on; no strategy is asked. Absent: nothing to prepare (a generator and a
   * battery idle on their own control).
   */
  prepareOwnControl?(interval: MarketInterval, market: MarketView): void;
  /** Reads the agent's state after `settle`, for the recorder. */
  observe(): AgentObservation;
  /**
   * Optional: `observe` written into `into`, an observation this agent's `observe` or
   * `observeInto` returned for an earlier interval that no one reads any more, and returned
   * (engine/interval/deliver.ts `deliverAndObserve`, with `SimulationOptions.reuseIntervalArrays`):
   * the same figures without a new object per agent and interval, which otherwise lives the
   * whole interval and is copied by the young-generation collector.
   */
  observeInto?(into: AgentObservation): AgentObservation;
  /** Annual consumption the customer declares to a retailer, kWh/a (what a supplier forecasts new customers from). */
  readonly declaredAnnualKwh?: number;
  /** Present when the agent can take operator commands (curtailment, V2G). */
  readonly responder?: CommandResponder;
  /**
   * Present for a stationary battery: its registered ratings (SoC bounds, inverter limits,
   * efficiencies), what an operator that pre-positions storage plans its setpoints on
   * (agents/operations/prePosition.ts); never its state of charge.
   */
  readonly storageRating?: StorageRating;
  /**
   * Present for a V2G-capable car: its charge point's registered ratings (battery bounds, charger
   * and inverter limits, efficiencies), what an operator that pre-positions cars (`prePosition.cars`)
   * plans its setpoints on. Never its session: the car answers from that itself (agents/ev/setpoint.ts).
   */
  readonly v2gRating?: StorageRating;
  /**
   * Present for dispatchable units (generators): what it can physically produce this interval,
   * kW at marginal cost (cheapest first), and take back, kW at what it pays (most valuable
   * first); both empty while faulted. The real-time market re-dispatches it along these
   * around its position (market/redispatch.ts).
   */
  regulation?(interval: MarketInterval): { readonly offers: readonly ValueSegment[]; readonly takes: readonly ValueSegment[] };
  /**
   * Present for agents whose curtailable injection (`AgentObservation.curtailableKw`) changes
   * their state (a battery keeps the energy it did not discharge): the engine's spill
   * curtailment (engine/interval/curtail.ts) takes `kw` off what the agent injected this
   * interval, after `settle`; the agent corrects its state, and `observe()` then reports the
   * corrected figures. Agents whose curtailable injection leaves no trace (PV) need not have it.
   */
  curtail?(kw: number, interval: MarketInterval): void;
  /**
   * Present for agents that report `AgentObservation.sheddableKw` or `deviceSheddableKw`: the
   * engine's load shedding (engine/interval/shed.ts) takes `kw` off what the agent consumed
   * this interval, after `settle`, once (never more than the two together). The agent takes it
   * off its free load first, then off its devices, whose state it recomputes from what they
   * were actually delivered (indoor temperature, state of charge); it counts the energy as
   * one it went without (`unservedKwh`), and `observe()` then reports the corrected figures.
   */
  shed?(kw: number, interval: MarketInterval): void;
  /**
   * Present for agents that bid into a day-ahead auction themselves (generators: their offer
   * per interval; storage: one intertemporal `StorageBid`). Called once per auction at its
   * gate with the delivery intervals and the public view of the first of them at its bus
   * (price forecast of the day from the gate; weather unknown, NaN); must not change the
   * agent's state. Agents without it get the engine's default day-ahead bid (engine/interval/dayAhead.ts).
   */
  dayAhead?(intervals: readonly MarketInterval[], market?: MarketView): DayAheadOffer;
  /**
   * Present for agents that operate to their day-ahead schedule (storage, EVs): called after each
   * day-ahead clearing with the agent's own cleared schedule, net withdrawal kW per delivery
   * interval index (+ charge, − discharge; the sum of its intertemporal bids' schedules).
   * Not called when the clearing failed or the agent had no schedule.
   */
  dayAheadAwarded?(schedule: ReadonlyMap<number, number>): void;
}

/**
 * An agent's day-ahead bid: simple curves per delivery interval and/or intertemporal bids
 * (market/dayAhead/types.ts): one, or a list (an EV bids one per plug-in session in the day).
 */
export interface DayAheadOffer {
  readonly curves?: ReadonlyArray<{ readonly interval: number; readonly segments: readonly BidSegment[] }>;
  /** Without `id`, `agentId` and `bus`: the engine names and places it. */
  readonly intertemporal?: DayAheadIntertemporal | readonly DayAheadIntertemporal[];
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type DayAheadIntertemporal = DistributiveOmit<IntertemporalBid, 'id' | 'agentId' | 'bus'>;

export interface AgentEnv {
  readonly random: RandomService;
  /** Where kinds report a strategy that threw or answered nonsense (the engine records it; the agent goes on with its default). */
  readonly reportStrategyFault: StrategyFaultReporter;
  readonly site: Site;
  /** Weather of the site, per interval (shared, cached). */
  readonly environment: Environment;
  readonly clock: ClockSpec;
  /** The bus an agent goes to when its group names none. */
  readonly defaultBus: BusId;
  /** An LP solver for strategies that plan (`mpc`): HiGHS, preloaded by the engine when a scenario needs it; else undefined. */
  readonly lpSolver?: LpSolver | undefined;
}

export interface AgentKindModule<G extends { kind: string }> {
  readonly role: 'agent';
  readonly kind: G['kind'];
  /** Schema of one `agents:` entry of this kind in a scenario file. */
  readonly groupSchema: z.ZodType<G>;
  /** The machine definition, for reports and documentation. */
  readonly machine: AnyStateMachine;
  create(group: G, env: AgentEnv): AgentRuntime[];
}

/** A member's curve as its aggregator (or a customer's as its retailer) receives it. */
export interface MemberCurve {
  /** Index of the member among the simulation's agents. */
  readonly member: number;
  readonly memberId: string;
  readonly bus: BusId;
  readonly segments: readonly BidSegment[];
  /**
   * On a LinDistFlow feeder that prices reactive power: tan φ of the member's consumption (its kind's power factor,
   * kvar per kW, 6 decimals), so that its aggregator bids it with members of the same power factor. Absent elsewhere.
   */
  readonly kvarPerKw?: number;
}

/** What an intermediary's bid at one bus cleared: kW bought and sold over the interval, and the bus price (NaN for none). */
export interface BusAward {
  readonly bus: BusId;
  readonly buyKw: number;
  readonly sellKw: number;
  readonly priceMwh: number;
  /** The power-factor class of the bid it answers (`BusBid.kvarPerKw`), when the aggregator bid one per class. */
  readonly kvarPerKw?: number;
}

/** What the market awarded the aggregator at one bus (quanta) and the price there. */
export interface AggregatorBusAward {
  readonly bus: BusId;
  readonly buyQuanta: number;
  readonly sellQuanta: number;
  readonly priceMwh: number;
  /**
   * The award of its bid for the members of one power factor (`BusBid.kvarPerKw`): split among those members only,
   * at `splitPriceMwh`, the price the clearing weighed their buys against (the DLMP + tan φ × the bus's reactive
   * price). Absent: one bid per bus, split among all its members there at `priceMwh`.
   */
  readonly kvarPerKw?: number;
  readonly splitPriceMwh?: number;
}

/** One member's share of its aggregator's award, and what it owes for it (agents/aggregator/split.ts). */
export interface MemberShare {
  /** The member's index among the run's agents (`MemberCurve.member`). */
  readonly member: number;
  readonly bus: BusId;
  readonly buyQuanta: number;
  readonly sellQuanta: number;
  /** (buy − sell) × price ticks: what the share costs at the bus price, settlement units. */
  readonly energyUnits: number;
  /** The contract's fee for the share, exact. */
  readonly fee: Money;
}

/** A bid an intermediary places for others, one per bus (an aggregator on a feeder that prices reactive power: one per bus and power factor). */
export interface BusBid {
  readonly bus: BusId;
  readonly segments: readonly BidSegment[];
  /** tan φ of the members it bids for (`MemberCurve.kvarPerKw`), carried to the clearing (`Bid.kvarPerKw`). */
  readonly kvarPerKw?: number;
}

/**
 * An agent that trades for others (an aggregator for its members, a retailer for
 * its customers): it has no bus of its own and bids at the buses of those it serves.
 */
export interface IntermediaryRuntime {
  readonly id: AgentId;
  readonly kind: string;
  readonly lifecycle: AnyLifecycle;
  observe(): AgentObservation;
}

export interface AggregatorRuntime extends IntermediaryRuntime {
  readonly role: 'aggregator';
  readonly contract: AggregatorContract;
  /** Its bids for the interval, from the curves its members gave it (grouped by bus). */
  bid(interval: MarketInterval, curves: readonly MemberCurve[], market: (bus: BusId) => MarketView): readonly BusBid[];
  /**
   * Tells it whether the market awarded it anything (its lifecycle), and what at each
   * bus it bid at (for its strategy's `observe`; optional for callers that only drive the lifecycle).
   */
  awarded(interval: MarketInterval, anything: boolean, awards?: readonly BusAward[]): void;
  /**
   * Its day-ahead bids for one delivery interval: its members' day-ahead curves (their load
   * forecasts, a generator member's offer) aggregated truthfully, one per bus — its strategy
   * bids in real time. Members' intertemporal bids go to the auction under its name beside these.
   */
  dayAhead(curves: readonly MemberCurve[], rules: Pick<MarketRules, 'priceTickMwh' | 'quantumKw'>): readonly BusBid[];
  /**
   * The aggregator as a market to its members: its awards (one per bus) split among the
   * members that bid there, each share priced under its contract (agents/aggregator/split.ts).
   */
  allocate(interval: MarketInterval, curves: readonly MemberCurve[], awards: readonly AggregatorBusAward[], rules: MarketRules): readonly MemberShare[];
}

export interface IntermediaryKindModule<G extends { kind: string }, R extends IntermediaryRuntime> {
  readonly role: R extends AggregatorRuntime ? 'aggregator' : 'retailer';
  readonly kind: G['kind'];
  readonly groupSchema: z.ZodType<G>;
  readonly machine: AnyStateMachine;
  create(group: G, env: AgentEnv): R;
}

/**
 * An operator's command to one agent, shaped like an OpenADR 3.1 event: a program,
 * an event id, the issuer, when it was notified, the interval it applies to and a
 * payload. `DISPATCH_SETPOINT` asks for a change of the agent's net consumption
 * (negative: consume less, or discharge), `IMPORT_CAPACITY_LIMIT` caps its import,
 * `CHARGE_STATE_SETPOINT` asks a battery to reach a state of charge by the start of a coming event
 * (`intervalStart`) and hold it until the event's end: at least `value` kWh, to discharge over a
 * forecast import overload, or at most, to keep room to absorb a forecast reverse flow (`socBound`).
 */
export interface OperatorCommand {
  readonly eventId: string;
  readonly program: string;
  /** Id of the operator that issued it: an agent acts only on its own feeder operator's commands. */
  readonly issuer: string;
  readonly target: AgentId;
  readonly type: 'DISPATCH_SETPOINT' | 'IMPORT_CAPACITY_LIMIT' | 'CHARGE_STATE_SETPOINT';
  /** Virtual times (ms): when it was sent, and the interval it applies to. */
  readonly notifiedAt: number;
  readonly intervalStart: number;
  readonly durationMinutes: number;
  /** kW for DISPATCH_SETPOINT (signed change of net consumption) and IMPORT_CAPACITY_LIMIT (cap); kWh for CHARGE_STATE_SETPOINT. */
  readonly value: number;
  /** CHARGE_STATE_SETPOINT only: is `value` a floor to reach (`at-least`, the default) or a ceiling to hold (`at-most`)? */
  readonly socBound?: 'at-least' | 'at-most';
}

/** An agent's answer to a command: opt in or out, why, and what it will do. */
export interface CommandResponse {
  readonly optIn: boolean;
  /** Why, in words that follow from the agent's state ("at comfort limit", "needs 12 kWh before 07:00"). */
  readonly reason: string;
  /** The change of net consumption it commits to this interval, kW (≤ 0 for a reduction or a discharge). */
  readonly deliverKw: number;
  /**
   * CHARGE_STATE_SETPOINT only (where `deliverKw` is 0): the state of charge it commits to reach or
   * hold by the event's start, kWh (the setpoint, or as near as it can get), and the energy its
   * cells move to get there from now, kWh (≥ 0; 0 where it already holds it).
   */
  readonly socKwh?: number;
  readonly shiftKwh?: number;
  /**
   * CHARGE_STATE_SETPOINT only, from a car (agents/ev/setpoint.ts): the SoC it will not discharge
   * below over the event (its reserve, or what its departure needs), kWh. The operator counts on
   * `socKwh` less this; absent (a battery), on `socKwh` less the reserve of its ratings.
   */
  readonly floorKwh?: number;
  /**
   * CHARGE_STATE_SETPOINT only: declined only because the device is away from its connection point
   * now (a car not plugged in). The operator asks it again each interval it could still prepare in,
   * as an event stays pending for a car that plugs in later (Operator.prePosition).
   */
  readonly away?: boolean;
}

/**
 * Agents that can take operator commands implement this. `plannedNetKw` is what the
 * agent is about to consume (+) or inject (−) this interval after the market; the
 * agent answers with what it can change, given its state. It must not change its
 * state here: the change is applied when `settle` receives the adjusted award.
 */
export interface CommandResponder {
  respond(command: OperatorCommand, plannedNetKw: number, interval: MarketInterval): CommandResponse;
  /**
   * A command that outlives this interval's award (a CHARGE_STATE_SETPOINT) the agent opted in to:
   * called once, after `respond`, with its answer, so the agent acts on it in the coming intervals
   * (through its bids). `respond` itself stays free of effects: the engine also asks it hypothetically.
   */
  accept?(command: OperatorCommand, response: CommandResponse, interval: MarketInterval): void;
}

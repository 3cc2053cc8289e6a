/**
 * What one interval hands to the sink (the recorder, tests, the counterfactual pass):
 * plain data, read synchronously before the next interval starts.
 */
import type { AgentObservation } from '../../agents/types.ts';
import type { Money } from '../../core/money.ts';
import type { SimTime } from '../../core/time.ts';
import type { BusId } from '../../core/units.ts';
import type { Settlement } from '../../market/settlement.ts';
import type { ClearingResult, OrderBook, Rejection } from '../../market/types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { GridEvent } from '../../agents/operations/gridRoom.ts';
import type { RetailDesk } from '../retail.ts';
import type { BookViolation, DayAheadInInterval } from './books.ts';
import type { LossesStage } from './losses.ts';
import type { PartyReactive } from './reactive.ts';
import type { MeteredFeeder } from './meteredFeeder.ts';
import type { IntervalLedger } from './ledger.ts';
import type { CommsRun, IntervalComms } from './comms.ts';

export type { CommandDelivery, IntervalComms } from './comms.ts';

/** What the communication plane hands the sink after the last interval (issue 17). */
export type CommsRunEnd = ReturnType<CommsRun['finish']>;
import type { MdmsRunEnd } from '../settlementRunEnd.ts';
export type { MdmsRunEnd };
import type { AgentFault, Party } from './participants.ts';

/** An aggregator's money this interval, exact (agents/aggregator/split.ts states the identity). */
export interface AggregatorLedger {
  readonly id: string;
  /** What it paid the market over every stage (day-ahead, real-time, imbalance). */
  readonly marketPayment: Money;
  /** What its members paid it: their shares' energy, their deviations at the imbalance price, and fees. */
  readonly memberPayments: Money;
  readonly feeIncome: Money;
  /** What it held beyond its members' shares (kWh, + bought) and what that cost it. */
  readonly ownPositionKwh: number;
  /** The same in whole quanta of the market's quantum over the interval (what summary.json sums exactly). */
  readonly ownPositionQuanta: number;
  readonly ownPositionCost: Money;
  /**
   * Under pay-as-bid: what its bids paid the market (each bid's self-trade netted) beyond its net award at the bus
   * price, which is what its members are charged, so the aggregator bears it (docs/markets.md, "Pay-as-bid").
   * 0 under uniform pricing. market payment + fee income = member payments + own-position cost + this, exactly.
   */
  readonly payAsBidSpread: Money;
}

/** A retailer's money this interval, exact. */
export interface RetailerLedger {
  readonly id: string;
  /** Its customers' energy charges accrued from their meters. */
  readonly revenue: Money;
  /** What it paid for its day-ahead and real-time positions. */
  readonly marketCost: Money;
  /** What its customers' deviation from its position cost it at the imbalance price (− when it earned). */
  readonly imbalanceCost: Money;
  /** Customers' actual − its position, kWh (+ short). */
  readonly imbalanceKwh: number;
  /** The same in whole quanta (what summary.json sums exactly). */
  readonly imbalanceQuanta: number;
}

/** The real-time market's second pass: the imbalance prices, and what re-dispatch could not do. */
export interface ImbalanceOutcome {
  /** True when something deviated and the market re-dispatched. */
  readonly redispatched: boolean;
  /** Per bus (`book.buses` order): the price deviations settled at (NaN where nothing was re-dispatched). */
  readonly busPriceMwh: Float64Array;
  /** Per bus: net deviation of the metered actual from the cleared positions, quanta (+ more withdrawal). */
  readonly busDeviationQuanta: Float64Array;
  /**
   * Energy that deviated from positions, quanta: half of Σ |actual − position| over the parties
   * facing the market (their deviations sum to zero once re-dispatched, so this is what moved
   * either way). Unlike the per-bus net above, it is not zero on a single bus.
   */
  readonly grossDeviationQuanta: number;
  /** Per bus, quanta: withdrawal regulation could not cover; injection nobody took. */
  readonly unservedQuanta: Float64Array;
  readonly spilledQuanta: Float64Array;
  /** Per bus, quanta: injection curtailed at the injecting sites because nobody could take it (curtail.ts); `spilledQuanta` is what remained after. */
  readonly curtailedQuanta: Float64Array;
  /** Per bus, quanta: consumption shed at the consuming sites because nothing could cover it (shed.ts); `unservedQuanta` is what remained after. */
  readonly shedQuanta: Float64Array;
  /** Re-dispatch had to ignore the network's limits (the overload is in the flows). */
  readonly overloaded: boolean;
}

/**
 * A day-ahead auction that did not clear (infeasible, unbounded, a solver error): its delivery
 * intervals have no day-ahead positions, and real time carries them alone. Reported with the first
 * real-time interval after its gate, as its DAY_AHEAD_FAILED row of events.csv is.
 */
export interface DayAheadFailure {
  /** The delivery day: the site's local date, `YYYY-MM-DD`. */
  readonly day: string;
  /** Start of its first delivery interval, and its index in the run. */
  readonly firstIntervalStart: SimTime;
  readonly firstInterval: number;
  readonly intervalCount: number;
  readonly status: string;
  /** What the clearing said (market/dayAhead/infeasibility.ts names the interval and the branch or ramp). */
  readonly message: string;
}

/** Everything that happened in one interval, handed to the sink. */
export interface IntervalOutcome {
  readonly interval: MarketInterval;
  /** The real-time book and its clearing (`result.flows`: the physical flows of what the sites actually did). */
  readonly book: OrderBook;
  readonly result: ClearingResult;
  readonly settlement: Settlement;
  readonly rejections: readonly Rejection[];
  readonly faults: readonly AgentFault[];
  /** Every agent and intermediary, in scenario order; the per-party arrays follow it. */
  readonly parties: readonly Party[];
  /** Positions, meters and money per party and stage. */
  readonly ledger: IntervalLedger;
  /** The real-time position per party (`ledger.buyQuanta` / `sellQuanta`): an award, a member's share, a customer's take. */
  readonly buyQuanta: Float64Array;
  readonly sellQuanta: Float64Array;
  /** The price the party faced, currency/MWh (its bus's real-time price, or its retail price); NaN for none. */
  readonly priceMwh: Float64Array;
  /** What each party paid (+) or received (−) over every stage: `settlement.unit` × costUnits + costExtra. */
  readonly costUnits: Float64Array;
  readonly costExtra: ReadonlyArray<Money | undefined>;
  /** Per party: true once it has crashed (it no longer takes part). */
  readonly crashed: Uint8Array;
  /** Per party, its state after the award (read once, shared by every consumer of the outcome). */
  readonly observations: readonly AgentObservation[];
  /** The day-ahead stage's prices and schedule in this interval, when the timeline has one. */
  readonly dayAhead: DayAheadInInterval | undefined;
  readonly imbalance: ImbalanceOutcome;
  /** What the operators paid out for demand response this interval, net of penalties. */
  readonly drPaid: Money;
  readonly aggregators: readonly AggregatorLedger[];
  readonly retailers: readonly RetailerLedger[];
  /** Operator commands and responses, agents' reports, faults: the rows of events.csv. */
  readonly events: readonly GridEvent[];
  /** Day-ahead auctions that did not clear, reported with this interval (present only when there are any). */
  readonly dayAheadFailures?: readonly DayAheadFailure[];
  /** What did not close this interval (empty when the books closed). */
  readonly books: readonly BookViolation[];
  /** On a LinDistFlow feeder whose clearing priced reactive power: each party's kvar at its bus's reactive price (reactive.ts). */
  readonly reactive?: PartyReactive;
  /** On a LinDistFlow feeder: the losses stage (the distribution operator buys the AC losses, losses.ts). */
  readonly losses?: LossesStage;
  /** On a LinDistFlow feeder: the AC check of the metered withdrawals (meteredFeeder.ts), beside `result.feeder`'s of the schedule. */
  readonly meteredFeeder?: MeteredFeeder;
  /** The communication plane's messages and command deliveries this interval; absent with `comms: ideal`. */
  readonly comms?: IntervalComms;
}

export interface SimulationSink {
  /** With `SimulationOptions.reuseIntervalArrays` the outcome's book, ledger and cost arrays are the next interval's too: copy what you keep. */
  interval(outcome: IntervalOutcome): void;
  /** Called once after the last interval, with the retail desk (bills, tariff switches) and the operators' figures. */
  /** On a communication plane also the final settlement from the MDMS (`settlement`, engine/settlementRun.ts). */
  completed?(end: { readonly desk: RetailDesk | undefined; readonly parties: readonly Party[]; readonly operations: Record<string, unknown>; readonly comms?: CommsRunEnd; readonly settlement?: MdmsRunEnd }): void;
}

export interface RunInfo {
  readonly name: string;
  readonly seed: number;
  readonly start: SimTime;
  readonly intervals: number;
  readonly intervalMinutes: number;
  readonly buses: readonly BusId[];
  readonly agentCount: number;
  /** The market timeline's stages, in order (e.g. ['dayAhead', 'realTime']). */
  readonly stages: readonly string[];
  /**
   * Intervals the engine simulated before `start` (`warmUpDays`, engine/warmUp.ts); absent without a warm-up.
   * `start` and `intervals` are the reported period's; the outcomes' interval indices count from the warm-up's first.
   */
  readonly warmUpIntervals?: number;
  /** `warmUpDays`, calendar days of the site's clock (23 or 25 hours across a change: not `warmUpIntervals` / 96); absent without a warm-up. */
  readonly warmUpDays?: number;
}

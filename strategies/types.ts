/**
 * The strategy plug-in contract. A strategy decides what an agent bids; it never
 * touches engine state. It receives two frozen views:
 * - the agent's own view (its physical state and its own valuation of energy,
 *   computed by the agent's physics), never another agent's;
 * - public market information (the interval, published prices, forecasts).
 * It returns bid segments for the coming interval. A strategy that throws or
 * returns invalid segments is reported and its agent bids its kind's default for
 * that interval; the rest of the market clears.
 *
 * Optional, for strategies that keep state (learners, planners):
 * - a factory receives a `StrategyContext` (its agent's id, the run's seeded
 *   randomness, an LP solver). Kinds whose agents may keep strategy state
 *   (storage, ev, aggregator) create one strategy instance per agent, so state
 *   kept in the instance is that agent's alone;
 * - `observe(outcome)` is called after settlement with the strategy's own award and
 *   price (never anyone else's), every interval (per bus it bid at, for an
 *   aggregator). Strategies without it are unaffected.
 */
import type * as z from 'zod';
import type { RandomService } from '../core/rng.ts';
import type { SimTime } from '../core/time.ts';
import type { Hours, Kw, PricePerMwh } from '../core/units.ts';
import type { LpSolver } from '../market/lp/solver.ts';
import type { BidSegment } from '../market/types.ts';

/**
 * Public information every agent may see when it bids. Prices, powers and durations
 * carry their units as brands (core/units.ts), as the agents' own views do: they read
 * as plain numbers, and a helper of yours that takes a `PricePerMwh` refuses a `Kw`.
 */
export interface MarketView {
  readonly interval: {
    readonly index: number;
    /** Virtual time, ms since the epoch (UTC). */
    readonly start: SimTime;
    readonly durationH: Hours;
  };
  /** Price cap and floor of the market, currency/MWh. */
  readonly priceCapMwh: PricePerMwh;
  readonly priceFloorMwh: PricePerMwh;
  /** The market's quantity step, kW: quantities are rounded to it on entry. */
  readonly quantumKw: Kw;
  /** Last published clearing price at the agent's bus, currency/MWh; undefined before the first clearing or when none was defined. */
  readonly lastPriceMwh: PricePerMwh | undefined;
  /**
   * Public price forecast at the agent's bus for the coming intervals, the current one
   * first (currency/MWh; NaN where nothing is known yet). Method: the scenario's `forecast:`.
   */
  readonly priceForecastMwh: readonly PricePerMwh[];
  /** Weather of the interval, public. */
  readonly conditions: { readonly outdoorC: number; readonly ghiWm2: number };
}

/** One point of an agent's own valuation: it values `kw` at `valueMwh` (buy) or needs `costMwh` to supply it (sell). */
export interface ValueSegment {
  readonly kw: number;
  readonly valueMwh: number;
}

/** What every agent view carries: its identity and its own curve of true values. */
export interface AgentViewBase {
  readonly agentId: string;
  readonly kind: string;
  /** Demand the agent values, highest value first (currency/MWh); empty when it wants nothing. */
  readonly demand: readonly ValueSegment[];
  /** Supply the agent can offer at its marginal cost, cheapest first. */
  readonly supply: readonly ValueSegment[];
}

export interface Strategy<View extends AgentViewBase = AgentViewBase> {
  /** Registry id, e.g. 'truthful'. */
  readonly id: string;
  bid(view: View, market: MarketView): readonly BidSegment[];
  /**
   * Optional feedback after settlement: the strategy's own award (zero when nothing
   * cleared) and the price, for strategies that learn. Called once per interval (an
   * aggregator: once per bus it bid at). Must not throw (a throw is reported like a
   * bad bid); it cannot change the award.
   */
  observe?(outcome: StrategyOutcome): void;
  /**
   * Optional, for agents that bid intertemporally day-ahead (storage): how the strategy values
   * what the delivery day leaves in store, from the agent's view at the gate and the public
   * forecast of the day (`market`: the first delivery interval's view; weather unknown, NaN).
   * The agent builds its day-ahead bid from it (agents/storage); without it, or when it
   * answers undefined, the agent's default. A throw or a non-finite answer is reported and the
   * default used.
   */
  dayAheadValuation?(view: View, market: MarketView): DayAheadValuation | undefined;
}

/** A strategy's valuation of a battery's day-ahead programme (market/dayAhead/types.ts `StorageBid`). */
export interface DayAheadValuation {
  /** What one MWh left in the cells at the day's end is worth, currency/MWh (within the price floor and cap). */
  readonly terminalValueMwh: number;
  /** SoC required at the day's end, kWh (clamped to [its minimum SoC, its SoC at the gate]: a strategy may free stored energy, not demand more). */
  readonly finalSocMinKwh: number;
}

/** What a strategy learns after an interval settles: its own award, nothing of anyone else's. */
export interface StrategyOutcome {
  readonly interval: MarketView['interval'];
  /** The bus of the award, for strategies bidding at several (an aggregator: its view's `bus`); otherwise undefined. */
  readonly bus?: string;
  /** An aggregator bidding per power factor at a bus (`AggregatorView.kvarPerKw`): the class of the bid this answers. */
  readonly kvarPerKw?: number;
  /** Cleared purchase and sale, kW over the interval (both ≥ 0), as the market awarded them. */
  readonly buyKw: number;
  readonly sellKw: number;
  /** Clearing price at the bus, currency/MWh; NaN when none was defined. */
  readonly priceMwh: number;
}

/**
 * What a strategy instance is created for: the optional second argument of a
 * registry factory's `create(params, context)`. Absent when a strategy is created
 * outside a run (unit tests, `createStrategy(ref)`); strategies must then fall back
 * (an unseeded learner may not draw: it should throw, and so does a planner with no
 * `lpSolver`).
 */
export interface StrategyContext {
  /** The agent this instance bids for (one instance per agent). */
  readonly agentId: string;
  /** The run's seeded randomness: draw only from `random.stream(agentId, purpose)`. */
  readonly random: RandomService;
  /**
   * A synchronous LP solver: HiGHS when the engine preloaded it (it does when a
   * scenario names a strategy whose factory sets `needsLpSolver`), else undefined.
   */
  readonly lpSolver?: LpSolver | undefined;
}

/** How the registry (strategies/registry.ts) makes a strategy from its scenario entry: built-ins and plug-ins alike. */
export interface StrategyFactory {
  /** Schema of the `params:` object; undefined when the strategy takes none. */
  readonly params: z.ZodType<unknown> | undefined;
  /** Agent kinds it applies to; undefined for any kind. */
  readonly kinds?: readonly string[];
  /** Set when the strategy solves LPs while bidding: the engine then preloads HiGHS and hands it over in the context. */
  readonly needsLpSolver?: boolean;
  /** `context` is present when a run creates the strategy for one agent (see `StrategyContext`). */
  create(params: unknown, context?: StrategyContext): Strategy<AgentViewBase>;
}

/**
 * The strategy plug-in contract. A strategy decides what an agent bids; it never
 * touches engine state. It receives two frozen views:
 * - the agent's own view (its physical state and its own valuation of energy,
 *   computed by the agent's physics), never another agent's;
 * - public market information (the interval, published prices, forecasts).
 * It returns bid segments for the coming interval. A strategy that throws or
 * returns invalid segments is reported and its agent bids nothing for that
 * interval; the rest of the market clears.
 */
import type { BidSegment } from '../market/types.ts';

/** Public information every agent may see when it bids. */
export interface MarketView {
  readonly interval: {
    readonly index: number;
    /** Virtual time, ms since the epoch (UTC). */
    readonly start: number;
    readonly durationH: number;
  };
  /** Price cap and floor of the market, currency/MWh. */
  readonly priceCapMwh: number;
  readonly priceFloorMwh: number;
  /** The market's quantity step, kW: quantities are rounded to it on entry. */
  readonly quantumKw: number;
  /** Last published clearing price at the agent's bus, currency/MWh; undefined before the first clearing or when none was defined. */
  readonly lastPriceMwh: number | undefined;
  /**
   * Public price forecast at the agent's bus for the coming intervals, the current one
   * first (currency/MWh; NaN where nothing is known yet). Method: the scenario's `forecast:`.
   */
  readonly priceForecastMwh: readonly number[];
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
}

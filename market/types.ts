/**
 * The market's vocabulary: bids in, clearing results out. `market/` never imports
 * `agents/`: anything that can produce a `Bid` can trade.
 *
 * Sign and unit conventions:
 * - a segment offers to buy or sell `quantityKw` of constant power over the whole
 *   interval at a limit price `priceMwh` (currency per MWh);
 * - a buy segment is willing to pay *up to* its price, a sell segment wants *at least* its price;
 * - awards are never negative; the direction is the segment's side.
 */
import type { ClearingScratch } from './clearingScratch.ts';
import type { AgentId, BusId } from '../core/units.ts';
import type { BranchFlow } from '../network/types.ts';

export type Side = 'buy' | 'sell';

export interface BidSegment {
  readonly side: Side;
  readonly priceMwh: number;
  readonly quantityKw: number;
}

/** One agent's price–quantity curve for one interval at one bus. */
export interface Bid {
  /** Unique among the bids of an interval; awards and rejections name it. */
  readonly id: string;
  readonly agentId: AgentId;
  readonly bus: BusId;
  /** Index of the market interval the bid is for. */
  readonly interval: number;
  readonly segments: readonly BidSegment[];
  /**
   * On a LinDistFlow feeder: tan φ of this bid's buys, kvar drawn per kW (6 decimals), where the bid
   * speaks for others: an aggregator bids its members of one power factor together (agents/aggregator),
   * so that their reactive draw, not the aggregator's kind's, reaches the clearing. Absent: its agent's
   * kind's (`network.feeder.powerFactor`). Ignored elsewhere.
   */
  readonly kvarPerKw?: number;
}

/** How prices are formed and paid. */
export interface MarketRules {
  /** Highest admissible bid price; also the price when demand bid at the cap is rationed (scarcity). */
  readonly priceCapMwh: number;
  /** Lowest admissible bid price. */
  readonly priceFloorMwh: number;
  /**
   * Price increment. Bid prices are snapped to the nearest tick on entry (as on power
   * exchanges, e.g. 0.01 €/MWh), so prices compare exactly and sort fast.
   */
  readonly priceTickMwh: number;
  /**
   * Quantity increment. Quantities are rounded to the nearest quantum on entry and awards
   * are whole quanta, so cleared buys equal cleared sells exactly (no float drift in settlement).
   * A positive quantity below half a quantum therefore becomes zero and takes no part.
   */
  readonly quantumKw: number;
  /**
   * Which price in the equilibrium interval a uniform auction picks (see `market/auction.ts`).
   * LP dispatch takes the duals the solver returns: where nodal prices are not unique it
   * picks one valid set, whatever the rule.
   */
  readonly priceRule: PriceRule;
  /** Uniform/nodal (everyone pays or is paid the clearing price at its bus) or pay-as-bid. */
  readonly pricing: Pricing;
}

/**
 * The equilibrium of a single-node auction is an interval of prices [low, high]
 * at which the maximum quantity clears; it is a single point whenever a block is
 * only partly accepted. The rule picks the price inside it:
 * - `partial-block` (GridLAB-D's rule): the price of the partly accepted block;
 *   when every accepted block is whole, the midpoint. Since a partly accepted block
 *   makes the interval a single point, this always equals `midpoint`; the name is
 *   kept for people who come from GridLAB-D;
 * - `marginal-offer`: the low end (the marginal seller's side, as pay-as-cleared markets state it);
 * - `marginal-bid`: the high end;
 * - `midpoint`: the middle (a k = ½ double auction), rounded down to the tick.
 */
export type PriceRule = 'partial-block' | 'marginal-offer' | 'marginal-bid' | 'midpoint';
export type Pricing = 'uniform' | 'pay-as-bid';

/**
 * `ticks` in currency/MWh: divided by 1/tick where that is whole, so 12635
 * ticks of 0.01 are 126.35, not 126.35000000000001 (12635 × 0.01). A plain function
 * (market/auction.ts `clearDetailed`: a closure made per clearing was a new call target each
 * time, and V8 threw the optimised clearing away for it, "wrong call target"); the LP
 * clearings round their duals to the tick with it too.
 */
export function ticksToPrice(ticks: number, tickMwh: number): number {
  const inv = Math.round(1 / tickMwh);
  return inv >= 1 && Math.abs(inv * tickMwh - 1) < 1e-12 ? ticks / inv : ticks * tickMwh;
}

/**
 * Why a price limit is off the price tick (undefined when both are whole ticks). Bids are snapped
 * to the tick after they are checked against the limits, so a cap of 3000 with a tick of 7 would let
 * a bid at the cap snap to 3003, and the auction report 3000 while settlement rounds it to 3003.
 */
export function limitOffTick(rules: Pick<MarketRules, 'priceCapMwh' | 'priceFloorMwh' | 'priceTickMwh'>): { readonly key: 'priceCapMwh' | 'priceFloorMwh'; readonly message: string } | undefined {
  for (const key of ['priceCapMwh', 'priceFloorMwh'] as const) {
    const ticks = rules[key] / rules.priceTickMwh;
    if (Math.abs(ticks - Math.round(ticks)) > 1e-6 * Math.max(1, Math.abs(ticks)))
      return { key, message: `${rules[key]} is not a whole number of price ticks (priceTickMwh ${rules.priceTickMwh}): prices snap to the tick, so a bid at the limit would clear past it` };
  }
  return undefined;
}

export const DEFAULT_RULES: MarketRules = Object.freeze({
  priceCapMwh: 3000,
  priceFloorMwh: -500,
  priceTickMwh: 0.01,
  quantumKw: 0.001,
  priceRule: 'partial-block',
  pricing: 'uniform',
});

export type RejectionCode =
  | 'empty-curve'
  /** A segment that is not an object (a strategy's or a file's malformed answer). */
  | 'malformed-segment'
  | 'invalid-side'
  | 'non-finite-price'
  | 'non-finite-quantity'
  | 'negative-quantity'
  | 'quantity-too-large'
  | 'price-above-cap'
  | 'price-below-floor'
  | 'unknown-agent'
  | 'unknown-bus'
  | 'unknown-interval'
  | 'duplicate-bid-id'
  | 'gate-closed'
  // Day-ahead intertemporal bids and ramp limits (market/dayAhead/validate.ts):
  /** A field is missing, not finite or out of its range (the reason names it). */
  | 'invalid-parameter'
  /** A window or interval outside the day-ahead horizon. */
  | 'outside-horizon'
  /** Storage: the required final SoC cannot be reached from the initial one within the power limits. */
  | 'final-soc-unreachable'
  /** EV: the energy needed exceeds what the plug-in window and the charger allow. */
  | 'energy-need-unreachable'
  /** Shiftable load: it runs longer than its window. */
  | 'block-longer-than-window'
  /** Linked block order: its parent is not a block of the book (or was rejected). */
  | 'unknown-parent-block'
  /** Ramp limit: the generator's offers cannot follow it from its initial output. */
  | 'ramp-infeasible';

/** A bid that did not enter the book, and why. The rest of the market clears without it. */
export interface Rejection {
  readonly bidId: string;
  readonly agentId: string;
  readonly interval: number;
  readonly code: RejectionCode;
  readonly reason: string;
}

/**
 * The accepted bids of one interval in columnar form (one row per segment), the
 * representation every clearing mechanism works on. Prices and quantities are
 * stored as whole numbers of ticks and quanta, so sums and comparisons are exact.
 */
export interface OrderBook {
  readonly interval: number;
  readonly durationH: number;
  readonly rules: MarketRules;
  /** Buses in a fixed order; `busIndex` refers to it. */
  readonly buses: readonly BusId[];
  /** Accepted bids in submission order; `bidIndex` refers to it. */
  readonly bids: readonly Bid[];
  /** Number of segments. */
  readonly size: number;
  /** 1 = buy, 0 = sell. */
  readonly isBuy: Uint8Array;
  readonly priceTicks: Float64Array;
  readonly quantityQuanta: Float64Array;
  readonly bidIndex: Int32Array;
  readonly busIndex: Int32Array;
  /**
   * Scratch storage of the builder that built the book, for clearing it (market/clearingScratch.ts): not part of the book, never read after a clearing returns, and shared
   * with the books of a builder that reuses it. Absent in a book made by hand.
   */
  readonly scratch?: ClearingScratch;
}

export type ClearingStatus =
  /** A solution was found (possibly with zero traded quantity when bids do not cross). */
  | 'cleared'
  /**
   * No feasible dispatch. A book of bids is always feasible (demand the network cannot
   * deliver stays uncleared, its bus price rising to its bid — load shed at the value it
   * bid, the cap for inelastic demand); fixed loads or generator minimums, as in MATPOWER
   * cases cleared by `gridbid clear`, can make a problem infeasible.
   */
  | 'infeasible'
  | 'unbounded'
  /** The solver stopped without a trustworthy answer. */
  | 'solver-error';

export interface ClearingResult {
  readonly interval: number;
  readonly status: ClearingStatus;
  /** Human-readable explanation; always set when status is not 'cleared'. */
  readonly message: string;
  readonly mechanism: 'double-auction' | 'lp-dispatch';
  /** Per book segment, whole quanta ≥ 0; cleared buys equal cleared sells exactly. */
  readonly awardedQuanta: Float64Array;
  /**
   * Clearing price per bus (book.buses order), currency/MWh, on the price tick.
   * NaN where no price is defined (nothing traded and no marginal segment).
   */
  readonly busPriceMwh: Float64Array;
  readonly flows: readonly BranchFlow[];
  /** Σ buyer value − Σ seller cost of the cleared segments, in currency over the interval. */
  readonly welfare: number;
  /** On a LinDistFlow feeder: voltages, the AC check and the DLMP parts (market/clearFeeder.ts). */
  readonly feeder?: FeederOutcome;
}

/** What a clearing on a radial feeder adds, per network bus (network order); p.u., kW, kvar, currency/MWh. */
export interface FeederOutcome {
  readonly busIds: readonly BusId[];
  /** The substation (the network's reference bus): its index in busIds. */
  readonly rootIndex: number;
  /** LinDistFlow and AC (backward/forward sweep) voltage magnitudes at the cleared dispatch; NaN where islanded. */
  readonly vmLinDistFlowPu: Float64Array;
  readonly vmAcPu: Float64Array;
  readonly acConverged: boolean;
  /**
   * Buses whose AC voltage is outside their band although the linear model kept it (or the auction ignored it).
   * NaN where the sweep did not converge (`acConverged` false): its last iterate is no measurement, so not assessed.
   */
  readonly acVoltageViolations: number;
  /**
   * Branches whose AC flow (at the parent's end, losses included) is above their limit — |P| under
   * lineLimit active, |S| under apparent — although the linear model kept it (or the auction ignored it).
   * NaN where the sweep did not converge, as `acVoltageViolations`.
   */
  readonly acBranchViolations: number;
  /** AC series losses at the cleared dispatch (energised branches only). */
  readonly lossesKw: number;
  readonly lossesKvar: number;
  /**
   * AC power into the feeder at the substation: Σ over the substation's branches of the power
   * sent into them (kW, kvar). At a converged sweep = Σ net withdrawal at the other energised
   * buses + losses; the books check it (engine/interval/books.ts, the losses stage).
   */
  readonly substationImportKw: number;
  readonly substationImportKvar: number;
  /** Net withdrawal per bus at the cleared dispatch. */
  readonly netKw: Float64Array;
  readonly netKvar: Float64Array;
  /** The DLMP's parts (energy + congestion + voltage = price, + `lossMwh` with marginal losses) and the reactive price; NaN when the market did not clear by LP. */
  readonly energyMwh: Float64Array;
  readonly congestionMwh: Float64Array;
  readonly voltageMwh: Float64Array;
  /** The DLMP's marginal-loss part, λ · ∂Loss/∂p (0 unless `network.feeder.losses: marginal`); with it energy + loss + congestion + voltage = price. */
  readonly lossMwh: Float64Array;
  /** True when the run prices marginal losses (`network.feeder.losses: marginal`), whatever this interval's clearing did. */
  readonly marginalLosses?: boolean;
  /** With marginal losses: the re-clearings the operating point took, and whether it settled (market/lp/marginalLossDispatch.ts). */
  /** The marginal-loss iteration (market/lp/marginalLossDispatch.ts): re-clearings, whether the fixed-point condition holds, its gap (currency/MWh), and the residual Σ LF (p − p0) (kW). */
  readonly lossIterations?: { readonly count: number; readonly converged: boolean; readonly gapMwh: number; readonly residualKw: number };
  readonly reactivePriceMvarh: Float64Array;
  /** Reactive power injected by inverters per bus, kvar (> 0 supplies vars; included in netKvar as −). */
  readonly inverterKvar: Float64Array;
  /** Per book segment: tan φ, the kvar a buy draws with each kW (0 for sells and at unity); absent when every segment is at unity. Settled by market/reactiveSettlement.ts. */
  readonly segmentKvarPerKw?: Float64Array;
  /** The market clearing's inverters: each one's agent and its Q, kvar (> 0 supplied), as cleared (`clearing`) or set by volt-var. */
  readonly inverterAgents?: { readonly agentId: readonly string[]; readonly kvar: Float64Array };
}

/**
 * The day-ahead market's vocabulary: a book of simple bids for every interval of a
 * horizon plus **intertemporal bids** (storage, EV energy by departure, shiftable
 * blocks, all-or-nothing block orders) and generator ramp limits, cleared together as
 * one programme by `clearDayAhead` (market/dayAhead/clear.ts).
 *
 * ## Conventions (the same as market/types.ts)
 * - power kW, energy kWh, prices currency per MWh, durations hours;
 * - intervals are numbered as `Bid.interval` numbers them (e.g. the engine's global
 *   interval index): the horizon is `firstInterval … firstInterval + intervalCount − 1`,
 *   and every window below uses those numbers, inclusive at both ends;
 * - a **schedule** is grid-side power per interval, constant over the interval:
 *   **positive = withdrawal** from the grid (consumption, charging, a buy),
 *   **negative = injection** (discharging, a sell) — the sign of `award_kw` in agents.csv;
 * - state of charge (SoC) is energy in the cells, kWh. Over an interval of Δt hours with
 *   grid-side charging c ≥ 0 and discharging d ≥ 0 (both kW):
 *     SoC_end = SoC_start + η_c · c · Δt − d · Δt / η_d
 *   (the convention of agents/physics/battery.ts, whose `BatteryParams` field names the
 *   storage and EV bids reuse, so a battery's parameters can be spread into a bid);
 * - "value" fields are what the owner's energy is worth to it: the LP maximises total
 *   welfare = Σ buyer value − Σ seller cost + Σ intertemporal valuation.
 *
 * Every bid is validated where it enters (`validateIntertemporalBid`): finite numbers,
 * sensible ranges, known bus, window inside the horizon, and feasibility on its own
 * (a final SoC that cannot be reached from the initial one within the power limits,
 * an EV need above what its window and charger allow, a block longer than its window).
 * An invalid bid is rejected whole, with its agent, a code and a reason; the rest clears.
 *
 * Pure data: nothing here is mutated by the market.
 */
import type { AgentId, BusId } from '../../core/units.ts';
import type { LpFormulation, LpSolver } from '../lp/solver.ts';
import type { TopologyCache } from '../../network/topology.ts';
import type { RadialFeeder } from '../../network/radial.ts';
import type { BranchModel, Network } from '../../network/types.ts';
import type { Bid, ClearingResult, ClearingStatus, MarketRules, OrderBook, Rejection, Side } from '../types.ts';

/** The delivery intervals cleared together. */
export interface DayAheadHorizon {
  /** Number of the first interval (as in `Bid.interval`). */
  readonly firstInterval: number;
  /** How many consecutive intervals (96 for a day of 15-minute intervals); ≥ 1. */
  readonly intervalCount: number;
  /** Length of every interval, hours (> 0). */
  readonly durationH: number;
}

/** Fields every intertemporal bid has. */
export interface IntertemporalBidBase {
  /** Unique among the intertemporal bids of the book; schedules and rejections name it. */
  readonly id: string;
  readonly agentId: AgentId;
  /** Where it connects; one bus for the whole horizon. */
  readonly bus: BusId;
}

/**
 * A battery that may charge and discharge in every interval of the horizon.
 *
 * Constraints: minSocKwh ≤ SoC ≤ maxSocKwh at the end of every interval;
 * 0 ≤ c ≤ maxChargeKw, 0 ≤ d ≤ maxDischargeKw and c/maxChargeKw + d/maxDischargeKw ≤ 1
 * (charging and discharging in one interval only by sharing its time, so every schedule
 * is physically realisable).
 *
 * Valuation over the horizon (relative to staying idle):
 *   terminalValueMwh × (SoC_final − initialSocKwh) / 1000
 *   + needValueMwh / η_c × (max(0, finalSocMinKwh − initialSocKwh) − shortfall) / 1000
 *   − degradationCostPerMwh × Σ cell throughput / 1000
 * (shortfall = max(0, finalSocMinKwh − SoC_final), kWh of cell energy).
 * The final-SoC requirement is met whenever the market can supply it below
 * `needValueMwh` (it behaves like a buy bid at that price, the cap by default): a market
 * without supply leaves a reported shortfall rather than an infeasible programme.
 */
export interface StorageBid extends IntertemporalBidBase {
  readonly kind: 'storage';
  /** Nameplate usable capacity, kWh (> 0). */
  readonly capacityKwh: number;
  /** SoC bounds, kWh: 0 ≤ minSocKwh ≤ maxSocKwh ≤ capacityKwh. */
  readonly minSocKwh: number;
  readonly maxSocKwh: number;
  /** Grid-side power limits, kW, ≥ 0 (0 = cannot charge / discharge). */
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  /** η_c, η_d ∈ (0, 1]. */
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  /** SoC at the start of the horizon, kWh, within [minSocKwh, maxSocKwh]. */
  readonly initialSocKwh: number;
  /** SoC the owner requires at the end of the horizon, kWh (default minSocKwh: no requirement). */
  readonly finalSocMinKwh?: number | undefined;
  /**
   * What one MWh left in the cells at the end is worth, currency per MWh of cell energy
   * (a water value; 0 = worthless). Finite, within [price floor, price cap].
   */
  readonly terminalValueMwh: number;
  /** Value of meeting `finalSocMinKwh`, currency per MWh bought from the grid (default the price cap). */
  readonly needValueMwh?: number | undefined;
  /** Wear per MWh of cell throughput (both directions), currency/MWh, ≥ 0 (default 0). */
  readonly degradationCostPerMwh?: number | undefined;
}

/**
 * An electric vehicle plugged in from the start of `firstInterval` to the end of
 * `lastInterval` (its departure), needing `energyNeededKwh` more in its battery by then.
 * Outside its window its schedule is zero. `maxDischargeKw > 0` allows V2G (it may
 * discharge while plugged in, within the SoC bounds); 0 forbids it.
 *
 * Constraints as for `StorageBid` within the window, and SoC_departure ≥
 * initialSocKwh + energyNeededKwh − shortfall. Valuation (relative to not charging):
 *   needValueMwh / η_c × (energyNeededKwh − shortfall) / 1000 − degradation
 * so the need is bid like a buy at `needValueMwh` per grid MWh: with the default, the price
 * cap, it is met whenever the network can deliver it. Energy above the need is worth nothing.
 */
export interface EvBid extends IntertemporalBidBase {
  readonly kind: 'ev';
  /** Plug-in window, interval numbers, inclusive; inside the horizon, first ≤ last. */
  readonly firstInterval: number;
  readonly lastInterval: number;
  readonly capacityKwh: number;
  readonly minSocKwh: number;
  readonly maxSocKwh: number;
  readonly maxChargeKw: number;
  /** 0 = no V2G. */
  readonly maxDischargeKw: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  /** SoC when it plugs in, kWh, within [minSocKwh, maxSocKwh]. */
  readonly initialSocKwh: number;
  /** Energy to add to the battery (cell side) by departure, kWh, ≥ 0; initial + need ≤ maxSocKwh. */
  readonly energyNeededKwh: number;
  /** Value of the needed energy, currency per MWh drawn from the grid (default the price cap). */
  readonly needValueMwh?: number | undefined;
  readonly degradationCostPerMwh?: number | undefined;
}

/**
 * A load that must run `runIntervals` consecutive intervals at `powerKw`, starting at
 * or after `firstInterval` and ending by the end of `lastInterval` — or not at all.
 * It runs at most once, and only if its value covers its energy's cost:
 * valuation = valueMwh × powerKw × runIntervals × Δt / 1000 when it runs.
 * An integer decision (which start, or none), cleared as a mixed-integer programme (see
 * `IntegerRule`). A run longer than its window is rejected ('block-longer-than-window'),
 * a power below half a quantum too ('empty-curve').
 */
export interface ShiftableBid extends IntertemporalBidBase {
  readonly kind: 'shiftable';
  /** > 0; rounded to the quantum on entry. */
  readonly powerKw: number;
  /** N ≥ 1. */
  readonly runIntervals: number;
  readonly firstInterval: number;
  readonly lastInterval: number;
  /** Currency per MWh of its energy; within [price floor, price cap]. */
  readonly valueMwh: number;
}

/**
 * An all-or-nothing (block) order: buys or sells `quantitiesKw[i]` in interval
 * `firstInterval + i` for every i, all of them or none, at a limit price over its whole
 * energy: a buy block is accepted only if it is worth `priceMwh` per MWh to the market's
 * welfare, a sell block only if it costs no more. A **linked** block names its
 * `parentId` (another block of the book): it may be accepted only if the parent is.
 * Valuation: ±priceMwh × its energy / 1000 (+ buy, − sell) when accepted. An integer
 * decision, cleared as a mixed-integer programme (see `IntegerRule`); a missing or
 * rejected parent rejects the child ('unknown-parent-block').
 */
export interface BlockOrder extends IntertemporalBidBase {
  readonly kind: 'block';
  readonly side: Side;
  readonly firstInterval: number;
  /** Per interval from `firstInterval`, kW ≥ 0 (zeros allowed), at least one > 0; rounded to the quantum. */
  readonly quantitiesKw: readonly number[];
  /** Within [price floor, price cap]. */
  readonly priceMwh: number;
  readonly parentId?: string | undefined;
}

export type IntertemporalBid = StorageBid | EvBid | ShiftableBid | BlockOrder;
export type IntertemporalKind = IntertemporalBid['kind'];

/**
 * Ramp limits of a generator over its **simple sell segments** (all of `agentId`'s sell
 * segments in an interval, at any bus): between consecutive intervals its total sold
 * power may rise by at most `rampUpKw` and fall by at most `rampDownKw`. With
 * `initialKw` (its output in the interval before the horizon) the first interval is
 * limited too — then it may be forced to produce (a ramp-down it cannot avoid) and a
 * market with no one to take that power is infeasible (reported, never zeroed).
 * A limit, not a bid: the generator's awards are its simple bids' awards.
 */
export interface GeneratorRamp {
  /** Unique among the book's ramp limits; rejections name it. */
  readonly id: string;
  readonly agentId: AgentId;
  /** kW per interval, ≥ 0 (Infinity allowed: no limit that way). */
  readonly rampUpKw: number;
  readonly rampDownKw: number;
  /** kW ≥ 0. */
  readonly initialKw?: number | undefined;
}

/** Everything submitted to one day-ahead clearing. */
export interface DayAheadBook {
  readonly horizon: DayAheadHorizon;
  readonly rules: MarketRules;
  /** Simple bids (one curve for one interval each) for any interval of the horizon. */
  readonly bids: readonly Bid[];
  readonly intertemporalBids: readonly IntertemporalBid[];
  readonly rampLimits?: readonly GeneratorRamp[] | undefined;
}

/** Where and how the book clears. */
export interface DayAheadMarket {
  /**
   * The grid: DC power flow with the limits of every branch in every interval, nodal prices.
   * Omitted (or a single bus): one copper-plate node, one price per interval.
   */
  readonly network?: Network | undefined;
  /**
   * A radial feeder (network/radial.ts `radialFeeder`): when given, every interval's grid is
   * a LinDistFlow block (market/lp/linDistFlowBlock.ts: squared voltages within each bus's
   * band, active-power branch limits, lossless, no reactive power — day-ahead bids carry
   * none) instead of the DC model, prices are the DLMPs of its balance rows and
   * `DayAheadIntervalResult.voltagePu` is set. `network` is then the feeder's (and ignored
   * if also given). A feeder with islanded buses is refused (`UserError`).
   */
  readonly feeder?: RadialFeeder | undefined;
  /**
   * Buses bids may name, in the order results list them. Default: the network's buses;
   * without a network, the buses the bids name, in order of first appearance.
   */
  readonly buses?: readonly BusId[] | undefined;
  readonly solver: LpSolver;
  /** Agents allowed to trade (default: everyone). */
  readonly isKnownAgent?: ((agentId: string) => boolean) | undefined;
  /** As `OrderBookContext.trustedIdentities`: skip duplicate-id and known-agent checks of simple bids. */
  readonly trustedIdentities?: boolean | undefined;
  readonly topologyCache?: TopologyCache | undefined;
  readonly branchModel?: BranchModel | undefined;
  /** Default: the solver's preferred network formulation (HiGHS B-θ, javascript-lp-solver PTDF). */
  readonly formulation?: LpFormulation | undefined;
  /**
   * Price bands (market/dayAhead/priceBands.ts): solve LPs restricted to the simple columns
   * that can be marginal until the duals certify the answer optimal for the full LP — the
   * same optimum, on a smaller LP. 'off' (default): the full LP; 'auto': from
   * `PRICE_BAND_MIN_COLUMNS` simple columns on; 'always'. Never with integer decisions
   * (blocks, shiftable loads): their MIP is solved whole. Off by default (a large book may
   * return another optimum of the same LP than the full solve would, where it has several;
   * outputs of existing runs stay byte-identical). On the day-ahead bench (1.84M simple
   * columns, 1,000 storage/EV bids) 'auto' clears the day in 42 s CPU instead of ~310 s: one
   * coarse day and one restricted LP, bound by the storage/EV core (~30 s CPU by dual simplex).
   */
  readonly priceBands?: 'auto' | 'always' | 'off' | undefined;
  /**
   * With price bands: start each restricted LP after the first from the previous one's
   * optimal basis (`carryBasis`, market/dayAhead/priceBands.ts), dual simplex. Default true;
   * false solves every restricted LP cold. Either way the same optimum.
   */
  readonly bandWarmStart?: boolean | undefined;
  /**
   * With price bands, where the first bands sit: 'coarse' (default), each interval's price in a
   * coarse day (copper plate, bids bucketed, like storage/EV bids merged; market/dayAhead/coarseSeed.ts);
   * 'merit-order', each interval's merit-order price of its simple bids alone. Either way
   * the bands are widened until the duals certify the full LP's optimum.
   */
  readonly bandSeed?: 'coarse' | 'merit-order' | undefined;
}

/**
 * A day-ahead rejection: the `Rejection` of market/types.ts. For a simple bid, `interval`
 * is its interval; for an intertemporal bid or a ramp limit, the first interval it
 * concerns (the horizon's first when it names none or an invalid one).
 */
export type DayAheadRejection = Rejection;

/**
 * One interval of the day-ahead result, readable as a single-interval `ClearingResult`
 * for its simple bids, plus the intertemporal schedules' net withdrawal per bus.
 *
 * Balance, exact in whole quanta, in every interval:
 *   Σ awarded buy quanta − Σ awarded sell quanta + Σ_bus intertemporalNetQuanta = 0.
 * `welfare` is that of the simple segments alone (the horizon's is `DayAheadResult.welfare`).
 * Prices are NaN (null in JSON) in an interval where nothing at all is traded.
 */
export interface DayAheadIntervalResult extends ClearingResult {
  /** The interval's accepted simple bids; `awardedQuanta` is per segment of this book. */
  readonly book: OrderBook;
  /** Per bus (`DayAheadResult.buses` order): Σ of the schedules' net withdrawal, whole quanta. */
  readonly intertemporalNetQuanta: Float64Array;
  /** On a feeder (`DayAheadMarket.feeder`): LinDistFlow voltage magnitude per bus (`DayAheadResult.buses` order), p.u. */
  readonly voltagePu?: Float64Array | undefined;
}

/** What one accepted intertemporal bid is to do, interval by interval over the horizon. */
export interface IntertemporalSchedule {
  readonly bidId: string;
  readonly agentId: AgentId;
  readonly kind: IntertemporalKind;
  readonly bus: BusId;
  /** Per horizon interval: net withdrawal, whole quanta (+ withdrawal, − injection). */
  readonly netQuanta: Float64Array;
  /** The same in kW (netQuanta × quantumKw). */
  readonly netKw: Float64Array;
  /**
   * Per horizon interval, grid-side magnitudes ≥ 0, kW, whole quanta: charging and
   * discharging (storage, EV), or bought and sold (blocks, shiftable loads);
   * netKw = chargeKw − dischargeKw.
   */
  readonly chargeKw: Float64Array;
  readonly dischargeKw: Float64Array;
  /**
   * Storage and EV: SoC at the end of every horizon interval, kWh, computed from this
   * schedule with the efficiencies (so it follows it exactly) and within the SoC bounds.
   * An EV's SoC stays at its initial value before its window and at its departure value after.
   */
  readonly socKwh?: Float64Array | undefined;
  /** Blocks and shiftable loads: accepted (runs) or not. Storage and EV: true. */
  readonly accepted: boolean;
  /** Shiftable loads: first interval it runs, when accepted. */
  readonly startInterval?: number | undefined;
  /** Storage: final-SoC shortfall; EV: energy need unmet at departure; kWh of cell energy; else 0. */
  readonly shortfallKwh: number;
  /** The bid's valuation of its schedule (see each bid type), currency over the horizon. */
  readonly value: number;
  /**
   * value − Σ_t netKw_t × Δt × price(bus, t) / 1000: what the schedule earns its owner at
   * the day-ahead prices (float, for reports and checks; settlement is exact and elsewhere).
   * Negative for a paradoxically accepted block. NaN when a price is undefined.
   */
  readonly surplus: number;
}

/**
 * How integer decisions (block orders, shiftable loads) were made. `none`: the book had
 * none and the horizon was one LP. `mip-then-fixed-lp`: the horizon solved as a
 * mixed-integer programme (HiGHS branch and bound, zero gap: the welfare optimum), then
 * the LP with those decisions fixed solved again for the prices (its duals) and the
 * continuous schedules — the practice of European power exchanges. Such prices may pay an
 * accepted block less than its limit ("paradoxically accepted", `surplus` < 0, no side
 * payment) and leave out a block they would have paid ("paradoxically rejected").
 * javascript-lp-solver takes no integer columns: with it such a book reports 'solver-error'.
 */
export type IntegerRule = 'none' | 'mip-then-fixed-lp';

/** Size of the programme solved (of the last solve when there were two). */
export interface DayAheadModelSize {
  readonly rows: number;
  readonly cols: number;
  readonly nonzeros: number;
  readonly integerCols: number;
  /** Accepted simple segments and the LP columns they became (segments at one bus, side, price tick and ramp group are one column). */
  readonly simpleSegments: number;
  readonly simpleColumns: number;
  /**
   * With price bands: restricted LPs solved (the last one is the programme `rows`/`cols`
   * describe), and the simple columns in it — free ones, and fixed acceptances merged per bus and side;
   * how many restricted LPs started from the previous one's basis.
   */
  readonly priceBands?: { readonly iterations: number; readonly freeColumns: number; readonly fixedColumns: number; readonly warmStarts: number };
}

export interface DayAheadResult {
  /** Of the whole horizon: one programme, one status (also repeated in every interval). */
  readonly status: ClearingStatus;
  /** Always set when status is not 'cleared'. */
  readonly message: string;
  readonly horizon: DayAheadHorizon;
  /** Bus order of every per-bus array. */
  readonly buses: readonly BusId[];
  /** In horizon order (intervals[t].interval = firstInterval + t). */
  readonly intervals: readonly DayAheadIntervalResult[];
  /** One per accepted intertemporal bid (blocks not accepted included, with zero schedules), in input order. */
  readonly schedules: readonly IntertemporalSchedule[];
  /** Simple bids, intertemporal bids and ramp limits that did not enter, and why. */
  readonly rejections: readonly DayAheadRejection[];
  /** Σ simple welfare + Σ schedule values, currency over the horizon; NaN unless cleared. */
  readonly welfare: number;
  readonly integerRule: IntegerRule;
  readonly size: DayAheadModelSize;
}

export type { ClearingStatus };

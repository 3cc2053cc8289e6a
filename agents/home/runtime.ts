/**
 * A home at run time: the per-home parameters drawn once, the per-interval round
 * (bid → settle → observe) wiring physics, strategy and lifecycle machine together.
 *
 * Hot-path rules (10,000 homes × 96 intervals in the benchmarks): the group's
 * shared numbers (profile factor, weather, day) are computed once per interval in
 * `HomeGroupContext`; each home keeps its needs and comfort curve in reusable
 * arrays; methods live on the class prototype (no per-call closures); unit brands
 * are applied by casts, not helper calls; every random draw of an interval happens
 * whatever the home's state, in a fixed order per stream.
 */
import type { Rng } from '../../core/rng.ts';
import { MS_PER_HOUR, minutesToMs, type SimTime } from '../../core/time.ts';
import { type AgentId, type BusId, type Celsius, type Hours, hours, hoursEach, type Kw, kw } from '../../core/units.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { BidSegment } from '../../market/types.ts';
import type { PackedCurves } from '../../market/packedCurves.ts';
import type { HomeHvacView, HomeNeed, HomeView } from '../../strategies/home/view.ts';
import { strategyFor } from '../../strategies/registry.ts';
import type { MarketView, Strategy, ValueSegment } from '../../strategies/types.ts';
import { type GroupMember, groupMembers } from '../group.ts';
import { mustRunNow, slackHours, stepAppliance } from '../physics/appliance.ts';
import { annualKwhToMeanKw, dayTypeOf, drawHomeScale, drawLoadNoiseInto, residentialShapeFactor } from '../physics/loadProfile.ts';
import { localHourOfDay, localMidnight } from '../physics/localTime.ts';
import { pvOutputKw } from '../physics/pv.ts';
import type { ComfortBand } from '../physics/thermal.ts';
import type { AgentEnv, AgentObservation, AgentRuntime, Award, CommandResponder, CommandResponse, OperatorCommand } from '../types.ts';
import { AWARD_TOLERANCE_KW } from '../flexibility/allocate.ts';
import { addJob, type ApplianceSlot, applianceValueMwh, baselineEndMs, baselineWindowKw, drawDailyJob, EMPTY_SLOT, promote, runKwNow } from './appliances.ts';
import { clampSetpointC, comfortBlockValues, ComfortCurve, comfortCurve, comfortCurveNumbers, comfortMarginC, type HvacUnit, Room, ROOM_NUMBERS, violationDegH } from '../physics/hvac.ts';
import type { HomeApplianceConfig, HomeGroup, HomeHvacConfig, HomePvConfig } from './schema.ts';
import { homeLifecycle, homeMachine } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';
import { NEED_STRIDE, NeedList } from '../flexibility/needs.ts';
import { homeNeedProtected, respondHome } from './respond.ts';
import { needShares } from '../flexibility/shed.ts';
import { flexibleBlockValues } from './valuation.ts';
import { expectedNowMwh, homeBankingPeakMwh, type HomeForecastParams, homeForecastParamsOf, homeNeedBidMwh } from '../../strategies/home/forecast.ts';
import { MAX_SEGMENT_QUANTA } from '../../market/segment.ts';

type MutableObservation = { -readonly [K in keyof AgentObservation]: AgentObservation[K] };

/** The home's needs, by code (index into `HOME_NEEDS`). */
export const HOME_NEEDS: readonly HomeNeed[] = Object.freeze(['base', 'base-flex', 'appliance', 'hvac-keep', 'hvac', 'precondition']);
const BASE = 0;
const FLEX = 1;
const APPLIANCE = 2;
const KEEP = 3;
const HVAC = 4;
const PRECONDITION = 5;

const NO_SUPPLY: readonly ValueSegment[] = Object.freeze([]);
const NO_BID: readonly BidSegment[] = Object.freeze([]);

/** Every home's machine: shared snapshots and steps (agents/lifecycle.ts). */
const HOME_MODEL = new MachineModel(homeMachine);

/** Numbers every home of a group shares in an interval: computed once, by the first home that asks. */
export class HomeGroupContext {
  t = NaN;
  /**
   * Residential profile factor at the interval's midpoint; the weather. NaN until `at` (like `t`): a 0 made these
   * small-integer fields that the first interval's figures turned into doubles, a new hidden class for the context
   * while 4000 homes held the old one, and V8 threw away HomeAgent, `at` and `bidTo` optimised on it (measured).
   */
  shape = NaN;
  outdoorC = NaN;
  ghiWm2 = NaN;
  /** UTC instant of the local midnight starting the interval's day. */
  dayStart = NaN;
  readonly meanKw: number;
  readonly stepMs: number;

  constructor(
    readonly group: HomeGroup,
    readonly env: AgentEnv,
  ) {
    this.meanKw = annualKwhToMeanKw(group.baseLoad.annualKwh);
    this.stepMs = minutesToMs(env.clock.intervalMinutes);
  }

  at(interval: MarketInterval): void {
    if (interval.start === this.t) return;
    this.t = interval.start;
    const off = this.env.site.zone;
    const mid = (interval.start + (interval.durationH * MS_PER_HOUR) / 2) as SimTime;
    this.shape = residentialShapeFactor(localHourOfDay(mid, off), dayTypeOf(mid, off, this.env.environment.holidays));
    const c = this.env.environment.at(interval.start, interval.durationH);
    this.outdoorC = c.outdoorC;
    this.ghiWm2 = c.ghiWm2;
    this.dayStart = localMidnight(interval.start, off);
  }
}

/** One home's thermal parameters, drawn once. */
export interface HomeThermal {
  readonly unit: HvacUnit;
  readonly band: ComfortBand;
  readonly setpointC: number;
  readonly internalGainsKw: number;
  readonly apertureM2: number;
  readonly initialC: number;
}

/**
 * Draws a home's HVAC (stream 'hvac': one uniform for ownership, then log-normal
 * factors for R, C and the rating, then the setpoint — always all of them, in that
 * order). Undefined when the home has none.
 */
export function drawHomeThermal(cfg: HomeHvacConfig, rng: Rng): HomeThermal | undefined {
  const has = rng.next() < cfg.share;
  const r = cfg.rCPerKw * rng.logNormal(1, cfg.paramSigma);
  const c = cfg.cKwhPerC * rng.logNormal(1, cfg.paramSigma);
  const rated = cfg.ratedElectricKw * rng.logNormal(1, cfg.paramSigma);
  const band: ComfortBand = Object.freeze({ lowC: cfg.band.lowC as Celsius, highC: cfg.band.highC as Celsius });
  const setpoint = clampSetpointC(band, rng.normal(cfg.setpointC ?? (band.lowC + band.highC) / 2, cfg.setpointSdC));
  if (!has) return undefined;
  return Object.freeze({
    unit: Object.freeze({
      rc: Object.freeze({ rCPerKw: r, cKwhPerC: c }),
      hvac: Object.freeze({ ratedElectricKw: rated as Kw, copCooling: cfg.copCooling, copHeating: cfg.copHeating }),
      mode: cfg.mode,
    }),
    band,
    setpointC: setpoint,
    internalGainsKw: cfg.internalGainsKw,
    apertureM2: cfg.solarApertureM2,
    initialC: cfg.initialIndoorC ?? setpoint,
  });
}

export interface HomePv {
  readonly capacityKw: Kw;
  readonly performanceRatio: number;
  readonly offerPriceMwh: number;
}

/** Draws a home's PV (stream 'pv': ownership, then capacity — always both). */
export function drawHomePv(cfg: HomePvConfig, rng: Rng): HomePv | undefined {
  const has = rng.next() < cfg.share;
  const capacity = rng.uniform(cfg.capacityKw.min, cfg.capacityKw.max);
  return has ? Object.freeze({ capacityKw: capacity as Kw, performanceRatio: cfg.performanceRatio, offerPriceMwh: cfg.offerPriceMwh }) : undefined;
}

export function createHomes(group: HomeGroup, env: AgentEnv): AgentRuntime[] {
  const strategy = strategyFor<HomeView>(group.strategy, 'home-forecast', env.reportStrategyFault);
  const ctx = new HomeGroupContext(group, env);
  const blockValues = group.hvac ? comfortBlockValues(group.hvac.comfortValueMwh.min, group.hvac.comfortValueMwh.max, group.hvac.blocks) : [];
  const forecast = homeForecastParamsOf(group.strategy);
  // Every home's state and need records in one block, home after home (room for the most needs a home of the group can have).
  const members = groupMembers(group, env.defaultBus);
  const perHome = homeBlockSize(blockValues.length, group.appliances.length, homeNeedCapacity(group, blockValues.length, true));
  const block = new Float64Array(Math.max(1, members.length * perHome));
  return members.map((m, i) => new HomeAgent(m, ctx, strategy, blockValues, forecast, block.subarray(i * perHome, (i + 1) * perHome)));
}

/** Offsets of a home's state in its block (`HomeAgent.s`); then Σ served per need code, its room's and comfort curve's numbers, its appliances' baseline runs, and its need records. */
const S_DAY_START = 0;
const S_LOAD = 1;
const S_PV = 2;
const S_GAINS = 3;
const S_INDOOR = 4;
const S_BASELINE_INDOOR = 5;
const S_MISSED = 6;
const S_COMFORT = 7;
const S_BASELINE = 8;
const S_UNSERVED = 9;
const S_CONSUMED = 10;
const S_GENERATED = 11;
const S_QUANTUM = 12;
const S_PV_OFFER = 13;
/** This interval's load noise, drawn into the block (`drawLoadNoiseInto`). */
const S_NOISE = 14;
/** Base load served this interval, kW: what load shedding may take (engine/interval/shed.ts). */
const S_SHEDDABLE = 15;
/** Flexible load, appliance runs and HVAC served this interval, kW: what load shedding may take once the base load is gone. */
const S_DEVICES = 16;
/** HVAC served this interval, kW, and the indoor temperature at its start: load shedding recomputes the room's step from them. */
const S_HVAC_KW = 17;
const S_START_C = 18;
const S_SIZE = 19;
const SERVED_AT = S_SIZE;
const ROOM_AT = SERVED_AT + HOME_NEEDS.length;
const CURVE_AT = ROOM_AT + ROOM_NUMBERS;
/** Where a home's appliances' baseline runs start in its block, with `comfortBlocks` comfort blocks (after its state, served sums, room and comfort curve). */
const runsAt = (comfortBlocks: number): number => CURVE_AT + comfortCurveNumbers(comfortBlocks);
/**
 * Numbers per appliance: the no-price-response run of its job in hand and of its next job
 * (start, end UTC ms, kW; NaN start: none), kept with the slot (`noteRuns`) so that the
 * baseline each interval reads them here, not through the slot's job objects.
 */
const RUN_NUMBERS = 6;
/** Where a home's need records start in its block. */
const recordsAt = (comfortBlocks: number, appliances: number): number => runsAt(comfortBlocks) + appliances * RUN_NUMBERS;
/** Numbers in a home's block with room for `needs` need records. */
const homeBlockSize = (comfortBlocks: number, appliances: number, needs: number): number => recordsAt(comfortBlocks, appliances) + Math.max(1, needs) * NEED_STRIDE;

/** The most needs a home of the group bids in an interval: base load, flexible blocks, appliances, and with HVAC keep + comfort blocks + precondition. */
function homeNeedCapacity(group: HomeGroup, comfortBlocks: number, hvac: boolean): number {
  return 1 + group.flexibility.blocks + group.appliances.length + (hvac && group.hvac ? comfortBlocks + 2 : 0);
}

export class HomeAgent implements AgentRuntime {
  readonly id: AgentId;
  readonly kind = 'home';
  readonly bus: BusId;
  readonly lifecycle: Lifecycle<typeof homeMachine>;
  readonly thermal: HomeThermal | undefined;
  readonly pv: HomePv | undefined;
  /** Operator commands: the home answers them itself (`respond`). */
  readonly responder: CommandResponder = this;

  private readonly profileRng: Rng;
  private readonly scale: number;
  private readonly flexValues: readonly number[];
  private readonly room: Room | undefined;
  private readonly curve: ComfortCurve;
  /** Every appliance of the group (owned or not: the daily draws are the same either way). */
  private readonly specs: readonly HomeApplianceConfig[];
  private readonly owns: Uint8Array;
  private readonly slots: ApplianceSlot[];
  /**
   * Per appliance, the slot before this interval's step and the kW the step drew (0: it did
   * not run): load shedding re-steps a run from it with what was delivered.
   */
  private readonly settledSlots: ApplianceSlot[];
  private readonly settledRunKw: Float64Array;
  /** Per appliance, its slot's baseline runs (`RUN_NUMBERS` numbers each; part of the home's block). */
  private readonly runs: Float64Array;
  private readonly dayRng: Rng | undefined;
  private readonly needs: NeedList<HomeNeed>;
  /** Σ served per need code after settling (part of the home's block). */
  private readonly served: Float64Array;
  /**
   * The home's numbers that change from interval to interval, at the `S_*` offsets (part of
   * its block): in an object's fields each would be a number boxed on its own, scattered
   * over the heap; here they sit on two cache lines next to its need records.
   */
  private readonly s: Float64Array;

  /** UTC instant of the local midnight starting the day the appliances' jobs are for. */
  private get dayStart(): number { return this.s[S_DAY_START]!; }
  private set dayStart(v: number) { this.s[S_DAY_START] = v; }
  private get loadKw(): number { return this.s[S_LOAD]!; }
  private set loadKw(v: number) { this.s[S_LOAD] = v; }
  private get pvKw(): number { return this.s[S_PV]!; }
  private set pvKw(v: number) { this.s[S_PV] = v; }
  private get gainsKw(): number { return this.s[S_GAINS]!; }
  private set gainsKw(v: number) { this.s[S_GAINS] = v; }
  private get indoorC(): number { return this.s[S_INDOOR]!; }
  private set indoorC(v: number) { this.s[S_INDOOR] = v; }
  private get baselineIndoorC(): number { return this.s[S_BASELINE_INDOOR]!; }
  private set baselineIndoorC(v: number) { this.s[S_BASELINE_INDOOR] = v; }
  private get missedKwh(): number { return this.s[S_MISSED]!; }
  private set missedKwh(v: number) { this.s[S_MISSED] = v; }
  private get comfortDegH(): number { return this.s[S_COMFORT]!; }
  private set comfortDegH(v: number) { this.s[S_COMFORT] = v; }
  private get baselineKw(): number { return this.s[S_BASELINE]!; }
  private set baselineKw(v: number) { this.s[S_BASELINE] = v; }
  private get unservedKwh(): number { return this.s[S_UNSERVED]!; }
  private set unservedKwh(v: number) { this.s[S_UNSERVED] = v; }
  /** What the home's meter saw this interval: loads served, and PV sent to the grid, kW. */
  private get sheddableKw(): number { return this.s[S_SHEDDABLE]!; }
  private set sheddableKw(v: number) { this.s[S_SHEDDABLE] = v; }
  private get deviceSheddableKw(): number { return this.s[S_DEVICES]!; }
  private set deviceSheddableKw(v: number) { this.s[S_DEVICES] = v; }
  private get consumedKw(): number { return this.s[S_CONSUMED]!; }
  private set consumedKw(v: number) { this.s[S_CONSUMED] = v; }
  private get generatedKw(): number { return this.s[S_GENERATED]!; }
  private set generatedKw(v: number) { this.s[S_GENERATED] = v; }
  /** The market's quantity step, from the last market view (awards come in whole steps). */
  private get quantumKw(): number { return this.s[S_QUANTUM]!; }
  private set quantumKw(v: number) { this.s[S_QUANTUM] = v; }
  /** The PV offer's price from the last `forecastPrices`. */
  private get pvOfferMwh(): number { return this.s[S_PV_OFFER]!; }
  private set pvOfferMwh(v: number) { this.s[S_PV_OFFER] = v; }

  constructor(
    m: GroupMember,
    private readonly ctx: HomeGroupContext,
    private readonly strategy: Strategy<HomeView>,
    private readonly blockValues: readonly number[],
    /**
     * Set when the strategy is the built-in `home-forecast` (these are its parameters): the
     * home then prices its needs itself with the strategy's own rule (`forecastBid`), with
     * no view to build; undefined: every bid goes through the strategy's view.
     */
    private readonly forecast?: HomeForecastParams,
    /**
     * Its block of numbers (`homeBlockSize`): its state, served sums, room, comfort curve, then its need records (`NeedList`),
     * e.g. its share of one block for the whole group, home after home, so that homes bidding
     * and settling in turn read memory in order. Its own when absent.
     */
    block?: Float64Array,
  ) {
    const { group, env } = ctx;
    const capacity = homeNeedCapacity(group, blockValues.length, group.hvac !== undefined);
    const appliances = group.appliances.length;
    const size = homeBlockSize(blockValues.length, appliances, capacity);
    if (block && block.length < size) throw new RangeError(`home block: ${block.length} numbers, ${size} needed`);
    const b = block ?? new Float64Array(size);
    this.s = b.subarray(0, S_SIZE);
    this.served = b.subarray(SERVED_AT, ROOM_AT);
    this.s.fill(0);
    this.s[S_DAY_START] = NaN;
    this.s[S_INDOOR] = NaN;
    this.s[S_BASELINE_INDOOR] = NaN;
    this.s[S_QUANTUM] = AWARD_TOLERANCE_KW;
    this.id = m.id;
    this.bus = m.bus;
    this.profileRng = env.random.stream(m.id, 'base-load');
    this.scale = drawHomeScale(env.random.stream(m.id, 'home-scale'), group.baseLoad.homeScaleSigma);
    const f = group.flexibility;
    this.flexValues = flexibleBlockValues(f.valueMwh.min, f.valueMwh.max, f.blocks, env.random.stream(m.id, 'willingness-to-pay').next());
    this.thermal = group.hvac ? drawHomeThermal(group.hvac, env.random.stream(m.id, 'hvac')) : undefined;
    this.room = this.thermal ? new Room(this.thermal.unit, b.subarray(ROOM_AT, CURVE_AT)) : undefined;
    this.curve = new ComfortCurve(blockValues.length, b.subarray(CURVE_AT, runsAt(blockValues.length)));
    this.runs = b.subarray(runsAt(blockValues.length), recordsAt(blockValues.length, appliances));
    this.runs.fill(NaN);
    this.pv = group.pv ? drawHomePv(group.pv, env.random.stream(m.id, 'pv')) : undefined;
    this.specs = group.appliances;
    this.owns = new Uint8Array(this.specs.length);
    // `new Array(n).fill`, not `specs.map`: map() returns a PACKED array from the builtin but a HOLEY one once TurboFan
    // has inlined it into this (by then hot) constructor, so the homes' slots came in two kinds and bidTo deopted (measured).
    this.slots = new Array<ApplianceSlot>(this.specs.length).fill(EMPTY_SLOT);
    this.settledSlots = new Array<ApplianceSlot>(this.specs.length).fill(EMPTY_SLOT);
    this.settledRunKw = new Float64Array(this.specs.length);
    if (this.specs.length > 0) {
      const own = env.random.stream(m.id, 'appliances');
      for (let a = 0; a < this.specs.length; a++) this.owns[a] = own.next() < this.specs[a]!.share ? 1 : 0;
    }
    this.dayRng = this.specs.length > 0 ? env.random.stream(m.id, 'appliance-days') : undefined;
    // Base load 1 + flexible blocks + appliances + (keep + comfort blocks + precondition).
    this.needs = new NeedList<HomeNeed>(HOME_NEEDS, homeNeedCapacity(group, blockValues.length, this.thermal !== undefined), b.subarray(recordsAt(blockValues.length, appliances), recordsAt(blockValues.length, appliances) + capacity * NEED_STRIDE));
    if (this.thermal) this.indoorC = this.baselineIndoorC = this.thermal.initialC;
    this.lifecycle = new Lifecycle(HOME_MODEL);
  }

  bid(interval: MarketInterval, market: MarketView): readonly BidSegment[] {
    return this.bidTo(interval, market, undefined, false)!;
  }

  /** Its bidding code crashed (`AgentRuntime.prepareOwnControl`): the interval's needs and PV, no bid. */
  prepareOwnControl(interval: MarketInterval, market: MarketView): void {
    this.bidTo(interval, market, undefined, true);
  }

  /**
   * `bid` with `home-forecast`'s segments appended to `out` as packed rows (undefined
   * returned) instead of made as objects; any other bid (another strategy, faulted, a
   * segment the guard would stop) is returned as `bid` returns it, nothing written.
   */
  bidPacked(interval: MarketInterval, market: MarketView, out: PackedCurves): readonly BidSegment[] | undefined {
    return this.bidTo(interval, market, out, false);
  }

  /**
   * The interval's round of bidding: needs, then the bid (to `out` when given and the fast path applies; undefined then).
   * `needsOnly`: the needs alone, no bid (its own control after a crash).
   */
  private bidTo(interval: MarketInterval, market: MarketView, out: PackedCurves | undefined, needsOnly: boolean): readonly BidSegment[] | undefined {
    const ctx = this.ctx;
    ctx.at(interval);
    this.quantumKw = market.quantumKw;
    const group = ctx.group;
    const t = interval.start;
    const dtH = interval.durationH;
    const cap = market.priceCapMwh;
    // Draw every interval, faulted or not, so a fault never shifts later draws.
    drawLoadNoiseInto(this.profileRng, group.baseLoad.noiseSd, this.s, S_NOISE);
    const load = Math.max(0, ctx.meanKw * this.scale * ctx.shape * this.s[S_NOISE]!);
    this.loadKw = load;
    if (ctx.dayStart !== this.dayStart) this.newDay(ctx.dayStart);

    const needs = this.needs;
    needs.reset();
    const flexKw = load * group.flexibility.share;
    needs.push(BASE, load - flexKw, cap, true);
    const fv = this.flexValues;
    for (let k = 0; k < fv.length; k++) needs.push(FLEX, flexKw / fv.length, fv[k]!, true);
    let mustKw = 0;
    for (let a = 0; a < this.slots.length; a++) {
      const held = this.slots[a]!;
      const slot = promote(held);
      if (slot !== held) {
        this.slots[a] = slot;
        this.noteRuns(a);
      }
      const job = slot.job;
      const runKw = runKwNow(job, slot.state, t, dtH);
      if (!job || !(runKw > 0)) continue;
      const spec = this.specs[a]!;
      const must = mustRunNow(job, slot.state, t, dtH as Hours);
      if (must) mustKw += runKw;
      const value = applianceValueMwh(job, slot.state, t, dtH, cap, spec.valueMwh.min, spec.valueMwh.max);
      needs.push(APPLIANCE, runKw, value, must, true, a, must ? 0 : slackHours(job, slot.state, t));
    }
    const th = this.thermal;
    const room = this.room;
    let setpointKw = 0;
    let keepKw = 0;
    if (th && room) {
      // Internal gains plus the solar gain through glazing, kW: aperture × GHI (W/m²) / 1000, none when GHI ≤ 0 or NaN.
      this.gainsKw = th.internalGainsKw + (ctx.ghiWm2 > 0 ? (th.apertureM2 * ctx.ghiWm2) / 1000 : 0);
      const c = comfortCurve(room.step(dtH), th.band, th.setpointC, this.indoorC, ctx.outdoorC, this.gainsKw, this.curve);
      keepKw = c.keepKw;
      setpointKw = c.setpointKw;
      needs.push(KEEP, c.keepKw, cap, true);
      for (let k = 0; k < c.blocks; k++) needs.push(HVAC, c.blocksKw[k]!, this.blockValues[k]!, true, false, k);
      needs.push(PRECONDITION, c.preconditionKw, 0, false);
    }
    needs.sortByValue();
    const pv = this.pv;
    this.pvKw = pv ? pvOutputKw(pv, ctx.ghiWm2, 1) : 0;

    if (needsOnly || this.lifecycle.value === 'faulted') return NO_BID;
    if (this.forecast !== undefined && this.forecastPrices(market, this.forecast)) {
      if (out === undefined) return this.forecastSegments();
      this.forecastRows(out);
      return undefined;
    }
    return this.viewBid(market, load, flexKw, mustKw, keepKw, setpointKw);
  }

  /**
   * The bid through the strategy: the home's view (frozen, fresh each interval, as a
   * strategy may keep it), the strategy's curve, and the need prices read back from it.
   */
  private viewBid(market: MarketView, load: number, flexKw: number, mustKw: number, keepKw: number, setpointKw: number): readonly BidSegment[] {
    const ctx = this.ctx;
    const th = this.thermal;
    const room = this.room;
    const pv = this.pv;
    const needs = this.needs;
    let hvacView: HomeHvacView | undefined;
    if (th && room) {
      hvacView = Object.freeze({
        mode: th.unit.mode,
        indoorC: this.indoorC,
        outdoorC: ctx.outdoorC,
        band: th.band,
        setpointC: th.setpointC,
        marginC: comfortMarginC(th.unit.mode, th.band, this.indoorC),
        timeConstantH: hours(room.tauH),
        ratedKw: kw(room.ratedKw),
        ratedSteadyC: room.steadyAtRatingC(ctx.outdoorC, this.gainsKw),
      });
    }
    const { demand, needs: kinds, slackH } = needs.demandView();
    const view: HomeView = Object.freeze({
      agentId: this.id,
      kind: 'home',
      demand,
      supply: pv && this.pvKw > 0 ? Object.freeze([{ kw: this.pvKw, valueMwh: pv.offerPriceMwh }]) : NO_SUPPLY,
      desiredKw: kw(load + setpointKw + mustKw),
      inelasticKw: kw(load - flexKw + mustKw + keepKw),
      needs: kinds,
      slackH: hoursEach(slackH),
      hvac: hvacView,
      pvKw: kw(this.pvKw),
    });
    const segments = this.strategy.bid(view, market);
    needs.takeBidPrices(segments);
    return segments;
  }

  /**
   * `home-forecast`'s bid (strategies/home/forecast.ts) made from the needs as they lie,
   * each priced by the strategy's own `homeNeedBidMwh`, with the numbers its view would
   * show: the same segments as `viewBid`, without building the view, its demand curve or
   * reading the prices back. Prices each need (`setPrice`) and the PV offer (`pvOfferMwh`);
   * false when a segment would not pass the strategy guard's check (market/segment.ts):
   * `viewBid` then goes the guarded way, which reports it and answers as before. The
   * segments are then the needs in order (buy, their price and kW), then the PV offer
   * when it makes any (`forecastSegments` as objects, `forecastRows` packed).
   */
  private forecastPrices(market: MarketView, params: HomeForecastParams): boolean {
    const th = this.thermal;
    const room = this.room;
    const peak = th && room ? homeBankingPeakMwh(th.unit.mode, this.indoorC, th.band, room.steadyAtRatingC(this.ctx.outdoorC, this.gainsKw), room.tauH, market, params) : NaN;
    const now = expectedNowMwh(market);
    const cap = market.priceCapMwh;
    const floor = market.priceFloorMwh;
    const needs = this.needs;
    const n = needs.n;
    for (let i = 0; i < n; i++) {
      const q = needs.kw(i);
      const code = needs.code(i);
      const p = homeNeedBidMwh(HOME_NEEDS[code], needs.valueMwh(i), code === APPLIANCE ? needs.slackH(i) : NaN, peak, now, market, params);
      if (!(p >= floor && p <= cap && Number.isFinite(p) && Number.isFinite(q) && q / market.quantumKw <= MAX_SEGMENT_QUANTA)) return false;
      needs.setPrice(i, p);
    }
    const pv = this.pv;
    if (pv && this.pvKw > 0) {
      const v = pv.offerPriceMwh;
      const p = v > cap ? cap : v < floor ? floor : v;
      const q = this.pvKw;
      if (!(p >= floor && p <= cap && Number.isFinite(p) && Number.isFinite(q) && q / market.quantumKw <= MAX_SEGMENT_QUANTA)) return false;
      this.pvOfferMwh = p;
    }
    return true;
  }

  /** The segments `forecastPrices` priced, as objects. */
  private forecastSegments(): BidSegment[] {
    const needs = this.needs;
    const out: BidSegment[] = [];
    for (let i = 0; i < needs.n; i++) out.push({ side: 'buy', priceMwh: needs.priceMwh(i), quantityKw: needs.kw(i) });
    if (this.pv && this.pvKw > 0) out.push({ side: 'sell', priceMwh: this.pvOfferMwh, quantityKw: this.pvKw });
    return out;
  }

  /** The segments `forecastPrices` priced, appended to `out` as packed rows. */
  private forecastRows(out: PackedCurves): void {
    const needs = this.needs;
    for (let i = 0; i < needs.n; i++) out.push(true, needs.priceMwh(i), needs.kw(i));
    if (this.pv && this.pvKw > 0) out.push(false, this.pvOfferMwh, this.pvKw);
  }

  settle(award: Award): void {
    const dtH = award.interval.durationH;
    const t = award.interval.start;
    const needs = this.needs;
    const faulted = this.lifecycle.value === 'faulted';
    // No position (its bid never reached the book): its own control, as a home without a smart
    // controller runs — base and flexible load, HVAC holding its setpoint, appliance runs that must
    // run now (one that can wait waits on its timer) — and the PV makes what it makes; a command
    // still changes that, by the home's own priorities (docs/markets.md, "No position").
    const own = !faulted && award.ownControl === true;
    if (own && award.commandedKw === undefined) this.consumedKw = needs.serveWanted();
    else {
      const bought = faulted ? 0 : own ? Math.max(0, needs.wantedKw() + award.commandedKw!) : award.buyKw;
      // What it could not use (an indivisible run it got only part of) it does not draw.
      this.consumedKw = Math.max(0, bought - needs.allocate(bought, this.quantumKw));
    }
    // PV: what it was told to sell, within what the panels make now (the rest is curtailed).
    this.generatedKw = faulted ? 0 : own ? this.pvKw : Math.max(0, Math.min(award.sellKw, this.pvKw));
    const served = this.served;
    needs.sumServed(served);

    // Appliances: a run starts (or goes on) when its need got its kW; a running one not served pauses.
    let unservedKw = 0;
    let baseServedKw = 0;
    this.settledRunKw.fill(0);
    for (let i = 0; i < needs.n; i++) {
      const code = needs.code(i);
      if (code === BASE) {
        unservedKw += needs.kw(i) - needs.served(i);
        baseServedKw += needs.served(i);
      }
      else if (code === APPLIANCE) {
        const a = needs.ref(i);
        const slot = this.slots[a]!;
        if (needs.served(i) >= needs.kw(i) - AWARD_TOLERANCE_KW) {
          const step = stepAppliance(slot.job!, slot.state, t, true, dtH as Hours);
          this.slots[a] = { job: slot.job, state: step.state, next: slot.next };
          this.settledSlots[a] = slot;
          this.settledRunKw[a] = step.averageKw;
        } else if (needs.wanted(i)) unservedKw += needs.kw(i);
      }
    }

    // The room: HVAC as served, under the conditions the curve was computed for.
    let preconditionKw = 0;
    let baselineHvacKw = 0;
    const th = this.thermal;
    const room = this.room;
    if (th && room) {
      room.step(dtH);
      const outdoorC = this.ctx.outdoorC;
      const hvacKw = served[KEEP]! + served[HVAC]! + served[PRECONDITION]!;
      if (!faulted && hvacKw > this.curve.setpointKw) preconditionKw = hvacKw - this.curve.setpointKw;
      const start = this.indoorC;
      this.s[S_START_C] = start;
      this.s[S_HVAC_KW] = faulted ? 0 : hvacKw;
      this.indoorC = room.endC(start, outdoorC, this.gainsKw, hvacKw);
      this.comfortDegH = violationDegH(th.band, start, this.indoorC, dtH);
      // The no-price-response counterfactual: a thermostat holding the setpoint.
      const b0 = this.baselineIndoorC;
      baselineHvacKw = room.electricToReach(b0, outdoorC, this.gainsKw, th.setpointC);
      this.baselineIndoorC = room.endC(b0, outdoorC, this.gainsKw, baselineHvacKw);
    }
    let baselineAppKw = 0;
    const runs = this.runs;
    for (let o = 0; o < runs.length; o += RUN_NUMBERS) {
      baselineAppKw += baselineWindowKw(runs[o]!, runs[o + 1]!, runs[o + 2]!, t, dtH) + baselineWindowKw(runs[o + 3]!, runs[o + 4]!, runs[o + 5]!, t, dtH);
    }
    this.baselineKw = this.loadKw + baselineHvacKw + baselineAppKw;
    this.unservedKwh = (unservedKw > AWARD_TOLERANCE_KW ? unservedKw * dtH : 0) + this.missedKwh;
    this.missedKwh = 0;
    this.sheddableKw = Math.min(baseServedKw, this.consumedKw);
    this.deviceSheddableKw = Math.max(0, this.consumedKw - this.sheddableKw);

    const event = homeLifecycle(this.lifecycle.value, needs.shortKw(), preconditionKw, award.commandedKw);
    if (event) this.lifecycle.send(event);
  }

  /** Its own control (`settle` with `Award.ownControl`): every need wanted now, and what its PV makes. */
  ownControlKw(): { consumedKw: number; generatedKw: number } {
    const faulted = this.lifecycle.value === 'faulted';
    return { consumedKw: faulted ? 0 : this.needs.wantedKw(), generatedKw: faulted ? 0 : this.pvKw };
  }

  observe(): AgentObservation {
    const state = this.lifecycle.value;
    const { consumedKw, generatedKw } = this;
    // All it generates is PV: curtailable (engine/interval/curtail.ts).
    // Its base load is sheddable: going without it changes nothing else in the home (engine/interval/shed.ts).
    // The rest of what it consumes can be shed too, once the base load is gone, and the home feels it (`shed`).
    const sheddableKw = this.sheddableKw;
    const deviceSheddableKw = this.deviceSheddableKw;
    if (this.thermal) return { state, indoorTempC: this.indoorC, comfortViolationDegH: this.comfortDegH, baselineKw: this.baselineKw, unservedKwh: this.unservedKwh, consumedKw, generatedKw, curtailableKw: generatedKw, sheddableKw, deviceSheddableKw };
    return { state, baselineKw: this.baselineKw, unservedKwh: this.unservedKwh, consumedKw, generatedKw, curtailableKw: generatedKw, sheddableKw, deviceSheddableKw };
  }

  /** `observe` written into the home's own earlier observation (same fields, same order: the object keeps its shape). */
  observeInto(into: AgentObservation): AgentObservation {
    const o = into as MutableObservation;
    const { consumedKw, generatedKw } = this;
    o.state = this.lifecycle.value;
    if (this.thermal) {
      o.indoorTempC = this.indoorC;
      o.comfortViolationDegH = this.comfortDegH;
    }
    o.baselineKw = this.baselineKw;
    o.unservedKwh = this.unservedKwh;
    o.consumedKw = consumedKw;
    o.generatedKw = generatedKw;
    o.curtailableKw = generatedKw;
    o.sheddableKw = this.sheddableKw;
    o.deviceSheddableKw = this.deviceSheddableKw;
    return o;
  }

  /**
   * Load shedding took `kw` of what it consumed (engine/interval/shed.ts): its base load first
   * (nothing else depends on it); the rest off its flexible load, appliance runs and HVAC alike,
   * each keeping the same share of what it drew, as if the circuit were off for that part of
   * the interval: the room's step is recomputed with the HVAC power delivered (so its indoor
   * temperature and comfort violation follow it), and each appliance run advances by the
   * energy delivered (it finishes that much later). All of it is energy the home went without
   * (`unservedKwh`). Its lifecycle state stays what the award made it.
   */
  shed(kw: number, interval: MarketInterval): void {
    const dtH = interval.durationH;
    const fromBase = Math.min(kw, this.sheddableKw);
    this.sheddableKw -= fromBase;
    const devices = this.deviceSheddableKw;
    const fromDevices = Math.min(kw - fromBase, devices);
    if (fromDevices > 0) {
      const keep = 1 - fromDevices / devices;
      this.deviceSheddableKw = devices - fromDevices;
      const th = this.thermal;
      const room = this.room;
      if (th && room && this.s[S_HVAC_KW]! > 0) {
        const hvacKw = (this.s[S_HVAC_KW] = this.s[S_HVAC_KW]! * keep);
        const start = this.s[S_START_C]!;
        this.indoorC = room.step(dtH).endC(start, this.ctx.outdoorC, this.gainsKw, hvacKw);
        this.comfortDegH = violationDegH(th.band, start, this.indoorC, dtH);
      }
      const t = interval.start;
      for (let a = 0; a < this.slots.length; a++) {
        const runKw = this.settledRunKw[a]!;
        if (!(runKw > 0)) continue;
        const before = this.settledSlots[a]!;
        const job = before.job!;
        // The run draws its power for the part of the interval it had it: energy runKw·keep·Δt.
        const delivered = runKw * keep;
        const step = stepAppliance(job, before.state, t, true, ((delivered * dtH) / job.powerKw) as Hours);
        this.settledRunKw[a] = delivered;
        this.slots[a] = { job, state: step.state, next: this.slots[a]!.next };
      }
    }
    this.consumedKw = Math.max(0, this.consumedKw - kw);
    this.unservedKwh += kw * dtH;
  }

  /** An operator's command, answered from this interval's needs and the room (rules in respond.ts); changes nothing. */
  respond(command: OperatorCommand, plannedNetKw: number): CommandResponse {
    const th = this.thermal;
    const needs = needShares(this.needs, homeNeedProtected, (name) => name === 'appliance');
    const room = th && { mode: th.unit.mode, indoorC: this.indoorC, band: th.band };
    return respondHome({ faulted: this.lifecycle.value === 'faulted', needs, quantumKw: this.quantumKw, room }, command, plannedNetKw);
  }

  /** A new local day: each appliance's job for the day (drawn for every appliance, owned or not). */
  private newDay(dayStart: number): void {
    this.dayStart = dayStart;
    const rng = this.dayRng;
    if (!rng) return;
    const { env, stepMs } = this.ctx;
    for (let a = 0; a < this.specs.length; a++) {
      const job = drawDailyJob(this.specs[a]!, rng, dayStart as SimTime, env.clock.start, stepMs, env.site.zone);
      if (!this.owns[a]) continue;
      const r = addJob(this.slots[a]!, job);
      this.slots[a] = r.slot;
      this.noteRuns(a);
      this.missedKwh += r.missedKwh;
    }
  }

  /** Keeps appliance a's baseline runs (`runs`) those of its slot's jobs: after its job in hand or next job changed. */
  private noteRuns(a: number): void {
    const { job, next } = this.slots[a]!;
    const o = a * RUN_NUMBERS;
    const runs = this.runs;
    runs[o] = job ? job.earliestStart : NaN;
    runs[o + 1] = job ? baselineEndMs(job) : NaN;
    runs[o + 2] = job ? job.powerKw : NaN;
    runs[o + 3] = next ? next.earliestStart : NaN;
    runs[o + 4] = next ? baselineEndMs(next) : NaN;
    runs[o + 5] = next ? next.powerKw : NaN;
  }

  /** The physical state, for tests and reports (plain data, copied). */
  inspect(): { indoorC: number; baselineIndoorC: number; slots: readonly ApplianceSlot[]; runs: readonly number[]; pvKw: number; owns: readonly number[] } {
    return { indoorC: this.indoorC, baselineIndoorC: this.baselineIndoorC, slots: [...this.slots], runs: [...this.runs], pvKw: this.pvKw, owns: [...this.owns] };
  }
}

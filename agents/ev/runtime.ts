/**
 * `kind: ev` — electric cars that plug in at home (overnight) or at work (daytime).
 *
 * Each car draws, from its own seeded streams, its charger power (`charger-kw`),
 * whether it can do V2G (`v2g`), and one session per day (`ev-session`: arrival,
 * departure and the energy the day's driving used; `physics/evSessions.ts`). The
 * draws follow the calendar, not the car's state, so a fault never shifts them.
 *
 * Every interval while it is plugged in, the car tells its strategy (default
 * `ev-slack`) its SoC, target, slack and limits (`EvView`); it bids nothing while
 * away. Its valuation (`demand`, for `truthful`/`markup`) splits what it can take
 * now into a need at the price cap (`mustChargeKw`: what flat-out charging after this
 * interval could no longer make up) and a want below it (ev-slack's flexible price;
 * `strategies/ev/demand.ts`); `supply` is empty (a car
 * that values its charge at the cap never sells it). V2G comes from strategies
 * that weigh time (`ev-slack`).
 *
 * Reported (agents.csv): the lifecycle state, `socKwh` while plugged in (empty
 * while away: the charge point does not see the car), `baselineKw` = uncontrolled
 * charging (full charger power from arrival until its target, simulated alongside),
 * and in the interval it leaves, `unmetDepartureKwh` = target − SoC.
 * An award it cannot take (while away, faulted, past its charger or SoC limits,
 * or a V2G sale below its floor) is not applied; the difference is its `deviationKw`.
 *
 * Simplifications: sessions every day of the week; a car already plugged in when
 * the run starts (last night's session) is taken to arrive at the first gate, with
 * at least its departure-feasible SoC (what it charged before the run is not simulated,
 * so no shortfall is inherited from it).
 */
import type { SiteZone } from '../../core/siteZone.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { Rng } from '../../core/rng.ts';
import { MS_PER_HOUR, MS_PER_MINUTE, type SimTime, simTime } from '../../core/time.ts';
import { dayTypeOf } from '../physics/loadProfile.ts';
import { type AgentId, type BusId, hours, kw, kwh, pricePerMwh } from '../../core/units.ts';
import type { BidSegment } from '../../market/types.ts';
import { strategyFor } from '../../strategies/registry.ts';
import type { MarketView, Strategy } from '../../strategies/types.ts';
import { evDemand } from '../../strategies/ev/demand.ts';
import { evSlackCurve, type EvSlackInputs, type EvSlackParams, evSlackParamsOf } from '../../strategies/ev/slack.ts';
import type { PackedCurves } from '../../market/packedCurves.ts';
import { isValidPriceQuantity } from '../../market/segment.ts';
import type { EvView } from '../../strategies/ev/view.ts';
import { batteryFromFractions } from '../physics/battery.ts';
import { departureFeasibleSocKwh, evCharging } from '../physics/ev.ts';
import {
  type ChargerOption,
  drawChargerKw,
  drawV2gCapable,
  type EvSessionDistribution,
  HOME_CHARGER_OPTIONS,
  HOME_SESSIONS,
  WORKPLACE_CHARGER_OPTIONS,
  WORKPLACE_SESSIONS,
} from '../physics/evSessions.ts';
import type { Holidays } from '../../core/calendar.ts';
import { type GroupMember, groupMembers } from '../group.ts';
import type { AgentEnv, AgentObservation, AgentRuntime, Award, CommandResponder, CommandResponse, DayAheadOffer, OperatorCommand } from '../types.ts';
import type { EvGroup } from './schema.ts';
import { evLifecycle, evMachine, type EvMode } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';

/** Every car's machine: shared snapshots and steps (agents/lifecycle.ts). */
const EV_MODEL = new MachineModel(evMachine);

import { respondEv } from './respond.ts';
import { answerEvSetpoint, steerEvLimits } from './setpoint.ts';
import { type ChargeStateSetpoint, setpointOf } from '../chargeStateSetpoint.ts';
import type { BatteryParams } from '../physics/battery.ts';
import { evDayAheadBids } from './dayAhead.ts';
import { applyEvAward, arrivalSocKwh, drawSession, type EvCar, type EvLimits, type EvSession, evLimitsInto, uncontrolledKw, uncontrolledSocKwh } from './session.ts';


/** One interval's record, beyond the common fields. */
export interface EvObservation extends AgentObservation {
  /** Net award not applied (kW, interval average): bought − sold − what the battery took. */
  readonly deviationKw: number;
}

/** The car's session as the runtime holds it (for tests and reports). */
export interface EvStatus {
  readonly car: EvCar;
  readonly plugged: boolean;
  readonly socKwh: number;
  /** Current or next session; `arrival` already moved to the first gate for a session under way at the start. */
  readonly session: EvSession;
  /** SoC it arrived with in the current (or last) session, kWh. */
  readonly arrivalSocKwh: number;
}

/**
 * The real-time bid of a plugged-in car with a day-ahead schedule for the interval, like a
 * battery's (agents/storage `followSchedule`): the scheduled charge bought at the price cap,
 * or the scheduled V2G discharge sold at the price floor, clipped to what the car can do now
 * — so it runs to its plan at any real-time price. It deviates only where it is forced: when
 * its departure needs more now than the plan gives (`mustChargeKw`: a car that arrived
 * emptier than its bid assumed, or lost charge to a command), it buys that need at the cap
 * instead (a planned discharge is then dropped). A scheduled 0 is no bid unless a need forces one.
 * Example: plan 7 kW, charger allows 11, need 0 → buy 7 at the cap; plan 2, need 3.5 → buy 3.5;
 * plan −5 (V2G), need 1 → buy 1.
 */
export function followEvSchedule(plannedKw: number, limits: Pick<EvLimits, 'maxChargeKw' | 'maxDischargeKw' | 'mustChargeKw'>, market: MarketView): readonly BidSegment[] {
  const need = limits.mustChargeKw;
  const charge = plannedKw > 0 ? Math.max(need, Math.min(plannedKw, limits.maxChargeKw)) : need;
  if (charge > 0) return [{ side: 'buy', priceMwh: market.priceCapMwh, quantityKw: charge }];
  const discharge = plannedKw < 0 ? Math.min(-plannedKw, limits.maxDischargeKw) : 0;
  return discharge > 0 ? [{ side: 'sell', priceMwh: market.priceFloorMwh, quantityKw: discharge }] : EMPTY;
}

export interface EvRuntime extends AgentRuntime {
  status(): EvStatus;
}

function carOf(group: EvGroup, chargerKw: number, v2gCapable: boolean): EvCar {
  const b = group.battery;
  const battery = batteryFromFractions({
    capacityKwh: b.capacityKwh,
    minSocFraction: b.minSocFraction,
    maxSocFraction: b.maxSocFraction,
    maxChargeKw: Math.min(chargerKw, b.maxChargeKw),
    maxDischargeKw: v2gCapable ? Math.min(chargerKw, b.maxDischargeKw) : 0,
    chargeEfficiency: b.chargeEfficiency,
    dischargeEfficiency: b.dischargeEfficiency,
    degradationCostPerMwh: b.degradationCostPerMwh,
  });
  return { battery, charging: evCharging(battery, kw(chargerKw), battery.maxSocKwh), chargerKw, v2gCapable };
}

/** Below this grid power (kW, magnitude) the car counts as idle: one watt, as for storage. */
const ACTIVE_KW = 1e-3;
const EMPTY: readonly never[] = Object.freeze([]);
/** Scratch for `ev-slack`'s inputs on the packed path (read by the rule, never kept): no object per car and interval. */
const SLACK_INPUTS = { hoursToDeparture: 0, slackHours: 0, mustChargeKw: 0, maxChargeKw: 0, maxDischargeKw: 0, chargeEfficiency: 0, dischargeEfficiency: 0, degradationCostPerMwh: 0 };

const AWAY: EvObservation = Object.freeze({ state: 'away', baselineKw: 0, unservedKwh: 0, deviationKw: 0, consumedKw: 0, generatedKw: 0 });

export function createEvRuntimes(group: EvGroup, env: AgentEnv): EvRuntime[] {
  const options: readonly ChargerOption[] | undefined =
    group.chargerKw === undefined
      ? group.sessions === 'workplace'
        ? WORKPLACE_CHARGER_OPTIONS
        : HOME_CHARGER_OPTIONS
      : typeof group.chargerKw === 'number'
        ? undefined
        : group.chargerKw.map((o) => ({ kw: kw(o.kw), share: o.share }));
  const shared: EvGroupShared = {
    group,
    env,
    dist: group.sessions === 'workplace' ? WORKPLACE_SESSIONS : HOME_SESSIONS,
    options,
    zone: env.site.zone,
    holidays: env.environment.holidays,
    runStart: env.clock.start,
    firstGate: env.clock.start - env.clock.gateClosureMinutes * MS_PER_MINUTE,
  };
  return groupMembers(group, env.defaultBus).map((m): EvRuntime => new EvAgent(m, shared));
}

/** What every car of a group shares: drawn from the group once. */
interface EvGroupShared {
  readonly group: EvGroup;
  readonly env: AgentEnv;
  readonly dist: EvSessionDistribution;
  readonly options: readonly ChargerOption[] | undefined;
  readonly zone: SiteZone;
  readonly holidays: Holidays;
  readonly runStart: number;
  readonly firstGate: number;
}

/** The interval's limits, one object per car rewritten in place each interval (`evLimitsInto`). */
type Limits = { -readonly [K in keyof EvLimits]: EvLimits[K] };

/**
 * One car: its state in fields, its behaviour on the prototype (no closures per car: a
 * car is one object, its machine snapshot, its limits and its session).
 */
class EvAgent implements EvRuntime {
  readonly id: AgentId;
  readonly kind = 'ev';
  readonly bus: BusId;
  readonly lifecycle: Lifecycle<typeof evMachine>;
  /** Operator commands: the car answers them itself (`respond`). */
  readonly responder: CommandResponder = this;
  private readonly strategy: Strategy<EvView>;
  /** Set when the strategy is the built-in `ev-slack` (its parameters): `bidPacked` then applies its rule itself, with no view. */
  private readonly slack: EvSlackParams | undefined;
  private readonly sessionRng: Rng;
  private readonly dist: EvSessionDistribution;
  private readonly zone: SiteZone;
  private readonly holidays: Holidays;
  private readonly car: EvCar;
  private readonly chargerKw: number;
  private readonly v2gCapable: boolean;
  private readonly target: number;
  private readonly usable: number;
  /** Local midnight of the day of the last session drawn. */
  private day: SimTime;
  private session: EvSession;
  /** Sessions drawn ahead of time (the day-ahead bid looks at the day's calendar); undefined until it does. */
  private ahead: EvSession[] | undefined;
  private lastDrawn: EvSession;
  private startFloorKwh = 0;
  private baseStartFloorKwh: number;
  // The car (plain numbers, updated in place: one car, one owner).
  private plugged = false;
  private soc: number; // while away: the SoC it left with
  private arrivedWith: number;
  // The uncontrolled counterfactual, simulated alongside.
  private basePlugged = false;
  private baseSoc: number;
  // This interval.
  private readonly limits: Limits = { chargeH: 0, maxChargeKw: 0, mustChargeKw: 0, maxDischargeKw: 0, floorKwh: 0, slackHours: 0, neededKwh: 0 };
  /** Whether `limits` holds this interval's limits (set when it bid). */
  private hasLimits = false;
  private inMarket = false;
  /**
   * What `settle` observed, as numbers (`observe` makes the object, `observeInto` writes it into
   * the car's last one): `obsAway` when it is `AWAY`; NaN `obsSocKwh` / `obsUnmetKwh` for absent.
   */
  private obsAway = true;
  private obsState = 'away';
  private obsSocKwh = NaN;
  private obsBaselineKw = 0;
  private obsUnmetKwh = NaN;
  private obsDeviationKw = 0;
  private obsAppliedKw = 0;
  /**
   * Whether its V2G discharge this interval may be curtailed (engine/interval/curtail.ts): it
   * discharged and is still plugged in. With what `curtail` recomputes the step from: the SoC
   * before it, the net award and the hours it had left.
   */
  private obsCurtailable = false;
  /** Its charge this interval (it may be shed, `shed`), and what of it was: kWh bought and not delivered. */
  private obsSheddable = false;
  private obsUnservedKwh = 0;
  /** The trip of each session that came and went within the interval after it left (`shed` replays them). */
  private readonly settledTrips: number[] = [];
  private settledSoc = 0;
  private settledNet = 0;
  private settledHoursLeft = 0;
  private quantumKw = 0.001; // the market's quantity step, from the last market view
  /** Day-ahead schedule, net kW per interval index (+ charge, − V2G): real time realises it (followEvSchedule). Undefined until a day-ahead award. */
  private schedule: Map<number, number> | undefined;
  /** The operator's CHARGE_STATE_SETPOINT it opted in to (setpoint.ts), until the event's end. */
  private setpoint: ChargeStateSetpoint | undefined;
  /** A V2G-capable car's registered charge-point ratings (`AgentRuntime.v2gRating`); undefined without V2G. */
  readonly v2gRating?: BatteryParams;

  constructor(m: GroupMember, s: EvGroupShared) {
    const { group, env } = s;
    this.id = m.id;
    this.bus = m.bus;
    this.dist = s.dist;
    this.zone = s.zone;
    this.holidays = s.holidays;
    // One strategy per car: a strategy that keeps state keeps this car's alone.
    this.strategy = strategyFor<EvView>(group.strategy, 'ev-slack', env.reportStrategyFault, { agentId: m.id, random: env.random, lpSolver: env.lpSolver });
    this.slack = evSlackParamsOf(group.strategy);
    this.sessionRng = env.random.stream(m.id, 'ev-session');
    this.chargerKw = s.options ? drawChargerKw(env.random.stream(m.id, 'charger-kw'), s.options) : (group.chargerKw as number);
    this.v2gCapable = drawV2gCapable(env.random.stream(m.id, 'v2g'), group.v2gShare);
    const car = (this.car = carOf(group, this.chargerKw, this.v2gCapable));
    const target: number = (this.target = car.battery.maxSocKwh);
    this.usable = target - car.battery.minSocKwh;
    this.lifecycle = new Lifecycle(EV_MODEL, { v2gCapable: this.v2gCapable });
    if (this.v2gCapable && car.battery.maxDischargeKw > 0) this.v2gRating = car.battery;

    // The session sequence: one per local day, from the local day before the run's (last night's car). Counted in
    // local days, not as the day of the instant 24 hours back: after a spring change that instant can show the day
    // before that (Monday 00:00 − 24 h is Saturday 23:00 in Amsterdam), and a sequence started there draws a session
    // more from the car's stream, so every session of the run would be another than its days' (audit Z-clock2).
    const runStart = s.runStart;
    this.day = simTime(s.zone.dayStartMs(s.zone.localDayNumber(runStart) - 1));
    let session: EvSession = this.drawFromDay(-Infinity);
    while (session.departure <= runStart) {
      this.day = simTime(this.zone.nextDayStart(this.day));
      session = this.drawFromDay(session.departure);
    }
    // A car plugged in before the run is taken to arrive at the first gate having charged at
    // least enough to still make its departure: the run inherits no shortfall from hours it
    // did not simulate.
    if (session.arrival < s.firstGate) {
      session = { ...session, arrival: simTime(s.firstGate) };
      this.startFloorKwh = departureFeasibleSocKwh(car.charging, hours((session.departure - runStart) / MS_PER_HOUR));
    }
    this.session = this.lastDrawn = session;
    this.baseStartFloorKwh = this.startFloorKwh;
    this.soc = this.arrivedWith = this.baseSoc = target;
  }

  /** Draws the session of the next day (the stream is the car's own and each session follows the last drawn, so drawing early changes nothing). */
  private drawNext(): EvSession {
    this.day = simTime(this.zone.nextDayStart(this.day));
    return (this.lastDrawn = this.drawFromDay(this.lastDrawn.departure));
  }

  /**
   * The session of local day `this.day`, or of the first day after it that has one (workplace
   * sessions: workdays only), moving `this.day` there. A skipped day's session is drawn and
   * dropped, so every day keeps its own draws: a workday's session is what it always was.
   */
  private drawFromDay(notBefore: number): EvSession {
    for (;;) {
      const session = drawSession(this.sessionRng, this.dist, this.day, this.usable, notBefore, this.zone);
      if (!this.dist.workdaysOnly || dayTypeOf(simTime(this.day + 12 * MS_PER_HOUR), this.zone, this.holidays) === 'workday') return session;
      this.day = simTime(this.zone.nextDayStart(this.day));
    }
  }

  private nextSession(): void {
    this.session = this.ahead?.shift() ?? this.drawNext();
  }

  /** The current session and the next ones, until one arrives at or after `end`. */
  private sessionsUntil(end: number): EvSession[] {
    const ahead = (this.ahead ??= []);
    while ((ahead.at(-1) ?? this.session).arrival < end) ahead.push(this.drawNext());
    return [this.session, ...ahead];
  }

  private send(mode: EvMode, discharge?: { socKwh: number; floorKwh: number }): void {
    const event = evLifecycle(this.lifecycle.value, mode, discharge);
    if (event) this.lifecycle.send(event);
  }

  status(): EvStatus {
    return { car: this.car, plugged: this.plugged, socKwh: this.soc, session: this.session, arrivalSocKwh: this.arrivedWith };
  }

  bid(interval: MarketInterval, market: MarketView): readonly BidSegment[] {
    return this.bidTo(interval, market, undefined, false)!;
  }

  /** Its bidding code crashed (`AgentRuntime.prepareOwnControl`): plugging in and leaving as at bid time, no bid. */
  prepareOwnControl(interval: MarketInterval, market: MarketView): void {
    this.bidTo(interval, market, undefined, true);
  }

  /**
   * `bid` with `ev-slack`'s segments appended to `out` as packed rows (undefined returned) instead
   * of made as objects from a view; any other bid (another strategy, a day-ahead schedule, a
   * segment the strategy guard would stop) is returned as `bid` returns it, nothing written.
   */
  bidPacked(interval: MarketInterval, market: MarketView, out: PackedCurves): readonly BidSegment[] | undefined {
    return this.bidTo(interval, market, out, false);
  }

  /** The interval's round of bidding: the car plugs in or leaves, then (unless `needsOnly`: its own control after a crash) its bid. */
  private bidTo(interval: MarketInterval, market: MarketView, out: PackedCurves | undefined, needsOnly: boolean): readonly BidSegment[] | undefined {
    const start = interval.start;
    const session = this.session;
    this.hasLimits = false;
    this.quantumKw = market.quantumKw;
    if (!this.plugged && session.arrival <= start) {
      this.plugged = true;
      this.soc = this.arrivedWith = Math.max(arrivalSocKwh(this.soc, session.needKwh), this.startFloorKwh);
      this.startFloorKwh = 0;
    }
    const plugged = this.plugged;
    // Plugging in and leaving are the lifecycle changes known at bid time.
    const state = this.lifecycle.value;
    if (plugged ? state === 'away' : state !== 'away') this.send(plugged ? 'plugged-idle' : 'away');
    this.inMarket = plugged && session.arrival <= interval.gateClosure;
    if (needsOnly || !this.inMarket || this.lifecycle.value === 'faulted') return EMPTY;
    const hoursLeft = (session.departure - start) / MS_PER_HOUR;
    const car = this.car;
    const l = evLimitsInto(this.limits, car, this.soc, hoursLeft, interval.durationH);
    this.hasLimits = true;
    if (this.setpoint !== undefined) {
      // Before the event: part of what it must buy, and no V2G below its commitment (setpoint.ts); expired with its event.
      if (start >= this.setpoint.endMs) this.setpoint = undefined;
      else steerEvLimits(this.setpoint, car, this.soc, start, interval.durationH, market.quantumKw, l);
    }
    if (!(l.maxChargeKw > 0) && !(l.maxDischargeKw > 0)) return EMPTY;
    const planned = this.schedule?.get(interval.index);
    if (planned !== undefined) return followEvSchedule(planned, l, market);
    if (out !== undefined && this.slack !== undefined) {
      // `ev-slack`'s rule on the numbers its view would show (strategies/ev/slack.ts), written as rows;
      // kept only when every row would pass the strategy guard's check (market/segment.ts), else the guarded way below.
      const x = SLACK_INPUTS;
      x.hoursToDeparture = hoursLeft;
      x.slackHours = l.slackHours;
      x.mustChargeKw = l.mustChargeKw;
      x.maxChargeKw = l.maxChargeKw;
      x.maxDischargeKw = l.maxDischargeKw;
      x.chargeEfficiency = car.battery.chargeEfficiency;
      x.dischargeEfficiency = car.battery.dischargeEfficiency;
      x.degradationCostPerMwh = car.battery.degradationCostPerMwh;
      const from = out.n;
      evSlackCurve(x as unknown as EvSlackInputs, market, this.slack, out);
      let valid = true;
      for (let k = from; k < out.n; k++) if (!isValidPriceQuantity(out.priceMwh[k]!, out.quantityKw[k]!, market)) valid = false;
      if (valid) return undefined;
      out.truncate(from);
    }
    // Units branded where the view is made (core/units.ts): the strategy API's types carry them.
    // One object: `demand` is filled from the other fields (strategies/ev/demand.ts reads no other), then frozen.
    const view: { -readonly [K in keyof EvView]: EvView[K] } = {
      agentId: this.id,
      kind: 'ev',
      socKwh: kwh(this.soc),
      targetSocKwh: kwh(this.target),
      minSocKwh: car.battery.minSocKwh,
      hoursToDeparture: hours(hoursLeft),
      slackHours: hours(l.slackHours),
      neededKwh: kwh(l.neededKwh),
      mustChargeKw: kw(l.mustChargeKw),
      maxChargeKw: kw(l.maxChargeKw),
      maxDischargeKw: kw(l.maxDischargeKw),
      v2gCapable: this.v2gCapable,
      chargerKw: kw(this.chargerKw),
      chargeEfficiency: car.battery.chargeEfficiency,
      dischargeEfficiency: car.battery.dischargeEfficiency,
      degradationCostPerMwh: pricePerMwh(car.battery.degradationCostPerMwh),
      demand: EMPTY,
      supply: EMPTY,
    };
    // Need (at the cap) only what cannot be postponed; the rest is a want (strategies/ev/demand.ts).
    view.demand = evDemand(view, market);
    return this.strategy.bid(Object.freeze(view), market);
  }

  /** Its own control (`settle` with `Award.ownControl`): plugged in and in the market, charging flat out until full. */
  ownControlKw(interval: MarketInterval): { consumedKw: number; generatedKw: number } {
    const charging = this.plugged && this.inMarket && this.lifecycle.value !== 'faulted';
    return { consumedKw: charging ? uncontrolledKw(this.car, this.soc, this.session.arrival, this.session.departure, interval.start, interval.end) : 0, generatedKw: 0 };
  }

  settle(award: Award): void {
    const { interval } = award;
    const start = interval.start;
    const end = interval.end;
    const dt = interval.durationH;
    const car = this.car;
    const wasPlugged = this.plugged;
    // No position (its bid never reached the book): it charges as it would unmanaged, flat out
    // until full (docs/markets.md, "No position"); a command changes that as it would an award.
    const net =
      award.ownControl === true && wasPlugged
        ? uncontrolledKw(car, this.soc, this.session.arrival, this.session.departure, interval.start, interval.end) + (award.commandedKw ?? 0)
        : award.buyKw - award.sellKw;
    const socBefore = this.soc;
    let applied = 0;
    this.settledSoc = socBefore;
    this.settledNet = net;
    if (wasPlugged && this.inMarket && this.lifecycle.value !== 'faulted') {
      this.settledHoursLeft = (this.session.departure - start) / MS_PER_HOUR;
      const step = applyEvAward(car, this.soc, net, this.settledHoursLeft, dt);
      applied = step.appliedKw;
      this.soc = step.socKwh;
    }
    // The counterfactual: plugged in from arrival, flat out until full.
    let session = this.session;
    if (!this.basePlugged && session.arrival < end) {
      this.basePlugged = true;
      this.baseSoc = Math.max(arrivalSocKwh(this.baseSoc, session.needKwh), this.baseStartFloorKwh);
      this.baseStartFloorKwh = 0;
    }
    const baseKw = this.basePlugged ? uncontrolledKw(car, this.baseSoc, session.arrival, session.departure, start, end) : 0;
    this.baseSoc = uncontrolledSocKwh(car, this.baseSoc, baseKw, dt);
    // Departures within the interval (several only with intervals of a day or more).
    const target = this.target;
    let unmet = 0;
    let left = false;
    const trips = this.settledTrips;
    trips.length = 0;
    while (session.departure <= end) {
      if (!this.plugged) {
        this.soc = this.arrivedWith = arrivalSocKwh(this.soc, session.needKwh); // came and went within the interval
        trips.push(session.needKwh);
      }
      unmet += Math.max(0, target - this.soc);
      left = true;
      this.plugged = false;
      this.basePlugged = false;
      this.nextSession();
      session = this.session;
    }
    const soc = this.soc;
    let mode: EvMode;
    if (!wasPlugged) mode = 'away';
    else if (applied > ACTIVE_KW) mode = soc >= target - 1e-9 ? 'full' : 'charging';
    else if (applied < -ACTIVE_KW) mode = 'discharging';
    else mode = soc >= target - 1e-9 ? 'full' : 'plugged-idle';
    if (mode === 'discharging') this.send(mode, { socKwh: socBefore, floorKwh: this.hasLimits ? this.limits.floorKwh : Infinity });
    else this.send(mode);
    const deviation = net - applied;
    const state = this.lifecycle.value;
    // Most of a car's day: `AWAY`, no allocation.
    this.obsAway = !wasPlugged && !left && baseKw === 0 && deviation === 0 && mode === 'away' && state === 'away';
    this.obsState = state;
    this.obsSocKwh = wasPlugged ? soc : NaN;
    this.obsBaselineKw = baseKw;
    this.obsUnmetKwh = left ? unmet : NaN;
    this.obsDeviationKw = deviation;
    this.obsAppliedKw = applied;
    // A car that left within the interval took its SoC with it: its discharge stays as metered.
    this.obsCurtailable = applied < 0 && !left;
    this.obsSheddable = applied > 0;
    this.obsUnservedKwh = 0;
    if (this.hasLimits) this.strategy.observe?.({ interval, buyKw: award.buyKw, sellKw: award.sellKw, priceMwh: award.priceMwh });
  }

  observe(): EvObservation {
    if (this.obsAway) return AWAY;
    const soc = this.obsSocKwh;
    const unmet = this.obsUnmetKwh;
    const applied = this.obsAppliedKw;
    return {
      state: this.obsState,
      socKwh: soc === soc ? soc : undefined,
      baselineKw: this.obsBaselineKw,
      unservedKwh: this.obsUnservedKwh,
      unmetDepartureKwh: unmet === unmet ? unmet : undefined,
      deviationKw: this.obsDeviationKw,
      consumedKw: Math.max(0, applied),
      generatedKw: Math.max(0, -applied),
      ...(this.obsCurtailable ? { curtailableKw: -applied } : {}),
      ...(this.obsSheddable ? { deviceSheddableKw: applied } : {}),
    };
  }

  /** `observe` written into the car's own last observation when that is one `observe` made (not the shared `AWAY`): same fields, same order. */
  observeInto(into: AgentObservation): EvObservation {
    if (this.obsAway || into === AWAY || 'curtailableKw' in into !== this.obsCurtailable || 'deviceSheddableKw' in into !== this.obsSheddable) return this.observe();
    const o = into as { -readonly [K in keyof EvObservation]: EvObservation[K] };
    const soc = this.obsSocKwh;
    const unmet = this.obsUnmetKwh;
    const applied = this.obsAppliedKw;
    o.state = this.obsState;
    o.socKwh = soc === soc ? soc : undefined;
    o.baselineKw = this.obsBaselineKw;
    o.unservedKwh = this.obsUnservedKwh;
    o.unmetDepartureKwh = unmet === unmet ? unmet : undefined;
    o.deviationKw = this.obsDeviationKw;
    o.consumedKw = Math.max(0, applied);
    o.generatedKw = Math.max(0, -applied);
    if (this.obsCurtailable) o.curtailableKw = -applied;
    if (this.obsSheddable) o.deviceSheddableKw = applied;
    return o;
  }

  /**
   * Spill curtailment (engine/interval/curtail.ts): its V2G inverter exported `kwOff` less, as a
   * battery's does, so that energy is still in the car. The step is recomputed from the SoC
   * before it; the deviation from the award settles at the imbalance price like any other.
   */
  curtail(kwOff: number, interval: MarketInterval): void {
    const applied = this.obsAppliedKw;
    if (!(kwOff > 0) || !this.obsCurtailable || !(applied < 0)) return;
    const step = applyEvAward(this.car, this.settledSoc, Math.min(0, applied + kwOff), this.settledHoursLeft, interval.durationH);
    this.soc = this.obsSocKwh = step.socKwh;
    this.obsAppliedKw = step.appliedKw;
    this.obsDeviationKw = this.settledNet - step.appliedKw;
    this.obsCurtailable = step.appliedKw < 0;
    if (!(step.appliedKw < -ACTIVE_KW)) this.send(step.socKwh >= this.target - 1e-9 ? 'full' : 'plugged-idle');
    this.obsState = this.lifecycle.value;
  }

  /**
   * Load shedding (engine/interval/shed.ts): its charger drew `kwOff` less, so the car gains
   * only what it was delivered: the step is recomputed from the SoC before it, and when it
   * left within the interval, so is the SoC it left with (and after any trips that came and
   * went since) and its shortfall at departure. The charge it bought and did not get is unserved.
   */
  shed(kwOff: number, interval: MarketInterval): void {
    const applied = this.obsAppliedKw;
    if (!(kwOff > 0) || !this.obsSheddable || !(applied > 0)) return;
    const off = Math.min(kwOff, applied);
    const step = applyEvAward(this.car, this.settledSoc, applied - off, this.settledHoursLeft, interval.durationH);
    const target = this.target;
    let soc = step.socKwh;
    if (this.obsUnmetKwh === this.obsUnmetKwh) {
      // It left: first with what it charged, then once per session that came and went (as `settle`).
      let unmet = Math.max(0, target - soc);
      for (const need of this.settledTrips) {
        soc = this.arrivedWith = arrivalSocKwh(soc, need);
        unmet += Math.max(0, target - soc);
      }
      this.obsUnmetKwh = unmet;
    }
    this.soc = this.obsSocKwh = soc;
    this.obsAppliedKw = step.appliedKw;
    this.obsDeviationKw = this.settledNet - step.appliedKw;
    this.obsSheddable = step.appliedKw > 0;
    this.obsUnservedKwh += off * interval.durationH;
    // Its state as `settle` sets it, from the recomputed step.
    const full = soc >= target - 1e-9;
    this.send(step.appliedKw > ACTIVE_KW ? (full ? 'full' : 'charging') : full ? 'full' : 'plugged-idle');
    this.obsState = this.lifecycle.value;
  }

  dayAheadAwarded(awarded: ReadonlyMap<number, number>): void {
    const schedule = (this.schedule ??= new Map());
    for (const [index, netKw] of awarded) schedule.set(index, netKw);
  }

  /** Day-ahead: one EvBid per session in the delivery day, from the calendar (agents/ev/dayAhead.ts). */
  dayAhead(intervals: readonly MarketInterval[]): DayAheadOffer {
    if (this.lifecycle.value === 'faulted' || intervals.length === 0) return {};
    const sessions = this.sessionsUntil(intervals[intervals.length - 1]!.end);
    return { intertemporal: evDayAheadBids(this.car, sessions, intervals, this.plugged ? this.soc : undefined) };
  }

  /** Operator commands: answered from the car's state (respond.ts); the change arrives with the award. */
  respond(command: OperatorCommand, plannedNetKw: number, interval: MarketInterval): CommandResponse {
    if (command.type === 'CHARGE_STATE_SETPOINT') {
      const s = { car: this.car, plugged: this.plugged, faulted: this.lifecycle.value === 'faulted', socKwh: this.soc, departure: this.session.departure, zone: this.zone };
      return answerEvSetpoint(s, command, interval);
    }
    return respondEv(
      {
        car: this.car,
        plugged: this.plugged,
        inMarket: this.inMarket,
        faulted: this.lifecycle.value === 'faulted',
        socKwh: this.soc,
        departure: this.session.departure,
        zone: this.zone,
        quantumKw: this.quantumKw,
      },
      command,
      plannedNetKw,
      interval.start,
      interval.durationH,
    );
  }

  /** A CHARGE_STATE_SETPOINT it opted in to: its bids charge to the SoC it committed by the event's start (setpoint.ts). */
  accept(command: OperatorCommand, response: CommandResponse): void {
    if (command.type === 'CHARGE_STATE_SETPOINT' && response.optIn && response.socKwh !== undefined) this.setpoint = setpointOf(command, response.socKwh);
  }
}

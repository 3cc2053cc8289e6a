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
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, simTime } from '../../core/time.ts';
import { hours, kw, kwh, pricePerMwh } from '../../core/units.ts';
import type { BidSegment } from '../../market/types.ts';
import { strategyFor } from '../../strategies/registry.ts';
import type { MarketView } from '../../strategies/types.ts';
import { evDemand } from '../../strategies/ev/demand.ts';
import type { EvView } from '../../strategies/ev/view.ts';
import { batteryFromFractions } from '../physics/battery.ts';
import { departureFeasibleSocKwh, evCharging } from '../physics/ev.ts';
import {
  type ChargerOption,
  drawChargerKw,
  drawV2gCapable,
  HOME_CHARGER_OPTIONS,
  HOME_SESSIONS,
  WORKPLACE_CHARGER_OPTIONS,
  WORKPLACE_SESSIONS,
} from '../physics/evSessions.ts';
import { localMidnight } from '../physics/localTime.ts';
import { groupMembers } from '../group.ts';
import type { AgentEnv, AgentObservation, AgentRuntime } from '../types.ts';
import type { EvGroup } from './schema.ts';
import { evLifecycle, evMachine, type EvMode } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';

/** Every car's machine: shared snapshots and steps (agents/lifecycle.ts). */
const EV_MODEL = new MachineModel(evMachine);

import { respondEv } from './respond.ts';
import { evDayAheadBids } from './dayAhead.ts';
import { applyEvAward, arrivalSocKwh, drawSession, type EvCar, type EvLimits, type EvSession, evLimits, uncontrolledKw, uncontrolledSocKwh } from './session.ts';


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
const AWAY: EvObservation = Object.freeze({ state: 'away', baselineKw: 0, unservedKwh: 0, deviationKw: 0, consumedKw: 0, generatedKw: 0 });

export function createEvRuntimes(group: EvGroup, env: AgentEnv): EvRuntime[] {
  const dist = group.sessions === 'workplace' ? WORKPLACE_SESSIONS : HOME_SESSIONS;
  const options: readonly ChargerOption[] | undefined =
    group.chargerKw === undefined
      ? group.sessions === 'workplace'
        ? WORKPLACE_CHARGER_OPTIONS
        : HOME_CHARGER_OPTIONS
      : typeof group.chargerKw === 'number'
        ? undefined
        : group.chargerKw.map((o) => ({ kw: kw(o.kw), share: o.share }));
  const offset = env.site.utcOffsetHours;
  const runStart = env.clock.start;
  const firstGate = runStart - env.clock.gateClosureMinutes * MS_PER_MINUTE;

  return groupMembers(group, env.defaultBus).map((m): EvRuntime => {
    // One strategy per car: a strategy that keeps state keeps this car's alone.
    const strategy = strategyFor<EvView>(group.strategy, 'ev-slack', env.reportStrategyFault, { agentId: m.id, random: env.random, lpSolver: env.lpSolver });
    const sessionRng = env.random.stream(m.id, 'ev-session');
    const chargerKw = options ? drawChargerKw(env.random.stream(m.id, 'charger-kw'), options) : (group.chargerKw as number);
    const v2gCapable = drawV2gCapable(env.random.stream(m.id, 'v2g'), group.v2gShare);
    const car = carOf(group, chargerKw, v2gCapable);
    const target: number = car.battery.maxSocKwh;
    const usable = target - car.battery.minSocKwh;
    const lifecycle = new Lifecycle(EV_MODEL, { v2gCapable });

    // The session sequence: one per local day, from the day before the run (last night's car).
    let day = localMidnight(simTime(runStart - MS_PER_DAY), offset);
    let session: EvSession = drawSession(sessionRng, dist, day, usable, -Infinity);
    while (session.departure <= runStart) {
      day = simTime(day + MS_PER_DAY);
      session = drawSession(sessionRng, dist, day, usable, session.departure);
    }
    // A car plugged in before the run is taken to arrive at the first gate having charged at
    // least enough to still make its departure: the run inherits no shortfall from hours it
    // did not simulate.
    let startFloorKwh = 0;
    if (session.arrival < firstGate) {
      session = { ...session, arrival: simTime(firstGate) };
      startFloorKwh = departureFeasibleSocKwh(car.charging, hours((session.departure - runStart) / MS_PER_HOUR));
    }
    let baseStartFloorKwh = startFloorKwh;
    // Sessions drawn ahead of time (the day-ahead bid looks at the day's calendar): the stream
    // is the car's own and each session follows the last drawn, so drawing early changes nothing.
    const ahead: EvSession[] = [];
    let lastDrawn = session;
    const drawNext = (): EvSession => {
      day = simTime(day + MS_PER_DAY);
      return (lastDrawn = drawSession(sessionRng, dist, day, usable, lastDrawn.departure));
    };
    const nextSession = (): void => {
      session = ahead.shift() ?? drawNext();
    };
    /** The current session and the next ones, until one arrives at or after `end`. */
    const sessionsUntil = (end: number): EvSession[] => {
      while ((ahead.at(-1) ?? session).arrival < end) ahead.push(drawNext());
      return [session, ...ahead];
    };

    // The car (plain numbers, updated in place: one car, one owner).
    let plugged = false;
    let soc: number = target; // while away: the SoC it left with
    let arrivedWith: number = target;
    // The uncontrolled counterfactual, simulated alongside.
    let basePlugged = false;
    let baseSoc: number = target;
    // This interval.
    let limits: EvLimits | undefined; // set when it bid
    let inMarket = false;
    let obs: EvObservation = AWAY;
    let quantumKw = 0.001; // the market's quantity step, from the last market view
    // Day-ahead schedule, net kW per interval index (+ charge, − V2G): real time realises it (followEvSchedule).
    const schedule = new Map<number, number>();

    const send = (mode: EvMode, discharge?: { socKwh: number; floorKwh: number }): void => {
      const event = evLifecycle(lifecycle.value, mode, discharge);
      if (event) lifecycle.send(event);
    };

    return {
      id: m.id,
      kind: 'ev',
      bus: m.bus,
      lifecycle,
      status: () => ({ car, plugged, socKwh: soc, session, arrivalSocKwh: arrivedWith }),
      bid(interval, market) {
        const start = interval.start;
        limits = undefined;
        quantumKw = market.quantumKw;
        if (!plugged && session.arrival <= start) {
          plugged = true;
          soc = arrivedWith = Math.max(arrivalSocKwh(soc, session.needKwh), startFloorKwh);
          startFloorKwh = 0;
        }
        // Plugging in and leaving are the lifecycle changes known at bid time.
        const state = lifecycle.value;
        if (plugged ? state === 'away' : state !== 'away') send(plugged ? 'plugged-idle' : 'away');
        inMarket = plugged && session.arrival <= interval.gateClosure;
        if (!inMarket || lifecycle.value === 'faulted') return EMPTY;
        const hoursLeft = (session.departure - start) / MS_PER_HOUR;
        const l = evLimits(car, soc, hoursLeft, interval.durationH);
        limits = l;
        if (!(l.maxChargeKw > 0) && !(l.maxDischargeKw > 0)) return EMPTY;
        const planned = schedule.get(interval.index);
        if (planned !== undefined) return followEvSchedule(planned, l, market);
        // Units branded where the view is made (core/units.ts): the strategy API's types carry them.
        const own: Omit<EvView, 'demand' | 'supply'> = {
          agentId: m.id,
          kind: 'ev',
          socKwh: kwh(soc),
          targetSocKwh: kwh(target),
          minSocKwh: car.battery.minSocKwh,
          hoursToDeparture: hours(hoursLeft),
          slackHours: hours(l.slackHours),
          neededKwh: kwh(l.neededKwh),
          mustChargeKw: kw(l.mustChargeKw),
          maxChargeKw: kw(l.maxChargeKw),
          maxDischargeKw: kw(l.maxDischargeKw),
          v2gCapable,
          chargerKw: kw(chargerKw),
          chargeEfficiency: car.battery.chargeEfficiency,
          dischargeEfficiency: car.battery.dischargeEfficiency,
          degradationCostPerMwh: pricePerMwh(car.battery.degradationCostPerMwh),
        };
        // Need (at the cap) only what cannot be postponed; the rest is a want (strategies/ev/demand.ts).
        const view: EvView = Object.freeze({ ...own, demand: evDemand(own, market), supply: EMPTY });
        return strategy.bid(view, market);
      },
      settle(award) {
        const { interval } = award;
        const start = interval.start;
        const end = interval.end;
        const dt = interval.durationH;
        const net = award.buyKw - award.sellKw;
        const wasPlugged = plugged;
        const socBefore = soc;
        let applied = 0;
        if (plugged && inMarket && lifecycle.value !== 'faulted') {
          const step = applyEvAward(car, soc, net, (session.departure - start) / MS_PER_HOUR, dt);
          applied = step.appliedKw;
          soc = step.socKwh;
        }
        // The counterfactual: plugged in from arrival, flat out until full.
        if (!basePlugged && session.arrival < end) {
          basePlugged = true;
          baseSoc = Math.max(arrivalSocKwh(baseSoc, session.needKwh), baseStartFloorKwh);
          baseStartFloorKwh = 0;
        }
        const baseKw = basePlugged ? uncontrolledKw(car, baseSoc, session.arrival, session.departure, start, end) : 0;
        baseSoc = uncontrolledSocKwh(car, baseSoc, baseKw, dt);
        // Departures within the interval (several only with intervals of a day or more).
        let unmet = 0;
        let left = false;
        while (session.departure <= end) {
          if (!plugged) soc = arrivedWith = arrivalSocKwh(soc, session.needKwh); // came and went within the interval
          unmet += Math.max(0, target - soc);
          left = true;
          plugged = false;
          basePlugged = false;
          nextSession();
        }
        let mode: EvMode;
        if (!wasPlugged) mode = 'away';
        else if (applied > ACTIVE_KW) mode = soc >= target - 1e-9 ? 'full' : 'charging';
        else if (applied < -ACTIVE_KW) mode = 'discharging';
        else mode = soc >= target - 1e-9 ? 'full' : 'plugged-idle';
        send(mode, mode === 'discharging' ? { socKwh: socBefore, floorKwh: limits?.floorKwh ?? Infinity } : undefined);
        const deviation = net - applied;
        obs =
          !wasPlugged && !left && baseKw === 0 && deviation === 0 && mode === 'away' && lifecycle.value === 'away'
            ? AWAY // most of a car's day: no allocation
            : {
                state: lifecycle.value,
                socKwh: wasPlugged ? soc : undefined,
                baselineKw: baseKw,
                unservedKwh: 0,
                unmetDepartureKwh: left ? unmet : undefined,
                deviationKw: deviation,
                consumedKw: Math.max(0, applied),
                generatedKw: Math.max(0, -applied),
              };
        if (limits) strategy.observe?.({ interval, buyKw: award.buyKw, sellKw: award.sellKw, priceMwh: award.priceMwh });
      },
      observe: () => obs,
      dayAheadAwarded(awarded) {
        for (const [index, netKw] of awarded) schedule.set(index, netKw);
      },
      // Day-ahead: one EvBid per session in the delivery day, from the calendar (agents/ev/dayAhead.ts).
      dayAhead: (intervals) => {
        if (lifecycle.value === 'faulted' || intervals.length === 0) return {};
        const sessions = sessionsUntil(intervals[intervals.length - 1]!.end);
        return { intertemporal: evDayAheadBids(car, sessions, intervals, plugged ? soc : undefined) };
      },
      // Operator commands: answered from the car's state (respond.ts); the change arrives with the award.
      responder: {
        respond: (command, plannedNetKw, interval) =>
          respondEv(
            { car, plugged, inMarket, faulted: lifecycle.value === 'faulted', socKwh: soc, departure: session.departure, utcOffsetHours: offset, quantumKw },
            command,
            plannedNetKw,
            interval.start,
            interval.durationH,
          ),
      },
    };
  });
}

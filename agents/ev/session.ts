/**
 * An EV's physics interval by interval: pure functions over plain numbers, built
 * on `physics/battery.ts` and `physics/ev.ts`. The runtime (`index.ts`) keeps the
 * state; these say what is possible and what happened.
 *
 * Conventions:
 * - a car takes part in an interval's market when it is plugged in by the time the
 *   interval's gate closes (its smart charger bids then) and leaves after the
 *   interval starts; it charges from the interval's start until the interval ends or
 *   it leaves, whichever comes first (`chargeableHours`);
 * - bid quantities and awards are averages over the whole interval (the market's
 *   meaning of kW), so a car that leaves after h of Δt hours and draws p kW while
 *   plugged bids p·h/Δt; the award is turned back into p before the battery step;
 * - the departure target is the car's charge limit (max SoC); the energy a session
 *   needs is what the last trip used, so a car that left short arrives short again.
 */
import type { SiteZone } from '../../core/siteZone.ts';
import { hours, kw, kwh } from '../../core/units.ts';
import type { Rng } from '../../core/rng.ts';
import { MS_PER_HOUR, type SimTime, simTime } from '../../core/time.ts';
import { type BatteryParams, maxChargeKw, stepBattery } from '../physics/battery.ts';
import {
  chargeableHours,
  chargingSlackHours,
  departureFeasibleSocKwh,
  type EvCharging,
  gridEnergyNeededKwh,
  maxV2gDischargeKw,
  minChargeKwNow,
} from '../physics/ev.ts';
import { drawEvSession, type EvSessionDistribution } from '../physics/evSessions.ts';

/** One car's fixed parameters, drawn once. */
export interface EvCar {
  /** Battery with the car's effective limits: charge min(charger, on-board), discharge min(charger, inverter) or 0 without V2G. */
  readonly battery: BatteryParams;
  /** Departure target (max SoC) and the charge path, for the feasibility functions. */
  readonly charging: EvCharging;
  readonly chargerKw: number;
  readonly v2gCapable: boolean;
}

/** A plug-in session: times in ms (UTC), need in kWh of SoC. */
export interface EvSession {
  readonly arrival: SimTime;
  readonly departure: SimTime;
  readonly needKwh: number;
}

/**
 * Draws the session of the local day starting at `localMidnight` (`drawEvSession`),
 * arriving no earlier than `notBefore` (the previous departure: a car is in one
 * place at a time); departure is then kept at least `minDwellHours` after arrival.
 */
export function drawSession(rng: Rng, dist: EvSessionDistribution, localMidnight: SimTime, usableKwh: number, notBefore: number, zone: SiteZone): EvSession {
  const d = drawEvSession(rng, dist, localMidnight, kwh(usableKwh), zone);
  const arrival = Math.max(d.arrival, notBefore);
  const departure = Math.max(d.departure, arrival + dist.minDwellHours * MS_PER_HOUR);
  return { arrival: simTime(arrival), departure: simTime(departure), needKwh: d.energyNeedKwh };
}

/** SoC on arrival: what it left with minus what the trip used, not below empty. */
export const arrivalSocKwh = (departedSocKwh: number, needKwh: number): number => Math.max(0, departedSocKwh - needKwh);

/** What a plugged car can do in one interval (powers are interval averages, kW). */
export interface EvLimits {
  /** Hours of the interval during which it is plugged in. */
  readonly chargeH: number;
  readonly maxChargeKw: number;
  /**
   * Least charging that keeps the target reachable, rounded up to the watt; `maxChargeKw` is
   * raised to it when the rounding passes it (the battery step clips the < 1 W excess).
   */
  readonly mustChargeKw: number;
  /** V2G discharge possible above max(reserve, departure-feasible SoC at the step's end); 0 without V2G. */
  readonly maxDischargeKw: number;
  /** The SoC discharge may not go below this interval, kWh. */
  readonly floorKwh: number;
  readonly slackHours: number;
  /** Grid-side energy still needed for the target, kWh. */
  readonly neededKwh: number;
}

/**
 * The interval's limits for a car with `socKwh` and `hoursLeft` hours to departure,
 * interval length `dt` hours. The must-run power is rounded up to the watt so that a
 * market quantum of 1 W (the default) cannot round it below what is needed — else a
 * car a fraction of a watt-hour short would never get it (a bid below half a quantum
 * clears nothing) and would leave that short.
 */
export function evLimits(car: EvCar, socKwh: number, hoursLeft: number, dt: number): EvLimits {
  return evLimitsInto({ chargeH: 0, maxChargeKw: 0, mustChargeKw: 0, maxDischargeKw: 0, floorKwh: 0, slackHours: 0, neededKwh: 0 }, car, socKwh, hoursLeft, dt);
}

/**
 * `evLimits` written into `out` (every field) and returned: the runtime keeps one limits
 * object per car and rewrites it each interval instead of allocating one.
 */
export function evLimitsInto(out: { -readonly [K in keyof EvLimits]: EvLimits[K] }, car: EvCar, socKwh: number, hoursLeft: number, dt: number): EvLimits {
  const soc = kwh(socKwh);
  const left = hours(hoursLeft);
  const step = hours(dt);
  const h = chargeableHours(left, step);
  const share = dt > 0 ? h / dt : 0;
  const maxCharge = h > 0 ? maxChargeKw(car.battery, soc, h) * share : 0;
  const mustRaw = minChargeKwNow(car.charging, soc, left, step) * share;
  const must = mustRaw > 0 ? Math.ceil(mustRaw * 1000 - 1e-6) / 1000 : 0;
  out.chargeH = h;
  out.maxChargeKw = Math.max(maxCharge, must);
  out.mustChargeKw = must;
  out.maxDischargeKw = car.v2gCapable ? maxV2gDischargeKw(car.charging, car.battery, soc, left, step) : 0;
  out.floorKwh = Math.max(car.battery.minSocKwh, departureFeasibleSocKwh(car.charging, hours(Math.max(0, hoursLeft - dt))));
  out.slackHours = chargingSlackHours(car.charging, soc, left);
  out.neededKwh = gridEnergyNeededKwh(car.charging, soc);
  return out;
}

/** What an award did to the battery. */
export interface EvStep {
  /** Grid power actually drawn (+) or fed in (−), as an interval average, kW. */
  readonly appliedKw: number;
  readonly socKwh: number;
  readonly throughputKwh: number;
  readonly degradationCost: number;
}

/**
 * Applies a net award (`netKw` = bought − sold, interval average) to a plugged car:
 * charging clipped to the charger and the room below the target, discharging clipped
 * to the V2G limit (`maxV2gDischargeKw`: reserve and departure target kept; 0 without
 * V2G). What was awarded but not applied is `netKw − appliedKw` (the caller's deviation).
 */
export function applyEvAward(car: EvCar, socKwh: number, netKw: number, hoursLeft: number, dt: number): EvStep {
  const h = chargeableHours(hours(hoursLeft), hours(dt));
  if (!(h > 0) || netKw === 0 || Number.isNaN(netKw)) return { appliedKw: 0, socKwh, throughputKwh: 0, degradationCost: 0 };
  let p = (netKw * dt) / h;
  if (p < 0) {
    const limit = car.v2gCapable ? maxV2gDischargeKw(car.charging, car.battery, kwh(socKwh), hours(hoursLeft), hours(dt)) : 0;
    p = -Math.min(-p, limit);
  }
  const s = stepBattery(car.battery, kwh(socKwh), kw(p), h);
  return { appliedKw: (s.gridKw * h) / dt, socKwh: s.socKwh, throughputKwh: s.throughputKwh, degradationCost: s.degradationCost };
}

/**
 * The no-flexibility counterfactual for one interval [start, end): the car charges at
 * full charger power from the moment it is plugged in (`plugFrom`, ms) until it leaves
 * (`plugUntil`) or reaches its target. Returns the average grid power over the
 * interval, kW; the counterfactual SoC then rises by kW · Δt · η_c (`uncontrolledSocKwh`).
 * Two numbers instead of an object: this runs for every car every interval.
 */
export function uncontrolledKw(car: EvCar, socKwh: number, plugFrom: number, plugUntil: number, start: number, end: number): number {
  const from = Math.max(plugFrom, start);
  const until = Math.min(plugUntil, end);
  if (!(until > from) || !(socKwh < car.battery.maxSocKwh)) return 0;
  const o = (until - from) / MS_PER_HOUR;
  return (maxChargeKw(car.battery, kwh(socKwh), hours(o)) * o * MS_PER_HOUR) / (end - start);
}

/** The counterfactual SoC after drawing `avgKw` over `dtHours` (never above the target). */
export function uncontrolledSocKwh(car: EvCar, socKwh: number, avgKw: number, dtHours: number): number {
  return avgKw > 0 ? Math.min(Math.max(car.battery.maxSocKwh, socKwh), socKwh + avgKw * dtHours * car.battery.chargeEfficiency) : socKwh;
}

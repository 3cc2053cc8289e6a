/**
 * Seeded draws of EV charging sessions: plug-in (arrival) time, plug-out (departure)
 * time, energy needed, charger power and V2G capability.
 *
 * Randomness only through the `Rng` passed in. Give each EV its own stream, e.g.
 * `random.stream('ev-42', 'session')`, so adding a car never shifts another car's draws.
 * Truncated normals are drawn by rejection (at most 64 tries, then the mean clipped to the
 * window), so the number of uniforms consumed per session varies — another reason for one
 * stream per car.
 *
 * Sources and what is assumed:
 * - Home arrival: normal, mean 17.6 h, sd 3.4 h, and daily distance log-normal with
 *   ln-mean 3.2, ln-sd 0.88 (miles; median e^3.2 ≈ 24.5 mi): the fits to the US National
 *   Household Travel Survey used by K. Qian, C. Zhou, M. Allan, Y. Yuan, "Modeling of load
 *   demand due to EV battery charging in distribution systems", IEEE Trans. Power Systems
 *   26(2), 2011, 802–810. We truncate arrival to [12, 24) h.
 * - Home departure: next morning, normal 8.0 h, sd 1.5 h, truncated to [5, 12] h: our
 *   assumption (an overnight dwell), not from that paper.
 * - Workplace: arrival N(8.5, 1.0) h in [6, 11], departure N(17.0, 1.0) h in [14, 20]:
 *   our assumption, placed on the occupied hours of the DOE reference small office
 *   (occupancy 0.95 from 08:00 to 17:00, see loadProfile.ts), on local workdays only (as the
 *   office is occupied: no holiday calendar). The workplace session replaces half of a day's
 *   driving (the morning commute).
 * - Consumption 0.30 kWh/mile (≈ 0.19 kWh/km), the order of a compact BEV's EPA rating
 *   (e.g. 2018 Nissan Leaf, 30 kWh/100 mi). With it the median home need is ≈ 7.4 kWh.
 * - Charger powers are physical (230 V × 16 A = 3.7 kW; × 32 A = 7.4 kW; three-phase
 *   16 A = 11 kW, 32 A = 22 kW); the shares among them are our assumption.
 * - V2G capability: a Bernoulli draw with the scenario's share (default 0).
 * Replace any of these with scenario values when you have fitted data (e.g. ElaadNL's
 * open transaction data for the Netherlands, or the INL EV Project reports).
 */
import type { SiteZone } from '../../core/siteZone.ts';
import type { Rng } from '../../core/rng.ts';
import type { SimTime } from '../../core/time.ts';
import { simTime } from '../../core/time.ts';
import type { Kw, Kwh } from '../../core/units.ts';
import { kw, kwh } from '../../core/units.ts';

/** A normal distribution truncated to [min, max], in local hours. */
export interface HourDistribution {
  readonly meanHour: number;
  readonly sdHours: number;
  readonly minHour: number;
  readonly maxHour: number;
}

export interface EvSessionDistribution {
  readonly arrival: HourDistribution;
  /** Departure hour, local; `departureNextDay` adds 24 h (overnight charging). */
  readonly departure: HourDistribution;
  readonly departureNextDay: boolean;
  /** ln-mean and ln-sd of daily driving distance in miles (log-normal). */
  readonly dailyMilesLogMean: number;
  readonly dailyMilesLogSd: number;
  /** Share of the day's driving this session replaces (1 at home, 0.5 at work). */
  readonly shareOfDailyDriving: number;
  readonly consumptionKwhPerMile: number;
  /** Shortest session kept, hours; departure is pushed out to respect it. */
  readonly minDwellHours: number;
  /** Sessions on local workdays only (a workplace: no one parks at the office on a Saturday or Sunday). */
  readonly workdaysOnly?: boolean;
}

export const HOME_SESSIONS: EvSessionDistribution = Object.freeze({
  arrival: Object.freeze({ meanHour: 17.6, sdHours: 3.4, minHour: 12, maxHour: 24 }),
  departure: Object.freeze({ meanHour: 8.0, sdHours: 1.5, minHour: 5, maxHour: 12 }),
  departureNextDay: true,
  dailyMilesLogMean: 3.2,
  dailyMilesLogSd: 0.88,
  shareOfDailyDriving: 1,
  consumptionKwhPerMile: 0.3,
  minDwellHours: 1,
});

export const WORKPLACE_SESSIONS: EvSessionDistribution = Object.freeze({
  arrival: Object.freeze({ meanHour: 8.5, sdHours: 1.0, minHour: 6, maxHour: 11 }),
  departure: Object.freeze({ meanHour: 17.0, sdHours: 1.0, minHour: 14, maxHour: 20 }),
  departureNextDay: false,
  dailyMilesLogMean: 3.2,
  dailyMilesLogSd: 0.88,
  shareOfDailyDriving: 0.5,
  consumptionKwhPerMile: 0.3,
  minDwellHours: 1,
  workdaysOnly: true,
});

export interface EvSessionDraw {
  readonly arrival: SimTime;
  readonly departure: SimTime;
  /** SoC the car needs back before it leaves, kWh (battery side), in [0, usable capacity]. */
  readonly energyNeedKwh: Kwh;
}

export interface ChargerOption {
  readonly kw: Kw;
  /** Relative weight; the weights need not sum to 1. */
  readonly share: number;
}

export const HOME_CHARGER_OPTIONS: readonly ChargerOption[] = Object.freeze([
  { kw: kw(3.7), share: 0.3 },
  { kw: kw(7.4), share: 0.6 },
  { kw: kw(11), share: 0.1 },
]);

export const WORKPLACE_CHARGER_OPTIONS: readonly ChargerOption[] = Object.freeze([
  { kw: kw(11), share: 0.7 },
  { kw: kw(22), share: 0.3 },
]);

/** A normal draw truncated to [min, max] by rejection; after 64 misses, the mean clipped to [min, max]. */
export function truncatedNormal(rng: Rng, mean: number, sd: number, min: number, max: number): number {
  for (let i = 0; i < 64; i++) {
    const x = rng.normal(mean, sd);
    if (x >= min && x <= max) return x;
  }
  return Math.min(max, Math.max(min, mean));
}

/**
 * One session starting on the local day that begins at `localMidnight` (see
 * `localTime.ts`). Draw order: arrival, departure, distance. Arrival lies in
 * [arrival.minHour, arrival.maxHour] local, departure in its own window (plus 24 h when
 * `departureNextDay`) and at least `minDwellHours` after arrival. The need is
 * miles × share × kWh/mile, capped at `usableKwh` (max SoC − min SoC of the battery).
 */
export function drawEvSession(
  rng: Rng,
  dist: EvSessionDistribution,
  localMidnight: SimTime,
  usableKwh: Kwh,
  zone: SiteZone,
): EvSessionDraw {
  const a = dist.arrival;
  const d = dist.departure;
  const arrivalHour = truncatedNormal(rng, a.meanHour, a.sdHours, a.minHour, a.maxHour);
  const departureHour =
    truncatedNormal(rng, d.meanHour, d.sdHours, d.minHour, d.maxHour) + (dist.departureNextDay ? 24 : 0);
  const miles = rng.logNormal(Math.exp(dist.dailyMilesLogMean), dist.dailyMilesLogSd);
  const need = Math.min(Math.max(0, usableKwh), miles * dist.shareOfDailyDriving * dist.consumptionKwhPerMile);
  const dep = Math.max(departureHour, arrivalHour + dist.minDwellHours);
  return {
    // Wall-clock hours of the site (a commute at 07:30 is at 07:30 on a daylight-saving day too).
    arrival: simTime(zone.wallClockAfter(localMidnight, arrivalHour)),
    departure: simTime(zone.wallClockAfter(localMidnight, dep)),
    energyNeedKwh: kwh(need),
  };
}

/** Picks a charger power with probability proportional to `share`; 0 kW for an empty list or all-zero shares. */
export function drawChargerKw(rng: Rng, options: readonly ChargerOption[]): Kw {
  let total = 0;
  for (const o of options) if (o.share > 0) total += o.share;
  if (!(total > 0)) return kw(0);
  let u = rng.next() * total;
  let last = kw(0);
  for (const o of options) {
    if (!(o.share > 0)) continue;
    last = o.kw;
    u -= o.share;
    if (u < 0) return o.kw;
  }
  return last; // round-off guard
}

/** True with probability `share` (clamped to [0, 1]). */
export function drawV2gCapable(rng: Rng, share: number): boolean {
  return rng.next() < Math.min(1, Math.max(0, share));
}

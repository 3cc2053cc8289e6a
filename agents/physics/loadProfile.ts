/**
 * Base loads that do not respond to prices: the residential base load (a standard load
 * profile shape, scaled per home, with noise) and a small office's occupancy, lighting
 * and plug loads.
 *
 * Day types: 'workday' (Mon–Fri), 'saturday', 'sunday' (Sundays and the site's public
 * holidays, `site.holidays`: BDEW's profiles give holidays the Sunday shape). Hours are
 * local (`localTime.ts`).
 */
import type { SiteZone } from '../../core/siteZone.ts';
import type { Rng } from '../../core/rng.ts';
import type { SimTime } from '../../core/time.ts';
import type { Kw } from '../../core/units.ts';
import { kw } from '../../core/units.ts';
import { type Holidays, localDayNumber, NO_HOLIDAYS, weekdayOfDay } from '../../core/calendar.ts';

export type DayType = 'workday' | 'saturday' | 'sunday';

/** Day type of the local day containing `t`: a holiday is a Sunday. */
export function dayTypeOf(t: SimTime, zone: SiteZone, holidays: Holidays = NO_HOLIDAYS): DayType {
  const n = localDayNumber(t, zone);
  if (holidays.size > 0 && holidays.has(n)) return 'sunday';
  const d = weekdayOfDay(n);
  return d === 0 ? 'sunday' : d === 6 ? 'saturday' : 'workday';
}

/**
 * Residential shape: BDEW standard load profile H25 for households (BDEW, 2025; the
 * successor of H0), quarter-hour values for 12 months × {workday, Saturday, Sunday/holiday},
 * normalised to 1,000,000 kWh/a, as distributed with oemof demandlib
 * (`bdew_data/h25.csv`). We averaged each hour over its four quarter-hours and the 12
 * months, then divided by the mean over a week (5 workdays + Saturday + Sunday), so a
 * factor of 1 is the home's weekly average power. Day-type means relative to the week:
 * workday 0.956, Saturday 1.091, Sunday 1.127 (weekends use more). Rounded to 3 decimals.
 * Index h holds the hour [h, h+1) local.
 */
export const H25_HOURLY_FACTORS: Readonly<Record<DayType, readonly number[]>> = Object.freeze({
  workday: Object.freeze([
    0.707, 0.611, 0.576, 0.572, 0.601, 0.691, 0.871, 0.931, 0.882, 0.861, 0.865, 0.945,
    0.985, 0.966, 0.937, 0.958, 1.057, 1.253, 1.437, 1.49, 1.419, 1.296, 1.138, 0.904,
  ]),
  saturday: Object.freeze([
    0.777, 0.662, 0.609, 0.592, 0.595, 0.617, 0.722, 0.923, 1.118, 1.224, 1.293, 1.391,
    1.376, 1.304, 1.264, 1.25, 1.284, 1.399, 1.495, 1.476, 1.384, 1.28, 1.172, 0.986,
  ]),
  sunday: Object.freeze([
    0.808, 0.693, 0.633, 0.607, 0.599, 0.616, 0.693, 0.872, 1.12, 1.313, 1.454, 1.613,
    1.548, 1.396, 1.299, 1.253, 1.277, 1.425, 1.542, 1.531, 1.431, 1.294, 1.128, 0.895,
  ]),
});

/**
 * Shape factor at a local hour: the hourly factors placed at hour midpoints (h + 0.5) and
 * interpolated linearly, wrapping at midnight. Evaluated at the middle of each interval,
 * this keeps each day's energy equal to the sum of the hourly factors.
 */
export function residentialShapeFactor(localHour: number, dayType: DayType): number {
  const f = H25_HOURLY_FACTORS[dayType];
  const x = (((localHour - 0.5) % 24) + 24) % 24;
  const i = Math.floor(x);
  const w = x - i;
  return f[i]! * (1 - w) + f[(i + 1) % 24]! * w;
}

/** Annual consumption (kWh/a) to mean power (kW): divide by 8760 h. 3500 kWh/a → 0.3995 kW. */
export function annualKwhToMeanKw(kwhPerYear: number): Kw {
  return kw(kwhPerYear / 8760);
}

/**
 * Per-home scale factor, log-normal with median 1 and ln-sd `sigma` (one draw per home).
 * Default 0.35 is our assumption for the spread of annual consumption among homes of one
 * class; set it from your population's data.
 */
export function drawHomeScale(rng: Rng, sigma = 0.35): number {
  return rng.logNormal(1, sigma);
}

/**
 * Per-interval multiplicative noise, N(1, sd) clipped to [0, 2] (one draw per interval).
 * The standard profile is an average over many homes; one home's quarter-hours are far
 * spikier. The default sd 0.2 is our choice for aggregate realism, not single-meter realism.
 */
export function drawLoadNoise(rng: Rng, sd = 0.2): number {
  return rng.clippedNormal(1, sd, 0, 2);
}

/** `drawLoadNoise`'s draw written to `out[at]`, where a returned number would be a new heap number (`Rng.clippedNormalInto`). */
export function drawLoadNoiseInto(rng: Rng, sd: number, out: Float64Array, at: number): void {
  rng.clippedNormalInto(out, at, 1, sd, 0, 2);
}

/** Residential base load, kW: meanKw · homeScale · shape(localHour, dayType) · noise, ≥ 0. */
export function residentialBaseLoadKw(
  meanKw: Kw,
  homeScale: number,
  localHour: number,
  dayType: DayType,
  noise = 1,
): Kw {
  return kw(Math.max(0, meanKw * homeScale * residentialShapeFactor(localHour, dayType) * noise));
}

/**
 * Small office schedules of the U.S. DOE Commercial Reference Building "Small Office"
 * (EnergyPlus RefBldgSmallOfficeNew2004_Chicago.idf; Deru et al. 2011, NREL/TP-5500-46861),
 * hourly fractions, index h = hour [h, h+1) local:
 * BLDG_OCC_SCH (people), BLDG_LIGHT_SCH (lighting), BLDG_EQUIP_SCH (plug loads).
 */
export const OFFICE_OCCUPANCY: Readonly<Record<DayType, readonly number[]>> = Object.freeze({
  workday: Object.freeze([0, 0, 0, 0, 0, 0, 0.1, 0.2, 0.95, 0.95, 0.95, 0.95, 0.5, 0.95, 0.95, 0.95, 0.95, 0.3, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]),
  saturday: Object.freeze([0, 0, 0, 0, 0, 0, 0.1, 0.1, 0.3, 0.3, 0.3, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0, 0, 0, 0, 0, 0, 0]),
  sunday: Object.freeze(new Array<number>(24).fill(0)),
});
export const OFFICE_LIGHTING_SCHEDULE: Readonly<Record<DayType, readonly number[]>> = Object.freeze({
  workday: Object.freeze([0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.1, 0.3, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.3, 0.3, 0.2, 0.2, 0.1, 0.05]),
  saturday: Object.freeze([0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.1, 0.3, 0.3, 0.3, 0.3, 0.15, 0.15, 0.15, 0.15, 0.15, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]),
  sunday: Object.freeze(new Array<number>(24).fill(0.05)),
});
export const OFFICE_PLUG_SCHEDULE: Readonly<Record<DayType, readonly number[]>> = Object.freeze({
  workday: Object.freeze([0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.9, 0.9, 0.9, 0.9, 0.8, 0.9, 0.9, 0.9, 0.9, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]),
  saturday: Object.freeze([0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.4, 0.4, 0.5, 0.5, 0.5, 0.5, 0.35, 0.35, 0.35, 0.35, 0.35, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]),
  sunday: Object.freeze(new Array<number>(24).fill(0.3)),
});

/** Occupancy fraction (0–1) of the reference small office at a local hour (step per hour). */
export function officeOccupancy(localHour: number, dayType: DayType): number {
  return OFFICE_OCCUPANCY[dayType][hourIndex(localHour)]!;
}

/** True when the office counts as occupied: occupancy ≥ `threshold` (default 0.5, i.e. 08:00–17:00 on workdays). */
export function isOfficeOccupied(localHour: number, dayType: DayType, threshold = 0.5): boolean {
  return officeOccupancy(localHour, dayType) >= threshold;
}

/**
 * Office electric loads. Lighting and plug power follow the reference building's hourly
 * schedules above (BLDG_LIGHT_SCH, BLDG_EQUIP_SCH) as fractions of their design densities,
 * 10.76 W/m² each (1.0 W/ft², the reference building's lighting and plug values): a workday
 * has 10.5 lighting and 14.1 plug load-hours, lights at 0.9 through the lunch hour (when half
 * the people are out) and plugs at 0.4 through the night. People follow the occupancy schedule
 * (internal gains). A curtailment can lower `lightingDimming` (1 = no dimming).
 */
export interface OfficeLoadParams {
  readonly floorAreaM2: number;
  readonly lightingWPerM2: number;
  readonly plugWPerM2: number;
  /** Floor area per person at full occupancy, m² (reference: 18.58 m²). */
  readonly m2PerPerson: number;
}

export const SMALL_OFFICE_LOADS: OfficeLoadParams = Object.freeze({
  floorAreaM2: 511,
  lightingWPerM2: 10.76,
  plugWPerM2: 10.76,
  m2PerPerson: 18.58,
});

const hourIndex = (localHour: number): number => Math.floor(((localHour % 24) + 24) % 24);

/** Lighting power, kW, at a local hour (step per hour). Example (reference office, workday 10:00): 511 × 10.76 × 0.9 / 1000 = 4.948 kW. */
export function officeLightingKw(p: OfficeLoadParams, localHour: number, dayType: DayType, lightingDimming = 1): Kw {
  const f = OFFICE_LIGHTING_SCHEDULE[dayType][hourIndex(localHour)]!;
  return kw((p.floorAreaM2 * p.lightingWPerM2 * f * Math.max(0, lightingDimming)) / 1000);
}

/** Plug-load power, kW, at a local hour (step per hour). Reference office, workday night: 511 × 10.76 × 0.4 / 1000 = 2.199 kW. */
export function officePlugKw(p: OfficeLoadParams, localHour: number, dayType: DayType): Kw {
  const f = OFFICE_PLUG_SCHEDULE[dayType][hourIndex(localHour)]!;
  return kw((p.floorAreaM2 * p.plugWPerM2 * f) / 1000);
}

/**
 * Internal heat gains for the thermal model, kW: lighting + plugs (all of their electric
 * power ends up as heat; pass the lighting as dimmed) + people at 75 W sensible each (ASHRAE
 * Handbook—Fundamentals, "moderately active office work"), with people = occupancy · area / m²-per-person.
 */
export function officeInternalGainsKw(p: OfficeLoadParams, occupancy: number, lightingKw: number, plugKw: number): Kw {
  const people = (Math.max(0, occupancy) * p.floorAreaM2) / p.m2PerPerson;
  return kw(lightingKw + plugKw + (people * 75) / 1000);
}

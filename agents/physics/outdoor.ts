/**
 * Outdoor air temperature over a day: a daily minimum near sunrise and a maximum in the
 * mid-afternoon, joined by two half-cosines (warming from min to max, cooling from max to
 * the next minimum), plus optional seeded noise.
 *
 *   warming, h ∈ [h_min, h_max]:  T = T_min + (T_max − T_min) · (1 − cos(π·(h − h_min)/(h_max − h_min))) / 2
 *   cooling, otherwise:           T = T_max − (T_max − T_min') · (1 − cos(π·s/L)) / 2,
 *                                 s = hours since h_max, L = 24 − (h_max − h_min)
 *
 * Timing: ASHRAE design-day profiles (Handbook—Fundamentals, climatic design chapter,
 * "fraction of daily temperature range") put the minimum at about 05:00 and the maximum at
 * about 14:00–15:00 solar time; we default to 05:00 and 15:00 local clock time.
 * Pure; hours are local (`localTime.ts`).
 */
import type { Rng } from '../../core/rng.ts';
import type { Celsius } from '../../core/units.ts';
import { celsius } from '../../core/units.ts';

export interface DayTemperature {
  readonly minC: Celsius;
  readonly maxC: Celsius;
  /** Local hour of the minimum (near sunrise), in [0, 24). */
  readonly minHour: number;
  /** Local hour of the maximum, in (minHour, 24). */
  readonly maxHour: number;
}

/** A mild spring/autumn day, 12–22 °C (illustrative). */
export const MILD_DAY: DayTemperature = Object.freeze({ minC: celsius(12), maxC: celsius(22), minHour: 5, maxHour: 15 });

/**
 * A heatwave day, 22–36 °C: nights above 20 °C (a "tropical night", ETCCDI index TR) and
 * a maximum above 35 °C. Illustrative, milder than record days.
 */
export const HEATWAVE_DAY: DayTemperature = Object.freeze({ minC: celsius(22), maxC: celsius(36), minHour: 5, maxHour: 15 });

/** A cold winter day, −5 to 3 °C (illustrative), for heating cases. */
export const COLD_DAY: DayTemperature = Object.freeze({ minC: celsius(-5), maxC: celsius(3), minHour: 7, maxHour: 14 });

/**
 * Outdoor temperature at a local hour of `day` (hour taken modulo 24). To join days
 * smoothly pass the neighbours: before `minHour` the curve cools from
 * `previousDayMaxC`, after `maxHour` it cools towards `nextDayMinC` (both default to this
 * day's own values, which makes one day periodic).
 * Example (MILD_DAY): 05:00 → 12, 10:00 → 17, 15:00 → 22 °C.
 */
export function outdoorTempC(
  day: DayTemperature,
  localHour: number,
  previousDayMaxC: Celsius = day.maxC,
  nextDayMinC: Celsius = day.minC,
): Celsius {
  const h = ((localHour % 24) + 24) % 24;
  const rise = day.maxHour - day.minHour;
  const fall = 24 - rise;
  if (h >= day.minHour && h <= day.maxHour) {
    return celsius(day.minC + ((day.maxC - day.minC) * (1 - Math.cos((Math.PI * (h - day.minHour)) / rise))) / 2);
  }
  if (h > day.maxHour) {
    const s = h - day.maxHour;
    return celsius(day.maxC - ((day.maxC - nextDayMinC) * (1 - Math.cos((Math.PI * s) / fall))) / 2);
  }
  // Before the minimum: still cooling since yesterday's maximum.
  const s = h + 24 - day.maxHour;
  return celsius(previousDayMaxC - ((previousDayMaxC - day.minC) * (1 - Math.cos((Math.PI * s) / fall))) / 2);
}

/** A whole-day offset, N(0, sdC) °C (one draw per site and day): weather differs from the preset. */
export function drawDayOffsetC(rng: Rng, sdC: number): number {
  return rng.normal(0, sdC);
}

/** The length of step the weather's persistence coefficients are given for: 15 minutes. */
export const PERSISTENCE_STEP_H = 0.25;

/**
 * An AR(1) coefficient given per 15-minute step, for a step of `durationH`: φ^(durationH / 0.25),
 * so that the weather forgets at the same rate per hour whatever the market's interval (a
 * coefficient applied per interval made hourly weather four times as persistent in time as
 * quarter-hourly). Exactly φ for 15 minutes.
 */
export function persistenceFor(phiPerQuarterHour: number, durationH: number): number {
  const phi = Math.min(1, Math.max(0, phiPerQuarterHour));
  return durationH === PERSISTENCE_STEP_H ? phi : phi ** (durationH / PERSISTENCE_STEP_H);
}

/**
 * Interval-to-interval noise as AR(1): x_t = φ·x_{t−1} + √(1 − φ²)·sd·ε, ε ~ N(0, 1),
 * stationary sd `sdC`. Start from 0. φ = 0.9 and sd 0.5 °C are gentle defaults for
 * 15-minute steps (our choice); for other steps pass `persistenceFor(0.9, durationH)`.
 */
export function nextTemperatureNoiseC(rng: Rng, previousC: number, persistence = 0.9, sdC = 0.5): number {
  const phi = Math.min(1, Math.max(0, persistence));
  return phi * previousC + Math.sqrt(1 - phi * phi) * rng.normal(0, sdC);
}

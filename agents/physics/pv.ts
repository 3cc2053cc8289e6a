/**
 * Rooftop PV output: clear-sky irradiance from the sun's position, times a seeded
 * cloudiness factor, times the array's capacity and performance ratio.
 *
 *   GHI_clear = 1098 · cos z · exp(−0.057 / cos z)   W/m²   (Haurwitz 1945; cos z = sin elevation)
 *   P = min(capacity, capacity · PR · k · GHI_clear / 1000)   kW
 *
 * z is the solar zenith angle, k the clear-sky index (1 = clear, ~0.2 = overcast).
 * The Haurwitz model is the simplest of the clear-sky models compared in M. J. Reno,
 * C. W. Hansen, J. S. Stein, "Global Horizontal Irradiance Clear Sky Models:
 * Implementation and Analysis", Sandia SAND2012-2389, where it ranks among the best
 * of the models that need only the zenith angle. Capacity is the DC nameplate at
 * 1000 W/m² (STC); the array is treated as horizontal (GHI, no tilt/azimuth transposition)
 * and the inverter is assumed rated at the nameplate, hence the cap.
 *
 * Sun position: `suncalc` v2 `getPosition(date, lat, lon).altitude`, which is in
 * DEGREES and refraction-corrected (v1 and @types/suncalc 1.x used radians).
 * The virtual `SimTime` is converted to a `Date` only to call it; no clock is read.
 * Evaluate at the middle of an interval to approximate its mean. `suncalc` costs about
 * a microsecond per call: many homes at one location should share one
 * `clearSkyGhiWm2` value per interval.
 *
 * Performance ratio default 0.80: typical of well-performing systems (roughly 0.75–0.85;
 * N. H. Reich et al., "Performance ratio revisited: is PR > 90 % realistic?",
 * Progress in Photovoltaics 20(6), 2012).
 */
import { getPosition } from 'suncalc';
import type { Rng } from '../../core/rng.ts';
import type { SimTime } from '../../core/time.ts';
import type { Kw } from '../../core/units.ts';
import { kw } from '../../core/units.ts';
import { PERSISTENCE_STEP_H, persistenceFor } from './outdoor.ts';

export interface PvParams {
  /** DC nameplate at 1000 W/m², kW. */
  readonly capacityKw: Kw;
  /** AC energy out / (irradiation × nameplate), 0–1. */
  readonly performanceRatio: number;
  readonly latitudeDeg: number;
  readonly longitudeDeg: number;
}

export const DEFAULT_PERFORMANCE_RATIO = 0.8;

/** Solar elevation above the horizon in degrees (negative at night), from suncalc. */
export function solarElevationDeg(t: SimTime, latitudeDeg: number, longitudeDeg: number): number {
  return getPosition(new Date(t), latitudeDeg, longitudeDeg).altitude;
}

/** Haurwitz clear-sky GHI (W/m²) for a solar elevation in degrees; 0 when the sun is at or below the horizon. */
export function haurwitzGhiWm2(elevationDeg: number): number {
  if (!(elevationDeg > 0)) return 0;
  const cosZ = Math.sin((elevationDeg * Math.PI) / 180);
  return 1098 * cosZ * Math.exp(-0.057 / cosZ);
}

/** Clear-sky GHI at a place and virtual time, W/m². */
export function clearSkyGhiWm2(t: SimTime, latitudeDeg: number, longitudeDeg: number): number {
  return haurwitzGhiWm2(solarElevationDeg(t, latitudeDeg, longitudeDeg));
}

/**
 * AC output, kW: capacity · PR · clearSkyIndex · GHI_clear / 1000, capped at the capacity,
 * 0 when GHI ≤ 0 (night) or the index ≤ 0. Example: 5 kW, PR 0.8, index 1,
 * GHI 900 W/m² → 3.6 kW.
 */
export function pvOutputKw(pv: Pick<PvParams, 'capacityKw' | 'performanceRatio'>, clearSkyGhi: number, clearSkyIndex = 1): Kw {
  if (!(clearSkyGhi > 0) || !(clearSkyIndex > 0)) return kw(0);
  return kw(Math.min(pv.capacityKw, (pv.capacityKw * pv.performanceRatio * clearSkyIndex * clearSkyGhi) / 1000));
}

/** Clear-sky output of an array at a virtual time, kW (one suncalc call). */
export function clearSkyPvKw(pv: PvParams, t: SimTime): Kw {
  return pvOutputKw(pv, clearSkyGhiWm2(t, pv.latitudeDeg, pv.longitudeDeg), 1);
}

/**
 * Cloudiness. Each day is clear, partly cloudy or overcast; the day fixes a mean
 * clear-sky index and its within-day variability; each interval's index then follows an
 * AR(1) process around that mean:
 *
 *   k_t = mean + φ·(k_{t−1} − mean) + √(1 − φ²)·sd·ε,   ε ~ N(0, 1),   clipped to [0, 1.2]
 *
 * (values a little above 1 happen at cloud edges). The three regimes mirror the bimodal
 * clear/cloudy shape of measured clear-sky-index distributions (see e.g. C. J. Smith,
 * J. M. Bright, R. Crook, Solar Energy 144, 2017); the numbers in `TEMPERATE_SUMMER_SKY`
 * are our stylised choice for a mid-latitude summer, not a fit. Calibrate per site.
 */
export interface SkyRegime {
  /** Probability of this regime on a given day (weights; normalised over the three). */
  readonly share: number;
  /** The day's mean clear-sky index is uniform in [min, max]. */
  readonly meanMin: number;
  readonly meanMax: number;
  /** Within-day standard deviation of the index. */
  readonly sd: number;
}

export interface SkyClimate {
  readonly clear: SkyRegime;
  readonly partlyCloudy: SkyRegime;
  readonly overcast: SkyRegime;
  /** AR(1) coefficient between consecutive intervals (for 15-minute intervals). */
  readonly persistence: number;
}

export const TEMPERATE_SUMMER_SKY: SkyClimate = Object.freeze({
  clear: Object.freeze({ share: 0.35, meanMin: 0.9, meanMax: 1.0, sd: 0.03 }),
  partlyCloudy: Object.freeze({ share: 0.4, meanMin: 0.5, meanMax: 0.85, sd: 0.2 }),
  overcast: Object.freeze({ share: 0.25, meanMin: 0.15, meanMax: 0.4, sd: 0.07 }),
  persistence: 0.7,
});

export type SkyKind = 'clear' | 'partlyCloudy' | 'overcast';

export interface SkyDay {
  readonly kind: SkyKind;
  readonly meanIndex: number;
  readonly sd: number;
  readonly persistence: number;
}

/** Draws the day's sky (two uniforms: regime, then mean). Draw once per site and day. */
export function drawSkyDay(rng: Rng, climate: SkyClimate = TEMPERATE_SUMMER_SKY): SkyDay {
  const c = Math.max(0, climate.clear.share);
  const p = Math.max(0, climate.partlyCloudy.share);
  const o = Math.max(0, climate.overcast.share);
  const u = rng.next() * (c + p + o);
  const kind: SkyKind = u < c ? 'clear' : u < c + p ? 'partlyCloudy' : 'overcast';
  const r = climate[kind];
  return { kind, meanIndex: rng.uniform(r.meanMin, r.meanMax), sd: r.sd, persistence: climate.persistence };
}

/**
 * The next interval's clear-sky index (two uniforms per call). Pass the previous
 * interval's index, or `day.meanIndex` for the first interval of the day, and the interval's
 * length (the persistence is per 15 minutes: `persistenceFor`).
 */
export function nextClearSkyIndex(rng: Rng, day: SkyDay, previousIndex: number, durationH = PERSISTENCE_STEP_H): number {
  const phi = persistenceFor(day.persistence, durationH);
  const x = day.meanIndex + phi * (previousIndex - day.meanIndex) + Math.sqrt(Math.max(0, 1 - phi * phi)) * rng.normal(0, day.sd);
  return Math.min(1.2, Math.max(0, x));
}

/**
 * Validation, estimation and editing (VEE) of interval reads — pure functions the
 * MDMS applies. The rules, with gridbid's thresholds (see docs/comms.md §MDMS):
 *
 * Validation — a read is rejected, with the reason, when
 * - `misaligned`: its interval is not the MDMS's interval length or does not start
 *   on the interval grid;
 * - `out-of-range`: an energy is negative, not finite, or above `maxKwhPerInterval`
 *   (the service's capacity over one interval), or a voltage lies outside
 *   `voltagePuRange` (default 0.5–1.5 pu: a plausibility band for a meter, far wider
 *   than the statutory supply band, so real excursions pass and garbage does not);
 * - `duplicate`: the MDMS already holds a read for that meter and interval (the first
 *   one stays; a later one, identical or not, is reported rather than overwriting).
 *
 * Estimation — for an interval with no valid read:
 * - a *short* gap (at most `maxInterpolatedGapMs` of consecutive missing intervals,
 *   default 1 h) between two actual reads is filled by linear interpolation of each
 *   quantity between them: quality `interpolated`;
 * - a longer gap, or one with no actual read on one side, is filled from the same
 *   interval on the nearest earlier day (up to `likeDayLookbackDays`, default 7) that
 *   has an actual read: quality `estimated`, flagged so bills and settlement can show it.
 *   A day is a local day of the site's clock (`zone`): the same wall-clock time on an
 *   earlier local day, 23 or 25 hours back across a daylight-saving change (`likeDayMs`);
 *   without a zone, or without a change in between, the instant `d` × 24 hours back;
 * - with no such day, the interval stays `missing` (no value is invented).
 */
import type { SiteZone } from '../core/siteZone.ts';
import type { MeterRead } from './meter.ts';
import { ReadColumns, type ReadColumnsView } from './readColumns.ts';

export type RejectionReason = 'misaligned' | 'out-of-range' | 'duplicate' | 'tampered' | 'unsealed' | 'unknown-meter';
export type ReadQuality = 'actual' | 'interpolated' | 'estimated' | 'missing';

export interface VeeRules {
  readonly intervalMs: number;
  /** Where the interval grid starts (virtual ms); default 0 (the epoch: every interval boundary of the day). */
  readonly gridOriginMs?: number;
  readonly maxKwhPerInterval: number;
  readonly voltagePuRange?: readonly [number, number];
  readonly maxInterpolatedGapMs?: number;
  readonly likeDayLookbackDays?: number;
  /**
   * The site's clock, whose local days like days are: across a daylight-saving change 18:00 is estimated from 18:00
   * the day before, not from the instant 24 hours back (17:00 or 19:00 on that wall). Without it, 24-hour days (UTC or
   * any fixed offset: the same instants).
   */
  readonly zone?: SiteZone;
}

export const DEFAULT_MAX_INTERPOLATED_GAP_MS = 3_600_000;
export const DEFAULT_VOLTAGE_PU_RANGE: readonly [number, number] = [0.5, 1.5];
export const DEFAULT_LIKE_DAY_LOOKBACK_DAYS = 7;
const DAY_MS = 86_400_000;

/**
 * The start of the interval `daysBack` like days before the one starting at `t`: the same wall-clock time `daysBack`
 * local days earlier on `zone` (`SiteZone.wallDaysAfter`: a wall time that day skipped is read as many minutes past
 * the jump, one it shows twice at its first occurrence), or `t − daysBack × 24 h` without a zone. Where no change of
 * offset lies between, both are `t − daysBack × 24 h`, bit for bit.
 */
export function likeDayMs(t: number, daysBack: number, zone: SiteZone | undefined): number {
  return zone === undefined ? t - daysBack * DAY_MS : zone.wallDaysAfter(t, -daysBack);
}

export interface ValidatedInterval {
  readonly intervalStartMs: number;
  /** Undefined only when `missing`. */
  readonly importKwh: number | undefined;
  readonly exportKwh: number | undefined;
  readonly voltagePu: number | undefined;
  readonly quality: ReadQuality;
}

/** Why a single read is invalid on its own (duplicates need the store), or undefined. */
export function invalidReason(r: MeterRead, rules: VeeRules): 'misaligned' | 'out-of-range' | undefined {
  return invalidFields(r.intervalStartMs, r.intervalMs, r.importKwh, r.exportKwh, r.voltagePu, rules);
}

/** `invalidReason` of the read with these fields (`voltagePu` undefined: none given). */
export function invalidFields(intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number | undefined, rules: VeeRules): 'misaligned' | 'out-of-range' | undefined {
  if (intervalMs !== rules.intervalMs || !Number.isInteger((intervalStartMs - (rules.gridOriginMs ?? 0)) / rules.intervalMs)) return 'misaligned';
  if (!energyOk(importKwh, rules.maxKwhPerInterval) || !energyOk(exportKwh, rules.maxKwhPerInterval)) return 'out-of-range';
  if (voltagePu !== undefined) {
    const range = rules.voltagePuRange ?? DEFAULT_VOLTAGE_PU_RANGE;
    if (!(voltagePu >= range[0] && voltagePu <= range[1])) return 'out-of-range';
  }
  return undefined;
}

// Module-level, not a closure per read: the MDMS validates every read of a run.
const energyOk = (x: number, maxKwh: number): boolean => Number.isFinite(x) && x >= 0 && x <= maxKwh;

/**
 * The validated series of one meter over `count` intervals from `startMs`, given
 * its valid reads (any order, any span: reads outside the window bound gaps and
 * serve as like days).
 */
export function estimateSeries(actual: ReadonlyMap<number, MeterRead>, startMs: number, count: number, rules: VeeRules): ValidatedInterval[] {
  const columns = new ReadColumns();
  for (const [t, r] of actual) columns.insert(t === r.intervalStartMs ? r : { ...r, intervalStartMs: t });
  return estimateColumns(columns, startMs, count, rules);
}

/** `estimateSeries` over a meter's reads held as columns (the MDMS's store). */
export function estimateColumns(actual: ReadColumnsView, startMs: number, count: number, rules: VeeRules): ValidatedInterval[] {
  return validatedColumns(actual, startMs, count, rules).intervals();
}

/** A quality's code in `ValidatedColumns.quality`. */
export const QUALITY_CODE: Readonly<Record<ReadQuality, number>> = { actual: 0, interpolated: 1, estimated: 2, missing: 3 };
/** The quality of each code of `ValidatedColumns.quality`. */
export const QUALITIES: readonly ReadQuality[] = ['actual', 'interpolated', 'estimated', 'missing'];
const MISSING = 3;

/**
 * A validated series as columns: interval k starts at `startMs + k × stepMs`, has quality
 * `QUALITIES[quality[k]]` and the energies and voltage at k (NaN where the interval object has
 * undefined: a `missing` interval's everything, a voltage none was given for). The run end reads
 * every meter's series over the run (bills, final settlement, the report's figures): as columns
 * it is four arrays a meter, not an object and up to four boxed numbers an interval.
 */
export class ValidatedColumns {
  constructor(
    readonly startMs: number,
    readonly stepMs: number,
    readonly quality: Uint8Array<ArrayBuffer>,
    readonly importKwh: Float64Array<ArrayBuffer>,
    readonly exportKwh: Float64Array<ArrayBuffer>,
    readonly voltagePu: Float64Array<ArrayBuffer>,
  ) {}

  get count(): number {
    return this.quality.length;
  }

  /** Net energy (import − export) of interval k, 0 when missing (as bills and settlement count it). */
  netKwh(k: number): number {
    return this.quality[k] === MISSING ? 0 : this.importKwh[k]! - this.exportKwh[k]!;
  }

  /** Intervals [from, to) of this series (views of the same arrays). */
  slice(from: number, to: number): ValidatedColumns {
    return new ValidatedColumns(this.startMs + from * this.stepMs, this.stepMs, this.quality.subarray(from, to), this.importKwh.subarray(from, to), this.exportKwh.subarray(from, to), this.voltagePu.subarray(from, to));
  }

  /** Series of consecutive windows on one grid, joined in order (each read through the party entitled to its window). */
  static concat(parts: readonly ValidatedColumns[]): ValidatedColumns {
    const first = parts[0]!;
    if (parts.length === 1) return first;
    const n = parts.reduce((sum, p) => sum + p.count, 0);
    const out = new ValidatedColumns(first.startMs, first.stepMs, new Uint8Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n));
    let at = 0;
    for (const p of parts) {
      if (p.startMs !== first.startMs + at * first.stepMs || p.stepMs !== first.stepMs) throw new RangeError(`series windows do not join: one starts at ${p.startMs}, expected ${first.startMs + at * first.stepMs}`);
      out.quality.set(p.quality, at);
      out.importKwh.set(p.importKwh, at);
      out.exportKwh.set(p.exportKwh, at);
      out.voltagePu.set(p.voltagePu, at);
      at += p.count;
    }
    return out;
  }

  /** The same series as interval objects. */
  intervals(): ValidatedInterval[] {
    const out: ValidatedInterval[] = new Array(this.count);
    for (let k = 0; k < out.length; k++) {
      const t = this.startMs + k * this.stepMs;
      const q = this.quality[k]!;
      if (q === MISSING) {
        out[k] = { intervalStartMs: t, importKwh: undefined, exportKwh: undefined, voltagePu: undefined, quality: 'missing' };
        continue;
      }
      const v = this.voltagePu[k]!;
      out[k] = { intervalStartMs: t, importKwh: this.importKwh[k]!, exportKwh: this.exportKwh[k]!, voltagePu: v === v ? v : undefined, quality: QUALITIES[q]! };
    }
    return out;
  }
}

/**
 * `estimateColumns` as columns (`ValidatedColumns`): the same values, no object per interval.
 * `room`: where to write them — `count` qualities and `3 × count` numbers this call alone writes
 * (a caller computing many meters' series carves them from one buffer); without it, new arrays.
 */
export function validatedColumns(actual: ReadColumnsView, startMs: number, count: number, rules: VeeRules, room?: { readonly quality: Uint8Array<ArrayBuffer>; readonly values: Float64Array<ArrayBuffer> }): ValidatedColumns {
  const step = rules.intervalMs;
  const maxGap = rules.maxInterpolatedGapMs ?? DEFAULT_MAX_INTERPOLATED_GAP_MS;
  const lookback = rules.likeDayLookbackDays ?? DEFAULT_LIKE_DAY_LOOKBACK_DAYS;
  const zone = rules.zone;
  const { times, importKwh, exportKwh, voltagePu } = actual;
  const n = actual.count;
  const quality = !room ? new Uint8Array(count) : room.quality.length === count ? room.quality : room.quality.subarray(0, count);
  // One buffer for the three number columns.
  const values = !room ? new Float64Array(3 * count) : room.values.length === 3 * count ? room.values : room.values.subarray(0, 3 * count);
  const outImport = values.subarray(0, count);
  const outExport = values.subarray(count, 2 * count);
  const outVolts = values.subarray(2 * count, 3 * count);
  // Row of the first actual read at or after the window's start (binary search).
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < startMs) lo = mid + 1;
    else hi = mid;
  }
  let cursor = lo; // advanced to the first actual read at or after t
  for (let i = 0; i < count; i++) {
    const t = startMs + i * step;
    while (cursor < n && times[cursor]! < t) cursor++;
    if (cursor < n && times[cursor] === t) {
      quality[i] = 0; // actual
      outImport[i] = importKwh[cursor]!;
      outExport[i] = exportKwh[cursor]!;
      outVolts[i] = voltagePu[cursor]!;
      continue;
    }
    // The gap is the run of missing intervals strictly between the two bounding reads (rows `cursor − 1` and `cursor`).
    if (cursor > 0 && cursor < n && times[cursor]! - times[cursor - 1]! - step <= maxGap) {
      const b = cursor - 1;
      const a = cursor;
      const w = (t - times[b]!) / (times[a]! - times[b]!);
      const vb = voltagePu[b]!;
      const va = voltagePu[a]!;
      quality[i] = 1; // interpolated
      outImport[i] = lerp(importKwh[b]!, importKwh[a]!, w);
      outExport[i] = lerp(exportKwh[b]!, exportKwh[a]!, w);
      // NaN (none) unless both bounding reads give one.
      outVolts[i] = vb === vb && va === va ? lerp(vb, va, w) : NaN;
      continue;
    }
    let like = -1;
    for (let d = 1; d <= lookback && like < 0; d++) like = actual.indexOf(likeDayMs(t, d, zone));
    if (like >= 0) {
      quality[i] = 2; // estimated
      outImport[i] = importKwh[like]!;
      outExport[i] = exportKwh[like]!;
      outVolts[i] = voltagePu[like]!;
    } else {
      quality[i] = MISSING;
      outImport[i] = NaN;
      outExport[i] = NaN;
      outVolts[i] = NaN;
    }
  }
  return new ValidatedColumns(startMs, step, quality, outImport, outExport, outVolts);
}

const lerp = (x: number, y: number, w: number): number => x + (y - x) * w;

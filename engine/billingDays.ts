/**
 * Billing days: the site's local calendar days (docs/time.md). A utility bills per local day, midnight to
 * midnight on the site's clock (core/siteZone.ts): 24 hours, or 23 and 25 on a daylight-saving change day.
 * A run that does not start (end) at local midnight has a partial first (last) billing day, and a run with
 * warm-up days (engine/warmUp.ts) also starts one at the reported `start`, so that no bill mixes warm-up
 * and reported intervals. Pure: the table is computed once per run from the clock and the zone.
 *
 * A billing day holds the intervals that START within its local day (as a day-ahead delivery day does,
 * market/timeline.ts `dayAheadAuctions`): where local midnight falls inside an interval (hourly intervals
 * at UTC+5:45), that interval is billed on the day it starts in.
 *
 * Example: Europe/Amsterdam, 15-minute intervals from 2026-03-28T23:00Z (local midnight, 29 March) for two
 * days: day 0 is 29 March, intervals 0–91 (23 h), day 1 is 30 March, intervals 92–187 (24 h).
 */
import type { SiteZone } from '../core/siteZone.ts';
import { formatSimTime, MS_PER_DAY, simTime } from '../core/time.ts';

export interface BillingDays {
  /** How many billing days the run has. */
  readonly count: number;
  /** The first interval of each billing day, ascending (the first is 0), then the run's interval count: `count + 1` entries. */
  readonly starts: Int32Array;
  /** Each billing day's local date, `YYYY-MM-DD` (bills.csv's `day`). */
  readonly dates: readonly string[];
  /**
   * The length, ms, of the local calendar day each billing day is (all or part) of: 23, 24 or 25 h. A daily
   * fixed charge is pro-rated over it (tariffs/bill.ts): a whole local day pays one day's charge, whatever its hours.
   */
  readonly calendarDayMs: Float64Array;
  /**
   * The first interval of the local day each billing day is part of, within the run: its own start, except for the
   * day a break (the reported start) cuts, whose second part belongs to the local day that began before the break.
   * Tariff choice at a day's close looks at the whole local day (engine/retail.ts), so a break changes no choice.
   */
  readonly localDayStarts: Int32Array;
  /** Whether billing day `day` ends a local day (at local midnight, or at the run's end), not at a break. */
  readonly endsLocalDay: Uint8Array;
  /** The most intervals a local day holds within the run (25 h of them on an autumn change day). */
  readonly maxIntervals: number;
  /** The billing day of interval `k` (0 ≤ k < the run's intervals). */
  dayOf(k: number): number;
  /** Whether interval `k` is the last of its billing day. */
  closesDay(k: number): boolean;
}

/**
 * The billing days of a run of `intervals` intervals of `intervalMinutes` from `start` (UTC ms) on `zone`'s calendar.
 * `breaks`: interval indices that also start a billing day (the reported `start` after a warm-up); out-of-range ones are ignored.
 */
export function billingDays(run: { readonly start: number; readonly intervalMinutes: number; readonly intervals: number }, zone: SiteZone, breaks: readonly number[] = []): BillingDays {
  const step = run.intervalMinutes * 60_000;
  const end = run.start + run.intervals * step;
  const localFirsts = new Set<number>([0]);
  // Each local midnight after the start: the first interval starting at or after it opens a day.
  for (let d = zone.localDayNumber(run.start) + 1; ; d++) {
    const midnight = zone.dayStartMs(d);
    if (midnight >= end) break;
    const k = Math.ceil((midnight - run.start) / step);
    if (k < run.intervals) localFirsts.add(k);
  }
  const firsts = new Set(localFirsts);
  for (const b of breaks) if (b > 0 && b < run.intervals) firsts.add(b);
  const sorted = [...firsts].sort((a, b) => a - b);
  const count = run.intervals > 0 ? sorted.length : 0;
  const starts = new Int32Array(count + 1);
  const dates: string[] = [];
  const calendarDayMs = new Float64Array(count);
  const localDayStarts = new Int32Array(count);
  const endsLocalDay = new Uint8Array(count);
  const dayOfInterval = new Int32Array(run.intervals);
  let maxIntervals = 0;
  for (let j = 0; j < count; j++) {
    const from = sorted[j]!;
    const to = j + 1 < count ? sorted[j + 1]! : run.intervals;
    starts[j] = from;
    localDayStarts[j] = localFirsts.has(from) ? from : localDayStarts[j - 1]!;
    endsLocalDay[j] = to === run.intervals || localFirsts.has(to) ? 1 : 0;
    const local = zone.localDayNumber(run.start + from * step);
    dates.push(formatSimTime(simTime(local * MS_PER_DAY)).slice(0, 10));
    calendarDayMs[j] = zone.dayLengthMs(local);
    dayOfInterval.fill(j, from, to);
    maxIntervals = Math.max(maxIntervals, to - localDayStarts[j]!);
  }
  starts[count] = run.intervals;
  return {
    count,
    starts,
    dates,
    calendarDayMs,
    localDayStarts,
    endsLocalDay,
    maxIntervals,
    dayOf: (k) => dayOfInterval[k]!,
    closesDay: (k) => k === starts[dayOfInterval[k]! + 1]! - 1,
  };
}

/**
 * Customer baselines for measuring demand response: what an agent would have
 * consumed in an event interval had there been no event. Delivered = baseline − actual.
 * Pure functions over a consumption history (kW per interval; NaN where unknown).
 *
 * "10 of 10" with a same-day adjustment (the family of methods US ISOs use, e.g.
 * CAISO's 10-in-10 and PJM's "high x of y" with adjustments):
 *   1. unadjusted baseline = mean consumption in the same interval of the day over the
 *      `days` (10) most recent prior days of the event day's kind that had no event for this
 *      agent: business days (Monday–Friday, local time) for an event on a business day, and the
 *      `nonBusinessDays` (4: the last two weekends; ten would reach five weeks back) most recent
 *      weekend days and holidays for an event on one. Day matching as in AEMO's business-day,
 *      non-business-day and composite variants of 10 of 10 and the weekday and weekend variants of
 *      ISOs' X-of-Y baselines. Why: an office draws next to nothing on a weekend and a home ~15 %
 *      more (agents/physics/loadProfile.ts), so a Monday's baseline that averaged in the weekend
 *      before it was far too low for an office, more than the adjustment's cap can put back;
 *   2. same-day adjustment factor = Σ actual / Σ unadjusted baseline over the
 *      `adjustmentHours` (3) hours that end `adjustmentLagHours` (1) before the event
 *      starts, clamped to [1 − cap, 1 + cap] (cap 0.2 here; ISOs use 20–40 %);
 *   3. baseline = unadjusted × factor.
 * With fewer clean days than it wants it uses those it has; with none, there is no baseline.
 * The site's public holidays (`site.holidays`) count with weekends.
 */
import type { SiteZone } from '../../core/siteZone.ts';
import { sameWallClockIndex } from '../../core/sameWallClock.ts';
import { MS_PER_MINUTE, simTime } from '../../core/time.ts';
import { type Holidays, NO_HOLIDAYS } from '../../core/calendar.ts';
import { dayTypeOf } from '../physics/loadProfile.ts';

export interface TenOfTenOptions {
  /** Prior business days averaged for an event on a business day. */
  readonly days: number;
  /** Prior weekend days averaged for an event on a weekend. */
  readonly nonBusinessDays: number;
  readonly adjustmentHours: number;
  readonly adjustmentLagHours: number;
  readonly cap: number;
}

export const TEN_OF_TEN: TenOfTenOptions = Object.freeze({ days: 10, nonBusinessDays: 4, adjustmentHours: 3, adjustmentLagHours: 1, cap: 0.2 });

export interface Baseline {
  /** kW in the asked interval; NaN when there is no history to build one. */
  readonly baselineKw: number;
  readonly unadjustedKw: number;
  readonly adjustment: number;
  readonly daysUsed: number;
}

/**
 * Whether the interval of this index (from the run's first) starts on a business day (Monday–Friday, local time, not a
 * holiday). At a site whose clock changes within the run (daylight saving) it also carries `sameWallClock`: the index
 * of the interval that starts at the same wall-clock time `daysBack` local days earlier, so that "the same interval of
 * earlier days" is the same hour on the wall (17:00 is 17:00 before and after the change), not the same UTC hour.
 */
export type BusinessDayOf = ((interval: number) => boolean) & {
  readonly sameWallClock?: (interval: number, daysBack: number) => number;
  /**
   * The local day the interval of this index starts in, counted from the run's first (0: the local day holding interval
   * 0, whole or not): a customer's day is its local day, so an event's day is the local day it falls on, and 10-of-10
   * leaves out the local days with one. Where the run starts at local midnight at a fixed offset it is the run's day
   * index, `floor(interval / intervalsPerDay)`, which a calendar without it stands for (`eventDayOf`).
   */
  readonly dayOf?: (interval: number) => number;
};

/** The day (`BusinessDayOf.dayOf`: the site's local day, from the run's first) an event in the interval of this index counts on. */
export function eventDayOf(businessDay: BusinessDayOf, intervalsPerDay: number, interval: number): number {
  const dayOf = businessDay.dayOf;
  return dayOf === undefined ? Math.floor(interval / intervalsPerDay) : dayOf(interval);
}

/** The business-day test of a run whose interval 0 starts at `startMs` (UTC), at `intervalMinutes`, on the site's clock `zone` with these holidays. */
export function businessDayOf(startMs: number, intervalMinutes: number, zone: SiteZone, holidays: Holidays = NO_HOLIDAYS): BusinessDayOf {
  // The load profiles' day types (a holiday is a Sunday): one rule for what a working day is.
  const stepMs = intervalMinutes * MS_PER_MINUTE;
  const business = (interval: number): boolean => dayTypeOf(simTime(startMs + interval * stepMs), zone, holidays) === 'workday';
  const firstDay = zone.localDayNumber(startMs);
  const dayOf = (interval: number): number => zone.localDayNumber(startMs + interval * stepMs) - firstDay;
  // With one offset over the run a local day is 24 hours and the same interval of the run's grid is the same wall-clock time.
  if (zone.fixedOffsetHours !== undefined) return Object.assign(business, { dayOf });
  const sameWallClock = (interval: number, daysBack: number): number => sameWallClockIndex(zone, startMs, stepMs, interval, daysBack);
  return Object.assign(business, { sameWallClock, dayOf });
}

/**
 * @param consumptionKw the agent's metered net consumption per interval of the run
 * @param eventDays the days on which the agent had an event, as `eventDayOf` numbers them (the site's local days from
 *   the run's first, with a calendar from `businessDayOf`)
 * @param interval the interval to baseline (an event interval)
 * @param eventStart the first interval of the event (for the adjustment window)
 * @param businessDay the run's calendar: which days are of the event day's kind
 */
export function tenOfTenBaseline(
  consumptionKw: ArrayLike<number>,
  eventDays: ReadonlySet<number>,
  intervalsPerDay: number,
  interval: number,
  eventStart: number,
  businessDay: BusinessDayOf,
  options: TenOfTenOptions = TEN_OF_TEN,
): Baseline {
  if (businessDay.sameWallClock !== undefined) return wallClockTenOfTen(consumptionKw, eventDays, intervalsPerDay, interval, eventStart, businessDay, businessDay.sameWallClock, options);
  const day = Math.floor(interval / intervalsPerDay);
  const slot = interval - day * intervalsPerDay;
  const business = businessDay(interval);
  const wanted = business ? options.days : options.nonBusinessDays;
  const cleanDays: number[] = [];
  for (let d = day - 1; d >= 0 && cleanDays.length < wanted; d--) {
    const k = d * intervalsPerDay + slot;
    if (eventDays.has(eventDayOf(businessDay, intervalsPerDay, k)) || businessDay(k) !== business) continue;
    if (Number.isNaN(consumptionKw[k]!)) continue;
    cleanDays.push(d);
  }
  if (cleanDays.length === 0) return { baselineKw: NaN, unadjustedKw: NaN, adjustment: NaN, daysUsed: 0 };
  const meanAt = (s: number): number => cleanDays.reduce((sum, d) => sum + consumptionKw[d * intervalsPerDay + s]!, 0) / cleanDays.length;
  const unadjusted = meanAt(slot);
  // Same-day adjustment over the window before the event (slots of this day, or of the previous day when it reaches back).
  const adjustment = sameDayAdjustment(consumptionKw, (k) => meanAt(((k % intervalsPerDay) + intervalsPerDay) % intervalsPerDay), intervalsPerDay, eventStart, options);
  return { baselineKw: unadjusted * adjustment, unadjustedKw: unadjusted, adjustment, daysUsed: cleanDays.length };
}

/**
 * The same-day adjustment of a 10-of-10 baseline: actual over baseline across the window before the event
 * (`adjustmentHours`, ending `adjustmentLagHours` before `eventStart`), within 1 ± `cap`; 1 where the window's
 * baseline is not positive. An interval whose metered consumption is missing is left out, and so is one whose
 * `baseAt` is undefined.
 */
function sameDayAdjustment(consumptionKw: ArrayLike<number>, baseAt: (k: number) => number | undefined, intervalsPerDay: number, eventStart: number, options: TenOfTenOptions): number {
  const perHour = intervalsPerDay / 24;
  const windowEnd = eventStart - Math.round(options.adjustmentLagHours * perHour);
  const windowStart = windowEnd - Math.round(options.adjustmentHours * perHour);
  let actual = 0;
  let base = 0;
  for (let k = Math.max(0, windowStart); k < windowEnd; k++) {
    const a = consumptionKw[k]!;
    if (Number.isNaN(a)) continue;
    const b = baseAt(k);
    if (b === undefined) continue;
    actual += a;
    base += b;
  }
  const raw = base > 0 ? actual / base : 1;
  return Math.min(1 + options.cap, Math.max(1 - options.cap, raw));
}

/**
 * `tenOfTenBaseline` at a site whose clock changes within the run: each earlier day's "same interval" is the one at
 * the same wall-clock time (`sameWallClock`), found by local days back; a day is an event day by its local day
 * (`eventDayOf`). The same-day adjustment's window reads each of its intervals on the same clean days.
 */
function wallClockTenOfTen(
  consumptionKw: ArrayLike<number>,
  eventDays: ReadonlySet<number>,
  intervalsPerDay: number,
  interval: number,
  eventStart: number,
  businessDay: BusinessDayOf,
  sameWallClock: (interval: number, daysBack: number) => number,
  options: TenOfTenOptions,
): Baseline {
  const business = businessDay(interval);
  const wanted = business ? options.days : options.nonBusinessDays;
  const cleanBack: number[] = [];
  for (let back = 1; cleanBack.length < wanted; back++) {
    const k = sameWallClock(interval, back);
    if (k < 0) break;
    if (eventDays.has(eventDayOf(businessDay, intervalsPerDay, k)) || businessDay(k) !== business) continue;
    if (Number.isNaN(consumptionKw[k]!)) continue;
    cleanBack.push(back);
  }
  if (cleanBack.length === 0) return { baselineKw: NaN, unadjustedKw: NaN, adjustment: NaN, daysUsed: 0 };
  const meanAt = (j: number): number => {
    let sum = 0;
    let n = 0;
    for (const back of cleanBack) {
      const v = consumptionKw[sameWallClock(j, back)];
      if (v === undefined || Number.isNaN(v)) continue;
      sum += v;
      n++;
    }
    return n > 0 ? sum / n : NaN;
  };
  const unadjusted = meanAt(interval);
  // A window interval with no clean day's read has no baseline here: left out, as its missing meter would be.
  const adjustment = sameDayAdjustment(
    consumptionKw,
    (k) => {
      const m = meanAt(k);
      return Number.isNaN(m) ? undefined : m;
    },
    intervalsPerDay,
    eventStart,
    options,
  );
  return { baselineKw: unadjusted * adjustment, unadjustedKw: unadjusted, adjustment, daysUsed: cleanBack.length };
}

/** Energy delivered against a baseline over an interval, kWh (positive = consumed less than the baseline). */
export const deliveredKwh = (baselineKw: number, actualKw: number, durationH: number): number => (baselineKw - actualKw) * durationH;

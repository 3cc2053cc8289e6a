/**
 * A site's calendar: local days, weekdays and public holidays, for whatever follows human
 * routines (load shapes, office hours, commuting), demand-response baselines and tariffs.
 * gridbid's `SimTime` is UTC; a site is a fixed offset from UTC in hours (no daylight-saving
 * changes within a run) with a list of holidays as local dates. Pure.
 */
import type { SimTime } from './time.ts';
import { MS_PER_DAY, MS_PER_HOUR } from './time.ts';

/** Local day number: whole local days since 1970-01-01 (local), the day containing `t`. */
export function localDayNumber(t: SimTime | number, utcOffsetHours: number): number {
  return Math.floor((t + utcOffsetHours * MS_PER_HOUR) / MS_PER_DAY);
}

/** Day of week of a day number (`localDayNumber`), 0 = Sunday … 6 = Saturday. */
export function weekdayOfDay(dayNumber: number): number {
  // 1970-01-01 (day 0) was a Thursday (4).
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/**
 * A site's public holidays (`site.holidays`, local calendar dates `YYYY-MM-DD`) as local day
 * numbers, for a lookup per interval. Dates are checked by the scenario schema.
 */
export type Holidays = ReadonlySet<number>;
export const NO_HOLIDAYS: Holidays = new Set();

export function holidaysOf(dates: readonly string[] | undefined): Holidays {
  if (!dates || dates.length === 0) return NO_HOLIDAYS;
  return new Set(dates.map((d) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) / MS_PER_DAY));
}

/** What tariffs need of a site's calendar: its holidays fall on local days. */
export interface SiteCalendar {
  readonly utcOffsetHours: number;
  readonly holidays: Holidays;
}

/** The holiday containing `t`, as `[start, end)` in UTC ms, or undefined. */
export function holidayAt(calendar: SiteCalendar, t: number): { readonly start: number; readonly end: number } | undefined {
  if (calendar.holidays.size === 0) return undefined;
  const day = localDayNumber(t, calendar.utcOffsetHours);
  if (!calendar.holidays.has(day)) return undefined;
  const start = day * MS_PER_DAY - calendar.utcOffsetHours * MS_PER_HOUR;
  return { start, end: start + MS_PER_DAY };
}

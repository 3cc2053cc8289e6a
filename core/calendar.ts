/**
 * A site's calendar: local days, weekdays and public holidays, for whatever follows human
 * routines (load shapes, office hours, commuting), demand-response baselines and tariffs.
 * gridbid's `SimTime` is UTC; the site's clock is a `SiteZone` (core/siteZone.ts: a fixed offset,
 * or an IANA zone with its daylight-saving changes) with a list of holidays as local dates. A
 * local day is the wall clock's: 23 or 25 hours on a daylight-saving day. Pure.
 */
import type { SimTime } from './time.ts';
import { MS_PER_DAY } from './time.ts';
import { type SiteZone, weekdayOfDayNumber } from './siteZone.ts';

/** Local day number: whole local days since 1970-01-01 (local), the day containing `t`. */
export function localDayNumber(t: SimTime | number, zone: SiteZone): number {
  return zone.localDayNumber(t);
}

/** Day of week of a day number (`localDayNumber`), 0 = Sunday … 6 = Saturday. */
export const weekdayOfDay = weekdayOfDayNumber;

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

/** What tariffs need of a site's calendar: its clock, and its holidays on local days. */
export interface SiteCalendar {
  readonly zone: SiteZone;
  readonly holidays: Holidays;
}

/** The holiday containing `t`, as `[start, end)` in UTC ms (its local midnights: 23 or 25 hours on a daylight-saving day), or undefined. */
export function holidayAt(calendar: SiteCalendar, t: number): { readonly start: number; readonly end: number } | undefined {
  if (calendar.holidays.size === 0) return undefined;
  const day = calendar.zone.localDayNumber(t);
  if (!calendar.holidays.has(day)) return undefined;
  const start = calendar.zone.dayStartMs(day);
  return { start, end: calendar.zone.dayStartMs(day + 1) };
}

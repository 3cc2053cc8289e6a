/**
 * Local clock time for physics that follows human routines (base load, occupancy,
 * EV plug-in times, the daily temperature wave). gridbid's `SimTime` is UTC; a
 * scenario gives each site a fixed offset from UTC in hours (e.g. +1 for CET,
 * -6 for CST). Daylight-saving changes are not modelled: pass the offset that
 * holds on the simulated day.
 *
 * Pure: no clock reads, no allocation beyond the returned number.
 */
import type { SimTime } from '../../core/time.ts';
import { MS_PER_DAY, MS_PER_HOUR, simTime } from '../../core/time.ts';

/** Milliseconds since local midnight, in [0, MS_PER_DAY). */
function localMsOfDay(t: SimTime, utcOffsetHours: number): number {
  const local = t + utcOffsetHours * MS_PER_HOUR;
  return ((local % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
}

/** Local hour of day as a fraction in [0, 24): 17.25 for 17:15 local. */
export function localHourOfDay(t: SimTime, utcOffsetHours: number): number {
  return localMsOfDay(t, utcOffsetHours) / MS_PER_HOUR;
}

/** Local day number: whole local days since 1970-01-01 (local), the day containing `t`. */
export function localDayNumber(t: SimTime, utcOffsetHours: number): number {
  return Math.floor((t + utcOffsetHours * MS_PER_HOUR) / MS_PER_DAY);
}

/** Day of week of a day number (`localDayNumber`), 0 = Sunday … 6 = Saturday. */
export function weekdayOfDay(dayNumber: number): number {
  // 1970-01-01 (day 0) was a Thursday (4).
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/** Local day of week, 0 = Sunday … 6 = Saturday. */
export function localDayOfWeek(t: SimTime, utcOffsetHours: number): number {
  return weekdayOfDay(localDayNumber(t, utcOffsetHours));
}

/**
 * A site's public holidays (`site.holidays`, local calendar dates `YYYY-MM-DD`) as local day
 * numbers (`localDayNumber`), for a lookup per interval. Dates are checked by the scenario schema.
 */
export type Holidays = ReadonlySet<number>;
export const NO_HOLIDAYS: Holidays = new Set();
export function holidaysOf(dates: readonly string[] | undefined): Holidays {
  if (!dates || dates.length === 0) return NO_HOLIDAYS;
  return new Set(dates.map((d) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) / MS_PER_DAY));
}

/** The UTC instant of the local midnight that starts the local day containing `t`. */
export function localMidnight(t: SimTime, utcOffsetHours: number): SimTime {
  return simTime(t - localMsOfDay(t, utcOffsetHours));
}

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
import { localDayNumber, weekdayOfDay } from '../../core/calendar.ts';

/** Milliseconds since local midnight, in [0, MS_PER_DAY). */
function localMsOfDay(t: SimTime, utcOffsetHours: number): number {
  const local = t + utcOffsetHours * MS_PER_HOUR;
  return ((local % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
}

/** Local hour of day as a fraction in [0, 24): 17.25 for 17:15 local. */
export function localHourOfDay(t: SimTime, utcOffsetHours: number): number {
  return localMsOfDay(t, utcOffsetHours) / MS_PER_HOUR;
}

/** Local day of week, 0 = Sunday … 6 = Saturday. */
export function localDayOfWeek(t: SimTime, utcOffsetHours: number): number {
  return weekdayOfDay(localDayNumber(t, utcOffsetHours));
}

/** The UTC instant of the local midnight that starts the local day containing `t`. */
export function localMidnight(t: SimTime, utcOffsetHours: number): SimTime {
  return simTime(t - localMsOfDay(t, utcOffsetHours));
}

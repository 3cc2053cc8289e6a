/**
 * Local clock time for physics that follows human routines (base load, occupancy,
 * EV plug-in times, the daily temperature wave). gridbid's `SimTime` is UTC; the site's
 * clock is a `SiteZone` (core/siteZone.ts): a fixed offset from UTC, or an IANA zone whose
 * wall clock moves at daylight-saving changes, which routines follow (a commute at 07:30
 * local is at 07:30 on the wall clock in summer and in winter).
 *
 * Pure: no clock reads, no allocation beyond the returned number.
 */
import type { SimTime } from '../../core/time.ts';
import { simTime } from '../../core/time.ts';
import type { SiteZone } from '../../core/siteZone.ts';

/** Local hour of day as a fraction in [0, 24): 17.25 for 17:15 local. */
export function localHourOfDay(t: SimTime, zone: SiteZone): number {
  return zone.localHourOfDay(t);
}

/** Local day of week, 0 = Sunday … 6 = Saturday. */
export function localDayOfWeek(t: SimTime, zone: SiteZone): number {
  return zone.localWeekday(t);
}

/** The UTC instant of the local midnight that starts the local day containing `t` (the day's first instant where a change skips midnight). */
export function localMidnight(t: SimTime, zone: SiteZone): SimTime {
  return simTime(zone.localMidnight(t));
}

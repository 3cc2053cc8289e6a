/**
 * "The same interval yesterday" on the site's wall clock: the interval of a run that starts at the same wall-clock
 * time on the local day before. Forecasts that look at yesterday (the `same-interval-yesterday` price forecast, a
 * retailer's load forecast, an operator's flow forecast for pre-positioning) and the 10-of-10 baseline read it, so
 * that 18:00 after a daylight-saving change looks at 18:00 the day before, not at 17:00 or 19:00 on that wall.
 *
 * - Without a change of offset in the run (a fixed offset, UTC, a zone outside its changes) it is the run's 24-hour
 *   grid, `interval − intervalsPerDay`, as it always was (the callers keep that arithmetic, bit for bit).
 * - Across a change it is 23 or 25 hours back. Where yesterday's wall time does not exist (02:30 the day after the
 *   spring change in Europe: the day before jumped from 02:00 to 03:00) the neighbour is the interval as many minutes
 *   past the jump (03:30 summer time), as `SiteZone.wallClockAfter` reads a time that does not exist; where it
 *   occurs twice (the day after the autumn change) its first occurrence.
 *
 * Pure; an interval index may come out negative (before the run) and the callers check it.
 */
import type { SiteZone } from './siteZone.ts';
import { MS_PER_HOUR, MS_PER_MINUTE } from './time.ts';

/** The index of the interval that starts at the same wall-clock time `daysBack` local days before interval `interval`. */
export function sameWallClockIndex(zone: SiteZone, startMs: number, stepMs: number, interval: number, daysBack: number): number {
  const t = startMs + interval * stepMs;
  const earlier = zone.wallClockAfter(zone.dayStartMs(zone.localDayNumber(t) - daysBack), zone.localMsOfDay(t) / MS_PER_HOUR);
  return Math.round((earlier - startMs) / stepMs);
}

/** Per zone, the last table of a run (start and interval): the simulation's forecasters share one. */
const cache = new WeakMap<SiteZone, { readonly startMs: number; readonly intervalMinutes: number; readonly yesterday: (interval: number) => number }>();

/**
 * `interval ↦ the same wall-clock interval yesterday` of a run starting at `startMs` with `intervalMinutes`, or
 * undefined where the zone's offset does not change within the run (then it is `interval − intervalsPerDay`). Each
 * interval's answer is computed once and kept (an Int32Array that grows with the largest index asked).
 */
export function wallClockYesterday(zone: SiteZone, startMs: number, intervalMinutes: number): ((interval: number) => number) | undefined {
  if (zone.fixedOffsetHours !== undefined) return undefined;
  const hit = cache.get(zone);
  if (hit !== undefined && hit.startMs === startMs && hit.intervalMinutes === intervalMinutes) return hit.yesterday;
  const stepMs = intervalMinutes * MS_PER_MINUTE;
  const UNKNOWN = -0x80000000;
  let table = new Int32Array(0);
  const yesterday = (interval: number): number => {
    if (interval < 0) return sameWallClockIndex(zone, startMs, stepMs, interval, 1);
    if (interval >= table.length) {
      const grown = new Int32Array(Math.max(interval + 1, table.length * 2, 1024)).fill(UNKNOWN);
      grown.set(table);
      table = grown;
    }
    let k = table[interval]!;
    if (k === UNKNOWN) table[interval] = k = sameWallClockIndex(zone, startMs, stepMs, interval, 1);
    return k;
  };
  cache.set(zone, { startMs, intervalMinutes, yesterday });
  return yesterday;
}

/**
 * The site's clock of a scenario (core/siteZone.ts), built once per scenario: the fixed offset of
 * `site.utcOffsetHours`, or the IANA zone of `site.timeZone` read from Intl over the run's span —
 * its warm-up days, its days, and a margin of `MARGIN_DAYS` on each side for everything that looks
 * beyond them (a day-ahead market's delivery day, forecasts of the next day, a car's departure).
 */
import { fixedOffsetName, SiteZone } from '../../core/siteZone.ts';
import { formatSimTime, MS_PER_DAY, MS_PER_HOUR, parseSimTime, simTime } from '../../core/time.ts';
import { dstUnsupportedReason } from '../../tariffs/localHours.ts';
import type { Tariff } from '../../tariffs/types.ts';
import { simulatedStart } from '../warmUp.ts';
import type { Stage } from './timeline.ts';

/** Days of zone table before the simulated start and after the run's end. */
export const MARGIN_DAYS = 40;

interface ZoneConfig {
  readonly start: string;
  readonly days: number;
  readonly warmUpDays?: number | undefined;
  readonly site: { readonly utcOffsetHours?: number | undefined; readonly timeZone?: string | undefined };
}

const cache = new WeakMap<object, SiteZone>();

/** The site's zone over the run's span (cached per site object: a validated scenario's site is not changed). */
export function siteZoneOf(config: ZoneConfig): SiteZone {
  const hit = cache.get(config.site);
  if (hit) return hit;
  const { utcOffsetHours, timeZone } = config.site;
  let zone: SiteZone;
  if (timeZone === undefined) zone = SiteZone.fixed(utcOffsetHours ?? 0);
  else {
    const startMs = parseSimTime(config.start)!;
    const runFromMs = simulatedStart(startMs, config.warmUpDays);
    const runToMs = startMs + config.days * MS_PER_DAY;
    zone = SiteZone.iana(timeZone, runFromMs - MARGIN_DAYS * MS_PER_DAY, runToMs + MARGIN_DAYS * MS_PER_DAY, runFromMs, runToMs);
  }
  cache.set(config.site, zone);
  return zone;
}

/**
 * The offset, hours, at which a day-ahead market's gates and delivery days are placed: the site's,
 * which must not change within the run (validate refuses a day-ahead scenario across a
 * daylight-saving change: its delivery days would be 23 or 25 hours, not built yet).
 */
export function dayAheadOffsetHours(zone: SiteZone): number {
  if (zone.fixedOffsetHours === undefined) throw new RangeError(`a day-ahead market needs one UTC offset over the run, and ${zone.name} changes offset within it`);
  return zone.fixedOffsetHours;
}

/** A validation problem: where, and why. */
interface ClockProblem {
  readonly path: PropertyKey[];
  readonly message: string;
}

/**
 * What a site whose clock changes within the run cannot do yet, each at the key that asks for it:
 * a day-ahead market (its delivery days would be 23 or 25 hours: refused rather than cleared on a
 * wrong day), and critical-peak and demand-charge tariffs in local hours (tariffs/localHours.ts).
 */
export function siteClockProblems(
  config: ZoneConfig & { readonly tariffs: readonly Tariff[] },
  stages: readonly Stage[],
): ClockProblem[] {
  if (config.site.timeZone === undefined) return [];
  const zone = siteZoneOf(config);
  const startMs = parseSimTime(config.start)!;
  const runFromMs = simulatedStart(startMs, config.warmUpDays);
  const runToMs = startMs + config.days * MS_PER_DAY;
  const change = (fromMs: number, toMs: number): string | undefined => {
    const x = zone.transitionsIn(fromMs, toMs)[0];
    return x === undefined ? undefined : `${zone.name} changes from ${fixedOffsetName(x.fromOffsetMs)} to ${fixedOffsetName(x.toOffsetMs)} at ${formatSimTime(simTime(x.atMs))}`;
  };
  const out: ClockProblem[] = [];
  stages.forEach((st, i) => {
    if (st.stage !== 'dayAhead') return;
    // From the first gate (daysBefore days before the first delivery day, a day's slack for the local midnight) to the run's end.
    const why = change(runFromMs - ((st.daysBefore ?? 1) + 1) * MS_PER_DAY, runToMs + MS_PER_HOUR * 24);
    if (why !== undefined)
      out.push({ path: ['market', 'timeline', i, 'stage'], message: `${why}: a day-ahead market across a daylight-saving change is not supported yet (its delivery day would have 23 or 25 hours); run the days before or after the change, or use site.utcOffsetHours` });
  });
  const why = change(runFromMs, runToMs);
  if (why !== undefined)
    config.tariffs.forEach((t, i) => {
      const reason = dstUnsupportedReason(t, zone.runOffsetsHours);
      if (reason !== undefined) out.push({ path: ['tariffs', i, 'hours'], message: `${why}: ${reason}` });
    });
  return out;
}

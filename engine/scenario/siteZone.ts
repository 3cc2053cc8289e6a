/**
 * The site's clock of a scenario (core/siteZone.ts), built once per scenario: the fixed offset of
 * `site.utcOffsetHours`, or the IANA zone of `site.timeZone` read from Intl over the run's span —
 * its warm-up days, its days, and a margin of `MARGIN_DAYS` on each side for everything that looks
 * beyond them (a day-ahead market's gates, forecasts of the next day, a car's departure).
 */
import { fixedOffsetName, SiteZone } from '../../core/siteZone.ts';
import { formatSimTime, MS_PER_DAY, parseSimTime, simTime } from '../../core/time.ts';
import { dstUnsupportedReason } from '../../tariffs/localHours.ts';
import type { Tariff } from '../../tariffs/types.ts';

/** Days of zone table before the simulated start and after the run's end. */
export const MARGIN_DAYS = 40;

interface ZoneConfig {
  readonly start: string;
  readonly days: number;
  readonly warmUpDays?: number | undefined;
  readonly site: { readonly utcOffsetHours?: number | undefined; readonly timeZone?: string | undefined };
}

/** Per site object, the last zone built and what it was built for (a program may reuse a config with another start). */
const cache = new WeakMap<object, { readonly key: string; readonly zone: SiteZone }>();

/** The site's zone over the run's span (built once per site object and span: validate, the simulation and the report share it). */
export function siteZoneOf(config: ZoneConfig): SiteZone {
  const { utcOffsetHours, timeZone } = config.site;
  const key = `${timeZone ?? ''}|${utcOffsetHours ?? ''}|${config.start}|${config.days}|${config.warmUpDays ?? 0}`;
  const hit = cache.get(config.site);
  if (hit?.key === key) return hit.zone;
  let zone: SiteZone;
  if (timeZone === undefined) zone = SiteZone.fixed(utcOffsetHours ?? 0);
  else {
    const startMs = parseSimTime(config.start)!;
    const daysFromMs = startMs - (config.warmUpDays ?? 0) * MS_PER_DAY;
    const daysToMs = startMs + config.days * MS_PER_DAY;
    // The table spans the run in 24-hour days with a margin of 40 days (an hour's change of the run's ends is well inside);
    // the run itself is its calendar days on the wall (`wallDaysAfter`), and whether the offset changes is judged over that.
    const table = SiteZone.iana(timeZone, daysFromMs - MARGIN_DAYS * MS_PER_DAY, daysToMs + MARGIN_DAYS * MS_PER_DAY, daysFromMs, daysToMs);
    const runFromMs = table.wallDaysAfter(startMs, -(config.warmUpDays ?? 0));
    const runToMs = runEndMs(table, startMs, config.days);
    zone = runFromMs === daysFromMs && runToMs === daysToMs ? table : table.forRun(runFromMs, runToMs);
  }
  cache.set(config.site, { key, zone });
  return zone;
}

/**
 * Where a run of `days` from `startMs` ends on the clock `zone`: its whole days are calendar days of the wall clock
 * (`SiteZone.wallDaysAfter`: 7 days from a local midnight end at a local midnight, 167 or 169 hours across a change),
 * and a fraction of a day is that much elapsed time after them (`days: 0.125` is 3 hours, whatever the clock does).
 * Without a change of offset in the run, `startMs + days × 24 h` exactly.
 */
export function runEndMs(zone: SiteZone, startMs: number, days: number): number {
  const whole = Math.floor(days);
  const wallEnd = zone.wallDaysAfter(startMs, whole);
  return wallEnd === startMs + whole * MS_PER_DAY ? startMs + days * MS_PER_DAY : wallEnd + (days - whole) * MS_PER_DAY;
}

/** A validation problem: where, and why. */
interface ClockProblem {
  readonly path: PropertyKey[];
  readonly message: string;
}

/**
 * What a site whose clock changes within the run cannot do, each at the key that asks for it: a
 * demand charge in local hours whose windows' grid the change would move (tariffs/localHours.ts
 * `dstUnsupportedReason`).
 */
export function siteClockProblems(config: ZoneConfig & { readonly tariffs: readonly Tariff[] }): ClockProblem[] {
  if (config.site.timeZone === undefined) return [];
  const zone = siteZoneOf(config);
  const startMs = parseSimTime(config.start)!;
  const runFromMs = zone.wallDaysAfter(startMs, -(config.warmUpDays ?? 0));
  const runToMs = runEndMs(zone, startMs, config.days);
  const change = (fromMs: number, toMs: number): string | undefined => {
    const x = zone.transitionsIn(fromMs, toMs)[0];
    return x === undefined ? undefined : `${zone.name} changes from ${fixedOffsetName(x.fromOffsetMs)} to ${fixedOffsetName(x.toOffsetMs)} at ${formatSimTime(simTime(x.atMs))}`;
  };
  const out: ClockProblem[] = [];
  const why = change(runFromMs, runToMs);
  if (why !== undefined)
    config.tariffs.forEach((t, i) => {
      const reason = dstUnsupportedReason(t, zone.runOffsetsHours);
      if (reason !== undefined) out.push({ path: ['tariffs', i, 'hours'], message: `${why}: ${reason}` });
    });
  return out;
}

/**
 * A run's span: where the engine's clock starts (the warm-up's first instant), the reported start, the end, and the
 * intervals between. `days` and `warmUpDays` are calendar days of the site's clock (`SiteZone.wallDaysAfter`): 7 days
 * from a local midnight end at the local midnight 7 days later, 167 hours across a spring change and 169 across an
 * autumn one, so that a week has 7 billing days and not an eighth of one hour; a fraction of a day (`days: 1.5`) is that
 * much elapsed time after the whole days (`runEndMs`). Without a change of offset in the run
 * (a fixed offset, UTC, a zone outside its changes) that is `days` × 24 hours, as it always was.
 *
 * Pure: the zone is the scenario's (`siteZoneOf`, built once).
 */
import { formatSimTime, minutesToMs, MS_PER_DAY, parseSimTime, simTime } from '../../core/time.ts';
import { runEndMs, siteZoneOf } from './siteZone.ts';

export interface RunSpan {
  /** Where the engine's clock starts: `warmUpDays` calendar days before `startMs` (UTC ms). */
  readonly simulatedStartMs: number;
  /** The reported start, the scenario's `start` (UTC ms). */
  readonly startMs: number;
  /** The run's end, `days` calendar days after `startMs` (UTC ms, exclusive). */
  readonly endMs: number;
  /** Intervals of the warm-up, before `startMs`. */
  readonly warmUpIntervals: number;
  /** Intervals reported, `startMs` to `endMs`. */
  readonly reportedIntervals: number;
  /** Whether a change of the site's clock makes the span other than its days × 24 hours (then `validate` and `run` say so). */
  readonly wallClock: boolean;
}

interface SpanConfig {
  readonly start: string;
  readonly days: number;
  readonly warmUpDays?: number | undefined;
  readonly intervalMinutes: number;
  readonly site: { readonly utcOffsetHours?: number | undefined; readonly timeZone?: string | undefined };
}

/** The span of the scenario `config` (its `start` parsed; a valid config: validate checked it). */
export function runSpanOf(config: SpanConfig): RunSpan {
  const zone = siteZoneOf(config);
  const startMs = parseSimTime(config.start)!;
  const stepMs = minutesToMs(config.intervalMinutes);
  const warmUpDays = config.warmUpDays ?? 0;
  const simulatedStartMs = zone.wallDaysAfter(startMs, -warmUpDays);
  const endMs = runEndMs(zone, startMs, config.days);
  const wallClock = simulatedStartMs !== startMs - warmUpDays * MS_PER_DAY || endMs !== startMs + config.days * MS_PER_DAY;
  return {
    simulatedStartMs,
    startMs,
    endMs,
    // The 24-hour arithmetic as before where the clock does not change (byte-identical interval counts).
    warmUpIntervals: wallClock ? Math.round((startMs - simulatedStartMs) / stepMs) : warmUpDays * Math.round((24 * 60) / config.intervalMinutes),
    reportedIntervals: wallClock ? Math.round((endMs - startMs) / stepMs) : Math.round((config.days * MS_PER_DAY) / stepMs),
    wallClock,
  };
}

/**
 * The span as `validate` and `run` print it where it is not `days` × 24 hours (else undefined: those runs print as they
 * always did): `7 day(s) on the wall clock of Europe/Amsterdam: 2026-03-22T23:00:00Z to 2026-03-29T22:00:00Z, 167 hours,
 * 668 intervals`, and the warm-up's likewise.
 */
export function wallClockSpanNote(config: SpanConfig): string | undefined {
  const span = runSpanOf(config);
  if (!span.wallClock) return undefined;
  const zone = siteZoneOf(config);
  const hours = (ms: number): string => `${+(ms / 3_600_000).toFixed(4)} hours`;
  const warmUp = span.simulatedStartMs < span.startMs ? `; warm-up ${config.warmUpDays} day(s) from ${formatSimTime(simTime(span.simulatedStartMs))}, ${hours(span.startMs - span.simulatedStartMs)}, ${span.warmUpIntervals} intervals` : '';
  return `${config.days} day(s) on the wall clock of ${zone.name}: ${formatSimTime(simTime(span.startMs))} to ${formatSimTime(simTime(span.endMs))}, ${hours(span.endMs - span.startMs)}, ${span.reportedIntervals} intervals${warmUp}`;
}

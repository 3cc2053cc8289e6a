/**
 * The site's clock: local time at a UTC instant. The one module that owns local time.
 *
 * gridbid's `SimTime` is UTC. A site is either a fixed offset from UTC (`site.utcOffsetHours`,
 * the trivial zone) or an IANA time zone (`site.timeZone: Europe/Amsterdam`), whose offset
 * changes at daylight-saving transitions. A zone is built ONCE per run: its offsets over the
 * run's span (warm-up and look-ahead included) are read from `Intl.DateTimeFormat` (Node's ICU
 * time-zone data) into a table of segments of constant offset, and every lookup afterwards is
 * arithmetic on that table — the per-interval hot path never calls Intl. For a fixed offset the
 * table has one segment and each lookup is the same arithmetic as before time zones existed.
 *
 * Local days are wall-clock days: on a spring transition day the local day has 23 hours, on an
 * autumn one 25 (at quarter-hour intervals, 92 and 100 intervals). A local hour that does not
 * exist (02:xx on the spring day in Europe) is never the local hour of any instant; one that
 * occurs twice (02:xx on the autumn day) is the local hour of both UTC hours that show it.
 *
 * Determinism: the zone data is the ICU build's, so outputs are identical for a given Node build;
 * a Node with other tz data may place a future transition elsewhere (governments change them).
 *
 * Pure: no clock reads; construction of an IANA zone calls Intl, lookups do not.
 */
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from './time.ts';

/** One stretch of constant offset: from `startMs` (UTC ms; −∞ for the first) on, local = UTC + `offsetMs`. */
export interface ZoneSegment {
  readonly startMs: number;
  readonly offsetMs: number;
}

/** A daylight-saving (or other) change of offset: at `atMs` (UTC) the offset goes from `fromOffsetMs` to `toOffsetMs`. */
export interface ZoneTransition {
  readonly atMs: number;
  readonly fromOffsetMs: number;
  readonly toOffsetMs: number;
}

/**
 * A site's clock. `name` is the IANA name or `UTC+02:00` for a fixed offset. Lookups outside the
 * span the zone was built for answer with the offset at the span's nearest end (the span is the
 * run's, with a margin of days on each side: nothing in a run asks beyond it).
 */
export class SiteZone {
  /** Segment starts (UTC ms), ascending; the first is −Infinity. */
  private readonly startsMs: Float64Array;
  private readonly offsetsMs: Float64Array;
  /** The offset when the table has one segment (a fixed offset, or an IANA zone without a change in the table's span): the fast path. */
  private readonly fixedOffsetMs: number | undefined;
  /**
   * The offset, hours, when it does not change within the run (`runFromMs`–`runToMs` of `iana`; for
   * a fixed offset, the number the scenario gave, unchanged); undefined across a daylight-saving change.
   */
  readonly fixedOffsetHours: number | undefined;
  /** Every offset, hours, the zone takes within the run, in time order (one for a fixed offset). */
  readonly runOffsetsHours: readonly number[];

  private constructor(
    readonly name: string,
    segments: readonly ZoneSegment[],
    /** Whether `name` is an IANA zone (else a fixed offset). */
    readonly iana: boolean,
    runOffsetsHours: readonly number[],
  ) {
    this.startsMs = Float64Array.from(segments, (s, i) => (i === 0 ? -Infinity : s.startMs));
    this.offsetsMs = Float64Array.from(segments, (s) => s.offsetMs);
    this.fixedOffsetMs = segments.length === 1 ? segments[0]!.offsetMs : undefined;
    this.runOffsetsHours = Object.freeze([...runOffsetsHours]);
    this.fixedOffsetHours = runOffsetsHours.length === 1 ? runOffsetsHours[0] : undefined;
  }

  /** The trivial zone: local = UTC + `utcOffsetHours` at every instant. */
  static fixed(utcOffsetHours: number): SiteZone {
    if (!Number.isFinite(utcOffsetHours)) throw new RangeError(`a UTC offset must be a finite number of hours, got ${utcOffsetHours}`);
    return new SiteZone(fixedOffsetName(utcOffsetHours * MS_PER_HOUR), [{ startMs: -Infinity, offsetMs: utcOffsetHours * MS_PER_HOUR }], false, [utcOffsetHours]);
  }

  /**
   * An IANA zone's offsets over `[fromMs, toMs)` (UTC), read from Intl once; the run itself is
   * `[runFromMs, runToMs)` within it (default: the whole span), over which `fixedOffsetHours` is
   * judged. Throws a RangeError for a name Intl does not know (check it first with `ianaZoneProblem`).
   */
  static iana(timeZone: string, fromMs: number, toMs: number, runFromMs = fromMs, runToMs = toMs): SiteZone {
    const probe = intlOffsetReader(timeZone);
    const segments: ZoneSegment[] = [{ startMs: -Infinity, offsetMs: probe(fromMs) }];
    // Sample every 6 hours (no zone changes offset twice within 6 hours) and bisect each change to the minute.
    const stepMs = 6 * MS_PER_HOUR;
    let t = fromMs;
    let offset = segments[0]!.offsetMs;
    while (t < toMs) {
      const next = Math.min(t + stepMs, toMs);
      const nextOffset = probe(next);
      if (nextOffset !== offset) {
        let lo = t; // offset(lo) = offset
        let hi = next; // offset(hi) = nextOffset
        while (hi - lo > MS_PER_MINUTE) {
          const mid = lo + Math.floor((hi - lo) / 2 / MS_PER_MINUTE) * MS_PER_MINUTE;
          if (mid === lo) break;
          if (probe(mid) === offset) lo = mid;
          else hi = mid;
        }
        segments.push({ startMs: hi, offsetMs: nextOffset });
        offset = nextOffset;
      }
      t = next;
    }
    const runOffsets = new Set<number>();
    segments.forEach((s, i) => {
      const end = i + 1 < segments.length ? segments[i + 1]!.startMs : Infinity;
      if (s.startMs < runToMs && end > runFromMs) runOffsets.add(s.offsetMs / MS_PER_HOUR);
    });
    return new SiteZone(timeZone, segments, true, [...runOffsets]);
  }

  /** The table: stretches of constant offset, in time order (the first from −∞). */
  get segments(): ZoneSegment[] {
    return Array.from(this.startsMs, (startMs, i) => ({ startMs, offsetMs: this.offsetsMs[i]! }));
  }

  /** The changes of offset within the span, in time order (none for a fixed offset). */
  get transitions(): ZoneTransition[] {
    const out: ZoneTransition[] = [];
    for (let i = 1; i < this.startsMs.length; i++) out.push({ atMs: this.startsMs[i]!, fromOffsetMs: this.offsetsMs[i - 1]!, toOffsetMs: this.offsetsMs[i]! });
    return out;
  }

  /** The changes of offset within `[fromMs, toMs)`. */
  transitionsIn(fromMs: number, toMs: number): ZoneTransition[] {
    return this.transitions.filter((x) => x.atMs >= fromMs && x.atMs < toMs);
  }

  /** Every offset the zone takes within `[fromMs, toMs)`, hours, in time order. */
  offsetsHoursIn(fromMs: number, toMs: number): number[] {
    if (this.fixedOffsetHours !== undefined && this.startsMs.length === 1) return [this.fixedOffsetHours];
    const out = new Set<number>();
    for (let i = 0; i < this.startsMs.length; i++) {
      const end = i + 1 < this.startsMs.length ? this.startsMs[i + 1]! : Infinity;
      if (this.startsMs[i]! < toMs && end > fromMs) out.add(this.offsetsMs[i]! / MS_PER_HOUR);
    }
    return [...out];
  }

  /** Local time − UTC at the instant `t`, ms. */
  offsetMsAt(t: number): number {
    if (this.fixedOffsetMs !== undefined) return this.fixedOffsetMs;
    const starts = this.startsMs;
    // Few segments (two a year): a scan from the end is as fast as a search.
    let i = starts.length - 1;
    while (t < starts[i]!) i--;
    return this.offsetsMs[i]!;
  }

  /** The instant's wall-clock reading as ms since 1970-01-01 00:00 local ("local epoch ms"). */
  localMs(t: number): number {
    return t + this.offsetMsAt(t);
  }

  /** Local day number: whole local days since 1970-01-01 (local), the day containing `t`. */
  localDayNumber(t: number): number {
    return Math.floor(this.localMs(t) / MS_PER_DAY);
  }

  /** Milliseconds of wall clock since local midnight, in [0, MS_PER_DAY). */
  localMsOfDay(t: number): number {
    const local = this.localMs(t);
    return ((local % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  }

  /** Local (wall-clock) hour of day as a fraction in [0, 24): 17.25 for 17:15 local. */
  localHourOfDay(t: number): number {
    return this.localMsOfDay(t) / MS_PER_HOUR;
  }

  /** Local day of week, 0 = Sunday … 6 = Saturday. */
  localWeekday(t: number): number {
    return weekdayOfDayNumber(this.localDayNumber(t));
  }

  /**
   * The UTC instant the local day `dayNumber` starts: its local midnight, or, where a transition
   * skips midnight, the first instant of that day.
   */
  dayStartMs(dayNumber: number): number {
    const wall = dayNumber * MS_PER_DAY;
    if (this.fixedOffsetMs !== undefined) return wall - this.fixedOffsetMs;
    let best = Infinity;
    const n = this.startsMs.length;
    for (let i = 0; i < n; i++) {
      const end = i + 1 < n ? this.startsMs[i + 1]! : Infinity;
      const u = wall - this.offsetsMs[i]!;
      // The instant showing local midnight in this segment, if it lies in it.
      if (u >= this.startsMs[i]! && u < end) best = Math.min(best, u);
      // A segment whose first instant is already on that day (midnight skipped by a forward jump).
      else if (i > 0 && this.startsMs[i]! < best && Math.floor((this.startsMs[i]! + this.offsetsMs[i]!) / MS_PER_DAY) === dayNumber) best = this.startsMs[i]!;
    }
    return best;
  }

  /** The UTC instant of the start of the local day containing `t`. */
  localMidnight(t: number): number {
    if (this.fixedOffsetMs !== undefined) return t - this.localMsOfDay(t);
    return this.dayStartMs(this.localDayNumber(t));
  }

  /** The start of the local day after the one starting at `dayStartMs` (24 h later, or 23 h / 25 h across a daylight-saving change). */
  nextDayStart(dayStartMs: number): number {
    if (this.fixedOffsetMs !== undefined) return dayStartMs + MS_PER_DAY;
    return this.dayStartMs(this.localDayNumber(dayStartMs) + 1);
  }

  /**
   * The UTC instant at which the wall clock shows `hours` (may pass 24: the next day) after the
   * local midnight of the day starting at `dayStartMs` (where a change skipped that midnight, the
   * day starts at 01:00 and its hours still count from 00:00 on the wall). Where no change of offset lies between, that is `hours` of
   * elapsed time, computed as `dayStartMs + hours × 1 h` (the fixed-offset arithmetic, bit for
   * bit). A wall time that occurs twice (autumn) is its first occurrence; one that does not exist
   * (spring, 02:30 in Europe) is the instant as many minutes past the jump (03:30 summer time),
   * as Temporal's `compatible` disambiguation does.
   */
  wallClockAfter(dayStartMs: number, hours: number): number {
    const naive = dayStartMs + hours * MS_PER_HOUR;
    if (this.fixedOffsetMs !== undefined) return naive;
    // A day whose midnight a change skipped (Santiago in September) starts at 01:00 on the wall, not at 00:00:
    // its hours count from the wall's midnight, not from the day's first instant (audit A-dst).
    const intoDayMs = this.localMsOfDay(dayStartMs);
    if (intoDayMs !== 0) return this.instantShowing(this.localMs(dayStartMs) - intoDayMs + hours * MS_PER_HOUR);
    const shift = this.offsetMsAt(dayStartMs) - this.offsetMsAt(naive);
    if (shift === 0) return naive;
    const moved = naive + shift;
    // `moved` shows the wall time when its offset is the one assumed; else the wall time falls in a gap.
    return this.offsetMsAt(moved) === this.offsetMsAt(naive) ? moved : naive;
  }

  /**
   * The instant `days` days of wall clock after `t` (before it for negative `days`): the instant the wall shows `t`'s wall
   * time plus `days` × 24 hours. A run's length and its warm-up count calendar days this way, so that 7 days from a
   * local midnight end at a local midnight across a daylight-saving change (167 or 169 hours, not 168). Where no change
   * of offset lies between `t` and `t + days × 24 h` (nor in the day before the earlier of them) that is `t + days × 24 h`, computed so (bit for bit the 24-hour
   * arithmetic: fixed offsets and a zone without a change in the span are unchanged). A wall time that shows twice is
   * its first occurrence (going back onto the hour an autumn change repeats, too), one in a forward jump the instant as many minutes past the jump (`wallClockAfter`'s rules).
   */
  wallDaysAfter(t: number, days: number): number {
    // No days after t is t, also at the second showing of a repeated hour: the wall time read back from the table is its
    // first showing, an hour earlier (fuzz --tariffs seed 21427: a run from Santiago's 03:00 UTC on 5 April 2026 began
    // with an hour of warm-up without warmUpDays, and on a plane billed 4 April twice).
    if (days === 0) return t;
    const naive = t + days * MS_PER_DAY;
    if (this.fixedOffsetMs !== undefined) return naive;
    // A change within [from − 1 day, to]? Then the wall clock decides. A change up to a day before `from` counts too: going
    // back from just after an autumn change's day, `naive` can be the second instant showing its wall time (01:30 UTC on
    // 25 October in Amsterdam, for 02:30 on the 26th), with no change between it and `t` (audit Z-clock2). A scan of the
    // table, not `transitions`: VEE asks this for every like day it looks up.
    const from = Math.min(t, naive) - MS_PER_DAY;
    const to = Math.max(t, naive);
    let changes = false;
    for (let i = 1; i < this.startsMs.length && !changes; i++) changes = this.startsMs[i]! >= from && this.startsMs[i]! <= to;
    if (!changes) return naive;
    return this.instantShowing(this.localMs(t) + days * MS_PER_DAY);
  }

  /** This zone's table judged over another run, `[runFromMs, runToMs)` (its `fixedOffsetHours` and `runOffsetsHours`): no Intl call. */
  forRun(runFromMs: number, runToMs: number): SiteZone {
    return new SiteZone(this.name, this.segments, this.iana, this.offsetsHoursIn(runFromMs, runToMs));
  }

  /**
   * The instant whose wall clock shows `wallMs` (local epoch ms): its first occurrence where it shows twice, and where
   * it shows never (in a forward jump) the instant as many minutes past the jump (Temporal's `compatible`). Assumes, as
   * the table's sampling does, no two changes within a day of each other.
   */
  private instantShowing(wallMs: number): number {
    const before = this.offsetMsAt(wallMs - MS_PER_DAY);
    const after = this.offsetMsAt(wallMs + MS_PER_DAY);
    const shows = [before, after].filter((o) => this.offsetMsAt(wallMs - o) === o).map((o) => wallMs - o);
    return shows.length > 0 ? Math.min(...shows) : wallMs - before;
  }

  /** Length of the local day `dayNumber`, ms: 24 h, or 23 h / 25 h on a daylight-saving day. */
  dayLengthMs(dayNumber: number): number {
    return this.dayStartMs(dayNumber + 1) - this.dayStartMs(dayNumber);
  }
}

/** Day of week of a day number (local days since 1970-01-01), 0 = Sunday … 6 = Saturday. */
export function weekdayOfDayNumber(dayNumber: number): number {
  // 1970-01-01 (day 0) was a Thursday (4).
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/** `UTC+02:00`, `UTC−07:00`, `UTC+05:45`, `UTC`. */
export function fixedOffsetName(offsetMs: number): string {
  if (offsetMs === 0) return 'UTC';
  const minutes = Math.round(Math.abs(offsetMs) / MS_PER_MINUTE);
  return `UTC${offsetMs < 0 ? '−' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * Why `timeZone` is not a time zone a site can be in, or undefined when it is one: an IANA name
 * Node's ICU knows (`Europe/Amsterdam`, `America/Los_Angeles`, `UTC`). An offset such as `+02:00`
 * is not a zone (that is `site.utcOffsetHours`).
 */
export function ianaZoneProblem(timeZone: string, options: { readonly named?: boolean } = {}): string | undefined {
  const expectation = 'expected an IANA time zone name such as Europe/Amsterdam or America/Los_Angeles (a fixed offset is site.utcOffsetHours)';
  // The scenario's messages add ", got '…'" themselves (core/yamlIssues.ts): named: false leaves the name to them.
  const name = options.named === false ? '' : ` '${timeZone}'`;
  if (/^[+-−]?\d/.test(timeZone) || /^(UTC|GMT)[+-−]\d/i.test(timeZone)) return `${options.named === false ? 'an offset' : `'${timeZone}' is an offset`}, not a time zone: ${expectation}`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return undefined;
  } catch {
    return `unknown time zone${name}: ${expectation}`;
  }
}

/** Reads a zone's offset at an instant from Intl (for building the table, and for tests that check it). */
export function intlOffsetReader(timeZone: string): (t: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (t: number): number => {
    const fields: Record<string, number> = {};
    for (const p of format.formatToParts(t)) if (p.type !== 'literal') fields[p.type] = Number(p.value);
    const wall = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
    // Intl shows whole seconds: compare with the instant floored to the second.
    return wall - Math.floor(t / 1000) * 1000;
  };
}

/**
 * Critical-peak events: when they are known and when they are in effect. Pure.
 *
 * An event on day D of a tariff with event window `[from, to)` and `noticeHours` N:
 *
 *     window        = [D + from, D + to)
 *     announcedAt   = as given, default D + from − N (exactly the notice, no more)
 *     known at t   ⇔ t ≥ announcedAt                                   (isEventAnnounced)
 *     effectiveFrom = max(D + from, announcedAt + N)
 *     event price at t ⇔ effectiveFrom ≤ t < D + to, and the event is known
 *
 * So the tariff knows an event only once it is announced, and a late announcement
 * (less notice than the tariff promises) shortens the event instead of pricing hours
 * the customer was not warned about.
 */
import type { SimTime } from '../core/time.ts';
import { MS_PER_DAY, MS_PER_HOUR, parseSimTime, simTime } from '../core/time.ts';
import { dayStart } from './calendar.ts';
import { assertUtcHours } from './localHours.ts';
import type { CppEvent, CriticalPeakTariff, Tariff } from './types.ts';
import { TariffError } from './types.ts';

/** An event resolved against its tariff: the times that decide its price. */
export interface EventWindow {
  readonly event: CppEvent;
  /** The event window on the event day. */
  readonly start: SimTime;
  readonly end: SimTime;
  /** From when the event price applies: `max(start, announcedAt + noticeHours)`. */
  readonly effectiveFrom: SimTime;
}

const scheduledCache = new WeakMap<CriticalPeakTariff, readonly CppEvent[]>();

/**
 * The tariff's scheduled events as `CppEvent`s. A spec whose date or announcement
 * does not parse (the schema rejects those) is skipped.
 */
export function resolveScheduledEvents(tariff: CriticalPeakTariff): readonly CppEvent[] {
  const cached = scheduledCache.get(tariff);
  if (cached) return cached;
  const out: CppEvent[] = [];
  assertUtcHours(tariff);
  for (const spec of tariff.events) {
    const day = parseSimTime(spec.date);
    if (day === undefined) continue;
    const announcedAt =
      spec.announcedAt === undefined
        ? simTime(tariff.wallClock === undefined ? day + (tariff.eventWindow.fromHour - tariff.noticeHours) * MS_PER_HOUR : windowOnDate(tariff, day).start - tariff.noticeHours * MS_PER_HOUR)
        : parseSimTime(spec.announcedAt);
    if (announcedAt === undefined) continue;
    out.push({ id: spec.id, tariffId: tariff.id, day: simTime(dayStart(day)), announcedAt });
  }
  const frozen = Object.freeze(out);
  scheduledCache.set(tariff, frozen);
  return frozen;
}

/**
 * Every event of a critical-peak tariff: those it schedules plus the run-time ones
 * for it (no `tariffId`, or its id). The same id twice is fine when both say the same
 * thing; otherwise throws `TariffError('conflicting-event')`. Empty for other tariff types.
 */
export function eventsOf(tariff: Tariff, runtime: readonly CppEvent[] = []): readonly CppEvent[] {
  if (tariff.type !== 'critical-peak') return [];
  const scheduled = resolveScheduledEvents(tariff);
  if (runtime.length === 0) return scheduled;
  const byId = new Map<string, CppEvent>();
  for (const e of [...scheduled, ...runtime]) {
    if (e.tariffId !== undefined && e.tariffId !== tariff.id) continue;
    const seen = byId.get(e.id);
    if (seen === undefined) byId.set(e.id, e);
    else if (seen.day !== e.day || seen.announcedAt !== e.announcedAt)
      throw new TariffError('conflicting-event', `critical-peak event '${e.id}' of tariff '${tariff.id}' is given twice with different times`);
  }
  return [...byId.values()];
}

/**
 * Whether the tariff knows event `eventId` at time `at`: the event exists (scheduled
 * in the tariff or among `runtime`) and `at ≥ announcedAt`. False for unknown ids and
 * for tariffs that are not critical-peak.
 */
export function isEventAnnounced(tariff: Tariff, eventId: string, at: SimTime, runtime: readonly CppEvent[] = []): boolean {
  const e = eventsOf(tariff, runtime).find((x) => x.id === eventId);
  return e !== undefined && at >= e.announcedAt;
}

/**
 * The event window on the date whose UTC midnight is `dateMs`, for a tariff read on a wall clock: the date is the
 * local one, and the window's hours are the wall's (`SiteZone.wallClockAfter`), so a 23- or 25-hour day moves them.
 */
function windowOnDate(tariff: CriticalPeakTariff, dateMs: number): { readonly start: number; readonly end: number } {
  const zone = tariff.wallClock!;
  const midnight = zone.dayStartMs(Math.floor(dateMs / MS_PER_DAY));
  return { start: zone.wallClockAfter(midnight, tariff.eventWindow.fromHour), end: zone.wallClockAfter(midnight, tariff.eventWindow.toHour) };
}

export function eventWindow(tariff: CriticalPeakTariff, event: CppEvent): EventWindow {
  assertUtcHours(tariff);
  const day = dayStart(event.day);
  const onWall = tariff.wallClock === undefined ? undefined : windowOnDate(tariff, day);
  const start = onWall?.start ?? day + tariff.eventWindow.fromHour * MS_PER_HOUR;
  const end = onWall?.end ?? day + tariff.eventWindow.toHour * MS_PER_HOUR;
  const effectiveFrom = Math.max(start, event.announcedAt + tariff.noticeHours * MS_PER_HOUR);
  return { event, start: simTime(start), end: simTime(end), effectiveFrom: simTime(effectiveFrom) };
}

/**
 * The known events of a tariff, indexed by UTC day, for repeated lookups.
 * `knownBy`: events announced after it are left out (Infinity: all of them).
 */
export class EventCalendar {
  private readonly byDay = new Map<number, EventWindow[]>();

  constructor(tariff: CriticalPeakTariff, runtime: readonly CppEvent[], knownBy: number) {
    for (const e of eventsOf(tariff, runtime)) {
      if (e.announcedAt > knownBy) continue;
      const w = eventWindow(tariff, e);
      if (w.effectiveFrom >= w.end) continue; // announced too late to take effect at all
      // Under every UTC day the window touches: a window in local hours (tariffs/localHours.ts) may start
      // before its date's UTC midnight or end after the next one.
      for (let day = dayStart(w.start); day < w.end; day += MS_PER_DAY) {
        const list = this.byDay.get(day);
        if (list) list.push(w);
        else this.byDay.set(day, [w]);
      }
    }
  }

  /** The windows of known, effective events that overlap `[startMs, endMs)`. */
  windowsOverlapping(startMs: number, endMs: number): EventWindow[] {
    const out: EventWindow[] = [];
    for (let day = dayStart(startMs); day < endMs; day += MS_PER_DAY) {
      for (const w of this.byDay.get(day) ?? []) if (w.start < endMs && startMs < w.end && !out.includes(w)) out.push(w);
    }
    return out;
  }

  /** The event in effect at the instant `t`, if any. */
  activeAt(t: number): EventWindow | undefined {
    return this.byDay.get(dayStart(t))?.find((w) => t >= w.effectiveFrom && t < w.end);
  }
}

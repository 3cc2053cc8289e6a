/**
 * The market timeline as an RxJS operator: the clock's intervals in, the stages' clearing
 * events out, in the order their gates close. Each real-time interval is one event at its
 * gate; a day-ahead auction is one event at its gate, emitted before the first real-time
 * event whose gate is at or after it (an auction whose gate closed before the run started
 * clears first, at the run's first gate). Synchronous, in virtual time: events carry their
 * gate time and nothing waits on a clock.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { SimTime } from '../core/time.ts';
import type { SiteZone } from '../core/siteZone.ts';

/** One day-ahead auction: its gate and the delivery intervals it clears (run interval numbers). */
export interface DayAheadAuction {
  readonly at: SimTime;
  readonly firstInterval: number;
  readonly intervalCount: number;
}

/** The smallest view of an interval the timeline needs. */
export interface TimedInterval {
  readonly index: number;
  readonly gateClosure: SimTime;
}

export type StageEvent<I extends TimedInterval = TimedInterval> =
  | { readonly stage: 'dayAhead'; readonly at: SimTime; readonly auction: DayAheadAuction }
  | { readonly stage: 'realTime'; readonly at: SimTime; readonly interval: I };

/**
 * @param auctions the day-ahead auctions of the run (none for a `[realTime]` timeline), in any order.
 */
export function stageTimeline<I extends TimedInterval>(auctions: readonly DayAheadAuction[]): OperatorFunction<I, StageEvent<I>> {
  const pending = [...auctions].sort((a, b) => a.at - b.at || a.firstInterval - b.firstInterval);
  return (source) =>
    new Observable<StageEvent<I>>((subscriber) => {
      let next = 0;
      return source.subscribe({
        next(interval) {
          while (next < pending.length && pending[next]!.at <= interval.gateClosure) {
            const auction = pending[next++]!;
            subscriber.next({ stage: 'dayAhead', at: auction.at, auction });
          }
          subscriber.next({ stage: 'realTime', at: interval.gateClosure, interval });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}

/**
 * The day-ahead auctions of a run: one per local delivery day that overlaps the run, its gate
 * at `gateMinutesFromMidnight` (minutes from the delivery day's local midnight, negative
 * before it: D−1 12:00 is −720), delivering the run's intervals within that day. On the site's
 * clock `zone`: a fixed offset (or a zone with one offset over the run) gives 24-hour days; across
 * a daylight-saving change the delivery day is the local day, 23 or 25 hours (92 or 100
 * quarter hours), and the gate is its wall-clock time on day D − k (12:00 is 12:00 on the wall).
 */
export function dayAheadAuctions(run: { readonly start: number; readonly intervalMinutes: number; readonly intervals: number }, zone: SiteZone, gateMinutesFromMidnight: number): DayAheadAuction[] {
  if (zone.fixedOffsetHours === undefined) return wallClockAuctions(run, zone, gateMinutesFromMidnight);
  // One offset over the run, but a gate before its start may lie across a change (D−2 12:00 before a spring change,
  // for a run that starts after it): the wall clock then places that gate (audit A-dst). A day of margin covers the
  // run's first delivery day starting before its start.
  const earliestGate = run.start + Math.min(0, gateMinutesFromMidnight) * 60_000 - 24 * 3_600_000;
  if (zone.transitionsIn(earliestGate, run.start).length > 0) return wallClockAuctions(run, zone, gateMinutesFromMidnight);
  const utcOffsetHours = zone.fixedOffsetHours;
  const step = run.intervalMinutes * 60_000;
  const day = 24 * 3_600_000;
  const offset = utcOffsetHours * 3_600_000;
  const out: DayAheadAuction[] = [];
  const end = run.start + run.intervals * step;
  // Local midnight (as UTC ms) at or before the run's start.
  let midnight = Math.floor((run.start + offset) / day) * day - offset;
  for (; midnight < end; midnight += day) {
    const first = Math.max(0, Math.ceil((midnight - run.start) / step));
    const last = Math.min(run.intervals, Math.ceil((midnight + day - run.start) / step));
    if (last > first) out.push({ at: (midnight + gateMinutesFromMidnight * 60_000) as SimTime, firstInterval: first, intervalCount: last - first });
  }
  return out;
}

/** `dayAheadAuctions` across a change of offset: delivery days are the zone's local days, gates on its wall clock. */
function wallClockAuctions(run: { readonly start: number; readonly intervalMinutes: number; readonly intervals: number }, zone: SiteZone, gateMinutesFromMidnight: number): DayAheadAuction[] {
  const step = run.intervalMinutes * 60_000;
  const out: DayAheadAuction[] = [];
  const end = run.start + run.intervals * step;
  const gateDaysBefore = Math.floor(gateMinutesFromMidnight / 1440);
  const gateHours = (gateMinutesFromMidnight - gateDaysBefore * 1440) / 60;
  for (let d = zone.localDayNumber(run.start); zone.dayStartMs(d) < end; d++) {
    const midnight = zone.dayStartMs(d);
    const next = zone.dayStartMs(d + 1);
    const first = Math.max(0, Math.ceil((midnight - run.start) / step));
    const last = Math.min(run.intervals, Math.ceil((next - run.start) / step));
    const at = zone.wallClockAfter(zone.dayStartMs(d + gateDaysBefore), gateHours);
    if (last > first) out.push({ at: at as SimTime, firstInterval: first, intervalCount: last - first });
  }
  return out;
}

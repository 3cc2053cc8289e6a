/**
 * The one clock. Market intervals are emitted in virtual time, synchronously and
 * as fast as the CPU allows: nothing here waits on wall time or real timers.
 */
import { Observable, map, range } from 'rxjs';
import { type SimTime, MS_PER_HOUR, minutesToMs, simTime } from './time.ts';
import { type Hours, hours } from './units.ts';

export interface MarketInterval {
  readonly index: number;
  readonly start: SimTime;
  readonly end: SimTime;
  readonly durationH: Hours;
  /** Bids for this interval must arrive at or before this time. */
  readonly gateClosure: SimTime;
}

export interface ClockSpec {
  readonly start: SimTime;
  readonly intervalMinutes: number;
  readonly intervals: number;
  /** How long before an interval starts its gate closes. */
  readonly gateClosureMinutes: number;
}

export function intervalAt(spec: ClockSpec, index: number): MarketInterval {
  const step = minutesToMs(spec.intervalMinutes);
  const start = simTime(spec.start + index * step);
  return {
    index,
    start,
    end: simTime(start + step),
    durationH: hours(step / MS_PER_HOUR),
    gateClosure: simTime(start - minutesToMs(spec.gateClosureMinutes)),
  };
}

/** Emits every market interval of the horizon, in order, then completes. */
export function marketClock(spec: ClockSpec): Observable<MarketInterval> {
  return range(0, spec.intervals).pipe(map((i) => intervalAt(spec, i)));
}

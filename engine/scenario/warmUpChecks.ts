/**
 * What `validate` refuses about a warm-up (`warmUpDays`, engine/warmUp.ts): dated events that would
 * fall in it, where they would act unreported, and what the warm-up does not support yet.
 * Faults dated in the warm-up are refused with the run's other fault times (scenario/load.ts).
 */
import { siteZoneOf } from './siteZone.ts';
import { MS_PER_DAY, MS_PER_HOUR, formatSimTime, parseSimTime, simTime } from '../../core/time.ts';
import type { ScenarioConfig } from './schema.ts';
import { simulatedStart } from '../warmUp.ts';

export interface WarmUpProblem {
  readonly path: PropertyKey[];
  readonly message: string;
  readonly atKey?: boolean;
}

/** The warm-up's span as `validate` names it: `[from, to)` in ISO-8601 UTC, and the key that sets it. */
export function warmUpSpan(s: Pick<ScenarioConfig, 'start' | 'warmUpDays' | 'days' | 'intervalMinutes' | 'site'>): string {
  const start = parseSimTime(s.start)!;
  return `the warm-up (warmUpDays: ${s.warmUpDays}) runs from ${formatSimTime(simTime(simulatedStart(s)))} to ${formatSimTime(start)} and is reported nowhere`;
}

export function warmUpProblems(s: ScenarioConfig): WarmUpProblem[] {
  if (s.warmUpDays === 0) return [];
  const out: WarmUpProblem[] = [];
  const start = parseSimTime(s.start)!;
  const from = simulatedStart(s);
  // On a plane the run settles again from the MDMS at its end, over every interval it captured, and writes every
  // message: neither is gated by the warm-up yet (engine/warmUp.ts), so the two are refused together, not half-reported.
  if (s.comms !== 'ideal') out.push({ path: ['warmUpDays'], message: `a warm-up is not supported on a communication plane yet (its messages and final settlement from the MDMS would include the warm-up): use comms: ideal, or warmUpDays: 0`, atKey: true });
  // A critical-peak event in the warm-up would raise prices nobody sees in the outputs: a scenario that dates one
  // there has most likely mistaken the warm-up for part of the run.
  s.tariffs.forEach((t, i) => {
    if (t.type !== 'critical-peak') return;
    const zone = siteZoneOf(s);
    t.events.forEach((e, k) => {
      const utcDay = Date.parse(`${e.date}T00:00:00Z`);
      // The event's date is local for a tariff in local hours: the day starts at its local midnight.
      const day = t.hours === 'local' ? zone.dayStartMs(utcDay / MS_PER_DAY) : utcDay;
      // Wall-clock hours on a local date (a daylight-saving day moves them); for UTC hours, day + hours.
      const eventFrom = t.hours === 'local' ? zone.wallClockAfter(day, t.eventWindow.fromHour) : day + t.eventWindow.fromHour * MS_PER_HOUR;
      const eventTo = t.hours === 'local' ? zone.wallClockAfter(day, t.eventWindow.toHour) : day + t.eventWindow.toHour * MS_PER_HOUR;
      if (eventTo > from && eventFrom < start)
        out.push({ path: ['tariffs', i, 'events', k, 'date'], message: `${e.date}: the event (${formatSimTime(simTime(eventFrom))} to ${formatSimTime(simTime(eventTo))}) falls in the warm-up; ${warmUpSpan(s)}: date events from ${s.start} on` });
    });
  });
  return out;
}

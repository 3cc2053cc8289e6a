/**
 * What validate must refuse because of the site's clock (audit A-dst), predicted from a scenario's document by the
 * fuzzer itself: for every offset the site's clock takes in the run (its warm-up included; two across a
 * daylight-saving change, read through core/siteZone.ts by `siteClock`), a tariff in local hours whose price
 * boundaries fall inside a meter reading (docs/time.md: "validate checks the meter intervals against the local
 * boundaries in every offset of the run"), and a demand charge in local hours whose windows, blocks of the local clock,
 * would start at other minutes of UTC in one offset than in another (a window would straddle the change), a demand charge
 * on UTC hours whose windows local midnight falls inside in some offset (a billing day's end); and `days` or
 * `warmUpDays` that are no whole number of intervals on the wall clock (calendar days: docs/time.md "A run's length").
 *
 * Each prediction is the path of the tariff it concerns (`tariffs[i]`, or `days` / `warmUpDays`); the fuzzer requires validate to refuse the
 * scenario with an issue located under that path (test/fuzz/run.ts), and counts such a refusal as expected.
 * Deliberately simple: only the boundaries the generator writes (time-of-use rules, a critical-peak event window,
 * holidays' local midnights under a holiday period, demand windows); a boundary it does not predict and validate
 * refuses is still a located refusal.
 */
import { siteClock } from './check.ts';

export interface ZoneRefusal {
  /** `tariffs[i]`: validate's issue must be at this path or under it. */
  readonly path: string;
  readonly why: string;
}

const mod = (a: number, m: number): number => ((a % m) + m) % m;

/** The refusals the site's clock calls for in the scenario document `doc` (parsed YAML of a generated scenario). */
export function zoneRefusals(doc: Record<string, any>): ZoneRefusal[] {
  const out: ZoneRefusal[] = [];
  const tariffs = (doc.tariffs ?? []) as Array<Record<string, any>>;
  const minutes = Number(doc.intervalMinutes);
  const startMs = Date.parse(String(doc.start));
  const clock = siteClock({ start: String(doc.start), days: Number(doc.days), warmUpDays: doc.warmUpDays, site: doc.site });
  // Whole days are calendar days of the site's clock, a fraction of one elapsed time after them (docs/time.md, "A run's length").
  const days = Number(doc.days);
  const fromMs = clock.wallDaysAfter(startMs, -Number(doc.warmUpDays ?? 0));
  const toMs = clock.wallDaysAfter(startMs, Math.floor(days)) + (days - Math.floor(days)) * 86_400_000;
  // A run and its warm-up are whole intervals: across Lord Howe's 30-minute change hourly intervals do not fill a day.
  const stepMs = minutes * 60_000;
  const offGrid = (ms: number): boolean => Math.abs(ms - Math.round(ms / stepMs) * stepMs) > 1e-3;
  if (offGrid(toMs - startMs)) out.push({ path: 'days', why: `${days} day(s) on the wall clock are ${(toMs - startMs) / 60_000} minutes, not whole ${minutes}-minute intervals` });
  if (offGrid(startMs - fromMs)) out.push({ path: 'warmUpDays', why: `the warm-up's ${doc.warmUpDays} day(s) on the wall clock are ${(startMs - fromMs) / 60_000} minutes, not whole ${minutes}-minute intervals` });
  const offsets = clock.offsetsHoursIn(fromMs, toMs);
  // A demand charge on UTC hours: every billing day ends at local midnight, which must be a window boundary in every
  // offset of the run and its warm-up (tariffs/compat.ts; fuzz --tariffs seed 20518: a 20-minute window, Lord Howe's
  // midnight at 13:00 UTC in the run and 13:30 in the warm-up's +10:30).
  tariffs.forEach((t, i) => {
    if (t.type !== 'demand-charge' || t.hours === 'local') return;
    const bad = offsets.find((o) => mod(Math.round(-o * 60), 1440) % t.demandWindowMinutes !== 0);
    if (bad !== undefined) out.push({ path: `tariffs[${i}]`, why: `local midnight at UTC${bad >= 0 ? '+' : ''}${bad} falls inside a ${t.demandWindowMinutes}-minute demand window on UTC hours` });
  });
  // A holiday period on UTC hours too: the holidays' local midnights are price boundaries, on the readings' grid in every
  // offset (tariffs/compat.ts; fuzz --tariffs seed 20650: 12-minute readings, Lord Howe's midnight at 13:30 UTC in +10:30).
  const siteHolidays = (doc.site?.holidays ?? []).length > 0;
  tariffs.forEach((t, i) => {
    if (t.type !== 'time-of-use' || t.hours === 'local' || t.holidayPeriod === undefined || !siteHolidays) return;
    const bad = offsets.find((o) => mod(Math.round(-o * 60), minutes) !== 0);
    if (bad !== undefined) out.push({ path: `tariffs[${i}]`, why: `holidays' local midnight at UTC${bad >= 0 ? '+' : ''}${bad} falls inside a ${minutes}-minute reading` });
  });
  if (!tariffs.some((t) => t.hours === 'local')) return out;
  const holidays = (doc.site?.holidays ?? []).length > 0;
  // A local hour h is the UTC minute (h − offset) × 60 of the day: on the readings' grid or inside a reading.
  const inside = (hour: number, offset: number): boolean => mod(Math.round((hour - offset) * 60), minutes) !== 0;
  tariffs.forEach((t, i) => {
    if (t.hours !== 'local') return;
    const path = `tariffs[${i}]`;
    for (const offset of offsets) {
      const hours: number[] = [];
      if (t.type === 'time-of-use') {
        for (const p of t.periods ?? []) for (const r of p.rules ?? []) hours.push(r.fromHour, r.toHour);
        if (holidays && t.holidayPeriod !== undefined) hours.push(0);
      }
      if (t.type === 'critical-peak') hours.push(t.eventWindow.fromHour, t.eventWindow.toHour);
      const bad = hours.find((h) => inside(h, offset));
      if (bad !== undefined) out.push({ path, why: `local hour ${bad} at UTC${offset >= 0 ? '+' : ''}${offset} falls inside a ${minutes}-minute reading` });
      if (t.type === 'demand-charge' && inside(0, offset) && mod(Math.round(-offset * 60), t.demandWindowMinutes) % minutes !== 0)
        out.push({ path, why: `demand windows from local midnight at UTC${offset >= 0 ? '+' : ''}${offset} start inside a ${minutes}-minute reading` });
    }
    if (t.type === 'demand-charge') {
      const phases = new Set(offsets.map((o) => mod(Math.round(-o * 60), t.demandWindowMinutes)));
      if (phases.size > 1) out.push({ path, why: `${t.demandWindowMinutes}-minute demand windows start at other minutes in the offsets ${offsets.join(' and ')} of ${clock.name}` });
    }
  });
  return out;
}

/** Whether a refusal's issues (paths as validate writes them) hold every predicted refusal: an issue at or under its path. */
export function refusalsHeld(predicted: readonly ZoneRefusal[], issuePaths: readonly (string | undefined)[]): ZoneRefusal[] {
  return predicted.filter((p) => !issuePaths.some((q) => q !== undefined && (q === p.path || q.startsWith(`${p.path}.`) || q.startsWith(`${p.path}[`))));
}

/**
 * `market.timeline`: the market stages of a run, in the order their gates close.
 *
 * ```yaml
 * market:
 *   timeline: [realTime]                      # the default: one clearing per interval
 *   timeline:                                 # two settlements
 *     - { stage: dayAhead, gateClosureLocal: "12:00", daysBefore: 1 }
 *     - realTime
 * ```
 *
 * - `realTime` (required, once): each interval clears at its gate, `gateClosureMinutes`
 *   before it starts (default `market.gateClosureMinutes`).
 * - `dayAhead` (optional, once, before `realTime`): the delivery day D (local midnight to
 *   midnight) clears as one programme at `gateClosureLocal` on day D − `daysBefore`; its
 *   intervals are `intervalMinutes` long (default the scenario's), a multiple of the
 *   scenario's interval.
 *
 * Gates must come in order and never overlap: a day-ahead gate must close before the
 * real-time gate of its delivery day's first interval. Problems are reported with the
 * path and line (engine/scenario/load.ts).
 */
import * as z from 'zod';

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time HH:MM, e.g. "12:00"');

export const dayAheadStageSchema = z.strictObject({
  stage: z.literal('dayAhead'),
  /** Local time at which the gate for delivery day D closes, on day D − daysBefore. */
  gateClosureLocal: localTime.default('12:00'),
  daysBefore: z.int().min(0).max(7).default(1),
  /** Length of a day-ahead interval, minutes (default: the scenario's intervalMinutes). */
  intervalMinutes: z.int().positive().max(24 * 60).optional(),
});

export const realTimeStageSchema = z.strictObject({
  stage: z.literal('realTime'),
  /** The gate of each interval closes this many minutes before it starts (default: market.gateClosureMinutes). */
  gateClosureMinutes: z.number().min(0).max(24 * 60).optional(),
});

export const stageSchema = z.union([z.enum(['dayAhead', 'realTime']), z.discriminatedUnion('stage', [dayAheadStageSchema, realTimeStageSchema])]);

export const timelineSchema = z.array(stageSchema).min(1).default(['realTime']);

export type DayAheadStage = z.infer<typeof dayAheadStageSchema>;
export type RealTimeStage = z.infer<typeof realTimeStageSchema>;
export type Stage = DayAheadStage | RealTimeStage;

/** The stages with their defaults filled in (a bare name is the stage with every default). */
export function normaliseTimeline(raw: ReadonlyArray<z.infer<typeof stageSchema>>): Stage[] {
  return raw.map((s) => (typeof s === 'string' ? (s === 'dayAhead' ? dayAheadStageSchema.parse({ stage: 'dayAhead' }) : { stage: 'realTime' }) : s));
}

/** A problem of a timeline: where it is (relative to `market.timeline`) and what is wrong. */
export interface TimelineProblem {
  readonly path: PropertyKey[];
  readonly message: string;
}

/**
 * The rules across stages: each stage at most once, `realTime` present, `dayAhead` listed
 * (and closing) before it, a day-ahead interval a multiple of the scenario's, and a
 * day-ahead gate strictly before the real-time gate of its delivery day's first interval.
 */
export function timelineProblems(stages: readonly Stage[], intervalMinutes: number, realTimeGateMinutes: number): TimelineProblem[] {
  const out: TimelineProblem[] = [];
  const seen = new Map<string, number>();
  stages.forEach((s, i) => {
    const first = seen.get(s.stage);
    if (first !== undefined) out.push({ path: [i], message: `the ${s.stage} stage is already timeline[${first}]: each stage appears once` });
    else seen.set(s.stage, i);
  });
  const rt = seen.get('realTime');
  const da = seen.get('dayAhead');
  if (rt === undefined) out.push({ path: [], message: 'the timeline needs a realTime stage: it is where positions become physical and deviations are priced' });
  if (da !== undefined && rt !== undefined && da > rt) {
    out.push({ path: [da], message: `out of order: the dayAhead gate closes before the realTime gates it feeds, so list dayAhead before realTime (it is timeline[${da}], realTime timeline[${rt}])` });
  }
  if (da !== undefined) {
    const d = stages[da] as DayAheadStage;
    const minutes = d.intervalMinutes ?? intervalMinutes;
    if (minutes % intervalMinutes !== 0 || (24 * 60) % minutes !== 0) {
      out.push({ path: [da, 'intervalMinutes'], message: `must be a multiple of the scenario's intervalMinutes (${intervalMinutes}) that divides a day, got ${minutes}` });
    }
    const rtGate = rt !== undefined ? ((stages[rt] as RealTimeStage).gateClosureMinutes ?? realTimeGateMinutes) : realTimeGateMinutes;
    const [hh, mm] = d.gateClosureLocal.split(':').map(Number) as [number, number];
    // Minutes from the delivery day's local midnight: the day-ahead gate, and the first real-time gate.
    const daGate = -d.daysBefore * 24 * 60 + hh * 60 + mm;
    if (daGate >= -rtGate) {
      out.push({
        path: [da, d.daysBefore === 0 ? 'daysBefore' : 'gateClosureLocal'],
        message: `overlapping gates: the dayAhead gate closes ${describe(daGate)}, not before the realTime gate of the delivery day's first interval (${describe(-rtGate)}); close it earlier`,
      });
    }
  }
  return out;
}

/** Minutes from a delivery day's local midnight, as people say it: "D−1 12:00 local". */
function describe(minutes: number): string {
  const day = Math.floor(minutes / (24 * 60));
  const m = minutes - day * 24 * 60;
  const clock = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `at ${day === 0 ? 'D' : `D${day < 0 ? '−' : '+'}${Math.abs(day)}`} ${clock} local`;
}

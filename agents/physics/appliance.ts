/**
 * Shiftable appliance (washing machine, dishwasher, dryer): a block of energy run at a
 * fixed power, so a fixed run length, that may start at or after `earliestStart` and must
 * finish by `deadline`. Once started it runs to the end (not interruptible).
 *
 * State is a small tagged value the agent machine stores:
 *   { phase: 'waiting' } → { phase: 'running', doneKwh, startedAt } → { phase: 'done', finishedAt }
 * Decisions happen at step boundaries `now` (the start of a market interval). All
 * functions are pure and never mutate a state; `stepAppliance` returns a new one.
 *
 * Typical jobs: a 40–60 °C wash ≈ 1 kWh, a dishwasher eco cycle ≈ 0.9 kWh, a
 * heat-pump dryer ≈ 1–2 kWh per cycle: the order of the per-cycle energies on EU energy
 * labels (Regulations (EU) 2019/2014 washing machines, 2019/2017 dishwashers). Real
 * cycles are not flat; a flat power is this model's simplification.
 */
import type { SimTime } from '../../core/time.ts';
import { MS_PER_HOUR, simTime } from '../../core/time.ts';
import type { Hours, Kw, Kwh } from '../../core/units.ts';
import { hours, kw, kwh } from '../../core/units.ts';

export interface ApplianceJob {
  /** Energy of the whole cycle, kWh, > 0. */
  readonly energyKwh: Kwh;
  /** Constant power while running, kW, > 0. */
  readonly powerKw: Kw;
  readonly earliestStart: SimTime;
  readonly deadline: SimTime;
}

export type ApplianceState =
  | { readonly phase: 'waiting' }
  | { readonly phase: 'running'; readonly doneKwh: Kwh; readonly startedAt: SimTime }
  | { readonly phase: 'done'; readonly finishedAt: SimTime };

export const WAITING: ApplianceState = Object.freeze({ phase: 'waiting' });

/** Energy below which a job counts as finished (absorbs round-off of many small steps), kWh. */
const ENERGY_EPSILON_KWH = 1e-9;

/** Result of one step. */
export interface ApplianceStep {
  readonly state: ApplianceState;
  /** Energy drawn during the step, kWh. */
  readonly energyKwh: Kwh;
  /** Average power over the whole step, kW (energy / Δt): what the meter sees for the interval. */
  readonly averageKw: Kw;
}

/** Run length of the whole cycle, hours: energy / power. */
export function runHours(job: ApplianceJob): Hours {
  return hours(job.energyKwh / job.powerKw);
}

/** Energy still to run, kWh: all of it while waiting, none when done. */
export function energyLeftKwh(job: ApplianceJob, state: ApplianceState): Kwh {
  switch (state.phase) {
    case 'waiting':
      return job.energyKwh;
    case 'running':
      return kwh(Math.max(0, job.energyKwh - state.doneKwh));
    case 'done':
      return kwh(0);
  }
}

/**
 * Latest start that still meets the deadline: deadline − run length (for a waiting job).
 * For a running or finished job, the deadline minus the time it still needs (so a job on
 * time has latestStart ≥ now). May be earlier than `earliestStart`: then the window is too
 * short and the job cannot meet its deadline.
 */
export function latestStart(job: ApplianceJob, state: ApplianceState = WAITING): SimTime {
  return simTime(job.deadline - (energyLeftKwh(job, state) / job.powerKw) * MS_PER_HOUR);
}

/** True when a waiting job may start now (now ≥ earliestStart). */
export function canStart(job: ApplianceJob, state: ApplianceState, now: SimTime): boolean {
  return state.phase === 'waiting' && now >= job.earliestStart;
}

/**
 * Must the appliance run during the step [now, now + Δt)? True while running (it cannot
 * pause), and for a waiting job that may start now when the next decision point
 * (now + Δt) would be after its latest start. A job whose latest start has already
 * passed also must run now (it will finish late; see `lateHours`).
 */
export function mustRunNow(job: ApplianceJob, state: ApplianceState, now: SimTime, dtHours: Hours): boolean {
  if (state.phase === 'running') return true;
  if (!canStart(job, state, now)) return false;
  return now + dtHours * MS_PER_HOUR > latestStart(job, state);
}

/**
 * Slack, hours: how long the start can still wait, (latestStart − now) in hours. 0 while
 * running (no choice left), +Infinity when done; negative when the deadline can no longer
 * be met.
 */
export function slackHours(job: ApplianceJob, state: ApplianceState, now: SimTime): Hours {
  if (state.phase === 'running') return hours(0);
  if (state.phase === 'done') return hours(Infinity);
  return hours((latestStart(job, state) - now) / MS_PER_HOUR);
}

/** Hours past the deadline at which a job started at `start` would finish (0 when on time). */
export function lateHours(job: ApplianceJob, start: SimTime): Hours {
  return hours(Math.max(0, (start - job.deadline) / MS_PER_HOUR + runHours(job)));
}

/**
 * Advances the job over [now, now + Δt). `run` asks to start a waiting job (ignored before
 * `earliestStart`); a running job always continues. The step's energy is
 * min(power·Δt, energy left); when the job completes inside the step its `finishedAt` is
 * the exact instant now + left/power.
 */
export function stepAppliance(
  job: ApplianceJob,
  state: ApplianceState,
  now: SimTime,
  run: boolean,
  dtHours: Hours,
): ApplianceStep {
  const h = dtHours > 0 ? dtHours : 0;
  let started: SimTime;
  let done: number;
  if (state.phase === 'running') {
    started = state.startedAt;
    done = state.doneKwh;
  } else if (run && canStart(job, state, now)) {
    started = now;
    done = 0;
  } else {
    return { state, energyKwh: kwh(0), averageKw: kw(0) };
  }
  const left = Math.max(0, job.energyKwh - done);
  const e = Math.min(job.powerKw * h, left);
  const averageKw = kw(h > 0 ? e / h : 0);
  if (left - e <= ENERGY_EPSILON_KWH) {
    const finishedAt = simTime(now + (left / job.powerKw) * MS_PER_HOUR);
    return { state: { phase: 'done', finishedAt }, energyKwh: kwh(e), averageKw };
  }
  return { state: { phase: 'running', doneKwh: kwh(done + e), startedAt: started }, energyKwh: kwh(e), averageKw };
}

/** Problems with a job, as messages (empty when valid). */
export function applianceJobProblems(job: ApplianceJob): string[] {
  const out: string[] = [];
  if (!(job.energyKwh > 0 && Number.isFinite(job.energyKwh))) out.push(`energyKwh must be > 0, got ${job.energyKwh}`);
  if (!(job.powerKw > 0 && Number.isFinite(job.powerKw))) out.push(`powerKw must be > 0, got ${job.powerKw}`);
  if (!(job.deadline >= job.earliestStart)) out.push('deadline is before earliestStart');
  return out;
}

/**
 * A home's shiftable appliances, day by day, on top of `physics/appliance.ts`: one
 * job per appliance and local day (a dishwasher after dinner, a wash overnight),
 * drawn from the home's own stream at the day's first interval, whatever the home
 * is doing, so a fault or a price never shifts a later draw. Pure functions.
 *
 * Each appliance holds a slot: the job in hand and, when a day's job arrives while
 * the previous one is still waiting or running (windows may cross midnight), the
 * next one. A job arriving while `next` is still taken replaces it: the replaced
 * job is missed and its energy counts as not served.
 */
import type { SiteZone } from '../../core/siteZone.ts';
import type { Rng } from '../../core/rng.ts';
import { MS_PER_HOUR, type SimTime, simTime } from '../../core/time.ts';
import { hours, kw, kwh } from '../../core/units.ts';
import { type ApplianceJob, type ApplianceState, energyLeftKwh, latestStart, mustRunNow, slackHours, WAITING } from '../physics/appliance.ts';

export interface ApplianceSpec {
  readonly energyKwh: number;
  readonly powerKw: number;
  /** Local hour (0–24) of the earliest start: uniform in [min, max] per home and day. */
  readonly earliestStartHour: { readonly min: number; readonly max: number };
  /** Hours from the earliest start to the deadline: uniform in [min, max], at least the run length. */
  readonly windowHours: { readonly min: number; readonly max: number };
  /** Value of running now, currency/MWh: `max` with no slack left, `min` with all of it. */
  readonly valueMwh: { readonly min: number; readonly max: number };
}

export interface ApplianceSlot {
  readonly job: ApplianceJob | undefined;
  readonly state: ApplianceState;
  readonly next: ApplianceJob | undefined;
}

export const EMPTY_SLOT: ApplianceSlot = Object.freeze({ job: undefined, state: WAITING, next: undefined });

/**
 * The day's job (two uniform draws, always): earliest start at U(min, max) o'clock on the
 * wall clock of the local day starting at `dayStart` (`zone`), moved up to the next interval boundary of the grid (`gridStart` + k·`stepMs`) so
 * that starting at the earliest start is possible; deadline = earliest + max(window, run length).
 */
export function drawDailyJob(spec: ApplianceSpec, rng: Rng, dayStart: SimTime, gridStart: SimTime, stepMs: number, zone: SiteZone): ApplianceJob {
  const hour = rng.uniform(spec.earliestStartHour.min, spec.earliestStartHour.max);
  const window = rng.uniform(spec.windowHours.min, spec.windowHours.max);
  // Wall-clock hours: 19:00 is 19:00 on a daylight-saving day too (23 or 25 hours after midnight).
  const raw = zone.wallClockAfter(dayStart, hour);
  const earliest = gridStart + Math.ceil((raw - gridStart) / stepMs - 1e-9) * stepMs;
  const runH = spec.energyKwh / spec.powerKw;
  return Object.freeze({
    energyKwh: kwh(spec.energyKwh),
    powerKw: kw(spec.powerKw),
    earliestStart: simTime(earliest),
    deadline: simTime(earliest + Math.max(window, runH) * MS_PER_HOUR),
  });
}

/** A new day's job arrives. Returns the slot and the energy of a job it displaced unstarted (kWh). */
export function addJob(slot: ApplianceSlot, job: ApplianceJob): { readonly slot: ApplianceSlot; readonly missedKwh: number } {
  if (slot.job === undefined || slot.state.phase === 'done') return { slot: { job, state: WAITING, next: undefined }, missedKwh: slot.next ? slot.next.energyKwh : 0 };
  return { slot: { job: slot.job, state: slot.state, next: job }, missedKwh: slot.next ? slot.next.energyKwh : 0 };
}

/** Before an interval: a finished job makes room for the next one (same slot when nothing changes). */
export function promote(slot: ApplianceSlot): ApplianceSlot {
  if (slot.next !== undefined && (slot.job === undefined || slot.state.phase === 'done')) return { job: slot.next, state: WAITING, next: undefined };
  return slot;
}

/**
 * Average kW the job would draw over [now, now + Δt) if it ran (it is running, or may
 * start now); 0 when it cannot run in this interval.
 */
export function runKwNow(job: ApplianceJob | undefined, state: ApplianceState, now: SimTime, dtH: number): number {
  if (job === undefined || state.phase === 'done') return 0;
  if (state.phase === 'waiting' && now < job.earliestStart) return 0;
  const e = Math.min(job.powerKw * dtH, energyLeftKwh(job, state));
  return dtH > 0 ? e / dtH : 0;
}

/**
 * The value of running now, currency/MWh: the cap when it must run now (it is running,
 * or its latest start falls before the next decision), otherwise rising linearly as its
 * slack shrinks: max − (max − min)·s/s₀, with s the slack in hours and s₀ the slack at
 * its earliest start (the window minus the run length).
 */
export function applianceValueMwh(job: ApplianceJob, state: ApplianceState, now: SimTime, dtH: number, capMwh: number, minMwh: number, maxMwh: number): number {
  if (mustRunNow(job, state, now, hours(dtH))) return capMwh;
  const s0 = (latestStart(job) - job.earliestStart) / MS_PER_HOUR;
  const s = slackHours(job, state, now);
  const x = s0 > 0 ? Math.min(1, Math.max(0, s / s0)) : 0;
  return maxMwh - (maxMwh - minMwh) * x;
}

/**
 * What the job draws in [t, t + Δt) when started at its earliest start and run without
 * a break (the no-price-response baseline), kW averaged over the interval.
 */
export function baselineRunKw(job: ApplianceJob | undefined, t: SimTime, dtH: number): number {
  if (job === undefined) return 0;
  return baselineWindowKw(job.earliestStart, baselineEndMs(job), job.powerKw, t, dtH);
}

/** End of the job's baseline run (started at its earliest start, without a break), UTC ms. */
export const baselineEndMs = (job: ApplianceJob): number => job.earliestStart + (job.energyKwh / job.powerKw) * MS_PER_HOUR;

/**
 * `baselineRunKw` of a run over [startMs, endMs) at `powerKw` (a job's `earliestStart`,
 * `baselineEndMs`, `powerKw`), kW averaged over [t, t + Δt); 0 for a NaN start (no job).
 * Homes keep these three numbers per job beside their state (agents/home/runtime.ts).
 */
export function baselineWindowKw(startMs: number, endMs: number, powerKw: number, t: number, dtH: number): number {
  if (!(dtH > 0)) return 0;
  const overlapMs = Math.min(endMs, t + dtH * MS_PER_HOUR) - Math.max(startMs, t);
  return overlapMs > 0 ? (powerKw * overlapMs) / MS_PER_HOUR / dtH : 0;
}

/**
 * The weekly calendar tariffs are written against: a week is 672 quarter-hour
 * slots, slot 0 = Sunday 00:00–00:15 UTC (the `Date.getUTCDay` convention). Time
 * rules and time-of-use periods become slot masks once (cached per tariff object),
 * so looking up the period of a reading is an array index. Pure.
 */
import { MS_PER_DAY, MS_PER_MINUTE } from '../core/time.ts';
import { holidayAt, type SiteCalendar } from '../core/calendar.ts';
import { assertUtcHours } from './localHours.ts';
import type { DemandChargeTariff, TimeRule, TouEnergy, Weekday } from './types.ts';
import { TariffError, WEEKDAYS } from './types.ts';

export const SLOT_MINUTES = 15;
export const SLOT_MS = SLOT_MINUTES * MS_PER_MINUTE;
export const SLOTS_PER_DAY = 96;
export const SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY;
const MS_PER_WEEK = 7 * MS_PER_DAY;
/** 1970-01-01 (t = 0) was a Thursday: shift so that the week starts on Sunday. */
const EPOCH_WEEKDAY_OFFSET_MS = 4 * MS_PER_DAY;

export const weekdayIndex = (d: Weekday): number => WEEKDAYS.indexOf(d);

/** Slot of the week (0 … 671) containing the instant `t` (ms). */
export function weekSlot(t: number): number {
  const ms = (((t + EPOCH_WEEKDAY_OFFSET_MS) % MS_PER_WEEK) + MS_PER_WEEK) % MS_PER_WEEK;
  return Math.floor(ms / SLOT_MS);
}

/** UTC midnight at or before `t`. */
export const dayStart = (t: number): number => Math.floor(t / MS_PER_DAY) * MS_PER_DAY;

/** `17.25` → `17:15`. */
export function formatHour(h: number): string {
  const minutes = Math.round(h * 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Describes a slot as `mon 17:00`. */
export function formatSlot(slot: number): string {
  const day = WEEKDAYS[Math.floor(slot / SLOTS_PER_DAY)] ?? '?';
  return `${day} ${formatHour(((slot % SLOTS_PER_DAY) * SLOT_MINUTES) / 60)}`;
}

/** Slots a rule covers, in order. Hours are assumed valid (schema-checked); stray fractions are floored to the slot. */
export function ruleSlots(rule: TimeRule): number[] {
  const out: number[] = [];
  const from = Math.round(rule.fromHour * 4);
  const to = Math.round(rule.toHour * 4);
  for (const d of rule.days) {
    const base = weekdayIndex(d) * SLOTS_PER_DAY;
    for (let s = from; s < to; s++) out.push(base + s);
  }
  return out;
}

const maskCache = new WeakMap<readonly TimeRule[], Uint8Array>();

/** 1 where any of the rules covers the slot (cached per rules array: tariffs are immutable data). */
export function ruleMask(rules: readonly TimeRule[]): Uint8Array {
  const cached = maskCache.get(rules);
  if (cached) return cached;
  const mask = new Uint8Array(SLOTS_PER_WEEK);
  for (const r of rules) for (const s of ruleSlots(r)) mask[s] = 1;
  maskCache.set(rules, mask);
  return mask;
}

const gridCache = new WeakMap<TouEnergy, Int16Array>();

/**
 * Period index per slot (−1 where neither a rule nor the default period covers it,
 * which a schema-checked tariff never has). Where rules overlap (the schema rejects
 * that) the first period listed wins.
 */
export function touGrid(tou: TouEnergy): Int16Array {
  const cached = gridCache.get(tou);
  if (cached) return cached;
  const grid = new Int16Array(SLOTS_PER_WEEK).fill(-1);
  tou.periods.forEach((p, k) => {
    for (const r of p.rules) for (const s of ruleSlots(r)) if (grid[s] === -1) grid[s] = k;
  });
  const def = tou.defaultPeriod === undefined ? -1 : tou.periods.findIndex((p) => p.name === tou.defaultPeriod);
  if (def >= 0) for (let s = 0; s < SLOTS_PER_WEEK; s++) if (grid[s] === -1) grid[s] = def;
  gridCache.set(tou, grid);
  return grid;
}

/**
 * Slot of the week of the instant `t` on a time-of-use tariff's clock: UTC, or the wall clock of
 * its `wallClock` zone (a local tariff across daylight-saving changes: 17:00 is 17:00 on the wall).
 */
export function touSlot(tou: TouEnergy, t: number): number {
  return weekSlot(tou.wallClock === undefined ? t : tou.wallClock.localMs(t));
}

/** Period index of the instant `t`; throws `uncovered-time` for a tariff that leaves it uncovered. */
export function touPeriodAt(tou: TouEnergy, t: number): number {
  const slot = touSlot(tou, t);
  const k = touGrid(tou)[slot] ?? -1;
  if (k < 0) throw new TariffError('uncovered-time', `no time-of-use period covers ${formatSlot(slot)} and there is no default period`);
  return k;
}

/**
 * Calls `visit(slot)` for every quarter-hour slot of the week that `[startMs, endMs)`
 * overlaps (on `tou`'s clock when given, `touSlot`), in time order (a slot may repeat for intervals longer than a week).
 * Returns early when `visit` returns false.
 */
export function forEachSlot(startMs: number, endMs: number, visit: (slot: number) => boolean, tou?: TouEnergy): void {
  const first = Math.floor(startMs / SLOT_MS);
  const last = Math.ceil(endMs / SLOT_MS) - 1;
  // On a wall clock (offsets in whole quarter hours, as validate requires) each UTC slot is one slot of the local week.
  if (tou?.wallClock !== undefined) {
    for (let q = first; q <= last; q++) if (!visit(touSlot(tou, q * SLOT_MS))) return;
    return;
  }
  for (let q = first; q <= last; q++) if (!visit(weekSlot(q * SLOT_MS))) return;
}

/**
 * Start (ms) of the demand window of a demand-charge tariff containing the instant `t`: windows are blocks of
 * `demandWindowMinutes` on a grid from UTC midnight, moved by `demandWindowStartMinute` (a tariff read from local
 * hours: blocks of the local clock).
 */
export function demandWindowStart(tariff: DemandChargeTariff, t: number): number {
  const windowMs = tariff.demandWindowMinutes * MS_PER_MINUTE;
  const shiftMs = (tariff.demandWindowStartMinute ?? 0) * MS_PER_MINUTE;
  return Math.floor((t - shiftMs) / windowMs) * windowMs + shiftMs;
}

/**
 * Whether the demand window starting at `windowStartMs` can set a demand-charge tariff's peak:
 * it starts within `demandHours` (when given) and, with `demandOnHolidays: false`, not on one
 * of the site's holidays (local days: a window lies wholly on one local day, as the meter check
 * requires local midnight to be a window boundary, tariffs/compat.ts).
 */
export function demandWindowCounts(tariff: DemandChargeTariff, windowStartMs: number, calendar: SiteCalendar | undefined): boolean {
  assertUtcHours(tariff);
  if (tariff.demandHours !== undefined && ruleMask(tariff.demandHours)[weekSlot(tariff.wallClock === undefined ? windowStartMs : tariff.wallClock.localMs(windowStartMs))] !== 1) return false;
  if (tariff.demandOnHolidays === false && calendar !== undefined && holidayAt(calendar, windowStartMs) !== undefined) return false;
  return true;
}

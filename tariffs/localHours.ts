/**
 * Tariffs written in the site's local time (`hours: local`), read in UTC. Retail tariffs are
 * published in local clock hours ("peak 17:00–21:00"); gridbid's clock is UTC. A site is a fixed
 * offset from UTC (`site.utcOffsetHours`, core/calendar.ts), so a local tariff is exactly a UTC one
 * with every hour moved by the offset: `utcTariff` makes that UTC tariff once, and everything that
 * prices, bills or signals (pricing.ts, bill.ts, signal.ts, events.ts) reads UTC tariffs only.
 *
 * - A weekly rule moves by the offset and, where it then crosses UTC midnight, splits in two on
 *   adjacent days: Monday to Friday 17–21 at UTC−7 is Tuesday to Saturday 00–04 UTC.
 * - A critical-peak event window moves by the offset on the event's date, which is then the local
 *   date: it may start before or end after that UTC day (tariffs/events.ts indexes windows by every
 *   UTC day they touch).
 * - A demand charge's windows are blocks of the local clock (`demandWindowStartMinute`): hourly windows at
 *   UTC+5:30 run from :30 to :30 UTC, as the local clock hours do.
 * - Holidays (`holidayPeriod`, `demandOnHolidays`) are local days already.
 * - A monthly demand charge's months (`demandPeriod: month`) begin at local midnight on the 1st:
 *   the UTC tariff carries the offset in `monthUtcOffsetHours` (tariffs/demandMonth.ts).
 *
 *
 * A site in an IANA time zone (`site.timeZone`, core/siteZone.ts) whose offset does not change
 * within the run is that fixed offset (`utcTariffIn`). Where it changes (daylight saving), a
 * time-of-use tariff keeps its local rules and is read on the zone's wall clock (`wallClock`,
 * tariffs/calendar.ts `touSlot`): peak 17:00–21:00 is 17:00–21:00 on the wall in winter and in
 * summer; the wall-clock hours that do not exist on the spring day belong to no instant, and the
 * hour that occurs twice on the autumn day is in the period of its wall-clock hour both times.
 * Flat and real-time tariffs have no hours. A critical-peak tariff's event window is the wall's on
 * the event's local date (tariffs/events.ts); a demand charge's `demandHours` are read on the wall
 * and its months are local months (tariffs/demandMonth.ts); its windows' grid must be the same in
 * every offset (`dstUnsupportedReason`: hourly windows across a 30-minute change are refused).
 *
 * Pure.
 */
import type { SiteZone } from '../core/siteZone.ts';
import { WEEKDAYS, type EnergyComponent, type Tariff, type TimeRule } from './types.ts';

const HOURS_PER_WEEK = 7 * 24;

/** Throws for a tariff in local hours: the pricing code reads UTC hours only (a local tariff billed as UTC would be silently wrong by the offset). */
export function assertUtcHours(tariff: Tariff): void {
  if (tariff.hours === 'local') throw new TypeError(`tariff '${tariff.id}' is written in local hours: read it through utcTariff(tariff, utcOffsetHours) first (tariffs/localHours.ts)`);
}

/**
 * The UTC tariff equal to `tariff` at a site `utcOffsetHours` from UTC (a multiple of 0.25: the
 * tariffs' quarter-hour grid). A tariff already in UTC hours is returned as it is.
 */
export function utcTariff(tariff: Tariff, utcOffsetHours: number): Tariff {
  if (tariff.hours !== 'local') return tariff;
  if (!Number.isFinite(utcOffsetHours) || Math.round(utcOffsetHours * 4) !== utcOffsetHours * 4)
    throw new RangeError(`a tariff in local hours needs an offset from UTC in quarter hours, got ${utcOffsetHours}`);
  const energy = (e: EnergyComponent): EnergyComponent => (e.type === 'time-of-use' ? { ...e, periods: e.periods.map((p) => ({ ...p, rules: utcRules(p.rules, utcOffsetHours) })) } : e);
  switch (tariff.type) {
    case 'flat':
    case 'real-time':
      return { ...tariff, hours: 'utc' };
    case 'time-of-use':
      return { ...tariff, hours: 'utc', periods: tariff.periods.map((p) => ({ ...p, rules: utcRules(p.rules, utcOffsetHours) })) };
    case 'critical-peak':
      return {
        ...tariff,
        hours: 'utc',
        energy: energy(tariff.energy),
        eventWindow: { fromHour: tariff.eventWindow.fromHour - utcOffsetHours, toHour: tariff.eventWindow.toHour - utcOffsetHours },
      };
    case 'demand-charge': {
      // Windows are blocks of the local clock: their grid starts at local midnight, −offset from UTC midnight.
      const startMinute = mod(Math.round(-utcOffsetHours * 60), tariff.demandWindowMinutes);
      return {
        ...tariff,
        hours: 'utc',
        energy: energy(tariff.energy),
        ...(startMinute === 0 ? {} : { demandWindowStartMinute: startMinute }),
        ...(tariff.demandHours === undefined ? {} : { demandHours: utcRules(tariff.demandHours, utcOffsetHours) }),
        // A monthly peak's months begin at local midnight on the 1st: the UTC tariff keeps the clock they follow.
        ...(tariff.demandPeriod === 'month' ? { monthUtcOffsetHours: utcOffsetHours } : {}),
      };
    }
  }
}

/**
 * The UTC tariff equal to `tariff` at a site on the clock `zone`: `utcTariff` at its offset when the
 * zone has one over the run; else (daylight saving within the run) a time-of-use tariff read on the
 * wall clock. Throws a RangeError for a tariff `dstUnsupportedReason` names (validate refuses it first).
 */
export function utcTariffIn(tariff: Tariff, zone: SiteZone): Tariff {
  if (tariff.hours !== 'local') return tariff;
  if (zone.fixedOffsetHours !== undefined) return utcTariff(tariff, zone.fixedOffsetHours);
  const reason = dstUnsupportedReason(tariff, zone.runOffsetsHours);
  if (reason !== undefined) throw new RangeError(`tariff '${tariff.id}': ${reason}`);
  const energy = (e: EnergyComponent): EnergyComponent => (e.type === 'time-of-use' ? { ...e, wallClock: zone } : e);
  switch (tariff.type) {
    case 'flat':
    case 'real-time':
      return { ...tariff, hours: 'utc' };
    case 'time-of-use':
      return { ...tariff, hours: 'utc', wallClock: zone };
    case 'critical-peak':
      return { ...tariff, hours: 'utc', energy: energy(tariff.energy), wallClock: zone };
    case 'demand-charge': {
      // The windows' grid from local midnight is the same in every offset of the run (dstUnsupportedReason): that of the first.
      const startMinute = demandGridMinute(tariff.demandWindowMinutes, zone.runOffsetsHours[0]!);
      return { ...tariff, hours: 'utc', energy: energy(tariff.energy), ...(startMinute === 0 ? {} : { demandWindowStartMinute: startMinute }), wallClock: zone };
    }
  }
}

/** Minutes after UTC midnight where a grid of `windowMinutes` blocks from local midnight starts, at `offsetHours` from UTC. */
const demandGridMinute = (windowMinutes: number, offsetHours: number): number => mod(Math.round(-offsetHours * 60), windowMinutes);

/**
 * Why a tariff in local hours cannot be read at a site whose offset takes the values
 * `offsetsHours` within the run, or undefined when it can: every tariff can, except a demand
 * charge whose windows' grid (blocks from local midnight) would fall on other minutes of UTC
 * in one offset than in another (hourly windows across Lord Howe's 30-minute change).
 */
export function dstUnsupportedReason(tariff: Tariff, offsetsHours: readonly number[]): string | undefined {
  if (tariff.hours !== 'local' || tariff.type !== 'demand-charge') return undefined;
  const minutes = new Set(offsetsHours.map((h) => demandGridMinute(tariff.demandWindowMinutes, h)));
  if (minutes.size <= 1) return undefined;
  return `its ${tariff.demandWindowMinutes}-minute demand windows, blocks of the local clock, would start at other minutes of the hour after the change (offsets ${offsetsHours.join(' and ')} hours): a window would straddle it; use windows that divide the change (${[...minutes].join(', ')} minutes apart) or give the tariff in UTC hours`;
}

/**
 * Weekly rules in local hours as rules in UTC hours covering the same instants: each day's range
 * moved by −offset around the week, split at UTC midnight, and the pieces with the same hours on
 * several days joined in one rule (days in week order, rules by first day then hour).
 */
export function utcRules(rules: readonly TimeRule[], utcOffsetHours: number): TimeRule[] {
  // Pieces as [day, fromHour, toHour] in UTC, each within one UTC day.
  const byHours = new Map<string, { fromHour: number; toHour: number; days: Set<number> }>();
  const add = (day: number, fromHour: number, toHour: number): void => {
    if (toHour <= fromHour) return;
    const key = `${fromHour}-${toHour}`;
    let entry = byHours.get(key);
    if (!entry) byHours.set(key, (entry = { fromHour, toHour, days: new Set() }));
    entry.days.add(day);
  };
  for (const r of rules) {
    for (const d of r.days) {
      // The range in hours from Sunday 00:00 UTC, moved into [0, one week).
      const start = mod(WEEKDAYS.indexOf(d) * 24 + r.fromHour - utcOffsetHours, HOURS_PER_WEEK);
      const end = start + (r.toHour - r.fromHour);
      const day = Math.floor(start / 24);
      const dayEnd = (day + 1) * 24;
      add(day % 7, start - day * 24, Math.min(end, dayEnd) - day * 24);
      if (end > dayEnd) add((day + 1) % 7, 0, end - dayEnd);
    }
  }
  return [...byHours.values()]
    .map((e) => ({ days: [...e.days].sort((a, b) => a - b), fromHour: e.fromHour, toHour: e.toHour }))
    .sort((a, b) => a.days[0]! - b.days[0]! || a.fromHour - b.fromHour)
    .map((e) => ({ days: e.days.map((k) => WEEKDAYS[k]!), fromHour: e.fromHour, toHour: e.toHour }));
}

const mod = (x: number, m: number): number => ((x % m) + m) % m;

/**
 * Whether a tariff can bill a meter of fixed-length intervals: the cross-check
 * `gridbid validate` can run before a simulation, instead of a `TariffError`
 * (`reading-spans-periods`, `reading-spans-demand-windows`) at the first bill.
 * Pure.
 *
 * Readings of `intervalMinutes` starting at `start` never straddle a price boundary
 * when every boundary of the tariff (time-of-use rule edges, the event window, the
 * demand hours and windows) falls on a reading boundary. Real-time tariffs are not
 * checked here: their boundaries are the market intervals, which the engine sets.
 */
import type { InputIssue } from '../core/errors.ts';
import { formatPath } from '../core/errors.ts';
import { formatSimTime, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, parseSimTime, simTime } from '../core/time.ts';
import { formatHour } from './calendar.ts';
import type { EnergyComponent, Tariff, TimeRule } from './types.ts';

/**
 * Problems billing `tariff` from readings of `intervalMinutes` each, the first starting at
 * `startMs` (a SimTime). Paths are relative to the tariff (prefix them with its place in the
 * scenario, e.g. `tariffs[2]`). Empty when every reading nests inside one price.
 */
export function meterIntervalIssues(tariff: Tariff, intervalMinutes: number, startMs: number, prefix: readonly PropertyKey[] = [], utcOffsetHours = 0): InputIssue[] {
  const issues: InputIssue[] = [];
  const at = (path: PropertyKey[], message: string) => issues.push({ path: formatPath([...prefix, ...path]), message });
  if (!(intervalMinutes > 0)) {
    at([], `the meter interval must be positive, got ${intervalMinutes} minutes`);
    return issues;
  }
  if (tariff.type === 'real-time' || tariff.type === 'flat') return issues;
  if (1440 % intervalMinutes !== 0) {
    at([], `${intervalMinutes}-minute readings do not divide a day, so they cannot line up with the tariff's daily price boundaries`);
    return issues;
  }
  const offset = (((startMs % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / MS_PER_MINUTE; // minutes after midnight UTC
  if (offset % intervalMinutes !== 0) {
    at([], `readings start ${offset} minutes after midnight UTC, not on a multiple of their ${intervalMinutes} minutes; price boundaries would fall inside readings`);
    return issues;
  }
  const onGrid = (hour: number): boolean => Math.round(hour * 60) % intervalMinutes === 0;
  // A tariff in local hours (tariffs/localHours.ts) has its boundaries at local hour h, UTC hour h − offset.
  const shift = tariff.hours === 'local' ? utcOffsetHours : 0;
  const tariffHourOnGrid = (hour: number): boolean => onGrid(hour - shift);
  const named = (hour: number): string => (shift === 0 ? formatHour(hour) : `${formatHour(hour)} local (${formatHour((((hour - shift) % 24) + 24) % 24)} UTC)`);
  const checkRules = (rules: readonly TimeRule[], path: PropertyKey[]) =>
    rules.forEach((r, j) => {
      for (const key of ['fromHour', 'toHour'] as const)
        if (!tariffHourOnGrid(r[key])) at([...path, j, key], `${named(r[key])} falls inside a ${intervalMinutes}-minute reading`);
    });
  const checkEnergy = (energy: EnergyComponent, path: PropertyKey[]) => {
    if (energy.type !== 'time-of-use') return;
    energy.periods.forEach((p, k) => checkRules(p.rules, [...path, 'periods', k, 'rules']));
    // A holiday runs from local midnight to local midnight: that is a price boundary too.
    const midnightUtcHour = localMidnightUtcHour(utcOffsetHours);
    if (energy.holidayPeriod !== undefined && !onGrid(midnightUtcHour))
      at([...path, 'holidayPeriod'], `holidays start at local midnight, ${formatHour(midnightUtcHour)} UTC (utcOffsetHours ${utcOffsetHours}), inside a ${intervalMinutes}-minute reading`);
  };
  switch (tariff.type) {
    case 'time-of-use':
      checkEnergy(tariff, []);
      break;
    case 'critical-peak':
      checkEnergy(tariff.energy, ['energy']);
      for (const key of ['fromHour', 'toHour'] as const)
        if (!tariffHourOnGrid(tariff.eventWindow[key])) at(['eventWindow', key], `${named(tariff.eventWindow[key])} falls inside a ${intervalMinutes}-minute reading`);
      // An event announced late takes effect at announcement + notice, inside its window: that is a price boundary too.
      tariff.events.forEach((e, k) => {
        if (e.announcedAt === undefined) return;
        const announced = parseSimTime(e.announcedAt);
        const day = parseSimTime(e.date);
        if (announced === undefined || day === undefined) return;
        const effective = announced + tariff.noticeHours * MS_PER_HOUR;
        const from = day + (tariff.eventWindow.fromHour - shift) * MS_PER_HOUR;
        const to = day + (tariff.eventWindow.toHour - shift) * MS_PER_HOUR;
        if (effective <= from || effective >= to) return;
        if (((((effective - startMs) % (intervalMinutes * MS_PER_MINUTE)) + intervalMinutes * MS_PER_MINUTE) % (intervalMinutes * MS_PER_MINUTE)) !== 0)
          at(['events', k, 'announcedAt'], `the event takes effect at ${formatSimTime(simTime(effective))} (announced ${e.announcedAt}, ${tariff.noticeHours} h notice), inside a ${intervalMinutes}-minute reading: announce it so that it takes effect on a reading's start`);
      });
      break;
    case 'demand-charge':
      checkEnergy(tariff.energy, ['energy']);
      if (tariff.demandWindowMinutes % intervalMinutes !== 0)
        at(['demandWindowMinutes'], `a ${tariff.demandWindowMinutes}-minute demand window cannot be measured from ${intervalMinutes}-minute readings`);
      if (tariff.demandHours) checkRules(tariff.demandHours, ['demandHours']);
      // Demand windows start at UTC midnight: demand hours in local time must still fall on their edges (the schema checks them in local hours).
      if (shift !== 0)
        tariff.demandHours?.forEach((r, j) => {
          for (const key of ['fromHour', 'toHour'] as const)
            if (Math.round((r[key] - shift) * 60) % tariff.demandWindowMinutes !== 0) at(['demandHours', j, key], `${named(r[key])} falls inside a ${tariff.demandWindowMinutes}-minute demand window`);
        });
      // Windows start at UTC midnight; a holiday at local midnight, which must then be a window boundary.
      if (tariff.demandOnHolidays === false && Math.round(localMidnightUtcHour(utcOffsetHours) * 60) % tariff.demandWindowMinutes !== 0)
        at(['demandOnHolidays'], `holidays start at local midnight, ${formatHour(localMidnightUtcHour(utcOffsetHours))} UTC (utcOffsetHours ${utcOffsetHours}), inside a ${tariff.demandWindowMinutes}-minute demand window`);
      // A local month starts at local midnight on the 1st: inside a window, that window's energy would be billed partly in the wrong month.
      if (tariff.demandPeriod === 'month' && shift !== 0 && Math.round(localMidnightUtcHour(utcOffsetHours) * 60) % tariff.demandWindowMinutes !== 0)
        at(
          ['demandPeriod'],
          `local months start at local midnight, ${formatHour(localMidnightUtcHour(utcOffsetHours))} UTC (utcOffsetHours ${utcOffsetHours}), inside a ${tariff.demandWindowMinutes}-minute demand window (windows start at UTC midnight): that window would set the peak of the month it starts in with energy of the next; take a window that divides ${dividing(localMidnightUtcHour(utcOffsetHours) * 60)}`,
        );
      // Billing days run from the run's start: a window across their boundary would be split between two daily bills,
      // each averaging its part over the whole window, and under a month period that window's real average never counts.
      if (tariff.demandPeriod === 'month' && offset % tariff.demandWindowMinutes !== 0)
        at(
          ['demandWindowMinutes'],
          `billing days start at ${formatHour(offset / 60)} UTC (the run's start), inside a ${tariff.demandWindowMinutes}-minute demand window (windows start at UTC midnight): each daily bill would see only part of that window and average it over the whole window, so the month's peak would be billed too low; start the run on a window boundary or take a window that divides ${dividing(offset)}`,
        );
      break;
  }
  return issues;
}

/**
 * "13:00 after midnight UTC (60 minutes, or one that divides 60)": the windows (all divide a day) whose grid holds
 * `minutes` after UTC midnight are the divisors of gcd(minutes, 1440), the longest being that gcd.
 */
function dividing(minutes: number): string {
  const m = Math.round(minutes);
  let a = m;
  let b = 1440;
  while (b !== 0) [a, b] = [b, a % b];
  return `${formatHour(m / 60)} after midnight UTC (${a} minutes, or one that divides ${a})`;
}

/** The UTC hour (0 ≤ h < 24) of local midnight in a place `utcOffsetHours` from UTC: 24 − offset. */
const localMidnightUtcHour = (utcOffsetHours: number): number => ((-utcOffsetHours % 24) + 24) % 24;

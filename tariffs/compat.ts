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
import { demandWindowStart, formatHour } from './calendar.ts';
import { utcTariff } from './localHours.ts';
import type { DemandChargeTariff, EnergyComponent, Tariff, TimeRule } from './types.ts';

/**
 * Problems billing `tariff` from readings of `intervalMinutes` each, the first starting at
 * `startMs` (a SimTime). Paths are relative to the tariff (prefix them with its place in the
 * scenario, e.g. `tariffs[2]`). Empty when every reading nests inside one price.
 */
export function meterIntervalIssues(
  tariff: Tariff,
  intervalMinutes: number,
  startMs: number,
  prefix: readonly PropertyKey[] = [],
  utcOffsetHours = 0,
  /** Whether the site has holidays: their local midnights are boundaries only then (a holidayPeriod or demandOnHolidays: false has none to straddle without). */
  siteHasHolidays = true,
  /** The run's length, minutes, when known: a demand charge's last window must end with it. */
  runMinutes?: number,
): InputIssue[] {
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
    if (siteHasHolidays && energy.holidayPeriod !== undefined && !onGrid(midnightUtcHour))
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
      {
        // Bills are per billing day, the site's local day (engine/billingDays.ts), the first from the run's start: a start
        // inside a window bills the part of it the run has as if it were the whole window, so that window's peak reads low.
        // Where the bill puts the windows: demandWindowStart on the tariff as the engine reads it (a local one through utcTariff).
        const w = tariff.demandWindowMinutes;
        const asBilled = tariff.hours === 'local' ? (utcTariff(tariff, utcOffsetHours) as DemandChargeTariff) : tariff;
        if (demandWindowStart(asBilled, startMs) !== startMs)
          at(
            ['demandWindowMinutes'],
            `the run starts at ${formatSimTime(simTime(startMs))}, inside a ${w}-minute demand window (windows start at ${tariff.hours === 'local' ? 'local' : 'UTC'} midnight and every ${w} minutes after): the first billing day, from the start, would bill part of a window as if it were the whole; start the run on a window boundary`,
          );
        // Likewise at the end: the last window, cut short, would be billed as if it were whole.
        else if (runMinutes !== undefined && Math.round(runMinutes) % w !== 0)
          at(['demandWindowMinutes'], `the run lasts ${Math.round(runMinutes)} minutes, not a whole number of ${w}-minute demand windows: its last window, cut short, would be billed as if it were whole; make the run a multiple of ${w} minutes`);
      }
      // Every billing day ends at local midnight: in a tariff on UTC hours, local midnight must be a window boundary, else
      // each bill holds part of the window across it and averages it over the whole. (Windows in local hours start there.)
      const midnightInWindow = tariff.hours !== 'local' && Math.round(localMidnightUtcHour(utcOffsetHours) * 60) % tariff.demandWindowMinutes !== 0;
      if (midnightInWindow)
        at(
          ['demandWindowMinutes'],
          `billing days are local days, and local midnight, ${formatHour(localMidnightUtcHour(utcOffsetHours))} UTC (utcOffsetHours ${utcOffsetHours}), falls inside a ${tariff.demandWindowMinutes}-minute demand window (windows start at UTC midnight): two bills would each average part of that window over the whole; use windows local midnight is a boundary of, or hours: local`,
        );
      if (tariff.hours === 'local') {
        // Windows are blocks of the local clock (tariffs/localHours.ts), from local midnight: the demand hours fall on
        // their edges (the schema checks that in local hours), and so does a holiday's start; the readings must too.
        if (!onGrid(localMidnightUtcHour(utcOffsetHours)))
          at(['demandWindowMinutes'], `the demand windows start at local midnight, ${formatHour(localMidnightUtcHour(utcOffsetHours))} UTC (utcOffsetHours ${utcOffsetHours}), inside a ${intervalMinutes}-minute reading`);
      }
      // (A holiday starts at local midnight too: the check above covers demandOnHolidays: false on UTC hours.)
      break;
  }
  return issues;
}

/** The UTC hour (0 ≤ h < 24) of local midnight in a place `utcOffsetHours` from UTC: 24 − offset. */
const localMidnightUtcHour = (utcOffsetHours: number): number => ((-utcOffsetHours % 24) + 24) % 24;

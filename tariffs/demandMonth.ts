/**
 * The calendar months of a `month`-period demand charge (`demandPeriod: month`). A month runs
 * from midnight on its 1st to midnight on the next month's 1st in the tariff's clock: UTC for a
 * tariff written in UTC; for a tariff in local hours, the site's clock, which `utcTariff`
 * (tariffs/localHours.ts) keeps in `monthUtcOffsetHours` when it reads the tariff as UTC — at
 * UTC−7 July begins at 07:00 UTC on 1 July. A demand window belongs to the month of its start.
 * Pure.
 */
import { MS_PER_DAY, MS_PER_HOUR } from '../core/time.ts';
import type { DemandChargeTariff } from './types.ts';

/** One calendar month in UTC ms: `[start, end)` and its name `YYYY-MM` (the tariff's clock). */
export interface DemandMonth {
  readonly month: string;
  readonly start: number;
  readonly end: number;
}

/** Whether the demand charge is on the calendar month's peak (else each billing period's). */
export const monthlyDemand = (tariff: DemandChargeTariff): boolean => tariff.demandPeriod === 'month';

/** The clock's offset from UTC, ms (0 for a tariff written in UTC). */
const offsetMs = (tariff: DemandChargeTariff): number => (tariff.monthUtcOffsetHours ?? 0) * MS_PER_HOUR;

/** The month whose clock-midnight bounds hold the instant `t` (ms, UTC). */
export function demandMonthAt(tariff: DemandChargeTariff, t: number): DemandMonth {
  const zone = tariff.wallClock;
  if (zone !== undefined) {
    // The local calendar's month, from local midnight on its 1st (a month with a daylight-saving change is an hour shorter or longer).
    const local = new Date(zone.localMs(t));
    const y = local.getUTCFullYear();
    const m = local.getUTCMonth();
    return { month: `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`, start: zone.dayStartMs(Date.UTC(y, m, 1) / MS_PER_DAY), end: zone.dayStartMs(Date.UTC(y, m + 1, 1) / MS_PER_DAY) };
  }
  const shift = offsetMs(tariff);
  const d = new Date(t + shift);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { month: `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`, start: Date.UTC(y, m, 1) - shift, end: Date.UTC(y, m + 1, 1) - shift };
}

/** Days in the month holding `t` (28 … 31). */
export function daysInDemandMonth(tariff: DemandChargeTariff, t: number): number {
  const { start, end } = demandMonthAt(tariff, t);
  return Math.round((end - start) / (24 * MS_PER_HOUR));
}

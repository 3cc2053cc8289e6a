/**
 * A retailer's load forecast for its customers at one bus, from their metered
 * consumption (its own customers' meters, which a supplier sees after the fact):
 * the same interval yesterday where known, else the last interval, else the
 * customers' declared annual consumption spread over a standard residential
 * profile (BDEW H25) — how suppliers forecast small customers they have no history of.
 * Pure.
 */
import { annualKwhToMeanKw, dayTypeOf, residentialShapeFactor } from '../physics/loadProfile.ts';
import { localHourOfDay } from '../physics/localTime.ts';
import type { Holidays } from '../../core/calendar.ts';
import type { SimTime } from '../../core/time.ts';

export interface LoadHistory {
  /** Metered net consumption per interval, kW (NaN where not yet known). */
  readonly actualKw: Float64Array;
}

export function forecastLoadKw(
  history: LoadHistory,
  interval: number,
  intervalsPerDay: number,
  declaredAnnualKwh: number,
  midpoint: SimTime,
  utcOffsetHours: number,
  holidays: Holidays,
): number {
  const yesterday = interval - intervalsPerDay;
  if (yesterday >= 0 && !Number.isNaN(history.actualKw[yesterday]!)) return history.actualKw[yesterday]!;
  if (interval > 0 && !Number.isNaN(history.actualKw[interval - 1]!)) return history.actualKw[interval - 1]!;
  return annualKwhToMeanKw(declaredAnnualKwh) * residentialShapeFactor(localHourOfDay(midpoint, utcOffsetHours), dayTypeOf(midpoint, utcOffsetHours, holidays));
}

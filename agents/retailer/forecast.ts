/**
 * A retailer's load forecast for its customers at one bus, from their metered
 * consumption (its own customers' meters, which a supplier sees after the fact):
 * the same interval yesterday where known (the same wall-clock time on the local day before:
 * 23 or 25 hours back across a daylight-saving change), else the last interval, else the
 * customers' declared annual consumption spread over a standard residential
 * profile (BDEW H25) — how suppliers forecast small customers they have no history of.
 * A day metered when the retailer had other customers at the bus (customers that switched to or
 * from it: `tariffChoice.among: every-retailer`) is scaled by today's customers' declared
 * consumption over that day's: 10 homes' load forecasts 11 homes' as 1.1 × it, not as it was.
 * Under retail competition the retailer forecasts customer by customer instead (`forecastCustomerKw`).
 * Pure.
 */
import type { SiteZone } from '../../core/siteZone.ts';
import { annualKwhToMeanKw, dayTypeOf, residentialShapeFactor } from '../physics/loadProfile.ts';
import { localHourOfDay } from '../physics/localTime.ts';
import type { Holidays } from '../../core/calendar.ts';
import type { SimTime } from '../../core/time.ts';

export interface LoadHistory {
  /** Metered net consumption per interval, kW (NaN where not yet known). */
  readonly actualKw: Float64Array;
  /** Σ of the declared annual consumption of the customers it had in each interval, kWh/a (NaN where not known). */
  readonly declaredAnnualKwh?: Float64Array;
}

/** A metered interval's kW for today's customers: scaled by their declared consumption over the one it had then. */
function forToday(history: LoadHistory, k: number, declaredAnnualKwh: number): number {
  const kw = history.actualKw[k]!;
  const then = history.declaredAnnualKwh?.[k];
  // Unchanged customers (the rule, and every run without retailer switching) read the meter as it was, bit for bit.
  return then === undefined || Number.isNaN(then) || then <= 0 || then === declaredAnnualKwh ? kw : (kw * declaredAnnualKwh) / then;
}

export function forecastLoadKw(
  history: LoadHistory,
  interval: number,
  intervalsPerDay: number,
  declaredAnnualKwh: number,
  midpoint: SimTime,
  zone: SiteZone,
  holidays: Holidays,
  /** The same wall-clock interval yesterday (core/sameWallClock.ts): 23 or 25 hours back across a daylight-saving change. */
  yesterday = interval - intervalsPerDay,
): number {
  if (yesterday >= 0 && !Number.isNaN(history.actualKw[yesterday]!)) return forToday(history, yesterday, declaredAnnualKwh);
  if (interval > 0 && !Number.isNaN(history.actualKw[interval - 1]!)) return forToday(history, interval - 1, declaredAnnualKwh);
  return profileKw(declaredAnnualKwh, midpoint, zone, holidays);
}

/** Declared annual consumption on the standard residential profile (BDEW H25) at `midpoint`, kW. */
function profileKw(declaredAnnualKwh: number, midpoint: SimTime, zone: SiteZone, holidays: Holidays): number {
  return annualKwhToMeanKw(declaredAnnualKwh) * residentialShapeFactor(localHourOfDay(midpoint, zone), dayTypeOf(midpoint, zone, holidays));
}

/**
 * One customer's forecast under retail competition, where customers come and go: its own meter the same interval
 * yesterday if the retailer supplied it then, else its last interval, else its declared consumption on the standard
 * profile (a newcomer, forecast as suppliers forecast a customer they have no history of). Summed over the customers
 * a retailer supplies in the interval, a customer that left takes its own shape with it (a home with PV, whose
 * midday is below its declared consumption's), where scaling yesterday's total by declared consumption did not.
 * `kwAt(k)`: the customer's metered kW in interval k as the retailer read it, NaN where it did not supply it.
 */
export function forecastCustomerKw(kwAt: (k: number) => number, interval: number, intervalsPerDay: number, declaredAnnualKwh: number, midpoint: SimTime, zone: SiteZone, holidays: Holidays, yesterday = interval - intervalsPerDay): number {
  if (yesterday >= 0) {
    const kw = kwAt(yesterday);
    if (!Number.isNaN(kw)) return kw;
  }
  if (interval > 0) {
    const kw = kwAt(interval - 1);
    if (!Number.isNaN(kw)) return kw;
  }
  return profileKw(declaredAnnualKwh, midpoint, zone, holidays);
}

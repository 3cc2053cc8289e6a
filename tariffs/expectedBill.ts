/**
 * The bill a customer choosing a tariff expects for a billing period (tariffs/choice.ts takes
 * it as `TariffOffer.expectedBill`): the period's bill computed on a profile (the engine gives
 * yesterday's meter), as if that profile were what the customer uses every day. Pure.
 *
 * For every tariff but a monthly demand charge that is the bill itself (its exact subtotal, as a
 * number). A monthly demand charge (`demandPeriod: month`) bills the month's peak once; its
 * period bill is a ratchet increment that depends on the days before, so it is not what a day of
 * that profile costs. The profile repeated over the month would set the month's peak at the
 * day's peak P, so a period of Δ days costs its share of that month:
 *
 *     expected = energy + fixed − export credit + d · P · Δ / N
 *
 * with d the monthly rate per kW, P the period's highest counting window (as a day-period bill
 * takes it), Δ the period in days of its calendar day (`BillingContext.calendarDayMs`: 1 for a whole local
 * day of 23, 24 or 25 hours) and N the days of the calendar month the period starts in (28 … 31). Example:
 * d = 15/kW, a July day peaking at 6.2 kW: 15 × 6.2 / 31 = 3.00 a day for demand.
 *
 * The share does not depend on whether the customer is on the tariff now, left it or returns to it: the
 * desk bills a month's peak on a tariff once, a return within the month resuming it (engine/retail.ts
 * `switchTo`), so a return costs what staying would have. Where the bills part from the share is a partial
 * month on the tariff: a first entry bills the month-to-date peak in full, and days away do not lower a
 * month's charge once its peak is set (README, "a customer that returns to a monthly tariff").
 */
import { MS_PER_DAY } from '../core/time.ts';
import { Money } from '../core/money.ts';
import { computeBill } from './bill.ts';
import { daysInDemandMonth, monthlyDemand } from './demandMonth.ts';
import type { BillingContext, MeterReading, Tariff } from './types.ts';

export function expectedBill(tariff: Tariff, meter: readonly MeterReading[], context: BillingContext): number {
  if (tariff.type !== 'demand-charge' || !monthlyDemand(tariff)) return computeBill(tariff, meter, context).subtotal.toNumber();
  const day = computeBill({ ...tariff, demandPeriod: 'day' }, meter, context);
  const { start, end } = day.period;
  const share = new Money(end - start).div(context.calendarDayMs ?? MS_PER_DAY).div(daysInDemandMonth(tariff, start));
  return day.subtotal.minus(day.demandCharge).plus(day.demandCharge.times(share)).toNumber();
}

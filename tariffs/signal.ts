/**
 * The retail price signal: what a customer's bidding strategy sees instead of the
 * market price. Plain numbers (a signal, not settlement), computed through the same
 * code as bills (`pricing.ts`), so a customer is billed at exactly the price it was
 * shown (up to the float conversion of the signal itself). Pure.
 *
 * Knowledge is explicit: the context says when the signal is given (`now`); a
 * critical-peak event shows only once it is announced by then, and a real-time tariff
 * shows the market prices the context provides (forecast for the future, settled for
 * the past) — never anything else.
 */
import type { SimTime } from '../core/time.ts';
import type { SiteCalendar } from '../core/calendar.ts';
import { demandWindowCounts, demandWindowStart } from './calendar.ts';
import { rate } from '../core/money.ts';
import type { Pricer } from './pricing.ts';
import { makePricer } from './pricing.ts';
import type { SignalContext, Tariff } from './types.ts';

function signalPricer(tariff: Tariff, context: SignalContext): Pricer {
  return makePricer(tariff, {
    marketPrices: context.priceForecast ?? [],
    cppEvents: context.cppEvents ?? [],
    knownBy: context.now,
    calendar: context.calendar,
  });
}

/**
 * Currency per imported kWh at the instant `t`, as known at `context.now`:
 * - flat / time-of-use / the energy part of a demand-charge tariff: the price of `t`'s period;
 * - critical-peak: the event price (or base + adder) when `t` is in the effective part of
 *   an event announced by `now`, the underlying price otherwise;
 * - real-time: `clamp(λ/1000 + adder, floor, cap)` with λ the `priceForecast` entry
 *   (currency/MWh) whose interval contains `t`.
 *
 * The demand charge is not a per-kWh price; see `demandChargePerKwAt`.
 * Throws `TariffError('missing-market-price')` when a real-time tariff has no price for `t`.
 *
 * @example retailPriceAt(touTariff, simTime(Date.parse('2026-07-03T17:00Z')), { now }) // 0.3125
 */
export function retailPriceAt(tariff: Tariff, t: SimTime, context: SignalContext): number {
  return signalPricer(tariff, context).at(t).pricePerKwh.toNumber();
}

/** `retailPriceAt` for each of `times` (e.g. the starts of the intervals of a bidding horizon), with one knowledge time. */
export function retailPriceForecast(tariff: Tariff, times: readonly SimTime[], context: SignalContext): number[] {
  const pricer = signalPricer(tariff, context);
  return times.map((t) => pricer.at(t).pricePerKwh.toNumber());
}

/**
 * Currency per exported kWh at `t`: 0 without export compensation; the export rate (net
 * billing, its older name feed-in, and buy-all/sell-all);
 * under net metering, the retail price at `t` (what an exported kWh offsets while the
 * customer remains a net importer over the billing period; beyond that it earns only
 * `netExportCreditPerKwh`).
 */
export function exportPriceAt(tariff: Tariff, t: SimTime, context: SignalContext): number {
  const comp = tariff.export;
  if (comp === undefined) return 0;
  if (comp.type !== 'net-metering') return rate(comp.exportPricePerKwh).toNumber();
  return retailPriceAt(tariff, t, context);
}

/**
 * Currency per kW of peak demand that load at `t` can set: `demandChargePerKw` when `t`
 * falls in a demand window that counts (within `demandHours`, when given; not on one of the
 * `calendar`'s holidays with `demandOnHolidays: false`), else 0 (also for tariffs without a
 * demand charge). It is what one more kW above the running peak costs, once: the billing
 * day's peak, or the calendar month's under `demandPeriod: month` (the caller keeps the
 * running peak; load below it costs no demand charge either way).
 */
export function demandChargePerKwAt(tariff: Tariff, t: SimTime, calendar?: SiteCalendar): number {
  if (tariff.type !== 'demand-charge') return 0;
  if (!demandWindowCounts(tariff, demandWindowStart(tariff, t), calendar)) return 0;
  return rate(tariff.demandChargePerKw).toNumber();
}

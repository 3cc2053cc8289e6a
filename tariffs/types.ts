/**
 * Retail tariffs as data: the shapes a scenario's `tariffs:` section parses into
 * (`tariffs/schema.ts`), what retailers offer, what bills are computed from
 * (`tariffs/bill.ts`) and what customers' strategies see as a price signal
 * (`tariffs/signal.ts`).
 *
 * Units are in the key names. Retail energy is priced in **currency per kWh**
 * (as retail tariffs are written); market prices arrive in currency per MWh
 * (as everywhere else in gridbid) and are converted with the rules in
 * `core/money.ts`. Power is kW, energy kWh, times UTC (a tariff's own hours and dates are UTC
 * unless it says `hours: local`: tariffs/localHours.ts).
 *
 * A `Tariff` is plain, JSON-serialisable data: times inside it are ISO-8601
 * strings, never `SimTime`s, so it can be written to `summary.json` and read back.
 */
import type { SiteZone } from '../core/siteZone.ts';
import type { Decimal } from 'decimal.js';
import type { SimTime } from '../core/time.ts';
import type { SiteCalendar } from '../core/calendar.ts';

/** Days of the week, in `Date.getUTCDay` order (index 0 = Sunday). */
export type Weekday = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';
export const WEEKDAYS: readonly Weekday[] = Object.freeze(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']);

/**
 * A weekly recurring time range: the hours `[fromHour, toHour)` (UTC, or the site's time in a
 * tariff with `hours: local`) on each of `days`.
 * Hours are multiples of 0.25 (quarter hours) with `0 ≤ fromHour < toHour ≤ 24`;
 * a range never wraps past midnight (write `22–24` and `0–7` as two rules, so it is
 * never ambiguous which day the early hours belong to).
 */
export interface TimeRule {
  readonly days: readonly Weekday[];
  readonly fromHour: number;
  readonly toHour: number;
}

/** One energy price for every hour. */
export interface FlatEnergy {
  readonly type: 'flat';
  /** Currency per imported kWh. */
  readonly energyPricePerKwh: number;
}

/** A named time-of-use period (e.g. `peak`), its price and the weekly hours it covers. */
export interface TouPeriod {
  readonly name: string;
  /** Currency per imported kWh during this period. */
  readonly energyPricePerKwh: number;
  /** Hours covered; may be empty for the default period. */
  readonly rules: readonly TimeRule[];
}

/**
 * Time-of-use energy prices. Every quarter hour of the week belongs to **exactly one**
 * period: rules of different periods may not overlap (the order of rules carries no
 * meaning), and a quarter hour no rule covers belongs to `defaultPeriod`. Without a
 * default period the rules must cover the whole week. The schema enforces both.
 */
export interface TouEnergy {
  readonly type: 'time-of-use';
  readonly periods: readonly TouPeriod[];
  /** Name of the period that takes every hour no rule covers. */
  readonly defaultPeriod?: string | undefined;
  /**
   * Name of the period that takes the whole of a public holiday (the site's `holidays`, local
   * days), whatever the weekly rules say: most time-of-use tariffs price holidays as weekends.
   * Without it, or without a site calendar, holidays follow the weekly rules.
   */
  readonly holidayPeriod?: string | undefined;
  /**
   * Not a scenario key: set by `utcTariffIn` (tariffs/localHours.ts) for a tariff in local hours at
   * a site whose UTC offset changes within the run (daylight saving). The rules are then the local
   * ones, read on this wall clock: a period follows the wall-clock hours in summer and in winter.
   */
  readonly wallClock?: SiteZone | undefined;
}

/** The energy part of a tariff that has one (critical peak, demand charge). */
export type EnergyComponent = FlatEnergy | TouEnergy;

/**
 * How exported energy is metered and compensated (the tariff's export rule); any tariff
 * may carry one. Without one, exports earn nothing (and cost nothing). The meter at the
 * connection point nets every device of the site within each interval (a home's PV
 * first serves its own load); the rules differ in which registers they bill:
 *
 * - `net-metering`: the net interval import and export; exports offset imports within the
 *   billing period at the retail price of the interval in which they were exported (see
 *   `bill.ts` for the formula); the offset never turns the energy charge into a payment,
 *   and a net export balance in kWh over the period is credited at
 *   `netExportCreditPerKwh` (0: surplus exports earn nothing).
 * - `net-billing` (`feed-in` is its older name, kept): the net interval import is billed at
 *   the retail price, the net interval export credited at its own rate `exportPricePerKwh`,
 *   interval by interval, with no netting across intervals.
 * - `buy-all-sell-all`: gross registers — everything the site's loads consumed is bought at
 *   the retail price and everything its generation made is sold at `exportPricePerKwh`, as
 *   if the two were metered separately (needs the readings' `consumedKwh`/`generatedKwh`).
 */
export type ExportCompensation =
  | { readonly type: 'feed-in'; readonly exportPricePerKwh: number }
  | { readonly type: 'net-billing'; readonly exportPricePerKwh: number }
  | { readonly type: 'net-metering'; readonly netExportCreditPerKwh: number }
  | { readonly type: 'buy-all-sell-all'; readonly exportPricePerKwh: number };

/** Fields every tariff has. */
export interface TariffCommon {
  /** Unique among the scenario's tariffs; bills and choices name it. */
  readonly id: string;
  readonly name?: string | undefined;
  /** Currency per day of the billing period, pro-rated to the millisecond of its calendar day (`BillingContext.calendarDayMs`). */
  readonly fixedChargePerDay?: number | undefined;
  readonly export?: ExportCompensation | undefined;
  /**
   * The clock its hours (rules, demand hours and windows, event window) and event dates are written in: `utc`
   * (the default) or `local`, the site's (`site.utcOffsetHours`). Billing and price signals read
   * UTC tariffs: a local one goes through `utcTariff` (tariffs/localHours.ts) first.
   */
  readonly hours?: 'utc' | 'local' | undefined;
}

export interface FlatTariff extends TariffCommon, FlatEnergy {}

export interface TimeOfUseTariff extends TariffCommon, TouEnergy {}

/**
 * A critical-peak event day as scheduled in a scenario: the tariff's event window
 * on `date` (UTC). It is announced at `announcedAt`, by default exactly
 * `noticeHours` before the window opens.
 */
export interface CppEventSpec {
  readonly id: string;
  /** `YYYY-MM-DD`, UTC (local in a tariff with `hours: local`). */
  readonly date: string;
  /** ISO-8601 with a zone; default: the window start minus the tariff's `noticeHours`. */
  readonly announcedAt?: string | undefined;
}

/**
 * Critical-peak pricing: an underlying flat or time-of-use energy price, replaced
 * (`eventPricePerKwh`) or raised (`eventAdderPerKwh`; exactly one of the two) in the
 * event window of event days.
 *
 * Announcement and notice: an event is *known* from its announcement on
 * (`isEventAnnounced`), and takes effect `noticeHours` after it, never before the
 * window opens. An event announced with the full notice covers the whole window;
 * one announced late covers only the rest of the window from announcement + notice.
 */
export interface CriticalPeakTariff extends TariffCommon {
  readonly type: 'critical-peak';
  readonly energy: EnergyComponent;
  /** Minimum time between an event's announcement and the start of its event price. */
  readonly noticeHours: number;
  /** Hours of an event day the event price applies to, `[fromHour, toHour)` UTC (or local, `hours: local`). */
  readonly eventWindow: { readonly fromHour: number; readonly toHour: number };
  /**
   * Not a scenario key: set by `utcTariffIn` (tariffs/localHours.ts) for a tariff in local hours at a
   * site whose UTC offset changes within the run. The event window and event dates are then the local ones, read on this
   * wall clock (tariffs/events.ts): 16:00–21:00 is 16:00–21:00 on the wall on either side of a change.
   */
  readonly wallClock?: SiteZone | undefined;
  /** Currency per kWh in effect during an event, replacing the underlying price. */
  readonly eventPricePerKwh?: number | undefined;
  /** Currency per kWh added to the underlying price during an event. */
  readonly eventAdderPerKwh?: number | undefined;
  /** Events scheduled in the scenario; events called at run time come through the context. */
  readonly events: readonly CppEventSpec[];
}

/**
 * Real-time pricing: the market price of the interval (currency/MWh, divided by
 * 1000) plus an adder, then clamped to `[floorPerKwh, capPerKwh]` where they are set.
 */
export interface RealTimeTariff extends TariffCommon {
  readonly type: 'real-time';
  /** Currency per kWh added to the market price (retail margin, network charges). */
  readonly adderPerKwh: number;
  readonly floorPerKwh?: number | undefined;
  readonly capPerKwh?: number | undefined;
}

/**
 * An energy component plus a demand charge on the peak demand: the highest average import
 * power over a clock-aligned window of `demandWindowMinutes` (blocks start at midnight of the
 * tariff's clock and every window length after it: UTC midnight, or local midnight in a tariff
 * with `hours: local`), counting only windows that start within `demandHours` when those are
 * given, and none on the site's holidays with `demandOnHolidays: false`. `demandPeriod` says
 * whose peak is charged: the billing period's (`day`, the default) or the calendar month's
 * (`month`, billed by the day as the increase of the month-to-date peak: tariffs/bill.ts).
 */
export interface DemandChargeTariff extends TariffCommon {
  readonly type: 'demand-charge';
  readonly energy: EnergyComponent;
  /** Currency per kW of the period's peak demand. */
  readonly demandChargePerKw: number;
  /** Length of the demand window; divides a day (5, 15, 30, 60 …). */
  readonly demandWindowMinutes: number;
  /** Windows counted for the peak; absent: every window. */
  readonly demandHours?: readonly TimeRule[] | undefined;
  /**
   * Whether windows on the site's public holidays (`BillingContext.calendar`, local days) count
   * for the peak. Default true (the weekly `demandHours` alone decide); false for the
   * time-related demand charges that, like most, exclude holidays.
   */
  readonly demandOnHolidays?: boolean | undefined;
  /**
   * The peak the charge is on: `day` (default) the billing period's own highest window, so every
   * billing day's peak costs; `month` the calendar month's highest window, so only raising the
   * month's peak costs (`demandChargePerKw` is then a monthly rate). A window belongs to the
   * month of its start, in the tariff's clock (UTC, or the site's with `hours: local`).
   */
  readonly demandPeriod?: DemandPeriod | undefined;
  /**
   * Hours from UTC of the clock whose calendar months a `month` period follows: set by
   * `utcTariff` (tariffs/localHours.ts) when it reads a local tariff as UTC, so that the month
   * still starts at local midnight on the 1st; absent (0) for a tariff written in UTC. Not a
   * scenario key (the schema refuses it): the site's `utcOffsetHours` says it.
   */
  readonly monthUtcOffsetHours?: number | undefined;
  /**
   * Not a scenario key: set by `utcTariffIn` (tariffs/localHours.ts) for a tariff in local hours at a
   * site whose UTC offset changes within the run. `demandHours` are then the local rules, read on this wall clock
   * (tariffs/calendar.ts `demandWindowCounts`), and a `month` period's months are the local calendar's
   * (tariffs/demandMonth.ts); the windows' grid is the same in every offset of the run (validate checks it).
   */
  readonly wallClock?: SiteZone | undefined;
  /**
   * Minutes after UTC midnight at which the windows' grid starts, 0 ≤ m < demandWindowMinutes (default 0).
   * Not a scenario key: `utcTariff` sets it for a tariff in local hours, whose windows are blocks of the local
   * clock (hourly windows at UTC+5:30 start at :30 UTC). See `demandWindowStart` (tariffs/calendar.ts).
   */
  readonly demandWindowStartMinute?: number | undefined;
}

/** Whose peak a demand charge is on: each billing day's, or the calendar month's. */
export type DemandPeriod = 'day' | 'month';
export const DEMAND_PERIODS: readonly DemandPeriod[] = Object.freeze(['day', 'month']);

export type Tariff = FlatTariff | TimeOfUseTariff | CriticalPeakTariff | RealTimeTariff | DemandChargeTariff;
export type TariffType = Tariff['type'];

/**
 * A register's energy, kWh: a number, taken as its shortest decimal string (0.1025), or an
 * exact Decimal. The bill rounds it to the Wh half-even, so a number that is a float
 * product (410 × 0.001 × 0.25 = 0.10250000000000001) lets the float's last bits decide a
 * tie: metered energy should come as the Decimal of its quanta (`core/money.ts` `quantaKwh`).
 */
export type RegisterKwh = number | Decimal;

/** One meter interval: energy imported from and exported to the grid over `[start, start + durationH)`. */
export interface MeterReading {
  readonly start: SimTime;
  readonly durationH: number;
  /** Net registers: energy drawn from and sent to the grid over the interval, kWh (one of them is 0 for a net meter). */
  readonly importKwh: RegisterKwh;
  readonly exportKwh: RegisterKwh;
  /**
   * Gross registers (buy-all/sell-all): everything the site's loads consumed and its
   * generation made, kWh; importKwh − exportKwh = consumedKwh − generatedKwh. Absent on a
   * plain net meter.
   */
  readonly consumedKwh?: RegisterKwh;
  readonly generatedKwh?: RegisterKwh;
}

/** The market price of one market interval at a customer's bus, currency per MWh. */
export interface MarketPrice {
  readonly start: SimTime;
  readonly durationH: number;
  readonly priceMwh: number;
}

/**
 * A critical-peak event as the engine uses it: scheduled ones are resolved from a
 * `CppEventSpec` (`resolveScheduledEvents`), run-time ones are created by whoever
 * calls the event (a retailer, the operator).
 */
export interface CppEvent {
  readonly id: string;
  /** The critical-peak tariff the event is for; absent: every critical-peak tariff. */
  readonly tariffId?: string | undefined;
  /** UTC midnight of the event day. */
  readonly day: SimTime;
  readonly announcedAt: SimTime;
}

/** What a bill needs besides the tariff and the meter. */
export interface BillingContext {
  /**
   * Billing period `[start, end)`. Fixed charges are pro-rated over it and the demand
   * charge takes one peak over it; every reading must lie inside it.
   * Default: from the first reading's start to the last reading's end.
   */
  readonly period?: { readonly start: SimTime; readonly end: SimTime } | undefined;
  /**
   * The length, ms, of the calendar day the period is (all or part) of: a daily fixed charge is pro-rated
   * over it, so a billing day that is a whole local day of 23 or 25 hours (a daylight-saving change) pays one
   * day's charge, and a partial day the share of its day it covers (engine/billingDays.ts). Default 24 h.
   */
  readonly calendarDayMs?: number | undefined;
  /** Settled market prices at the customer's bus, for real-time tariffs. */
  readonly marketPrices?: readonly MarketPrice[] | undefined;
  /** Critical-peak events called at run time (added to those the tariff schedules). */
  readonly cppEvents?: readonly CppEvent[] | undefined;
  /** Knowledge time: events announced after it are ignored. Default: every event counts. */
  readonly asOf?: SimTime | undefined;
  /** The site's holidays, for a time-of-use `holidayPeriod` and a demand charge's `demandOnHolidays`. Default: none. */
  readonly calendar?: SiteCalendar | undefined;
  /**
   * A `month`-period demand charge's month-to-date peak before this billing period (what the
   * previous bill's demand line ended on, `DemandLine.months`' last entry): the period is charged
   * only for raising it. It counts for the month it names; a month the period touches without
   * one starts at zero. Ignored by `day`-period tariffs. Default: none (every month from zero).
   */
  readonly demandToDate?: DemandToDate | undefined;
}

/** A calendar month's peak so far (a `month`-period demand charge). */
export interface DemandToDate {
  /** The month, `YYYY-MM`, in the tariff's clock. */
  readonly month: string;
  /** Its highest counting window so far, kW (rounded to the watt, as bills do). */
  readonly peakKw: Decimal;
  /** Start of that window; absent when no window counted yet. */
  readonly peakStart?: SimTime | undefined;
}

/** What a price signal needs: the moment it is given, and what is known then. */
export interface SignalContext {
  /** The time the signal is given: critical-peak events count only once announced by then. */
  readonly now: SimTime;
  /** Market prices (known or forecast) per market interval, for real-time tariffs. */
  readonly priceForecast?: readonly MarketPrice[] | undefined;
  /** Critical-peak events called at run time (added to those the tariff schedules). */
  readonly cppEvents?: readonly CppEvent[] | undefined;
  /** The site's holidays, for a time-of-use `holidayPeriod`. Default: none. */
  readonly calendar?: SiteCalendar | undefined;
}

export type TariffErrorCode =
  | 'invalid-reading'
  | 'overlapping-readings'
  | 'reading-outside-period'
  | 'invalid-period'
  | 'reading-spans-periods'
  | 'reading-spans-demand-windows'
  | 'missing-market-price'
  | 'invalid-market-price'
  | 'reading-spans-price-intervals'
  | 'uncovered-time'
  | 'conflicting-event';

/**
 * A bill or signal that cannot be computed from what it was given: a malformed or
 * overlapping reading, a reading that straddles a price boundary (a time-of-use
 * period, an event window, a market interval, a demand window), a missing market
 * price. Tagged with a `code` callers can match; never thrown for a valid input.
 */
export class TariffError extends Error {
  override readonly name = 'TariffError';
  constructor(
    readonly code: TariffErrorCode,
    message: string,
  ) {
    super(message);
  }
}

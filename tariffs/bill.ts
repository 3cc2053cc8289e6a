/**
 * Bills: one pure function per tariff type, and `computeBill` to dispatch.
 * Exact arithmetic (`Decimal`), rounding only where data enters and once at the
 * end (rules in `money.ts`). Charges are positive, credits negative; a positive
 * total is what the customer pays.
 *
 * Notation used in the formulas below, for readings i of the billing period:
 *
 *     mᵢ  imported kWh (rounded to the Wh)      xᵢ  exported kWh (rounded to the Wh)
 *     eᵢ  imported kWh as metered (the reading's exact value, unrounded: mᵢ = round_Wh_half_even(eᵢ))
 *     pᵢ  retail energy price of reading i, currency/kWh (the price `retailPriceAt` shows)
 *     M = Σ mᵢ,  X = Σ xᵢ,  E = Σ mᵢ·pᵢ  (the energy charge)
 *     f   fixed charge per day, Δ the billing period in days: its ms ÷ the ms of the calendar day it is
 *         of (`BillingContext.calendarDayMs`, default 86 400 000): 1 for a whole local day of 23, 24 or
 *         25 hours; exact for whole days, to 40 significant digits otherwise, e.g. 1 h = 1/24 day)
 *
 *     total = round_cent_half_up( E + f·Δ + demand charge − export credit )
 *
 * Export rule (any tariff; `types.ts` ExportCompensation). The meter nets the site's devices
 * within each interval: mᵢ and xᵢ are the net interval import and export, except under
 * buy-all/sell-all, which bills the gross registers (mᵢ = consumedKwh, xᵢ = generatedKwh):
 *
 *     none          nothing: exports earn and cost nothing
 *     net-billing   credit = X · r                               r = exportPricePerKwh
 *     (feed-in: the older name of net-billing)
 *     buy-all-sell-all  credit = X · r on the gross generation X; every consumed kWh is in E
 *     net-metering  V = Σ xᵢ·pᵢ   (exports valued at the retail price of their interval)
 *                   offset  = min(V, max(E, 0))   (never turns the energy charge into a payment)
 *                   surplus = max(0, X − M) · c    c = netExportCreditPerKwh (0: surplus earns nothing)
 *                   credit  = offset + surplus
 *
 * With one price all period long this is classic kWh netting: the customer pays
 * p·(M − X) when M ≥ X, and is paid c·(X − M) when X > M. With time-varying prices
 * exports are credited at the price of the hour they happen (NEM 2.0-style value
 * netting), and export value beyond the energy charge is forfeited rather than paid out.
 *
 * A reading must not straddle a price boundary (time-of-use period, event window,
 * market interval, demand window): the bill then throws a `TariffError` instead of
 * guessing how the energy splits. Readings may not overlap; gaps are allowed (no
 * energy). Inputs are never mutated.
 */
import type { Decimal } from 'decimal.js';
import type { SimTime } from '../core/time.ts';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, formatSimTime, simTime } from '../core/time.ts';
import { holidayAt, type SiteCalendar } from '../core/calendar.ts';
import { demandWindowCounts, demandWindowStart } from './calendar.ts';
import { demandMonthAt, monthlyDemand } from './demandMonth.ts';
import { Money, ZERO, energyKwh, roundPowerKw, rate, roundToCent, sum } from '../core/money.ts';
import type { Pricer } from './pricing.ts';
import { REAL_TIME_LABEL, makePricer } from './pricing.ts';
import type {
  BillingContext,
  CriticalPeakTariff,
  DemandChargeTariff,
  DemandToDate,
  FlatTariff,
  MeterReading,
  RealTimeTariff,
  Tariff,
  TariffType,
  TimeOfUseTariff,
} from './types.ts';
import { TariffError } from './types.ts';

/** Energy imported at one price label: `amount = kwh × pricePerKwh` (summed per reading when the price varies). */
export interface EnergyLine {
  readonly kind: 'energy';
  /** `energy` (flat), the period name, `critical-peak`, `<period> + critical-peak`, `real-time`. */
  readonly label: string;
  readonly kwh: Decimal;
  /** The price when it is the same for every reading of the line; absent for real-time. */
  readonly pricePerKwh?: Decimal;
  readonly amount: Decimal;
}

/**
 * The demand charge. `day` period: `amount = peakKw × pricePerKw`. `month` period:
 * `amount = Σₘ (peakKwₘ − priorPeakKwₘ) × pricePerKw` over the calendar months the billing
 * period touches (`months`), and `peakKw`, `peakStart` are the last of them: the month-to-date
 * peak at the period's end, which the next bill starts from (a billing day that begins on 31 July
 * and ends on 1 August reads August's peak so far; July's increase is in `months[0]`). Billing days
 * are the site's local days (engine/billingDays.ts), so in a run only a tariff on another clock than
 * the site's (UTC hours at a non-zero offset) has a day that touches two months.
 */
export interface DemandLine {
  readonly kind: 'demand';
  readonly label: 'demand charge';
  /**
   * Highest average import power over one demand window, from the metered (unrounded) import energy, rounded to the
   * watt (half-even): the period's (`day`), or the month-to-date peak at the period's end (`month`).
   */
  readonly peakKw: Decimal;
  /** Start of the (earliest) window with that peak; absent when no window counted. */
  readonly peakStart?: SimTime;
  readonly windowMinutes: number;
  readonly pricePerKw: Decimal;
  readonly amount: Decimal;
  /** `month` period only: per calendar month the billing period touches, in time order, the ratchet it was charged. */
  readonly months?: readonly DemandMonthLine[];
}

/** One calendar month's part of a `month`-period demand line: `amount = (peakKw − priorPeakKw) × pricePerKw`. */
export interface DemandMonthLine {
  /** `YYYY-MM`, in the tariff's clock (tariffs/demandMonth.ts). */
  readonly month: string;
  /** The month-to-date peak before the billing period (`BillingContext.demandToDate`; 0 for a month it opens). */
  readonly priorPeakKw: Decimal;
  /** The month-to-date peak at the period's end: max(priorPeakKw, the period's highest window of the month). */
  readonly peakKw: Decimal;
  /** Start of the window that set `peakKw` (the earliest, and the prior one on a tie); absent when none counted yet. */
  readonly peakStart?: SimTime;
  readonly amount: Decimal;
}

/** The fixed charge: `amount = days × pricePerDay`. */
export interface FixedLine {
  readonly kind: 'fixed';
  readonly label: 'fixed charge';
  readonly days: Decimal;
  readonly pricePerDay: Decimal;
  readonly amount: Decimal;
}

/** Export compensation; `amount` is negative for a credit. */
export interface ExportLine {
  readonly kind: 'export';
  readonly label: 'feed-in' | 'net-billing' | 'sell-all' | 'net-metering offset' | 'net surplus';
  readonly kwh: Decimal;
  readonly pricePerKwh?: Decimal;
  readonly amount: Decimal;
}

export type BillLine = EnergyLine | DemandLine | FixedLine | ExportLine;

export interface Bill {
  readonly tariffId: string;
  readonly tariffType: TariffType;
  readonly period: { readonly start: SimTime; readonly end: SimTime };
  /** Σ mᵢ and Σ xᵢ, kWh. */
  readonly importKwh: Decimal;
  readonly exportKwh: Decimal;
  /** Every item, in bill order: energy lines, demand, fixed, export. */
  readonly lines: readonly BillLine[];
  readonly energyCharge: Decimal;
  readonly demandCharge: Decimal;
  readonly fixedCharge: Decimal;
  /** Σ of the export lines' amounts: ≤ 0 except for exports valued at negative real-time prices. */
  readonly exportCredit: Decimal;
  /** The demand line, when the tariff has a demand charge. */
  readonly demand?: DemandLine;
  /** Σ of the lines' amounts, exact. */
  readonly subtotal: Decimal;
  /** `total − subtotal`, what rounding to the cent added (|rounding| ≤ 0.005). */
  readonly rounding: Decimal;
  /** The subtotal rounded to the cent, half-up. */
  readonly total: Decimal;
}

/**
 * Flat tariff.
 *
 *     total = round( p·M + f·Δ − export credit )
 *
 * Worked example: p = 0.2150/kWh, f = 0.45/day, one day, M = 25.000 kWh:
 * 25.000 × 0.2150 = 5.3750; + 0.45 × 1 = 5.8250 → 5.83 (half-up).
 */
export function billFlat(tariff: FlatTariff, meter: readonly MeterReading[], context: BillingContext = {}): Bill {
  return assemble(tariff, meter, context);
}

/**
 * Time-of-use tariff: each reading is priced by the period its interval lies in.
 *
 *     total = round( Σₖ pₖ · Mₖ + f·Δ − export credit ),   Mₖ = Σ mᵢ over readings in period k
 *
 * Worked example (peak 0.3125 weekdays 16–21, shoulder 0.1875 weekdays 7–16 and 21–22,
 * off-peak 0.0950 otherwise): Friday + Saturday with M_off = 38, M_shoulder = 10,
 * M_peak = 10 kWh: 38 × 0.0950 + 10 × 0.1875 + 10 × 0.3125 = 3.610 + 1.875 + 3.125 = 8.61.
 */
export function billTimeOfUse(tariff: TimeOfUseTariff, meter: readonly MeterReading[], context: BillingContext = {}): Bill {
  return assemble(tariff, meter, context);
}

/**
 * Critical-peak tariff: the underlying flat/TOU price, except in the effective part of
 * a known event's window (see `events.ts`), where the price is the event price
 * (or the underlying price plus the adder).
 *
 *     pᵢ = P_event (or p_base,i + adder)   if reading i lies in [effectiveFrom, windowEnd) of a known event
 *          p_base,i                         otherwise
 *     total = round( Σ mᵢ·pᵢ + f·Δ − export credit )
 *
 * Worked example: flat 0.20, event price 0.90 over 14–18, one day with 1 kWh every hour
 * and 2 kWh in each of the four event hours: 20 × 0.20 + 8 × 0.90 = 4.00 + 7.20 = 11.20.
 * Billed as of a time before the announcement the event is unknown: 28 × 0.20 = 5.60.
 */
export function billCriticalPeak(tariff: CriticalPeakTariff, meter: readonly MeterReading[], context: BillingContext = {}): Bill {
  return assemble(tariff, meter, context);
}

/**
 * Real-time tariff: the market price λᵢ (currency/MWh) of the market interval containing
 * reading i, passed through.
 *
 *     pᵢ = clamp( round(λᵢ, 1e-4)/1000 + adder, floor, cap )
 *     total = round( Σ mᵢ·pᵢ + f·Δ − export credit )
 *
 * Worked example: adder 0.03, cap 0.50; λ = 1200 /MWh, m = 2.5 kWh:
 * p = min(1.2000 + 0.03, 0.50) = 0.50, so 2.5 × 0.50 = 1.25 for that hour.
 */
export function billRealTime(tariff: RealTimeTariff, meter: readonly MeterReading[], context: BillingContext = {}): Bill {
  return assemble(tariff, meter, context);
}

/**
 * Demand-charge tariff: the energy component, plus the demand charge on the period's
 * peak. Windows w are clock-aligned blocks of `demandWindowMinutes` (T hours) starting at
 * UTC midnight (local midnight for a tariff read from local hours: `demandWindowStartMinute`);
 * only those starting within `demandHours` count when it is given, and none
 * on the site's holidays (`context.calendar`) with `demandOnHolidays: false`.
 *
 *     D_w  = Σ eᵢ over readings in w / T          (kW: the metered average import power; missing readings count as zero)
 *     peak = max_w round_W_half_even(D_w)          (ties: the earliest window)
 *
 * The peak is the average power of the energy as metered, rounded once to the watt; it is
 * not derived from the Wh-rounded mᵢ (that would round twice: a 15-minute reading of
 * 0.1025 kWh, 410 W, bills 0.102 kWh but a demand of 0.410 kW, not 0.408).
 *     total = round( E + d · peak + f·Δ − export credit ),   d = demandChargePerKw
 *
 * Only imports count for demand (exports never lower it). A reading longer than the
 * window, or crossing a window boundary, throws `reading-spans-demand-windows`.
 *
 * Worked example: 60-minute window, 15-minute readings. At 08:00 the readings are
 * 1.00, 0.25, 0.25, 0.25 kWh (a 4 kW spike, but 1.75 kW over the hour); at 18:00 four
 * readings of 0.75 kWh (3 kW all hour). Peak = 3.000 kW at 18:00, not 4 kW:
 * at 12.50/kW the demand charge is 37.50.
 *
 * `demandPeriod: month`: the charge is on the calendar month's peak (months in the tariff's
 * clock, a window in the month of its start: tariffs/demandMonth.ts), billed by the billing
 * period as the ratchet of the month-to-date peak. For each month m the period touches, with
 * Pₘ the month-to-date peak before the period (`context.demandToDate`, else 0):
 *
 *     peakₘ = max_{w in the period, w in m} round_W_half_even(D_w)
 *     demand charge = d · Σₘ ( max(Pₘ, peakₘ) − Pₘ )
 *
 * Each term is ≥ 0, and over a month's billing days they telescope to d · (the month's peak):
 * load below the month's running peak costs no demand charge. Worked example, d = 12.50/kW,
 * daily bills: peaks 10 kW on 1 July, 8 kW on 2 July, 12 kW on 3 July → 125.00, 0, 25.00
 * (= 12.50 × 12 over the three days); on 1 August the month starts again from 0.
 */
export function billDemandCharge(tariff: DemandChargeTariff, meter: readonly MeterReading[], context: BillingContext = {}): Bill {
  return assemble(tariff, meter, context);
}

/**
 * The bill of `meter` under `tariff` over the billing period (see `BillingContext`).
 * Pure. Throws `TariffError` for readings it cannot price (see the module comment)
 * and `RangeError` for non-finite tariff numbers.
 */
export function computeBill(tariff: Tariff, meter: readonly MeterReading[], context: BillingContext = {}): Bill {
  switch (tariff.type) {
    case 'flat':
      return billFlat(tariff, meter, context);
    case 'time-of-use':
      return billTimeOfUse(tariff, meter, context);
    case 'critical-peak':
      return billCriticalPeak(tariff, meter, context);
    case 'real-time':
      return billRealTime(tariff, meter, context);
    case 'demand-charge':
      return billDemandCharge(tariff, meter, context);
    default: {
      const never: never = tariff;
      throw new TypeError(`unknown tariff type ${JSON.stringify((never as { type?: unknown }).type)}`);
    }
  }
}

// ---------------------------------------------------------------------------

/** A validated reading with exact energies: billed (on the Wh) and, for demand, the import as metered (unrounded). */
interface Reading {
  readonly start: number;
  readonly end: number;
  readonly importKwh: Decimal;
  readonly exportKwh: Decimal;
  readonly importExactKwh: Decimal;
}

/** A register: a finite number ≥ 0 or a finite Decimal ≥ 0. */
const validRegister = (v: unknown): boolean =>
  typeof v === 'number' ? Number.isFinite(v) && v >= 0 : Money.isDecimal(v) && (v as Decimal).isFinite() && !(v as Decimal).lt(0);

const iso = (t: number): string => formatSimTime(simTime(t));

/** Validates, converts (Wh) and sorts the readings (the gross registers under buy-all/sell-all); resolves the billing period. */
function prepare(meter: readonly MeterReading[], context: BillingContext, gross: boolean): { readings: Reading[]; start: number; end: number } {
  const readings: Reading[] = meter.map((r, i) => {
    const at = `reading ${i}`;
    if (typeof r.start !== 'number' || !Number.isFinite(r.start)) throw new TariffError('invalid-reading', `${at}: start must be a finite SimTime`);
    const when = `${at} (${iso(r.start)})`;
    if (typeof r.durationH !== 'number' || !Number.isFinite(r.durationH) || r.durationH <= 0)
      throw new TariffError('invalid-reading', `${when}: durationH must be a positive number, got ${String(r.durationH)}`);
    for (const key of ['importKwh', 'exportKwh'] as const) {
      if (!validRegister(r[key])) throw new TariffError('invalid-reading', `${when}: ${key} must be a finite number ≥ 0, got ${String(r[key])}`);
    }
    let importKwh = r.importKwh;
    let exportKwh = r.exportKwh;
    if (gross) {
      for (const key of ['consumedKwh', 'generatedKwh'] as const) {
        if (!validRegister(r[key]))
          throw new TariffError('invalid-reading', `${when}: buy-all/sell-all bills the gross registers, and ${key} must be a finite number ≥ 0, got ${String(r[key])}`);
      }
      importKwh = r.consumedKwh!;
      exportKwh = r.generatedKwh!;
    }
    const importExact = new Money(importKwh);
    return {
      start: r.start,
      end: r.start + Math.round(r.durationH * MS_PER_HOUR),
      importKwh: energyKwh(importExact),
      exportKwh: energyKwh(exportKwh),
      importExactKwh: importExact,
    };
  });
  readings.sort((a, b) => a.start - b.start);
  for (let i = 1; i < readings.length; i++) {
    const prev = readings[i - 1]!;
    const cur = readings[i]!;
    if (cur.start < prev.end) throw new TariffError('overlapping-readings', `the reading at ${iso(cur.start)} overlaps the one at ${iso(prev.start)}–${iso(prev.end)}`);
  }
  let start: number;
  let end: number;
  if (context.period) {
    ({ start, end } = context.period);
    if (!Number.isFinite(start) || !Number.isFinite(end) || end < start)
      throw new TariffError('invalid-period', `the billing period must have finite start ≤ end, got ${String(start)}–${String(end)}`);
    for (const r of readings)
      if (r.start < start || r.end > end)
        throw new TariffError('reading-outside-period', `the reading at ${iso(r.start)}–${iso(r.end)} is outside the billing period ${iso(start)}–${iso(end)}`);
  } else if (readings.length === 0) {
    start = end = 0;
  } else {
    start = readings[0]!.start;
    end = readings.reduce((m, r) => Math.max(m, r.end), -Infinity);
  }
  return { readings, start, end };
}

interface Accumulator {
  kwh: Decimal;
  price: Decimal | undefined;
  uniform: boolean;
  amount: Decimal;
}

function assemble(tariff: Tariff, meter: readonly MeterReading[], context: BillingContext): Bill {
  const { readings, start, end } = prepare(meter, context, tariff.export?.type === 'buy-all-sell-all');
  const pricer: Pricer = makePricer(tariff, {
    marketPrices: context.marketPrices ?? [],
    cppEvents: context.cppEvents ?? [],
    knownBy: context.asOf ?? Infinity,
    calendar: context.calendar,
  });

  // Energy: Σ mᵢ·pᵢ per label, and V = Σ xᵢ·pᵢ for net metering.
  const byLabel = new Map<string, Accumulator>();
  let importKwh = ZERO;
  let exportKwh = ZERO;
  let exportValue = ZERO;
  for (const r of readings) {
    const { label, pricePerKwh } = pricer.interval(r.start, r.end);
    importKwh = importKwh.plus(r.importKwh);
    exportKwh = exportKwh.plus(r.exportKwh);
    if (!r.exportKwh.isZero()) exportValue = exportValue.plus(r.exportKwh.times(pricePerKwh));
    if (r.importKwh.isZero()) continue;
    const acc = byLabel.get(label);
    const amount = r.importKwh.times(pricePerKwh);
    if (acc === undefined) byLabel.set(label, { kwh: r.importKwh, price: pricePerKwh, uniform: true, amount });
    else {
      acc.kwh = acc.kwh.plus(r.importKwh);
      acc.amount = acc.amount.plus(amount);
      if (acc.uniform && !acc.price!.eq(pricePerKwh)) acc.uniform = false;
    }
  }
  const order = (label: string): number => {
    const k = pricer.labels.indexOf(label);
    return k < 0 ? pricer.labels.length : k;
  };
  const energyLines: EnergyLine[] = [...byLabel.entries()]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([label, acc]) => ({
      kind: 'energy' as const,
      label,
      kwh: acc.kwh,
      ...(acc.uniform && acc.price !== undefined && label !== REAL_TIME_LABEL ? { pricePerKwh: acc.price } : {}),
      amount: acc.amount,
    }));
  const energyCharge = sum(energyLines.map((l) => l.amount));

  const demand = tariff.type === 'demand-charge' ? demandLine(tariff, readings, context.calendar, { start, end }, context.demandToDate) : undefined;
  const fixed: FixedLine | undefined =
    tariff.fixedChargePerDay === undefined ? undefined : fixedLine(rate(tariff.fixedChargePerDay), new Money(end - start).div(context.calendarDayMs ?? MS_PER_DAY));
  const exportLines = exportCompensation(tariff, importKwh, exportKwh, energyCharge, exportValue);

  const lines: BillLine[] = [...energyLines, ...(demand ? [demand] : []), ...(fixed ? [fixed] : []), ...exportLines];
  const subtotal = sum(lines.map((l) => l.amount));
  const total = roundToCent(subtotal);
  return {
    tariffId: tariff.id,
    tariffType: tariff.type,
    period: { start: simTime(start), end: simTime(end) },
    importKwh,
    exportKwh,
    lines,
    energyCharge,
    demandCharge: demand?.amount ?? ZERO,
    fixedCharge: fixed?.amount ?? ZERO,
    exportCredit: sum(exportLines.map((l) => l.amount)),
    ...(demand ? { demand } : {}),
    subtotal,
    rounding: total.minus(subtotal),
    total,
  };
}

/**
 * The fixed charge, `days × pricePerDay` to 18 decimals (half-even; `FIXED_CHARGE_DECIMALS`). A part of a day is a share
 * such as 22/24 (a billing day from 02:00 local), whose product is a repeating decimal: written to 60 digits in bills.csv,
 * it did not fit the outputs' exact money type (then DECIMAL(38,18), now DECIMAL(38,20): output/tables.ts), so the Parquet copy differed from the
 * CSV. The rounding never moves the bill's cent: the other lines are multiples of 1e-10 (Wh or W × a rate's 1e-7), the
 * exact fixed charge a multiple of 1e-7 ÷ the day's ms (≤ 25 h = 9e7 ms), so the exact total is a half cent exactly or at
 * least 1 ÷ (1e10 × 9e7) ≈ 1.1e-18 from one: more than the rounding's 5e-19.
 */
function fixedLine(pricePerDay: Decimal, days: Decimal): FixedLine {
  return { kind: 'fixed', label: 'fixed charge', days, pricePerDay, amount: days.times(pricePerDay).toDecimalPlaces(FIXED_CHARGE_DECIMALS, Money.ROUND_HALF_EVEN) };
}

/** Decimals of a fixed charge (`fixedLine`): within the outputs' exact money scale (20 decimals, output/tables.ts `MONEY`). */
export const FIXED_CHARGE_DECIMALS = 18;

function exportCompensation(tariff: Tariff, importKwh: Decimal, exportKwh: Decimal, energyCharge: Decimal, exportValue: Decimal): ExportLine[] {
  const comp = tariff.export;
  if (comp === undefined || exportKwh.isZero()) return [];
  if (comp.type !== 'net-metering') {
    const price = rate(comp.exportPricePerKwh);
    const label = comp.type === 'buy-all-sell-all' ? 'sell-all' : comp.type;
    return [{ kind: 'export', label, kwh: exportKwh, pricePerKwh: price, amount: exportKwh.times(price).neg() }];
  }
  const offset = Money.min(exportValue, Money.max(energyCharge, ZERO));
  const lines: ExportLine[] = [{ kind: 'export', label: 'net-metering offset', kwh: Money.min(exportKwh, importKwh), amount: offset.neg() }];
  const surplusKwh = exportKwh.minus(importKwh);
  if (surplusKwh.gt(0)) {
    const price = rate(comp.netExportCreditPerKwh);
    lines.push({ kind: 'export', label: 'net surplus', kwh: surplusKwh, pricePerKwh: price, amount: surplusKwh.times(price).neg() });
  }
  return lines;
}

/**
 * A demand window's average import power, kW on the watt (half-even), from the exact sum of its readings. The
 * readings of a 5- or 20-minute meter repeat (7 W for 5 minutes is 7/12 Wh) and are kept to 60 significant
 * digits, so their sum can sit a hair off a tie that the exact energies make: six such readings of 7 W in an
 * hour are 3.5 W exactly, half-even 4 W, but their 60-digit sum lay just below 3.5 and billed 3 W (audit
 * A-fuzz3, seed 9275). Rounded first to 30 decimals — far above the sum's error (60 digits of at most
 * ~1e10 kWh a reading, a few hundred readings: < 1e-45) and far below the smallest step between two true
 * averages (a quantum ≥ 1e-5 kW × a reading's minutes ÷ the window's: > 1e-9 kW) — the sum is the exact
 * rational again, and its tie is rounded as one.
 */
function windowPeakKw(energyKwh: Money, windowMinutes: number): Money {
  return roundPowerKw(energyKwh.times(60).div(windowMinutes).toDecimalPlaces(30, Money.ROUND_HALF_EVEN));
}

function demandLine(
  tariff: DemandChargeTariff,
  readings: readonly Reading[],
  calendar: SiteCalendar | undefined,
  period: { readonly start: number; readonly end: number },
  toDate: DemandToDate | undefined,
): DemandLine {
  const windowMinutes = tariff.demandWindowMinutes;
  const windowMs = windowMinutes * MS_PER_MINUTE;
  if (!Number.isInteger(windowMinutes) || windowMinutes <= 0) throw new RangeError(`demandWindowMinutes must be a positive integer, got ${windowMinutes}`);
  // Windows by their start (a grid from UTC midnight, moved by demandWindowStartMinute in a tariff read from local hours).
  const blocks = new Map<number, Decimal>();
  for (const r of readings) {
    const ws = demandWindowStart(tariff, r.start);
    if (demandWindowStart(tariff, r.end - 1) !== ws)
      throw new TariffError(
        'reading-spans-demand-windows',
        `the reading at ${iso(r.start)}–${iso(r.end)} does not fit in one ${windowMinutes}-minute demand window; the meter must measure at least as finely as the window`,
      );
    if (tariff.demandOnHolidays === false && calendar !== undefined) {
      const edge = holidayEdgeIn(calendar, ws, ws + windowMs);
      if (edge !== undefined)
        throw new TariffError(
          'reading-spans-demand-windows',
          `the ${windowMinutes}-minute demand window at ${iso(ws)} straddles the start or end of a holiday (${iso(edge)}); with demandOnHolidays: false, local midnight must be a window boundary`,
        );
    }
    if (!demandWindowCounts(tariff, ws, calendar)) continue;
    blocks.set(ws, (blocks.get(ws) ?? ZERO).plus(r.importExactKwh));
  }
  const pricePerKw = rate(tariff.demandChargePerKw);
  if (monthlyDemand(tariff)) return monthDemandLine(tariff, blocks, pricePerKw, period, toDate);
  let peakKw = ZERO;
  let peakBlock: number | undefined;
  for (const b of [...blocks.keys()].sort((x, y) => x - y)) {
    const kw = windowPeakKw(blocks.get(b)!, windowMinutes);
    if (peakBlock === undefined || kw.gt(peakKw)) {
      peakKw = kw;
      peakBlock = b;
    }
  }
  return {
    kind: 'demand',
    label: 'demand charge',
    peakKw,
    ...(peakBlock === undefined ? {} : { peakStart: simTime(peakBlock) }),
    windowMinutes,
    pricePerKw,
    amount: peakKw.times(pricePerKw),
  };
}

/**
 * The `month`-period demand line: per calendar month the period touches (its instants, and the
 * windows of its readings, each in the month of its start), the month-to-date peak before it
 * (`toDate` for the month it names, else 0) raised by the period's highest window of the month;
 * the period pays the rises. `blocks` are the counting windows' energies by window start (ms).
 */
function monthDemandLine(
  tariff: DemandChargeTariff,
  blocks: ReadonlyMap<number, Decimal>,
  pricePerKw: Decimal,
  period: { readonly start: number; readonly end: number },
  toDate: DemandToDate | undefined,
): DemandLine {
  const windowMinutes = tariff.demandWindowMinutes;
  // The period's own highest window in each month (earliest on a tie).
  const best = new Map<string, { kw: Decimal; block: number }>();
  for (const b of [...blocks.keys()].sort((x, y) => x - y)) {
    const kw = windowPeakKw(blocks.get(b)!, windowMinutes);
    const { month } = demandMonthAt(tariff, b);
    const cur = best.get(month);
    if (cur === undefined || kw.gt(cur.kw)) best.set(month, { kw, block: b });
  }
  const months = new Set(best.keys());
  if (period.end > period.start)
    for (let t = period.start; t < period.end; t = demandMonthAt(tariff, t).end) months.add(demandMonthAt(tariff, t).month);
  const lines: DemandMonthLine[] = [...months].sort().map((month) => {
    const prior = toDate?.month === month ? toDate : undefined;
    const priorPeakKw = prior ? new Money(prior.peakKw) : ZERO;
    const top = best.get(month);
    const rises = top !== undefined && (prior === undefined ? true : top.kw.gt(priorPeakKw));
    const peakKw = rises ? top.kw : priorPeakKw;
    const peakStart = rises ? simTime(top.block) : prior?.peakStart;
    return { month, priorPeakKw, peakKw, ...(peakStart === undefined ? {} : { peakStart }), amount: peakKw.minus(priorPeakKw).times(pricePerKw) };
  });
  const last = lines[lines.length - 1];
  return {
    kind: 'demand',
    label: 'demand charge',
    peakKw: last?.peakKw ?? ZERO,
    ...(last?.peakStart === undefined ? {} : { peakStart: last.peakStart }),
    windowMinutes,
    pricePerKw,
    amount: sum(lines.map((l) => l.amount)),
    months: lines,
  };
}

/** A holiday's start or end strictly inside [startMs, endMs), if any (a window that is a holiday in part). */
function holidayEdgeIn(calendar: SiteCalendar, startMs: number, endMs: number): number | undefined {
  const first = holidayAt(calendar, startMs);
  const last = holidayAt(calendar, endMs - 1);
  // Both ends on holidays (the same or consecutive ones) or neither: no edge a window of at most a day can hold.
  if ((first === undefined) === (last === undefined)) return undefined;
  return first ? first.end : last!.start;
}

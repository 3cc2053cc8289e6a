/**
 * A demand charge on the calendar month's peak (`demandPeriod: month`), billed by the day as the
 * ratchet of the month-to-date peak (tariffs/bill.ts): hand-checked bills, and a property that a
 * month's daily charges sum to the rate × that month's highest counting window, exactly.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Decimal } from 'decimal.js';
import type { SimTime } from '../../core/time.ts';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, formatSimTime } from '../../core/time.ts';
import { holidaysOf, type SiteCalendar } from '../../core/calendar.ts';
import { Money, ZERO, roundPowerKw } from '../../core/money.ts';
import { type Bill, computeBill } from '../../tariffs/bill.ts';
import { demandMonthAt } from '../../tariffs/demandMonth.ts';
import { expectedBill } from '../../tariffs/expectedBill.ts';
import { utcTariff } from '../../tariffs/localHours.ts';
import { parseTariff } from '../../tariffs/schema.ts';
import { meterIntervalIssues } from '../../tariffs/compat.ts';
import type { DemandChargeTariff, DemandToDate, MeterReading } from '../../tariffs/types.ts';
import { at } from './helpers.ts';

const RATE = 12.5;
const monthly: DemandChargeTariff = {
  id: 'dm',
  type: 'demand-charge',
  energy: { type: 'flat', energyPricePerKwh: 0.1 },
  demandChargePerKw: RATE,
  demandWindowMinutes: 15,
  demandPeriod: 'month',
};

/** 15-minute readings of `kw` from `fromIso` to `toIso`, with the given kW in the quarter hours named (ISO start → kW). */
function quarterHours(fromIso: string, toIso: string, kw: number, spikes: Record<string, number> = {}): MeterReading[] {
  const out: MeterReading[] = [];
  const bySpike = new Map(Object.entries(spikes).map(([iso, v]) => [at(iso), v]));
  for (let t = at(fromIso); t < at(toIso); t = (t + 15 * MS_PER_MINUTE) as SimTime) out.push({ start: t, durationH: 0.25, importKwh: (bySpike.get(t) ?? kw) / 4, exportKwh: 0 });
  return out;
}

/** Bills `meter` in consecutive 24-hour periods from `fromIso`, each carrying the month-to-date peak of the one before (as the retail desk does). */
function billDays(tariff: DemandChargeTariff, meter: readonly MeterReading[], fromIso: string, days: number, calendar?: SiteCalendar): Bill[] {
  const bills: Bill[] = [];
  let toDate: DemandToDate | undefined;
  for (let d = 0; d < days; d++) {
    const start = (at(fromIso) + d * MS_PER_DAY) as SimTime;
    const end = (start + MS_PER_DAY) as SimTime;
    const bill = computeBill(tariff, meter.filter((r) => r.start >= start && r.start < end), { period: { start, end }, calendar, demandToDate: toDate });
    const last = bill.demand?.months?.at(-1);
    toDate = last && { month: last.month, peakKw: last.peakKw, peakStart: last.peakStart };
    bills.push(bill);
  }
  return bills;
}

const charges = (bills: readonly Bill[]): string[] => bills.map((b) => b.demandCharge.toFixed(2));

describe('demand charge on the month\'s peak (demandPeriod: month)', () => {
  it('two days, peaks 10 kW then 8 kW: day 1 pays 12.50 × 10, day 2 nothing; with 12 kW on day 2 it pays 12.50 × 2', () => {
    const lower = quarterHours('2026-07-01T00:00Z', '2026-07-03T00:00Z', 1, { '2026-07-01T18:00Z': 10, '2026-07-02T18:00Z': 8 });
    expect(charges(billDays(monthly, lower, '2026-07-01T00:00Z', 2))).to.deep.equal(['125.00', '0.00']);
    const higher = quarterHours('2026-07-01T00:00Z', '2026-07-03T00:00Z', 1, { '2026-07-01T18:00Z': 10, '2026-07-02T18:00Z': 12 });
    const bills = billDays(monthly, higher, '2026-07-01T00:00Z', 2);
    expect(charges(bills)).to.deep.equal(['125.00', '25.00']);
    // The line reads the month-to-date peak at the day's end and what it was before.
    expect(bills[1]!.demand!.peakKw.toFixed()).to.equal('12');
    expect(bills[1]!.demand!.peakStart).to.equal(at('2026-07-02T18:00Z'));
    expect(bills[1]!.demand!.months!.map((m) => [m.month, m.priorPeakKw.toFixed(), m.peakKw.toFixed(), m.amount.toFixed()])).to.deep.equal([['2026-07', '10', '12', '25']]);
    // Day 2's energy: 95 quarter hours at 0.25 kWh + 3 kWh = 26.75 kWh × 0.10 = 2.675; + 25 = 27.675 → 27.68.
    expect(bills[1]!.total.toFixed(2)).to.equal('27.68');
  });

  it('a day below the month\'s earlier peak keeps the peak\'s start: 8 kW on day 2 leaves 10 kW from day 1', () => {
    const meter = quarterHours('2026-07-01T00:00Z', '2026-07-03T00:00Z', 1, { '2026-07-01T18:00Z': 10, '2026-07-02T18:00Z': 8 });
    const day2 = billDays(monthly, meter, '2026-07-01T00:00Z', 2)[1]!;
    expect(day2.demand!.peakKw.toFixed()).to.equal('10');
    expect(day2.demand!.peakStart).to.equal(at('2026-07-01T18:00Z'));
  });

  it('the day period is the default and unchanged: 10 kW then 8 kW pay 125.00 and 100.00', () => {
    const meter = quarterHours('2026-07-01T00:00Z', '2026-07-03T00:00Z', 1, { '2026-07-01T18:00Z': 10, '2026-07-02T18:00Z': 8 });
    const { demandPeriod: _, ...daily } = monthly;
    expect(charges(billDays(daily, meter, '2026-07-01T00:00Z', 2))).to.deep.equal(['125.00', '100.00']);
    expect(charges(billDays({ ...daily, demandPeriod: 'day' }, meter, '2026-07-01T00:00Z', 2))).to.deep.equal(['125.00', '100.00']);
    expect(billDays(daily, meter, '2026-07-01T00:00Z', 1)[0]!.demand!.months).to.equal(undefined);
  });

  it('a new month starts from zero: 10 kW on 31 July, 8 kW on 1 August pay 125.00 and 100.00', () => {
    const meter = quarterHours('2026-07-31T00:00Z', '2026-08-02T00:00Z', 1, { '2026-07-31T18:00Z': 10, '2026-08-01T18:00Z': 8 });
    const bills = billDays(monthly, meter, '2026-07-31T00:00Z', 2);
    expect(charges(bills)).to.deep.equal(['125.00', '100.00']);
    expect(bills[1]!.demand!.months!.map((m) => [m.month, m.priorPeakKw.toFixed(), m.peakKw.toFixed()])).to.deep.equal([['2026-08', '0', '8']]);
  });

  it('a billing day across the month boundary (13:00–13:00 UTC) carries July\'s rise and August\'s opening peak', () => {
    // Billing days from 13:00 UTC: 30 Jul 13:00–31 Jul 13:00 peaks at 10 kW; 31 Jul 13:00–1 Aug 13:00 has 12 kW on
    // 31 July (July: 10 → 12, 25.00) and 6 kW on 1 August (August: 0 → 6, 75.00); the next day 7 kW (6 → 7, 12.50).
    const meter = quarterHours('2026-07-30T13:00Z', '2026-08-02T13:00Z', 1, {
      '2026-07-30T18:00Z': 10,
      '2026-07-31T20:00Z': 12,
      '2026-08-01T03:00Z': 6,
      '2026-08-01T20:00Z': 7,
    });
    const bills = billDays(monthly, meter, '2026-07-30T13:00Z', 3);
    expect(charges(bills)).to.deep.equal(['125.00', '100.00', '12.50']);
    const straddling = bills[1]!.demand!;
    expect(straddling.months!.map((m) => [m.month, m.priorPeakKw.toFixed(), m.peakKw.toFixed(), m.peakStart && formatSimTime(m.peakStart), m.amount.toFixed()])).to.deep.equal([
      ['2026-07', '10', '12', '2026-07-31T20:00:00Z', '25'],
      ['2026-08', '0', '6', '2026-08-01T03:00:00Z', '75'],
    ]);
    // The line's peak is the month that goes on: August's so far.
    expect(straddling.peakKw.toFixed()).to.equal('6');
    expect(straddling.peakStart).to.equal(at('2026-08-01T03:00Z'));
  });

  it('a local month at UTC−7 begins at 07:00 UTC on the 1st: 10 kW at 06:45 UTC on 1 August is July\'s', () => {
    const local = parseTariff({ ...monthly, hours: 'local' });
    if (!local.ok) throw new Error(JSON.stringify(local.issues));
    const tariff = utcTariff(local.value, -7) as DemandChargeTariff;
    expect(tariff.monthUtcOffsetHours).to.equal(-7);
    expect(demandMonthAt(tariff, at('2026-08-01T06:45Z')).month).to.equal('2026-07');
    expect(demandMonthAt(tariff, at('2026-08-01T07:00Z'))).to.deep.equal({ month: '2026-08', start: at('2026-08-01T07:00Z'), end: at('2026-09-01T07:00Z') });
    // Local billing days (07:00 UTC): the first ends on July's 10 kW at 23:45 local; August opens with 8 kW at 00:00 local.
    const meter = quarterHours('2026-07-31T07:00Z', '2026-08-02T07:00Z', 1, { '2026-08-01T06:45Z': 10, '2026-08-01T07:00Z': 8 });
    expect(charges(billDays(tariff, meter, '2026-07-31T07:00Z', 2))).to.deep.equal(['125.00', '100.00']);
    // The same tariff in UTC hours puts both in August, billed on the first day (10 kW), the second rises nothing.
    expect(charges(billDays(monthly, meter, '2026-07-31T07:00Z', 2))).to.deep.equal(['137.50', '0.00']);
  });

  it('demand hours still decide: 20 kW at 22:00 is outside weekdays 08–20 and sets nothing; a weekend day neither', () => {
    const tariff: DemandChargeTariff = { ...monthly, demandHours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 8, toHour: 20 }] };
    // Thu 2 July 10 kW at 18:00 and 20 kW at 22:00; Sat 4 July 30 kW at 12:00; Mon 6 July 11 kW at 09:00.
    const meter = quarterHours('2026-07-02T00:00Z', '2026-07-07T00:00Z', 1, {
      '2026-07-02T18:00Z': 10,
      '2026-07-02T22:00Z': 20,
      '2026-07-04T12:00Z': 30,
      '2026-07-06T09:00Z': 11,
    });
    expect(charges(billDays(tariff, meter, '2026-07-02T00:00Z', 5))).to.deep.equal(['125.00', '0.00', '0.00', '0.00', '12.50']);
  });

  it('holidays still decide: with demandOnHolidays: false, 12 kW on a holiday sets nothing, on the next day it raises the peak', () => {
    const calendar: SiteCalendar = { zone: SiteZone.fixed(0), holidays: holidaysOf(['2026-07-02']) };
    const tariff: DemandChargeTariff = { ...monthly, demandOnHolidays: false };
    const meter = quarterHours('2026-07-01T00:00Z', '2026-07-04T00:00Z', 1, { '2026-07-01T18:00Z': 10, '2026-07-02T18:00Z': 12, '2026-07-03T18:00Z': 12 });
    expect(charges(billDays(tariff, meter, '2026-07-01T00:00Z', 3, calendar))).to.deep.equal(['125.00', '0.00', '25.00']);
  });

  it('a month-to-date peak of another month is not carried: it is the month it names that it raises', () => {
    const meter = quarterHours('2026-08-01T00:00Z', '2026-08-02T00:00Z', 1, { '2026-08-01T18:00Z': 8 });
    const july: DemandToDate = { month: '2026-07', peakKw: new Money(10) };
    const bill = computeBill(monthly, meter, { period: { start: at('2026-08-01T00:00Z'), end: at('2026-08-02T00:00Z') }, demandToDate: july });
    expect(bill.demandCharge.toFixed(2)).to.equal('100.00');
  });

  it('tariff choice expects a day\'s share of the month: 12.50 × 10 kW over a 31-day July is 4.032… a day, plus energy', () => {
    const meter = quarterHours('2026-07-01T00:00Z', '2026-07-02T00:00Z', 1, { '2026-07-01T18:00Z': 10 });
    const period = { start: at('2026-07-01T00:00Z'), end: at('2026-07-02T00:00Z') };
    // Energy: 95 × 0.25 + 2.5 = 26.25 kWh × 0.10 = 2.625; demand 125 / 31.
    expect(expectedBill(monthly, meter, { period })).to.equal(new Money(2.625).plus(new Money(125).div(31)).toNumber());
    // A day-period tariff expects its own bill.
    const { demandPeriod: _, ...daily } = monthly;
    expect(expectedBill(daily, meter, { period })).to.equal(127.625);
  });

  it('a local month at UTC+5:30 with 60-minute windows starts on a window boundary (the windows are local clock hours): validate accepts it, and the hour before local midnight on 31 July sets July\'s peak, the hour after it August\'s', () => {
    const local = { ...monthly, hours: 'local' as const, demandWindowMinutes: 60 };
    expect(meterIntervalIssues(local, 15, at('2026-06-30T18:30Z'), ['tariffs', 0], 5.5)).to.deep.equal([]);
    expect(meterIntervalIssues({ ...local, demandPeriod: 'day' }, 15, at('2026-06-30T18:30Z'), [], 5.5)).to.deep.equal([]);
    // 23:00–24:00 local on 31 July is 17:30–18:30 UTC at 10 kW, 00:00–01:00 local on 1 August is 18:30–19:30 UTC at 12 kW.
    const spikes: Record<string, number> = {};
    for (const q of ['17:30', '17:45', '18:00', '18:15']) spikes[`2026-07-31T${q}Z`] = 10;
    for (const q of ['18:30', '18:45', '19:00', '19:15']) spikes[`2026-07-31T${q}Z`] = 12;
    const meter = quarterHours('2026-07-31T00:00Z', '2026-08-01T00:00Z', 1, spikes);
    const bill = computeBill(utcTariff(local, 5.5), meter, { period: { start: at('2026-07-31T00:00Z'), end: at('2026-08-01T00:00Z') } });
    expect(bill.demand!.months!.map((m) => [m.month, m.peakKw.toFixed(3), new Date(m.peakStart!).toISOString().slice(0, 16), m.amount.toFixed(2)])).to.deep.equal([
      ['2026-07', '10.000', '2026-07-31T17:30', '125.00'],
      ['2026-08', '12.000', '2026-07-31T18:30', '150.00'],
    ]);
    expect(bill.demandCharge.toFixed(2)).to.equal('275.00');
  });

  // Found by A-monthly: billing days run from the run's start. With 1440-minute windows and a run from 13:00 UTC, the
  // 31 July window (00:00–24:00) fell 13 h in one daily bill and 11 h in the next; each bill averaged its part over the
  // whole 24 h, so the month's peak was billed too low. Hand-checked, 2 kW throughout: the 31 July window holds 48 kWh,
  // 2 kW (July owes 12.50 × 2 = 25.00), but the first bill saw 13 h of it (26 kWh / 24 h = 1.083 kW: 13.5375) and the
  // second the other 11 h (0.917 kW, no rise): July was billed 13.54. (The second bill's 13.54 is August's 13 h.)
  it('validate refuses a run whose billing days (from the run\'s start) begin inside a demand window, under either period', () => {
    const daily = { ...monthly, demandWindowMinutes: 1440 };
    // What the bills did: 30 July 13:00 – 1 August 13:00, 2 kW throughout, in two daily bills.
    const meter = quarterHours('2026-07-30T13:00Z', '2026-08-01T13:00Z', 2);
    const [a, b] = billDays(daily, meter, '2026-07-30T13:00Z', 2);
    expect([a!.demandCharge.toFixed(2), b!.demandCharge.toFixed(2)]).to.deep.equal(['13.54', '13.54']);
    expect(b!.demand!.months!.map((m) => `${m.month} ${m.amount.toFixed(4)}`)).to.deep.equal(['2026-07 0.0000', '2026-08 13.5375']);
    expect(meterIntervalIssues(daily, 15, at('2026-07-30T13:00Z'), ['tariffs', 0]).map((i) => `${i.path}: ${i.message}`)).to.deep.equal([
      'tariffs[0].demandWindowMinutes: the run starts at 2026-07-30T13:00:00Z, inside a 1440-minute demand window (windows start at UTC midnight and every 1440 minutes after): the first billing day, from the start, would bill part of a window as if it were the whole; start the run on a window boundary',
    ]);
    // On a window boundary it is fine: 60-minute windows from 13:00, or whole days from midnight. The day period is
    // refused alike (a constant 2 kW billed as a 1.083 kW peak, the same split).
    expect(meterIntervalIssues({ ...daily, demandWindowMinutes: 60 }, 15, at('2026-07-30T13:00Z'))).to.deep.equal([]);
    expect(meterIntervalIssues(daily, 15, at('2026-07-30T00:00Z'))).to.deep.equal([]);
    expect(meterIntervalIssues({ ...daily, demandPeriod: 'day' }, 15, at('2026-07-30T13:00Z'))).to.have.length(1);
    expect(meterIntervalIssues({ ...monthly, demandWindowMinutes: 60 }, 15, at('2026-07-30T13:15Z'))).to.have.length(1);
  });

  describe('schema', () => {
    const dc = { id: 'd', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 10, demandWindowMinutes: 15 };
    const issues = (raw: Record<string, unknown>): string[] => {
      const r = parseTariff(raw, ['tariffs', 2]);
      return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
    };
    it('takes day or month on a demand-charge tariff, day by default (absent)', () => {
      expect(issues({ ...dc, demandPeriod: 'month' })).to.deep.equal([]);
      expect(issues({ ...dc, demandPeriod: 'day' })).to.deep.equal([]);
      const r = parseTariff(dc);
      expect(r.ok && r.value.type === 'demand-charge' && r.value.demandPeriod).to.equal(undefined);
    });
    it('names the path and what it expects for a bad value', () => {
      expect(issues({ ...dc, demandPeriod: 'monthly' })).to.deep.equal(['tariffs[2].demandPeriod: expected day (each billing day\'s peak) or month (the calendar month\'s peak), got "monthly"']);
      expect(issues({ ...dc, demandPeriod: 30 })).to.deep.equal(['tariffs[2].demandPeriod: expected day (each billing day\'s peak) or month (the calendar month\'s peak), got 30']);
    });
    it('refuses it on other tariff types, and the converted tariff\'s monthUtcOffsetHours as a scenario key', () => {
      expect(issues({ id: 'f', type: 'flat', energyPricePerKwh: 0.1, demandPeriod: 'month' })).to.deep.equal(["tariffs[2].demandPeriod: unknown key 'demandPeriod'"]);
      expect(issues({ ...dc, demandPeriod: 'month', monthUtcOffsetHours: -7 })).to.deep.equal(["tariffs[2].monthUtcOffsetHours: unknown key 'monthUtcOffsetHours'"]);
    });
  });

  // Over random meters and run starts: per month, Σ of the daily demand charges = rate × that month's highest counting
  // window (each window rounded to the watt), exactly; every day's charge ≥ 0; and the day period bills each day's peak.
  it('property: a month\'s daily charges sum to rate × its peak, exactly, none below zero; the day period bills each day\'s peak', () => {
    const spike = fc.record({ quarter: fc.nat(), kw: fc.integer({ min: 0, max: 40_000 }).map((w) => w / 1000) });
    fc.assert(
      fc.property(
        fc.record({
          days: fc.integer({ min: 1, max: 92 }),
          startHour: fc.integer({ min: 0, max: 23 }),
          startDay: fc.integer({ min: 0, max: 364 }),
          windowMinutes: fc.constantFrom(15, 30, 60),
          offsetHours: fc.constantFrom(0, -7, 5.5, 10),
          rate: fc.integer({ min: 1, max: 100_000 }).map((c) => c / 1000),
          demandHours: fc.boolean(),
          baseKw: fc.array(fc.integer({ min: 0, max: 9_999 }).map((w) => w / 1000), { minLength: 1, maxLength: 92 }),
          spikes: fc.array(spike, { maxLength: 40 }),
        }),
        (c) => {
          const t0 = at('2026-01-01T00:00Z') + c.startDay * MS_PER_DAY + c.startHour * MS_PER_HOUR;
          const quarters = c.days * 96;
          // One reading per quarter hour that has a load: the day's base, or a spike (gaps are zero).
          const kwAt = new Map<number, number>();
          for (let d = 0; d < c.days; d++) {
            const kw = c.baseKw[d % c.baseKw.length]!;
            if (kw > 0) for (let k = 0; k < 96; k += 8) kwAt.set(d * 96 + k, kw); // every other hour's first quarter
          }
          for (const s of c.spikes) kwAt.set(s.quarter % quarters, s.kw);
          const meter: MeterReading[] = [...kwAt].map(([k, kw]) => ({ start: (t0 + k * 15 * MS_PER_MINUTE) as SimTime, durationH: 0.25, importKwh: new Money(kw).div(4), exportKwh: 0 }));
          const tariff: DemandChargeTariff = {
            ...monthly,
            demandChargePerKw: c.rate,
            demandWindowMinutes: c.windowMinutes,
            monthUtcOffsetHours: c.offsetHours,
            ...(c.demandHours ? { demandHours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 8, toHour: 20 }] } : {}),
          };
          const iso = new Date(t0).toISOString();
          const bills = billDays(tariff, meter, iso, c.days);
          // The reference: each counting window's average kW, rounded to the watt, grouped by the month of its start.
          const windowMs = c.windowMinutes * MS_PER_MINUTE;
          const windows = new Map<number, Decimal>();
          for (const r of meter) {
            const w = Math.floor(r.start / windowMs);
            const dow = new Date(w * windowMs).getUTCDay();
            const hour = new Date(w * windowMs).getUTCHours();
            if (c.demandHours && (dow === 0 || dow === 6 || hour < 8 || hour >= 20)) continue;
            windows.set(w, (windows.get(w) ?? ZERO).plus(r.importKwh as Decimal));
          }
          const monthPeak = new Map<string, Decimal>();
          for (const [w, kwh] of windows) {
            const m = demandMonthAt(tariff, w * windowMs).month;
            const kw = roundPowerKw(kwh.times(60).div(c.windowMinutes));
            if (!monthPeak.has(m) || kw.gt(monthPeak.get(m)!)) monthPeak.set(m, kw);
          }
          const billed = new Map<string, Decimal>();
          for (const b of bills) {
            expect(b.demandCharge.gte(0)).to.equal(true);
            for (const m of b.demand!.months!) {
              expect(m.amount.gte(0)).to.equal(true);
              billed.set(m.month, (billed.get(m.month) ?? ZERO).plus(m.amount));
            }
            expect(b.demandCharge.eq(b.demand!.months!.reduce((s, m) => s.plus(m.amount), ZERO))).to.equal(true);
          }
          for (const [m, total] of billed) expect(total.toFixed(), m).to.equal((monthPeak.get(m) ?? ZERO).times(new Money(c.rate)).toFixed());
          for (const m of monthPeak.keys()) expect(billed.has(m), m).to.equal(true);
          // The day period: every day pays the rate × its own peak, whatever the days before.
          const { demandPeriod: _, monthUtcOffsetHours: __, ...daily } = tariff;
          billDays(daily, meter, iso, c.days).forEach((b, d) => {
            let peak = ZERO;
            for (const [w, kwh] of windows) if (w * windowMs >= t0 + d * MS_PER_DAY && w * windowMs < t0 + (d + 1) * MS_PER_DAY) peak = Money.max(peak, roundPowerKw(kwh.times(60).div(c.windowMinutes)));
            expect(b.demandCharge.toFixed()).to.equal(peak.times(new Money(c.rate)).toFixed());
            expect(b.demand!.months).to.equal(undefined);
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});

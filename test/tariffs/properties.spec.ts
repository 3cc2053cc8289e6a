/**
 * Properties of bills and signals over random tariffs and meters (fast-check, seeded so
 * a failure reproduces). Meters start on a whole hour and use 15-, 30- or 60-minute
 * readings, so they nest in hourly time-of-use rules, hourly market prices and
 * 60-minute demand windows.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Decimal } from 'decimal.js';
import type { SimTime } from '../../core/time.ts';
import { MS_PER_DAY, MS_PER_HOUR } from '../../core/time.ts';
import { computeBill } from '../../tariffs/bill.ts';
import { energyKwh, Money, roundToCent, sum, ZERO } from '../../core/money.ts';
import { retailPriceAt, retailPriceForecast } from '../../tariffs/signal.ts';
import type { ExportCompensation, MarketPrice, MeterReading, Tariff, TouPeriod, Weekday } from '../../tariffs/types.ts';
import { WEEKDAYS } from '../../tariffs/types.ts';
import { at } from './helpers.ts';

const T0 = at('2026-06-29T00:00Z'); // a Monday
const RUNS = { numRuns: 200, seed: 20260701 };

const price = fc.integer({ min: 0, max: 9_999 }).map((x) => x / 10_000); // 0 … 0.9999 per kWh
const kwh = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true }));

const meterArb = fc
  .record({
    startHour: fc.integer({ min: 0, max: 24 * 13 }),
    minutes: fc.constantFrom(15, 30, 60),
    values: fc.array(fc.record({ importKwh: kwh, exportKwh: fc.oneof(fc.constant(0), kwh), skip: fc.boolean() }), { minLength: 1, maxLength: 60 }),
  })
  .map(({ startHour, minutes, values }) => {
    const t0 = T0 + startHour * MS_PER_HOUR;
    const meter: MeterReading[] = [];
    values.forEach((v, i) => {
      if (v.skip && i > 0) return; // gaps are allowed
      meter.push({ start: (t0 + i * minutes * 60_000) as SimTime, durationH: minutes / 60, importKwh: v.importKwh, exportKwh: v.exportKwh });
    });
    return meter;
  });

/** Hourly market prices covering 15 days from T0, currency/MWh in [−500, 3000] with 2 decimals. */
const marketPricesArb = fc.array(fc.integer({ min: -50_000, max: 300_000 }), { minLength: 24 * 15, maxLength: 24 * 15 }).map((ps) =>
  ps.map((p, h): MarketPrice => ({ start: (T0 + h * MS_PER_HOUR) as SimTime, durationH: 1, priceMwh: p / 100 })),
);

/** A TOU tariff whose periods split the week hour by hour at random: valid by construction. */
const touPeriodsArb = fc
  .record({ prices: fc.array(price, { minLength: 1, maxLength: 4 }), owner: fc.array(fc.nat(), { minLength: 168, maxLength: 168 }) })
  .map(({ prices, owner }): TouPeriod[] =>
    prices.map((p, k) => ({
      name: `p${k}`,
      energyPricePerKwh: p,
      rules: owner.flatMap((o, h) =>
        o % prices.length === k ? [{ days: [WEEKDAYS[Math.floor(h / 24)] as Weekday], fromHour: h % 24, toHour: (h % 24) + 1 }] : [],
      ),
    })),
  );

const exportArb: fc.Arbitrary<ExportCompensation | undefined> = fc.oneof(
  fc.constant(undefined),
  price.map((p): ExportCompensation => ({ type: 'feed-in', exportPricePerKwh: p })),
  price.map((p): ExportCompensation => ({ type: 'net-metering', netExportCreditPerKwh: p })),
);

const energyOnly = (withExport: fc.Arbitrary<ExportCompensation | undefined>): fc.Arbitrary<Tariff> =>
  fc.oneof(
    fc.record({ p: price, e: withExport }).map(({ p, e }): Tariff => ({ id: 'flat', type: 'flat', energyPricePerKwh: p, ...(e ? { export: e } : {}) })),
    fc.record({ periods: touPeriodsArb, e: withExport }).map(({ periods, e }): Tariff => ({ id: 'tou', type: 'time-of-use', periods, ...(e ? { export: e } : {}) })),
  );

const anyTariffArb: fc.Arbitrary<Tariff> = fc.oneof(
  energyOnly(exportArb),
  fc
    .record({ adder: fc.integer({ min: -500, max: 500 }).map((x) => x / 10_000), floor: fc.option(price, { nil: undefined }), span: fc.option(price, { nil: undefined }), e: exportArb })
    .map(({ adder, floor, span, e }): Tariff => ({
      id: 'rtp',
      type: 'real-time',
      adderPerKwh: adder,
      ...(floor !== undefined ? { floorPerKwh: floor } : {}),
      ...(span !== undefined ? { capPerKwh: (floor ?? 0) + span } : {}),
      ...(e ? { export: e } : {}),
    })),
  fc
    .record({ p: price, event: price, notice: fc.integer({ min: 0, max: 48 }), days: fc.uniqueArray(fc.integer({ min: 0, max: 14 }), { maxLength: 4 }), e: exportArb, fixed: fc.option(price, { nil: undefined }) })
    .map(({ p, event, notice, days, e, fixed }): Tariff => ({
      id: 'cpp',
      type: 'critical-peak',
      energy: { type: 'flat', energyPricePerKwh: p },
      noticeHours: notice,
      eventWindow: { fromHour: 14, toHour: 18 },
      eventPricePerKwh: event,
      events: days.map((d) => ({ id: `e${d}`, date: new Date(T0 + d * MS_PER_DAY).toISOString().slice(0, 10) })),
      ...(fixed !== undefined ? { fixedChargePerDay: fixed } : {}),
      ...(e ? { export: e } : {}),
    })),
  fc
    .record({ p: price, d: fc.integer({ min: 0, max: 2000 }).map((x) => x / 100), e: exportArb, fixed: fc.option(price, { nil: undefined }) })
    .map(({ p, d, e, fixed }): Tariff => ({
      id: 'dc',
      type: 'demand-charge',
      energy: { type: 'flat', energyPricePerKwh: p },
      demandChargePerKw: d,
      demandWindowMinutes: 60,
      ...(fixed !== undefined ? { fixedChargePerDay: fixed } : {}),
      ...(e ? { export: e } : {}),
    })),
);

const periodOf = (meter: readonly MeterReading[]) => ({
  start: meter[0]!.start,
  end: (meter[meter.length - 1]!.start + meter[meter.length - 1]!.durationH * MS_PER_HOUR) as SimTime,
});

describe('tariffs: bill properties', () => {
  it("a bill's subtotal is exactly the sum of its items, and the total is that sum rounded to the cent", () => {
    fc.assert(
      fc.property(anyTariffArb, meterArb, marketPricesArb, (tariff, meter, marketPrices) => {
        const bill = computeBill(tariff, meter, { marketPrices });
        expect(bill.subtotal.eq(sum(bill.lines.map((l) => l.amount)))).to.equal(true);
        expect(bill.subtotal.eq(sum([bill.energyCharge, bill.demandCharge, bill.fixedCharge, bill.exportCredit]))).to.equal(true);
        expect(bill.total.eq(roundToCent(bill.subtotal))).to.equal(true);
        expect(bill.total.eq(bill.subtotal.plus(bill.rounding))).to.equal(true);
        expect(bill.rounding.abs().lte('0.005')).to.equal(true);
        expect(bill.total.decimalPlaces()).to.be.at.most(2);
        // Energy lines hold every imported Wh.
        const lineKwh = sum(bill.lines.flatMap((l) => (l.kind === 'energy' ? [l.kwh] : [])));
        expect(lineKwh.eq(bill.importKwh)).to.equal(true);
      }),
      RUNS,
    );
  });

  it('bills are additive over disjoint periods for energy-only tariffs (no netting, no demand charge)', () => {
    const noNetting = fc.oneof(exportArb.filter((e) => e?.type !== 'net-metering'));
    const tariffs = fc.oneof(
      energyOnly(noNetting),
      fc.record({ adder: price, e: noNetting }).map(({ adder, e }): Tariff => ({ id: 'rtp', type: 'real-time', adderPerKwh: adder, capPerKwh: 0.5, ...(e ? { export: e } : {}) })),
    );
    fc.assert(
      fc.property(tariffs, meterArb, marketPricesArb, fc.nat(), (tariff, meter, marketPrices, cut) => {
        const k = 1 + (cut % meter.length); // split before reading k (k = length: all in the first part)
        const a = meter.slice(0, k);
        const b = meter.slice(k);
        const whole = computeBill(tariff, meter, { marketPrices });
        const parts = [a, b].filter((m) => m.length > 0).map((m) => computeBill(tariff, m, { marketPrices }).subtotal);
        expect(whole.subtotal.eq(sum(parts)), `${whole.subtotal} vs ${parts.join(' + ')}`).to.equal(true);
      }),
      RUNS,
    );
  });

  it('fixed charges are additive too when the periods are split at midnight', () => {
    fc.assert(
      fc.property(price, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (f, d1, d2) => {
        const tariff: Tariff = { id: 'f', type: 'flat', energyPricePerKwh: 0.2, fixedChargePerDay: f };
        const mid = (T0 + d1 * MS_PER_DAY) as SimTime;
        const end = (mid + d2 * MS_PER_DAY) as SimTime;
        const whole = computeBill(tariff, [], { period: { start: T0, end } }).subtotal;
        const parts = computeBill(tariff, [], { period: { start: T0, end: mid } }).subtotal.plus(computeBill(tariff, [], { period: { start: mid, end } }).subtotal);
        expect(whole.eq(parts)).to.equal(true);
      }),
      RUNS,
    );
  });

  it('raising import readings never lowers a flat or time-of-use bill (with any export compensation)', () => {
    fc.assert(
      fc.property(energyOnly(exportArb), meterArb, fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 60, maxLength: 60 }), (tariff, meter, extra) => {
        const raised = meter.map((r, i) => ({ ...r, importKwh: (r.importKwh as number) + extra[i]! /* meterArb gives numbers */ }));
        const before = computeBill(tariff, meter, { period: periodOf(meter) });
        const after = computeBill(tariff, raised, { period: periodOf(meter) });
        expect(after.subtotal.gte(before.subtotal), `${before.subtotal} → ${after.subtotal}`).to.equal(true);
        expect(after.total.gte(before.total)).to.equal(true);
      }),
      RUNS,
    );
  });

  it('a customer is billed at exactly the price its signal showed', () => {
    fc.assert(
      fc.property(anyTariffArb, meterArb, marketPricesArb, (tariff, meter, marketPrices) => {
        const bill = computeBill(tariff, meter, { marketPrices });
        const now = (T0 + 60 * MS_PER_DAY) as SimTime; // after every announcement
        const shown = retailPriceForecast(tariff, meter.map((r) => r.start), { now, priceForecast: marketPrices });
        let expected: Decimal = ZERO;
        meter.forEach((r, i) => (expected = expected.plus(energyKwh(r.importKwh).times(new Money(shown[i]!)))));
        expect(bill.energyCharge.eq(expected), `${bill.energyCharge} vs ${expected}`).to.equal(true);
      }),
      RUNS,
    );
  });
});

describe('tariffs: signal properties', () => {
  it('the retail signal of a real-time tariff stays within its floor and cap', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.array(fc.double({ min: -10_000, max: 20_000, noNaN: true }), { minLength: 1, maxLength: 48 }),
        (adder, floor, span, pricesMwh) => {
          const cap = floor + span;
          const tariff: Tariff = { id: 'rtp', type: 'real-time', adderPerKwh: adder, floorPerKwh: floor, capPerKwh: cap };
          const priceForecast = pricesMwh.map((p, h): MarketPrice => ({ start: (T0 + h * MS_PER_HOUR) as SimTime, durationH: 1, priceMwh: p }));
          const signal = retailPriceForecast(tariff, priceForecast.map((p) => p.start), { now: T0, priceForecast });
          // Floor and cap are taken at 1e-7 per kWh, like every rate.
          const lo = new Money(floor).toDecimalPlaces(7).toNumber();
          const hi = new Money(cap).toDecimalPlaces(7).toNumber();
          for (const s of signal) expect(s >= lo && s <= hi, `${s} outside [${lo}, ${hi}]`).to.equal(true);
          expect(retailPriceAt(tariff, (T0 + 30 * 60_000) as SimTime, { now: T0, priceForecast })).to.equal(signal[0]);
        },
      ),
      RUNS,
    );
  });
});

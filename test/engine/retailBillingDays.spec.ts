/**
 * The retail desk bills the site's local days (engine/retail.ts, engine/billingDays.ts): a real RetailDesk driven
 * interval by interval, bills checked by hand across Amsterdam's daylight-saving changes and for a partial first day,
 * and, as properties over zones, starts and loads, the bills add up to the run's metered totals.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { intervalAt } from '../../core/clock.ts';
import { NO_HOLIDAYS } from '../../core/calendar.ts';
import { SiteZone } from '../../core/siteZone.ts';
import { MS_PER_DAY, formatSimTime, parseSimTime, simTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { DEFAULT_RULES } from '../../market/types.ts';
import { parseTariffs } from '../../tariffs/schema.ts';
import { utcTariffIn } from '../../tariffs/localHours.ts';
import { FIXED_CHARGE_DECIMALS } from '../../tariffs/bill.ts';

const at = (iso: string): number => parseSimTime(iso)!;
const q = DEFAULT_RULES.quantumKw;

const TARIFFS = [
  { id: 'flat', type: 'flat', energyPricePerKwh: 0.2, fixedChargePerDay: 1 },
  { id: 'peak', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 2, demandWindowMinutes: 60, fixedChargePerDay: 0.5 },
];

/** Runs one customer per tariff (parties 0, 1) through a desk on `zone`, drawing `kw(k)` in interval k; returns the desk and Σ of what `meter` accrued. */
function run(zone: SiteZone, start: number, intervalMinutes: number, intervals: number, kw: (k: number) => number, tariffs: readonly Record<string, unknown>[] = TARIFFS) {
  const parsed = parseTariffs(tariffs);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const clock = { start: simTime(start), intervalMinutes, intervals, gateClosureMinutes: 5 };
  const specs = parsed.value.map((t, party) => ({ party, bus: busId('main'), busIndex: 0, tariffId: t.id }));
  const desk = new RetailDesk(parsed.value.map((t) => utcTariffIn(t, zone)), new Map(parsed.value.map((t) => [t.id, 9])), specs, 1, clock, DEFAULT_RULES, { zone, holidays: NO_HOLIDAYS });
  let accrued = new Decimal(0);
  let importQuanta = 0;
  for (let k = 0; k < intervals; k++) {
    const interval = intervalAt(clock, k);
    desk.recordPrices(interval, Float64Array.of(50));
    const quanta = Math.round(kw(k) / q);
    for (const s of specs) {
      accrued = accrued.plus(desk.meter(s.party, interval, { importQuanta: quanta, exportQuanta: 0, consumedQuanta: quanta, generatedQuanta: 0 }));
      importQuanta += quanta;
    }
    if (desk.days.closesDay(k)) desk.closeDay(desk.days.dayOf(k));
  }
  return { desk, accrued, importKwh: new Decimal(importQuanta).times(q).times(intervalMinutes).div(60) };
}

const row = (desk: RetailDesk, party: number) =>
  desk.bills.filter((b) => b.party === party).map((b) => `${b.date} ${b.bill.importKwh.toFixed()} kWh energy ${b.bill.energyCharge.toFixed(2)} demand ${b.bill.demandCharge.toFixed(2)} fixed ${b.bill.fixedCharge.toFixed(2)} total ${b.bill.total.toFixed(2)}`);

describe('retail desk: billing days are the site\'s local days', () => {
  const ams = (from: string, days: number) => SiteZone.iana('Europe/Amsterdam', at(from) - 40 * MS_PER_DAY, at(from) + (days + 40) * MS_PER_DAY);

  it('Amsterdam across the spring change, 1 kW all along: 29 March is 23 h (23 kWh) and pays one whole day\'s fixed charge; a 4 kW hour at 00:00–01:00 local on 30 March is 30 March\'s demand peak', () => {
    // From local midnight 28 March (27 March 23:00Z), three days of quarter hours: 96 + 92 + 96. The hour 29 March
    // 22:00–23:00Z is 00:00–01:00 CEST on 30 March (before, billing days 24 h from the start put it on 29 March's bill).
    const start = at('2026-03-27T23:00:00Z');
    const spike = (k: number) => start + k * 15 * 60_000 >= at('2026-03-29T22:00:00Z') && start + k * 15 * 60_000 < at('2026-03-29T23:00:00Z');
    const { desk } = run(ams('2026-03-27T23:00:00Z', 3), start, 15, 96 + 92 + 96, (k) => (spike(k) ? 4 : 1));
    // flat: 0.20/kWh, 1.00 a day. 24 kWh: 4.80 + 1.00; 23 kWh: 4.60 + 1.00; 30 March: 23 h at 1 kW and one at 4 kW = 27 kWh: 5.40 + 1.00.
    expect(row(desk, 0)).to.deep.equal([
      '2026-03-28 24 kWh energy 4.80 demand 0.00 fixed 1.00 total 5.80',
      '2026-03-29 23 kWh energy 4.60 demand 0.00 fixed 1.00 total 5.60',
      '2026-03-30 27 kWh energy 5.40 demand 0.00 fixed 1.00 total 6.40',
    ]);
    // peak: 0.10/kWh, 2 per kW of the day's highest hour, 0.50 a day: 29 March's peak 1 kW (2.00), 30 March's 4 kW (8.00).
    expect(row(desk, 1)).to.deep.equal([
      '2026-03-28 24 kWh energy 2.40 demand 2.00 fixed 0.50 total 4.90',
      '2026-03-29 23 kWh energy 2.30 demand 2.00 fixed 0.50 total 4.80',
      '2026-03-30 27 kWh energy 2.70 demand 8.00 fixed 0.50 total 11.20',
    ]);
    expect(desk.bills.filter((b) => b.party === 0).map((b) => `${formatSimTime(b.bill.period.start)}–${formatSimTime(b.bill.period.end)}`)).to.deep.equal([
      '2026-03-27T23:00:00Z–2026-03-28T23:00:00Z',
      '2026-03-28T23:00:00Z–2026-03-29T22:00:00Z',
      '2026-03-29T22:00:00Z–2026-03-30T22:00:00Z',
    ]);
  });

  it('Amsterdam across the autumn change: 25 October is 25 h (25 kWh at 1 kW), one day\'s fixed charge', () => {
    const { desk } = run(ams('2026-10-24T22:00:00Z', 2), at('2026-10-24T22:00:00Z'), 15, 100 + 96, () => 1);
    expect(row(desk, 0)).to.deep.equal([
      '2026-10-25 25 kWh energy 5.00 demand 0.00 fixed 1.00 total 6.00',
      '2026-10-26 24 kWh energy 4.80 demand 0.00 fixed 1.00 total 5.80',
    ]);
  });

  it('a fixed offset (UTC+2) from 06:00 local: a partial first day (18 h, 3/4 of the daily fixed charge) and a partial last one (6 h, 1/4)', () => {
    const { desk } = run(SiteZone.fixed(2), at('2026-07-01T04:00:00Z'), 60, 48, () => 1);
    expect(row(desk, 0)).to.deep.equal([
      '2026-07-01 18 kWh energy 3.60 demand 0.00 fixed 0.75 total 4.35',
      '2026-07-02 24 kWh energy 4.80 demand 0.00 fixed 1.00 total 5.80',
      '2026-07-03 6 kWh energy 1.20 demand 0.00 fixed 0.25 total 1.45',
    ]);
  });

  it('property: over any zone, start and load, Σ over billing days of import, energy charge and fixed charge equals the run\'s metered and accrued totals, and the bill periods tile the run', () => {
    const zones = fc.oneof(
      fc.integer({ min: -12, max: 14 }).map((h) => () => SiteZone.fixed(h)),
      fc.constantFrom('Europe/Amsterdam', 'America/Los_Angeles', 'Australia/Lord_Howe').map((name) => (from: number) => SiteZone.iana(name, from - 40 * MS_PER_DAY, from + 50 * MS_PER_DAY)),
    );
    fc.assert(
      fc.property(zones, fc.integer({ min: 0, max: 364 * 24 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 50 }), (zoneOf, hour, days, loads) => {
        const start = at('2026-01-01T00:00:00Z') + hour * 3_600_000;
        const zone = zoneOf(start);
        const intervals = days * 96;
        // Loads in multiples of 4 W: each quarter hour's reading is whole Wh, as bills round them (tariffs/bill.ts).
        const flatOnly = [TARIFFS[0]!];
        const { desk, accrued, importKwh } = run(zone, start, 15, intervals, (k) => (loads[k % loads.length]! * 4) / 1000, flatOnly);
        const sum = (f: (b: (typeof desk.bills)[number]) => Decimal.Value) => desk.bills.reduce((s, b) => s.plus(f(b)), new Decimal(0));
        expect(sum((b) => b.bill.importKwh).toFixed()).to.equal(importKwh.toFixed());
        expect(sum((b) => b.bill.energyCharge).toFixed()).to.equal(accrued.toFixed());
        // The fixed charge: each bill its share of its local day (rate 1 a day), to 18 decimals (tariffs/bill.ts fixedLine).
        const shares = desk.bills.reduce((s, b, j) => s.plus(new Decimal(b.bill.period.end - b.bill.period.start).div(desk.days.calendarDayMs[j]!).toDecimalPlaces(FIXED_CHARGE_DECIMALS, Decimal.ROUND_HALF_EVEN)), new Decimal(0));
        expect(sum((b) => b.bill.fixedCharge).toFixed()).to.equal(shares.toFixed());
        // Whole local days pay one day's charge each: the sum is within 1e-18 a bill of the days' exact shares.
        const exact = desk.bills.reduce((s, b, j) => s.plus(new Decimal(b.bill.period.end - b.bill.period.start).div(desk.days.calendarDayMs[j]!)), new Decimal(0));
        expect(shares.minus(exact).abs().toNumber()).to.be.at.most(desk.bills.length * 5e-19);
        // The periods tile [start, end), one bill per billing day, in order, each within one local date.
        expect(desk.bills.map((b) => b.day)).to.deep.equal(Array.from({ length: desk.days.count }, (_, j) => j));
        expect(desk.bills[0]!.bill.period.start).to.equal(start);
        expect(desk.bills.at(-1)!.bill.period.end).to.equal(start + intervals * 15 * 60_000);
        desk.bills.forEach((b, j) => {
          if (j > 0) expect(b.bill.period.start).to.equal(desk.bills[j - 1]!.bill.period.end);
          expect(zone.localDayNumber(b.bill.period.end - 1)).to.equal(zone.localDayNumber(b.bill.period.start));
          expect(b.date).to.equal(new Date(zone.localDayNumber(b.bill.period.start) * MS_PER_DAY).toISOString().slice(0, 10));
        });
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});

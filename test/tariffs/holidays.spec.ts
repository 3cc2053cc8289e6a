import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import { holidaysOf, type SiteCalendar } from '../../core/calendar.ts';
import { InputFileError } from '../../core/errors.ts';
import { loadScenarioFile, parseScenario } from '../../engine/scenario/load.ts';
import { computeBill } from '../../tariffs/bill.ts';
import { meterIntervalIssues } from '../../tariffs/compat.ts';
import { parseTariff } from '../../tariffs/schema.ts';
import { demandChargePerKwAt, retailPriceAt } from '../../tariffs/signal.ts';
import { type CriticalPeakTariff, type DemandChargeTariff, TariffError, type TimeOfUseTariff } from '../../tariffs/types.ts';
import { runAndRead } from '../helpers/runOutputs.ts';
import { at, readings } from './helpers.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A time-of-use tariff prices a public holiday as its `holidayPeriod`: peak 17:00–21:00 UTC
 * Monday to Friday at 0.40, off-peak otherwise at 0.20, holidays off-peak. Christmas 2026 is a
 * Friday; at UTC+1 the local day runs from 23:00 UTC on the 24th to 23:00 UTC on the 25th.
 */
describe('tariffs: a time-of-use holidayPeriod on the site\'s holidays', function () {
  this.timeout(120_000);
  const tou: TimeOfUseTariff = {
    id: 'tou',
    type: 'time-of-use',
    defaultPeriod: 'off-peak',
    holidayPeriod: 'off-peak',
    periods: [
      { name: 'peak', energyPricePerKwh: 0.4, rules: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 17, toHour: 21 }] },
      { name: 'off-peak', energyPricePerKwh: 0.2, rules: [] },
    ],
  };
  const christmas: SiteCalendar = { zone: SiteZone.fixed(1), holidays: holidaysOf(['2026-12-25']) };

  it('the price signal: Christmas evening is off-peak on the calendar, peak without it, and the 24th stays peak', () => {
    const now = at('2026-12-20T00:00Z');
    expect(retailPriceAt(tou, at('2026-12-25T18:00Z'), { now, calendar: christmas })).to.equal(0.2);
    expect(retailPriceAt(tou, at('2026-12-25T18:00Z'), { now })).to.equal(0.4);
    expect(retailPriceAt(tou, at('2026-12-24T18:00Z'), { now, calendar: christmas })).to.equal(0.4);
  });

  it('a bill of the local 25th, 1 kWh an hour: 24 × 0.20 = 4.80 on the calendar, 20 × 0.20 + 4 × 0.40 = 5.60 without', () => {
    const day = readings('2026-12-24T23:00Z', 60, new Array(24).fill(1));
    expect(computeBill(tou, day, { calendar: christmas }).total.toFixed(2)).to.equal('4.80');
    expect(computeBill(tou, day).total.toFixed(2)).to.equal('5.60');
  });

  it('a reading across the holiday\'s start is refused, naming the holiday', () => {
    const straddling = readings('2026-12-24T22:30Z', 60, [1]);
    expect(() => computeBill(tou, straddling, { calendar: christmas })).to.throw(TariffError, /straddles the start or end of a holiday \(2026-12-24T23:00:00Z–2026-12-25T23:00:00Z\)/);
  });

  it('the schema: holidayPeriod must name a period; the meter check: local midnight must be a reading boundary', () => {
    const bad = parseTariff({ ...tou, holidayPeriod: 'weekend' });
    expect(bad.ok).to.equal(false);
    if (!bad.ok) expect(bad.issues.map((i) => `${i.path}: ${i.message}`)).to.deep.equal(["holidayPeriod: 'weekend' is not one of the periods (peak, off-peak)"]);
    // India (UTC+5:30): local midnight is 18:30 UTC, inside an hourly reading, on the half hour of 30-minute ones.
    expect(meterIntervalIssues(tou, 60, at('2026-12-24T00:00Z'), [], 5.5).map((i) => `${i.path}: ${i.message}`)).to.deep.equal([
      'holidayPeriod: holidays start at local midnight, 18:30 UTC (utcOffsetHours 5.5), inside a 60-minute reading',
    ]);
    expect(meterIntervalIssues(tou, 30, at('2026-12-24T00:00Z'), [], 5.5)).to.deep.equal([]);
    expect(meterIntervalIssues({ ...tou, holidayPeriod: undefined }, 60, at('2026-12-24T00:00Z'), [], 5.5)).to.deep.equal([]);
  });

  it('under a critical-peak or demand-charge tariff whose energy is this time-of-use component, Christmas evening is off-peak too', () => {
    // The holidayPeriod belongs to the energy component, whichever tariff carries it: an hour of 1 kWh at 18:00 UTC on the
    // 25th bills 0.20 under each; without the calendar, 0.40 (peak). Before, the critical-peak tariff priced it at 0.40.
    const energy = { type: 'time-of-use' as const, defaultPeriod: tou.defaultPeriod, holidayPeriod: tou.holidayPeriod, periods: tou.periods };
    const cpp: CriticalPeakTariff = { id: 'cpp', type: 'critical-peak', energy, eventWindow: { fromHour: 12, toHour: 14 }, eventPricePerKwh: 1, noticeHours: 24, events: [] };
    const dc: DemandChargeTariff = { id: 'dc', type: 'demand-charge', energy, demandChargePerKw: 0, demandWindowMinutes: 60 };
    const hour = readings('2026-12-25T18:00Z', 60, [1]);
    const now = at('2026-12-20T00:00Z');
    for (const t of [cpp, dc]) {
      expect(retailPriceAt(t, at('2026-12-25T18:00Z'), { now, calendar: christmas }), t.id).to.equal(0.2);
      expect(computeBill(t, hour, { calendar: christmas }).total.toFixed(2), t.id).to.equal('0.20');
      expect(computeBill(t, hour).total.toFixed(2), t.id).to.equal('0.40');
    }
  });

  it('in a run: the time-of-use customers\' bills of a holiday are all off-peak (fixtures/scenarios/retail-and-aggregation.yaml)', async () => {
    // UTC+2; the tariff's peak is 15:00–19:00 UTC every day. With 2026-07-01 a holiday (22:00 UTC on
    // June 30 to 22:00 UTC on July 1), the first billing day (00:00–24:00 UTC) has no peak hour.
    const s = loadScenarioFile(join(import.meta.dirname, '../fixtures/scenarios/retail-and-aggregation.yaml'));
    const tariffs = s.config.tariffs.map((t) => (t.id === 'tou' ? { ...t, holidayPeriod: 'off-peak' } : t));
    const bills = await runAndRead({ ...s, config: { ...s.config, tariffs, site: { ...s.config.site, holidays: ['2026-07-01'] } } }, (f) => f.rows('bills.csv'));
    const tou = bills.filter((b) => b.tariff === 'tou');
    const first = tou.filter((b) => b.day === '2026-07-01');
    const second = tou.filter((b) => b.day === '2026-07-02');
    expect(first.length).to.be.greaterThan(3);
    for (const b of first) expect(Number(b.energy_charge), b.agent_id).to.be.closeTo(Number(b.import_kwh) * 0.12, 0.006);
    // The next day, an ordinary one, charges its peak hours at 0.35.
    expect(second.some((b) => Number(b.energy_charge) > Number(b.import_kwh) * 0.12 + 0.01)).to.equal(true);
  });
});

/**
 * A demand charge with `demandOnHolidays: false` takes no peak on the site's holidays: 10 per kW
 * of the highest hourly average from 08:00 to 20:00 UTC on weekdays, energy at a flat 0.10.
 * Christmas 2026 is a Friday; at UTC+1 it runs from 23:00 UTC on the 24th to 23:00 UTC on the 25th.
 */
describe('tariffs: a demand charge on the site\'s holidays (demandOnHolidays)', function () {
  this.timeout(120_000);
  const parsed = parseTariff({
    id: 'business',
    type: 'demand-charge',
    energy: { type: 'flat', energyPricePerKwh: 0.1 },
    demandChargePerKw: 10,
    demandWindowMinutes: 60,
    demandHours: [{ days: 'weekdays', fromHour: 8, toHour: 20 }],
    demandOnHolidays: false,
  });
  if (!parsed.ok) throw new Error('test tariff invalid');
  const business = parsed.value as DemandChargeTariff;
  const christmas: SiteCalendar = { zone: SiteZone.fixed(1), holidays: holidaysOf(['2026-12-25']) };
  // Thursday the 24th and Friday the 25th (UTC days), 1 kWh an hour, 3 kWh at 12:00 on the 24th and 5 kWh at 12:00 on the 25th.
  const twoDays = readings('2026-12-24T00:00Z', 60, Array.from({ length: 48 }, (_, h) => (h === 12 ? 3 : h === 36 ? 5 : 1)));

  it('the bill: the holiday\'s 5 kW hour sets no peak (3 kW × 10 = 30.00); counted without the calendar, or with demandOnHolidays left out (50.00)', () => {
    const bill = computeBill(business, twoDays, { calendar: christmas });
    expect(bill.demand!.peakKw.toFixed(3)).to.equal('3.000');
    expect(bill.demand!.peakStart).to.equal(at('2026-12-24T12:00Z'));
    expect(bill.demandCharge.toFixed(2)).to.equal('30.00');
    // Energy 46 × 1 + 3 + 5 = 54 kWh at 0.10 = 5.40, whatever the demand.
    expect(bill.total.toFixed(2)).to.equal('35.40');
    expect(computeBill(business, twoDays).demandCharge.toFixed(2)).to.equal('50.00');
    expect(computeBill({ ...business, demandOnHolidays: undefined }, twoDays, { calendar: christmas }).demandCharge.toFixed(2)).to.equal('50.00');
  });

  it('the price signal: a kW at noon on the holiday costs no demand charge, on the 24th 10 per kW', () => {
    expect(demandChargePerKwAt(business, at('2026-12-25T12:00Z'), christmas)).to.equal(0);
    expect(demandChargePerKwAt(business, at('2026-12-24T12:00Z'), christmas)).to.equal(10);
    expect(demandChargePerKwAt(business, at('2026-12-25T12:00Z'))).to.equal(10);
  });

  it('a window across a holiday\'s start is refused; the meter check names the offset that puts local midnight inside a window', () => {
    // UTC+5:30: the 25th starts at 18:30 UTC on the 24th, inside the hour 18:00–19:00.
    const india: SiteCalendar = { zone: SiteZone.fixed(5.5), holidays: holidaysOf(['2026-12-25']) };
    const evening = readings('2026-12-24T18:00Z', 30, [1, 1]);
    expect(() => computeBill(business, evening, { calendar: india })).to.throw(TariffError, /the 60-minute demand window at 2026-12-24T18:00:00Z straddles the start or end of a holiday \(2026-12-24T18:30:00Z\)/);
    expect(meterIntervalIssues(business, 30, at('2026-12-24T00:00Z'), ['tariffs', 0], 5.5).map((i) => `${i.path}: ${i.message}`)).to.deep.equal([
      // Local midnight inside a window is refused whether or not a holiday starts there: every billing day (a local day) ends there.
      'tariffs[0].demandWindowMinutes: billing days are local days, and local midnight, 18:30 UTC (utcOffsetHours 5.5), falls inside a 60-minute demand window (windows start at UTC midnight): two bills would each average part of that window over the whole; use windows local midnight is a boundary of, or hours: local',
    ]);
    expect(meterIntervalIssues({ ...business, demandWindowMinutes: 30 }, 30, at('2026-12-24T00:00Z'), [], 5.5)).to.deep.equal([]);
    expect(meterIntervalIssues({ ...business, demandWindowMinutes: 30, demandOnHolidays: true }, 30, at('2026-12-24T00:00Z'), [], 5.5)).to.deep.equal([]);
  });

  it('validate names local midnight inside a reading only for a site with holidays (without any there is no holiday boundary to straddle), and inside a demand window always (billing days end there)', () => {
    // UTC+5:30, hourly readings and hourly demand windows: a holiday would start at 18:30 UTC, inside both.
    const text = readFileSync(join(import.meta.dirname, '../fixtures/scenarios/retail-and-aggregation.yaml'), 'utf8')
      .replace('utcOffsetHours: 2 }', 'utcOffsetHours: 5.5 }')
      .replace('days: 2\n', 'days: 2\nintervalMinutes: 60\n')
      .replace('    defaultPeriod: off-peak\n', '    defaultPeriod: off-peak\n    holidayPeriod: off-peak\n')
      .replace("  - { id: rtp, type: real-time, adderPerKwh: 0.05, floorPerKwh: 0, capPerKwh: 1 }\n", "  - { id: rtp, type: real-time, adderPerKwh: 0.05, floorPerKwh: 0, capPerKwh: 1 }\n  - { id: dc, type: demand-charge, energy: { type: flat, energyPricePerKwh: 0.2 }, demandChargePerKw: 0.2, demandWindowMinutes: 60, demandOnHolidays: false }\n")
      .replace('tariffs: [tou, rtp]', 'tariffs: [tou, rtp, dc]');
    expect(text).to.include('holidayPeriod').and.include('demandOnHolidays');
    expect(() => parseScenario(text, 'india.yaml')).to.throw(InputFileError).with.property('message').that.matches(/tariffs\[2\]\.demandWindowMinutes: billing days are local days, and local midnight, 18:30 UTC/).and.not.matches(/holidayPeriod/);
    expect(() => parseScenario(text.replace('demandWindowMinutes: 60, demandOnHolidays', 'demandWindowMinutes: 30, demandOnHolidays').replace('intervalMinutes: 60', 'intervalMinutes: 30'), 'india.yaml')).to.not.throw();
    const withHolidays = text.replace('utcOffsetHours: 5.5 }', 'utcOffsetHours: 5.5, holidays: [2026-07-01] }');
    expect(() => parseScenario(withHolidays, 'india.yaml')).to.throw(InputFileError).with.property('message').that.matches(/tariffs\[0\]\.holidayPeriod: holidays start at local midnight, 18:30 UTC \(utcOffsetHours 5\.5\), inside a 60-minute reading/).and.matches(/tariffs\[2\]\.demandWindowMinutes: billing days are local days, and local midnight, 18:30 UTC/);
    // Each is located at its own key (before, at the tariff's first line: the message named the key after it).
    const lines = withHolidays.split('\n');
    const lineOf = (text: string): number => lines.findIndex((l) => l.includes(text)) + 1;
    try {
      parseScenario(withHolidays, 'india.yaml');
    } catch (e) {
      expect((e as InputFileError).issues.map((i) => [i.path, i.line])).to.deep.equal([
        ['tariffs[0].holidayPeriod', lineOf('holidayPeriod: off-peak')],
        ['tariffs[2].demandWindowMinutes', lineOf('demandWindowMinutes: 60')],
      ]);
    }
  });

  it('the schema: demandOnHolidays is true or false', () => {
    const bad = parseTariff({ ...business, demandOnHolidays: 'no' });
    expect(bad.ok).to.equal(false);
    if (!bad.ok) expect(bad.issues.map((i) => `${i.path}: ${i.message}`)).to.deep.equal(['demandOnHolidays: demandOnHolidays must be true or false']);
  });

  it('in a run: a demand customer\'s bill of a holiday has no demand charge, the next day\'s has (fixtures/scenarios/retail-and-aggregation.yaml)', async () => {
    // UTC+2: 2026-07-01 runs from 22:00 UTC on June 30 to 22:00 UTC on July 1; demand hours 00:00–22:00 UTC every day.
    const s = loadScenarioFile(join(import.meta.dirname, '../fixtures/scenarios/retail-and-aggregation.yaml'));
    const demand = parseTariff({ id: 'tou', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.2 }, demandChargePerKw: 0.2, demandWindowMinutes: 15, demandHours: [{ days: 'all', fromHour: 0, toHour: 22 }], demandOnHolidays: false });
    if (!demand.ok) throw new Error('test tariff invalid');
    const run = (onHolidays: boolean) => {
      const tariffs = s.config.tariffs.map((t) => (t.id === 'tou' ? ({ ...demand.value, demandOnHolidays: onHolidays } as typeof t) : t));
      return runAndRead({ ...s, config: { ...s.config, tariffs, site: { ...s.config.site, holidays: ['2026-07-01'] } } }, (f) => f.rows('bills.csv').filter((b) => b.tariff === 'tou'));
    };
    const bills = await run(false);
    const first = bills.filter((b) => b.day === '2026-07-01');
    const second = bills.filter((b) => b.day === '2026-07-02');
    expect(first.length).to.be.greaterThan(3);
    for (const b of first) expect(Number(b.demand_charge), b.agent_id).to.equal(0);
    for (const b of second) expect(Number(b.demand_charge), b.agent_id).to.be.greaterThan(0);
    // Counted on holidays, the same customers pay a demand charge on the 1st too.
    const counted = (await run(true)).filter((b) => b.day === '2026-07-01');
    expect(counted.every((b) => Number(b.demand_charge) > 0)).to.equal(true);
  });
});

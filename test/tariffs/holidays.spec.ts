import { expect } from 'chai';
import { holidaysOf, type SiteCalendar } from '../../core/calendar.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { computeBill } from '../../tariffs/bill.ts';
import { meterIntervalIssues } from '../../tariffs/compat.ts';
import { parseTariff } from '../../tariffs/schema.ts';
import { retailPriceAt } from '../../tariffs/signal.ts';
import { TariffError, type TimeOfUseTariff } from '../../tariffs/types.ts';
import { runAndRead } from '../helpers/runOutputs.ts';
import { at, readings } from './helpers.ts';
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
  const christmas: SiteCalendar = { utcOffsetHours: 1, holidays: holidaysOf(['2026-12-25']) };

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

/**
 * Tariffs written in the site's local time (`hours: local`, tariffs/localHours.ts): the same
 * instants priced as the UTC tariff with every hour moved by the offset. Hours by hand, the
 * equivalence as properties, the checks, and a run that gives the same bytes either way.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputFileError } from '../../core/errors.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { computeBill } from '../../tariffs/bill.ts';
import { ruleMask, SLOTS_PER_WEEK } from '../../tariffs/calendar.ts';
import { meterIntervalIssues } from '../../tariffs/compat.ts';
import { utcRules, utcTariff } from '../../tariffs/localHours.ts';
import { parseTariff } from '../../tariffs/schema.ts';
import { demandChargePerKwAt, retailPriceAt } from '../../tariffs/signal.ts';
import { type Tariff, type TimeRule, WEEKDAYS } from '../../tariffs/types.ts';
import { runAndRead } from '../helpers/runOutputs.ts';
import { at, readings } from './helpers.ts';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const rule = (days: readonly string[], fromHour: number, toHour: number): TimeRule => ({ days: days as TimeRule['days'], fromHour, toHour });
const tariff = (raw: Record<string, unknown>): Tariff => {
  const t = parseTariff(raw);
  if (!t.ok) throw new Error(JSON.stringify(t.issues));
  return t.value;
};

describe('tariffs in local hours (hours: local)', function () {
  this.timeout(120_000);

  describe('weekly rules moved to UTC, by hand', () => {
    it('UTC+2: weekdays 17–21 local are weekdays 15–19 UTC', () => {
      expect(utcRules([rule(weekdays, 17, 21)], 2)).to.deep.equal([rule(weekdays, 15, 19)]);
    });
    it('UTC−7: weekdays 17–21 local are Tuesday to Saturday 00–04 UTC (the next UTC day)', () => {
      expect(utcRules([rule(weekdays, 17, 21)], -7)).to.deep.equal([rule(['tue', 'wed', 'thu', 'fri', 'sat'], 0, 4)]);
    });
    it('UTC+10: weekdays 06–09 local are Sunday to Thursday 20–23 UTC (the previous UTC day)', () => {
      expect(utcRules([rule(weekdays, 6, 9)], 10)).to.deep.equal([rule(['sun', 'mon', 'tue', 'wed', 'thu'], 20, 23)]);
    });
    it('across UTC midnight a rule splits in two: Monday 00–02 at UTC+1 is Sunday 23–24 and Monday 00–01 UTC', () => {
      expect(utcRules([rule(['mon'], 0, 2)], 1)).to.deep.equal([rule(['sun'], 23, 24), rule(['mon'], 0, 1)]);
    });
    it('UTC+5:30 and UTC+5:45 move by quarter hours: Monday 00–01 is Sunday 18:30–19:30 and 18:15–19:15', () => {
      expect(utcRules([rule(['mon'], 0, 1)], 5.5)).to.deep.equal([rule(['sun'], 18.5, 19.5)]);
      expect(utcRules([rule(['mon'], 0, 1)], 5.75)).to.deep.equal([rule(['sun'], 18.25, 19.25)]);
    });
  });

  it('property: a local rule covers UTC slot s exactly when the same rule read as UTC covers local slot s + 4 × offset', () => {
    const ruleArb = fc
      .record({ days: fc.subarray([...WEEKDAYS], { minLength: 1 }), from: fc.integer({ min: 0, max: 95 }), length: fc.integer({ min: 1, max: 96 }) })
      .map(({ days, from, length }) => rule(days, from / 4, Math.min(96, from + length) / 4));
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: -48, max: 56 }), (rules, quarters) => {
        const local = ruleMask(rules);
        const utc = ruleMask(utcRules(rules, quarters / 4));
        for (let s = 0; s < SLOTS_PER_WEEK; s++) expect(utc[s], `slot ${s}`).to.equal(local[(((s + quarters) % SLOTS_PER_WEEK) + SLOTS_PER_WEEK) % SLOTS_PER_WEEK]);
      }),
      { numRuns: 300, seed: 40 },
    );
  });

  it('property: a time-of-use tariff in local hours prices the UTC instant t as the UTC tariff prices t + offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: -48, max: 56 }), fc.integer({ min: 0, max: 95 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 7 * 96 - 1 }), (quarters, from, length, slot) => {
        const raw = {
          id: 'tou',
          type: 'time-of-use',
          defaultPeriod: 'off-peak',
          periods: [
            { name: 'peak', energyPricePerKwh: 0.4, rules: [{ days: 'weekdays', fromHour: from / 4, toHour: Math.min(96, from + length) / 4 }] },
            { name: 'off-peak', energyPricePerKwh: 0.2 },
          ],
        };
        const asUtc = tariff(raw);
        const local = utcTariff(tariff({ ...raw, hours: 'local' }), quarters / 4);
        const t = at('2026-07-05T00:00Z') + slot * 15 * 60_000; // a Sunday
        const now = at('2026-07-01T00:00Z');
        expect(retailPriceAt(local, at(new Date(t).toISOString()), { now })).to.equal(retailPriceAt(asUtc, at(new Date(t + quarters * 15 * 60_000).toISOString()), { now }));
      }),
      { numRuns: 300, seed: 41 },
    );
  });

  it('a critical-peak event at UTC−7: 17–21 local on July 2 is 00:00–04:00 UTC on July 3, billed at the event price', () => {
    const cpp = tariff({ id: 'cpp', type: 'critical-peak', hours: 'local', energy: { type: 'flat', energyPricePerKwh: 0.2 }, eventWindow: { fromHour: 17, toHour: 21 }, eventPricePerKwh: 1, noticeHours: 24, events: [{ id: 'hot', date: '2026-07-02' }] });
    const utc = utcTariff(cpp, -7);
    // Announced 24 h before its window: 00:00 UTC on July 2 here, 07:00 UTC on July 1 at UTC+10 (below).
    const now = at('2026-07-02T06:00Z');
    expect(retailPriceAt(utc, at('2026-07-03T01:00Z'), { now })).to.equal(1);
    expect(retailPriceAt(utc, at('2026-07-02T18:00Z'), { now })).to.equal(0.2);
    expect(retailPriceAt(utc, at('2026-07-03T04:00Z'), { now })).to.equal(0.2);
    // A UTC day of 1 kWh an hour: the four event hours at 1.00, twenty at 0.20: 8.00.
    expect(computeBill(utc, readings('2026-07-03T00:00Z', 60, new Array(24).fill(1))).total.toFixed(2)).to.equal('8.00');
    // The same window east of Greenwich: 17–21 local at UTC+10 is 07:00–11:00 UTC on July 2.
    expect(computeBill(utcTariff(cpp, 10), readings('2026-07-02T00:00Z', 60, new Array(24).fill(1))).total.toFixed(2)).to.equal('8.00');
    expect(retailPriceAt(utcTariff(cpp, 10), at('2026-07-02T07:00Z'), { now })).to.equal(1);
  });

  it('a demand charge\'s hours in local time: weekdays 08–20 local at UTC+2 count the window at 06:00 UTC, not the one at 19:00 UTC', () => {
    const dc = tariff({ id: 'dc', type: 'demand-charge', hours: 'local', energy: { type: 'flat', energyPricePerKwh: 0 }, demandChargePerKw: 10, demandWindowMinutes: 60, demandHours: [{ days: 'weekdays', fromHour: 8, toHour: 20 }] });
    // Thursday July 2: 4 kWh at 06:00 UTC (08:00 local), 9 kWh at 19:00 UTC (21:00 local), 1 kWh otherwise.
    const day = readings('2026-07-02T00:00Z', 60, Array.from({ length: 24 }, (_, h) => (h === 6 ? 4 : h === 19 ? 9 : 1)));
    expect(computeBill(utcTariff(dc, 2), day).demandCharge.toFixed(2)).to.equal('40.00');
  });

  it('a demand charge\'s windows in local hours are blocks of the local clock: at UTC+5:30 an hour of 4 kW from 18:00 local is a 4 kW peak, not two 2 kW halves of UTC hours', () => {
    const dc = tariff({ id: 'dc', type: 'demand-charge', hours: 'local', energy: { type: 'flat', energyPricePerKwh: 0 }, demandChargePerKw: 10, demandWindowMinutes: 60 });
    // 18:00–19:00 local is 12:30–13:30 UTC: 1 kWh every quarter hour. The window 12:00–13:00 UTC would hold 2 kWh.
    const hour = readings('2026-07-01T12:30Z', 15, [1, 1, 1, 1]);
    const bill = computeBill(utcTariff(dc, 5.5), hour);
    expect(bill.demand!.peakKw.toFixed(3)).to.equal('4.000');
    expect(bill.demand!.peakStart).to.equal(at('2026-07-01T12:30Z'));
    expect(bill.demandCharge.toFixed(2)).to.equal('40.00');
    // The price signal marks the same hour: load at 12:45 UTC sets the 12:30–13:30 window's peak. With demand hours
    // 19–20 local (13:30–14:30 UTC), 13:15 UTC lies in the window from 12:30, outside them; 13:30 in the one that counts.
    const evening = utcTariff(tariff({ ...dc, hours: 'local', demandHours: [{ days: 'all', fromHour: 19, toHour: 20 }] }), 5.5);
    expect(demandChargePerKwAt(evening, at('2026-07-01T13:15Z'))).to.equal(0);
    expect(demandChargePerKwAt(evening, at('2026-07-01T13:30Z'))).to.equal(10);
    // Nepal (UTC+5:45), 30-minute windows: they start at :15 and :45 UTC.
    expect(computeBill(utcTariff({ ...dc, demandWindowMinutes: 30 } as Tariff, 5.75), readings('2026-07-01T12:15Z', 15, [1, 1])).demand!.peakKw.toFixed(3)).to.equal('4.000');
  });

  it('a tariff in local hours is refused by the pricing code until read through utcTariff (never billed as UTC)', () => {
    const tou = tariff({ id: 'tou', type: 'time-of-use', hours: 'local', defaultPeriod: 'off', periods: [{ name: 'off', energyPricePerKwh: 0.2 }] });
    expect(() => computeBill(tou, readings('2026-07-02T00:00Z', 60, [1]))).to.throw(TypeError, /tariff 'tou' is written in local hours: read it through utcTariff/);
    expect(computeBill(utcTariff(tou, 2), readings('2026-07-02T00:00Z', 60, [1])).total.toFixed(2)).to.equal('0.20');
  });

  it('the checks: the schema names the clocks; the meter check names a local boundary inside a reading with its UTC hour', () => {
    const bad = parseTariff({ id: 'f', type: 'flat', energyPricePerKwh: 0.2, hours: 'cet' });
    expect(bad.ok).to.equal(false);
    if (!bad.ok) expect(bad.issues.map((i) => `${i.path}: ${i.message}`)).to.deep.equal(["hours: expected 'utc' or 'local' (the site's utcOffsetHours)"]);
    const tou = tariff({ id: 'tou', type: 'time-of-use', hours: 'local', defaultPeriod: 'off', periods: [{ name: 'peak', energyPricePerKwh: 0.4, rules: [{ days: 'all', fromHour: 17, toHour: 21 }] }, { name: 'off', energyPricePerKwh: 0.2 }] });
    // India (UTC+5:30): 17:00 local is 11:30 UTC, inside an hourly reading.
    expect(meterIntervalIssues(tou, 60, at('2026-07-01T00:00Z'), [], 5.5).map((i) => `${i.path}: ${i.message}`)).to.deep.equal([
      'periods[0].rules[0].fromHour: 17:00 local (11:30 UTC) falls inside a 60-minute reading',
      'periods[0].rules[0].toHour: 21:00 local (15:30 UTC) falls inside a 60-minute reading',
    ]);
    expect(meterIntervalIssues(tou, 30, at('2026-07-01T00:00Z'), [], 5.5)).to.deep.equal([]);
    const dc = tariff({ id: 'dc', type: 'demand-charge', hours: 'local', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 10, demandWindowMinutes: 60, demandHours: [{ days: 'weekdays', fromHour: 8, toHour: 20 }] });
    // Its hourly windows are the local clock's hours, from 18:30 UTC: on the grid of 30-minute readings, not of hourly ones.
    // (A run from local midnight: one from 00:00 UTC would start inside a window, refused below.)
    expect(meterIntervalIssues(dc, 30, at('2026-06-30T18:30Z'), [], 5.5)).to.deep.equal([]);
    expect(meterIntervalIssues(dc, 60, at('2026-07-01T00:00Z'), [], 5.5).map((i) => `${i.path}: ${i.message}`)).to.deep.equal([
      'demandHours[0].fromHour: 08:00 local (02:30 UTC) falls inside a 60-minute reading',
      'demandHours[0].toHour: 20:00 local (14:30 UTC) falls inside a 60-minute reading',
      'demandWindowMinutes: the run starts at 2026-07-01T00:00:00Z, inside a 60-minute demand window (windows start at local midnight and every 60 minutes after): the first billing day, from the start, would bill part of a window as if it were the whole; start the run on a window boundary',
      'demandWindowMinutes: the demand windows start at local midnight, 18:30 UTC (utcOffsetHours 5.5), inside a 60-minute reading',
    ]);
  });

  const fixture = join(import.meta.dirname, '../fixtures/scenarios/retail-and-aggregation.yaml');

  it('a scenario whose site is not a whole number of quarter hours from UTC cannot have a tariff in local hours', () => {
    const text = readFileSync(fixture, 'utf8').replace('utcOffsetHours: 2 }', 'utcOffsetHours: 2.1 }').replace('    type: time-of-use\n', '    type: time-of-use\n    hours: local\n');
    expect(() => parseScenario(text, 'local.yaml')).to.throw(InputFileError).with.property('message').that.matches(/tariffs\[0\]\.hours: local hours need site\.utcOffsetHours in quarter hours \(got 2\.1\)/);
  });

  it('in a run: the fixture\'s peak 15–19 UTC written as 17–21 local (UTC+2) gives byte-identical outputs', async () => {
    const text = readFileSync(fixture, 'utf8');
    const local = text
      .replace('    type: time-of-use\n', '    type: time-of-use\n    hours: local\n')
      .replace('rules: [{ days: all, fromHour: 15, toHour: 19 }]', 'rules: [{ days: all, fromHour: 17, toHour: 21 }]');
    expect(local).to.not.equal(text);
    const files = ['bills.csv', 'agents.csv', 'intervals.csv', 'events.csv'];
    const read = (t: string) => runAndRead(parseScenario(t, fixture), (f) => files.map((name) => f.text(name)));
    const [utcOut, localOut] = [await read(text), await read(local)];
    files.forEach((name, k) => expect(localOut[k] === utcOut[k], name).to.equal(true));
    // And the peak is priced: moved by one hour more, the bills differ.
    const shifted = await read(local.replace('fromHour: 17, toHour: 21', 'fromHour: 18, toHour: 22'));
    expect(shifted[0] === utcOut[0]).to.equal(false);
  });

  it('in a run at UTC−7 from 13:00 UTC, holidays first and last, a peak, demand hours and an event window that cross UTC midnight, and daily tariff choice: the same bytes as the tariffs written by hand in UTC', async () => {
    const edges = join(import.meta.dirname, '../fixtures/scenarios/local-hours-edges.yaml');
    const text = readFileSync(edges, 'utf8');
    // Each local hour h is UTC h + 7: weekdays 17–21 local are Tuesday to Saturday 00–04 UTC, 07–17 local weekdays 14–24 UTC,
    // 17–24 local on December 25 are 00–07 UTC on the 26th, and 08–20 local weekdays are 15–24 UTC and 00–03 UTC the next day.
    const byHand = [
      ['    hours: local\n', '    hours: utc\n'],
      ['rules: [{ days: weekdays, fromHour: 17, toHour: 21 }]', 'rules: [{ days: [tue, wed, thu, fri, sat], fromHour: 0, toHour: 4 }]'],
      ['rules: [{ days: weekdays, fromHour: 7, toHour: 17 }]', 'rules: [{ days: weekdays, fromHour: 14, toHour: 24 }]'],
      ['eventWindow: { fromHour: 17, toHour: 24 }', 'eventWindow: { fromHour: 0, toHour: 7 }'],
      ['events: [{ id: xmas, date: 2026-12-25 }]', 'events: [{ id: xmas, date: 2026-12-26 }]'],
      ['demandHours: [{ days: weekdays, fromHour: 8, toHour: 20 }]', 'demandHours: [{ days: weekdays, fromHour: 15, toHour: 24 }, { days: [tue, wed, thu, fri, sat], fromHour: 0, toHour: 3 }]'],
    ].reduce((t, [from, to]) => {
      expect(t.includes(from!), from).to.equal(true);
      return t.replaceAll(from!, to!);
    }, text);
    const files = ['bills.csv', 'agents.csv', 'intervals.csv', 'events.csv', 'flows.csv', 'summary.json', 'report.html'];
    const read = (t: string) => runAndRead(parseScenario(t, edges), (f) => ({ out: files.map((name) => f.text(name)), bills: f.rows('bills.csv') }));
    const [local, utc] = [await read(text), await read(byHand)];
    files.forEach((name, k) => expect(local.out[k] === utc.out[k], name).to.equal(true));
    // What the run shows, by hand: the first billing day (06:00 local on the 24th to 06:00 on the 25th) lies in the holiday
    // but for 00:00–06:00 local, so time-of-use bills it all off-peak (0.12) and the demand charge takes no peak; customers switch.
    const first = local.bills.filter((b) => b.day === '2026-12-24');
    for (const b of first.filter((x) => x.tariff === 'tou')) expect(Number(b.energy_charge), b.agent_id).to.be.closeTo(Number(b.import_kwh) * 0.12, 1e-9);
    for (const b of first.filter((x) => x.tariff === 'demand')) expect(b.demand_charge, b.agent_id).to.equal('0');
    // The second day has the event (00–07 UTC on the 26th at 0.90): some critical-peak bill is above the flat 0.20.
    expect(local.bills.some((b) => b.day === '2026-12-25' && b.tariff === 'cpp' && Number(b.energy_charge) > Number(b.import_kwh) * 0.2 + 0.01)).to.equal(true);
    expect(local.bills.some((b) => b.day === '2026-12-25' && b.tariff === 'demand' && Number(b.demand_charge) > 0)).to.equal(true);
  });
});

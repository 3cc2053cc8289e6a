/**
 * A run's days are calendar days of the site's clock (engine/scenario/runSpan.ts): `days: 7` from a local midnight
 * ends at the local midnight 7 days later, 167 hours across a spring change and 169 across an autumn one, and the
 * customers get 7 bills, not an eighth of one hour. Fixed offsets, UTC and zones without a change in the run keep
 * days × 24 hours. The instants are worked out by hand in test/core/wallDaysAfter.spec.ts's header.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { InputFileError } from '../../core/errors.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { runSpanOf, wallClockSpanNote } from '../../engine/scenario/runSpan.ts';
import { runAndRead } from '../helpers/runOutputs.ts';

const scenario = (site: string, start: string, days: number | string, extra = '') => `name: span
seed: 4
start: ${start}
days: ${days}
intervalMinutes: 15
site: ${site}
${extra}tariffs:
  - { id: flat, type: flat, energyPricePerKwh: 0.2, fixedChargePerDay: 0.5 }
agents:
  - { kind: generator, id: plant, offers: [{ kw: 200, priceMwh: 60 }] }
  - { kind: retailer, id: r, tariffs: [flat] }
  - { kind: home, idPrefix: home, count: 3, retailer: r, tariff: flat }
`;
const AMS = '{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }';
const SCL = '{ latitude: -33.45, longitude: -70.67, timeZone: America/Santiago }';

describe('run length: days are calendar days of the site’s clock', function () {
  this.timeout(120_000);

  const cases = [
    { what: 'Amsterdam, spring (Thursday 26 March 00:00 local = 23:00 UTC on the 25th)', site: AMS, start: '2026-03-25T23:00:00Z', intervals: 167 * 4, last: '2026-04-01T21:45:00Z', days: ['2026-03-26', '2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31', '2026-04-01'] },
    { what: 'Amsterdam, autumn (Thursday 22 October 00:00 local = 22:00 UTC on the 21st)', site: AMS, start: '2026-10-21T22:00:00Z', intervals: 169 * 4, last: '2026-10-28T22:45:00Z', days: ['2026-10-22', '2026-10-23', '2026-10-24', '2026-10-25', '2026-10-26', '2026-10-27', '2026-10-28'] },
    { what: 'Santiago, September (3 September 00:00 −04 = 04:00 UTC; midnight of the 6th skipped)', site: SCL, start: '2026-09-03T04:00:00Z', intervals: 167 * 4, last: '2026-09-10T02:45:00Z', days: ['2026-09-03', '2026-09-04', '2026-09-05', '2026-09-06', '2026-09-07', '2026-09-08', '2026-09-09'] },
  ];
  for (const c of cases)
    it(`${c.what}: 7 days are ${c.intervals} quarter hours, the last at ${c.last}, and 7 bills per customer with one day's fixed charge each`, async () => {
      const out = await runAndRead(parseScenario(scenario(c.site, c.start, 7), 'span.yaml'), (f) => ({ summary: f.summary(), bills: f.rows('bills.csv'), agents: f.rows('agents.csv') }));
      expect(out.summary.books.closed).to.equal(true);
      expect(out.summary.intervals).to.equal(c.intervals);
      const plant = out.agents.filter((r) => r.agent_id === 'plant');
      expect([plant.length, plant.at(-1)!.interval_start]).to.deep.equal([c.intervals, c.last]);
      const home = out.bills.filter((b) => b.agent_id === 'home-1');
      expect(home.map((b) => b.day)).to.deep.equal(c.days);
      // Each is a whole local day (23, 24 or 25 hours): one day's fixed charge, 0.50.
      expect(home.map((b) => Number(b.fixed_charge))).to.deep.equal(c.days.map(() => 0.5));
    });

  it('a warm-up counts calendar days too: 1 day before Monday 30 March 00:00 in Amsterdam is Sunday 00:00, 92 quarter hours earlier; summary says 1 day', async () => {
    const text = scenario(AMS, '2026-03-29T22:00:00Z', 1, 'warmUpDays: 1\n');
    const span = runSpanOf(parseScenario(text, 'span.yaml').config);
    expect([new Date(span.simulatedStartMs).toISOString(), span.warmUpIntervals, span.reportedIntervals]).to.deep.equal(['2026-03-28T23:00:00.000Z', 92, 96]);
    const out = await runAndRead(parseScenario(text, 'span.yaml'), (f) => f.summary());
    expect([out.books.closed, out.intervals, out.warmUp.days, out.warmUp.intervals]).to.deep.equal([true, 96, 1, 92]);
  });

  it('a warm-up from a wall time that shows twice a day earlier starts at its first occurrence: 02:30 on Monday 26 October (01:30 UTC), 1 day → 00:30 UTC on the 25th, 100 quarter hours', () => {
    // Sunday shows 02:30 at 00:30 UTC (summer time) and at 01:30 UTC (winter time), 24 hours before the start.
    const span = runSpanOf(parseScenario(scenario(AMS, '2026-10-26T01:30:00Z', 1, 'warmUpDays: 1\n'), 'span.yaml').config);
    expect([new Date(span.simulatedStartMs).toISOString(), span.warmUpIntervals]).to.deep.equal(['2026-10-25T00:30:00.000Z', 100]);
  });

  it('a fraction of a day is elapsed time after the whole days: 0.125 day across the jump is 3 hours (12 quarter hours), 1.5 days from local midnight on the 28th are 23 + 12 hours', () => {
    expect(runSpanOf(parseScenario(scenario(AMS, '2026-03-29T00:00:00Z', 0.125), 'span.yaml').config).reportedIntervals).to.equal(12);
    expect(runSpanOf(parseScenario(scenario(AMS, '2026-03-28T23:00:00Z', 1.5), 'span.yaml').config).reportedIntervals).to.equal((23 + 12) * 4);
  });

  it('validate and run say the span where it is not days × 24 hours, and only there', () => {
    expect(wallClockSpanNote(parseScenario(scenario(AMS, '2026-03-25T23:00:00Z', 7), 'span.yaml').config)).to.equal(
      '7 day(s) on the wall clock of Europe/Amsterdam: 2026-03-25T23:00:00Z to 2026-04-01T22:00:00Z, 167 hours, 668 intervals',
    );
    expect(wallClockSpanNote(parseScenario(scenario(AMS, '2026-07-01T22:00:00Z', 7), 'span.yaml').config)).to.equal(undefined);
    expect(wallClockSpanNote(parseScenario(scenario('{ latitude: 52.37, longitude: 4.9, utcOffsetHours: 1 }', '2026-03-25T23:00:00Z', 7), 'span.yaml').config)).to.equal(undefined);
  });

  it('refuses days that are no whole number of intervals on the wall clock: 3 days of hourly intervals across Lord Howe’s 30-minute change', () => {
    const text = scenario('{ latitude: -31.5, longitude: 159.1, timeZone: Australia/Lord_Howe }', '2026-04-03T13:00:00Z', 3).replace('intervalMinutes: 15', 'intervalMinutes: 60');
    let message = '';
    try {
      parseScenario(text, 'span.yaml');
    } catch (e) {
      if (!(e instanceof InputFileError)) throw e;
      message = e.message;
    }
    expect(message).to.include(
      'span.yaml:4:7 days: 3 day(s) on the wall clock of Australia/Lord_Howe run from 2026-04-03T13:00:00Z to 2026-04-06T13:30:00Z, 4350 minutes: not a whole number of 60-minute intervals (the clock changes in them); use intervals that divide the change',
    );
  });

  it('property: at a fixed offset, and in a zone without a change in the run, the run is days × 24 hours as before', () => {
    fc.assert(
      fc.property(fc.integer({ min: -48, max: 56 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(15, 30, 60), (quarters, hour, days, warmUpDays, minutes) => {
        const start = new Date(Date.UTC(2026, 0, 1) + hour * 3_600_000).toISOString().replace('.000Z', 'Z');
        const config = parseScenario(scenario(`{ latitude: 0, longitude: 0, utcOffsetHours: ${quarters / 4} }`, start, days, `warmUpDays: ${warmUpDays}\n`).replace('intervalMinutes: 15', `intervalMinutes: ${minutes}`), 'span.yaml').config;
        const span = runSpanOf(config);
        const perDay = 1440 / minutes;
        expect([span.reportedIntervals, span.warmUpIntervals, span.endMs - span.startMs, span.startMs - span.simulatedStartMs, span.wallClock]).to.deep.equal([days * perDay, warmUpDays * perDay, days * 86_400_000, warmUpDays * 86_400_000, false]);
      }),
      { numRuns: 60 },
    );
    // Amsterdam in summer (2 May to 1 September: no change) is UTC+2: days × 24 hours.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 60 }), (hour, days) => {
        const start = new Date(Date.UTC(2026, 4, 2) + hour * 3_600_000).toISOString().replace('.000Z', 'Z');
        fc.pre(Date.parse(start) + days * 86_400_000 <= Date.UTC(2026, 8, 1));
        const span = runSpanOf(parseScenario(scenario(AMS, start, days), 'span.yaml').config);
        expect([span.reportedIntervals, span.wallClock]).to.deep.equal([days * 96, false]);
      }),
      { numRuns: 40 },
    );
  });
});

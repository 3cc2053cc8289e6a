/**
 * The 10-of-10 baseline's event days are the customer's local days (agents/operations/baseline.ts `eventDayOf`), not
 * 24-hour blocks from the run's first interval. A real run (test/fixtures/scenarios/event-days-local.yaml): UTC−5 from
 * 00:00 UTC (19:00 local), events on Thursday 20:00–21:00 local (the run's day 2) and Friday 12:00–13:00 local (also
 * the run's day 2). Friday's baseline averages Wednesday 12:00 alone (Thursday had an event), checked by hand from the
 * metered kW in agents.csv; counted in run days it averaged Thursday 12:00 in too.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { businessDayOf, eventDayOf, tenOfTenBaseline } from '../../agents/operations/baseline.ts';
import { SiteZone } from '../../core/siteZone.ts';
import { type RunOutputs, runAndRead } from './outputs.ts';

const FILE = join(import.meta.dirname, '../fixtures/scenarios/event-days-local.yaml');
const H = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('10-of-10 event days are local days (fixtures/scenarios/event-days-local.yaml)', function () {
  this.timeout(120_000);
  let o: RunOutputs;
  before(async () => {
    o = await runAndRead(FILE, 'gridbid-event-days-');
  });
  after(() => o?.cleanup());

  const kw = (t: number, agent: string): number => o.actual.get(`${iso(t)}|${agent}`)!;
  const friday = Date.parse('2026-07-03T17:00:00Z'); // 12:00 local (UTC−5)
  /** Friday's reports at 12:00–12:45 local: agent → [interval, baseline kW, days]. */
  const fridayReports = () =>
    o.events
      .filter((e) => e.type === 'REPORT:BASELINE' && Date.parse(e.interval_start!) >= friday && Date.parse(e.interval_start!) < friday + H)
      .map((e) => {
        const m = /10-of-10 (\S+) kW \((\d+) days, adjustment (\S+)\)/.exec(e.detail!)!;
        return { t: Date.parse(e.interval_start!), agent: e.issuer!, baselineKw: Number(m[1]), days: Number(m[2]) };
      });

  it('the operator shed the same homes on Thursday evening and Friday noon (what the case needs)', () => {
    const shed = (from: string) => new Set(o.events.filter((e) => e.type === 'DISPATCH_SETPOINT' && e.response === 'opt-in' && e.interval_start === from).map((e) => e.target));
    const thursday = shed('2026-07-03T01:00:00Z');
    const fri = shed('2026-07-03T17:00:00Z');
    const both = [...fri].filter((a) => thursday.has(a));
    expect(both.length).to.be.greaterThan(5);
    expect(fridayReports().length).to.be.greaterThan(20);
  });

  it('Friday 12:00 local: every report averages 1 day, Wednesday 12:00 (48 hours back), adjusted over Friday 08:00–11:00 local, by hand', () => {
    let apart = 0;
    for (const r of fridayReports()) {
      // The event started at 17:00 UTC (its first commanded interval on Friday); the adjustment window is the 3 hours
      // that end 1 hour before it: 13:00–16:00 UTC, each interval's baseline being its Wednesday value.
      let actual = 0;
      let base = 0;
      for (let t = friday - 4 * H; t < friday - H; t += 900_000) {
        actual += kw(t, r.agent);
        base += kw(t - 48 * H, r.agent);
      }
      // Within 1 ± 20 %; 1 where the window's baseline is not positive (a battery idle on Wednesday).
      const adjustment = base > 0 ? Math.min(1.2, Math.max(0.8, actual / base)) : 1;
      expect(r.days, `${iso(r.t)} ${r.agent}`).to.equal(1);
      expect(r.baselineKw, `${iso(r.t)} ${r.agent}`).to.be.closeTo(kw(r.t - 48 * H, r.agent) * adjustment, 2e-3);
      // Counted in run days, Thursday 12:00 (24 hours back) was averaged in too.
      let base2 = 0;
      for (let t = friday - 4 * H; t < friday - H; t += 900_000) base2 += (kw(t - 48 * H, r.agent) + kw(t - 24 * H, r.agent)) / 2;
      const runDays = ((kw(r.t - 48 * H, r.agent) + kw(r.t - 24 * H, r.agent)) / 2) * (base2 > 0 ? Math.min(1.2, Math.max(0.8, actual / base2)) : 1);
      if (Math.abs(runDays - r.baselineKw) > 0.01) apart++;
    }
    expect(apart, 'the reports the run-day rule would have made otherwise').to.be.greaterThan(5);
  });
});

describe('eventDayOf: the local day from the run’s first', () => {
  it('UTC−5 from 00:00 UTC on 1 July (19:00 local on 30 June), quarter hours: Thursday 20:00 local is day 2, Friday 12:00 day 3, Wednesday 12:00 day 1', () => {
    const cal = businessDayOf(Date.parse('2026-07-01T00:00:00Z'), 15, SiteZone.fixed(-5));
    const at = (utc: string): number => (Date.parse(utc) - Date.parse('2026-07-01T00:00:00Z')) / 900_000;
    expect(eventDayOf(cal, 96, at('2026-07-03T01:00:00Z'))).to.equal(2);
    expect(eventDayOf(cal, 96, at('2026-07-03T17:00:00Z'))).to.equal(3);
    expect(eventDayOf(cal, 96, at('2026-07-02T17:00:00Z'))).to.equal(2);
    expect(eventDayOf(cal, 96, at('2026-07-01T17:00:00Z'))).to.equal(1);
    expect(eventDayOf(cal, 96, 0)).to.equal(0);
    expect(eventDayOf(cal, 96, at('2026-07-01T04:45:00Z'))).to.equal(0);
    expect(eventDayOf(cal, 96, at('2026-07-01T05:00:00Z'))).to.equal(1);
  });

  it('Amsterdam across the spring change from 06:00 on Saturday 28 March: Sunday (23 hours) is day 1 from 23:00 UTC on the 28th to 22:00 UTC on the 29th', () => {
    const start = Date.parse('2026-03-28T05:00:00Z');
    const ams = SiteZone.iana('Europe/Amsterdam', start - 40 * 24 * H, start + 45 * 24 * H, start, start + 4 * 24 * H);
    const cal = businessDayOf(start, 15, ams);
    const at = (utc: string): number => (Date.parse(utc) - start) / 900_000;
    expect(eventDayOf(cal, 96, at('2026-03-28T22:45:00Z'))).to.equal(0);
    expect(eventDayOf(cal, 96, at('2026-03-28T23:00:00Z'))).to.equal(1);
    expect(eventDayOf(cal, 96, at('2026-03-29T21:45:00Z'))).to.equal(1);
    expect(eventDayOf(cal, 96, at('2026-03-29T22:00:00Z'))).to.equal(2);
  });

  it('Amsterdam, hourly from Thursday 26 March 2026 00:00 local: an event at Tuesday 31 March 00:00 (22:00 UTC on the 30th, 25 hours into the run’s 6th 24-hour block) is Tuesday’s, so Wednesday 12:00’s baseline keeps Monday and leaves Tuesday out', () => {
    const start = Date.parse('2026-03-25T23:00:00Z');
    const ams = SiteZone.iana('Europe/Amsterdam', start - 40 * 24 * H, start + 47 * 24 * H, start, start + 7 * 24 * H);
    const cal = businessDayOf(start, 60, ams);
    const at = (utc: string): number => (Date.parse(utc) - start) / H;
    // Each interval's consumption is its local day's number, Thursday 1 … Wednesday 7 (read off the zone's local day).
    const n = 7 * 24 - 1;
    const history = Float64Array.from({ length: n }, (_, k) => ams.localDayNumber(start + k * H) - ams.localDayNumber(start) + 1);
    const tuesdayMidnight = at('2026-03-30T22:00:00Z');
    const wednesdayNoon = at('2026-04-01T10:00:00Z');
    expect([tuesdayMidnight, Math.floor(tuesdayMidnight / 24)]).to.deep.equal([119, 4]); // in run days, Monday 01:00 – Tuesday 01:00
    const days = new Set([eventDayOf(cal, 24, tuesdayMidnight), eventDayOf(cal, 24, wednesdayNoon)]);
    expect([...days]).to.deep.equal([5, 6]);
    const b = tenOfTenBaseline(history, days, 24, wednesdayNoon, wednesdayNoon, cal);
    // Business days before Wednesday without an event: Monday (5), Friday (2), Thursday (1). (In run days the event was on
    // day 4, which holds Monday 12:00 but not Tuesday 12:00: Tuesday, Friday and Thursday were averaged, 3.)
    expect(b.daysUsed).to.equal(3);
    expect(b.unadjustedKw).to.be.closeTo((5 + 2 + 1) / 3, 1e-12);
  });

  it('property: at a fixed offset from local midnight it is the run’s day index, floor(interval / intervalsPerDay), as before', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -48, max: 56 }),
        fc.integer({ min: 20_454, max: 20_454 + 800 }), // local day numbers in 2026–2028
        fc.constantFrom(5, 10, 15, 20, 30, 60),
        fc.integer({ min: 0, max: 40 * 24 * 12 }),
        (quarters, day, minutes, interval) => {
          const zone = SiteZone.fixed(quarters / 4);
          const cal = businessDayOf(zone.dayStartMs(day), minutes, zone);
          const perDay = 1440 / minutes;
          expect(eventDayOf(cal, perDay, interval)).to.equal(Math.floor(interval / perDay));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a calendar without dayOf (a plain business-day test) counts the run’s days', () => {
    const plain = Object.assign((_: number) => true, {});
    expect(eventDayOf(plain, 24, 47)).to.equal(1);
  });
});

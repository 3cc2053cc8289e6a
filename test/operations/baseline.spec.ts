import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { businessDayOf, deliveredKwh, TEN_OF_TEN, tenOfTenBaseline } from '../../agents/operations/baseline.ts';

// Hourly history (24 intervals a day) over 12 days. At 18:00 the agent uses 2 + 0.1·d kW on day d;
// every other hour 1 kW. Day 3 had an event (excluded). The event is on day 11 at 18:00.
function history(adjustmentHourKw: number): Float64Array {
  const h = new Float64Array(12 * 24).fill(1);
  for (let d = 0; d < 12; d++) h[d * 24 + 18] = 2 + 0.1 * d;
  for (const hour of [14, 15, 16]) h[11 * 24 + hour] = adjustmentHourKw;
  return h;
}
const eventDays = new Set([3, 11]);
const eventInterval = 11 * 24 + 18;
/** The first tests' calendar: every day a business day (day matching has tests of its own below). */
const EVERY_DAY = (): boolean => true;

describe('baselines: 10 of 10 with a same-day adjustment', () => {
  it('averages the same hour over the 10 latest clean days and adjusts by the 3 hours ending 1 hour before the event', () => {
    // Clean days before day 11: 10, 9, 8, 7, 6, 5, 4, 2, 1, 0 (day 3 had an event).
    // Unadjusted = (10 × 2 + 0.1 × (0+1+2+4+5+6+7+8+9+10)) / 10 = 25.2 / 10 = 2.52 kW.
    // Window 14:00–17:00: actual 3 × 1.1 = 3.3 against baseline 3 × 1.0 = 3.0 → factor 1.1.
    const b = tenOfTenBaseline(history(1.1), eventDays, 24, eventInterval, eventInterval, EVERY_DAY);
    expect(b.daysUsed).to.equal(10);
    expect(b.unadjustedKw).to.be.closeTo(2.52, 1e-12);
    expect(b.adjustment).to.be.closeTo(1.1, 1e-12);
    expect(b.baselineKw).to.be.closeTo(2.772, 1e-12);
  });

  it('caps the adjustment at ±20 %', () => {
    const b = tenOfTenBaseline(history(2.0), eventDays, 24, eventInterval, eventInterval, EVERY_DAY);
    expect(b.adjustment).to.equal(1 + TEN_OF_TEN.cap);
    expect(b.baselineKw).to.be.closeTo(2.52 * 1.2, 1e-12);
    const low = tenOfTenBaseline(history(0.1), eventDays, 24, eventInterval, eventInterval, EVERY_DAY);
    expect(low.adjustment).to.equal(1 - TEN_OF_TEN.cap);
  });

  it('uses the clean days it has when fewer than ten, and has no baseline without history', () => {
    const h = history(1.0);
    const b = tenOfTenBaseline(h, new Set([3]), 24, 5 * 24 + 18, 5 * 24 + 18, EVERY_DAY);
    // Days 4, 2, 1, 0: (2.4 + 2.2 + 2.1 + 2.0) / 4 = 2.175 kW, no adjustment (window equal to baseline).
    expect(b.daysUsed).to.equal(4);
    expect(b.baselineKw).to.be.closeTo(2.175, 1e-12);
    const none = tenOfTenBaseline(h, new Set(), 24, 18, 18, EVERY_DAY);
    expect(none.daysUsed).to.equal(0);
    expect(Number.isNaN(none.baselineKw)).to.equal(true);
  });

  it('for an interval inside a longer event, the adjustment window ends an hour before the event began', () => {
    // Event 17:00–19:00 on day 11; baselining 18:00 with the event start at 17:00: window 13:00–16:00,
    // actual 1 + 1.1 + 1.1 = 3.2 (14:00 and 15:00 at 1.1) against 3 × 1.0 → factor 3.2 / 3.
    const b = tenOfTenBaseline(history(1.1), eventDays, 24, eventInterval, eventInterval - 1, EVERY_DAY);
    expect(b.adjustment).to.be.closeTo(3.2 / 3, 1e-12);
    expect(b.baselineKw).to.be.closeTo((2.52 * 3.2) / 3, 1e-12);
  });

  it('delivered energy is baseline − actual over the interval', () => {
    expect(deliveredKwh(2.772, 1.5, 0.25)).to.be.closeTo(0.318, 1e-12);
    expect(deliveredKwh(1, 1.2, 1)).to.be.closeTo(-0.2, 1e-12);
  });

  // Day matching. Hourly intervals from Monday 2026-07-06 00:00 UTC (offset 0): days 0–4 and 7–11
  // are Monday–Friday, 5, 6, 12 and 13 the weekends, day 14 a Monday. An office: 10 kW at 18:00
  // and 5 kW in every other hour on business days, 1 kW all weekend.
  const monday = Date.parse('2026-07-06T00:00:00Z');
  const calendar = businessDayOf(monday, 60, SiteZone.fixed(0));
  const office = (): Float64Array => {
    const h = new Float64Array(15 * 24);
    for (let d = 0; d < 15; d++) for (let hour = 0; hour < 24; hour++) h[d * 24 + hour] = calendar(d * 24) ? (hour === 18 ? 10 : 5) : 1;
    return h;
  };

  it('a Monday event averages the 10 latest business days, not the weekend before it', () => {
    // Business days before day 14: 11, 10, 9, 8, 7, 4, 3, 2, 1, 0, each 10 kW at 18:00 → 10 kW.
    // Adjustment window 14:00–17:00 of day 14: 3 × 5 kW against 3 × 5 → 1.
    // (Averaging the 10 latest days of any kind, 13 back to 4, gave (6 × 10 + 4 × 1) / 10 = 6.4 kW.)
    const b = tenOfTenBaseline(office(), new Set([14]), 24, 14 * 24 + 18, 14 * 24 + 18, calendar);
    expect([b.daysUsed, b.unadjustedKw, b.adjustment, b.baselineKw]).to.deep.equal([10, 10, 1, 10]);
    expect(tenOfTenBaseline(office(), new Set([14]), 24, 14 * 24 + 18, 14 * 24 + 18, EVERY_DAY).unadjustedKw).to.be.closeTo(6.4, 1e-12);
  });

  it('a Sunday event averages the latest weekend days (at most 4), and an event day among them is skipped', () => {
    // Day 13 (Sunday): weekend days before it 12, 6, 5 → 3 days of 1 kW.
    const b = tenOfTenBaseline(office(), new Set([13]), 24, 13 * 24 + 18, 13 * 24 + 18, calendar);
    expect([b.daysUsed, b.baselineKw]).to.deep.equal([3, 1]);
    // Saturday 12 had an event too: 6 and 5 only.
    expect(tenOfTenBaseline(office(), new Set([12, 13]), 24, 13 * 24 + 18, 13 * 24 + 18, calendar).daysUsed).to.equal(2);
    // Day 5 (the first Saturday): no weekend day before it, so no baseline, although five business days are there.
    expect(Number.isNaN(tenOfTenBaseline(office(), new Set([5]), 24, 5 * 24 + 18, 5 * 24 + 18, calendar).baselineKw)).to.equal(true);
  });

  it('business days are local: at UTC−7, Monday 00:00 UTC is still Sunday (17:00) and 07:00 UTC is Monday', () => {
    const pacific = businessDayOf(monday, 60, SiteZone.fixed(-7));
    expect([pacific(0), pacific(6), pacific(7)]).to.deep.equal([false, false, true]);
    // 15-minute intervals from the same instant at UTC+2: Saturday 2026-07-11 begins at 22:00 UTC on Friday, interval 5 × 96 − 8.
    const amsterdam = businessDayOf(monday, 15, SiteZone.fixed(2));
    expect([amsterdam(5 * 96 - 9), amsterdam(5 * 96 - 8)]).to.deep.equal([true, false]);
  });

  it('property: the baseline is the mean over the latest prior days of the event day\'s kind with a reading and no event, at most 10 (business) or 4 (weekend)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 39 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 23 }),
        (days, startWeekday, events, seed, hour) => {
          // Hourly history with deterministic values and some missing readings.
          const h = new Float64Array(days * 24);
          let x = seed;
          for (let k = 0; k < h.length; k++) {
            x = (x * 1103515245 + 12345) % 2 ** 31;
            h[k] = x % 17 === 0 ? NaN : (x % 1000) / 100;
          }
          const cal = businessDayOf(monday + startWeekday * 86_400_000, 60, SiteZone.fixed(0));
          const eventDays = new Set(events.filter((d) => d < days));
          const day = days - 1;
          const k = day * 24 + hour;
          const b = tenOfTenBaseline(h, eventDays, 24, k, k, cal);
          const business = cal(k);
          const eligible: number[] = [];
          for (let d = 0; d < day; d++) if (!eventDays.has(d) && cal(d * 24 + hour) === business && !Number.isNaN(h[d * 24 + hour]!)) eligible.push(d);
          const used = eligible.slice(-(business ? TEN_OF_TEN.days : TEN_OF_TEN.nonBusinessDays));
          expect(b.daysUsed).to.equal(used.length);
          if (used.length === 0) {
            expect(Number.isNaN(b.baselineKw)).to.equal(true);
            return;
          }
          const mean = used.reduce((s, d) => s + h[d * 24 + hour]!, 0) / used.length;
          expect(b.unadjustedKw).to.be.closeTo(mean, 1e-9);
          expect(b.adjustment).to.be.within(1 - TEN_OF_TEN.cap, 1 + TEN_OF_TEN.cap);
        },
      ),
      { numRuns: 300 },
    );
  });
});

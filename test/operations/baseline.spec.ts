import { expect } from 'chai';
import { deliveredKwh, TEN_OF_TEN, tenOfTenBaseline } from '../../agents/operations/baseline.ts';

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

describe('baselines: 10 of 10 with a same-day adjustment', () => {
  it('averages the same hour over the 10 latest clean days and adjusts by the 3 hours ending 1 hour before the event', () => {
    // Clean days before day 11: 10, 9, 8, 7, 6, 5, 4, 2, 1, 0 (day 3 had an event).
    // Unadjusted = (10 × 2 + 0.1 × (0+1+2+4+5+6+7+8+9+10)) / 10 = 25.2 / 10 = 2.52 kW.
    // Window 14:00–17:00: actual 3 × 1.1 = 3.3 against baseline 3 × 1.0 = 3.0 → factor 1.1.
    const b = tenOfTenBaseline(history(1.1), eventDays, 24, eventInterval, eventInterval);
    expect(b.daysUsed).to.equal(10);
    expect(b.unadjustedKw).to.be.closeTo(2.52, 1e-12);
    expect(b.adjustment).to.be.closeTo(1.1, 1e-12);
    expect(b.baselineKw).to.be.closeTo(2.772, 1e-12);
  });

  it('caps the adjustment at ±20 %', () => {
    const b = tenOfTenBaseline(history(2.0), eventDays, 24, eventInterval, eventInterval);
    expect(b.adjustment).to.equal(1 + TEN_OF_TEN.cap);
    expect(b.baselineKw).to.be.closeTo(2.52 * 1.2, 1e-12);
    const low = tenOfTenBaseline(history(0.1), eventDays, 24, eventInterval, eventInterval);
    expect(low.adjustment).to.equal(1 - TEN_OF_TEN.cap);
  });

  it('uses the clean days it has when fewer than ten, and has no baseline without history', () => {
    const h = history(1.0);
    const b = tenOfTenBaseline(h, new Set([3]), 24, 5 * 24 + 18, 5 * 24 + 18);
    // Days 4, 2, 1, 0: (2.4 + 2.2 + 2.1 + 2.0) / 4 = 2.175 kW, no adjustment (window equal to baseline).
    expect(b.daysUsed).to.equal(4);
    expect(b.baselineKw).to.be.closeTo(2.175, 1e-12);
    const none = tenOfTenBaseline(h, new Set(), 24, 18, 18);
    expect(none.daysUsed).to.equal(0);
    expect(Number.isNaN(none.baselineKw)).to.equal(true);
  });

  it('for an interval inside a longer event, the adjustment window ends an hour before the event began', () => {
    // Event 17:00–19:00 on day 11; baselining 18:00 with the event start at 17:00: window 13:00–16:00,
    // actual 1 + 1.1 + 1.1 = 3.2 (14:00 and 15:00 at 1.1) against 3 × 1.0 → factor 3.2 / 3.
    const b = tenOfTenBaseline(history(1.1), eventDays, 24, eventInterval, eventInterval - 1);
    expect(b.adjustment).to.be.closeTo(3.2 / 3, 1e-12);
    expect(b.baselineKw).to.be.closeTo((2.52 * 3.2) / 3, 1e-12);
  });

  it('delivered energy is baseline − actual over the interval', () => {
    expect(deliveredKwh(2.772, 1.5, 0.25)).to.be.closeTo(0.318, 1e-12);
    expect(deliveredKwh(1, 1.2, 1)).to.be.closeTo(-0.2, 1e-12);
  });
});

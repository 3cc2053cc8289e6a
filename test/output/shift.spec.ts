import { expect } from 'chai';
import fc from 'fast-check';
import { ShiftTally } from '../../output/shift.ts';

describe('output/shift: energy shifted and rebound against the no-flexibility baseline', () => {
  it('four quarter hours by hand', () => {
    const t = new ShiftTally();
    t.add(10, 6, 0.25); // 4 kW below the baseline for 15 min: 1 kWh shifted out
    t.add(4, 8, 0.25); //  4 kW above it: 1 kWh of rebound
    t.add(5, 5, 0.25); //  on the baseline: neither
    t.add(10, 2, 0.25); // 8 kW below: 2 kWh shifted out
    expect(t.shiftedKwh).to.equal(3);
    expect(t.reboundKwh).to.equal(1);
    expect(t.baselineKwh).to.equal((10 + 4 + 5 + 10) * 0.25); // 7.25
    // Consumed (6 + 8 + 5 + 2) × 0.25 = 5.25 kWh: 2 kWh given up = 3 shifted − 1 taken back.
    expect(t.shiftedKwh - t.reboundKwh).to.equal(7.25 - 5.25);
  });

  it('a population that only moves load between agents of one interval shifts nothing', () => {
    // Totals, not per agent: home A pre-cools 1 kW above its baseline while home B curtails 1 kW.
    const t = new ShiftTally();
    t.add(2 + 3, 3 + 2, 1);
    expect([t.shiftedKwh, t.reboundKwh]).to.deep.equal([0, 0]);
  });

  it('shifted and rebound are ≥ 0 and their difference is baseline − consumed energy', () => {
    const kw = fc.double({ min: 0, max: 1e4, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(kw, kw), { maxLength: 200 }), fc.constantFrom(0.25, 0.5, 1, 1 / 12), (xs, dtH) => {
        const t = new ShiftTally();
        let consumed = 0;
        for (const [b, d] of xs) {
          t.add(b, d, dtH);
          consumed += d * dtH;
        }
        expect(t.shiftedKwh).to.be.at.least(0);
        expect(t.reboundKwh).to.be.at.least(0);
        expect(t.shiftedKwh - t.reboundKwh).to.be.closeTo(t.baselineKwh - consumed, 1e-6 * (1 + t.baselineKwh + consumed));
      }),
    );
  });
});

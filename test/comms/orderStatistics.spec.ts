import { expect } from 'chai';
import fc from 'fast-check';
import { orderStatistics } from '../../comms/orderStatistics.ts';

describe('orderStatistics (the report latency table’s percentiles without a sort)', () => {
  it('picks the values a sort puts at the ranks, on a hand-made sample', () => {
    const s = Float64Array.from([5, 1, 4, 1, 5, 9, 2, 6]);
    // sorted: 1 1 2 4 5 5 6 9
    expect(orderStatistics(s, [0, 3, 4, 7])).to.deep.equal([1, 4, 5, 9]);
    expect([...s]).to.deep.equal([5, 1, 4, 1, 5, 9, 2, 6]);
  });

  it('equals Float64Array.sort at any ascending ranks, duplicates and constants included', () => {
    const sample = fc.oneof(
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e7 }), { minLength: 1, maxLength: 300 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 300 }),
    );
    fc.assert(
      fc.property(sample, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (xs, picks) => {
        const s = Float64Array.from(xs);
        const ranks = [...new Set(picks.map((p) => p % s.length))].sort((a, b) => a - b);
        const sorted = s.slice().sort();
        expect(orderStatistics(s, ranks)).to.deep.equal(ranks.map((k) => sorted[k]));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects ranks that do not ascend within the sample', () => {
    expect(() => orderStatistics(Float64Array.from([1, 2]), [1, 0])).to.throw(RangeError);
    expect(() => orderStatistics(Float64Array.from([1, 2]), [2])).to.throw(RangeError);
  });
});

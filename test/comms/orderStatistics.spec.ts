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

  it('equals Float64Array.sort on samples large enough to be counted into buckets first: clustered, spread, signed, ±0, duplicates', () => {
    const value = fc.oneof(
      // Latencies: clustered within one bucket (~6 % wide) or spread over decades.
      fc.double({ noNaN: true, min: 8000, max: 8100 }),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e7 }),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e7, max: 1e7 }),
      fc.constantFrom(0, -0, 1, -1, 8000, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 4096, maxLength: 9000 }), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.boolean(), (xs, picks, offset) => {
        // Also a view that does not start its buffer (the run's samples are views of a larger array).
        const s = offset ? new Float64Array([7, ...xs]).subarray(1) : Float64Array.from(xs);
        const before = s.slice();
        const ranks = [...new Set([...picks.map((p) => p % s.length), s.length - 1])].sort((a, b) => a - b);
        const sorted = s.slice().sort();
        const got = orderStatistics(s, ranks);
        // Exactly the sorted values, −0 apart from +0.
        expect(got.map((x) => (Object.is(x, -0) ? '-0' : String(x)))).to.deep.equal(ranks.map((k) => (Object.is(sorted[k], -0) ? '-0' : String(sorted[k]))));
        expect(s).to.deep.equal(before);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects ranks that do not ascend within the sample', () => {
    expect(() => orderStatistics(Float64Array.from([1, 2]), [1, 0])).to.throw(RangeError);
    expect(() => orderStatistics(Float64Array.from([1, 2]), [2])).to.throw(RangeError);
    expect(() => orderStatistics(new Float64Array(5000), [4999, 5000])).to.throw(RangeError);
  });
});

/**
 * core/intIndex.ts: the typed open-addressing index must answer exactly as a `Map` would,
 * over rounds of `reset` (a smaller round after a larger one keeps the larger table), with
 * keys that collide (neighbouring price ticks, multiples of the table size) and keys up to
 * 2^31 − 1.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { IntIndex } from '../../core/intIndex.ts';

const key = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: 0, max: 20 }).map((k) => k * 1024));

describe('IntIndex (core/intIndex.ts)', () => {
  it('answers as a Map over rounds of reset: the value added for a key, −1 for any other (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(key, { maxLength: 300 }), { minLength: 1, maxLength: 4 }), fc.array(key, { maxLength: 50 }), (rounds, probes) => {
        const index = new IntIndex();
        for (const keys of rounds) {
          const map = new Map<number, number>();
          index.reset(keys.length);
          // As market/clearNetwork.ts uses it: number keys by first appearance.
          for (const k of keys) {
            const got = index.get(k);
            expect(got).to.equal(map.get(k) ?? -1);
            if (got < 0) {
              map.set(k, map.size);
              index.add(k, map.size - 1);
            }
          }
          expect(index.size).to.equal(map.size);
          for (const k of [...keys, ...probes]) expect(index.get(k)).to.equal(map.get(k) ?? -1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an empty index finds nothing; more keys than reset() was sized for are refused with a RangeError', () => {
    const index = new IntIndex();
    expect(index.get(0)).to.equal(-1);
    index.reset(3);
    // Room for 3 keys means a table of 16 slots holding at most 8.
    for (let k = 0; k < 8; k++) index.add(k * 16, k);
    for (let k = 0; k < 8; k++) expect(index.get(k * 16)).to.equal(k);
    expect(() => index.add(999, 8)).to.throw(RangeError, /more keys than reset\(\) was sized for/);
  });
});

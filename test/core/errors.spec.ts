/**
 * formatPath and parsePath (core/errors.ts): parsePath reads back what formatPath wrote, on the keys a
 * schema path holds; outside them formatPath is lossy, and the examples below say how.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { formatPath, parsePath } from '../../core/errors.ts';

describe('core/errors: formatPath and parsePath', () => {
  it('property: parsePath(formatPath(keys)) is keys for integer indexes and keys without . [ ] (the schema paths tariffs/compat.ts locates)', () => {
    const key = fc.oneof(fc.nat(), fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !/[.[\]]/.test(k)));
    fc.assert(
      fc.property(fc.array(key, { maxLength: 8 }), (keys) => {
        expect(parsePath(formatPath(keys))).to.deep.equal(keys);
      }),
      { numRuns: 500, seed: 41 },
    );
  });

  it('outside them formatPath loses the keys, so nothing reads them back (as documented on parsePath)', () => {
    expect(parsePath(formatPath(['a.b']))).to.deep.equal(['a', 'b']);
    expect(parsePath(formatPath(['a', '']))).to.deep.equal(['a']);
    expect(parsePath(formatPath(['x', '[0]']))).to.deep.equal(['x', 0]);
    expect(parsePath('tariffs[0].periods[1].rules[2].fromHour')).to.deep.equal(['tariffs', 0, 'periods', 1, 'rules', 2, 'fromHour']);
  });
});

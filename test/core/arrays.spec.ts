import { expect } from 'chai';
import { appendAll } from '../../core/arrays.ts';

describe('appendAll (core/arrays.ts)', () => {
  it('appends in order and returns the target', () => {
    const target = [1, 2];
    expect(appendAll(target, [3, 4])).to.equal(target);
    expect(target).to.deep.equal([1, 2, 3, 4]);
    expect(appendAll(target, [])).to.deep.equal([1, 2, 3, 4]);
  });

  it("appends 300,000 events at once (target.push(...source) overflows V8's stack past about 120,000)", () => {
    const source = Array.from({ length: 300_000 }, (_, i) => ({ type: 'COMMAND', i }));
    const target = [{ type: 'FIRST', i: -1 }];
    appendAll(target, source);
    expect(target).to.have.length(300_001);
    expect([target[1]!.i, target[300_000]!.i]).to.deep.equal([0, 299_999]);
  });
});

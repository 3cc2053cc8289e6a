import { expect } from 'chai';
import { RandomService } from '../../core/rng.ts';

const draws = (r: { next(): number }, n = 5): number[] => Array.from({ length: n }, () => r.next());

describe('RandomService', () => {
  it('gives the same stream for the same seed, owner and purpose', () => {
    expect(draws(new RandomService(42).stream('home-1', 'load'))).to.deep.equal(draws(new RandomService(42).stream('home-1', 'load')));
  });
  it('gives different streams for another seed, owner or purpose', () => {
    const base = draws(new RandomService(42).stream('home-1', 'load'));
    expect(draws(new RandomService(43).stream('home-1', 'load'))).not.to.deep.equal(base);
    expect(draws(new RandomService(42).stream('home-2', 'load'))).not.to.deep.equal(base);
    expect(draws(new RandomService(42).stream('home-1', 'pv'))).not.to.deep.equal(base);
  });
  it('keeps the parts of a stream name apart (no collision through separators)', () => {
    expect(draws(new RandomService(1).stream('a:b', 'c'))).not.to.deep.equal(draws(new RandomService(1).stream('a', 'b:c')));
  });
  it('adding a stream does not change another stream (Power TAC property)', () => {
    const alone = new RandomService(7);
    const a = draws(alone.stream('ev-1', 'arrival'));
    const crowded = new RandomService(7);
    draws(crowded.stream('ev-0', 'arrival'), 100);
    expect(draws(crowded.stream('ev-1', 'arrival'))).to.deep.equal(a);
  });
  it('draws within their ranges, and normals with about the right moments', () => {
    const r = new RandomService(3).stream('x', 'y');
    const xs = Array.from({ length: 20_000 }, () => r.normal(5, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).to.be.closeTo(5, 0.05);
    expect(sd).to.be.closeTo(2, 0.05);
    for (let i = 0; i < 1000; i++) {
      const k = r.int(1, 6);
      expect(k).to.be.within(1, 6);
      expect(Number.isInteger(k)).to.equal(true);
      expect(r.clippedNormal(0, 10, -1, 1)).to.be.within(-1, 1);
    }
  });
  it('refuses a seed that is not a safe integer', () => {
    expect(() => new RandomService(1.5)).to.throw(RangeError);
  });
});

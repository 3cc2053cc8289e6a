/**
 * The report's branch-loading chart shows the ten most loaded branches (output/recorder.ts
 * `mostLoaded`). Their peaks came from Math.max(...values), which passes every interval as an
 * argument: a network run of 160 days at 1-minute intervals (230,400 intervals, two branches)
 * failed at its very end with "Maximum call stack size exceeded", its report never written.
 */
import { expect } from 'chai';
import { mostLoaded } from '../../output/recorder.ts';

describe('the most loaded branches of a run (report.html)', () => {
  it('by hand: peaks 80, 95 and 40 % (nulls where a branch carried nothing) → the two most loaded are 95 then 80; ties keep their order', () => {
    const loading = new Map<string, Array<number | null>>([
      ['line-a', [10, 80, null, 5]],
      ['line-b', [null, 20, 95, 0]],
      ['line-c', [40, 40, 40, null]],
      ['line-d', [null, 80, 0, 0]],
    ]);
    expect(mostLoaded(loading, 2).map(([id]) => id)).to.deep.equal(['line-b', 'line-a']);
    expect(mostLoaded(loading, 10).map(([id]) => id)).to.deep.equal(['line-b', 'line-a', 'line-d', 'line-c']);
  });

  it('a run of 300,000 intervals on three branches: the peaks are read without passing the intervals as arguments', () => {
    const n = 300_000;
    const series = (peakAt: number, peak: number) => Array.from({ length: n }, (_, i) => (i === peakAt ? peak : i % 7 === 0 ? null : (i % 50) / 2));
    const loading = new Map([
      ['a', series(10, 60)],
      ['b', series(n - 1, 130)],
      ['c', series(150_000, 99)],
    ]);
    expect(mostLoaded(loading, 10).map(([id]) => id)).to.deep.equal(['b', 'c', 'a']);
  });
});

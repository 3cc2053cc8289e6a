import { expect } from 'chai';
import { clockText, runProgress } from '../../cli/runProgress.ts';

/** A stderr that is not a terminal, keeping what is written. */
function pipe(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('run progress (cli/runProgress.ts)', () => {
  it('formats durations as m:ss and h:mm:ss', () => {
    expect(clockText(0)).to.equal('0:00');
    expect(clockText(61_400)).to.equal('1:01');
    expect(clockText(3_600_000 + 5 * 60_000 + 9_000)).to.equal('1:05:09');
    expect(clockText(NaN)).to.equal('?');
  });

  it('stays quiet off a terminal unless forced, and on a terminal when told not to', () => {
    expect(runProgress(pipe().stream, { agents: 1, passes: ['run'] })).to.equal(undefined);
    const tty = { isTTY: true, write: () => true } as unknown as NodeJS.WriteStream;
    expect(runProgress(tty, { agents: 1, passes: ['run'], force: false })).to.equal(undefined);
  });

  it('ETA over every pass at the wall time per interval since the first update (by hand)', () => {
    // Set-up takes 1 s (t 0 → 1000), then 2 s per interval; 2 passes of 4 intervals.
    const times = [0, 1000, 3000, 5000];
    const { stream, lines } = pipe();
    const p = runProgress(stream, { agents: 12345, passes: ['counterfactual', 'run'], force: true, now: () => times.shift()! })!;
    p.update(1, 4, 'counterfactual'); // first update: 1 s for 1 interval → 7 left × 1 s
    p.update(2, 4, 'counterfactual'); // 2 s per interval since: 6 left → 12 s
    p.update(1, 4, 'run'); // step 5 of 8: since step 1, 4 s over 4 steps → 3 left × 1 s
    expect(lines).to.deep.equal([
      'counterfactual (pass 1/2)  1/4 intervals | 12,345 agents | elapsed 0:01 | ETA 0:07\n',
      'counterfactual (pass 1/2)  2/4 intervals | 12,345 agents | elapsed 0:03 | ETA 0:12\n',
      'run (pass 2/2)  1/4 intervals | 12,345 agents | elapsed 0:05 | ETA 0:03\n',
    ]);
  });

  it('counts a warm-up\'s intervals in k/n and names them while they run (warmUpDays)', () => {
    const { stream, lines } = pipe();
    let t = 0;
    const p = runProgress(stream, { agents: 1, passes: ['counterfactual', 'run'], force: true, warmUpIntervals: 2, now: () => (t += 2000) })!;
    p.update(2, 3, 'counterfactual');
    p.update(3, 3, 'counterfactual');
    p.update(1, 3, 'run');
    const one = pipe();
    const r = runProgress(one.stream, { agents: 1, passes: ['run'], force: true, warmUpIntervals: 1, now: () => (t += 2000) })!;
    r.update(1, 2, 'run');
    r.update(2, 2, 'run');
    expect(lines.map((l) => l.split(' | ')[0])).to.deep.equal(['counterfactual (pass 1/2, warm-up)  2/3 intervals', 'counterfactual (pass 1/2)  3/3 intervals', 'run (pass 2/2, warm-up)  1/3 intervals']);
    expect(one.lines.map((l) => l.split(' | ')[0])).to.deep.equal(['run (warm-up)  1/2 intervals', 'run  2/2 intervals']);
  });

  it('prints at most a line a second, but always the last interval', () => {
    let t = 0;
    const { stream, lines } = pipe();
    const p = runProgress(stream, { agents: 1, passes: ['run'], force: true, now: () => t })!;
    for (let k = 1; k <= 96; k++) {
      t += 100; // 0.1 s per interval: a line every 10 intervals
      p.update(k, 96, 'run');
    }
    expect(lines.length).to.equal(11);
    expect(lines.at(-1)).to.match(/^run {2}96\/96 intervals \| 1 agents \| elapsed 0:10 \| ETA 0:00\n$/);
  });
});

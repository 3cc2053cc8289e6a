import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DayAheadClearJson } from '../../cli/commands/clear.ts';
import { gridbid, gridbidInProcess, hasStackTrace, REPO_ROOT } from '../helpers/cli.ts';

const CASE = 'test/fixtures/clear/day-ahead.json';

describe('gridbid clear: a multi-interval native case cleared day-ahead', () => {
  it('through the real executable, --json: per-interval prices, awards, flows and the battery schedule with its SoC (the hand-computed case)', () => {
    const r = gridbid(['clear', CASE, '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as DayAheadClearJson;
    expect(out.kind).to.equal('native-day-ahead');
    expect(out.status).to.equal('cleared');
    expect(out.objective).to.equal(7.62);
    expect(out.intervals.map((iv) => iv.prices)).to.deep.equal([
      [
        { bus: 'A', price: 20 },
        { bus: 'B', price: 81 },
      ],
      [
        { bus: 'A', price: 20 },
        { bus: 'B', price: 100 },
      ],
    ]);
    expect(out.intervals.map((iv) => iv.dispatch.map((d) => [d.bid, d.awarded]))).to.deep.equal([
      [
        ['gen@0', 50],
        ['load@0', 30],
      ],
      [
        ['gen@1', 50],
        ['load@1', 66.2],
      ],
    ]);
    expect(out.intervals[0]!.flows).to.deep.equal([{ id: 'AB', flow: 50, limit: 50, shadowPrice: 61 }]);
    expect(out.schedules).to.deep.equal([{ bid: 'bat', agent: 'bat', kind: 'storage', bus: 'B', netKw: [20, -16.2], socKwh: [18, 0], shortfallKwh: 0, value: 0, surplus: 0 }]);
    expect(out.integerRule).to.equal('none');
  });

  it('prints per-interval prices and schedules as tables by default', async () => {
    const r = await gridbidInProcess(['clear', CASE]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^0\s+20\.00\s+81\.00$/m);
    expect(r.stdout).to.match(/^1\s+20\.00\s+100\.00$/m);
    expect(r.stdout).to.match(/^bat\s+storage\s+B\s+20\.000\s+-16\.200$/m);
    expect(r.stdout).to.match(/^bat\s+18\.000\s+0\.000$/m);
  });

  it('an EV that needs more than its window allows: a located error naming the bid, its code and reason; exit 1', async () => {
    const r = await gridbidInProcess(['clear', 'test/fixtures/clear/day-ahead-bad-ev.json']);
    expect(r.status, r.stdout).to.equal(1);
    expect(r.stderr).to.match(/day-ahead-bad-ev\.json:\d+:\d+ intertemporalBids\[1\]: intertemporal bid 'car' rejected \(energy-need-unreachable\): needs 30 kWh but 1 interval\(s\) of 1 h at 11 kW and η_c 0\.9 deliver at most 9\.9 kWh/);
    expect(hasStackTrace(r.stderr)).to.equal(false);
  });

  it('the day-ahead example in docs/clear.md is the tested fixture, byte for byte', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/clear.md'), 'utf8');
    const block = /Multi-interval \(day-ahead\) cases[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).to.equal(readFileSync(join(REPO_ROOT, CASE), 'utf8'));
  });
});

/**
 * A feeder's voltage reports where the AC check has no answer (output/feederOutputs.ts,
 * network/linDistFlow.ts): an interval whose sweep did not converge (a voltage collapse) has no
 * voltages, so the run's extremes (`kpis.feeder.worstVoltagePu`, `highestVoltagePu`,
 * `maxLinDistFlowErrorPu`) are unknown — no value, no bus, `at` the first such interval — rather
 * than the substation's fixed 1 p.u. or the converged intervals' figures; and a LinDistFlow |V|² at
 * or below 0 has no magnitude (an empty cell, not 0.000000). Audit Z-losses, finding 3.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { CsvFile } from '../../output/csvFile.ts';
import { FeederRecorder } from '../../output/feederOutputs.ts';
import type { FeederOutcome } from '../../market/types.ts';
import { parseSimTime, simTime } from '../../core/time.ts';
import { gridbid } from '../helpers/cli.ts';
import { threeBusOutcome } from '../helpers/threeBusOutcome.ts';

/** One interval on a 3-bus feeder (substation in the middle) with these AC and LinDistFlow voltages. */
function outcome(ac: [number, number, number], ldf: [number, number, number], acConverged = true): FeederOutcome {
  return threeBusOutcome({ vmLinDistFlowPu: Float64Array.from(ldf), vmAcPu: Float64Array.from(ac), acConverged });
}

describe('feeder voltage reports where the AC check did not converge (voltage collapse)', () => {
  const t0 = parseSimTime('2026-07-01T00:00:00Z')!;
  const run = (outcomes: FeederOutcome[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-vcollapse-'));
    try {
      const r = new FeederRecorder((table, header) => new CsvFile(join(dir, `${table}.csv`), header));
      outcomes.forEach((f, k) => r.add(simTime(t0 + k * 900_000), f, [40, 40, 40], 0.25, 2));
      r.close();
      return r.kpis();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('converged throughout: the extremes by hand (lowest 0.95 at b, highest 1.01 at a, at 00:15; LinDistFlow off by |0.96 − 0.95| = 0.01 at b)', () => {
    const k = run([outcome([0.99, 1, 0.98], [0.99, 1, 0.985]), outcome([1.01, 1, 0.95], [1.01, 1, 0.96])]);
    expect([k.worstVoltagePu, k.highestVoltagePu, k.maxLinDistFlowErrorPu, k.acSweepsNotConverged]).to.deep.equal([
      { value: 0.95, bus: 'b', at: '2026-07-01T00:15:00Z' },
      { value: 1.01, bus: 'a', at: '2026-07-01T00:15:00Z' },
      { value: 0.01, bus: 'b', at: '2026-07-01T00:15:00Z' },
      0,
    ]);
  });

  it('one interval not converged (00:30: only the substation has a voltage): the extremes are unknown and point to it, not 0.95 at b nor 1 p.u. at the substation', () => {
    // Before: 0.95 at b (the converged intervals' lowest), as if the collapse had not happened.
    const k = run([outcome([0.99, 1, 0.98], [0.99, 1, 0.985]), outcome([1.01, 1, 0.95], [1.01, 1, 0.96]), outcome([NaN, 1, NaN], [0.5, 1, NaN], false)]);
    const unknown = { value: null, bus: '', at: '2026-07-01T00:30:00Z' };
    expect([k.worstVoltagePu, k.highestVoltagePu, k.maxLinDistFlowErrorPu, k.acSweepsNotConverged]).to.deep.equal([unknown, unknown, unknown, 1]);
  });

  it('the collapse fixture through the real CLI: worst voltage unknown (it named the substation at 1 p.u.), and no LinDistFlow magnitude at the far bus where |V|² = 1 − 2 × 0.5 × 1 = 0 (it printed 0.000000)', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-vcollapse-cli-'));
    try {
      const r = gridbid(['run', 'test/fixtures/scenarios/losses-collapse.yaml', '--out', dir]);
      expect(r.status, r.stderr).to.equal(4);
      const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { kpis: { feeder: Record<string, unknown> } };
      const unknown = { value: null, bus: '', at: '2026-01-14T00:00:00Z' };
      expect([s.kpis.feeder.worstVoltagePu, s.kpis.feeder.highestVoltagePu, s.kpis.feeder.maxLinDistFlowErrorPu]).to.deep.equal([unknown, unknown, unknown]);
      const rows = parse(readFileSync(join(dir, 'voltages.csv')), { columns: true }) as Array<Record<string, string>>;
      // The substation is the sweep's fixed 1 p.u. (a boundary condition, true); the far bus has neither voltage.
      expect(rows.filter((v) => v.bus === 'grid').every((v) => v.vm_lindistflow === '1.000000' && v.vm_ac === '1.000000')).to.equal(true);
      expect(rows.filter((v) => v.bus === 'b').map((v) => [v.vm_lindistflow, v.vm_ac])).to.deep.equal(Array(6).fill(['', '']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

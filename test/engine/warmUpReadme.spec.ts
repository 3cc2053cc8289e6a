/**
 * README's "Warm-up days" example is a scenario that runs, and says what it does: every
 * 10-of-10 baseline at the 18:00 event averages 10 days after its 14-day warm-up, and the same
 * scenario without the warm-up has no baseline at all (0 days) and settles nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenario } from '../../engine/run.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;

describe("README's warm-up example", function () {
  this.timeout(120_000);
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const yaml = /<!-- warm-up example[^>]*-->\n```yaml\n([^`]*)```/.exec(readme)?.[1];

  async function eventsOf(text: string): Promise<{ events: Row[]; summary: any }> {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-warmup-readme-'));
    try {
      await runScenario(parseScenario(text, 'one-day-event.yaml'), { outDir: dir });
      return { events: parse(readFileSync(join(dir, 'events.csv')), { columns: true }) as Row[], summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('with warmUpDays: 14 every baseline of the 18:00 event averages 10 days; without it, none and nothing settled', async () => {
    expect(yaml, 'the example block').to.be.a('string');
    const warm = await eventsOf(yaml!);
    const baselines = warm.events.filter((e) => e.type === 'REPORT:BASELINE');
    expect(baselines.length).to.be.greaterThan(0);
    for (const b of baselines) {
      expect(b.interval_start).to.equal('2026-07-15T18:00:00Z');
      expect(b.detail).to.contain('(10 days,');
    }
    expect(warm.summary.warmUp).to.deep.equal({ days: 14, intervals: 336, agentFaultCount: 0, agentFaults: [] });
    expect(Number(warm.summary.kpis.operations.demandResponse.dso.creditedKwh)).to.be.greaterThan(0);

    const coldYaml = yaml!.replace(/^warmUpDays: 14.*\n/m, '');
    expect(coldYaml).to.not.equal(yaml);
    const cold = await eventsOf(coldYaml);
    const coldBaselines = cold.events.filter((e) => e.type === 'REPORT:BASELINE');
    expect(coldBaselines.length).to.be.greaterThan(0);
    for (const b of coldBaselines) expect(b.detail).to.contain('(0 days,');
    const dr = cold.summary.kpis.operations.demandResponse.dso;
    expect(dr.creditedKwh).to.equal(0);
    expect(dr.payments).to.equal('0');
    expect(dr.penalties).to.equal('0');
    expect(dr.unmeasuredKwh).to.be.greaterThan(0);
  });
});

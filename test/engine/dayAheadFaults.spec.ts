/**
 * Faults reported in a day-ahead auction are reported: the auction runs between real-time
 * intervals, and what it reported went into the last interval's fault list, already written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

describe('faults in the day-ahead auction', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'gridbid-da-faults-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a strategy's invalid day-ahead valuation is in events.csv and summary.json, at the auction's gate", async function () {
    this.timeout(60_000);
    // scenarios/day-ahead-real-time.yaml: one delivery day, its auction at 12:00 local (UTC+2) the day before; three batteries.
    const base = readFileSync(join(REPO_ROOT, 'scenarios/day-ahead-real-time.yaml'), 'utf8');
    const module = join(REPO_ROOT, 'test/fixtures/strategies/badDayAheadValuation.mjs');
    const text = base.replace('degradationCostPerMwh: 20', `degradationCostPerMwh: 20\n    strategy: { module: ${module} }`);
    expect(text).not.to.equal(base);
    const file = join(dir, 'da.yaml');
    writeFileSync(file, text);
    await runScenarioFile(file, { outDir: join(dir, 'out') });
    const events = (parse(readFileSync(join(dir, 'out/events.csv')), { columns: true }) as Array<Record<string, string>>).filter((e) => e.type === 'STRATEGY_FAULT');
    expect(events.map((e) => `${e.interval_start} ${e.target}`)).to.deep.equal(['2026-06-30T10:00:00Z battery-1', '2026-06-30T10:00:00Z battery-2', '2026-06-30T10:00:00Z battery-3']);
    for (const e of events) expect(e.detail).to.contain("strategy 'bad-day-ahead' returned an invalid day-ahead valuation");
    const summary = JSON.parse(readFileSync(join(dir, 'out/summary.json'), 'utf8')) as { kpis: { agentFaults: unknown[]; isolatedAgents: number } };
    expect(summary.kpis.agentFaults).to.have.length(3);
    expect(summary.kpis.isolatedAgents).to.equal(0);
  });

  it('with a warm-up day, the first reported day\'s auction (held in the warm-up) reports its faults as a cold run does; the warm-up\'s own auction counts in summary.json warmUp', async function () {
    this.timeout(120_000);
    const base = readFileSync(join(REPO_ROOT, 'scenarios/day-ahead-real-time.yaml'), 'utf8');
    const module = join(REPO_ROOT, 'test/fixtures/strategies/badDayAheadValuation.mjs');
    const text = base.replace('degradationCostPerMwh: 20', `degradationCostPerMwh: 20\n    strategy: { module: ${module} }`).replace('days: 1\n', 'days: 1\nwarmUpDays: 1\n');
    expect(text).to.contain('warmUpDays: 1');
    const file = join(dir, 'da-warm.yaml');
    writeFileSync(file, text);
    await runScenarioFile(file, { outDir: join(dir, 'out-warm') });
    const events = (parse(readFileSync(join(dir, 'out-warm/events.csv')), { columns: true }) as Array<Record<string, string>>).filter((e) => e.type === 'STRATEGY_FAULT');
    // The reported day's auction ran in the warm-up, at its gate; before, its faults went out with a warm-up interval, written nowhere.
    expect(events.map((e) => `${e.interval_start} ${e.target}`)).to.deep.equal(['2026-06-30T10:00:00Z battery-1', '2026-06-30T10:00:00Z battery-2', '2026-06-30T10:00:00Z battery-3']);
    const summary = JSON.parse(readFileSync(join(dir, 'out-warm/summary.json'), 'utf8')) as { kpis: { agentFaults: unknown[] }; warmUp: { agentFaultCount: number } };
    expect(summary.kpis.agentFaults).to.have.length(3);
    expect(summary.warmUp.agentFaultCount).to.equal(3);
  });

  it('an auction for a warm-up day gated before the clock (daysBefore beyond the warm-up) reports in the warm-up, not with the first reported interval (audit A-review43)', async function () {
    this.timeout(120_000);
    // daysBefore: 2 with one warm-up day: the auctions for the warm-up day (30 June local, at 28 June 12:00) and for the reported day
    // (1 July, at 29 June 12:00) both close before the engine's clock starts (29 June 22:00 UTC), one after the other. Before the fix
    // the warm-up day's three faults were held with the reported day's and written as the reported period's: 6 rows, warmUp 0.
    const base = readFileSync(join(REPO_ROOT, 'scenarios/day-ahead-real-time.yaml'), 'utf8');
    const module = join(REPO_ROOT, 'test/fixtures/strategies/badDayAheadValuation.mjs');
    const text = base
      .replace('degradationCostPerMwh: 20', `degradationCostPerMwh: 20\n    strategy: { module: ${module} }`)
      .replace('days: 1\n', 'days: 1\nwarmUpDays: 1\n')
      .replace('daysBefore: 1', 'daysBefore: 2');
    expect(text).to.contain('warmUpDays: 1').and.to.contain('daysBefore: 2');
    const file = join(dir, 'da-warm-2.yaml');
    writeFileSync(file, text);
    await runScenarioFile(file, { outDir: join(dir, 'out-warm-2') });
    const events = (parse(readFileSync(join(dir, 'out-warm-2/events.csv')), { columns: true }) as Array<Record<string, string>>).filter((e) => e.type === 'STRATEGY_FAULT');
    expect(events.map((e) => `${e.interval_start} ${e.target}`)).to.deep.equal(['2026-06-29T10:00:00Z battery-1', '2026-06-29T10:00:00Z battery-2', '2026-06-29T10:00:00Z battery-3']);
    const summary = JSON.parse(readFileSync(join(dir, 'out-warm-2/summary.json'), 'utf8')) as { kpis: { agentFaults: unknown[] }; warmUp: { agentFaultCount: number } };
    expect(summary.kpis.agentFaults).to.have.length(3);
    expect(summary.warmUp.agentFaultCount).to.equal(3);
  });

  it('a run that starts after local midnight: the auction delivering its first (part) day ran in the warm-up and reports with the first reported interval, as a cold run does (audit A-review43)', async function () {
    this.timeout(120_000);
    // Start 1 July 12:00 local (10:00 UTC) for half a day, one warm-up day: the auction for 1 July (at 30 June 12:00 local, the
    // engine's first instant) delivers from the warm-up's 1 July morning into the reported afternoon. A cold run from the same start
    // reports its three faults; before the fix the warm-up run reported none (all six of its two auctions' in warmUp).
    const base = readFileSync(join(REPO_ROOT, 'scenarios/day-ahead-real-time.yaml'), 'utf8');
    const module = join(REPO_ROOT, 'test/fixtures/strategies/badDayAheadValuation.mjs');
    const cold = base
      .replace('degradationCostPerMwh: 20', `degradationCostPerMwh: 20\n    strategy: { module: ${module} }`)
      .replace('start: 2026-06-30T22:00:00Z', 'start: 2026-07-01T10:00:00Z')
      .replace('days: 1\n', 'days: 0.5\n');
    expect(cold).to.contain('start: 2026-07-01T10:00:00Z').and.to.contain('days: 0.5');
    const faults = async (text: string, out: string) => {
      writeFileSync(join(dir, `${out}.yaml`), text);
      await runScenarioFile(join(dir, `${out}.yaml`), { outDir: join(dir, out) });
      const rows = (parse(readFileSync(join(dir, out, 'events.csv')), { columns: true }) as Array<Record<string, string>>).filter((e) => e.type === 'STRATEGY_FAULT');
      const summary = JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as { kpis: { agentFaultCount: number }; warmUp?: { agentFaultCount: number } };
      return { rows: rows.map((e) => `${e.interval_start} ${e.target}`), reported: summary.kpis.agentFaultCount, warmUp: summary.warmUp?.agentFaultCount };
    };
    const expected = ['2026-06-30T10:00:00Z battery-1', '2026-06-30T10:00:00Z battery-2', '2026-06-30T10:00:00Z battery-3'];
    expect(await faults(cold, 'midday-cold')).to.deep.equal({ rows: expected, reported: 3, warmUp: undefined });
    // The warm-up day's own auction (for 30 June, at 29 June 12:00 local) counts in warmUp.
    expect(await faults(cold.replace('days: 0.5\n', 'days: 0.5\nwarmUpDays: 1\n'), 'midday-warm')).to.deep.equal({ rows: expected, reported: 3, warmUp: 3 });
  });
});

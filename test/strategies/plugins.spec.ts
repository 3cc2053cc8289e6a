import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';
import { gridbidInProcess, hasStackTrace, REPO_ROOT } from '../helpers/cli.ts';

const scenario = join(REPO_ROOT, 'test/fixtures/scenarios/plugin-strategies.yaml');

describe('strategy plug-ins from the scenario', () => {
  let dir: string;
  let events: Record<string, string>[];
  let agents: Record<string, string>[];
  let summary: { kpis: Record<string, any>; books: { closed: boolean } };
  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-plugins-'));
    await runScenarioFile(scenario, { outDir: dir });
    events = parse(readFileSync(join(dir, 'events.csv')), { columns: true });
    agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true });
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a strategy from a file outside the package, typed against `gridbid`', () => {
    // always-cheap offers at 5 /MWh: it is always dispatched first.
    const rows = agents.filter((a) => a.agent_id === 'cheap-user');
    expect(rows.length).to.equal(48);
    expect(rows.every((r) => Number(r.award_kw) < 0)).to.equal(true);
  });

  it('reports a throwing strategy every time it throws, and the agent bids its default for that interval', () => {
    const faults = events.filter((e) => e.target === 'thrower');
    expect(faults.length).to.equal(24); // odd intervals of 48
    for (const f of faults) {
      expect(f.type).to.equal('STRATEGY_FAULT');
      expect(f.response).to.equal('default-strategy');
      expect(f.detail).to.contain("strategy 'thrower' threw: boom");
    }
    // The thrower kept trading: it is never isolated.
    expect(agents.filter((a) => a.agent_id === 'thrower').every((a) => a.state !== 'crashed' && a.state !== 'own-control')).to.equal(true);
  });

  it("report.html lists the faults with their messages: 24 throws and 48 NaN curves, each under the strategy's agent", () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const section = html.slice(html.indexOf('<h2>Strategy faults and rejected bids</h2>'));
    expect(section).to.contain('72 fault(s)');
    const rows = [...section.matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><td>generator<\/td><td>strategy<\/td><td>([^<]*)<\/td><\/tr>/g)];
    expect(rows).to.have.length(72); // under the 100 rows the table shows
    expect(rows.filter((r) => r[2] === 'thrower' && r[3]!.includes("strategy 'thrower' threw: boom"))).to.have.length(24);
    expect(rows.filter((r) => r[2] === 'nan-bidder' && r[3]!.includes('price must be a finite number, got NaN'))).to.have.length(48);
    expect(section).to.contain('No rejected bids.');
  });

  it('reports NaN bids with the reason, and the run completes with the market balanced', () => {
    const faults = events.filter((e) => e.target === 'nan-bidder');
    expect(faults.length).to.equal(48);
    expect(faults[0]!.detail).to.contain('returned an invalid curve: segment 0: price must be a finite number, got NaN');
    expect(summary.books.closed).to.equal(true);
    expect(summary.kpis.agentFaults.filter((f: { phase: string }) => f.phase === 'strategy').length).to.equal(72);
  });

  it('a module that exports no strategy, or is missing, is a user error naming the file', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(scenario, 'utf8').replace('export: nanBidder', 'export: notAStrategy').replaceAll('../strategies/', join(REPO_ROOT, 'test/fixtures/strategies/')));
    let r = await gridbidInProcess(['run', bad, '--out', join(dir, 'bad-out')]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain("has no export 'notAStrategy' that is a Strategy");
    expect(hasStackTrace(r.stderr)).to.equal(false);
    writeFileSync(bad, readFileSync(scenario, 'utf8').replace('../strategies/always-cheap.ts', './nowhere.ts'));
    r = await gridbidInProcess(['validate', bad]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/agents\[0\]\.strategy\.module: no such file: \.\/nowhere\.ts/);
  });
});

describe('a strategy that fails for every agent in every interval', () => {
  it('summary.json counts all 2,880 faults (30 homes × 96 intervals) and lists the first 1,000 in order; events.csv, report.html and the CLI have every one', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-faults-'));
    try {
      const r = await gridbidInProcess(['run', join(REPO_ROOT, 'test/fixtures/scenarios/faults-everywhere.yaml'), '--out', dir]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('0 rejected bids, 2880 agent faults');
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.books.closed).to.equal(true);
      expect(summary.kpis.agentFaultCount).to.equal(2880);
      expect(summary.kpis.isolatedAgents).to.equal(0);
      const listed = summary.kpis.agentFaults as Array<{ agentId: string; at: string; phase: string; message: string }>;
      expect(listed).to.have.length(1000);
      // In order: 30 a quarter hour, so the 1,000th is the 10th home's in interval 33 (08:15).
      expect([listed[0]!.at, listed[29]!.at, listed[30]!.at]).to.deep.equal(['2026-07-01T00:00:00Z', '2026-07-01T00:00:00Z', '2026-07-01T00:15:00Z']);
      expect(listed[999]!.at).to.equal('2026-07-01T08:15:00Z');
      expect(listed.every((f) => f.phase === 'strategy' && f.message.includes("strategy 'always-throws' threw: a bug in the first draft"))).to.equal(true);
      const events = parse(readFileSync(join(dir, 'events.csv')), { columns: true }) as Array<Record<string, string>>;
      expect(events.filter((e) => e.type === 'STRATEGY_FAULT')).to.have.length(2880);
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      const section = html.slice(html.indexOf('<h2>Strategy faults and rejected bids</h2>'));
      expect(section).to.contain('2880 fault(s)');
      expect(section).to.contain('(first 100; all are in events.csv, STRATEGY_FAULT and AGENT_CRASH rows)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

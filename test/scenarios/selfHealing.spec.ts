import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { money, ZERO } from '../../core/money.ts';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;

describe('scenarios/self-healing.yaml: the header’s claims', () => {
  let dir: string;
  let kpis: Record<string, unknown>;
  let books: { closed: boolean; violations: unknown[] };
  let agents: Row[];
  let events: Row[];
  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-self-healing-'));
    const r = await runScenarioFile(join(REPO_ROOT, 'scenarios/self-healing.yaml'), { outDir: dir });
    kpis = (r.summary as { kpis: Record<string, unknown> }).kpis;
    books = (r.summary as unknown as { books: typeof books }).books;
    agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Row[];
    events = parse(readFileSync(join(dir, 'events.csv')), { columns: true }) as Row[];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('isolates 8-9 at 17:00, closes tie 12-22 from 17:15, returns to normal at 19:00', () => {
    expect(events.filter((e) => e.issuer === 'dso').map((e) => `${e.interval_start} ${e.type} ${e.target}`)).to.deep.equal([
      '2026-01-14T17:00:00Z FAULT_ISOLATED 8-9',
      '2026-01-14T17:15:00Z TIE_CLOSED 12-22',
      '2026-01-14T19:00:00Z NORMAL_CONFIGURATION 8-9',
    ]);
  });

  it('leaves buses 9–18 without supply in the 17:00 interval only', () => {
    const dark = new Set(['9', '10', '11', '12', '13', '14', '15', '16', '17', '18']);
    for (const a of agents) {
      if (a.kind === 'generator') continue;
      const out = a.interval_start === '2026-01-14T17:00:00Z' && dark.has(a.bus!);
      if (out) expect(Number(a.award_kw), `${a.agent_id} ${a.interval_start}`).to.equal(0);
    }
    // Every home elsewhere, and every home after restoration, is supplied (a winter evening: no PV, so each one buys).
    for (const a of agents.filter((x) => x.kind === 'home' && x.interval_start! >= '2026-01-14T16:45:00Z' && x.interval_start! <= '2026-01-14T19:00:00Z')) {
      if (a.interval_start === '2026-01-14T17:00:00Z' && dark.has(a.bus!)) continue;
      expect(Number(a.award_kw), `${a.agent_id} ${a.interval_start}`).to.not.equal(0);
    }
  });

  it('has the distribution operator buy the feeder’s losses every interval, the dark 17:00 one too (only its energised branches carry current): Σ of its rows is kpis.feeder.lossesCost', () => {
    const dso = agents.filter((a) => a.agent_id === 'dso-losses');
    expect(dso).to.have.length(96);
    for (const a of dso) {
      expect(a.state, a.interval_start).to.equal('settled');
      // kW × ¼ h × price/MWh ÷ 1000, exactly.
      expect(money(a.cost!).equals(money(a.award_kw!).times('0.25').times(money(a.price!)).div(1000)), `${a.interval_start} ${a.award_kw} ${a.price} ${a.cost}`).to.equal(true);
    }
    expect(Number(dso.find((a) => a.interval_start === '2026-01-14T17:00:00Z')!.award_kw)).to.be.greaterThan(0);
    const sum = dso.reduce((t, a) => t.plus(money(a.cost!)), ZERO);
    const feeder = kpis.feeder as { lossesCost: string; lossesUnsettledIntervals: number };
    expect(sum.toFixed()).to.equal(feeder.lossesCost);
    expect(feeder.lossesUnsettledIntervals).to.equal(0);
    expect((kpis.losses as { buyersPay: string }).buyersPay).to.equal(feeder.lossesCost);
  });

  it('reports 40 customers interrupted once, 600 customer-minutes, SAIFI 0.313, SAIDI 4.69 min, restored in 15 minutes; money closes', () => {
    const rel = (kpis.operations as { reliability: Record<string, unknown> }).reliability;
    expect(rel).to.deep.include({ customers: 128, customersInterrupted: 40, customerInterruptions: 40, customerMinutesInterrupted: 600, saifi: 0.313, saidiMinutes: 4.688 });
    expect(rel.unservedKwh as number).to.be.closeTo(7.3, 0.05);
    expect((rel.restorations as Array<Record<string, unknown>>)[0]).to.deep.include({ restorationMinutes: 15, ties: ['12-22'], unservedBuses: [] });
    expect(books.violations).to.deep.equal([]);
    expect(books.closed).to.equal(true);
    expect(kpis.clearingProblems).to.deep.equal([]);
  });
});

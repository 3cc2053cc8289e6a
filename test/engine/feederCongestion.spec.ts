import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true });

describe('scenarios/feeder-congestion.yaml', () => {
  let dir: string;
  let flows: Row[];
  let intervals: Row[];
  let agents: Row[];
  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-feeder-'));
    await runScenarioFile(join(REPO_ROOT, 'scenarios/feeder-congestion.yaml'), { outDir: dir });
    flows = readCsv(join(dir, 'flows.csv'));
    intervals = readCsv(join(dir, 'intervals.csv'));
    agents = readCsv(join(dir, 'agents.csv'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports every branch in every interval, never above its limit', () => {
    expect(flows.length).to.equal(96 * 3);
    for (const f of flows) expect(Math.abs(Number(f.flow_kw)), `${f.line_id} at ${f.interval_start}`).to.be.at.most(Number(f.limit_kw) + 1e-9);
  });

  it('the line into street-b binds in the evening peak, at its limit, with a shadow price', () => {
    const binding = flows.filter((f) => f.line_id === 'line-b' && Number(f.flow_kw) === Number(f.limit_kw));
    expect(binding.length).to.be.at.least(8);
    for (const f of binding) {
      const hour = new Date(f.interval_start!).getUTCHours();
      expect(hour, f.interval_start).to.be.within(15, 21);
      expect(Number(f.shadow_price)).to.be.at.least(0);
    }
    expect(binding.some((f) => Number(f.shadow_price) > 0)).to.equal(true);
  });

  it('prices separate exactly when the line binds: street-b above the grid, no separation otherwise', () => {
    const price = new Map(intervals.map((r) => [`${r.interval_start}|${r.bus}`, Number(r.price)]));
    const bindingAt = new Set(flows.filter((f) => f.line_id === 'line-b' && Number(f.flow_kw) === 40 && Number(f.shadow_price) > 0).map((f) => f.interval_start));
    let separated = 0;
    for (const t of new Set(intervals.map((r) => r.interval_start!))) {
      const grid = price.get(`${t}|grid`)!;
      const b = price.get(`${t}|street-b`)!;
      if (bindingAt.has(t)) {
        expect(b, t).to.be.greaterThan(grid);
        separated++;
      } else expect(b, t).to.equal(grid);
    }
    expect(separated).to.be.at.least(8);
  });

  it('money closes exactly every interval: Σ agent cost = congestion rent = Σ_bus price × net withdrawal', () => {
    const cost = new Map<string, Decimal>();
    for (const a of agents) cost.set(a.interval_start!, (cost.get(a.interval_start!) ?? new Decimal(0)).plus(a.cost!));
    const rent = new Map<string, Decimal>();
    for (const r of intervals) {
      if (r.price === '') continue;
      const withdrawal = new Decimal(r.demand_kw!).minus(r.supply_kw!);
      rent.set(r.interval_start!, (rent.get(r.interval_start!) ?? new Decimal(0)).plus(withdrawal.times(r.price!).times(0.25).div(1000)));
    }
    for (const [t, c] of cost) expect(c.toFixed(), t).to.equal((rent.get(t) ?? new Decimal(0)).toFixed());
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.books.closed).to.equal(true);
    expect(Number(summary.kpis.merchandisingSurplus)).to.be.greaterThan(0);
    expect(summary.kpis.lineLimitViolations).to.equal(0);
  });
});

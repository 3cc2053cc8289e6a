import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { queryResults } from '../../batch/query.ts';
import { runBatch } from '../../batch/runBatch.ts';
import { gridbidInProcess, hasStackTrace } from '../helpers/cli.ts';

describe('gridbid query (DuckDB over a batch folder)', () => {
  let dir: string;
  let summary: Array<Record<string, string>>;
  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-query-'));
    const r = await runBatch({ target: 'test/fixtures/sweeps/query.yaml', outDir: join(dir, 'b'), workers: 2 });
    expect([r.ok, r.failed]).to.deep.equal([16, 0]);
    summary = parse(readFileSync(join(dir, 'b', 'summary.csv')), { columns: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("per-run averages and sums over every run's intervals.csv equal summary.csv's KPIs, for all 16 runs", async function () {
    this.timeout(30_000);
    // Hourly intervals: kW summed over intervals is kWh.
    const r = await queryResults(
      join(dir, 'b'),
      `select run_id, sum(price * demand_kw) / sum(demand_kw) as avg_price, min(price) as min_price, max(price) as max_price, sum(demand_kw) as demand_kwh
       from intervals group by run_id order by run_id`,
    );
    expect(r.columns).to.deep.equal(['run_id', 'avg_price', 'min_price', 'max_price', 'demand_kwh']);
    expect(r.rows.map((x) => x[0])).to.deep.equal(summary.map((s) => s.run_id).sort());
    const byId = new Map(summary.map((s) => [s.run_id!, s]));
    const prices = new Set<number>();
    for (const [id, avg, min, max, kwh] of r.rows as Array<[string, number, number, number, number]>) {
      const s = byId.get(id)!;
      expect(avg, `${id} average price`).to.be.closeTo(Number(s.averagePriceMwh), 0.005 + 1e-9);
      expect([min, max], id).to.deep.equal([Number(s.minPriceMwh), Number(s.maxPriceMwh)]);
      expect(kwh, `${id} demand`).to.be.closeTo(Number(s.demandKwh), 1e-6);
      prices.add(avg);
    }
    // The runs really differ (the check compares 16 answers, not one repeated).
    expect(prices.size).to.be.greaterThan(1);
    // And the summary view is summary.csv, keyed by run.
    const w = await queryResults(join(dir, 'b'), `select run_id, welfare, "market.pricing" from summary order by run_id`);
    expect(w.rows).to.deep.equal(summary.map((s) => [s.run_id, Number(s.welfare), s['market.pricing']]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  });

  it('prints a table, CSV or JSON; bad SQL and a folder without summary.csv exit 1 with the reason', async function () {
    this.timeout(30_000);
    const sql = `select "market.pricing" as pricing, count(*) as runs from summary group by 1 order by 1`;
    const table = await gridbidInProcess(['query', join(dir, 'b'), sql]);
    expect(table.status).to.equal(0);
    expect(table.stdout).to.equal('pricing     runs\n----------  ----\npay-as-bid     8\nuniform        8\n(2 rows)\n');
    const csv = await gridbidInProcess(['query', join(dir, 'b'), sql, '--format', 'csv']);
    expect(csv.stdout).to.equal('pricing,runs\npay-as-bid,8\nuniform,8\n');
    const json = await gridbidInProcess(['query', join(dir, 'b'), sql, '--format', 'json']);
    expect(JSON.parse(json.stdout)).to.deep.equal([
      { pricing: 'pay-as-bid', runs: 8 },
      { pricing: 'uniform', runs: 8 },
    ]);
    const bad = await gridbidInProcess(['query', join(dir, 'b'), 'selec 1']);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.match(/^gridbid: query: Parser Error: syntax error at or near "selec" \(tables: summary, agents, .*intervals/);
    expect(hasStackTrace(bad.stderr)).to.equal(false);
    const none = await gridbidInProcess(['query', dir, 'select 1']);
    expect(none.status).to.equal(1);
    expect(none.stderr).to.contain(`${dir}: no summary.csv here`);
    expect((await gridbidInProcess(['query', join(dir, 'b'), 'select 1', '--format', 'xml'])).stderr).to.contain('expected one of table, csv, json');
  });
});

import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { queryResults } from '../../batch/query.ts';
import { runBatch } from '../../batch/runBatch.ts';
import { gridbidInProcess, hasStackTrace } from '../helpers/cli.ts';
import { DATABASE_FILE } from '../../batch/database.ts';
import { databaseContents } from './outputTree.ts';
import { byText } from '../../core/textOrder.ts';

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

  const PER_RUN = `select run_id, sum(price * demand_kw) / sum(demand_kw) as avg_price, min(price) as min_price, max(price) as max_price, sum(demand_kw) as demand_kwh
       from intervals group by run_id order by run_id`;

  it("per-run averages and sums over every run's intervals, from the batch's results.duckdb, equal summary.csv's KPIs, for all 16 runs", async function () {
    this.timeout(30_000);
    // Hourly intervals: kW summed over intervals is kWh.
    expect(existsSync(join(dir, 'b', DATABASE_FILE))).to.equal(true);
    const r = await queryResults(join(dir, 'b'), PER_RUN);
    expect(r.source).to.equal('database');
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
    expect(w.rows).to.deep.equal(summary.map((s) => [s.run_id, Number(s.welfare), s['market.pricing']]).sort((a, b) => byText(String(a[0]), String(b[0]))));
    // Money is exact in the database: each run's agents' costs, as DECIMAL, sum to the same text as the run's own sum over agents.csv.
    const m = await queryResults(join(dir, 'b'), `select run_id, sum(cost)::varchar from agents where via is null and cost > 0 group by 1 order by 1`);
    expect(m.rows).to.have.length(16);
    for (const [id, total] of m.rows as Array<[string, string]>) {
      const agents = parse(readFileSync(join(dir, 'b', id, 'agents.csv')), { columns: true }) as Array<Record<string, string>>;
      const exact = agents.filter((a) => a.via === '' && Number(a.cost) > 0).reduce((acc, a) => acc.plus(a.cost!), new Decimal(0));
      expect(new Decimal(total).eq(exact), `${id}: ${total} vs ${exact.toFixed()}`).to.equal(true);
    }
    // Without the database (a batch still running), the same answers from the CSV files themselves.
    renameSync(join(dir, 'b', DATABASE_FILE), join(dir, 'db.aside'));
    try {
      const files = await queryResults(join(dir, 'b'), PER_RUN);
      expect(files.source).to.equal('files');
      expect(files.rows).to.deep.equal(r.rows);
    } finally {
      renameSync(join(dir, 'db.aside'), join(dir, 'b', DATABASE_FILE));
    }
  });

  it('a batch with --format parquet writes the same database, read from its Parquet files', async function () {
    this.timeout(120_000);
    const p = await runBatch({ target: 'test/fixtures/sweeps/query.yaml', outDir: join(dir, 'p'), workers: 2, formats: ['parquet'] });
    expect([p.ok, p.failed]).to.deep.equal([16, 0]);
    expect(readFileSync(join(dir, 'p', 'summary.csv')).equals(readFileSync(join(dir, 'b', 'summary.csv')))).to.equal(true);
    const run = p.plan.runs[0]!.id;
    expect(existsSync(join(dir, 'p', run, 'agents.parquet'))).to.equal(true);
    expect(existsSync(join(dir, 'p', run, 'agents.csv'))).to.equal(false);
    expect(await databaseContents(join(dir, 'p'))).to.deep.equal(await databaseContents(join(dir, 'b')));
    // Without its database, a parquet batch is read from its Parquet files.
    rmSync(join(dir, 'p', DATABASE_FILE));
    const files = await queryResults(join(dir, 'p'), PER_RUN);
    expect(files.source).to.equal('files');
    expect(files.rows).to.deep.equal((await queryResults(join(dir, 'b'), PER_RUN)).rows);
  });

  it('--no-database writes no results.duckdb; query then answers from the files', async function () {
    this.timeout(60_000);
    const r = await gridbidInProcess(['batch', 'test/fixtures/sweeps/tiny.yaml', '--out', join(dir, 'n'), '--no-database']);
    expect(r.status, r.stderr).to.equal(0);
    expect(existsSync(join(dir, 'n', DATABASE_FILE))).to.equal(false);
    expect(r.stdout).to.contain(`(summary.csv, batch-report.html, one folder per run)`);
    const q = await queryResults(join(dir, 'n'), 'select count(distinct run_id) as runs, count(*) as rows from intervals');
    expect(q.source).to.equal('files');
    expect(q.rows[0]![0]).to.equal(1);
    expect(q.rows[0]![1]).to.be.greaterThan(0);
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
    // One statement, one answer: no query at all, or several of which only one could be printed, is a mistake.
    for (const [sql, why] of [
      ['  ', 'query: no SQL statement given'],
      ['select 1 as a; select 2 as b', 'query: 2 SQL statements; give one'],
    ] as const) {
      const r = await gridbidInProcess(['query', join(dir, 'b'), sql]);
      expect(r.status, sql).to.equal(1);
      expect(r.stderr).to.contain(why);
      expect(hasStackTrace(r.stderr)).to.equal(false);
    }
  });

  it("5-minute intervals (money to 20 decimals): results.duckdb holds every agents.csv cost to the 20th decimal, and each kind's Σ cost is summary.csv's byKind cost within the files' rounding", async function () {
    this.timeout(60_000);
    // The database's money column held 18 decimals: each row lost its last two (−0.01120383333333333333 became
    // −0.011203833333333333) and the sums drifted from the files' (audit A-batchfuzz).
    const r = await runBatch({ target: 'test/fixtures/sweeps/five-minute-money.yaml', outDir: join(dir, 'five'), workers: 1 });
    expect([r.ok, r.failed]).to.deep.equal([2, 0]);
    const rows = parse(readFileSync(join(dir, 'five', 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
    const sums = await queryResults(join(dir, 'five'), 'select run_id, kind, sum(cost)::varchar, count(*) from agents group by all order by all');
    expect(sums.rows).to.have.length(4);
    for (const [id, kind, total, n] of sums.rows as Array<[string, string, string, number]>) {
      const csv = parse(readFileSync(join(dir, 'five', id, 'agents.csv')), { columns: true }) as Array<Record<string, string>>;
      // Exactly the Σ of the file's text (decimal.js's default 20 significant digits would round it) …
      const Exact = Decimal.clone({ precision: 60 });
      const exact = csv.filter((a) => a.kind === kind).reduce((acc, a) => acc.plus(a.cost!), new Exact(0));
      expect(new Exact(total).eq(exact), `${id} ${kind}: ${total} vs the file's ${exact.toFixed()}`).to.equal(true);
      // … which is the run's exact sum but for each row's rounding to 20 decimals (half a unit of the 20th each).
      const kpi = new Exact(rows.find((x) => x.run_id === id)![`byKind.${kind}.cost`]!);
      expect(exact.minus(kpi).abs().lte(new Exact('5e-21').times(Number(n) + 1)), `${id} ${kind}: ${exact.toFixed()} vs ${kpi.toFixed()}`).to.equal(true);
    }
    // Row by row: the database's cost is the CSV's text, to the 20th decimal.
    const run = rows[0]!.run_id!;
    const csv = parse(readFileSync(join(dir, 'five', run, 'agents.csv')), { columns: true }) as Array<Record<string, string>>;
    const db = await queryResults(join(dir, 'five'), `select cost::varchar from agents where run_id = '${run}' order by interval_start, agent_id`);
    const byTime = [...csv].sort((a, b) => byText(a.interval_start!, b.interval_start!) || byText(a.agent_id!, b.agent_id!));
    expect(byTime.some((a) => a.cost!.replace(/^-?0\./, '').length === 20)).to.equal(true);
    expect(db.rows.map((x) => new Decimal(String(x[0])).toFixed())).to.deep.equal(byTime.map((a) => new Decimal(a.cost!).toFixed()));
  });
});

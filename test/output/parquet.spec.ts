/**
 * `--format parquet`: every example scenario's tables as Parquet hold the values of its
 * CSV files (read back with csv-parse and with DuckDB, compared value by value with the
 * types of output/tables.ts), the files are deterministic, and a bad --format is refused.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as parseYaml } from 'yaml';
import { runScenarioFile } from '../../engine/run.ts';
import { runTask } from '../../batch/worker.ts';
import { readDone } from '../../batch/runBatch.ts';
import { parseFormats } from '../../output/parquet.ts';
import { MONEY, OPTIONAL_COLUMNS, RUN_TABLES, TABLE_COLUMNS } from '../../output/tables.ts';
import { gridbidInProcess, hasStackTrace, REPO_ROOT } from '../helpers/cli.ts';

/** The example scenarios (not the sweeps): scenarios/*.yaml and the tariff study's population. */
const EXAMPLES = [
  ...readdirSync(join(REPO_ROOT, 'scenarios'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(REPO_ROOT, 'scenarios', f)),
  join(REPO_ROOT, 'scenarios', 'tariff-study', 'population.yaml'),
  // A table with an optional column (output/tables.ts OPTIONAL_COLUMNS: voltages.csv's dlmp_loss): the streamed writer
  // refused it, and the run ended in an internal error, until the run declared it (engine/run.ts optionalColumns).
  join(REPO_ROOT, 'test', 'fixtures', 'scenarios', 'losses-line-marginal.yaml'),
  // Money that repeats in decimal (5-minute intervals: costs written to 20 decimals, core/money.ts MONEY_DECIMALS): the
  // Parquet column held 18 (DECIMAL(38,18)), so -0.01120383333333333333 read back as -0.011203833333333333 (audit A-batchfuzz).
  join(REPO_ROOT, 'test', 'fixtures', 'scenarios', 'five-minute-money.yaml'),
].filter((f) => {
  const doc = parseYaml(readFileSync(f, 'utf8')) as Record<string, unknown>;
  return doc.base === undefined && doc.grid === undefined;
});

/** DuckDB's name for a type as `describe` prints it. */
const DESCRIBED: Record<string, string> = { TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE', DOUBLE: 'DOUBLE', VARCHAR: 'VARCHAR', DATE: 'DATE', [MONEY]: MONEY };

interface ParquetTable {
  readonly columns: Array<[string, string]>;
  readonly rows: unknown[][];
}

/** A Parquet file's columns and types, and its rows with times as epoch ms, dates and money as text. */
async function readParquet(file: string): Promise<ParquetTable> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const src = `read_parquet('${file}')`;
    const columns = (await conn.runAndReadAll(`describe select * from ${src}`)).getRowsJson().map((r) => [String(r[0]), String(r[1])] as [string, string]);
    const select = columns.map(([c, type]) =>
      type.startsWith('TIMESTAMP') ? `epoch_ms("${c}")` : type === 'DATE' || type.startsWith('DECIMAL') ? `"${c}"::varchar` : `"${c}"`,
    );
    const rows = (await conn.runAndReadAll(`select ${select.join(', ')} from ${src}`)).getRowsJson();
    return { columns, rows };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The Parquet table holds the CSV's values: same columns in order, typed per output/tables.ts, and every field equal once parsed. */
function expectSameValues(table: string, csvText: string, pq: ParquetTable, where: string): number {
  const [header, ...records] = parse(csvText, { relax_column_count: false }) as string[][];
  expect(pq.columns.map(([c]) => c), `${where} columns`).to.deep.equal(header);
  const types = header!.map((c) => TABLE_COLUMNS[table]![c] ?? OPTIONAL_COLUMNS[table]?.[c]);
  expect(types.every((t) => t !== undefined), `${where}: every column has a type in output/tables.ts (${header!.filter((c, i) => !types[i])})`).to.equal(true);
  expect(pq.columns.map(([, t]) => t), `${where} types`).to.deep.equal(types.map((t) => DESCRIBED[t!]));
  expect(pq.rows.length, `${where} rows`).to.equal(records.length);
  // Plain comparisons per field (a chai assertion per field would cost more than the runs), the first difference reported.
  const same = (text: string, got: unknown, type: string | undefined): boolean => {
    // An empty field is "no value": NULL in Parquet.
    if (text === '') return got === null;
    if (type === 'TIMESTAMPTZ') return Number(got) === Date.parse(text);
    if (type === 'DOUBLE') return got === Number(text);
    if (type === MONEY) return got !== null && new Decimal(String(got)).eq(new Decimal(text));
    return got === text;
  };
  records.forEach((rec, i) => {
    const row = pq.rows[i]!;
    rec.forEach((text, k) => {
      if (!same(text, row[k], types[k])) expect.fail(`${where} row ${i + 2} ${header![k]}: CSV '${text}', Parquet ${JSON.stringify(row[k])}`);
    });
  });
  return records.length;
}

describe('--format parquet: Parquet tables beside (or instead of) the CSV files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-parquet-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the example scenarios', () => {
    expect(EXAMPLES.map((f) => basename(f))).to.include.members(['default.yaml', 'evening-peak.yaml', 'feeder-voltage.yaml', 'population.yaml']);
  });

  for (const file of EXAMPLES) {
    it(`${basename(file)}: every table's Parquet file holds the values of its CSV file`, async function () {
      this.timeout(120_000);
      const out = join(dir, basename(file, '.yaml'));
      await runScenarioFile(file, { outDir: out, formats: ['csv', 'parquet'] });
      const tables = RUN_TABLES.filter((t) => existsSync(join(out, `${t}.csv`)));
      expect(tables).to.include.members(['intervals', 'agents', 'flows', 'events', 'rejections', 'bills']);
      let rows = 0;
      for (const t of tables) rows += expectSameValues(t, readFileSync(join(out, `${t}.csv`), 'utf8'), await readParquet(join(out, `${t}.parquet`)), `${basename(file)} ${t}`);
      expect(rows).to.be.greaterThan(0);
      // No file other than the tables' gets a Parquet twin, and nothing is left half written.
      expect(readdirSync(out).filter((f) => f.endsWith('.parquet')).sort()).to.deep.equal(tables.map((t) => `${t}.parquet`).sort());
      expect(readdirSync(out).filter((f) => f.endsWith('.partial') || f.startsWith('.'))).to.deep.equal([]);
    });
  }

  it('five-minute-money.yaml: a cost of 20 decimals (5 minutes, a third of a decimal unit) reads back from Parquet with all 20 — the plant at 17:00 receives 2.615 kW × 43/MWh × 5 min = 0.00937041666666666667 (…666… rounded)', async function () {
    this.timeout(60_000);
    const out = join(dir, 'five-minute-money-exact');
    await runScenarioFile(join(REPO_ROOT, 'test', 'fixtures', 'scenarios', 'five-minute-money.yaml'), { outDir: out, formats: ['csv', 'parquet'] });
    const csv = parse(readFileSync(join(out, 'agents.csv')), { columns: true }) as Array<Record<string, string>>;
    const first = csv.find((r) => r.agent_id === 'plant' && r.interval_start === '2026-07-01T17:00:00Z')!;
    // The CSV's text: 20 decimals, the last one rounded (…6666… → …67).
    expect(first.cost).to.equal('-0.00937041666666666667');
    const pq = await readParquet(join(out, 'agents.parquet'));
    const cost = pq.columns.findIndex(([c]) => c === 'cost');
    expect(pq.columns[cost]![1]).to.equal('DECIMAL(38,20)');
    const row = pq.rows.find((r) => r[1] === 'plant' && Number(r[0]) === Date.parse('2026-07-01T17:00:00Z'))!;
    expect(row[cost]).to.equal('-0.00937041666666666667');
  });

  it('parquet alone writes no CSV table, and the same scenario and seed give byte-identical Parquet files', async function () {
    this.timeout(120_000);
    const both = join(dir, 'storage-arbitrage');
    if (!existsSync(join(both, 'agents.parquet'))) await runScenarioFile(join(REPO_ROOT, 'scenarios', 'storage-arbitrage.yaml'), { outDir: both, formats: ['csv', 'parquet'] });
    const only = join(dir, 'storage-only-parquet');
    await runScenarioFile(join(REPO_ROOT, 'scenarios', 'storage-arbitrage.yaml'), { outDir: only, formats: ['parquet'] });
    expect(readdirSync(only).filter((f) => f.endsWith('.csv'))).to.deep.equal([]);
    const parquet = readdirSync(both).filter((f) => f.endsWith('.parquet'));
    expect(readdirSync(only).filter((f) => f.endsWith('.parquet')).sort()).to.deep.equal(parquet.sort());
    for (const f of parquet) expect(readFileSync(join(only, f)).equals(readFileSync(join(both, f))), f).to.equal(true);
    // The other outputs are those of a csv run.
    expect(readFileSync(join(only, 'summary.json'), 'utf8')).to.equal(readFileSync(join(both, 'summary.json'), 'utf8'));
    // A later csv-only run into the folder leaves no Parquet of the earlier run behind.
    await runScenarioFile(join(REPO_ROOT, 'scenarios', 'storage-arbitrage.yaml'), { outDir: only });
    expect(readdirSync(only).filter((f) => f.endsWith('.parquet'))).to.deep.equal([]);
    expect(readFileSync(join(only, 'agents.csv')).equals(readFileSync(join(both, 'agents.csv')))).to.equal(true);
  });

  it('the comparison catches one changed digit, a value the Parquet file lacks, and a wrong type', async () => {
    const out = join(dir, 'default');
    const csv = readFileSync(join(out, 'intervals.csv'), 'utf8');
    const pq = await readParquet(join(out, 'intervals.parquet'));
    expect(expectSameValues('intervals', csv, pq, 'as written')).to.be.greaterThan(0);
    const [head, first, ...rest] = csv.split('\n');
    const fields = first!.split(',');
    const changed = (k: number, v: string): string => [head, fields.map((f, i) => (i === k ? v : f)).join(','), ...rest].join('\n');
    expect(() => expectSameValues('intervals', changed(2, `${fields[2]}1`), pq, 'price')).to.throw(/row 2 price/);
    expect(() => expectSameValues('intervals', changed(7, '1'), pq, 'da_price')).to.throw(/row 2 da_price: CSV '1', Parquet null/);
    const typed = { ...pq, columns: pq.columns.map(([c, t]) => [c, c === 'price' ? 'VARCHAR' : t] as [string, string]) };
    expect(() => expectSameValues('intervals', csv, typed, 'types')).to.throw(/types/);
  });

  it('a batch run records its formats in DONE: resumed with other formats it is run again', async function () {
    this.timeout(60_000);
    const file = 'test/fixtures/sweeps/tiny.yaml';
    const task = { id: 'tiny', outDir: join(dir, 'task'), file, text: readFileSync(file, 'utf8'), seed: 3, fingerprint: 'f' };
    expect(await runTask({ ...task, formats: ['parquet'] })).to.have.property('status', 'ok');
    expect(readdirSync(task.outDir).filter((f) => f.endsWith('.parquet'))).to.include('agents.parquet');
    expect(readDone(task.outDir, task, ['parquet'])).to.have.property('status', 'ok');
    expect(readDone(task.outDir, task, ['csv'])).to.equal('stale');
    expect(readDone(task.outDir, task, ['csv', 'parquet'])).to.equal('stale');
    // merge reads any finished run, whatever its formats.
    expect(readDone(task.outDir, task)).to.have.property('status', 'ok');
    // A csv run's DONE is the one gridbid wrote before --format existed (no formats key).
    expect(await runTask(task)).to.have.property('status', 'ok');
    expect(JSON.parse(readFileSync(join(task.outDir, 'DONE'), 'utf8'))).not.to.have.property('formats');
    expect(readDone(task.outDir, task, ['csv'])).to.have.property('status', 'ok');
  });

  it('parses csv, parquet and both; anything else is refused with the reason', () => {
    expect(parseFormats('csv')).to.deep.equal(['csv']);
    expect(parseFormats('parquet')).to.deep.equal(['parquet']);
    expect(parseFormats('parquet,csv')).to.deep.equal(['csv', 'parquet']);
    expect(parseFormats('CSV, parquet')).to.deep.equal(['csv', 'parquet']);
    expect(parseFormats('xml')).to.equal("'xml' is not an output format: expected csv, parquet, or both as csv,parquet");
    expect(parseFormats('csv,')).to.equal('an empty format is not an output format: expected csv, parquet, or both as csv,parquet');
  });

  it('gridbid run and batch with --format xml exit 1 with the reason, before anything is written', async () => {
    for (const args of [
      ['run', 'scenarios/default.yaml', '--format', 'xml', '--out', join(dir, 'never')],
      ['batch', 'test/fixtures/sweeps/query.yaml', '--format', 'xml', '--out', join(dir, 'never')],
    ]) {
      const r = await gridbidInProcess(args);
      expect(r.status, args[0]).to.equal(1);
      expect(r.stderr).to.contain("option '--format <formats>' argument 'xml' is invalid. 'xml' is not an output format: expected csv, parquet, or both as csv,parquet");
      expect(hasStackTrace(r.stderr)).to.equal(false);
    }
    expect(existsSync(join(dir, 'never'))).to.equal(false);
  });
});

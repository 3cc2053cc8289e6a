/**
 * `--format parquet` streams each table into DuckDB while the run goes
 * (output/parquetStream.ts): no CSV file appears at any moment, the Parquet files are
 * byte for byte those of converting a CSV run's files after the run (the way gridbid wrote
 * them before, output/parquet.ts `writeParquetTables`), the same run twice gives the same
 * bytes, an interrupted run leaves whole intervals under `.partial` names, and a writer
 * that dies fails the run with the table's name instead of hanging it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DuckDBInstance } from '@duckdb/node-api';
import { runScenarioFile, RunInterrupted } from '../../engine/run.ts';
import { writeParquetTables } from '../../output/parquet.ts';
import { ParquetStreams } from '../../output/parquetStream.ts';
import { TABLE_COLUMNS } from '../../output/tables.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const SCENARIO = join(REPO_ROOT, 'scenarios', 'feeder-voltage.yaml');

async function count(file: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    return Number((await conn.runAndReadAll(`select count(*) from read_parquet('${file}')`)).getRowsJson()[0]![0]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe('--format parquet: tables streamed into Parquet while the run goes', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-pqstream-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes no CSV file at any moment, and its files are byte-identical to converting a CSV run after the run, run after run', async function () {
    this.timeout(180_000);
    const only = join(dir, 'only');
    const seen = new Set<string>();
    // Watched from before the run: every name that ever appears in the folder is seen (the run yields between intervals).
    mkdirSync(only);
    const watcher = watch(only, (_event, name) => name && seen.add(String(name)));
    try {
      await runScenarioFile(SCENARIO, { outDir: only, formats: ['parquet'] });
    } finally {
      watcher.close();
    }
    for (const f of readdirSync(only)) seen.add(f);
    expect([...seen].filter((f) => f.includes('.csv')), 'CSV files seen during the run').to.deep.equal([]);
    // The files are written in the run's parquet.partial/ folder, then renamed into it.
    expect([...seen]).to.include.members(['parquet.partial', 'agents.parquet', 'voltages.parquet']);

    // Today's reference: a CSV run, converted afterwards by the statement gridbid used before streaming.
    const csv = join(dir, 'csv');
    await runScenarioFile(SCENARIO, { outDir: csv, formats: ['csv'] });
    const converted = await writeParquetTables(csv, { keepCsv: true });
    const written = readdirSync(only).filter((f) => f.endsWith('.parquet')).sort();
    expect(written).to.deep.equal(converted.map((t) => `${t}.parquet`).sort());
    expect(written).to.include.members(['agents.parquet', 'intervals.parquet', 'voltages.parquet', 'bills.parquet']);
    for (const f of written) expect(readFileSync(join(only, f)).equals(readFileSync(join(csv, f))), f).to.equal(true);
    // The rows are all there (the CSV's lines less its header).
    const agentRows = readFileSync(join(csv, 'agents.csv'), 'utf8').trimEnd().split('\n').length - 1;
    expect(await count(join(only, 'agents.parquet'))).to.equal(agentRows).and.to.be.greaterThan(1000);

    // Same scenario and seed, again: the same bytes.
    const again = join(dir, 'again');
    await runScenarioFile(SCENARIO, { outDir: again, formats: ['parquet'] });
    for (const f of written) expect(readFileSync(join(again, f)).equals(readFileSync(join(only, f))), `${f} again`).to.equal(true);
    expect(readdirSync(again).filter((f) => f.includes('partial') || f.startsWith('.'))).to.deep.equal([]);
  });

  it('an interrupted run leaves its Parquet tables in parquet.partial/, every row of the intervals done', async function () {
    this.timeout(120_000);
    const out = join(dir, 'cut');
    const stop = new AbortController();
    let done = 0;
    const run = runScenarioFile(SCENARIO, {
      outDir: out,
      formats: ['parquet'],
      signal: stop.signal,
      onInterval: (n, _total, pass) => {
        if (pass === 'run' && (done = n) === 5) stop.abort('test');
      },
    });
    const err = await run.then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(RunInterrupted);
    expect(done).to.equal(5);
    // DuckDB completes the cut files once their pipes end (in its own process): wait for them.
    const partial = join(out, 'parquet.partial', 'intervals.parquet');
    for (let k = 0; k < 200 && !(existsSync(partial) && (await count(partial).catch(() => -1)) > 0); k++) await new Promise((r) => setTimeout(r, 50));
    const buses = (await count(join(dir, 'only', 'intervals.parquet'))) / 96;
    expect(await count(partial)).to.equal(5 * buses);
    expect(readdirSync(out).filter((f) => f.endsWith('.parquet'))).to.deep.equal([]);
    expect(readdirSync(out).filter((f) => f.endsWith('.csv') || f.endsWith('.csv.partial'))).to.deep.equal([]);
  });

  it('a writer that dies fails the run loudly, naming the table, instead of hanging it', async function () {
    this.timeout(60_000);
    const out = join(dir, 'killed');
    mkdirSync(out);
    const streams = new ParquetStreams(out);
    const sink = streams.open('agents', Object.keys(TABLE_COLUMNS.agents!));
    const header = Buffer.from(`${Object.keys(TABLE_COLUMNS.agents!).join(',')}\n`);
    sink.write(header, header.length);
    (streams as unknown as { child: { kill(signal: string): void } }).child.kill('SIGKILL');
    const row = Buffer.from('2026-01-01T00:00:00Z,a,home,b,idle,1,1,1,,,,,,,,,,,,,\n'.repeat(4096));
    // The kill lands within a few writes: the pipe's reader is gone, EPIPE.
    expect(() => {
      for (let k = 0; k < 10_000; k++) sink.write(row, row.length);
    }).to.throw(/parquet: cannot write agents\.parquet: the Parquet writer \(DuckDB, child process\) stopped reading/);
    let failure: unknown;
    try {
      await streams.complete();
    } catch (e) {
      failure = e;
    }
    expect(String(failure)).to.match(/the Parquet writer \(DuckDB, child process\) stopped \(SIGKILL\)/);
    expect(readdirSync(out).filter((f) => f.endsWith('.parquet'))).to.deep.equal([]);
  });

  it('refuses a table written with columns other than output/tables.ts says (Parquet types come from there)', () => {
    mkdirSync(join(dir, 'cols'));
    const streams = new ParquetStreams(join(dir, 'cols'));
    try {
      expect(() => streams.open('flows', ['interval_start', 'line_id'])).to.throw(/table flows is written with columns \[interval_start,line_id\], output\/tables.ts has \[interval_start,line_id,flow_kw,limit_kw,shadow_price\]/);
      expect(() => streams.open('nope', ['a'])).to.throw(/no such table/);
    } finally {
      streams.abandon();
    }
  });
});

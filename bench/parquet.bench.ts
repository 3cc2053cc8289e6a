/**
 * `--format parquet` memory and time: the Parquet writer (output/parquet.ts) on an
 * agents.csv of 1M and of 4M rows (the default scenario's agents.csv, 96 intervals,
 * repeated), each in a fresh child process that does nothing else, so its peak RSS
 * (`process.resourceUsage().maxRSS`) is the writer's. Streaming means the 4M-row peak is
 * the 1M-row peak (DuckDB's buffers are bounded by MEMORY_LIMIT), not four times it;
 * the time grows with the rows. The Parquet file is checked to hold every row.
 *
 * Run alone: npm run bench -- parquet
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runScenarioFile } from '../engine/run.ts';
import { writeParquetTables } from '../output/parquet.ts';
import type { BenchRow, BenchSuite } from './harness.ts';

const SIZES = [1_000_000, 4_000_000];
const M = (rows: number): string => `${(rows / 1e6).toFixed(1)}M`;

interface ChildResult {
  readonly ms: number;
  readonly maxRssMb: number;
  readonly rows: number;
}

/** An agents.csv of (at least) `rows` rows in `dir`: the header and the sample's rows, repeated. */
function writeAgents(dir: string, sample: string, rows: number): number {
  const [header, ...body] = sample.trimEnd().split('\n');
  const block = Buffer.from(`${body.join('\n')}\n`);
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, 'agents.csv'), 'w');
  writeSync(fd, `${header}\n`);
  let n = 0;
  while (n < rows) {
    writeSync(fd, block);
    n += body.length;
  }
  closeSync(fd);
  return n;
}

function child(dir: string): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/parquet.bench.ts', '--child', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`parquet bench: the measuring process exited with ${r.status ?? r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

export const suite: BenchSuite = {
  name: 'parquet',
  async run() {
    const root = mkdtempSync(join(tmpdir(), 'gridbid-bench-parquet-'));
    try {
      await runScenarioFile('scenarios/default.yaml', { outDir: join(root, 'sample') });
      const sample = readFileSync(join(root, 'sample', 'agents.csv'), 'utf8');
      const load = loadavg()[0]!;
      const results = SIZES.map((size) => {
        const dir = join(root, `rows-${size}`);
        const rows = writeAgents(dir, sample, size);
        const csvMb = statSync(join(dir, 'agents.csv')).size / 2 ** 20;
        const r = child(dir);
        if (r.rows !== rows) throw new Error(`parquet bench: ${r.rows} rows in the Parquet file, ${rows} in the CSV`);
        const parquetMb = statSync(join(dir, 'agents.parquet')).size / 2 ** 20;
        rmSync(dir, { recursive: true, force: true });
        return { ...r, csvMb, parquetMb };
      });
      const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
      const perRow = (x: ChildResult): string => `${((1000 * x.ms) / x.rows).toFixed(2)} µs/row`;
      const rows: BenchRow[] = [
        {
          suite: 'parquet',
          case: `agents table of ${M(large.rows)} rows → Parquet: peak RSS`,
          ms: large.maxRssMb,
          target: { max: Math.round(1.25 * small.maxRssMb), of: 'MB' },
          note:
            `streaming: target 1.25 × the ${M(small.rows)}-row peak (${small.maxRssMb.toFixed(0)} MB), ratio ${(large.maxRssMb / small.maxRssMb).toFixed(2)} for ${(large.rows / small.rows).toFixed(1)}× the rows; ` +
            `CSV ${large.csvMb.toFixed(0)} MB → Parquet ${large.parquetMb.toFixed(1)} MB; load average before ${load.toFixed(2)}`,
        },
        {
          suite: 'parquet',
          case: `agents table of ${M(large.rows)} rows → Parquet: time`,
          ms: large.ms,
          baseline: `${M(small.rows)} rows`,
          baselineMs: small.ms,
          // No target: linear would be a ratio of about 4; on this shared machine the load moves it more than the writer does.
          note: `${perRow(large)} (${perRow(small)} at ${M(small.rows)}); linear would be ${(large.rows / small.rows).toFixed(1)}×; one DuckDB thread, zstd (the repeated rows compress far better than a real run's)`,
        },
      ];
      return rows;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};

if (process.argv.includes('--child')) {
  const dir = process.argv[process.argv.indexOf('--child') + 1]!;
  const t0 = performance.now();
  await writeParquetTables(dir, { keepCsv: true });
  const ms = performance.now() - t0;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const count = Number((await conn.runAndReadAll(`select count(*) from read_parquet('${join(dir, 'agents.parquet')}')`)).getRowsJson()[0]![0]);
  conn.closeSync();
  instance.closeSync();
  console.log(JSON.stringify({ ms, maxRssMb, rows: count }));
}

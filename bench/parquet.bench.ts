/**
 * `--format parquet` memory and time: the streaming Parquet writer (output/parquetStream.ts)
 * fed an agents table of 1M and of 4M rows (the default scenario's agents.csv, 96
 * intervals, repeated) through its pipe, in a fresh process that does nothing else; the
 * writer is DuckDB in a child process of that one, so the peak RSS is the two peaks summed
 * (`process.resourceUsage().maxRSS` of each). Streaming means the 4M-row peak is the
 * 1M-row peak (DuckDB's buffers are bounded by MEMORY_LIMIT), not four times it; the time
 * grows with the rows. The per-row figure is the writer's CPU per row (parsing the CSV
 * text and encoding Parquet, on its own core); formatting the text is the recorder's,
 * the same for CSV. The Parquet file is checked to hold every row.
 *
 * Run alone: npm run bench -- parquet
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runScenarioFile } from '../engine/run.ts';
import { ParquetStreams, parquetChildUsage } from '../output/parquetStream.ts';
import { TABLE_COLUMNS } from '../output/tables.ts';
import type { BenchRow, BenchSuite } from './harness.ts';

const SIZES = [1_000_000, 4_000_000];
const M = (rows: number): string => `${(rows / 1e6).toFixed(1)}M`;

interface ChildResult {
  readonly ms: number;
  /** Peak RSS of the feeding process and of the DuckDB writer, MB. */
  readonly maxRssMb: number;
  readonly writerRssMb: number;
  /** CPU time of the feeding process and of the writer, ms. */
  readonly cpuMs: number;
  readonly writerCpuMs: number;
  readonly rows: number;
  readonly csvMb: number;
}

/** The header and a block of the sample's rows, to repeat. */
function sampleBlock(sample: string): { header: string; block: Buffer; rows: number } {
  const [header, ...body] = sample.trimEnd().split('\n');
  if (header !== Object.keys(TABLE_COLUMNS.agents!).join(',')) throw new Error(`parquet bench: agents.csv header ${header} is not output/tables.ts's`);
  return { header, block: Buffer.from(`${body.join('\n')}\n`), rows: body.length };
}

function child(dir: string, sampleFile: string, rows: number): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/parquet.bench.ts', '--child', dir, sampleFile, String(rows)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`parquet bench: the measuring process exited with ${r.status ?? r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

export const suite: BenchSuite = {
  name: 'parquet',
  async run() {
    const root = mkdtempSync(join(tmpdir(), 'gridbid-bench-parquet-'));
    try {
      await runScenarioFile('scenarios/default.yaml', { outDir: join(root, 'sample') });
      const sampleFile = join(root, 'sample', 'agents.csv');
      const load = loadavg()[0]!;
      const results = SIZES.map((size) => {
        const dir = join(root, `rows-${size}`);
        mkdirSync(dir, { recursive: true });
        const r = child(dir, sampleFile, size);
        const parquetMb = statSync(join(dir, 'agents.parquet')).size / 2 ** 20;
        rmSync(dir, { recursive: true, force: true });
        return { ...r, parquetMb };
      });
      const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
      const perRow = (x: ChildResult): string => `${((1e6 * x.writerCpuMs) / x.rows).toFixed(0)} ns CPU/row in the writer, ${((1e6 * x.cpuMs) / x.rows).toFixed(0)} ns/row to feed it`;
      const rss = (x: ChildResult): number => x.maxRssMb + x.writerRssMb;
      const rows: BenchRow[] = [
        {
          suite: 'parquet',
          case: `agents table of ${M(large.rows)} rows streamed → Parquet: peak RSS (feeder + DuckDB writer)`,
          ms: rss(large),
          target: { max: Math.round(1.25 * rss(small)), of: 'MB' },
          note:
            `streaming: target 1.25 × the ${M(small.rows)}-row peak (${rss(small).toFixed(0)} MB), ratio ${(rss(large) / rss(small)).toFixed(2)} for ${(large.rows / small.rows).toFixed(1)}× the rows; ` +
            `writer ${large.writerRssMb.toFixed(0)} MB; ${large.csvMb.toFixed(0)} MB of CSV text → Parquet ${large.parquetMb.toFixed(1)} MB; load average before ${load.toFixed(2)}`,
        },
        {
          suite: 'parquet',
          case: `agents table of ${M(large.rows)} rows streamed → Parquet: writer CPU time`,
          ms: large.writerCpuMs,
          baseline: `${M(small.rows)} rows`,
          baselineMs: small.writerCpuMs,
          // No target: linear would be a ratio of about 4.
          note: `${perRow(large)} (${perRow(small)} at ${M(small.rows)}); linear would be ${(large.rows / small.rows).toFixed(1)}×; wall ${(large.ms / 1000).toFixed(1)} s; one DuckDB thread, zstd (the repeated rows compress far better than a real run's)`,
        },
      ];
      return rows;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};

if (process.argv.includes('--child')) {
  const at = process.argv.indexOf('--child');
  const [dir, sampleFile, wanted] = process.argv.slice(at + 1, at + 4) as [string, string, string];
  const { header, block, rows: perBlock } = sampleBlock(readFileSync(sampleFile, 'utf8'));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const streams = new ParquetStreams(dir);
  const sink = streams.open('agents', header.split(','));
  const head = Buffer.from(`${header}\n`);
  sink.write(head, head.length);
  let rows = 0;
  let bytes = head.length;
  while (rows < Number(wanted)) {
    sink.write(block, block.length);
    rows += perBlock;
    bytes += block.length;
  }
  sink.close();
  await streams.complete();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const count = Number((await conn.runAndReadAll(`select count(*) from read_parquet('${join(dir, 'agents.parquet')}')`)).getRowsJson()[0]![0]);
  conn.closeSync();
  instance.closeSync();
  if (count !== rows) throw new Error(`parquet bench: ${count} rows in the Parquet file, ${rows} streamed`);
  const result: ChildResult = { ms, maxRssMb, writerRssMb: parquetChildUsage.maxRssMb, cpuMs: (c.user + c.system) / 1000, writerCpuMs: parquetChildUsage.cpuMs, rows, csvMb: bytes / 2 ** 20 };
  console.log(JSON.stringify(result));
}

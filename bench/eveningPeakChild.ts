/**
 * Child process of the evening-peak memory and scale benchmarks (and a profiling entry point):
 *   node --import tsx bench/eveningPeakChild.ts <factor> <intervals> [out-dir]
 * runs scenarios/evening-peak.yaml × factor for that many 15-minute intervals with
 * every output written to `out-dir` (kept) or a temporary folder (removed), and prints one
 * JSON line: peak RSS (`process.resourceUsage().maxRSS`) and heap used at the end, MB, the
 * run's wall and CPU time (all threads: the GC helpers count), and the bytes it wrote.
 *
 * `GRIDBID_BENCH_FORMAT=parquet` (or `csv,parquet`) writes the tables in those formats;
 * the line then also holds the Parquet writer's own figures (DuckDB runs in a child
 * process of this one, output/parquetStream.ts): its peak RSS and CPU time, which the
 * benches add to this process's. `GRIDBID_BENCH_PROGRESS=1` prints a line to stderr
 * every few intervals (interval, elapsed time, RSS), so a long run shows where it is.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../engine/run.ts';
import { parseFormats } from '../output/parquet.ts';
import { parquetChildUsage } from '../output/parquetStream.ts';
import { scaledEveningPeak } from './eveningPeak.bench.ts';

const factor = Number(process.argv[2] ?? 130);
const intervals = Number(process.argv[3] ?? 96);
const keep = process.argv[4];
const scenario = scaledEveningPeak(factor, intervals / 96);
const dir = keep ?? mkdtempSync(join(tmpdir(), 'gridbid-bench-child-'));
try {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const formats = parseFormats(process.env.GRIDBID_BENCH_FORMAT ?? 'csv');
  if (typeof formats === 'string') throw new Error(`GRIDBID_BENCH_FORMAT: ${formats}`);
  const progress = process.env.GRIDBID_BENCH_PROGRESS === '1';
  const every = Math.max(1, Math.round(intervals / 24));
  const onInterval = progress
    ? (done: number, total: number, pass: string): void => {
        if (done % every !== 0 && done !== total) return;
        const s = (performance.now() - t0) / 1000;
        process.stderr.write(`    ${pass} ${done}/${total} after ${s.toFixed(0)} s, RSS ${(process.memoryUsage.rss() / 2 ** 30).toFixed(2)} GB, heap ${(process.memoryUsage().heapUsed / 2 ** 30).toFixed(2)} GB\n`);
      }
    : undefined;
  await runScenario(scenario, { outDir: dir, formats, onInterval });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const heapMb = process.memoryUsage().heapUsed / (1024 * 1024);
  const bytesWritten = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  const { maxRssMb: writerRssMb, cpuMs: writerCpuMs } = parquetChildUsage;
  console.log(JSON.stringify({ maxRssMb, heapMb, ms, cpuMs, bytesWritten, writerRssMb, writerCpuMs, formats }));
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

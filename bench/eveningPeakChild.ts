/**
 * Child process of the evening-peak memory and scale benchmarks (and a profiling entry point):
 *   node --import tsx bench/eveningPeakChild.ts <factor> <intervals> [out-dir]
 * runs scenarios/evening-peak.yaml × factor for that many 15-minute intervals with
 * every output written to `out-dir` (kept) or a temporary folder (removed), and prints one
 * JSON line: peak RSS (`process.resourceUsage().maxRSS`) and heap used at the end, MB, the
 * run's wall and CPU time (all threads: the GC helpers count), and the bytes it wrote.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../engine/run.ts';
import { scaledEveningPeak } from './eveningPeak.bench.ts';

const factor = Number(process.argv[2] ?? 130);
const intervals = Number(process.argv[3] ?? 96);
const keep = process.argv[4];
const scenario = scaledEveningPeak(factor, intervals / 96);
const dir = keep ?? mkdtempSync(join(tmpdir(), 'gridbid-bench-child-'));
try {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await runScenario(scenario, { outDir: dir });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const heapMb = process.memoryUsage().heapUsed / (1024 * 1024);
  const bytesWritten = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  console.log(JSON.stringify({ maxRssMb, heapMb, ms, cpuMs, bytesWritten }));
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

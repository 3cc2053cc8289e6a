/**
 * Profiling entry point of the comms bench (bench/comms.bench.ts):
 *   node --cpu-prof --import tsx bench/commsChild.ts <plane|ideal> [factor=13] [intervals=96] [out-dir]
 * runs scenarios/evening-peak.yaml × factor with every message on the plane (`plane`, the
 * bench's `withPlane`) or with `comms: ideal`, every output written to `out-dir` (kept: two
 * builds' messages.csv can be compared byte for byte) or a temporary folder (removed), and
 * prints one JSON line: the run's wall and CPU time (all threads), ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../engine/run.ts';
import { withPlane } from './comms.bench.ts';
import { scaledEveningPeak } from './eveningPeak.bench.ts';

const mode = process.argv[2] ?? 'plane';
if (mode !== 'plane' && mode !== 'ideal') throw new Error(`mode must be plane or ideal, got ${mode}`);
const factor = Number(process.argv[3] ?? 13);
const intervals = Number(process.argv[4] ?? 96);
const keep = process.argv[5];
const ideal = scaledEveningPeak(factor, intervals / 96);
const scenario = mode === 'plane' ? withPlane(ideal) : ideal;
const dir = keep ?? mkdtempSync(join(tmpdir(), 'gridbid-bench-comms-child-'));
try {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await runScenario(scenario, { outDir: dir });
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ mode, factor, intervals, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

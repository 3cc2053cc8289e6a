/**
 * Wall time of one complete `runScenario` (every output written, into a temporary folder
 * removed afterwards): what the simulation benches time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../engine/scenario/load.ts';
import { runScenario } from '../engine/run.ts';

export async function timeRun(scenario: Scenario): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-bench-'));
  try {
    const t0 = performance.now();
    await runScenario(scenario, { outDir: dir });
    return performance.now() - t0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

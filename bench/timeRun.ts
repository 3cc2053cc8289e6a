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

/** Wall and CPU time (this process, all threads) of one complete run, as `timeRun`: what the comms and operations benches compare. */
export async function timeRunCpu(scenario: Scenario): Promise<TimedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-bench-'));
  try {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await runScenario(scenario, { outDir: dir });
    const c = process.cpuUsage(c0);
    return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TimedRun {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * `rounds` pairs of complete runs, `baseline` then `subject`, interleaved so that the host's
 * swings weigh on both alike, after one untimed pair: a process's first runs also compile the
 * engine (V8's optimising compiler on every hot function). `off`: the baseline's runs, `on` the subject's.
 */
export async function interleavedPairs(baseline: Scenario, subject: Scenario, rounds: number): Promise<{ readonly off: TimedRun[]; readonly on: TimedRun[] }> {
  const off: TimedRun[] = [];
  const on: TimedRun[] = [];
  for (let r = -1; r < rounds; r++) {
    const a = await timeRunCpu(baseline);
    const b = await timeRunCpu(subject);
    if (r < 0) continue;
    off.push(a);
    on.push(b);
  }
  return { off, on };
}

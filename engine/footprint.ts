/**
 * What a run will need, estimated before it starts from its size (agents × intervals),
 * so a scenario too large for the process is refused with the numbers and the knobs
 * instead of running for minutes and dying of a V8 out-of-memory abort (issue 14).
 *
 * Measured on this project's machine (Node 20, `--expose-gc`, heap used after
 * `Simulation.create` and sampled through a run of 5,000 agents of one kind; the script is
 * bench/footprint.ts): retained heap 5.5–7.4 kB per agent at creation and 6.6–8.9 kB at the
 * end of a day; with the garbage of the interval in flight the peak reached 11–29 kB per
 * agent (the most for homes with HVAC, PV and an appliance). Per agent and interval the
 * engine keeps at most four 8-byte histories (operator baseline, counterfactual, retail
 * import and export). The estimate takes the heaviest measured figures, so it errs high.
 */
import { statfsSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { runSpanOf } from './scenario/runSpan.ts';
import type { ScenarioConfig } from './scenario/schema.ts';

/** Peak heap per agent, bytes (homes with HVAC, PV and an appliance: 28.6 kB measured, rounded up). */
export const HEAP_BYTES_PER_AGENT = 30_000;
/** Histories kept per agent and interval, bytes (four Float64 series). */
export const HEAP_BYTES_PER_AGENT_INTERVAL = 32;
/** The engine, its libraries and the solver before any agent, bytes. */
export const HEAP_BYTES_BASE = 150 * 2 ** 20;
/** agents.csv bytes per agent and interval (a row: time, id, kind, bus, state and eight numbers; ~75 B on the examples). */
export const OUTPUT_BYTES_PER_AGENT_INTERVAL = 100;

export interface Footprint {
  readonly agents: number;
  readonly intervals: number;
  /** Estimated peak heap, bytes. */
  readonly heapBytes: number;
  /** Estimated size of the output files, bytes (agents.csv dominates). */
  readonly outputBytes: number;
}

export function estimateFootprint(config: ScenarioConfig): Footprint {
  const agents = config.agents.reduce((n, g) => n + g.count, 0);
  // The engine simulates (and keeps per-interval history for) its warm-up too, and writes only the reported period.
  const span = runSpanOf(config);
  const intervals = span.reportedIntervals + span.warmUpIntervals;
  // Runs with operators (the counterfactual pass) or perfect foresight simulate twice, one after the other: same peak.
  return {
    agents,
    intervals,
    heapBytes: HEAP_BYTES_BASE + agents * HEAP_BYTES_PER_AGENT + agents * intervals * HEAP_BYTES_PER_AGENT_INTERVAL,
    outputBytes: agents * span.reportedIntervals * OUTPUT_BYTES_PER_AGENT_INTERVAL,
  };
}

const size = (b: number): string => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GB` : `${Math.ceil(b / 2 ** 20)} MB`);

/**
 * Why the run does not fit this process (its V8 heap limit, which `--max-old-space-size`
 * sets) or the disk under `outDir`, with the estimate and what to change; undefined when it fits.
 */
export function footprintProblem(config: ScenarioConfig, outDir?: string): string | undefined {
  const f = estimateFootprint(config);
  const heap = getHeapStatistics().heap_size_limit;
  // Made only for a message: the first toLocaleString of a process loads ICU's number formats
  // (~13 ms of CPU), and a batch's main thread checks every run before the first starts.
  const sizeText = (): string => `${f.agents.toLocaleString('en-US')} agents × ${f.intervals.toLocaleString('en-US')} intervals`;
  if (f.heapBytes > heap) {
    return (
      `too large to run in this process: ${sizeText()} need about ${size(f.heapBytes)} of memory ` +
      `(${HEAP_BYTES_PER_AGENT / 1000} kB per agent and ${HEAP_BYTES_PER_AGENT_INTERVAL} B per agent-interval, measured; engine/footprint.ts), ` +
      `above this process's heap of ${size(heap)}. Run fewer agents or days${config.warmUpDays > 0 ? ` (warm-up days count: ${config.warmUpDays} here)` : ''}, split the population into a batch of runs, ` +
      `or give node more heap if the machine has the memory: NODE_OPTIONS=--max-old-space-size=${Math.ceil((f.heapBytes * 1.2) / 2 ** 20)}`
    );
  }
  if (outDir !== undefined) {
    let free: number;
    try {
      const st = statfsSync(outDir);
      free = st.bavail * st.bsize;
    } catch {
      return undefined;
    }
    if (f.outputBytes > free) return `too large for the disk: ${sizeText()} write about ${size(f.outputBytes)} of results (agents.csv), and ${outDir} has ${size(free)} free. Write elsewhere (--out), or run fewer agents or days`;
  }
  return undefined;
}

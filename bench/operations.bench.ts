/**
 * The cost of a distribution operator that commands every home every interval: N homes behind
 * a 100 kW feeder head (a heatwave day; the head is over its limit all day), the DSO
 * (`operations:`) commanding each of them every interval, the whole day (96 intervals), every
 * output written (events.csv gets three rows per commanded home and interval) — against the
 * same homes on the same feeder with no operator, interleaved in the same process, medians of
 * three pairs after an untimed one. A run with an operator also runs the day once without it
 * (the counterfactual its baselines and `overloadIntervalsAvoided` come from), so the ratio is
 * at least 2 by design; the rest is the operator's work per command: the dispatch, each home's
 * answer, its DR settlement (decimals) and its event rows.
 *
 * Two rows: with `comms: ideal`, and the same on a communication plane (demand response
 * 0.5–30 s, as in the comms suite), where each command is also a signed message with a reply,
 * and the final settlement from the MDMS settles every command again. Both CPU time
 * (process.cpuUsage, all threads: the figure to trust on a shared machine), with the wall
 * times and the load average in the note. `GRIDBID_OPS_BENCH_HOMES` changes N (default 1,000).
 *
 * Targets (docs/performance.md, 2026-12-06, load average 4–10): main at 6aa43fd measured 11.5×
 * with `comms: ideal` and 29.0× on the plane; after audit Z-ops (the plane's commands no longer
 * do Ed25519 arithmetic for the run's own envelopes, nothing kept per command but 64 B) 10.5–10.8×
 * and 12.2×. The plane's target, ≤ 14×, is that with room for this host's swing (the baseline
 * run is short, 0.4–0.9 s of CPU, and moves ±25 % between rounds); the ideal row's, ≤ 12×, guards
 * against a regression only (main met it too: its per-command work is making and writing the
 * events, which this audit did not change).
 */
import { loadavg } from 'node:os';
import { parseScenario, type Scenario } from '../engine/scenario/load.ts';
import type { BenchRow, BenchSuite } from './harness.ts';
import { interleavedPairs } from './timeRun.ts';

/** N homes behind a 100 kW feeder head, with or without the DSO commanding them, with or without a plane. */
export function commandedFeeder(homes: number, operator: boolean, plane: boolean): Scenario {
  const text = `name: bench-operations
start: 2026-07-01T00:00:00Z
days: 1
intervalMinutes: 15
weather: { temperature: heatwave, sky: clear }
market:
  mechanism: double-auction
network:
  baseKva: 1000
  buses:
    - { id: grid, reference: true }
    - { id: sub }
  branches:
    - { id: feeder-head, kind: transformer, from: grid, to: sub, reactancePu: 0.04, resistancePu: 0.01, limitKw: 100 }
${plane ? 'comms:\n  classes:\n    demand-response: { latency: { distribution: uniform, minMs: 500, maxMs: 30000 } }\n' : ''}${operator ? 'operations:\n  - { id: dso, watch: [feeder-head], headroomPct: 2, eventPriceMwh: 300 }\n' : ''}agents:
  - kind: generator
    id: plant
    bus: grid
    offers: [{ kw: 200000, priceMwh: 50 }]
  - kind: home
    idPrefix: home
    count: ${homes}
    bus: sub
    baseLoad: { annualKwh: 3800 }
    flexibility: { share: 0.5 }
    hvac: { share: 1, mode: cool, band: { lowC: 20, highC: 25 }, setpointC: 22.5 }
`;
  return parseScenario(text, `bench: ${homes} homes${operator ? ', commanded' : ''}${plane ? ', plane' : ''}`);
}

const ROUNDS = 3;
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const seconds = (xs: Array<{ cpuMs: number }>): string => xs.map((x) => (x.cpuMs / 1000).toFixed(2)).join(', ');

export const suite: BenchSuite = {
  name: 'operations',
  async run() {
    const homes = Number(process.env.GRIDBID_OPS_BENCH_HOMES ?? 1000);
    const rows: BenchRow[] = [];
    for (const plane of [false, true]) {
      const { on, off } = await interleavedPairs(commandedFeeder(homes, false, plane), commandedFeeder(homes, true, plane), ROUNDS);
      const where = plane ? 'on a communication plane (DR latency 0.5–30 s; signed commands and replies, final settlement from the MDMS)' : 'comms: ideal';
      rows.push({
        suite: 'operations',
        case: `${homes} homes behind a 100 kW feeder head, the DSO commanding every home every interval, the whole day (96 intervals), all outputs written, ${where}: CPU time`,
        ms: med(on.map((x) => x.cpuMs)),
        baseline: `the same homes and feeder with no operator${plane ? ', on the plane' : ''}, CPU time`,
        baselineMs: med(off.map((x) => x.cpuMs)),
        target: { max: plane ? 14 : 12, of: 'ratio' },
        note: `process.cpuUsage, all threads; medians of ${ROUNDS} interleaved pairs after an untimed one: rounds ${seconds(on)} s against ${seconds(off)} s; wall medians ${(med(on.map((x) => x.wallMs)) / 1000).toFixed(2)} s against ${(med(off.map((x) => x.wallMs)) / 1000).toFixed(2)} s; load average ${loadavg()[0]!.toFixed(1)} at the end (2 cores shared)`,
      });
    }
    return rows;
  },
};

/**
 * Issue 17: the cost of the communication plane. evening-peak × 13 (~10,000 agents, the
 * whole day: 96 intervals, every output written) with every message modelled — each bid and
 * offer, award, price broadcast, member's curve and share, operator command and reply, and
 * meter read a message on the plane, with its latency, loss, retries, HMAC seal and check,
 * and messages.csv row — against the same run with
 * `comms: ideal`, interleaved in the same process, medians of three pairs after an untimed one
 * (a process's first runs also compile the engine and the plane). Target ≤ 1.5×.
 *
 * Two rows from the same runs: CPU time (process.cpuUsage: every thread of the process,
 * the garbage collector's helpers included) — the figure to trust on a shared machine —
 * and wall time, with the load average at the end (other processes take cores from both
 * alike, but not evenly). `GRIDBID_COMMS_BENCH_INTERVALS` shortens the day for a quick look
 * (the row then says how many intervals it ran).
 *
 * The plane is the DOE 2010 defaults (comms/applicationClasses.ts) except demand response,
 * whose latency is 0.5–30 s as in scenarios/ami-congestion.yaml: with the default 0.5–180 s,
 * two thirds of the bids (sent a minute before the gate) would miss it and the market would
 * clear a different, smaller book — a different run, not the same run's messages.
 */
import { loadavg } from 'node:os';
import type { Scenario } from '../engine/scenario/load.ts';
import { agentCount, scaledEveningPeak } from './eveningPeak.bench.ts';
import type { BenchRow, BenchSuite } from './harness.ts';
import { interleavedPairs } from './timeRun.ts';

/** `scenario` with every message on a plane (see the module note). */
export function withPlane(s: Scenario): Scenario {
  return { ...s, config: { ...s.config, comms: { classes: { 'demand-response': { latency: { distribution: 'uniform', minMs: 500, maxMs: 30_000 } } }, links: [] } } };
}

/** Timed pairs (ideal, plane), interleaved, after one untimed pair; the rows take their medians. */
const ROUNDS = 3;

export const suite: BenchSuite = {
  name: 'comms',
  async run() {
    const intervals = Number(process.env.GRIDBID_COMMS_BENCH_INTERVALS ?? 96);
    const ideal = scaledEveningPeak(13, intervals / 96);
    const plane = withPlane(ideal);
    const { on, off } = await interleavedPairs(ideal, plane, ROUNDS);
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const load = loadavg()[0]!.toFixed(1);
    const day = `evening-peak × 13, ${agentCount(ideal)} agents, ${intervals === 96 ? 'the whole day (96 intervals)' : `${intervals} of 96 intervals`}, all outputs written`;
    const what = 'every message on the communication plane (bids, offers, members’ curves and shares, awards, prices, commands and replies, sealed and checked meter reads; messages.csv)';
    return [
      {
        suite: 'comms',
        case: `${day}, ${what}: CPU time`,
        ms: med(on.map((x) => x.cpuMs)),
        baseline: 'the same run with comms: ideal, CPU time',
        baselineMs: med(off.map((x) => x.cpuMs)),
        target: { max: 1.5, of: 'ratio' },
        note: `process.cpuUsage, all threads; medians of ${ROUNDS} interleaved pairs after an untimed one: rounds ${on.map((x) => (x.cpuMs / 1000).toFixed(2)).join(', ')} s against ${off.map((x) => (x.cpuMs / 1000).toFixed(2)).join(', ')} s`,
      },
      {
        suite: 'comms',
        case: `${day}, ${what}: wall time`,
        ms: med(on.map((x) => x.wallMs)),
        baseline: 'the same run with comms: ideal, wall time',
        baselineMs: med(off.map((x) => x.wallMs)),
        target: { max: 1.5, of: 'ratio' },
        note: `load average ${load} at the end (2 cores shared)`,
      },
    ] satisfies BenchRow[];
  },
};

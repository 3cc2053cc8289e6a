/**
 * Issue 17: the cost of the communication plane. evening-peak × 13 (~10,000 agents, one
 * day, every output written) with every message modelled — each bid, award, operator
 * command and meter read a message on the plane, with its latency, loss, retries, HMAC
 * seal and messages.csv row — against the same run with `comms: ideal`, interleaved in
 * the same process. Target ≤ 1.5×.
 *
 * The plane is the DOE 2010 defaults (comms/applicationClasses.ts) except demand response,
 * whose latency is 0.5–30 s as in scenarios/ami-congestion.yaml: with the default 0.5–180 s,
 * two thirds of the bids (sent a minute before the gate) would miss it and the market would
 * clear a different, smaller book — a different run, not the same run's messages.
 */
import type { Scenario } from '../engine/scenario/load.ts';
import { agentCount, scaledEveningPeak } from './eveningPeak.bench.ts';
import type { BenchRow, BenchSuite } from './harness.ts';
import { timeRun } from './timeRun.ts';

/** `scenario` with every message on a plane (see the module note). */
export function withPlane(s: Scenario): Scenario {
  return { ...s, config: { ...s.config, comms: { classes: { 'demand-response': { latency: { distribution: 'uniform', minMs: 500, maxMs: 30_000 } } }, links: [] } } };
}

export const suite: BenchSuite = {
  name: 'comms',
  async run() {
    const intervals = Number(process.env.GRIDBID_COMMS_BENCH_INTERVALS ?? 96);
    const ideal = scaledEveningPeak(13, intervals / 96);
    const plane = withPlane(ideal);
    const on: number[] = [];
    const off: number[] = [];
    for (let r = 0; r < 3; r++) {
      off.push(await timeRun(ideal));
      on.push(await timeRun(plane));
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const day = `evening-peak × 13, ${agentCount(ideal)} agents, ${intervals} intervals, all outputs written`;
    const rows: BenchRow[] = [
      {
        suite: 'comms',
        case: `${day}, every message on the communication plane (bids, offers, members’ curves and shares, awards, prices, commands and replies, sealed meter reads; messages.csv)`,
        ms: med(on),
        baseline: `the same run with comms: ideal`,
        baselineMs: med(off),
        target: { max: 1.5, of: 'ratio' },
      },
    ];
    return rows;
  },
};

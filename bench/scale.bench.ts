/**
 * The scaling curve (issue 16), opt-in: `npm run bench -- scale`.
 *
 * evening-peak × 13, × 130 and × 1300 (10,013, 100,103 and 1,001,003 agents), each over
 * the full day (96 intervals) with every output written, each in its own child process
 * (bench/eveningPeakChild.ts): wall time, CPU time, peak RSS and bytes written, and the
 * linearity figure, wall time per agent-interval, at each size. The 1M run gets a V8
 * heap of 11 GB (the default, about 4 GB, cannot hold it); its targets are ≤ 15 min and
 * ≤ 12 GB on this 2-core, 24 GB machine. Outputs are CSV: `--format parquet` is another
 * branch's and had not landed when this was written.
 *
 * `GRIDBID_SCALE_FACTORS=13,130` (comma-separated) runs other sizes, e.g. to leave the 1M
 * run out on a busy machine; `GRIDBID_SCALE_INTERVALS` fewer intervals (then the rows
 * say so, and the targets, which are for the full day, are not applied).
 */
import type { BenchRow, BenchSuite } from './harness.ts';
import { agentCount, type ChildMeasure, loadNote, measureInChild, scaledEveningPeak } from './eveningPeak.bench.ts';

const FACTORS = (process.env.GRIDBID_SCALE_FACTORS ?? '13,130,1300').split(',').map(Number);
const INTERVALS = Number(process.env.GRIDBID_SCALE_INTERVALS ?? 96);
/** Child heap limit per size, MB: the default limit (about 4 GB here) is too small from about 300k agents. */
const heapFor = (agents: number): number | undefined => (agents > 300_000 ? 11_264 : undefined);

export const suite: BenchSuite = {
  name: 'scale',
  async run() {
    const rows: BenchRow[] = [];
    const fullDay = INTERVALS === 96;
    let first: { perAgentIntervalUs: number; cpuPerAgentIntervalUs: number; label: string } | undefined;
    for (const factor of FACTORS) {
      const agents = agentCount(scaledEveningPeak(factor));
      const before = loadNote();
      process.stderr.write(`  evening-peak × ${factor} (${agents} agents, ${INTERVALS} intervals)…\n`);
      const m: ChildMeasure = measureInChild(factor, INTERVALS, heapFor(agents));
      const perAgentIntervalUs = (m.ms * 1000) / (agents * INTERVALS);
      const cpuPerAgentIntervalUs = (m.cpuMs * 1000) / (agents * INTERVALS);
      const label = `evening-peak × ${factor}, ${agents.toLocaleString('en-US')} agents, ${fullDay ? 'full day (96 intervals)' : `${INTERVALS} intervals (NOT the full day)`}, all outputs (CSV), child process`;
      const million = agents >= 1_000_000 && fullDay;
      const notes = `CPU ${(m.cpuMs / 1000).toFixed(1)} s; ${(m.bytesWritten / 1e9).toFixed(2)} GB written; ${before} at start, ${loadNote()} at end`;
      rows.push(
        { suite: 'scale', case: `${label}: wall time`, ms: m.ms, ...(million ? { target: { max: 15 * 60_000, of: 'ms' as const } } : {}), note: notes },
        { suite: 'scale', case: `${label}: peak RSS`, ms: m.maxRssMb, unit: 'MB', ...(million ? { target: { max: 12 * 1024, of: 'MB' as const } } : {}), note: `heap after the run ${m.heapMb.toFixed(0)} MB` },
      );
      first ??= { perAgentIntervalUs, cpuPerAgentIntervalUs, label: `× ${factor}` };
      rows.push({
        suite: 'scale',
        case: `${label}: wall time per agent-interval (µs) vs ${first.label}'s`,
        ms: perAgentIntervalUs,
        baseline: `${first.label}, same run (µs per agent-interval)`,
        baselineMs: first.perAgentIntervalUs,
        unit: 'µs',
        // On a machine shared by several people wall time follows the load; CPU time much less.
        note: `linearity: 1.00 is linear in agents; CPU ${cpuPerAgentIntervalUs.toFixed(1)} µs per agent-interval, ${(cpuPerAgentIntervalUs / first.cpuPerAgentIntervalUs).toFixed(2)}× ${first.label}'s`,
      });
    }
    return rows;
  },
};

/**
 * The scaling curve (issue 16), opt-in: `npm run bench -- scale`.
 *
 * evening-peak × 13, × 130 and × 1300 (10,013, 100,103 and 1,001,003 agents), each over
 * the full day (96 intervals) with every output written, the tables as Parquet alone
 * (`--format parquet`, streamed while the run goes: output/parquetStream.ts), each in its
 * own child process (bench/eveningPeakChild.ts): wall time, CPU time, peak RSS and bytes
 * written, and the linearity figure, wall time per agent-interval, at each size. RSS and
 * CPU count both processes of a run: the simulation's and its DuckDB writer's (peak RSS
 * as the sum of the two peaks, an upper bound on what they held at once). The 1M run gets
 * a V8 heap of 11 GB (the default, about 4 GB, cannot hold it) and prints its progress;
 * its targets are ≤ 15 min and ≤ 12 GB on this 2-core, 24 GB machine.
 *
 * Sizes up to 100k agents are also run with CSV alone, for the cost of the columnar
 * output: CPU, peak RSS and bytes of `--format parquet` over `--format csv`, and the
 * writer's CPU per table row.
 *
 * `GRIDBID_SCALE_FACTORS=13,130` (comma-separated) runs other sizes, e.g. to leave the 1M
 * run out on a busy machine; `GRIDBID_SCALE_INTERVALS` fewer intervals (then the rows
 * say so, and the targets, which are for the full day, are not applied);
 * `GRIDBID_SCALE_FORMAT=csv` the old CSV curve.
 */
import type { BenchRow, BenchSuite } from './harness.ts';
import { agentCount, type ChildMeasure, loadNote, measureInChild, scaledEveningPeak } from './eveningPeak.bench.ts';

const FACTORS = (process.env.GRIDBID_SCALE_FACTORS ?? '13,130,1300').split(',').map(Number);
const INTERVALS = Number(process.env.GRIDBID_SCALE_INTERVALS ?? 96);
const FORMAT = process.env.GRIDBID_SCALE_FORMAT ?? 'parquet';
/** Sizes also run with CSV alone, for the Parquet-vs-CSV rows. */
const COMPARE_UP_TO_AGENTS = 200_000;
/** Child heap limit per size, MB: the default limit (about 4 GB here) is too small from about 300k agents. */
const heapFor = (agents: number): number | undefined => (agents > 300_000 ? 11_264 : undefined);

const totalCpuMs = (m: ChildMeasure): number => m.cpuMs + m.writerCpuMs;
const totalRssMb = (m: ChildMeasure): number => m.maxRssMb + m.writerRssMb;

export const suite: BenchSuite = {
  name: 'scale',
  async run() {
    const rows: BenchRow[] = [];
    const fullDay = INTERVALS === 96;
    const curve: string[] = [];
    let first: { perAgentIntervalUs: number; cpuPerAgentIntervalUs: number; label: string } | undefined;
    for (const factor of FACTORS) {
      const agents = agentCount(scaledEveningPeak(factor));
      const before = loadNote();
      const million = agents >= 1_000_000;
      process.stderr.write(`  evening-peak × ${factor} (${agents} agents, ${INTERVALS} intervals, --format ${FORMAT})…\n`);
      const m: ChildMeasure = measureInChild(factor, INTERVALS, heapFor(agents), { format: FORMAT, progress: million });
      const after = loadNote();
      // Each size as it completes (the table comes at the end, an hour later with the 1M run).
      process.stderr.write(`    ${(m.ms / 1000).toFixed(1)} s wall, ${(totalCpuMs(m) / 1000).toFixed(1)} s CPU, ${(totalRssMb(m) / 1024).toFixed(2)} GB peak RSS, ${(m.bytesWritten / 1e9).toFixed(3)} GB written; ${after}\n`);
      const perAgentIntervalUs = (m.ms * 1000) / (agents * INTERVALS);
      const cpuPerAgentIntervalUs = (totalCpuMs(m) * 1000) / (agents * INTERVALS);
      const label = `evening-peak × ${factor}, ${agents.toLocaleString('en-US')} agents, ${fullDay ? 'full day (96 intervals)' : `${INTERVALS} intervals (NOT the full day)`}, all outputs (${FORMAT === 'parquet' ? 'tables as Parquet' : `--format ${FORMAT}`}), child process`;
      const targets = million && fullDay;
      const writer = m.writerCpuMs > 0 ? `; of which the DuckDB writer ${(m.writerCpuMs / 1000).toFixed(1)} s CPU, ${m.writerRssMb.toFixed(0)} MB peak RSS` : '';
      rows.push(
        {
          suite: 'scale',
          case: `${label}: wall time`,
          ms: m.ms,
          ...(targets ? { target: { max: 15 * 60_000, of: 'ms' as const } } : {}),
          note: `CPU ${(totalCpuMs(m) / 1000).toFixed(1)} s (both processes)${writer}; ${(m.bytesWritten / 1e9).toFixed(3)} GB written; ${before} at start, ${after} at end`,
        },
        {
          suite: 'scale',
          case: `${label}: peak RSS (simulation + writer)`,
          ms: totalRssMb(m),
          unit: 'MB',
          ...(targets ? { target: { max: 12 * 1024, of: 'MB' as const } } : {}),
          note: `simulation ${m.maxRssMb.toFixed(0)} MB + writer ${m.writerRssMb.toFixed(0)} MB (peaks summed); heap after the run ${m.heapMb.toFixed(0)} MB; ${((totalRssMb(m) * 2 ** 20) / agents / 1024).toFixed(1)} KB per agent`,
        },
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
      curve.push(
        `  ${agents.toLocaleString('en-US').padStart(9)}  ${(m.ms / 1000).toFixed(1).padStart(7)} s  ${(totalCpuMs(m) / 1000).toFixed(1).padStart(7)} s  ${(totalRssMb(m) / 1024).toFixed(2).padStart(6)} GB  ${(m.bytesWritten / 1e9).toFixed(3).padStart(7)} GB  ${perAgentIntervalUs.toFixed(2).padStart(6)} µs  ${cpuPerAgentIntervalUs.toFixed(2).padStart(6)} µs`,
      );

      if (FORMAT !== 'csv' && agents <= COMPARE_UP_TO_AGENTS) {
        process.stderr.write(`  evening-peak × ${factor}, --format csv, for comparison…\n`);
        const csv = measureInChild(factor, INTERVALS, heapFor(agents), { format: 'csv' });
        // The table rows a run writes: one per agent and interval in agents.csv, the rest (intervals, flows, bills …) a few per cent.
        const agentRows = agents * INTERVALS;
        rows.push(
          {
            suite: 'scale',
            case: `evening-peak × ${factor}: CPU time, --format ${FORMAT} vs --format csv (both processes)`,
            ms: totalCpuMs(m),
            baseline: `--format csv, same size, same bench run (${(totalCpuMs(csv) / 1000).toFixed(1)} s CPU)`,
            baselineMs: totalCpuMs(csv),
            note: `writer cost ${(((totalCpuMs(m) - totalCpuMs(csv)) * 1e6) / agentRows).toFixed(0)} ns CPU per agents-table row over CSV (DuckDB child alone: ${((m.writerCpuMs * 1e6) / agentRows).toFixed(0)} ns per row); wall ${(m.ms / 1000).toFixed(1)} s vs ${(csv.ms / 1000).toFixed(1)} s; ${loadNote()}`,
          },
          {
            suite: 'scale',
            case: `evening-peak × ${factor}: peak RSS, --format ${FORMAT} vs --format csv`,
            ms: totalRssMb(m),
            unit: 'MB',
            baseline: `--format csv (${csv.maxRssMb.toFixed(0)} MB)`,
            baselineMs: csv.maxRssMb,
            note: `simulation ${m.maxRssMb.toFixed(0)} MB + DuckDB writer ${m.writerRssMb.toFixed(0)} MB`,
          },
          {
            suite: 'scale',
            case: `evening-peak × ${factor}: bytes written, --format ${FORMAT} vs --format csv`,
            ms: m.bytesWritten / 2 ** 20,
            unit: 'MB',
            baseline: `--format csv (${(csv.bytesWritten / 2 ** 20).toFixed(0)} MB)`,
            baselineMs: csv.bytesWritten / 2 ** 20,
          },
        );
      }
    }
    process.stderr.write(`\nscaling curve (--format ${FORMAT}, ${INTERVALS} intervals):\n     agents     wall      CPU      RSS    written  wall/agent-interval  CPU/agent-interval\n${curve.join('\n')}\n\n`);
    return rows;
  },
};

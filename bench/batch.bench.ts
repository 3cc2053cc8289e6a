/**
 * `gridbid batch` in parallel: the same 12-run sweep on 1 and on 2 worker threads,
 * timed end to end (planning, worker start-up, runs, summary and report), in the
 * same bench run. Each run is the default scenario scaled to HOMES homes so that a
 * run takes a few seconds and worker start-up (about a second: tsx and the engine
 * modules load in every worker) does not dominate. Also checks that summary.csv is
 * byte-identical for both worker counts, and fails if it is not.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runBatch } from '../batch/runBatch.ts';
import type { BenchRow, BenchSuite } from './harness.ts';

const HOMES = 4000;
const RUNS = 12;

/** The default scenario with `homes` homes and its plant scaled in proportion, as YAML. */
function scaledDefaultYaml(homes: number): string {
  const raw = parse(readFileSync('scenarios/default.yaml', 'utf8')) as { name: string; agents: Array<Record<string, unknown>> };
  const factor = homes / 100;
  raw.name = `default-${homes}-homes`;
  for (const g of raw.agents) {
    if (g.kind === 'home') g.count = homes;
    if (g.kind === 'generator') g.offers = (g.offers as Array<{ kw: number; priceMwh: number }>).map((o) => ({ ...o, kw: o.kw * factor }));
  }
  return stringify(raw);
}

export const suite: BenchSuite = {
  name: 'batch',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-bench-batch-'));
    try {
      writeFileSync(join(dir, 'base.yaml'), scaledDefaultYaml(HOMES));
      // 2 pricings × 3 price rules × 2 seeds = 12 runs.
      writeFileSync(
        join(dir, 'sweep.yaml'),
        'name: bench\nbase: base.yaml\ngrid:\n  market.pricing: [uniform, pay-as-bid]\n  market.priceRule: [partial-block, marginal-offer, midpoint]\nreplications: 2\n',
      );
      const time = async (workers: number): Promise<{ ms: number; cores: number; csv: Buffer }> => {
        const outDir = join(dir, `workers-${workers}`);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const r = await runBatch({ target: join(dir, 'sweep.yaml'), outDir, workers });
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        if (r.ok !== RUNS) throw new Error(`batch bench: ${r.ok} of ${RUNS} runs ok (${r.rows.find((x) => x?.status === 'failed')?.error ?? ''})`);
        // CPU time of all threads over wall time: how many cores the batch actually got.
        return { ms, cores: (cpu.user + cpu.system) / 1000 / ms, csv: readFileSync(join(outDir, 'summary.csv')) };
      };
      const load = loadavg()[0]!; // other work on the machine takes cores from the 2-worker case
      const one = await time(1);
      const two = await time(2);
      if (!one.csv.equals(two.csv)) throw new Error('batch bench: summary.csv differs between 1 and 2 workers');
      const rows: BenchRow[] = [
        {
          suite: 'batch',
          case: `${RUNS}-run sweep, ${HOMES} homes × 1 day each, 2 workers`,
          ms: two.ms,
          baseline: '1 worker',
          baselineMs: one.ms,
          // 2 workers at least 1.8× as fast as 1.
          target: { max: 0.556, of: 'ratio' },
          note: `summary.csv byte-identical; ${(one.ms / RUNS / 1000).toFixed(1)} s per run on 1 worker; cores used ${one.cores.toFixed(2)} (1 worker), ${two.cores.toFixed(2)} (2 workers); load average before ${load.toFixed(2)}`,
        },
      ];
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

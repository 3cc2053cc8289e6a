/**
 * `gridbid batch` in parallel: the same 12-run sweep on 1 and on 2 worker threads,
 * timed end to end (planning, worker start-up, runs, summary and report), in the
 * same bench run. Each run is the default scenario scaled to HOMES homes (chosen when a
 * run took a few seconds; since the 2026-12-05 speed-ups a later run takes ~0.75 s compiled,
 * ~0.9 s from the sources, so each worker's fixed start — loading the engine, ~0.15 s CPU
 * from the bundle, and warming its JIT, ~0.35 s more in its first run — weighs more: docs/performance.md).
 * Also checks that summary.csv is
 * byte-identical for both worker counts, and fails if it is not.
 *
 * The first row calls runBatch from the TypeScript sources (its workers load them through
 * tsx), in a child process started with the node options of the `batch` npm script (read
 * from package.json), so it runs under the V8 options `npm run batch` gives (such as
 * --single-threaded, which is per process); `npm run batch` itself runs the compiled
 * dist/, as the installed bin of the second row does.
 *
 * Figures in the note, per case: "CPU" is the CPU time of all the batch's threads (what
 * two workers spend beyond one shows there: each worker loads the engine and warms up its
 * JIT, and two at once share the caches); "cores used" is that CPU time over the wall time; "other processes" is the CPU time the rest of the
 * machine took meanwhile (from /proc/stat), so a measurement disturbed by other
 * work on this shared machine shows as such; "run times" split each batch into the
 * workers' first runs (which warm V8 up) and the later ones (which show what two workers
 * running at once cost each other), from the run folders' files (runTimes). GRIDBID_BENCH_BATCH_ROUNDS=n (default 5:
 * on this shared host single rounds of the same code spread from 0.37 to 0.75, docs/performance.md)
 * repeats the pair n times in the order 1, 2, 2, 1, 1, 2 … and reports the median ratio.
 *
 * A second row times the same sweep with the installed `gridbid batch` command, as a
 * user runs it: the package packed (`npm pack`, dist/ built first) and installed into a
 * new project (offline from the npm cache, as test/package/consumer.spec.ts does); each
 * batch is its own process started from node_modules/.bin/gridbid (the compiled worker
 * threads; the bin starts node again with --single-threaded, cli/relaunch.ts), its CPU
 * time read from /proc/self/stat (children's user + system, the relaunched node's included).
 * Both rows time the batches with `--no-database`: writing results.duckdb (batch/database.ts)
 * is serial work at the end, timed on its own in a third row (after each 1-worker batch of
 * the first row, from that batch's folder) against the 1-worker batch it follows.
 *
 * Run alone: node <flags of the batch script> --import tsx bench/batch.bench.ts --child
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { okRunIds, runBatch } from '../batch/runBatch.ts';
import { writeResultsDatabase } from '../batch/database.ts';
import type { BenchRow, BenchSuite } from './harness.ts';
import { ensureBuilt } from '../test/helpers/build.ts';
import { PARALLEL_NODE_FLAGS } from '../cli/relaunch.ts';

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

/** The node options of `npm run batch` (package.json: `node <options> bin/gridbid.js batch`). */
export function batchNodeOptions(): string[] {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.batch ?? '';
  const m = /^node((?:\s+--[\w-]+(?:=\S+)?)*)\s+bin\/gridbid\.js\s+batch$/.exec(script.trim());
  if (!m) throw new Error(`batch bench: cannot read node options from the batch script '${script}'`);
  return m[1]!.trim().split(/\s+/).filter((s) => s !== '');
}

/** CPU time of the whole machine so far, ms (Linux; undefined elsewhere). */
function machineCpuMs(): number | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait, in USER_HZ (100 per second).
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) * 10;
}

interface Case {
  readonly workers: number;
  readonly ms: number;
  readonly cores: number;
  readonly others: number | undefined;
  readonly code: string | undefined;
  /** results.duckdb written afterwards from this batch's folder, ms (1-worker source cases). */
  readonly databaseMs?: number | undefined;
  /** Median run time of each worker's first run, and of the later runs, ms (runTimes). */
  readonly firstRunMs: number;
  readonly laterRunMs: number;
}

/**
 * How long the runs of a batch folder took, from their files: a worker writes the run's
 * scenario.yaml first (batch/worker.ts) and its DONE marker last. The `workers` runs that
 * started first are the workers' first runs, which also warm up V8 (compiling the engine on
 * the worker's own thread under --single-threaded); the rest show what two workers at once
 * cost each other. Medians of each, ms.
 */
function runTimes(outDir: string, workers: number): { firstRunMs: number; laterRunMs: number } {
  const runs = readdirSync(outDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const start = statSync(join(outDir, e.name, 'scenario.yaml')).mtimeMs;
      return { start, ms: statSync(join(outDir, e.name, 'DONE')).mtimeMs - start };
    })
    .sort((a, b) => a.start - b.start);
  return { firstRunMs: median(runs.slice(0, workers).map((r) => r.ms)), laterRunMs: median(runs.slice(workers).map((r) => r.ms)) };
}

interface ChildResult {
  readonly options: string[];
  readonly load: number;
  readonly cases: Case[];
}

/** The bench's sweep in `dir` (sweep.yaml and its base): 2 pricings × 3 price rules × 2 seeds = 12 runs. */
function writeSweep(dir: string): void {
  writeFileSync(join(dir, 'base.yaml'), scaledDefaultYaml(HOMES));
  writeFileSync(
    join(dir, 'sweep.yaml'),
    'name: bench\nbase: base.yaml\ngrid:\n  market.pricing: [uniform, pay-as-bid]\n  market.priceRule: [partial-block, marginal-offer, midpoint]\nreplications: 2\n',
  );
}

/** CPU time of this process's waited-for children so far, ms (Linux: /proc/self/stat cutime + cstime). */
function childrenCpuMs(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of proc(5), counted from the state (field 3) here.
  return (Number(f[13]) + Number(f[14])) * 10;
}

/** The sweep through the installed `gridbid batch` command: pack, install into a new project, time rounds. */
function measureInstalled(rounds: number): ChildResult {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-bench-bin-'));
  try {
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { encoding: 'utf8' })) as Array<{ filename: string }>;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(dir, info!.filename)], { cwd: dir, stdio: 'pipe' });
    writeSweep(dir);
    const bin = join(dir, 'node_modules', '.bin', 'gridbid');
    let csv: Buffer | undefined;
    let n = 0;
    const time = (workers: number): Case => {
      const outDir = join(dir, `workers-${workers}-${n++}`);
      const cpu0 = childrenCpuMs();
      const machine0 = machineCpuMs();
      const t0 = performance.now();
      const r = spawnSync(bin, ['batch', 'sweep.yaml', '--out', outDir, '--workers', String(workers), '--no-database'], { cwd: dir, encoding: 'utf8' });
      const ms = performance.now() - t0;
      const cpu1 = childrenCpuMs();
      const machine1 = machineCpuMs();
      if (r.status !== 0) throw new Error(`batch bench: the installed gridbid batch exited with ${r.status ?? r.signal}: ${r.stderr}`);
      const text = readFileSync(join(outDir, 'summary.csv'));
      if (csv && !csv.equals(text)) throw new Error('batch bench: summary.csv differs between 1 and 2 workers (installed bin)');
      csv = text;
      const runs = runTimes(outDir, workers);
      rmSync(outDir, { recursive: true, force: true });
      const own = cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0;
      return {
        workers,
        ms,
        cores: own === undefined ? NaN : own / ms,
        others: machine0 === undefined || machine1 === undefined || own === undefined ? undefined : Math.max(0, machine1 - machine0 - own) / ms,
        code: 'compiled (installed bin)',
        ...runs,
      };
    };
    const load = loadavg()[0]!;
    const cases: Case[] = [];
    for (let i = 0; i < rounds; i++) for (const w of i % 2 === 0 ? [1, 2] : [2, 1]) cases.push(time(w));
    // The shebang's options, then what the bin adds when it starts node again for `batch` (cli/relaunch.ts).
    return { options: ['--max-semi-space-size=64', ...PARALLEL_NODE_FLAGS, '(the bin, started again with the flag)'], load, cases };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The measurement itself, in the child process. */
async function measure(rounds: number): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-bench-batch-'));
  try {
    writeSweep(dir);
    let csv: Buffer | undefined;
    let n = 0;
    const time = async (workers: number): Promise<Case> => {
      const outDir = join(dir, `workers-${workers}-${n++}`);
      const cpu0 = process.cpuUsage();
      const machine0 = machineCpuMs();
      const t0 = performance.now();
      const r = await runBatch({ target: join(dir, 'sweep.yaml'), outDir, workers, database: false });
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const machine1 = machineCpuMs();
      if (r.ok !== RUNS) throw new Error(`batch bench: ${r.ok} of ${RUNS} runs ok (${r.rows.find((x) => x?.status === 'failed')?.error ?? ''})`);
      const text = readFileSync(join(outDir, 'summary.csv'));
      if (csv && !csv.equals(text)) throw new Error('batch bench: summary.csv differs between 1 and 2 workers');
      csv = text;
      let databaseMs: number | undefined;
      if (workers === 1) {
        const d0 = performance.now();
        await writeResultsDatabase(outDir, okRunIds(r.plan, r.rows));
        databaseMs = performance.now() - d0;
      }
      const runs = runTimes(outDir, workers);
      rmSync(outDir, { recursive: true, force: true });
      const own = (cpu.user + cpu.system) / 1000;
      return {
        workers,
        ms,
        // CPU time of all threads over wall time: how many cores the batch actually got.
        cores: own / ms,
        others: machine0 === undefined || machine1 === undefined ? undefined : Math.max(0, machine1 - machine0 - own) / ms,
        code: r.workerCode,
        databaseMs,
        ...runs,
      };
    };
    const load = loadavg()[0]!; // other work on the machine takes cores from the 2-worker case
    const cases: Case[] = [];
    for (let i = 0; i < rounds; i++) for (const w of i % 2 === 0 ? [1, 2] : [2, 1]) cases.push(await time(w));
    return { options: process.execArgv.filter((a) => a.startsWith('--') && a !== '--import' && a !== 'tsx'), load, cases };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The row of one way of running the sweep: the median round's 2-worker time over its 1-worker time. */
function scalingRow(result: ChildResult, how: string): BenchRow {
  const ones = result.cases.filter((c) => c.workers === 1);
  const twos = result.cases.filter((c) => c.workers === 2);
  const ratios = ones.map((one, i) => twos[i]!.ms / one.ms);
  const fmt = (cs: Case[], f: (c: Case) => number | undefined): string => cs.map((c) => f(c)?.toFixed(2) ?? '?').join('/');
  // The round whose ratio is the median (the lower of the middle two for an even count).
  const at = ratios.indexOf([...ratios].sort((a, b) => a - b)[(ratios.length - 1) >> 1]!);
  return {
    suite: 'batch',
    case: `${RUNS}-run sweep, ${HOMES} homes × 1 day each, 2 workers${how}`,
    ms: twos[at]!.ms,
    baseline: '1 worker',
    baselineMs: ones[at]!.ms,
    // 2 workers at least 1.8× as fast as 1.
    target: { max: 0.556, of: 'ratio' },
    note:
      `summary.csv byte-identical; node ${result.options.join(' ')}; worker code ${twos[at]!.code}; ` +
      `${(ones[at]!.ms / RUNS / 1000).toFixed(1)} s per run on 1 worker; ` +
      (ratios.length > 1 ? `ratios ${ratios.map((r) => r.toFixed(3)).join(', ')} (median ${median(ratios).toFixed(3)}; round ${at + 1} shown); ` : '') +
      `CPU ${fmt(ones, (c) => (c.cores * c.ms) / 1000)} s (1 worker), ${fmt(twos, (c) => (c.cores * c.ms) / 1000)} s (2 workers); ` +
      `cores used ${fmt(ones, (c) => c.cores)} (1 worker), ${fmt(twos, (c) => c.cores)} (2 workers); ` +
      `run times (scenario.yaml to DONE, medians) first ${fmt(ones, (c) => c.firstRunMs / 1000)} s, later ${fmt(ones, (c) => c.laterRunMs / 1000)} s (1 worker), ` +
      `first ${fmt(twos, (c) => c.firstRunMs / 1000)} s, later ${fmt(twos, (c) => c.laterRunMs / 1000)} s (2 workers); ` +
      `other processes ${fmt(ones, (c) => c.others)} / ${fmt(twos, (c) => c.others)} cores; load average before ${result.load.toFixed(2)}`,
  };
}

const ROUNDS = Math.max(1, Number(process.env.GRIDBID_BENCH_BATCH_ROUNDS ?? 5) || 5);

export const suite: BenchSuite = {
  name: 'batch',
  async run() {
    const options = batchNodeOptions();
    const child = spawnSync(process.execPath, [...options, '--import', 'tsx', 'bench/batch.bench.ts', '--child'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    if (child.status !== 0) throw new Error(`batch bench: the measuring process exited with ${child.status ?? child.signal}`);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ChildResult;
    const ones = result.cases.filter((c) => c.workers === 1 && c.databaseMs !== undefined);
    const db = ones.map((c) => c.databaseMs!);
    const at = db.indexOf([...db].sort((a, b) => a - b)[(db.length - 1) >> 1]!);
    const databaseRow: BenchRow = {
      suite: 'batch',
      case: `results.duckdb of the ${RUNS}-run sweep (every run's tables, ~${((RUNS * (HOMES + 6) * 96) / 1e6).toFixed(1)}M agent rows)`,
      ms: db[at]!,
      baseline: 'the 1-worker batch',
      baselineMs: ones[at]!.ms,
      note: `written after the batch, from its CSV files; ${db.length > 1 ? `times ${db.map((x) => (x / 1000).toFixed(1)).join(', ')} s; ` : ''}load average before ${result.load.toFixed(2)}`,
    };
    return [scalingRow(result, ' (runBatch from the sources, npm run batch node options)'), databaseRow, scalingRow(measureInstalled(ROUNDS), ' (installed gridbid batch bin)')];
  },
};

if (process.argv.includes('--child')) {
  console.log(JSON.stringify(await measure(ROUNDS)));
}

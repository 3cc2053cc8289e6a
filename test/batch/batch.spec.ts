import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { runBatch } from '../../batch/runBatch.ts';
import { silentProgress } from '../../batch/progress.ts';
import { DATABASE_FILE } from '../../batch/database.ts';
import { flattenKpis } from '../../batch/summary.ts';
import { OUTPUT_FILES } from '../../output/recorder.ts';
import { gridbid, gridbidInProcess, hasStackTrace } from '../helpers/cli.ts';
import { checkOutputTree } from './outputTree.ts';

const FIX = 'test/fixtures/sweeps';

/** This process's live child processes running output/parquetStream.ts's Parquet writer (from /proc: Linux). */
function parquetWriters(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie has ended: only its exit status is left (no thread of this process waits for it).
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('DuckDBInstance')) pids.push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return pids;
}
const readCsv = (path: string): Array<Record<string, string>> => parse(readFileSync(path), { columns: true });

describe('gridbid batch', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-batch-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('1 and 2 workers write byte-identical summary.csv and batch-report.html; every run folder is complete', async function () {
    this.timeout(60_000);
    const one = await runBatch({ target: `${FIX}/grid.yaml`, outDir: join(dir, 'w1'), workers: 1 });
    const two = await runBatch({ target: `${FIX}/grid.yaml`, outDir: join(dir, 'w2'), workers: 2 });
    expect([one.workers, two.workers]).to.deep.equal([1, 2]);
    expect([two.ok, two.failed, two.reused, two.notFinished, two.interrupted]).to.deep.equal([8, 0, 0, 0, false]);
    for (const f of ['summary.csv', 'batch-report.html']) {
      expect(readFileSync(join(dir, 'w1', f)).equals(readFileSync(join(dir, 'w2', f))), `${f} differs between 1 and 2 workers`).to.equal(true);
    }
    const rows = readCsv(join(dir, 'w2', 'summary.csv'));
    expect(rows.map((r) => r.run_id)).to.deep.equal(two.plan.runs.map((r) => r.id));
    for (const row of rows) {
      const out = join(dir, 'w2', row.run_id!);
      for (const f of [...OUTPUT_FILES, 'DONE', 'scenario.yaml']) expect(existsSync(join(out, f)), `${row.run_id}/${f}`).to.equal(true);
      // The row is the run's summary.json, flattened; money exactly as written there.
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(row.status).to.equal('ok');
      expect(row.seed).to.equal(String(summary.seed));
      for (const [k, v] of flattenKpis(summary.kpis)) expect(row[k], k).to.equal(v);
      expect(Number(row.welfare)).to.be.a('number').and.not.NaN;
      // The run really used its parameters.
      const scenario = parseYaml(readFileSync(join(out, 'scenario.yaml'), 'utf8'));
      expect([scenario.market.pricing, scenario.market.priceRule]).to.deep.equal([row['market.pricing'], row['market.priceRule']]);
    }
    checkOutputTree(join(dir, 'w2'));
  });

  it('a strategy module keeping state at its top level: each run gets a fresh worker, so 1 and 2 workers agree byte for byte and each run is what `gridbid run` gives alone', async function () {
    this.timeout(60_000);
    // fixtures/strategies/remembers.mjs raises its offer by 1/MWh per offer since it was loaded: a run after another in the same worker would price higher.
    const one = await runBatch({ target: `${FIX}/stateful.yaml`, outDir: join(dir, 's1'), workers: 1, database: false });
    const two = await runBatch({ target: `${FIX}/stateful.yaml`, outDir: join(dir, 's2'), workers: 2, database: false });
    expect([one.ok, two.ok]).to.deep.equal([4, 4]);
    expect(readFileSync(join(dir, 's1', 'summary.csv')).equals(readFileSync(join(dir, 's2', 'summary.csv'))), 'summary.csv differs between 1 and 2 workers').to.equal(true);
    // The last run of the 1-worker batch (three ran before it there) against the same scenario and seed run alone in a new process.
    const last = one.plan.runs.at(-1)!;
    const alone = join(dir, 's-alone');
    const r = gridbid(['run', `${FIX}/stateful-base.yaml`, '--seed', String(last.seed), '--out', alone]);
    expect(r.status, r.stderr).to.equal(0);
    for (const f of ['agents.csv', 'intervals.csv']) expect(readFileSync(join(dir, 's1', last.id, f)).equals(readFileSync(join(alone, f))), f).to.equal(true);
    // Loaded afresh: its first offer is 80 + 1, and it sets the price at midnight (demand above the wind's 3 kW).
    const first = readCsv(join(dir, 's1', last.id, 'agents.csv')).find((row) => row.agent_id === 'ccgt')!;
    expect([first.state, first.price]).to.deep.equal(['dispatched', '81.00']);
  });

  it("a run folder's scenario.yaml reruns as it is: `gridbid run <run>/scenario.yaml` (no --seed) gives the run's files, its strategy module found from the folder", async function () {
    this.timeout(60_000);
    // Before, the seed was only on the command line and the module path was the base's (../strategies/remembers.mjs): "no such file".
    const r = await runBatch({ target: `${FIX}/stateful.yaml`, outDir: join(dir, 'rerun'), workers: 1, database: false });
    expect(r.ok).to.equal(4);
    const run = r.plan.runs[2]!;
    const folder = join(dir, 'rerun', run.id);
    const text = readFileSync(join(folder, 'scenario.yaml'), 'utf8');
    expect(text).to.match(new RegExp(`^seed: ${run.seed}$`, 'm'));
    expect(text).to.contain('# The tiny scenario');
    const again = gridbid(['run', join(folder, 'scenario.yaml'), '--out', join(dir, 'rerun-alone')]);
    expect(again.status, again.stderr).to.equal(0);
    for (const f of ['agents.csv', 'intervals.csv']) expect(readFileSync(join(folder, f)).equals(readFileSync(join(dir, 'rerun-alone', f))), f).to.equal(true);
  });

  it('starts the largest runs first (agents × intervals); summary.csv keeps the sweep order', async function () {
    this.timeout(60_000);
    const sweep = join(dir, 'sizes.yaml');
    writeFileSync(sweep, `name: sizes\nbase: ${relative(dir, `${FIX}/tiny.yaml`)}\ngrid:\n  agents[home].count: [12, 48, 24]\nseeds: [7]\n`);
    const finished: string[] = [];
    // One worker: each run finishes before the next starts, so the finishing order is the starting order.
    const r = await runBatch({ target: sweep, outDir: join(dir, 'sizes'), workers: 1, database: false, progress: { ...silentProgress, finished: (row) => finished.push(row.run.id) } });
    expect(r.ok).to.equal(3);
    expect(finished).to.deep.equal(['count-48__seed-7', 'count-24__seed-7', 'count-12__seed-7']);
    expect(readCsv(join(dir, 'sizes', 'summary.csv')).map((row) => row.run_id)).to.deep.equal(['count-12__seed-7', 'count-48__seed-7', 'count-24__seed-7']);
  });

  it('a broken variant fails alone: the others finish, its error (file:line path: reason) is in summary.csv; exit code 3', async function () {
    this.timeout(60_000);
    const out = join(dir, 'broken');
    const r = await gridbidInProcess(['batch', `${FIX}/broken-variant.yaml`, '--out', out]);
    expect(r.status).to.equal(3);
    expect(hasStackTrace(r.stderr)).to.equal(false);
    expect(r.stderr).to.contain(`gridbid: 1 of 3 runs failed; the others finished. Errors are in ${out}/summary.csv (column error).`);
    const error = `broken-variant.yaml:10:27 agents[home].count: expected a number > 0, got -3 (variant 'negative-homes')`;
    expect(r.stdout).to.contain(`failed    negative-homes__seed-7: ${error}`);
    const rows = readCsv(join(out, 'summary.csv'));
    expect(rows.map((x) => [x.run_id, x.variant, x.status, x.error])).to.deep.equal([
      ['low-flex__seed-7', 'low-flex', 'ok', ''],
      ['negative-homes__seed-7', 'negative-homes', 'failed', error],
      ['markup__seed-7', 'markup', 'ok', ''],
    ]);
    expect(rows[1]!.welfare).to.equal('');
    expect(readFileSync(join(out, 'negative-homes__seed-7', 'error.txt'), 'utf8')).to.equal(`${error}\n`);
    expect(existsSync(join(out, 'negative-homes__seed-7', 'DONE'))).to.equal(false);
    expect(existsSync(join(out, 'markup__seed-7', 'DONE'))).to.equal(true);
    checkOutputTree(out);
  });

  it('a run whose worker dies fails alone, with the reason; the runs after it get a new worker and finish; exit code 3', async function () {
    this.timeout(60_000);
    const out = join(dir, 'worker-exit');
    // One worker: the runs after the first death can only run on a worker started to replace it.
    const r = await gridbidInProcess(['batch', `${FIX}/worker-exit.yaml`, '--out', out, '--workers', '1', '--no-database']);
    expect(r.status).to.equal(3);
    expect(hasStackTrace(r.stderr)).to.equal(false);
    expect(r.stderr).to.contain(`gridbid: 2 of 4 runs failed; the others finished.`);
    const rows = readCsv(join(out, 'summary.csv'));
    expect(rows.map((x) => [x.run_id, x.status])).to.deep.equal([
      ['exits__seed-7', 'failed'],
      ['exits__seed-8', 'failed'],
      ['plain__seed-7', 'ok'],
      ['plain__seed-8', 'ok'],
    ]);
    for (const row of rows.slice(0, 2)) {
      expect(row.error).to.equal('the worker running it crashed: its thread exited with code 7 in the middle of the run (process.exit in a worker thread ends that thread)');
      expect(readFileSync(join(out, row.run_id!, 'error.txt'), 'utf8')).to.equal(`${row.error}\n`);
      // What every failed run leaves: the files the dead run had started are gone.
      expect(readdirSync(join(out, row.run_id!)).sort()).to.deep.equal(['error.txt', 'scenario.yaml']);
    }
    for (const row of rows.slice(2)) expect(existsSync(join(out, row.run_id!, 'DONE'))).to.equal(true);
    checkOutputTree(out);
  });

  it('--run-timeout fails a run that never ends (a strategy in an endless loop) with the reason, and the other runs finish; exit code 3', async function () {
    this.timeout(60_000);
    const out = join(dir, 'run-timeout');
    // One worker: the plain run can only run on the worker started after the looping run's was ended.
    const r = await gridbidInProcess(['batch', `${FIX}/run-timeout.yaml`, '--out', out, '--workers', '1', '--run-timeout', '3s', '--no-database']);
    expect(r.status).to.equal(3);
    expect(hasStackTrace(r.stderr)).to.equal(false);
    const rows = readCsv(join(out, 'summary.csv'));
    expect(rows.map((x) => [x.run_id, x.status])).to.deep.equal([
      ['loops__seed-7', 'failed'],
      ['plain__seed-7', 'ok'],
    ]);
    expect(rows[0]!.error).to.equal('it ran longer than its time limit of 3 s (--run-timeout): its worker thread was ended in the middle of it');
    expect(readdirSync(join(out, 'loops__seed-7')).sort()).to.deep.equal(['error.txt', 'scenario.yaml']);
    expect(existsSync(join(out, 'plain__seed-7', 'DONE'))).to.equal(true);
    checkOutputTree(out);
  });

  it("with --format parquet, the Parquet writer (a DuckDB child process) of a run whose worker was ended does not outlive it", async function () {
    this.timeout(60_000);
    if (!existsSync('/proc/self/stat')) this.skip(); // child processes are found in /proc
    const out = join(dir, 'run-timeout-parquet');
    const r = await gridbidInProcess(['batch', `${FIX}/run-timeout.yaml`, '--out', out, '--workers', '1', '--run-timeout', '3s', '--format', 'parquet', '--no-database']);
    expect(r.status).to.equal(3);
    expect(readdirSync(join(out, 'loops__seed-7')).sort()).to.deep.equal(['error.txt', 'scenario.yaml']);
    expect(readdirSync(join(out, 'plain__seed-7'))).to.include('agents.parquet');
    // The ended run's writer waits on pipes that will never end (the thread that would have written them is
    // gone): it used to wait for ever, one ~120 MB process per ended run. It ends within its grace time (5 s).
    const t0 = Date.now();
    while (parquetWriters().length > 0 && Date.now() - t0 < 20_000) await new Promise((done) => setTimeout(done, 100));
    expect(parquetWriters(), 'DuckDB child processes of this process still alive').to.deep.equal([]);
  });

  it('resumes: keeps finished runs, redoes unfinished ones and those whose scenario changed', async function () {
    this.timeout(60_000);
    // Start from the finished batch of the first test (timestamps kept).
    const out = join(dir, 'resume');
    cpSync(join(dir, 'w2'), out, { recursive: true, preserveTimestamps: true });
    const ids = readCsv(join(out, 'summary.csv')).map((r) => r.run_id!);
    const mtime = (id: string, f: string): number => statSync(join(out, id, f)).mtimeMs;
    const before = new Map(ids.map((id) => [id, mtime(id, 'DONE')]));
    const summaryBefore = readFileSync(join(out, 'summary.csv'));
    // Run 2 was interrupted (no DONE, a half-written file); run 5's DONE is from another scenario.
    rmSync(join(out, ids[2]!, 'DONE'));
    writeFileSync(join(out, ids[2]!, 'agents.csv.partial'), 'interval_start,agent');
    const done5 = JSON.parse(readFileSync(join(out, ids[5]!, 'DONE'), 'utf8'));
    writeFileSync(join(out, ids[5]!, 'DONE'), JSON.stringify({ ...done5, fingerprint: 'another scenario' }));

    const second = await runBatch({ target: `${FIX}/grid.yaml`, outDir: out, workers: 2 });
    expect([second.reused, second.ok, second.failed]).to.deep.equal([6, 8, 0]);
    for (const [i, id] of ids.entries()) {
      if (i === 2 || i === 5) expect(mtime(id, 'DONE'), id).to.be.greaterThan(before.get(id)!);
      else expect(mtime(id, 'DONE'), id).to.equal(before.get(id));
    }
    expect(existsSync(join(out, ids[2]!, 'agents.csv.partial'))).to.equal(false);
    expect(readFileSync(join(out, 'summary.csv')).equals(summaryBefore)).to.equal(true);
    checkOutputTree(out);
  });

  it('CLI: --help documents the exit codes; bad input exits 1 with a message and no stack trace', async () => {
    const help = await gridbidInProcess(['batch', '--help']);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.contain('gridbid batch [options] <sweep-or-folder>');
    expect(help.stdout).to.match(/Exit codes:\n {2}0 {4}every run finished ok\n {2}1 {4}the sweep file, its base scenario or an option is invalid/);
    expect(help.stdout).to.contain('130  interrupted by Ctrl-C');
    for (const [args, message] of [
      [['batch', 'no/such.yaml'], 'gridbid: no/such.yaml: no such file or folder'],
      [['batch', `${FIX}/grid.yaml`, '--workers', '0'], "option '-w, --workers <n>' argument '0' is invalid. expected a whole number from 1 to 256"],
      [['batch', `${FIX}/grid.yaml`, '--run-timeout', 'soon'], "option '--run-timeout <duration>' argument 'soon' is invalid. expected a duration: seconds (90), or a number with a unit (90s, 10m, 2h)"],
      [['batch', `${FIX}/grid.yaml`, '--run-timeout', '0'], "option '--run-timeout <duration>' argument '0' is invalid. expected a duration above 0 and at most 24 days (576h)"],
      [['batch', `${FIX}/grid.yaml`, '--run-timeout', '-5m'], "option '--run-timeout <duration>' argument '-5m' is invalid. expected a duration: seconds"],
      [['batch', `${FIX}/grid.yaml`, '--run-timeout', '600h'], "option '--run-timeout <duration>' argument '600h' is invalid. expected a duration above 0 and at most 24 days (576h)"],
      [['batch', `${FIX}/bad/typos.yaml`], `${FIX}/bad/typos.yaml:3:1 replication: unknown key 'replication' (did you mean 'replications'?)`],
      [['batch'], "missing required argument 'sweep-or-folder'"],
    ] as const) {
      const r = await gridbidInProcess(args);
      expect(r.status, args.join(' ')).to.equal(1);
      expect(r.stderr).to.contain(message);
      expect(hasStackTrace(r.stderr)).to.equal(false);
    }
  });
});

describe('batch: Ctrl-C once every run has started', function () {
  this.timeout(120_000);
  it('the runs finish, but the database is left for the next invocation: interrupted (exit 130), and the rerun writes it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gridbid-late-stop-'));
    const out = join(root, 'out');
    const sweep = join(root, 'two.yaml');
    writeFileSync(sweep, `base: ${join(process.cwd(), 'test/fixtures/sweeps/small.yaml')}\nreplications: 2\n`);
    try {
      const stop = new AbortController();
      // Ctrl-C as soon as both runs are running (2 workers, 2 runs): nothing is left to start.
      const progress = { ...silentProgress, running: (n: number) => n === 2 && stop.abort() };
      const r = await runBatch({ target: sweep, outDir: out, workers: 2, stop: stop.signal, progress });
      expect(r.plan.runs.length).to.equal(2);
      expect([r.notFinished, r.ok, r.databaseSkipped, r.interrupted]).to.deep.equal([0, r.plan.runs.length, true, true]);
      expect(existsSync(join(out, DATABASE_FILE))).to.equal(false);
      const again = await runBatch({ target: sweep, outDir: out, workers: 1 });
      expect([again.reused, again.interrupted]).to.deep.equal([r.plan.runs.length, false]);
      expect(existsSync(join(out, DATABASE_FILE))).to.equal(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

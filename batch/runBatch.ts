/**
 * Runs a batch: plans it, keeps the runs an earlier invocation finished, runs the
 * others in worker threads (batch/runThreads.ts), and keeps summary.csv current.
 *
 * Output folder: one folder per run (named by its id), `summary.csv` (rewritten
 * atomically after every finished run, so an interrupted batch still has a valid
 * partial summary) and `batch-report.html` (written at the end).
 *
 * Resuming: a run folder with a `DONE` marker for the same scenario text and seed
 * is kept and not run again; any other run folder is removed and run again.
 * Stopping: when `stop` aborts no new run starts and the running ones finish;
 * when `kill` aborts the running ones are terminated too (their folders are
 * unfinished and will be redone). Nothing truncated is ever left under a final
 * name: every file is written as `<name>.partial` and renamed.
 */
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prepareOutputFolder } from '../output/outDir.ts';
import { renderBatchReport } from './report.ts';
// The planner (and through it the scenario loader: zod, yaml, the agents' schemas, ~1.4 MB of the
// CLI's bundle) loads inside runBatch, after the worker threads have started: their start-up, not
// this thread's, is what a batch's first run waits for.
import type { BatchPlan, RunSpec } from './plan.ts';
import { type BatchProgress, silentProgress } from './progress.ts';
import { type WorkerCode, workerCode } from './workerCode.ts';
import { RunThreads } from './runThreads.ts';
import { type RunRow, summaryCsv } from './summary.ts';
import { formatShard, inShard, parseShardFile, type Shard, SHARD_FILE, shardFile } from './shard.ts';
import { UserError } from '../core/errors.ts';
import type { Redis } from 'ioredis';
import { closeConnection, connectQueue, runOnQueue, RUN_TIMES_DIR, STAGING_DIR } from './queue.ts';
import { lockBatchFolder } from './folderLock.ts';
import { DONE_FILE, type DoneMarker, ERROR_FILE, markedFormats, REPORT_FILE, type RunOutcome, type RunTask, SUMMARY_FILE, writeAtomic } from './runFiles.ts';
import { failDeadRun, writeRunScenario } from './runScenarioFile.ts';
import type { OutputFormat } from '../output/parquet.ts';
import { DATABASE_FILE, removeResultsDatabase, writeResultsDatabase } from './database.ts';

// The batch folder's file names: in batch/runFiles.ts, which `gridbid query` and the CLI's
// commands load without this module (and the scenario loader it imports for planning).
export { REPORT_FILE, SUMMARY_FILE } from './runFiles.ts';

export interface BatchOptions {
  /** A sweep file, a scenario file or a folder of them. */
  readonly target: string;
  /** Default `results/<sweep name>`. */
  readonly outDir?: string | undefined;
  /** Worker threads; default the number of cores. Never more than the runs to do. */
  readonly workers?: number | undefined;
  readonly stop?: AbortSignal | undefined;
  readonly kill?: AbortSignal | undefined;
  readonly progress?: BatchProgress | undefined;
  /** Run only this shard's share of the runs (batch/shard.ts); default output folder `results/<sweep name>-shard-k-of-n`. */
  readonly shard?: Shard | undefined;
  /** A Redis URL: enqueue the runs there for `gridbid worker`s instead of running them here (batch/queue.ts). */
  readonly queue?: string | undefined;
  /** How every run writes its tables (`--format`); default csv. */
  readonly formats?: readonly OutputFormat[] | undefined;
  /** Write results.duckdb when the batch ends (default true; `--no-database`). */
  readonly database?: boolean | undefined;
  /**
   * A run still going this many seconds (real time) after it started fails, its worker thread ended
   * (`--run-timeout`; on a queue, the workers apply it); default none.
   */
  readonly runTimeoutSeconds?: number | undefined;
  /** On a queue: stop following the runs when Redis has not answered for this long (`--redis-timeout`; default 10 min; 0: wait for ever). */
  readonly redisTimeoutSeconds?: number | undefined;
}

export interface BatchResult {
  readonly plan: BatchPlan;
  readonly outDir: string;
  /** Per run, in run order; undefined for a run that did not finish (interrupted). */
  readonly rows: ReadonlyArray<RunRow | undefined>;
  readonly ok: number;
  readonly failed: number;
  /** Finished runs kept from an earlier invocation. */
  readonly reused: number;
  readonly notFinished: number;
  readonly workers: number;
  /** What the workers loaded ('compiled' or 'source', batch/workerCode.ts); undefined when no worker started. */
  readonly workerCode: WorkerCode['kind'] | undefined;
  readonly interrupted: boolean;
  /** Ctrl-C came, every run finished anyway, and results.duckdb was left for the next invocation. */
  readonly databaseSkipped: boolean;
  /** The shard this invocation ran, when it ran one (then `plan.runs` holds only its runs). */
  readonly shard?: Shard | undefined;
  /** The queue the runs went to, when they did (then `workers` is 0: they ran in `gridbid worker`s). */
  readonly queue?: string | undefined;
  /** Why the batch stopped following its runs on the queue (Redis silent for `--redis-timeout`), when it did. */
  readonly queueLost?: string | undefined;
}

export async function runBatch(options: BatchOptions): Promise<BatchResult> {
  // A local batch's worker threads start now and load the engine (~0.14 s of CPU each,
  // before a worker can take its first run) while this thread plans the sweep and checks
  // every run's scenario (~0.14 s for 12 runs), instead of after: both are fixed costs of
  // every batch, which a short sweep pays in full (bench/batch.bench.ts).
  const threads = options.queue === undefined && !options.stop?.aborted ? new RunThreads(workerCode(), options.workers ?? availableParallelism()) : undefined;
  try {
    const { planBatch } = await import('./plan.ts');
    const whole = planBatch(options.target);
    // An unreachable queue is reported before anything is written.
    const connection = options.queue !== undefined ? await connectQueue(options.queue) : undefined;
    try {
      return await execute(options, whole, connection, threads);
    } finally {
      if (connection) await closeConnection(connection);
    }
  } finally {
    await threads?.close();
  }
}

async function execute(options: BatchOptions, whole: BatchPlan, connection: Redis | undefined, threads: RunThreads | undefined): Promise<BatchResult> {
  const shard = options.shard;
  // A shard's plan lists only its runs; their indexes (and summary.csv's row order) stay the sweep's.
  const plan: BatchPlan = shard ? { ...whole, runs: whole.runs.filter((r) => inShard(r, shard)) } : whole;
  const outDir = options.outDir ?? join('results', shard ? `${whole.name}-shard-${shard.k}-of-${shard.n}` : whole.name);
  prepareOutputFolder(outDir, '--out', [SUMMARY_FILE, REPORT_FILE, DATABASE_FILE]);
  // Before anything in the folder changes: a second batch writing it would remove this one's runs in progress.
  const unlock = lockBatchFolder(outDir);
  try {
    return await executeLocked(options, whole, plan, outDir, connection, threads);
  } finally {
    unlock();
  }
}

async function executeLocked(options: BatchOptions, whole: BatchPlan, plan: BatchPlan, outDir: string, connection: Redis | undefined, threads: RunThreads | undefined): Promise<BatchResult> {
  const shard = options.shard;
  const progress = options.progress ?? silentProgress;
  if (shard) claimShardFolder(outDir, whole, shard);
  // The runs are about to change: until the batch ends, `gridbid query` reads the files.
  removeResultsDatabase(outDir);

  const rows: Array<RunRow | undefined> = new Array<RunRow | undefined>(whole.runs.length).fill(undefined);
  const writeSummary = (): void => writeAtomic(join(outDir, SUMMARY_FILE), summaryCsv(plan, rows));
  const todo: RunSpec[] = [];
  let reused = 0;
  let stale = 0;
  for (const run of plan.runs) {
    const dir = join(outDir, run.id);
    const done = readDone(dir, run, options.formats ?? ['csv']);
    if (done === 'stale') stale++;
    if (done && done !== 'stale') {
      rows[run.index] = done;
      reused++;
    } else {
      rmSync(dir, { recursive: true, force: true });
      todo.push(run);
    }
  }
  const toRun = todo.filter((r) => r.error === undefined);
  const workers = connection ? 0 : Math.max(1, Math.min(options.workers ?? availableParallelism(), toRun.length || 1));
  progress.start({ name: plan.name, total: plan.runs.length, reused, workers });
  if (reused > 0) progress.note(`${reused} of ${plan.runs.length} runs already finished in ${outDir}: kept, not run again`);
  if (stale > 0) progress.note(`${stale} finished run(s) had another scenario, seed or --format: running them again`);

  const finish = (run: RunSpec, outcome: RunOutcome, ms: number): void => {
    const row: RunRow =
      outcome.status === 'ok' ? { run, status: 'ok', error: '', kpis: outcome.kpis } : { run, status: 'failed', error: outcome.error, kpis: [] };
    rows[run.index] = row;
    writeSummary();
    progress.finished(row, ms);
  };

  // Runs whose scenario is invalid fail here, without a worker.
  for (const run of todo) {
    if (run.error === undefined) continue;
    const dir = join(outDir, run.id);
    mkdirSync(dir, { recursive: true });
    writeRunScenario(dir, run);
    writeAtomic(join(dir, ERROR_FILE), `${run.error}\n`);
    finish(run, { status: 'failed', error: run.error }, 0);
  }
  writeSummary();

  let used: WorkerCode | undefined;
  let queueLost: string | undefined;
  if (toRun.length > 0 && !options.stop?.aborted) {
    if (connection) {
      queueLost = await runOnQueue(
        toRun,
        {
          url: options.queue!,
          outDir,
          stop: options.stop,
          kill: options.kill,
          formats: options.formats,
          runTimeoutSeconds: options.runTimeoutSeconds,
          redisTimeoutSeconds: options.redisTimeoutSeconds,
          finishedRun: (run) => {
            const done = readDone(join(outDir, run.id), run, options.formats ?? ['csv']);
            return done && done !== 'stale' ? { status: 'ok', kpis: done.kpis.map(([k, v]) => [k, v]) } : undefined;
          },
        },
        connection,
        progress,
        finish,
      );
    } else if (threads) {
      used = threads.code;
      const { longestFirst } = await import('./plan.ts');
      threads.keep(workers);
      await runInPool(longestFirst(toRun), workers, threads, outDir, options, progress, finish);
    }
  }
  // The threads end while this thread writes the summary and the report.
  const threadsEnded = threads?.close();
  progress.stop();
  // Staging folders left by queue workers that were killed mid-run (only once no run of this batch is left to write one).
  if (plan.runs.every((r) => rows[r.index] !== undefined)) {
    rmSync(join(outDir, STAGING_DIR), { recursive: true, force: true });
    rmSync(join(outDir, RUN_TIMES_DIR), { recursive: true, force: true });
  }

  writeSummary();
  writeAtomic(join(outDir, REPORT_FILE), renderBatchReport(plan, rows));
  // Not after Ctrl-C: the user wants the process to end; nor when Redis went silent (the rerun that resumes the batch writes it).
  const databaseSkipped = options.database !== false && (options.stop?.aborted === true || queueLost !== undefined);
  if (options.database !== false && !databaseSkipped) await writeResultsDatabase(outDir, okRunIds(plan, rows));
  const ok = rows.filter((r) => r?.status === 'ok').length;
  const failed = rows.filter((r) => r?.status === 'failed').length;
  const notFinished = plan.runs.filter((r) => rows[r.index] === undefined).length;
  await threadsEnded;
  return { plan, outDir, rows, ok, failed, reused, notFinished, workers, workerCode: used?.kind, interrupted: notFinished > 0 || databaseSkipped, databaseSkipped, shard, queue: options.queue, queueLost };
}

/** The ids of the runs that finished ok, in run order. */
export function okRunIds(plan: BatchPlan, rows: ReadonlyArray<RunRow | undefined>): string[] {
  return plan.runs.filter((r) => rows[r.index]?.status === 'ok').map((r) => r.id);
}

/**
 * Writes shard.json in a shard's folder. A folder already holding another shard, or a
 * shard of another sweep, is refused: two shards in one folder would overwrite each
 * other's summary.csv (a rerun of the same shard resumes, as a batch does).
 */
function claimShardFolder(outDir: string, plan: BatchPlan, shard: Shard): void {
  const path = join(outDir, SHARD_FILE);
  const mine = shardFile(plan, shard);
  if (existsSync(path)) {
    const there = parseShardFile(readFileSync(path, 'utf8'));
    if (typeof there !== 'string' && (there.shard.k !== shard.k || there.shard.n !== shard.n || there.sweep.name !== plan.name)) {
      throw new UserError(
        `${outDir} already holds shard ${formatShard(there.shard)} of the sweep '${there.sweep.name}'; give each shard its own folder (--out), e.g. ${join(outDir, '..', `${plan.name}-shard-${shard.k}-of-${shard.n}`)}`,
      );
    }
  }
  writeAtomic(path, `${JSON.stringify(mine, null, 1)}\n`);
}

/** Keeps at most `workers` runs in flight, in the order given, until done or stopped. */
async function runInPool(
  runs: readonly RunSpec[],
  workers: number,
  threads: RunThreads,
  outDir: string,
  options: BatchOptions,
  progress: BatchProgress,
  finish: (run: RunSpec, outcome: RunOutcome, ms: number) => void,
): Promise<void> {
  await new Promise<void>((resolveAll) => {
    let next = 0;
    let inFlight = 0;
    const stopped = (): boolean => options.stop?.aborted === true || options.kill?.aborted === true;
    const launch = (): void => {
      while (inFlight < workers && next < runs.length && !stopped()) {
        const run = runs[next++]!;
        inFlight++;
        const t0 = performance.now();
        const task: RunTask = { id: run.id, outDir: join(outDir, run.id), file: run.file, fileLabel: run.fileLabel, text: run.text, seed: run.seed, fingerprint: run.fingerprint, formats: options.formats };
        threads
          .run(task, { kill: options.kill, timeLimitSeconds: options.runTimeoutSeconds })
          .then(
            (outcome) => finish(run, outcome, performance.now() - t0),
            (err: unknown) => {
              // A terminated run is unfinished, not failed: the next invocation redoes it.
              if (options.kill?.aborted) return;
              finish(run, failDeadRun(join(outDir, run.id), run, err), performance.now() - t0);
            },
          )
          .finally(() => {
            inFlight--;
            progress.running(inFlight);
            launch();
            // No run left to start: a thread this run freed ends now, beside the runs still going.
            if (next >= runs.length) threads.endIdle();
          });
      }
      progress.running(inFlight);
      if (inFlight === 0) resolveAll();
    };
    // On stop, nothing new starts; the runs in flight end through their callbacks.
    options.stop?.addEventListener('abort', () => inFlight === 0 && resolveAll(), { once: true });
    launch();
  });
}

/**
 * The finished run's row when its folder has a valid DONE for this run; 'stale' when it was made from
 * another scenario or seed, or (when `formats` is given) wrote its tables in other formats.
 */
export function readDone<R extends Pick<RunSpec, 'id' | 'seed' | 'fingerprint'>>(dir: string, run: R, formats?: readonly OutputFormat[]): (Omit<RunRow, 'run'> & { run: R }) | 'stale' | undefined {
  const file = join(dir, DONE_FILE);
  if (!existsSync(file)) return undefined;
  let marker: DoneMarker;
  try {
    marker = JSON.parse(readFileSync(file, 'utf8')) as DoneMarker;
  } catch {
    return undefined;
  }
  if (marker.run !== run.id || !Array.isArray(marker.kpis)) return undefined;
  if (marker.fingerprint !== run.fingerprint || marker.seed !== run.seed) return 'stale';
  if (formats !== undefined && String(markedFormats(marker.formats)) !== String(markedFormats(formats))) return 'stale';
  return { run, status: 'ok', error: '', kpis: marker.kpis.map(([k, v]) => [String(k), String(v)] as const) };
}

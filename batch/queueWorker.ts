/**
 * `gridbid worker --queue redis://…`: takes runs from the queue (batch/queue.ts) and
 * runs them in worker threads (the same pool and code as a local batch), as many at a
 * time as `concurrency`. The main thread only talks to Redis, so it keeps renewing the
 * locks of its jobs however long a run computes.
 *
 * A job may run more than once: when a worker is killed (its lock expires and BullMQ
 * hands the job to another worker), or when a worker only seemed dead. So a run is
 * written into a private staging folder and published by one rename once complete
 * (`publishRun`); a run whose folder already has a valid DONE is not run again. Every
 * attempt computes the same bytes (runs are deterministic), so whichever attempt
 * publishes, the folder is the run's, whole.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { closeConnection, connectQueue, type QueuedTask, QUEUE_NAME, refusedMessage, showUrl, STAGING_DIR, watchConnection, writeRunTime } from './queue.ts';
import { answersWithin } from './redisWatch.ts';
import { readDone } from './runBatch.ts';
import { RunThreads } from './runThreads.ts';
import { errorText, formatSeconds, type RunOutcome, type RunTask } from './runFiles.ts';
import { failDeadRun } from './runScenarioFile.ts';
import { workerCode } from './workerCode.ts';
import { UserError } from '../core/errors.ts';
import { gridbidVersion } from '../core/version.ts';

/** The time limit of a run: the smaller of the batch's and the worker's, where either has one. */
export function smallerLimit(batchSeconds: number | undefined, workerSeconds: number | undefined): number | undefined {
  if (batchSeconds === undefined) return workerSeconds;
  return workerSeconds === undefined ? batchSeconds : Math.min(batchSeconds, workerSeconds);
}

/**
 * The path a worker reads a run's scenario file by. Scenario paths are relative to the
 * folder the batch was started in; a worker started in another folder reads the same file
 * by its absolute path. (It used to look the relative path up from its own folder: it failed
 * every run it took, or, where that path existed, read another copy's strategy modules and
 * data files.) In the batch's folder the path stays as given, so that a message naming the
 * file reads as in a local batch.
 */
export function workerScenarioPath(file: string, batchCwd: string, workerCwd: string): string {
  if (isAbsolute(file)) return file;
  const abs = resolve(batchCwd, file);
  return abs === resolve(workerCwd, file) ? file : abs;
}

/** The outcome recorded in a run folder's DONE for this very task (same run, scenario and seed), if there is one. */
export function finishedOutcome(task: Pick<RunTask, 'id' | 'outDir' | 'seed' | 'fingerprint' | 'formats'>): RunOutcome | undefined {
  const row = readDone(task.outDir, task, task.formats ?? ['csv']);
  return row && row !== 'stale' ? { status: 'ok', kpis: row.kpis.map(([k, v]) => [k, v]) } : undefined;
}

/**
 * Runs `task` through `run` in a staging folder and publishes it as `task.outDir`;
 * returns the existing outcome without running when the folder is already finished.
 * Records how long the run took beside it (RUN_TIMES_DIR in batch/queue.ts) before
 * publishing it: the attempt that may keep it later took no time.
 */
export async function runStaged(task: RunTask, run: (t: RunTask) => Promise<RunOutcome>): Promise<{ outcome: RunOutcome; ran: boolean }> {
  const existing = finishedOutcome(task);
  if (existing) return { outcome: existing, ran: false };
  const staging = join(dirname(task.outDir), STAGING_DIR, `${basename(task.outDir)}.${randomUUID()}`);
  mkdirSync(dirname(staging), { recursive: true });
  try {
    const t0 = performance.now();
    const outcome = await run({ ...task, outDir: staging, publishedDir: task.outDir });
    writeRunTime(task.outDir, performance.now() - t0);
    publishRun(staging, task);
    return { outcome, ran: true };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Moves a complete staged run folder to its place, unless another attempt already put a finished one there. */
export function publishRun(staging: string, task: RunTask): void {
  if (finishedOutcome(task)) return;
  rmSync(task.outDir, { recursive: true, force: true });
  try {
    renameSync(staging, task.outDir);
  } catch (err) {
    // Another attempt published between our rm and rename: its folder is this run too.
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(task.outDir)) return;
    throw err;
  }
}

export interface WorkerOptions {
  readonly url: string;
  /** Runs at a time (worker threads); default the number of cores. */
  readonly concurrency?: number | undefined;
  /**
   * How long a job's lock lasts without renewal, and how often this worker looks for
   * stalled jobs: after a worker dies, its runs go to another worker within about twice this.
   */
  readonly stallSeconds?: number | undefined;
  /** This worker's cap on a run's time (`--run-timeout`): the smaller of it and the batch's applies. */
  readonly runTimeoutSeconds?: number | undefined;
  /** Resolves `runWorker` once the runs in progress have finished. */
  readonly stop: AbortSignal;
  readonly log: (line: string) => void;
}

/** Takes runs until `stop`; resolves after the runs in progress have finished. Throws `UserError` when Redis cannot be reached. */
export async function runWorker(options: WorkerOptions): Promise<{ ran: number; failed: number }> {
  const concurrency = options.concurrency ?? availableParallelism();
  const stallMs = Math.round((options.stallSeconds ?? 30) * 1000);
  const connection = await connectQueue(options.url);
  watchConnection(connection, options.url, options.log);
  // Loaded here, not at the top: every `gridbid` command imports this module (batch/queue.ts says why).
  const { Worker } = await import('bullmq');
  const code = workerCode();
  const version = gridbidVersion();
  const threads = new RunThreads(code, concurrency);
  let ran = 0;
  let failed = 0;
  // The runs in progress, counted here: BullMQ's own wait for them also waits for Redis.
  let inProgress = 0;
  let idle: (() => void) | undefined;
  const worker = new Worker<QueuedTask, RunOutcome>(
    QUEUE_NAME,
    async (job) => {
      const { cwd, runTimeoutSeconds, gridbidVersion: wanted, ...queued } = job.data;
      // Two engines' numbers in one summary would compare runs that are not comparable.
      if (wanted !== version) throw new UserError(`this worker runs gridbid ${version}, the batch ${wanted ?? 'an older one (its runs carry no version)'}: run the same gridbid version on every machine`);
      const task: RunTask = { ...queued, file: workerScenarioPath(queued.file, cwd, process.cwd()) };
      const limit = smallerLimit(runTimeoutSeconds, options.runTimeoutSeconds);
      if (!existsSync(task.file)) {
        throw new UserError(`${task.file} (the scenario of the batch started in ${cwd}) is not found on this worker: every machine must see the scenario files at the same absolute paths`);
      }
      const t0 = performance.now();
      options.log(`started   ${task.id}`);
      // A run whose worker thread dies, or which runs past its time limit (the batch's or this worker's
      // --run-timeout), fails as in a local batch (the same error.txt and summary row), and is not retried.
      inProgress++;
      const { outcome, ran: didRun } = await runStaged(task, (t) =>
        threads.run(t, { timeLimitSeconds: limit }).catch((err: unknown) => failDeadRun(t.outDir, t, err)),
      ).finally(() => {
        if (--inProgress === 0) idle?.();
      });
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      if (!didRun) options.log(`kept      ${task.id} (already finished in ${task.outDir})`);
      else if (outcome.status === 'ok') options.log(`finished  ${task.id} ok ${s} s`);
      else options.log(`finished  ${task.id} FAILED ${s} s: ${outcome.error}`);
      ran++;
      if (outcome.status === 'failed') failed++;
      return outcome;
    },
    { connection, concurrency, lockDuration: stallMs, stalledInterval: stallMs, maxStalledCount: 3, autorun: false },
  );
  // Connection problems are reported once by watchConnection. A command Redis refuses (a full server:
  // OOM) is said once per reason: the worker waited in silence, taking no run, until memory was freed.
  const refusals = new Set<string>();
  worker.on('error', (err: Error) => {
    if (err.name !== 'ReplyError') return;
    const text = refusedMessage(options.url, 'a command of this worker', err.message);
    if (refusals.has(text)) return;
    refusals.add(text);
    options.log(`${text}; retrying`);
  });
  worker.on('failed', (job, err) => job && options.log(`error     ${job.data.id}: ${errorText(err)}`));
  const cap = options.runTimeoutSeconds === undefined ? '' : `, none longer than ${formatSeconds(options.runTimeoutSeconds)} (--run-timeout)`;
  options.log(`gridbid worker: taking runs from ${showUrl(options.url)} (queue ${QUEUE_NAME}), ${concurrency} at a time (${code.kind} code)${cap}; Ctrl-C stops after the runs in progress`);
  const running = worker.run();
  await new Promise<void>((resolveStop) => {
    if (options.stop.aborted) resolveStop();
    options.stop.addEventListener('abort', () => resolveStop(), { once: true });
  });
  // Asked, not read from the connection's state: a frozen server (up, answering nothing) keeps the
  // connection 'ready', and BullMQ's close then waited for it for ever with a run in progress.
  if (connection.status === 'ready' && (await answersWithin(connection, 2000))) {
    await worker.close();
    await running;
  } else {
    // Redis is down: BullMQ's close waits for it for ever (SIGTERM never ended the worker). The runs in
    // progress finish and are published; their jobs' locks then expire, and the worker that takes one
    // again keeps its published folder.
    options.log(`Redis at ${showUrl(options.url)} does not answer: stopping without it once the runs in progress have finished`);
    await worker.pause(true);
    if (inProgress > 0) await new Promise<void>((resolveIdle) => (idle = resolveIdle));
    connection.disconnect();
    await worker.close(true);
    // Not awaited: BullMQ's main loop, cut off from Redis, may never settle (node then ended the worker with exit code 13).
    running.catch(() => {});
  }
  await threads.close();
  await closeConnection(connection);
  return { ran, failed };
}

/**
 * Batches on a job queue: Redis with BullMQ. `gridbid batch <sweep> --queue redis://…`
 * plans the batch as usual, puts one job per run to do on the queue and follows them
 * (summary.csv and the progress bar exactly as a local batch); `gridbid worker --queue
 * redis://…` (batch/queueWorker.ts) takes jobs on any machine that sees the results
 * folder at the same path.
 *
 * A job carries the run's task (scenario text, seed, fingerprint and the absolute path
 * of its folder), never results: a worker writes the run's folder and returns the
 * run's summary row, which the coordinator keeps. Job ids are fresh per invocation (a
 * rerun enqueues only the runs without a valid DONE, as a local batch reruns them).
 * A worker that dies mid-run stops renewing its job's lock; BullMQ's stalled-job check
 * in the other workers puts the job back, and another worker runs it again from
 * scratch (queueWorker.ts makes that safe).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
// BullMQ and ioredis load only for a batch on a queue (dynamic imports below): every
// `gridbid` command imports this module, and loading them costs ~0.2 s of CPU.
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { UserError } from '../core/errors.ts';
import { gridbidVersion } from '../core/version.ts';
import type { BatchProgress } from './progress.ts';
import type { RunSpec } from './plan.ts';
import { watchAnswers } from './redisWatch.ts';
import { DONE_FILE, formatSeconds, oneLine, type RunOutcome, type RunTask, writeAtomic } from './runFiles.ts';

/** The one queue gridbid's coordinators and workers share on a Redis server. */
export const QUEUE_NAME = 'gridbid-runs';
/** Staging folders of runs in progress, inside the batch's folder (same file system: the rename that publishes a run is atomic). */
export const STAGING_DIR = '.gridbid-staging';
/**
 * How long each published run took, as the worker that ran it measured it: `<out>/.gridbid-run-times/<run id>`
 * (milliseconds). Not in the run folder, whose bytes equal a local batch's and must not depend on the
 * clock. Read by the batch for a run taken again and kept (it showed "ok … 0.0 s"); removed with the
 * staging folders once every run has finished.
 */
export const RUN_TIMES_DIR = '.gridbid-run-times';
/** `--redis-timeout` when none is given: 10 minutes (a restarted or failed-over server is back well within it). */
export const DEFAULT_REDIS_TIMEOUT_SECONDS = 600;
/** Finished jobs stay in Redis this long (for inspection), then BullMQ drops them. */
const KEEP_FINISHED_SECONDS = 24 * 3600;

/** Checks a queue URL (`redis://host:port[/db]` or `rediss://…`); returns the reason when it is not one. Pure. */
export function parseQueueUrl(text: string): string | { readonly reason: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { reason: `expected a Redis URL such as redis://localhost:6379 (got '${text}')` };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return { reason: `expected a redis:// or rediss:// URL (got '${text}')` };
  if (url.hostname === '') return { reason: `the URL names no host (got '${text}')` };
  return text;
}

/** The URL without a password, for messages. */
export function showUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.toString().replace(/\/$/, '');
  } catch {
    return text;
  }
}

/** Where the time of the run published as `runDir` is recorded (RUN_TIMES_DIR). */
const runTimeFile = (runDir: string): string => join(dirname(runDir), RUN_TIMES_DIR, basename(runDir));

/** Records how long the run to be published as `runDir` took (a queue worker, before it publishes it). */
export function writeRunTime(runDir: string, ms: number): void {
  mkdirSync(join(dirname(runDir), RUN_TIMES_DIR), { recursive: true });
  writeAtomic(runTimeFile(runDir), `${Math.round(ms)}\n`);
}

/** How long the run published as `runDir` took, as its worker recorded it; undefined when no time is recorded. */
export function readRunTime(runDir: string): number | undefined {
  try {
    const text = readFileSync(runTimeFile(runDir), 'utf8');
    const ms = Number(text);
    return /^\d+\n$/.test(text) && Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** The one-line reason a batch gives when it stops following its runs because Redis does not answer. Pure. */
export function redisSilentReason(url: string, limitSeconds: number): string {
  return `Redis at ${showUrl(url)} has not answered for ${formatSeconds(limitSeconds)} (--redis-timeout): stopped following the batch`;
}

/**
 * Opens a connection for BullMQ, after checking once, without retrying, that the server
 * answers: an unreachable or refusing server is a `UserError` naming the URL and the
 * reason (never a stack trace, never an endless retry loop). Later drops are retried by
 * ioredis, as BullMQ expects.
 */
export async function connectQueue(url: string, timeoutMs = 5000): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  let lastError: Error | undefined;
  probe.on('error', (err: Error) => (lastError = err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new UserError(unreachableMessage(url, (lastError ?? (err as Error)).message || String(err)));
  } finally {
    probe.disconnect();
  }
  return new Redis(url, { maxRetriesPerRequest: null });
}

/**
 * Closes a connection opened by `connectQueue`: politely (QUIT) while Redis answers, at once when it
 * does not. QUIT waits behind the commands ioredis holds for a server that is down, for ever: a
 * batch stopped by a second Ctrl-C with Redis down never ended.
 */
export async function closeConnection(conn: Redis, graceMs = 2000): Promise<void> {
  if (conn.status === 'ready') {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([conn.quit().catch(() => {}), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
  conn.disconnect();
}

/**
 * Why a queue's server cannot be used, for the user. A server that refuses the password is
 * running and reachable: it said "WRONGPASS invalid username-password pair or user is disabled..
 * Is redis-server running there, and is the port open?". A rediss:// URL to a plain server timed
 * out after 5 s with only "connect: ETIMEDOUT". Pure.
 */
export function unreachableMessage(url: string, reason: string): string {
  const why = reason.replace(/^connect /, 'connect: ').replace(/\.+$/, '');
  const hint = /^(WRONGPASS|NOAUTH)\b/.test(why)
    ? 'Check the password in the URL (redis://:PASSWORD@host:port, or redis://USER:PASSWORD@host:port)'
    : // A TLS hello to a plain server gets no answer: the connection times out, and nothing says why.
      /^rediss:/i.test(url)
      ? 'rediss:// asks for TLS: does the server speak TLS on that port (a plain redis-server needs redis://)? Is it running there, and is the port open?'
      : 'Is redis-server running there, and is the port open?';
  return `cannot reach Redis at ${showUrl(url)}: ${why}. ${hint}`;
}

/**
 * Why Redis refused a command the batch needs, for the user (`err` a Redis error reply): a full
 * server ("OOM command not allowed when used memory > 'maxmemory'", which BullMQ's required
 * noeviction policy gives when memory runs out), one that cannot save ("MISCONF …"), a replica
 * ("READONLY …"), a user the ACL does not allow ("NOPERM …"). It was "internal error (please
 * report it)" with a stack trace, exit 2. Pure.
 */
export function refusedMessage(url: string, what: string, reason: string): string {
  // BullMQ runs its commands as Lua scripts: the script's hash and line say nothing to the user.
  const why = reason.replace(/\.?\s*script: [0-9a-f]+, on @user_script:\d+\.?$/, '').replace(/\.+$/, '');
  const hint = /^OOM\b/.test(why)
    ? 'The server is out of memory (its maxmemory): free some, or raise it'
    : /^MISCONF\b/.test(why)
      ? 'The server cannot save its data and refuses writes until it can: see its log'
      : /^READONLY\b/.test(why)
        ? 'The URL names a read-only replica: give the primary'
        : /^NOPERM\b/.test(why)
          ? "The URL's user may not run BullMQ's commands: allow them in the server's ACL"
          : 'Check the server (its log, INFO)';
  return `Redis at ${showUrl(url)} refused ${what}: ${why}. ${hint}`;
}

/** A Redis error reply (ioredis' ReplyError) as a `UserError` saying what was refused; anything else unchanged. */
export function asRefusal(url: string, what: string, err: unknown): unknown {
  return err instanceof Error && err.name === 'ReplyError' ? new UserError(refusedMessage(url, what, err.message)) : err;
}

/** Reports a connection problem once per outage (ioredis keeps reconnecting); `until` says for how long it retries (default: for ever). */
export function watchConnection(conn: Redis, url: string, say: (text: string) => void, until = ''): void {
  let down = false;
  conn.on('error', (err: Error) => {
    if (down) return;
    down = true;
    say(`lost the connection to Redis at ${showUrl(url)} (${err.message}); retrying${until}`);
  });
  conn.on('ready', () => {
    if (!down) return;
    down = false;
    say(`connected to Redis at ${showUrl(url)} again`);
  });
}

/**
 * How long the worker took on a finished job, from the times it recorded in the job. The
 * coordinator's own 'active' events can come too late to time a run (a waiting worker takes
 * the first jobs at once): it printed such runs as taking "-0.0 s".
 */
export async function workerMs(queue: { getJob(id: string): Promise<Pick<Job, 'processedOn' | 'finishedOn'> | undefined> }, jobId: string): Promise<number | undefined> {
  const job = await queue.getJob(jobId).catch(() => undefined);
  return job?.processedOn !== undefined && job.finishedOn !== undefined ? Math.max(0, job.finishedOn - job.processedOn) : undefined;
}

/** How often a batch on a queue checks that the jobs it waits for are still in Redis. */
const VANISHED_CHECK_MS = 10_000;

type QueuedJob = { readonly name: string; readonly data: QueuedTask; readonly opts: { readonly jobId: string } };

/** The jobs of `jobs` that Redis no longer has; none when it cannot tell (Redis down). */
export async function vanishedJobs<J extends QueuedJob>(
  queue: {
    /** How many of these jobs Redis holds (one round trip: most checks find them all). */
    countJobs(ids: readonly string[]): Promise<number>;
    getJobState(id: string): Promise<string>;
  },
  jobs: readonly J[],
): Promise<J[]> {
  const ids = jobs.map((j) => j.opts.jobId);
  if (ids.length === 0 || (await queue.countJobs(ids).catch(() => ids.length)) === ids.length) return [];
  const lost: J[] = [];
  for (const job of jobs) {
    if ((await queue.getJobState(job.opts.jobId).catch(() => undefined)) === 'unknown') lost.push(job);
  }
  return lost;
}

/** Adds again, under the same id, every job of `jobs` that Redis no longer has; a failed check (Redis down) waits for the next one. */
export async function requeueVanished(
  queue: {
    /** How many of these jobs Redis holds (one round trip: most checks find them all). */
    countJobs(ids: readonly string[]): Promise<number>;
    getJobState(id: string): Promise<string>;
    add(name: string, data: QueuedTask, opts: QueuedJob['opts']): Promise<unknown>;
  },
  jobs: readonly QueuedJob[],
  say: (name: string) => void,
): Promise<void> {
  for (const job of await vanishedJobs(queue, jobs)) {
    const added = await queue.add(job.name, job.data, job.opts).then(
      () => true,
      () => false,
    );
    if (added) say(job.name);
  }
}

/** How a job the batch waits for ended, read from Redis rather than from its event. */
export type FinishedJob = { readonly jobId: string; readonly outcome: RunOutcome } | { readonly jobId: string; readonly failedReason: string };

/**
 * The jobs of `ids` that have finished, read from Redis: a batch follows its jobs by their
 * 'completed' and 'failed' events, and an event sent before the batch's event reader was
 * listening is read by nobody (BullMQ's QueueEvents starts reading at "now" a round trip
 * after it says it is ready), so the batch waited for ever. Checked with the lost jobs,
 * every 10 s. A failed check (Redis down) finds nothing; the next one looks again.
 */
export async function finishedJobs(
  queue: {
    /** For each id, whether it is in the queue's completed or failed set (one round trip for all). */
    finishedOf(ids: readonly string[]): Promise<ReadonlyArray<'completed' | 'failed' | undefined>>;
    getJob(id: string): Promise<{ readonly returnvalue: unknown; readonly failedReason?: string } | undefined>;
  },
  ids: readonly string[],
): Promise<FinishedJob[]> {
  if (ids.length === 0) return [];
  const states = await queue.finishedOf(ids).catch(() => []);
  const found: FinishedJob[] = [];
  for (const [i, state] of states.entries()) {
    if (state === undefined) continue;
    const jobId = ids[i]!;
    const job = await queue.getJob(jobId).catch(() => undefined);
    if (job === undefined) continue;
    found.push(state === 'completed' ? { jobId, outcome: job.returnvalue as RunOutcome } : { jobId, failedReason: job.failedReason ?? 'no reason recorded' });
  }
  return found;
}

/** A job's data: the run's task, and the folder the batch was started in (relative scenario paths start there). */
export interface QueuedTask extends RunTask {
  readonly cwd: string;
  /** The gridbid version of the batch that queued it: a worker of another version refuses it (batch/queueWorker.ts). */
  readonly gridbidVersion: string;
  /** The batch's `--run-timeout`, which the worker running the task applies (absent: none). */
  readonly runTimeoutSeconds?: number;
}

export interface QueueFollowOptions {
  readonly url: string;
  readonly outDir: string;
  readonly stop?: AbortSignal | undefined;
  readonly kill?: AbortSignal | undefined;
  /** How the runs write their tables (`--format`); default csv. */
  readonly formats?: RunTask['formats'];
  readonly runTimeoutSeconds?: number | undefined;
  /** The outcome of a run whose folder already holds it finished (a valid DONE for this run), if it does. */
  readonly finishedRun?: ((run: RunSpec) => RunOutcome | undefined) | undefined;
  /** How often to look for jobs Redis lost (default 10 s). */
  readonly vanishedCheckMs?: number | undefined;
  /** Stop following the runs when Redis has not answered for this long (`--redis-timeout`; default 10 min; 0: wait for ever). */
  readonly redisTimeoutSeconds?: number | undefined;
}

/**
 * Enqueues the runs and resolves when each has finished (or, after `stop`, when the
 * ones already taken by a worker have; after `kill`, at once: runs in progress go on
 * in their workers, and a rerun keeps those that finished). `finish` gets each
 * outcome as it arrives, with the time a worker spent on it. Resolves to the reason
 * when it stopped following the runs because Redis did not answer for
 * `redisTimeoutSeconds` (as after `kill`: the runs in progress go on in their workers).
 */
export async function runOnQueue(
  runs: readonly RunSpec[],
  options: QueueFollowOptions,
  connection: Redis,
  progress: BatchProgress,
  finish: (run: RunSpec, outcome: RunOutcome, ms: number) => void,
): Promise<string | undefined> {
  const limitSeconds = options.redisTimeoutSeconds ?? DEFAULT_REDIS_TIMEOUT_SECONDS;
  watchConnection(connection, options.url, (t) => progress.note(t), limitSeconds > 0 ? `; giving up after ${formatSeconds(limitSeconds)} without an answer (--redis-timeout)` : '');
  // Redis silent for the limit: the batch stops following, whatever it was waiting for (the queue's
  // first answer, the jobs' creation, their ends). ioredis would hold every command for ever.
  let gaveUp: string | undefined;
  const silent = new AbortController();
  const silence = new Promise<void>((resolveSilence) => silent.signal.addEventListener('abort', () => resolveSilence(), { once: true }));
  // Asked on a connection of its own: on the queue's, a PING waits behind the batch's own commands (the
  // jobs of a large sweep take a while to add), and a busy Redis would have counted as a silent one.
  const pinger = connection.duplicate();
  pinger.on('error', () => {}); // reported once by watchConnection
  const endWatch = watchAnswers(pinger, limitSeconds * 1000, () => {
    gaveUp = redisSilentReason(options.url, limitSeconds);
    silent.abort();
  });
  /** What a step resolved to, or undefined when Redis went silent first. */
  const unlessSilent = <T>(step: Promise<T>): Promise<T | undefined> => Promise.race([step, silence.then(() => undefined)]);
  /** The batch no longer follows its runs: a second Ctrl-C, or Redis silent for the limit. */
  const letGo = (): boolean => options.kill?.aborted === true || silent.signal.aborted;
  // Loaded here, not with the module: `gridbid batch --help` reads this module's URL helpers, and must not load the YAML parser.
  const [{ Queue, QueueEvents }, { failRunFolder }] = await Promise.all([import('bullmq'), import('./runScenarioFile.ts')]);
  const queue = new Queue<QueuedTask, RunOutcome>(QUEUE_NAME, { connection });
  // QueueEvents blocks on its connection: its own, closed here (BullMQ leaves connections it was given open).
  const eventsConnection = connection.duplicate();
  // Without a listener ioredis prints "[ioredis] Unhandled error event" and a stack on every reconnection attempt.
  eventsConnection.on('error', () => {});
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection });
  queue.on('error', () => {}); // reported once by watchConnection
  events.on('error', () => {});
  let vanishedCheck: ReturnType<typeof setInterval> | undefined;
  try {
    await unlessSilent(events.waitUntilReady().catch((err: unknown) => Promise.reject(asRefusal(options.url, 'to follow the queue', err))));
    if (gaveUp !== undefined) return gaveUp;
    const batch = randomUUID();
    const byJob = new Map<string, RunSpec>();
    const startedAt = new Map<string, number>();
    const active = new Set<string>();
    events.on('active', ({ jobId }) => {
      if (!byJob.has(jobId)) return;
      startedAt.set(jobId, performance.now());
      active.add(jobId);
      progress.running(active.size);
    });
    events.on('stalled', ({ jobId }) => {
      const run = byJob.get(jobId);
      if (!run) return;
      active.delete(jobId);
      progress.note(`${run.id}: its worker stopped answering; the run goes back on the queue for another worker`);
      progress.running(active.size);
    });
    const outDir = resolve(options.outDir);
    const version = gridbidVersion();
    const bulk = runs.map((run) => {
        const jobId = `${batch}-${run.index}`;
        byJob.set(jobId, run);
        // The scenario's path as given (summary.json records it), with the folder it is relative to.
        const task: QueuedTask = {
          id: run.id,
          outDir: `${outDir}/${run.id}`,
          file: run.file,
          fileLabel: run.fileLabel,
          text: run.text,
          seed: run.seed,
          fingerprint: run.fingerprint,
          ...(options.formats ? { formats: options.formats } : {}),
          ...(options.runTimeoutSeconds !== undefined ? { runTimeoutSeconds: options.runTimeoutSeconds } : {}),
          cwd: process.cwd(),
          gridbidVersion: version,
        };
        return {
          name: run.id,
          data: task,
          opts: { jobId, attempts: 1, removeOnComplete: { age: KEEP_FINISHED_SECONDS }, removeOnFail: { age: KEEP_FINISHED_SECONDS } },
        };
      });
    const added = await unlessSilent(queue.addBulk(bulk).catch((err: unknown) => Promise.reject(asRefusal(options.url, 'to queue the runs', err))));
    if (added === undefined) return gaveUp;
    const jobs: Array<Job<QueuedTask, RunOutcome>> = added;
    progress.note(`${jobs.length} run${jobs.length === 1 ? '' : 's'} queued on ${showUrl(options.url)} (queue ${QUEUE_NAME}); start workers with: gridbid worker --queue ${showUrl(options.url)}`);

    await new Promise<void>((resolveAll) => {
      let open = jobs.length;
      const settled = new Set<string>();
      const settle = (jobId: string): void => {
        if (settled.has(jobId)) return;
        settled.add(jobId);
        active.delete(jobId);
        progress.running(active.size);
        if (--open === 0) resolveAll();
      };
      if (open === 0) resolveAll();
      // A job that is no longer in Redis (a server restarted without saving its data, a FLUSHALL)
      // would never finish: the batch waited for ever. It goes on the queue again, with the same
      // id, so the wait for it ends when it does; a worker keeps a run that was already published.
      const store = {
        countJobs: (ids: readonly string[]) => connection.exists(...ids.map((id) => queue.toKey(id))),
        getJobState: (id: string) => queue.getJobState(id),
        add: (name: string, data: QueuedTask, opts: QueuedJob['opts']) => queue.add(name, data, opts),
      };
      const requeued = (name: string): void => progress.note(`${name}: its job is no longer in Redis (did the server restart without saving its data?); queued again`);
      const took = (jobId: string): number => {
        const t0 = startedAt.get(jobId);
        return t0 === undefined ? 0 : performance.now() - t0;
      };
      // The time the run really took, as the worker that published it recorded it: the attempt that ends
      // a job may only have kept a folder published earlier (after a stall or a lost job), in milliseconds.
      const ranFor = (jobId: string): number | undefined => readRunTime(join(outDir, byJob.get(jobId)!.id));
      // A job ends once: by its event, or by the periodic look at Redis when its event was never read.
      const completed = (jobId: string, outcome: RunOutcome): void =>
        void workerMs(queue, jobId).then((ms) => {
          if (settled.has(jobId)) return;
          if (!letGo()) finish(byJob.get(jobId)!, outcome, ranFor(jobId) ?? ms ?? took(jobId));
          settle(jobId);
        });
      const failed = (jobId: string, message: string): void => {
        if (settled.has(jobId)) return;
        if (options.stop?.aborted || letGo()) return settle(jobId);
        // Failed in the worker outside the engine (its process failed, or it stalled too often): no
        // run wrote the folder, so the batch does, as for any failed run. A run a worker published
        // meanwhile is finished: its row is its DONE's, as a rerun would read it (it was 'failed'
        // beside a finished folder, and the rerun said ok).
        const run = byJob.get(jobId)!;
        const error = `the worker running it failed: ${oneLine(message)}`;
        const folder = join(outDir, run.id);
        const published = options.finishedRun?.(run);
        finish(run, published ?? (existsSync(join(folder, DONE_FILE)) ? { status: 'failed', error } : failRunFolder(folder, run, error)), (published && ranFor(jobId)) ?? took(jobId));
        settle(jobId);
      };
      const follow = (job: Job<QueuedTask, RunOutcome>): void => {
        const jobId = job.id!;
        job.waitUntilFinished(events).then(
          (outcome: RunOutcome) => completed(jobId, outcome),
          (err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            // Lost as the wait began (BullMQ's first look finds no job): queued again, then waited for again.
            if (message.startsWith('Missing key for job') && !options.stop?.aborted && !letGo()) {
              void requeueVanished(store, bulk.filter((b) => b.opts.jobId === jobId), requeued).finally(() => setTimeout(() => follow(job), 1000));
              return;
            }
            failed(jobId, message);
          },
        );
      };
      const finishedStore = {
        finishedOf: async (ids: readonly string[]) => {
          const pipeline = connection.pipeline();
          for (const id of ids) pipeline.zscore(queue.keys.completed!, id).zscore(queue.keys.failed!, id);
          const replies = (await pipeline.exec()) ?? [];
          return ids.map((_, i) => (replies[2 * i]?.[1] != null ? 'completed' : replies[2 * i + 1]?.[1] != null ? 'failed' : undefined));
        },
        getJob: (id: string) => queue.getJob(id),
      };
      for (const job of jobs) follow(job);
      // Stop: take back the runs no worker has started; the started ones finish.
      options.stop?.addEventListener(
        'abort',
        () => {
          // A job a worker holds is locked and stays (remove rejects); a removed one is settled here, unfinished.
          for (const job of jobs) job.remove().then(() => settle(job.id!), () => {});
        },
        { once: true },
      );
      options.kill?.addEventListener('abort', () => resolveAll(), { once: true });
      silent.signal.addEventListener('abort', () => resolveAll(), { once: true });
      // After a Ctrl-C a job Redis lost is not queued again: it waited for it until Redis had it again (never,
      // after a restart without data) or a second Ctrl-C. Its run is not finished, unless a worker published it.
      const lostAfterStop = (job: QueuedJob): void => {
        const jobId = job.opts.jobId;
        if (settled.has(jobId) || letGo()) return;
        const run = byJob.get(jobId)!;
        const published = options.finishedRun?.(run);
        if (published) finish(run, published, ranFor(jobId) ?? took(jobId));
        else progress.note(`${run.id}: its job is no longer in Redis (did the server restart without saving its data?); not queued again after Ctrl-C: not finished (rerun to run it)`);
        settle(jobId);
      };
      let checking = false;
      vanishedCheck = setInterval(() => {
        if (checking || letGo()) return;
        checking = true;
        const waiting = bulk.filter((b) => !settled.has(b.opts.jobId));
        // After a Ctrl-C nothing goes on the queue again, but the started runs are still looked for in
        // Redis: the batch waited for ever for a run whose finish it did not hear.
        void (options.stop?.aborted ? vanishedJobs(store, waiting).then((lost) => lost.forEach(lostAfterStop)) : requeueVanished(store, waiting, requeued))
          .then(() => finishedJobs(finishedStore, waiting.map((b) => b.opts.jobId).filter((id) => !settled.has(id))))
          .then((found) => {
            for (const job of found) 'outcome' in job ? completed(job.jobId, job.outcome) : failed(job.jobId, job.failedReason);
          })
          .finally(() => (checking = false));
      }, options.vanishedCheckMs ?? VANISHED_CHECK_MS);
    });
    return gaveUp;
  } finally {
    endWatch();
    pinger.disconnect();
    clearInterval(vanishedCheck);
    await events.close();
    await queue.close();
    eventsConnection.disconnect();
  }
}

/**
 * The worker threads that run a batch's runs, for `gridbid batch` and `gridbid worker`:
 * started before the runs to do are known (they load the engine while the main thread plans),
 * then used `n` at a time. Each thread is a piscina pool of its own (at most one worker), so
 * that the threads a batch does not need can be ended one by one.
 *
 * Never ends a thread while it is loading its code. Node 20 aborts the whole process when a
 * worker is terminated inside its module loading (`FATAL ERROR: v8::Module::IsGraphAsync ...
 * must be used on an instantiated module`, from `ModuleWrap::InstantiateSync`, where piscina
 * loads the worker's module): 2 aborts in 2,300 pools of 2 threads destroyed 0–160 ms after
 * they started, on a 2-core machine (rare, so test/batch/runThreads.spec.ts checks the rule,
 * not the crash). A batch ended its threads that early whenever its planning failed (a sweep
 * with a mistake), every run was already finished (a batch run again), or it had fewer runs
 * than threads (the threads were started again with fewer), and a `gridbid worker` stopped as
 * it started. So a thread's first task is `ready` (batch/worker.ts), which answers once the
 * code has loaded, and a thread is ended only after that answer.
 *
 * No thread is started again behind the batch's back: a pool of none at rest (`minThreads: 0`)
 * starts its worker for a task, so after a worker crashed in a run (which fails that run) the
 * next run starts a new one, and no replacement is left loading when the batch ends. That new
 * worker's first task is `ready` too, so a kill or close while it loads also waits for it.
 *
 * A run that loaded strategy modules (`strategy: { module: … }`) gets its thread a new worker
 * afterwards: a module's top-level state would otherwise reach the worker's next run, and a
 * batch's numbers would depend on its worker count (batch/worker.ts says when).
 *
 * A run may have a time limit (`gridbid batch --run-timeout`): past it, its worker is ended in the
 * middle of the run, which then fails (`RunTimeoutError`); the thread's next run starts a new worker.
 *
 * A worker that cannot load its code (a broken install: a package missing) fails every run the
 * thread is given, with the reason (`WorkerLoadError`): piscina starts no worker again in a pool
 * whose worker failed to start, and a task given to it would wait for ever.
 */
import { Piscina } from 'piscina';
import { type RunOutcome, type RunTask, RunTimeoutError, WorkerLoadError } from './runFiles.ts';
import type { WorkerCode } from './workerCode.ts';

/**
 * Young generation of a worker: three semi-spaces of 64 MB, what the CLI's
 * `--max-semi-space-size=64` gives the main thread (bin/gridbid.js).
 */
const WORKER_YOUNG_GENERATION_MB = 3 * 64;

/** A thread left idle this long ends (a `gridbid worker` on an empty queue); the next task starts it again. */
const IDLE_MS = 10 * 60_000;

interface Thread {
  readonly pool: Piscina<RunTask | undefined, RunOutcome | true>;
  /** Settles once the thread's current worker has loaded its code (or failed to). */
  loaded: Promise<void>;
  /**
   * Why its worker could not load its code (a broken install: a package missing, a file cut short).
   * The thread then takes no task: piscina starts no worker again in a pool whose worker failed
   * to start, so a task given to it would wait for ever.
   */
  loadFailed: unknown;
  /** Settles `loaded` with the reason its worker failed to start (piscina reports that as an 'error' of the pool: its `ready` task waits for ever). */
  failLoad: ((err: unknown) => void) | undefined;
  busy: boolean;
}

export class RunThreads {
  private readonly threads: Thread[];
  private readonly ending: Array<Promise<void>> = [];
  private closed: Promise<void> | undefined;

  constructor(
    readonly code: WorkerCode,
    count: number,
  ) {
    this.threads = Array.from({ length: Math.max(1, count) }, () => this.start());
  }

  /** Threads kept. */
  get size(): number {
    return this.threads.length;
  }

  /** Keeps `n` threads (at least one); the others end once they have loaded. */
  keep(n: number): void {
    const surplus = this.threads.splice(Math.max(1, n));
    for (const t of surplus) this.ending.push(endLoaded(t));
  }

  /**
   * Ends the threads with no run while another still has one: the sweep has no run left for
   * them (the caller knows). Each ends on the core its last run freed, while the others finish,
   * instead of after them: a 2-worker batch's end took 0.07–0.10 s from its report to its exit,
   * against 0.045 s for 1 worker (docs/performance.md, session 47). Once every thread is idle,
   * `close` ends them.
   */
  endIdle(): void {
    if (this.closed !== undefined || this.threads.every((t) => !t.busy)) return;
    for (const t of this.threads.filter((t) => !t.busy)) {
      this.threads.splice(this.threads.indexOf(t), 1);
      this.ending.push(endLoaded(t));
    }
  }

  /**
   * Runs `task` on an idle thread; the caller keeps at most `size` tasks in flight. When
   * `kill` aborts, the thread running it ends at once (its run unfinished) and the promise rejects.
   * With `timeLimitSeconds`, a run still going that long after it started on its loaded thread
   * rejects with `RunTimeoutError`, and its worker is ended (the thread's next run starts a new one).
   */
  run(task: RunTask, { kill, timeLimitSeconds }: { readonly kill?: AbortSignal | undefined; readonly timeLimitSeconds?: number | undefined } = {}): Promise<RunOutcome> {
    const thread = this.threads.find((t) => !t.busy);
    if (!thread) return Promise.reject(new Error(`RunThreads: ${this.threads.length} runs already in flight`));
    thread.busy = true;
    // A thread whose worker died in a run (a run never throws: batch/worker.ts) or ended idle (`IDLE_MS`) starts a new one,
    // which loads first like the thread's first: it too may be ended only once loaded, and may fail to load.
    if (thread.loadFailed === undefined && thread.pool.threads.length === 0) load(thread);
    // A kill as the batch starts may come while the thread still loads: it ends once loaded, as always.
    const onKill = (): void => void endLoaded(thread);
    kill?.addEventListener('abort', onKill, { once: true });
    // The task goes to the worker once it has loaded (a kill meanwhile ends it right after), or fails with why it could not.
    return thread.loaded
      .then(() => {
        if (thread.loadFailed !== undefined) throw new WorkerLoadError(thread.loadFailed);
        return timeLimitSeconds === undefined ? (thread.pool.run(task) as Promise<RunOutcome>) : runWithin(thread.pool, task, timeLimitSeconds);
      })
      .then((outcome) => {
        if (!outcome.renewWorker) return outcome;
        this.renew(thread);
        const { renewWorker: _, ...passed } = outcome;
        return passed as RunOutcome;
      })
      .finally(() => {
        kill?.removeEventListener('abort', onKill);
        thread.busy = false;
      });
  }

  /**
   * Puts a new thread in `thread`'s place (loading at once) and ends `thread`: a run that loaded
   * strategy modules leaves their top-level state in its worker, which the next run must not see.
   */
  private renew(thread: Thread): void {
    const k = this.threads.indexOf(thread);
    // A thread no longer kept (`keep`), or any thread once closing, is ending already.
    if (k < 0 || this.closed !== undefined) return;
    this.threads[k] = this.start();
    this.ending.push(endLoaded(thread));
  }

  /** Ends every thread, each once it has loaded; the same promise on every call. */
  close(): Promise<void> {
    this.closed ??= Promise.all([...this.ending, ...this.threads.map(endLoaded)]).then(() => undefined);
    return this.closed;
  }

  private start(): Thread {
    const pool = new Piscina<RunTask | undefined, RunOutcome | true>({
      filename: this.code.url,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: IDLE_MS,
      // Workers get only what they need: the TypeScript loader when they run the sources.
      execArgv: [...this.code.execArgv],
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      atomics: 'disabled',
    });
    const thread: Thread = { pool, loaded: Promise.resolve(), loadFailed: undefined, failLoad: undefined, busy: false };
    // A worker failing in a run fails that run, with the error. piscina reports here one that failed
    // with no task of ours in it: while loading (it could not start), or idle after a run (the next run starts another).
    pool.on('error', (err: unknown) => thread.failLoad?.(err));
    load(thread);
    return thread;
  }
}

/** Starts the thread's worker (its pool has none) with `ready` as its first task: `loaded` settles once it has loaded, or failed to. */
function load(thread: Thread): void {
  thread.loaded = new Promise<void>((resolve) => {
    const failed = (err: unknown): void => {
      thread.loadFailed = err ?? new Error('the worker failed to start');
      resolve();
    };
    thread.failLoad = failed;
    thread.pool.run(undefined, { name: 'ready' }).then(() => resolve(), failed);
  }).finally(() => {
    thread.failLoad = undefined;
  });
}

const endLoaded = (t: Thread): Promise<void> => t.loaded.then(() => t.pool.destroy());

/**
 * `task` on `pool`, ended after `limitSeconds`: piscina then terminates the worker running it, which
 * stops even a synchronous endless loop (V8 ends the thread's JavaScript wherever it is). Real time,
 * not the simulation's: a guard the user sets against a run that never ends, not an input of the run.
 */
function runWithin(pool: Thread['pool'], task: RunTask, limitSeconds: number): Promise<RunOutcome> {
  const limit = new AbortController();
  const timer = setTimeout(() => limit.abort(new RunTimeoutError(limitSeconds)), limitSeconds * 1000);
  return (pool.run(task, { signal: limit.signal }) as Promise<RunOutcome>)
    .catch((err: unknown) => {
      // piscina rejects with its AbortError; what ended the run is the limit.
      throw limit.signal.aborted ? (limit.signal.reason as RunTimeoutError) : err;
    })
    .finally(() => clearTimeout(timer));
}

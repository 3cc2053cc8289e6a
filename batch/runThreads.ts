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
 */
import { Piscina } from 'piscina';
import type { RunOutcome, RunTask } from './runFiles.ts';
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
  /** Its worker died in a run (a run never throws: batch/worker.ts); the next run starts a new one. */
  died: boolean;
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
   * Runs `task` on an idle thread; the caller keeps at most `size` tasks in flight. When
   * `kill` aborts, the thread running it ends at once (its run unfinished) and the promise rejects.
   */
  run(task: RunTask, kill?: AbortSignal): Promise<RunOutcome> {
    const thread = this.threads.find((t) => !t.busy);
    if (!thread) return Promise.reject(new Error(`RunThreads: ${this.threads.length} runs already in flight`));
    thread.busy = true;
    // The worker that replaces one which died loads first, like the thread's first: it too may be ended only once loaded.
    if (thread.died) {
      thread.died = false;
      thread.loaded = loadedOnce(thread.pool);
    }
    // A kill as the batch starts may come while the thread still loads: it ends once loaded, as always.
    const onKill = (): void => void endLoaded(thread);
    kill?.addEventListener('abort', onKill, { once: true });
    return (thread.pool.run(task) as Promise<RunOutcome>)
      .catch((err: unknown) => {
        thread.died = true;
        throw err;
      })
      .finally(() => {
        kill?.removeEventListener('abort', onKill);
        thread.busy = false;
      });
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
    // A worker failing with no run in it (while loading) has nothing to report: a worker
    // failing in a run fails that run, with the error.
    pool.on('error', () => {});
    return { pool, loaded: loadedOnce(pool), died: false, busy: false };
  }
}

/** Starts the pool's worker (when it has none) with `ready` as its first task: settles once it has loaded. */
const loadedOnce = (pool: Thread['pool']): Promise<void> =>
  pool.run(undefined, { name: 'ready' }).then(
    () => undefined,
    () => undefined,
  );

const endLoaded = (t: Thread): Promise<void> => t.loaded.then(() => t.pool.destroy());

/**
 * `gridbid batch` and `gridbid worker` under the V8 flags of `npm run batch`.
 *
 * Why: V8 options such as `--single-threaded` are per process and cannot be set once
 * node runs (nor through NODE_OPTIONS), and the installed executable starts node
 * through its shebang without them. A batch keeps every core busy with its own worker
 * threads, so V8's background GC and compiler threads only compete with the other
 * workers, and they let a 1-worker batch borrow an idle core (measured in
 * bench/batch.bench.ts: 2 workers took 0.65 of 1 worker's time without the flag, 0.59
 * with it). A single `gridbid run` keeps them: there they use the idle cores.
 *
 * How: the executable starts node again, once, with the flags added
 * (`relaunchWithFlags`): same script, arguments, stdio and environment, plus
 * GRIDBID_RELAUNCHED=1 so the second node does not relaunch. The first node then only
 * waits: it passes on SIGINT, SIGTERM and SIGHUP and ends as its child ended (the same
 * exit code, or killed by the same signal), so Ctrl-C, `kill` and the exit codes of
 * `batch` (130 after Ctrl-C) and `worker` behave as if there were one process.
 *
 * Signals: Ctrl-C in a terminal reaches both processes (one process group), `kill <pid>`
 * only the first. Passing every signal on would turn one Ctrl-C into two, and the
 * second Ctrl-C of a batch terminates its running runs. So the child counts the
 * signals it receives and answers a question from its parent ("how many have you had?")
 * after handling those already delivered; the parent passes a signal on only when the
 * child has not had it too (`superviseRelaunched`). A child whose parent disappears
 * (killed with SIGKILL, which cannot be passed on) kills itself the same way, so
 * killing the executable kills the batch or worker, as before.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';

/** What `npm run batch` adds to the executable's node options (package.json). */
export const PARALLEL_NODE_FLAGS: readonly string[] = ['--single-threaded'];
/** The commands that run the flags: they keep every core busy with their own worker threads. */
export const PARALLEL_COMMANDS: ReadonlySet<string> = new Set(['batch', 'worker']);
/** Set in the relaunched node's environment (and removed there at once). */
export const RELAUNCHED_ENV = 'GRIDBID_RELAUNCHED';

const PASSED_ON = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type PassedOn = (typeof PASSED_ON)[number];
/** Signals whose default action also dumps core: the parent exits with 128 + n instead of raising them. */
const CORE_DUMPING = new Set(['SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGXCPU', 'SIGXFSZ', 'SIGSYS']);
/** How long the parent waits for its child's count before passing a signal on regardless (a child stuck in a long synchronous step). */
const ANSWER_TIMEOUT_MS = 5000;

type Question = { readonly gridbid: 'signals?'; readonly id: number };
type Answer = { readonly gridbid: 'signals'; readonly id: number; readonly seen: Record<PassedOn, number> };

/**
 * The node options the command `argv` (the executable's arguments) should get and the
 * process lacks, or none: only for batch and worker (not for their help), and never in a relaunched node.
 */
export function missingNodeFlags(argv: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  if (env[RELAUNCHED_ENV] !== undefined) return [];
  const command = argv.find((a) => !a.startsWith('-'));
  if (command === undefined || !PARALLEL_COMMANDS.has(command)) return [];
  // `batch --help` only prints (commander exits before any run): no second node for it (~0.09 s).
  if (argv.includes('--help') || argv.includes('-h')) return [];
  return PARALLEL_NODE_FLAGS.filter((f) => !execArgv.includes(f));
}

/**
 * Runs `script` again in a new node with `flags` added and becomes its shadow: resolves
 * never; the process exits as the child does.
 */
export function relaunchWithFlags(script: string, argv: readonly string[], flags: readonly string[]): Promise<never> {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, script, ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [RELAUNCHED_ENV]: '1' },
  });
  return new Promise<never>(() => {
    const relay = signalRelay(child);
    for (const sig of PASSED_ON) process.on(sig, relay);
    child.on('error', (err) => {
      process.stderr.write(`gridbid: cannot start node again with ${flags.join(' ')}: ${err.message}\n`);
      process.exit(2);
    });
    child.on('exit', (code, signal) => {
      for (const sig of PASSED_ON) process.off(sig, relay);
      if (signal === null) process.exit(code ?? 2);
      const n = constants.signals[signal];
      if (CORE_DUMPING.has(signal)) process.exit(128 + n);
      process.kill(process.pid, signal);
      // Delivered at once; the timer only keeps the loop alive until it is.
      setTimeout(() => process.exit(128 + n), 1000);
    });
  });
}

/** The parent's signal listener: asks the child what it has had, passes the signal on when it lacks it. */
function signalRelay(child: ChildProcess): (sig: NodeJS.Signals) => void {
  const passed: Record<PassedOn, number> = { SIGINT: 0, SIGTERM: 0, SIGHUP: 0 };
  const shared: Record<PassedOn, number> = { SIGINT: 0, SIGTERM: 0, SIGHUP: 0 };
  let ready = false;
  let asked = 0;
  const waiting = new Map<number, (seen: Answer['seen'] | undefined) => void>();
  child.on('message', (m: unknown) => {
    const msg = m as { gridbid?: string; id?: unknown; seen?: Answer['seen'] };
    if (msg.gridbid === 'ready') ready = true;
    if (msg.gridbid === 'signals' && typeof msg.id === 'number' && msg.seen !== undefined) waiting.get(msg.id)?.(msg.seen);
  });
  child.on('exit', () => {
    for (const answer of waiting.values()) answer(undefined);
  });
  const ask = (): Promise<Answer['seen'] | undefined> =>
    new Promise((resolve) => {
      const id = ++asked;
      const timer = setTimeout(() => answer(undefined), ANSWER_TIMEOUT_MS);
      const answer = (seen: Answer['seen'] | undefined): void => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(seen);
      };
      waiting.set(id, answer);
      const question: Question = { gridbid: 'signals?', id };
      child.send(question, (err) => err && answer(undefined));
    });
  const passOn = (sig: PassedOn): void => {
    passed[sig]++;
    try {
      child.kill(sig);
    } catch {
      // Already gone: its exit ends this process.
    }
  };
  // One signal at a time, in order, so the counts compare.
  let queue = Promise.resolve();
  return (sig) => {
    const s = sig as PassedOn;
    queue = queue.then(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Before the child counts, it has node's default actions: a signal it had too has ended it, a second one changes nothing.
      if (!ready) return passOn(s);
      const seen = await ask();
      if (seen !== undefined && seen[s] > passed[s] + shared[s]) shared[s]++;
      else passOn(s);
    });
  };
}

/**
 * In the relaunched node (started by `relaunchWithFlags`): counts the signals it
 * receives and answers its parent's questions, keeps node's default action (end the
 * process) for a signal nothing else listens to, and dies when the parent is gone.
 */
export function superviseRelaunched(): void {
  delete process.env[RELAUNCHED_ENV];
  if (typeof process.send !== 'function') return;
  const seen: Record<PassedOn, number> = { SIGINT: 0, SIGTERM: 0, SIGHUP: 0 };
  const count = (sig: NodeJS.Signals): void => {
    seen[sig as PassedOn]++;
    // Only this listener: do what node does without one (end the process by the signal).
    if (process.listenerCount(sig) === 1) {
      process.off(sig, count);
      process.kill(process.pid, sig);
    }
  };
  for (const sig of PASSED_ON) process.on(sig, count);
  process.on('message', (m: unknown) => {
    const q = m as Partial<Question>;
    if (q.gridbid !== 'signals?' || typeof q.id !== 'number') return;
    const id = q.id;
    // A signal sent with the question was delivered before the question was read, but
    // when both arrive in one wait of the event loop (a busy machine: this process woke
    // up late), the wait returned the question alone; the signal's listener runs in the
    // next loop turn's I/O, before that turn's immediates.
    setImmediate(() =>
      setImmediate(() => {
        const answer: Answer = { gridbid: 'signals', id, seen: { ...seen } };
        process.send?.(answer);
      }),
    );
  });
  // The parent waits for this process; it goes first only when killed (SIGKILL).
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  process.send({ gridbid: 'ready' });
  // The channel must not keep this process alive.
  (process.channel as { unref?: () => void } | undefined)?.unref?.();
}

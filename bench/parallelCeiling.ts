/**
 * The host's own ceiling for the batch row (bench/batch.bench.ts): how close to 0.5 two
 * threads get on this machine when the work is perfectly parallel and nothing is fixed.
 *
 * The same 12 equal chunks of JavaScript work run on 1 and on 2 worker threads (6 each),
 * started and loaded before the timing, so there is no start-up, no compiling in the timing
 * (an untimed chunk warms each thread up) and nothing serial: the 2-thread time over the
 * 1-thread time is what the machine gives two busy threads. Each chunk allocates short-lived
 * objects and walks a 32 MB typed array, as a run does (young-generation collections, memory
 * traffic), on threads with a batch worker's young generation (batch/runThreads.ts). A batch's
 * 2 workers cannot be expected to do better than this ratio on the same machine at the same
 * time; what they lose beyond it is the batch's own (start-up, first runs' compiling, the main
 * thread's work).
 */
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';

const CHUNKS = 12;
/** Inner iterations of one chunk: ~0.1–0.2 s of CPU here. */
const CHUNK_WORK = 1;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const cells = new Float64Array(4 << 20);
function chunk(work) {
  let s = 0;
  for (let r = 0; r < work; r++) {
    let list = [];
    for (let i = 0; i < 400000; i++) {
      list.push({ kw: i * 0.5, price: (i & 1023) * 0.01 });
      if (list.length === 4096) { for (const o of list) s += o.kw * o.price; list = []; }
    }
    for (let i = 0; i < cells.length; i++) { cells[i] = cells[i] * 0.5 + i; s += cells[(i * 7919) & (cells.length - 1)]; }
  }
  return s;
}
parentPort.on('message', (n) => { let s = 0; for (let k = 0; k < n; k++) s += chunk(${CHUNK_WORK}); parentPort.postMessage(s); });
`;

/** Runs `chunks` chunks on `worker` and resolves when it has. */
function work(worker: Worker, chunks: number): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.postMessage(chunks);
  });
}

/** `threads` warm worker threads with a batch worker's young generation (three semi-spaces of 64 MB). */
async function startThreads(threads: number): Promise<Worker[]> {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 3 * 64 } }));
  await Promise.all(workers.map((w) => work(w, 1)));
  return workers;
}

/** One round, in a given order: the wall time of the 12 chunks on 1 thread and on 2 threads, ms. */
export async function ceilingRound(twoFirst: boolean): Promise<CeilingRound> {
  const one = await startThreads(1);
  const two = await startThreads(2);
  try {
    const time = async (workers: Worker[]): Promise<number> => {
      const t0 = performance.now();
      await Promise.all(workers.map((w) => work(w, CHUNKS / workers.length)));
      return performance.now() - t0;
    };
    if (twoFirst) {
      const b = await time(two);
      return { one: await time(one), two: b };
    }
    const a = await time(one);
    return { one: a, two: await time(two) };
  } finally {
    await Promise.all([...one, ...two].map((w) => w.terminate()));
  }
}

export interface CeilingRound {
  readonly one: number;
  readonly two: number;
}

/** `ceilingRound` in a new node process started with `nodeOptions` (V8 options such as --single-threaded are per process). */
export function ceilingRoundInChild(nodeOptions: readonly string[], twoFirst: boolean): CeilingRound {
  const r = spawnSync(process.execPath, [...nodeOptions, '--import', 'tsx', 'bench/parallelCeiling.ts', '--round', twoFirst ? 'two-first' : 'one-first'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`parallel ceiling: the measuring process exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as CeilingRound;
}

const at = process.argv.indexOf('--round');
if (at > 0) console.log(JSON.stringify(await ceilingRound(process.argv[at + 1] === 'two-first')));

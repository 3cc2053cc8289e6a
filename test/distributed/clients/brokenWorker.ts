/**
 * A queue worker that is not gridbid's: it takes every job and throws. Run as its own
 * process by queue.distributed.ts (`node --import tsx brokenWorker.ts <redis-url>`), so
 * that BullMQ's connections never live in the test process: a client left reconnecting
 * there after the suite stops its redis-server kept mocha from exiting (CI, stop 36).
 * Prints "ready" once it is taking jobs; ends on SIGTERM. With `publish-first` it runs each
 * job's run and publishes its folder (as gridbid's worker does) before it throws, as a job does
 * that fails after its run was published (its worker killed, then it stalled too often). With
 * `publish-then-die` it publishes the run and then ends its process at once, as a worker killed
 * between publishing a run and telling Redis: the job's lock (2 s here) expires and a gridbid
 * worker takes it again and keeps the published folder.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type QueuedTask, QUEUE_NAME } from '../../../batch/queue.ts';
import { runStaged } from '../../../batch/queueWorker.ts';
import { runTask } from '../../../batch/worker.ts';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: brokenWorker.ts <redis-url> [publish-first|publish-then-die]');
const mode = process.argv[3];
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(
  QUEUE_NAME,
  async (job) => {
    if (mode === 'publish-first' || mode === 'publish-then-die') {
      const { cwd: _cwd, gridbidVersion: _v, runTimeoutSeconds: _t, ...task } = job.data as QueuedTask;
      await runStaged(task, runTask);
    }
    if (mode === 'publish-then-die') {
      console.log(`published ${job.data.id}`);
      process.exit(9);
    }
    throw new Error('the disk is on fire');
  },
  { connection, ...(mode === 'publish-then-die' ? { lockDuration: 2000 } : {}) },
);
worker.on('error', (err) => console.error(`brokenWorker: ${err.message}`));
await worker.waitUntilReady();
console.log('ready');
process.once('SIGTERM', () => {
  // Whatever BullMQ leaves open, this process ends: the test waits for it.
  void worker.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
});

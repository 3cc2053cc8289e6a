/**
 * A queue worker that is not gridbid's: it takes every job and throws. Run as its own
 * process by queue.distributed.ts (`node --import tsx brokenWorker.ts <redis-url>`), so
 * that BullMQ's connections never live in the test process: a client left reconnecting
 * there after the suite stops its redis-server kept mocha from exiting (CI, stop 36).
 * Prints "ready" once it is taking jobs; ends on SIGTERM. With `publish-first` it runs each
 * job's run and publishes its folder (as gridbid's worker does) before it throws, as a job does
 * that fails after its run was published (its worker killed, then it stalled too often).
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type QueuedTask, QUEUE_NAME } from '../../../batch/queue.ts';
import { runStaged } from '../../../batch/queueWorker.ts';
import { runTask } from '../../../batch/worker.ts';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: brokenWorker.ts <redis-url> [publish-first]');
const publishFirst = process.argv[3] === 'publish-first';
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(
  QUEUE_NAME,
  async (job) => {
    if (publishFirst) {
      const { cwd: _cwd, gridbidVersion: _v, runTimeoutSeconds: _t, ...task } = job.data as QueuedTask;
      await runStaged(task, runTask);
    }
    throw new Error('the disk is on fire');
  },
  { connection },
);
worker.on('error', (err) => console.error(`brokenWorker: ${err.message}`));
await worker.waitUntilReady();
console.log('ready');
process.once('SIGTERM', () => {
  // Whatever BullMQ leaves open, this process ends: the test waits for it.
  void worker.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
});

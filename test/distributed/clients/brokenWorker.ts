/**
 * A queue worker that is not gridbid's: it takes every job and throws. Run as its own
 * process by queue.distributed.ts (`node --import tsx brokenWorker.ts <redis-url>`), so
 * that BullMQ's connections never live in the test process: a client left reconnecting
 * there after the suite stops its redis-server kept mocha from exiting (CI, stop 36).
 * Prints "ready" once it is taking jobs; ends on SIGTERM.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME } from '../../../batch/queue.ts';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: brokenWorker.ts <redis-url>');
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(
  QUEUE_NAME,
  async () => {
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

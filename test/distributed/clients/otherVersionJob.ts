/**
 * Queues one job as if a batch of gridbid 99.0.0 had queued it and prints, as JSON, how
 * it ended: `{ "failed": "<reason>" }` or `{ "completed": true }`. Run as its own process
 * by queue.distributed.ts (`node --import tsx otherVersionJob.ts <redis-url> <out-dir>
 * <scenario-file> <cwd>`) so that BullMQ's connections never live in the test process.
 */
import { readFileSync } from 'node:fs';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME } from '../../../batch/queue.ts';

const [url, outDir, file, cwd] = process.argv.slice(2);
if (url === undefined || outDir === undefined || file === undefined || cwd === undefined) {
  throw new Error('usage: otherVersionJob.ts <redis-url> <out-dir> <scenario-file> <cwd>');
}
const connection = new Redis(url, { maxRetriesPerRequest: null });
const queue = new Queue(QUEUE_NAME, { connection });
const events = new QueueEvents(QUEUE_NAME, { connection: new Redis(url, { maxRetriesPerRequest: null }) });
await events.waitUntilReady();
const text = readFileSync(file, 'utf8');
const job = await queue.add('tiny__seed-7', { id: 'tiny__seed-7', outDir, file, text, seed: 7, fingerprint: 'x', cwd, gridbidVersion: '99.0.0' }, { attempts: 1 });
const outcome = await job.waitUntilFinished(events).then(
  () => ({ completed: true }),
  (err: unknown) => ({ failed: (err as Error).message }),
);
console.log(JSON.stringify(outcome));
// Whatever BullMQ leaves open, this process ends once it has said how the job ended.
await Promise.race([Promise.all([events.close(), queue.close()]), new Promise((r) => setTimeout(r, 5000).unref())]);
process.exit(0);

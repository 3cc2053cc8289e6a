/**
 * Queues one job as if a batch of gridbid 99.0.0 had queued it and prints, as JSON, how
 * it ended: `{ "failed": "<reason>" }` or `{ "completed": true }`. Run as its own process
 * by queue.distributed.ts (`node --import tsx otherVersionJob.ts <redis-url> <out-dir>
 * <scenario-file> <cwd>`) so that BullMQ's connections never live in the test process.
 *
 * It polls the job's state rather than waiting for its event: a job failed within the
 * round trips QueueEvents takes to start listening sends an event nobody reads, and the
 * wait for it never ended (the likely hang of CI at stop 36).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME } from '../../../batch/queue.ts';

const [url, outDir, file, cwd] = process.argv.slice(2);
if (url === undefined || outDir === undefined || file === undefined || cwd === undefined) {
  throw new Error('usage: otherVersionJob.ts <redis-url> <out-dir> <scenario-file> <cwd>');
}
const connection = new Redis(url, { maxRetriesPerRequest: null });
const queue = new Queue(QUEUE_NAME, { connection });
const text = readFileSync(file, 'utf8');
const job = await queue.add('tiny__seed-7', { id: 'tiny__seed-7', outDir, file, text, seed: 7, fingerprint: 'x', cwd, gridbidVersion: '99.0.0' }, { attempts: 1 });
let state = await queue.getJobState(job.id!);
for (let waited = 0; state !== 'completed' && state !== 'failed'; waited += 50) {
  if (waited > 60_000) throw new Error(`the job is still '${state}' after 60 s: no worker took it`);
  await sleep(50);
  state = await queue.getJobState(job.id!);
}
const finished = await queue.getJob(job.id!);
console.log(JSON.stringify(state === 'failed' ? { failed: finished?.failedReason } : { completed: true }));
// Whatever BullMQ leaves open, this process ends once it has said how the job ended.
await Promise.race([queue.close(), sleep(5000)]);
process.exit(0);

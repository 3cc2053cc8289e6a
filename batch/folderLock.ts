/**
 * One batch writes a results folder at a time. Two batches into one `--out` clashed: the
 * second to finish ended in "internal error: … Could not set lock on file
 * results.duckdb.partial" (exit 2), and each one's start-up clean-up removes the run folders
 * and staging folders the other is writing. The batch holds `<out>/.gridbid-batch.lock`
 * (its process id and host) from before it changes anything until it ends; a second batch is
 * refused with a clear message. A lock left by a batch that died on this machine (SIGKILL, a
 * crash) is taken over; one of another machine sharing the folder cannot be checked from
 * here, so the message says how to remove it.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';

export const LOCK_FILE = '.gridbid-batch.lock';

interface Holder {
  readonly pid: number;
  readonly host: string;
}

function readHolder(path: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? { pid: h.pid, host: h.host } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether process `pid` of this machine is running (EPERM: running, someone else's). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the folder's lock (`outDir` exists); returns the function that releases it. Throws a
 * `UserError` naming the batch that holds it.
 */
export function lockBatchFolder(outDir: string): () => void {
  const path = join(outDir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname() };
  for (;;) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      return () => {
        const h = readHolder(path);
        if (h?.pid === me.pid && h.host === me.host) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const h = readHolder(path);
      // Left by a batch of this machine that is not running any more: take it over.
      if (h !== undefined && h.host === me.host && h.pid !== me.pid && !running(h.pid)) {
        rmSync(path, { force: true });
        continue;
      }
      const who = h === undefined ? 'another gridbid batch' : `another gridbid batch (process ${h.pid} on ${h.host})`;
      throw new UserError(`${outDir} is being written by ${who}: wait for it to end, or give this batch another --out. If no batch is writing there (one stopped by a power cut, say), remove ${path}`);
    }
  }
}

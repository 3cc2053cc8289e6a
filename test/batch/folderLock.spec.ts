/**
 * One batch writes a results folder at a time (batch/folderLock.ts). Two batches into one
 * --out clashed: the second to finish ended in "internal error: … Could not set lock on file
 * results.duckdb.partial" (exit 2; audit Y-queue, D1), and each one's start-up removed the
 * other's runs in progress.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { LOCK_FILE, lockBatchFolder } from '../../batch/folderLock.ts';
import { runBatch } from '../../batch/runBatch.ts';
import { UserError } from '../../core/errors.ts';
import { checkOutputTree } from './outputTree.ts';

describe('one batch writes a results folder at a time', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gridbid-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a second lock is refused, naming the holder; released, the folder can be locked again', () => {
    const release = lockBatchFolder(dir);
    expect(() => lockBatchFolder(dir))
      .to.throw(UserError)
      .with.property('message', `${dir} is being written by another gridbid batch (process ${process.pid} on ${hostname()}): wait for it to end, or give this batch another --out. If no batch is writing there (one stopped by a power cut, say), remove ${join(dir, LOCK_FILE)}`);
    release();
    expect(existsSync(join(dir, LOCK_FILE))).to.equal(false);
    lockBatchFolder(dir)();
  });

  it("a lock left by a batch of this machine that is not running is taken over; one of another machine is not", () => {
    // A process that has ended: its id is free (until the system reuses it).
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(dir, LOCK_FILE), `${JSON.stringify({ pid: gone, host: hostname() })}\n`);
    lockBatchFolder(dir)();
    writeFileSync(join(dir, LOCK_FILE), `${JSON.stringify({ pid: gone, host: 'other-machine' })}\n`);
    expect(() => lockBatchFolder(dir)).to.throw(UserError, `(process ${gone} on other-machine)`);
  });

  it('two batches into one --out: the second is refused before it changes anything, the first ends as it would alone and leaves no lock', async () => {
    const out = join(dir, 'out');
    const first = runBatch({ target: 'test/fixtures/sweeps/tiny.yaml', outDir: out, workers: 1 });
    // Once the first holds the folder (it plans the sweep first).
    for (let i = 0; i < 400 && !existsSync(join(out, LOCK_FILE)); i++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(join(out, LOCK_FILE)), 'the first batch took the lock').to.equal(true);
    let refused: unknown;
    await runBatch({ target: 'test/fixtures/sweeps/tiny.yaml', outDir: out, workers: 1 }).catch((e: unknown) => (refused = e));
    expect(refused).to.be.instanceOf(UserError);
    expect((refused as Error).message).to.contain(`${out} is being written by another gridbid batch (process ${process.pid} on ${hostname()})`);
    const r = await first;
    expect([r.ok, r.failed]).to.deep.equal([1, 0]);
    expect(existsSync(join(out, LOCK_FILE))).to.equal(false);
    checkOutputTree(out);
  });
});

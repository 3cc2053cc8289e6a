/**
 * The queue's parts that need no Redis server (the rest is in test/distributed/,
 * `npm run test:distributed`): URL checking, connection errors, and the staged,
 * idempotent writing of a run that a queue worker may run twice.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { planBatch } from '../../batch/plan.ts';
import {
  finishedJobs,
  type QueuedTask,
  parseQueueUrl,
  readRunTime,
  redisSilentReason,
  refusedMessage,
  requeueVanished,
  RUN_TIMES_DIR,
  showUrl,
  STAGING_DIR,
  unreachableMessage,
  vanishedJobs,
  workerMs,
  writeRunTime,
} from '../../batch/queue.ts';
import { answersWithin, watchAnswers } from '../../batch/redisWatch.ts';
import { resumeCommand } from '../../cli/commands/batch.ts';
import { parseRedisTimeout } from '../../cli/commands/batchOptions.ts';
import { finishedOutcome, runStaged, smallerLimit, workerScenarioPath } from '../../batch/queueWorker.ts';
import { type RunTask, runTask } from '../../batch/worker.ts';
import { gridbidInProcess, hasStackTrace } from '../helpers/cli.ts';

describe('batch on a Redis queue (no server needed)', () => {
  it('accepts redis:// and rediss:// URLs only, and hides passwords in messages', () => {
    expect(parseQueueUrl('redis://localhost:6379')).to.equal('redis://localhost:6379');
    expect(parseQueueUrl('rediss://user:pw@queue.example:6380/2')).to.equal('rediss://user:pw@queue.example:6380/2');
    expect(parseQueueUrl('http://localhost:6379')).to.deep.equal({ reason: "expected a redis:// or rediss:// URL (got 'http://localhost:6379')" });
    expect(parseQueueUrl('localhost:6379')).to.have.property('reason');
    expect(parseQueueUrl('nonsense')).to.deep.equal({ reason: "expected a Redis URL such as redis://localhost:6379 (got 'nonsense')" });
    expect(showUrl('redis://me:secret@h:1')).to.equal('redis://me:***@h:1');
  });

  it('an unreachable Redis: batch --queue and worker exit 1 with the URL and the reason, no stack, nothing written', async function () {
    this.timeout(30_000);
    const out = join(tmpdir(), `gridbid-queue-unreachable-${process.pid}`);
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    for (const args of [
      ['batch', 'test/fixtures/sweeps/grid.yaml', '--queue', 'redis://127.0.0.1:1', '--out', out],
      ['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '1'],
    ]) {
      const r = await gridbidInProcess(args);
      expect(r.status, args.join(' ')).to.equal(1);
      expect(r.stderr).to.equal('gridbid: cannot reach Redis at redis://127.0.0.1:1: connect: ECONNREFUSED 127.0.0.1:1. Is redis-server running there, and is the port open?\n');
      expect(hasStackTrace(r.stderr)).to.equal(false);
    }
    expect(existsSync(out)).to.equal(false);
    const bad = await gridbidInProcess(['batch', 'test/fixtures/sweeps/grid.yaml', '--queue', 'http://127.0.0.1:6379', '--out', out]);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.contain("argument 'http://127.0.0.1:6379' is invalid. expected a redis:// or rediss:// URL");
    const none = await gridbidInProcess(['worker']);
    expect(none.status).to.equal(1);
    expect(none.stderr).to.contain("required option '--queue <redis-url>' not specified");
    const limit = await gridbidInProcess(['worker', '--queue', 'redis://127.0.0.1:1', '--run-timeout', '0s']);
    expect(limit.status).to.equal(1);
    expect(limit.stderr).to.contain("option '--run-timeout <duration>' argument '0s' is invalid. expected a duration above 0 and at most 24 days (576h)");
  });

  it('options that mean nothing in the mode are refused, not ignored: --redis-timeout without --queue, --workers with it', async function () {
    this.timeout(30_000);
    const out = join(tmpdir(), `gridbid-queue-options-${process.pid}`);
    const local = await gridbidInProcess(['batch', 'test/fixtures/sweeps/grid.yaml', '--redis-timeout', '30s', '--out', out]);
    expect([local.status, local.stderr]).to.deep.equal([1, 'gridbid: --redis-timeout applies only with --queue (without a queue no Redis is involved)\n']);
    const queued = await gridbidInProcess(['batch', 'test/fixtures/sweeps/grid.yaml', '--queue', 'redis://127.0.0.1:1', '--workers', '2', '--out', out]);
    expect([queued.status, queued.stderr]).to.deep.equal([1, 'gridbid: --workers does not apply with --queue: the runs run in gridbid worker processes (give each its --concurrency)\n']);
    expect(existsSync(out)).to.equal(false);
  });

  it('a server that refuses the password is named as such, not as one that may not be running; no doubled full stop', () => {
    expect(unreachableMessage('redis://:pw@h:1', 'WRONGPASS invalid username-password pair or user is disabled.')).to.equal(
      'cannot reach Redis at redis://:***@h:1: WRONGPASS invalid username-password pair or user is disabled. Check the password in the URL (redis://:PASSWORD@host:port, or redis://USER:PASSWORD@host:port)',
    );
    expect(unreachableMessage('redis://h:1', 'NOAUTH Authentication required.')).to.match(/^cannot reach Redis at redis:\/\/h:1: NOAUTH Authentication required\. Check the password in the URL/);
    expect(unreachableMessage('redis://h:1', 'connect ECONNREFUSED 127.0.0.1:1')).to.equal(
      'cannot reach Redis at redis://h:1: connect: ECONNREFUSED 127.0.0.1:1. Is redis-server running there, and is the port open?',
    );
  });

  it('rediss:// that times out asks whether the server speaks TLS (a plain redis-server gave only "connect: ETIMEDOUT")', () => {
    expect(unreachableMessage('rediss://127.0.0.1:47111', 'connect ETIMEDOUT')).to.equal(
      'cannot reach Redis at rediss://127.0.0.1:47111: connect: ETIMEDOUT. rediss:// asks for TLS: does the server speak TLS on that port (a plain redis-server needs redis://)? Is it running there, and is the port open?',
    );
  });

  it('a command Redis refuses is told as such, without the Lua script, with what to do (it was an internal error with a stack)', () => {
    expect(refusedMessage('redis://:pw@h:1', 'to queue the runs', "OOM command not allowed when used memory > 'maxmemory'. script: 808626431266f2e834f108cac6b35ce556927132, on @user_script:507.")).to.equal(
      "Redis at redis://:***@h:1 refused to queue the runs: OOM command not allowed when used memory > 'maxmemory'. The server is out of memory (its maxmemory): free some, or raise it",
    );
    expect(refusedMessage('redis://h:1', 'to queue the runs', "READONLY You can't write against a read only replica.")).to.match(/replica\. The URL names a read-only replica: give the primary$/);
    expect(refusedMessage('redis://h:1', 'x', 'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.')).to.match(/disk\. The server cannot save its data/);
    expect(refusedMessage('redis://h:1', 'x', 'ERR something new')).to.equal('Redis at redis://h:1 refused x: ERR something new. Check the server (its log, INFO)');
  });

  it("a run's time limit on a worker is the smaller of the batch's --run-timeout and the worker's own", () => {
    expect(smallerLimit(undefined, undefined)).to.equal(undefined);
    expect(smallerLimit(600, undefined)).to.equal(600);
    expect(smallerLimit(undefined, 7200)).to.equal(7200);
    expect(smallerLimit(600, 7200)).to.equal(600);
    expect(smallerLimit(7200, 600)).to.equal(600);
  });

  it("a queued run's time is the worker's, from the job's start and finish times", async () => {
    const queue = (job: { processedOn?: number; finishedOn?: number } | undefined) => ({ getJob: async () => job });
    expect(await workerMs(queue({ processedOn: 1_000, finishedOn: 3_500 }), 'j')).to.equal(2_500);
    expect(await workerMs(queue(undefined), 'j')).to.equal(undefined);
    expect(await workerMs(queue({ processedOn: 1_000 }), 'j')).to.equal(undefined);
    expect(await workerMs({ getJob: () => Promise.reject(new Error('connection lost')) }, 'j')).to.equal(undefined);
  });

  it('jobs Redis lost go on the queue again under the same id; jobs it holds are left alone', async () => {
    const held = new Map<string, string>([['b-0', 'active'], ['b-2', 'completed']]);
    const added: string[] = [];
    const said: string[] = [];
    const store = {
      countJobs: async (ids: readonly string[]) => ids.filter((id) => held.has(id)).length,
      getJobState: async (id: string) => held.get(id) ?? 'unknown',
      add: async (_name: string, _data: QueuedTask, opts: { jobId: string }) => void added.push(opts.jobId),
    };
    const job = (i: number) => ({ name: `run-${i}`, data: {} as QueuedTask, opts: { jobId: `b-${i}` } });
    await requeueVanished(store, [0, 1, 2, 3].map(job), (name) => said.push(name));
    expect(added).to.deep.equal(['b-1', 'b-3']);
    expect(said).to.deep.equal(['run-1', 'run-3']);
    // All there (the usual case): one count, nothing added; Redis down: nothing added, the next check retries.
    added.length = 0;
    await requeueVanished(store, [0, 2].map(job), () => {});
    await requeueVanished({ ...store, countJobs: () => Promise.reject(new Error('down')) }, [1].map(job), () => {});
    expect(added).to.deep.equal([]);
  });

  it('jobs that finished while nobody read their events are found in Redis, with their outcome or reason; a failed look finds none', async () => {
    const sets = new Map<string, 'completed' | 'failed'>([['b-1', 'completed'], ['b-3', 'failed']]);
    const jobs = new Map([
      ['b-1', { returnvalue: { status: 'ok', row: ['x'] } }],
      ['b-3', { returnvalue: null, failedReason: 'the disk is on fire' }],
    ]);
    const store = {
      finishedOf: async (ids: readonly string[]) => ids.map((id) => sets.get(id)),
      getJob: async (id: string) => jobs.get(id),
    };
    expect(await finishedJobs(store, ['b-0', 'b-1', 'b-2', 'b-3'])).to.deep.equal([
      { jobId: 'b-1', outcome: { status: 'ok', row: ['x'] } },
      { jobId: 'b-3', failedReason: 'the disk is on fire' },
    ]);
    expect(await finishedJobs(store, ['b-0', 'b-2'])).to.deep.equal([]);
    // Removed between the two looks (its 24 h kept, or a FLUSHALL): not reported as finished.
    expect(await finishedJobs({ ...store, getJob: async () => undefined }, ['b-1'])).to.deep.equal([]);
    expect(await finishedJobs({ ...store, finishedOf: () => Promise.reject(new Error('down')) }, ['b-1'])).to.deep.equal([]);
  });

  it('after a Ctrl-C the jobs Redis lost are only found, not queued again', async () => {
    const held = new Map<string, string>([['b-0', 'active']]);
    const store = { countJobs: async (ids: readonly string[]) => ids.filter((id) => held.has(id)).length, getJobState: async (id: string) => held.get(id) ?? 'unknown' };
    const job = (i: number) => ({ name: `run-${i}`, data: {} as QueuedTask, opts: { jobId: `b-${i}` } });
    expect((await vanishedJobs(store, [0, 1, 2].map(job))).map((j) => j.name)).to.deep.equal(['run-1', 'run-2']);
    expect(await vanishedJobs({ ...store, countJobs: () => Promise.reject(new Error('down')) }, [1].map(job))).to.deep.equal([]);
  });

  it('--redis-timeout takes the durations of --run-timeout, and 0 (wait for ever); the give-up line names the URL without its password, and the limit', () => {
    expect(parseRedisTimeout('0')).to.equal(0);
    expect(parseRedisTimeout('0s')).to.equal(0);
    expect(parseRedisTimeout('3s')).to.equal(3);
    expect(parseRedisTimeout('10m')).to.equal(600);
    expect(parseRedisTimeout('90')).to.equal(90);
    for (const bad of ['', 'soon', '-1', '10d']) expect(() => parseRedisTimeout(bad), bad).to.throw(/0 waits for ever \(default 10m\)/);
    expect(redisSilentReason('redis://:pw@h:6379', 600)).to.equal('Redis at redis://:***@h:6379 has not answered for 600 s (--redis-timeout): stopped following the batch');
    // The resume command keeps the limit given (on a queue only).
    expect(resumeCommand('s.yaml', { outDir: 'out', shard: undefined, queue: 'redis://h:1' }, { redisTimeout: 3 })).to.equal('gridbid batch s.yaml --queue redis://h:1 --redis-timeout 3s --out out');
    expect(resumeCommand('s.yaml', { outDir: 'out', shard: undefined, queue: 'redis://h:1' }, { redisTimeout: 0 })).to.equal('gridbid batch s.yaml --queue redis://h:1 --redis-timeout 0 --out out');
    expect(resumeCommand('s.yaml', { outDir: 'out', shard: undefined, queue: undefined }, { redisTimeout: 3 })).to.equal('gridbid batch s.yaml --out out');
  });

  it('the watch on Redis gives up once when no PING is answered for the limit, never while PINGs are answered, and not at all with limit 0', async function () {
    this.timeout(20_000);
    // A server that never answers: one PING in flight at a time, then the give-up.
    let asked = 0;
    await new Promise<void>((resolve) => watchAnswers({ ping: () => (asked++, new Promise(() => {})) }, 200, resolve));
    expect(asked).to.equal(1);
    // A server that answers: still watched after many limits' worth of PINGs.
    let silent = false;
    let answered = 0;
    let enough: () => void = () => {};
    const many = new Promise<void>((resolve) => (enough = resolve));
    const end = watchAnswers({ ping: async () => (++answered === 12 ? enough() : undefined) }, 200, () => (silent = true));
    await many;
    end();
    expect(silent).to.equal(false);
    // 0: no watch, no PING.
    let pinged = false;
    watchAnswers({ ping: async () => void (pinged = true) }, 0, () => (silent = true))();
    expect([pinged, silent]).to.deep.equal([false, false]);
  });

  it('a server answers when its PING does within the time; one that never answers, or refuses, does not', async () => {
    expect(await answersWithin({ ping: async () => 'PONG' }, 1000)).to.equal(true);
    expect(await answersWithin({ ping: () => new Promise(() => {}) }, 50)).to.equal(false);
    expect(await answersWithin({ ping: () => Promise.reject(new Error('Connection is closed.')) }, 1000)).to.equal(false);
  });

  it("a worker reads a relative scenario path from the batch's folder, wherever it was started", () => {
    // In the batch's folder: as given (messages naming the file read as in a local batch).
    expect(workerScenarioPath('sweeps/base.yaml', '/proj', '/proj')).to.equal('sweeps/base.yaml');
    // Elsewhere: the batch's file, by its absolute path, never a file of that name under the worker's folder.
    expect(workerScenarioPath('sweeps/base.yaml', '/proj', '/home/me')).to.equal('/proj/sweeps/base.yaml');
    expect(workerScenarioPath('../x/base.yaml', '/proj/a', '/other')).to.equal('/proj/x/base.yaml');
    expect(workerScenarioPath('/abs/base.yaml', '/proj', '/other')).to.equal('/abs/base.yaml');
  });

  describe('a run taken twice (a worker killed, or only slow)', () => {
    let dir: string;
    let task: RunTask;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'gridbid-staged-'));
      const run = planBatch('test/fixtures/sweeps/tiny.yaml').runs[0]!;
      task = { id: run.id, outDir: join(dir, run.id), file: run.file, text: run.text, seed: run.seed, fingerprint: run.fingerprint };
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('replaces what a killed attempt left, publishes the whole folder at once, and is not run again once DONE', async function () {
      this.timeout(30_000);
      // A killed attempt: a run folder with a half-written file and no DONE.
      mkdirSync(task.outDir, { recursive: true });
      writeFileSync(join(task.outDir, 'agents.csv.partial'), 'interval_start,agent');
      writeFileSync(join(task.outDir, 'agents.csv'), 'truncated');
      expect(finishedOutcome(task)).to.equal(undefined);
      const seen: string[] = [];
      const first = await runStaged(task, async (t) => {
        seen.push(t.outDir);
        // While it runs, the final folder is untouched: the run writes only into its staging folder.
        const outcome = await runTask(t);
        expect(readFileSync(join(task.outDir, 'agents.csv'), 'utf8')).to.equal('truncated');
        return outcome;
      });
      expect(first.ran).to.equal(true);
      expect(first.outcome.status).to.equal('ok');
      expect(seen[0]!.startsWith(join(dir, STAGING_DIR, `${task.id}.`))).to.equal(true);
      expect(readdirSync(join(dir, STAGING_DIR))).to.deep.equal([]);
      expect(existsSync(join(task.outDir, 'agents.csv.partial'))).to.equal(false);
      expect(readFileSync(join(task.outDir, 'agents.csv'), 'utf8')).to.match(/^interval_start,agent_id,/);
      expect(finishedOutcome(task)).to.deep.equal(first.outcome);
      // Its time, beside the run folder (whose bytes are a local batch's), for the attempt that keeps it.
      expect(readRunTime(task.outDir)).to.be.a('number');
      expect(readdirSync(join(dir, RUN_TIMES_DIR))).to.deep.equal([task.id]);
      writeRunTime(task.outDir, 1234.4);
      expect(readRunTime(task.outDir)).to.equal(1234);
      expect(readRunTime(join(dir, 'never-run'))).to.equal(undefined);

      // The same job again (a stalled job handed to another worker after all): kept, not run.
      const again = await runStaged(task, () => {
        throw new Error('must not run again');
      });
      expect(again).to.deep.equal({ outcome: first.outcome, ran: false });
      // Another scenario or seed in that folder is not "done" for this task.
      expect(finishedOutcome({ ...task, seed: task.seed + 1 })).to.equal(undefined);
      expect(finishedOutcome({ ...task, fingerprint: 'other' })).to.equal(undefined);
    });
  });
});

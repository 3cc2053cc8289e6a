/**
 * `npm run test:distributed`: batches on a real Redis queue. Each suite starts Debian's
 * `redis-server` on a free loopback port (no persistence) and three `gridbid worker`
 * processes, as on three machines sharing a results folder, and compares the result
 * with a local batch of the same sweep byte for byte, including after one worker is
 * killed with SIGKILL in the middle of a run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { QUEUE_NAME } from '../../batch/queue.ts';
import { runBatch } from '../../batch/runBatch.ts';
import { checkOutputTree, expectSameTree } from '../batch/outputTree.ts';
import { ensureBuilt } from '../helpers/build.ts';
import { hasStackTrace, REPO_ROOT } from '../helpers/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/gridbid.js', import.meta.url));
const SWEEP = 'test/fixtures/sweeps/queue.yaml';
const REDIS = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';

interface Proc {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  readonly stdout: () => string;
  /** Everything written to stderr so far. */
  readonly stderr: () => string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(command: string, args: readonly string[], cwd = REPO_ROOT): Proc {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

const gridbid = (args: readonly string[], cwd?: string): Proc => start(process.execPath, [BIN, ...args], cwd);
/**
 * A BullMQ client of the tests' own (test/distributed/clients/), in a process of its own:
 * a Redis client in the mocha process that is still reconnecting when the suite stops
 * its redis-server keeps mocha from ever exiting.
 */
const client = (script: string, args: readonly string[]): Proc =>
  start(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./clients/${script}`, import.meta.url)), ...args]);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lines = (text: string, verb: string): string[] => [...text.matchAll(new RegExp(`^${verb} +(\\S+)`, 'gm'))].map((m) => m[1]!);

describe('batch --queue with three gridbid workers on a real redis-server', function () {
  this.timeout(300_000);
  let dir: string;
  let url: string;
  let redis: Proc;
  let redisArgs: string[];
  let workers: Proc[] = [];

  before(async function () {
    if (spawnSync(REDIS, ['--version']).status !== 0) throw new Error(`${REDIS} is missing: apt-get install -y redis-server (.ci/run does)`);
    ensureBuilt(); // the workers and the batch run the gridbid executable, i.e. dist/
    dir = mkdtempSync(join(tmpdir(), 'gridbid-queue-'));
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redisArgs = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    redis = start(REDIS, redisArgs);
    await redisAnswers();
    // The local batch every queued batch must equal.
    const local = await runBatch({ target: SWEEP, outDir: join(dir, 'local'), workers: 2 });
    expect([local.ok, local.failed]).to.deep.equal([6, 0]);
  });

  beforeEach(async () => {
    workers = [1, 2, 3].map(() => gridbid(['worker', '--queue', url, '--concurrency', '1', '--stall-seconds', '3']));
    await until('three workers', () => workers.every((w) => w.stderr().includes('gridbid worker: taking runs from')), 60_000);
  });

  afterEach(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
  });

  after(async () => {
    redis?.child.kill('SIGTERM');
    await redis?.exit;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every run once on the workers; summary.csv and every run file equal the local batch; a rerun keeps them all', async () => {
    const out = join(dir, 'queued');
    const r = await gridbid(['batch', SWEEP, '--queue', url, '--out', out]).exit;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`batch     queue: 6 runs, 6 ok, 0 failed; on the queue ${url}`);
    expect(r.stderr).to.match(/^\[6\/6\] ok /m);
    // Each run's time is the worker's: it printed "-0.0 s" for the runs taken before the batch saw them start.
    const seconds = [...r.stderr.matchAll(/^\[\d\/6\] ok +\S+ +(-?[\d.]+) s$/gm)].map((m) => Number(m[1]));
    expect(seconds, r.stderr).to.have.length(6);
    for (const s of seconds) expect(s, r.stderr).to.be.greaterThan(0);
    expectSameTree(join(dir, 'local'), out);
    checkOutputTree(out);
    const taken = workers.flatMap((w) => lines(w.stderr(), 'finished'));
    expect([...taken].sort()).to.deep.equal(readdirSync(out).filter((f) => f.includes('__seed-')).sort());
    // Finished runs are kept: nothing goes on the queue again.
    const again = await gridbid(['batch', SWEEP, '--queue', url, '--out', out]).exit;
    expect(again.code).to.equal(0);
    expect(again.stderr).to.contain(`6 of 6 runs already finished in ${out}: kept, not run again`);
    expect(workers.flatMap((w) => lines(w.stderr(), 'started'))).to.have.length(6);
  });

  it("a worker started in another folder runs the batch's runs, reading its scenario files from the batch's folder", async () => {
    // Only that worker: it failed every run it took (its relative path looked up from its own folder).
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    const elsewhere = mkdtempSync(join(dir, 'elsewhere-'));
    workers = [gridbid(['worker', '--queue', url, '--concurrency', '2'], elsewhere)];
    await until('the worker', () => workers[0]!.stderr().includes('gridbid worker: taking runs from'), 60_000);
    const out = join(dir, 'from-elsewhere');
    const r = await gridbid(['batch', SWEEP, '--queue', url, '--out', out]).exit;
    expect(r.code, r.stderr).to.equal(0);
    expectSameTree(join(dir, 'local'), out);
    checkOutputTree(out);
  });

  it('a worker killed with SIGKILL in the middle of a run loses nothing: another worker redoes it; no duplicate or missing row', async () => {
    const out = join(dir, 'killed');
    const batch = gridbid(['batch', SWEEP, '--queue', url, '--out', out]);
    // Kill the first worker that starts a run, while it runs (a run lasts about a second or more).
    let victim: Proc | undefined;
    await until('a worker to start a run', () => (victim = workers.find((w) => lines(w.stderr(), 'started').length > 0)) !== undefined, 60_000);
    const killedRun = lines(victim!.stderr(), 'started')[0]!;
    victim!.child.kill('SIGKILL');
    const dead = await victim!.exit;
    expect(dead.signal).to.equal('SIGKILL');
    expect(lines(dead.stderr, 'finished'), 'the run was killed mid-way, not after it finished').to.deep.equal([]);

    const r = await batch.exit;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr, r.stderr).to.contain(`${killedRun}: its worker stopped answering; the run goes back on the queue for another worker`);
    const survivors = workers.filter((w) => w !== victim);
    const finished = survivors.flatMap((w) => lines(w.stderr(), 'finished'));
    expect(finished, 'another worker finished the killed run').to.include(killedRun);
    expect([...finished].sort()).to.deep.equal([...new Set(finished)].sort());

    const rows = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
    const localRows = parse(readFileSync(join(dir, 'local', 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((x) => x.run_id)).to.deep.equal(localRows.map((x) => x.run_id));
    expect(new Set(rows.map((x) => x.run_id)).size).to.equal(6);
    expect(readFileSync(join(out, 'summary.csv')).equals(readFileSync(join(dir, 'local', 'summary.csv')))).to.equal(true);
    expectSameTree(join(dir, 'local'), out);
    expect(existsSync(join(out, '.gridbid-staging')), 'the killed attempt left no staging folder').to.equal(false);
    checkOutputTree(out);
  });

  it('a run whose worker thread dies fails as in a local batch (the same summary.csv and run folders) and is not retried', async () => {
    const sweep = 'test/fixtures/sweeps/worker-exit.yaml';
    const local = await runBatch({ target: sweep, outDir: join(dir, 'exit-local'), workers: 1 });
    expect([local.ok, local.failed]).to.deep.equal([2, 2]);
    const out = join(dir, 'exit-queued');
    const r = await gridbid(['batch', sweep, '--queue', url, '--out', out]).exit;
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.contain('its thread exited with code 7 in the middle of the run');
    expectSameTree(join(dir, 'exit-local'), out);
    checkOutputTree(out);
    expect(workers.flatMap((w) => lines(w.stderr(), 'started')), 'each run taken once').to.have.length(4);
  });

  it("the batch's --run-timeout goes with its runs: the worker ends a run that never ends, which fails as in a local batch", async () => {
    const sweep = 'test/fixtures/sweeps/run-timeout.yaml';
    const local = await runBatch({ target: sweep, outDir: join(dir, 'timeout-local'), workers: 1, runTimeoutSeconds: 3 });
    expect([local.ok, local.failed]).to.deep.equal([1, 1]);
    const out = join(dir, 'timeout-queued');
    const before = workers.map((w) => lines(w.stderr(), 'started').length);
    const r = await gridbid(['batch', sweep, '--queue', url, '--out', out, '--run-timeout', '3s']).exit;
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.contain('it ran longer than its time limit of 3 s (--run-timeout)');
    expectSameTree(join(dir, 'timeout-local'), out);
    checkOutputTree(out);
    const started = workers.map((w, i) => lines(w.stderr(), 'started').length - before[i]!);
    expect(started.reduce((a, b) => a + b), 'each run taken once').to.equal(2);
  });

  it("a worker's own --run-timeout caps the runs of a batch that has none: the same files as the local batch with that limit", async () => {
    // Workers serving batches they do not control: the three of beforeEach make way for three with a cap.
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    workers = [1, 2, 3].map(() => gridbid(['worker', '--queue', url, '--concurrency', '1', '--stall-seconds', '3', '--run-timeout', '3s']));
    await until('three capped workers', () => workers.every((w) => w.stderr().includes('none longer than 3 s (--run-timeout)')), 60_000);
    const sweep = 'test/fixtures/sweeps/run-timeout.yaml';
    const localDir = join(dir, 'timeout-local');
    if (!existsSync(localDir)) await runBatch({ target: sweep, outDir: localDir, workers: 1, runTimeoutSeconds: 3 });
    const out = join(dir, 'timeout-capped');
    const r = await gridbid(['batch', sweep, '--queue', url, '--out', out]).exit;
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.contain('it ran longer than its time limit of 3 s (--run-timeout)');
    expectSameTree(localDir, out);
    checkOutputTree(out);
  });

  /** Kills redis-server (its data goes with it: no persistence) and starts an empty one on the same port. */
  async function restartRedis(): Promise<void> {
    redis.child.kill('SIGKILL');
    await redis.exit;
    redis = start(REDIS, redisArgs);
    await redisAnswers();
  }

  /**
   * Starts the suite's redis-server again after a test killed it for good. Only then: a second
   * server on the port exits at once (address in use) and `redis` would name a dead process, so that
   * a later restartRedis() "restarted" nothing (the first server kept its data).
   */
  async function redisBack(): Promise<void> {
    if (redis.child.exitCode !== null || redis.child.signalCode !== null) redis = start(REDIS, redisArgs);
    await redisAnswers();
  }

  /** One command to the suite's redis-server, by Debian's redis-cli (redis-server's package brings it). */
  function redisCli(...command: string[]): string {
    const r = spawnSync(REDIS_CLI, ['-u', url, ...command], { encoding: 'utf8' });
    if (r.status !== 0 || r.stdout.startsWith('ERR')) throw new Error(`redis-cli ${command.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Waits until the suite's redis-server answers PING; fails with its own output when it does not within 10 s. */
  async function redisAnswers(): Promise<void> {
    const { Redis } = await import('ioredis');
    // No retries of its own: a client still reconnecting after the suite stops the server would keep mocha alive.
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    probe.on('error', () => {});
    try {
      await until(
        'redis-server',
        async () => {
          if (redis.child.exitCode !== null) throw new Error(`redis-server exited (${redis.child.exitCode}): ${redis.stderr()}${redis.stdout()}`);
          try {
            if (probe.status !== 'ready') await probe.connect();
            return (await probe.ping()) === 'PONG';
          } catch {
            return false;
          }
        },
        10_000,
      );
    } finally {
      probe.disconnect();
    }
  }

  async function endsWithin(p: Proc, ms: number): Promise<Awaited<Proc['exit']> | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([p.exit, new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), ms)))]);
    // Cleared, or the pending timer would keep mocha (no --exit) running up to `ms` after the last test.
    clearTimeout(timer);
    if (r === undefined) p.child.kill('SIGKILL');
    return r;
  }

  it('Redis restarted empty in the middle of a batch (no persistence): the lost jobs go on the queue again and the batch ends as the local one', async () => {
    const out = join(dir, 'redis-restarted');
    const batch = gridbid(['batch', SWEEP, '--queue', url, '--out', out]);
    await until('a worker to start a run', () => workers.some((w) => lines(w.stderr(), 'started').length > 0), 60_000);
    await restartRedis();
    // It waited for ever for jobs the new server never had.
    const r = await endsWithin(batch, 120_000);
    expect(r?.code, r?.stderr ?? 'the batch never ended').to.equal(0);
    expect(r!.stderr).to.contain('its job is no longer in Redis (did the server restart without saving its data?); queued again');
    expect(r!.stderr).not.to.contain('Unhandled error event');
    expectSameTree(join(dir, 'local'), out);
    checkOutputTree(out);
  });

  it('Redis restarted empty just as the batch queued its runs: none fails for it ("Missing key for job"); the batch ends as the local one', async () => {
    const out = join(dir, 'redis-restarted-early');
    const batch = gridbid(['batch', SWEEP, '--queue', url, '--out', out]);
    await until('the runs to be queued', () => batch.stderr().includes('runs queued on'), 60_000);
    await restartRedis();
    const r = await endsWithin(batch, 120_000);
    expect(r?.code, r?.stderr ?? 'the batch never ended').to.equal(0);
    expect(r!.stderr).not.to.contain('FAILED');
    expectSameTree(join(dir, 'local'), out);
    checkOutputTree(out);
  });
  it('Redis gone for good: SIGTERM still ends a worker and a second Ctrl-C a batch (both waited for Redis for ever)', async () => {
    // The batch on another database of the same server: the idle workers take none of its runs.
    const batch = gridbid(['batch', SWEEP, '--queue', `${url}/1`, '--out', join(dir, 'redis-gone')]);
    try {
      await until('the runs to be queued', () => batch.stderr().includes('runs queued on'), 60_000);
      redis.child.kill('SIGKILL');
      await redis.exit;
      await until('everyone to see Redis go', () => [batch, ...workers].every((p) => p.stderr().includes('lost the connection to Redis')), 30_000);
      for (const w of workers) w.child.kill('SIGTERM');
      for (const r of await Promise.all(workers.map((w) => endsWithin(w, 20_000)))) {
        expect(r?.code, r?.stderr ?? 'the worker never ended').to.equal(0);
        expect(r!.stderr).to.contain('does not answer: stopping without it once the runs in progress have finished');
      }
      batch.child.kill('SIGINT');
      await until('the batch to stop', () => batch.stderr().includes('stopping:'), 10_000);
      batch.child.kill('SIGINT');
      const r = await endsWithin(batch, 20_000);
      expect(r?.code, r?.stderr ?? 'the batch never ended').to.equal(130);
      expect(r!.stderr).to.contain('interrupted: 0 of 6 runs finished');
    } finally {
      await redisBack();
    }
  });

  it('Redis gone for good: the batch stops after --redis-timeout, exit 1 naming the URL and the limit, with what finished and how to resume; the runs in progress keep their folders', async () => {
    const out = join(dir, 'redis-timeout');
    const batch = gridbid(['batch', SWEEP, '--queue', url, '--out', out, '--redis-timeout', '3s', '--no-database']);
    try {
      // Some runs finished, others in progress on the workers, when Redis goes for good.
      await until('a run to finish', () => /^\[1\/6\] ok /m.test(batch.stderr()), 120_000);
      redis.child.kill('SIGKILL');
      await redis.exit;
      // It waited for ever ("lost the connection … retrying", then nothing until Ctrl-C twice).
      const r = await endsWithin(batch, 60_000);
      expect(r?.code, r?.stderr ?? 'the batch never ended').to.equal(1);
      expect(r!.stderr).to.contain(`gridbid: Redis at ${url} has not answered for 3 s (--redis-timeout): stopped following the batch`);
      const rows = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
      const finished = rows.filter((x) => x.status === 'ok').map((x) => x.run_id!);
      expect(finished.length, r!.stderr).to.be.within(1, 5);
      expect(rows.filter((x) => x.status !== 'ok'), 'summary.csv lists the finished runs only').to.deep.equal([]);
      expect(r!.stdout).to.contain(`batch     queue: 6 runs, ${finished.length} ok, 0 failed, ${6 - finished.length} not finished; on the queue ${url}`);
      expect(r!.stderr).to.contain(`${finished.length} of 6 runs finished (in ${out}/summary.csv); ${finished.length === 5 ? 'the other run is' : `the other ${6 - finished.length} are`} not finished`);
      expect(r!.stderr).to.contain(`gridbid batch ${SWEEP} --queue ${url} --no-database --redis-timeout 3s --out ${out}`);
      // The finished runs' folders, and those of the runs the workers were running (published when they finish), are whole.
      await until('the workers to finish their runs in progress', () => workers.every((w) => lines(w.stderr(), 'started').length === lines(w.stderr(), 'finished').length), 60_000);
      const published = readdirSync(out).filter((f) => f.includes('__seed-'));
      for (const run of finished) expect(published).to.include(run);
      for (const run of published) {
        expect(existsSync(join(out, run, 'DONE')), run).to.equal(true);
        expectSameTree(join(dir, 'local', run), join(out, run));
      }
    } finally {
      await redisBack();
    }
    // The rerun keeps every published run and ends as the local batch.
    const again = await endsWithin(gridbid(['batch', SWEEP, '--queue', url, '--out', out]), 120_000);
    expect(again?.code, again?.stderr ?? 'the rerun never ended').to.equal(0);
    expect(again!.stderr).to.match(/^[1-6] of 6 runs already finished in .*: kept, not run again$/m);
    expectSameTree(join(dir, 'local'), out);
    checkOutputTree(out);
  });

  it('a run taken again and kept (its worker died after publishing it) shows the time it really took, not 0.0 s', async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    workers = [];
    const dying = client('brokenWorker.ts', [url, 'publish-then-die']);
    await until('the dying worker', () => dying.stdout().includes('ready'), 60_000);
    const out = join(dir, 'kept-time');
    const batch = gridbid(['batch', 'test/fixtures/sweeps/queue-one.yaml', '--queue', url, '--out', out, '--no-database']);
    const died = await endsWithin(dying, 120_000);
    expect(died?.code, died?.stderr ?? 'the dying worker never ended').to.equal(9);
    expect(died!.stdout).to.contain('published count-800__seed-7');
    // Its lock expires; a gridbid worker takes the job again and keeps the published folder.
    workers = [gridbid(['worker', '--queue', url, '--concurrency', '1', '--stall-seconds', '1'])];
    const r = await endsWithin(batch, 120_000);
    expect(r?.code, r?.stderr ?? 'the batch never ended').to.equal(0);
    expect(workers[0]!.stderr()).to.contain('kept      count-800__seed-7');
    const shown = /^\[1\/1\] ok +count-800__seed-7 +(-?[\d.]+) s$/m.exec(r!.stderr);
    expect(shown, r!.stderr).not.to.equal(null);
    // A run of 800 homes takes a second or more; the attempt that kept it, milliseconds ("0.0 s").
    expect(Number(shown![1]), r!.stderr).to.be.greaterThan(0);
    expect(existsSync(join(out, '.gridbid-run-times')), 'the batch removes the times once every run finished').to.equal(false);
    checkOutputTree(out);
  });

  it('after one Ctrl-C, a run whose job Redis lost (restarted without its data) is settled as not finished, saying why, instead of waited for', async () => {
    const out = join(dir, 'stopped-vanished');
    const batch = gridbid(['batch', 'test/fixtures/sweeps/run-timeout.yaml', '--queue', url, '--out', out, '--run-timeout', '8s', '--no-database']);
    await until('a worker to start the looping run', () => workers.some((w) => lines(w.stderr(), 'started').includes('loops__seed-7')), 60_000);
    batch.child.kill('SIGINT');
    await until('the batch to stop', () => batch.stderr().includes('stopping:'), 10_000);
    await restartRedis();
    // It waited for the lost job until Redis had it again (never, here) or a second Ctrl-C.
    const r = await endsWithin(batch, 60_000);
    expect(r?.code, `${r?.stderr ?? 'the batch never ended'}\n${workers.map((w) => w.stderr()).join('\n')}`).to.equal(130);
    expect(r!.stderr).to.contain('loops__seed-7: its job is no longer in Redis (did the server restart without saving its data?); not queued again after Ctrl-C: not finished');
    const rows = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((x) => x.run_id), 'summary.csv lists the finished runs only').not.to.include('loops__seed-7');
    expect(r!.stderr).to.contain('gridbid: interrupted:');
  });

  it('a Redis that refuses writes (full: OOM under maxmemory) is a clear error naming the URL and what to do, exit 1, no stack trace', async () => {
    // An "internal error (please report it)" with a stack for a server that is full, exit 2.
    const port = await freePort();
    const full = start(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', '1', '--maxmemory-policy', 'noeviction']);
    try {
      const fullUrl = `redis://127.0.0.1:${port}`;
      await until('the full redis-server', () => spawnSync(REDIS_CLI, ['-u', fullUrl, 'PING'], { encoding: 'utf8' }).stdout.startsWith('PONG'), 10_000);
      const out = join(dir, 'redis-full');
      const r = await endsWithin(gridbid(['batch', 'test/fixtures/sweeps/tiny.yaml', '--queue', fullUrl, '--out', out, '--no-database']), 60_000);
      expect(r?.code, r?.stderr ?? 'the batch never ended').to.equal(1);
      expect(r!.stderr).to.contain(`gridbid: Redis at ${fullUrl} refused to queue the runs: OOM command not allowed when used memory > 'maxmemory'. The server is out of memory`);
      expect(r!.stderr).not.to.contain('internal error');
      expect(hasStackTrace(r!.stderr), r!.stderr).to.equal(false);
    } finally {
      full.child.kill('SIGKILL');
      await full.exit;
    }
  });

  it('a worker whose Redis refuses its commands (full: OOM) says so once, and takes the run once memory is freed (it waited in silence)', async () => {
    const port = await freePort();
    const ownUrl = `redis://127.0.0.1:${port}`;
    const own = start(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    const cli = (...command: string[]): string => spawnSync(REDIS_CLI, ['-u', ownUrl, ...command], { encoding: 'utf8' }).stdout;
    let worker: Proc | undefined;
    try {
      await until('its redis-server', () => cli('PING').startsWith('PONG'), 10_000);
      const batch = gridbid(['batch', 'test/fixtures/sweeps/tiny.yaml', '--queue', ownUrl, '--out', join(dir, 'worker-oom'), '--no-database']);
      await until('the run to be queued', () => batch.stderr().includes('run queued on'), 60_000);
      expect(cli('CONFIG', 'SET', 'maxmemory', '1')).to.match(/^OK/);
      worker = gridbid(['worker', '--queue', ownUrl, '--concurrency', '1']);
      await until('the worker to say Redis refuses it', () => worker!.stderr().includes(`Redis at ${ownUrl} refused a command of this worker: OOM command not allowed`), 60_000);
      expect(lines(worker.stderr(), 'started'), 'no run taken while Redis refuses').to.deep.equal([]);
      expect(cli('CONFIG', 'SET', 'maxmemory', '0')).to.match(/^OK/);
      const r = await endsWithin(batch, 60_000);
      expect(r?.code, r?.stderr ?? 'the batch never ended').to.equal(0);
      expect(worker.stderr().match(/refused a command of this worker/g), 'said once').to.have.length(1);
    } finally {
      worker?.child.kill('SIGTERM');
      if (worker) await endsWithin(worker, 20_000);
      own.child.kill('SIGKILL');
      await own.exit;
    }
  });

  it('a worker whose Redis is up but frozen (SIGSTOP) still ends on SIGTERM, its run in progress published (it waited for Redis for ever)', async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    const worker = gridbid(['worker', '--queue', url, '--concurrency', '1', '--stall-seconds', '3']);
    workers = [worker];
    await until('the worker', () => worker.stderr().includes('gridbid worker: taking runs from'), 60_000);
    const out = join(dir, 'frozen');
    const batch = gridbid(['batch', 'test/fixtures/sweeps/queue-one.yaml', '--queue', url, '--out', out, '--redis-timeout', '5s', '--no-database']);
    try {
      await until('the worker to start the run', () => lines(worker.stderr(), 'started').length > 0, 60_000);
      // Up, its connections open, answering nothing: the connection stays 'ready'.
      redis.child.kill('SIGSTOP');
      worker.child.kill('SIGTERM');
      const r = await endsWithin(worker, 60_000);
      expect(r?.code, r?.stderr ?? 'the worker never ended').to.equal(0);
      expect(r!.stderr).to.contain('does not answer: stopping without it once the runs in progress have finished');
      expect(lines(r!.stderr, 'finished')).to.deep.equal(['count-800__seed-7']);
      expect(existsSync(join(out, 'count-800__seed-7', 'DONE')), 'the run in progress was published').to.equal(true);
      const b = await endsWithin(batch, 60_000);
      expect(b?.code, b?.stderr ?? 'the batch never ended').to.equal(1);
      expect(b!.stderr).to.contain('has not answered for 5 s (--redis-timeout)');
      expect(b!.stderr).to.contain(`0 of 1 runs finished (in ${out}/summary.csv); the other run is not finished`);
    } finally {
      redis.child.kill('SIGCONT');
    }
  });

  it("a batch that reads none of its runs' events (its event reader was moved past them) still ends, from what Redis holds, as the local one", async () => {
    // No worker takes a run until the batch reads no events.
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    const out = join(dir, 'events-unread');
    const batch = gridbid(['batch', SWEEP, '--queue', url, '--out', out]);
    await until('the runs to be queued', () => batch.stderr().includes('runs queued on'), 60_000);
    // The batch's reader takes an event with an id far ahead and goes on from there; the stream then
    // starts again below that id, so no later event reaches the batch, as an event sent before a
    // reader listens never does.
    const stream = `bull:${QUEUE_NAME}:events`;
    redisCli('DEL', stream);
    redisCli('XADD', stream, '9999999999999-0', 'event', 'far-ahead');
    await new Promise((r) => setTimeout(r, 1000));
    redisCli('DEL', stream);
    workers = [1, 2, 3].map(() => gridbid(['worker', '--queue', url, '--concurrency', '1', '--stall-seconds', '3']));
    const r = await endsWithin(batch, 120_000);
    expect(r?.code, r?.stderr ?? 'the batch never ended').to.equal(0);
    expect(r!.stdout).to.contain(`batch     queue: 6 runs, 6 ok, 0 failed; on the queue ${url}`);
    expect(workers.flatMap((w) => lines(w.stderr(), 'finished'))).to.have.length(6);
    expectSameTree(join(dir, 'local'), out);
    checkOutputTree(out);
  });

  it('a batch stopped by one Ctrl-C still ends when it does not hear its run in progress finish (it read Redis no more)', async () => {
    const out = join(dir, 'stopped-unheard');
    const batch = gridbid(['batch', 'test/fixtures/sweeps/run-timeout.yaml', '--queue', url, '--out', out, '--run-timeout', '4s', '--no-database']);
    await until('a worker to start the looping run', () => workers.some((w) => lines(w.stderr(), 'started').includes('loops__seed-7')), 60_000);
    batch.child.kill('SIGINT');
    await until('the batch to stop', () => batch.stderr().includes('stopping:'), 10_000);
    // Its event reader moved past every event, as in the test above.
    const stream = `bull:${QUEUE_NAME}:events`;
    redisCli('DEL', stream);
    redisCli('XADD', stream, '9999999999999-0', 'event', 'far-ahead');
    await new Promise((r) => setTimeout(r, 1000));
    redisCli('DEL', stream);
    const r = await endsWithin(batch, 40_000);
    expect(r?.code, r?.stderr ?? 'the batch never ended').to.be.oneOf([3, 130]);
    const rows = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
    const loops = rows.find((x) => x.run_id === 'loops__seed-7');
    expect(loops?.error, r!.stderr).to.contain('it ran longer than its time limit of 4 s (--run-timeout)');
  });

  it('a job that fails in a worker outside the engine (here a worker that is not gridbid\'s and throws) still leaves its run folder: scenario.yaml and error.txt, as every failed run does; exit 3', async () => {
    // Only the broken worker takes runs.
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    const broken = client('brokenWorker.ts', [url]);
    try {
      await until('the broken worker', () => broken.stdout().includes('ready'), 60_000);
      const out = join(dir, 'broken-worker');
      const r = await gridbid(['batch', 'test/fixtures/sweeps/tiny.yaml', '--queue', url, '--out', out, '--no-database']).exit;
      expect(r.code, r.stderr).to.equal(3);
      const rows = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
      expect(rows).to.have.length(1);
      expect(rows[0]!.status).to.equal('failed');
      expect(rows[0]!.error).to.equal('the worker running it failed: the disk is on fire');
      const run = join(out, rows[0]!.run_id!);
      expect(readFileSync(join(run, 'error.txt'), 'utf8')).to.equal('the worker running it failed: the disk is on fire\n');
      expect(readFileSync(join(run, 'scenario.yaml'), 'utf8')).to.equal(readFileSync('test/fixtures/sweeps/tiny.yaml', 'utf8'));
      checkOutputTree(out);
    } finally {
      broken.child.kill('SIGTERM');
      await endsWithin(broken, 10_000);
    }
  });

  it('a job that fails after its run was published (its folder DONE) counts the run as finished, as a rerun would: the same files as the local batch', async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    const broken = client('brokenWorker.ts', [url, 'publish-first']);
    try {
      await until('the broken worker', () => broken.stdout().includes('ready'), 60_000);
      const sweep = 'test/fixtures/sweeps/tiny.yaml';
      const local = join(dir, 'published-local');
      await runBatch({ target: sweep, outDir: local, workers: 1, database: false });
      const out = join(dir, 'published-then-failed');
      const r = await gridbid(['batch', sweep, '--queue', url, '--out', out, '--no-database']).exit;
      // It said "failed: the worker running it failed: the disk is on fire" beside a finished run's folder.
      expect(r.code, r.stderr).to.equal(0);
      expectSameTree(local, out);
      checkOutputTree(out);
    } finally {
      broken.child.kill('SIGTERM');
      await endsWithin(broken, 10_000);
    }
  });

  it('a worker refuses a run queued by another gridbid version, saying both versions; the job fails and is not run', async () => {
    const { gridbidVersion } = await import('../../core/version.ts');
    const out = join(dir, 'other-version', 'tiny__seed-7');
    const queued = await endsWithin(client('otherVersionJob.ts', [url, out, 'test/fixtures/sweeps/tiny.yaml', REPO_ROOT]), 120_000);
    expect(queued?.code, queued?.stderr ?? 'the job never ended').to.equal(0);
    expect(JSON.parse(queued!.stdout)).to.deep.equal({
      failed: `this worker runs gridbid ${gridbidVersion()}, the batch 99.0.0: run the same gridbid version on every machine`,
    });
    expect(existsSync(out), 'the run was not started').to.equal(false);
    expect(workers.flatMap((w) => lines(w.stderr(), 'started'))).to.deep.equal([]);
  });

  it('a second SIGTERM stops a worker at once (exit 143) in the middle of a run, as a killed worker: another worker takes the run', async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    const first = gridbid(['worker', '--queue', url, '--concurrency', '1', '--stall-seconds', '1']);
    workers = [first];
    await until('the worker', () => first.stderr().includes('gridbid worker: taking runs from'), 60_000);
    const out = join(dir, 'second-sigterm');
    // loops__seed-7 never ends (the batch's --run-timeout fails it), so the second SIGTERM lands mid-run.
    const batch = gridbid(['batch', 'test/fixtures/sweeps/run-timeout.yaml', '--queue', url, '--out', out, '--run-timeout', '6s', '--no-database']);
    await until('the worker to start the looping run', () => lines(first.stderr(), 'started').includes('loops__seed-7'), 60_000);
    first.child.kill('SIGTERM');
    await until('the first SIGTERM', () => first.stderr().includes('stopping after the runs in progress'), 30_000);
    first.child.kill('SIGTERM');
    const r = await endsWithin(first, 30_000);
    expect(r?.code, r?.stderr ?? 'the worker never ended').to.equal(143);
    expect(r!.stderr).to.contain('gridbid worker: stopped at once by a second SIGTERM; the runs in progress go back on the queue when their locks expire');
    expect(lines(r!.stderr, 'finished')).to.deep.equal([]);
    // Its job's lock expires; another worker takes both runs: the looping one fails at the batch's limit, as it would have.
    const second = gridbid(['worker', '--queue', url, '--concurrency', '1', '--stall-seconds', '1']);
    workers = [second];
    const b = await endsWithin(batch, 120_000);
    expect(b?.code, b?.stderr ?? 'the batch never ended').to.equal(3);
    expect(lines(second.stderr(), 'started')).to.include.members(['loops__seed-7', 'plain__seed-7']);
    const rows = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((x) => [x.run_id, x.status])).to.deep.equal([
      ['loops__seed-7', 'failed'],
      ['plain__seed-7', 'ok'],
    ]);
  });
});

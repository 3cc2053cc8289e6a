/**
 * The batch's worker threads (batch/runThreads.ts) never end a thread while it is loading its
 * code: node 20 aborts the whole process when a worker is terminated inside its module loading
 * (reproduced by creating and destroying piscina pools of the batch worker: 2 aborts in 2,300).
 * The fixture worker takes 300 ms to load and appends a line to a file once loaded, so a thread
 * ended during its load leaves no line: the old threads, ended at once, left none.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { RunThreads } from '../../batch/runThreads.ts';
import { type RunTask, RunTimeoutError, workerDeathText } from '../../batch/runFiles.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const SLOW_LOAD = { kind: 'compiled', url: pathToFileURL(join(REPO_ROOT, 'test/fixtures/threads/slowLoad.mjs')).href, execArgv: [] } as const;
const task = (id: string): RunTask => ({ id, outDir: '', file: '', text: '', seed: 1, fingerprint: '' });

describe('batch worker threads (runThreads)', function () {
  this.timeout(30_000);
  let dir: string;
  let loadedFile: string;
  let brokenFile: string;
  let saved: Array<[string, string | undefined]>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-threads-'));
    loadedFile = join(dir, 'loaded.txt');
    brokenFile = join(dir, 'broken');
    writeFileSync(loadedFile, '');
    // Worker threads get a copy of this process's environment when they start.
    saved = [
      ['GRIDBID_TEST_LOADED_FILE', loadedFile],
      ['GRIDBID_TEST_BROKEN_FILE', brokenFile],
    ].map(([k, v]) => {
      const before = process.env[k!];
      process.env[k!] = v;
      return [k!, before];
    });
  });
  afterEach(() => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const loadedThreads = (): string[] => readFileSync(loadedFile, 'utf8').split('\n').filter((l) => l !== '');

  it('closed as they start (a batch whose planning failed, or with every run finished), each thread ends only after it has loaded', async () => {
    const threads = new RunThreads(SLOW_LOAD, 3);
    await threads.close();
    expect(loadedThreads()).to.have.length(3);
  });

  it('keeping fewer threads than started ends the others once loaded, and runs go to those kept', async () => {
    const threads = new RunThreads(SLOW_LOAD, 3);
    threads.keep(1);
    expect(threads.size).to.equal(1);
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await threads.run(task(`r${i}`));
      expect(outcome.status).to.equal('ok');
      ids.push(outcome.status === 'ok' ? outcome.kpis[0]![1] : '');
    }
    await threads.close();
    expect(new Set(ids).size, 'one thread ran them all').to.equal(1);
    expect(loadedThreads()).to.have.length(3);
    expect(loadedThreads()).to.include(ids[0]);
  });

  it('endIdle ends the threads with no run while another has one, and only then', async () => {
    const threads = new RunThreads(SLOW_LOAD, 2);
    threads.endIdle();
    expect(threads.size, 'all idle: close ends them').to.equal(2);
    const hang = threads.run(task('hang')).then(() => 'finished', (err: Error) => err.message);
    const done = await threads.run(task('a'));
    expect(done.status).to.equal('ok');
    threads.endIdle();
    expect(threads.size, 'the idle thread ended, the busy one kept').to.equal(1);
    let refused = '';
    await threads.run(task('b')).catch((err: Error) => (refused = err.message));
    expect(refused, 'the thread kept is the one running').to.match(/1 runs already in flight/);
    await threads.close();
    expect(await hang).to.equal('Terminating worker thread');
    expect(loadedThreads()).to.have.length(2);
  });

  it('runs as many tasks at once as it keeps threads, each on its own thread, and refuses one more', async () => {
    const threads = new RunThreads(SLOW_LOAD, 2);
    const both = await Promise.all([threads.run(task('a')), threads.run(task('b'))]);
    const ids = both.map((o) => (o.status === 'ok' ? o.kpis[0]![1] : ''));
    expect(new Set(ids).size).to.equal(2);
    // Closing ends the threads in the middle of these runs, which then reject.
    const hang = [threads.run(task('hang')), threads.run(task('hang'))].map((p) => p.then(() => 'finished', (err: Error) => err.message));
    let refused = '';
    await threads.run(task('c')).catch((err: Error) => (refused = err.message));
    expect(refused).to.match(/2 runs already in flight/);
    await threads.close();
    expect(await Promise.all(hang)).to.deep.equal(['Terminating worker thread', 'Terminating worker thread']);
  });

  it('kill ends the thread in the middle of its run: the run rejects, and close does not wait for it', async () => {
    const threads = new RunThreads(SLOW_LOAD, 1);
    const kill = new AbortController();
    const running = threads.run(task('hang'), { kill: kill.signal });
    // The task waits for the thread to load before it starts.
    while (loadedThreads().length === 0) await new Promise((r) => setTimeout(r, 20));
    kill.abort();
    let error = '';
    await running.catch((err: Error) => (error = err.message));
    expect(error).to.match(/terminat/i);
    await threads.close();
  });

  /** Starts a run that never ends and kills it at once, while its thread may still load: how the run ended. */
  const killedAsItStarts = (threads: RunThreads): Promise<string> => {
    const kill = new AbortController();
    const running = threads.run(task('hang'), { kill: kill.signal }).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    kill.abort();
    return running;
  };

  it('a kill as the batch starts, while the thread still loads, ends it once loaded', async () => {
    const threads = new RunThreads(SLOW_LOAD, 1);
    expect(await killedAsItStarts(threads)).to.match(/terminat/i);
    expect(loadedThreads()).to.have.length(1);
    await threads.close();
  });

  it('after a worker died in a run, the worker that replaces it is ended only once loaded too', async () => {
    const threads = new RunThreads(SLOW_LOAD, 1);
    let died = '';
    await threads.run(task('crash')).catch((err: Error) => (died = err.message));
    expect(died, 'the run whose worker died rejects').to.not.equal('');
    // The next run starts a new worker; a kill while it loads must wait for it to load.
    expect(await killedAsItStarts(threads)).to.match(/terminat/i);
    await threads.close();
    expect(loadedThreads(), 'the first worker and its replacement both loaded').to.have.length(2);
  });

  it('tells why a worker died: the exit code, or out of memory; anything else as an internal error', async () => {
    const threads = new RunThreads(SLOW_LOAD, 1);
    const died = await threads.run(task('crash')).then(
      () => undefined,
      (err: unknown) => err,
    );
    await threads.close();
    expect(workerDeathText(died)).to.equal('the worker running it crashed: its thread exited with code 3 in the middle of the run (process.exit in a worker thread ends that thread)');
    // What node's Worker emits when a thread reaches its heap limit.
    const oom = Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' });
    expect(workerDeathText(oom)).to.equal('the worker running it crashed: its thread ran out of memory (Worker terminated due to reaching memory limit: JS heap out of memory)');
    expect(workerDeathText(new TypeError('x is not a function'))).to.match(/^the worker running it crashed: internal error \(please report it\): TypeError: x is not a function/);
  });

  describe('a time limit per run (--run-timeout)', () => {
    it('ends a run caught in a synchronous endless loop: it rejects with the limit, and the next run gets a new worker', async () => {
      const threads = new RunThreads(SLOW_LOAD, 1);
      const err = await threads.run(task('spin'), { timeLimitSeconds: 0.4 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(RunTimeoutError);
      expect(workerDeathText(err)).to.equal('it ran longer than its time limit of 0.4 s (--run-timeout): its worker thread was ended in the middle of it');
      const next = await threads.run(task('after'), { timeLimitSeconds: 5 });
      await threads.close();
      expect(next.status).to.equal('ok');
      const ids = loadedThreads();
      expect(ids, 'the worker ended by the limit and its replacement both loaded').to.have.length(2);
      expect(next.status === 'ok' && next.kpis[0]![1], 'the next run ran on the replacement').to.equal(ids[1]);
    });

    it('leaves a run that ends within the limit alone, and the same worker takes the next run', async () => {
      const threads = new RunThreads(SLOW_LOAD, 1);
      // The limit counts from when the run starts on its loaded thread: the 300 ms load is not in it.
      const first = await threads.run(task('a'), { timeLimitSeconds: 0.25 });
      const second = await threads.run(task('b'), { timeLimitSeconds: 0.25 });
      await threads.close();
      expect([first.status, second.status]).to.deep.equal(['ok', 'ok']);
      expect(loadedThreads()).to.have.length(1);
    });
  });

  describe('a worker that cannot load its code (a broken install)', function () {
    // piscina starts no worker again in a pool whose worker failed to start, and a task given to it waited for ever.
    this.timeout(10_000);

    it('fails every run at once, with why, instead of waiting for ever; close ends', async () => {
      writeFileSync(brokenFile, '');
      const threads = new RunThreads(SLOW_LOAD, 1);
      for (const id of ['a', 'b']) {
        const err = await threads.run(task(id)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(workerDeathText(err)).to.match(/^its worker thread could not load gridbid's code: internal error \(please report it\): Error: broken at load \(test fixture\)/);
      }
      await threads.close();
      expect(loadedThreads()).to.deep.equal([]);
    });

    it('after a worker died in a run, a replacement that cannot load fails the next run with why', async () => {
      const threads = new RunThreads(SLOW_LOAD, 1);
      await threads.run(task('crash')).catch(() => undefined);
      writeFileSync(brokenFile, '');
      const err = await threads.run(task('b')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(workerDeathText(err)).to.contain('could not load gridbid\'s code');
      await threads.close();
      expect(loadedThreads(), 'only the first worker loaded').to.have.length(1);
    });
  });
});

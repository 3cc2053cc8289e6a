/**
 * The executable starts node again for `batch` and `worker`, with `npm run batch`'s
 * --single-threaded (cli/relaunch.ts). With the real executable: the batch runs in a
 * child node that has the flag (read from /proc, as `ps` shows it), one level deep; a
 * Ctrl-C from a terminal (SIGINT to the whole process group, so both nodes get it) is
 * one Ctrl-C, not two; SIGTERM and SIGKILL on the executable end the batch with it and
 * the executable ends as its child did; finished runs are kept as without the relaunch.
 * (Ctrl-C on the executable's pid alone, and resuming: test/batch/sigint.spec.ts.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { missingNodeFlags, RELAUNCHED_ENV } from '../../cli/relaunch.ts';
import { ensureBuilt } from '../helpers/build.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { checkOutputTree } from '../batch/outputTree.ts';

const BIN = fileURLToPath(new URL('../../bin/gridbid.js', import.meta.url));
const SWEEP = 'test/fixtures/sweeps/sigint.yaml';
const onLinux = existsSync('/proc/self/stat');

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * The executable as a shell starts it (through its shebang, as the installed bin is);
 * `group`: in a process group of its own, as a terminal's foreground job.
 */
function start(args: readonly string[], group = false): { child: ChildProcess; exit: Promise<Exit> } {
  ensureBuilt();
  const child = spawn(BIN, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: group });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exit };
}

/** The processes whose parent is `pid`, with their command lines (Linux /proc). */
function childrenOf(pid: number): Array<{ pid: number; argv: string[] }> {
  const found: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      found.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((a) => a !== '') });
    } catch {
      // Ended while being read.
    }
  }
  return found;
}

/** Running (a zombie, ended but not yet reaped, counts as ended). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

const finished = (out: string): string[] => (existsSync(out) ? readdirSync(out).filter((d) => existsSync(join(out, d, 'DONE'))) : []);

/**
 * Whether `pid` has ended within `ms`. The executable's exit is seen when the shared stderr pipe
 * closes, which the kernel does while the child is still exiting (its files are closed before
 * it becomes a zombie and is reaped), so "gone" is waited for, briefly, not sampled once.
 */
async function endsWithin(pid: number, ms = 5_000): Promise<boolean> {
  const t0 = Date.now();
  while (alive(pid)) {
    if (Date.now() - t0 > ms) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

async function until(what: string, ok: () => boolean, exit: Promise<Exit>, timeoutMs = 60_000): Promise<void> {
  let ended = false;
  void exit.then(() => (ended = true));
  const t0 = Date.now();
  while (!ok()) {
    if (ended) throw new Error(`the executable ended before ${what}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** summary.csv lists exactly the runs whose folder has DONE, all ok. */
function expectPartialSummary(out: string): string[] {
  const done = finished(out);
  const rows = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
  expect(rows.map((r) => r.run_id).sort()).to.deep.equal([...done].sort());
  expect(rows.every((r) => r.status === 'ok')).to.equal(true);
  return done;
}

describe('gridbid batch and worker: node started again with --single-threaded', () => {
  describe('which commands (missingNodeFlags)', () => {
    it('batch and worker lack --single-threaded under the executable’s shebang options; every other command, help and version keep one process', () => {
      const shebang = ['--max-semi-space-size=64'];
      expect(missingNodeFlags(['batch', 'sweep.yaml', '--workers', '2'], shebang, {})).to.deep.equal(['--single-threaded']);
      expect(missingNodeFlags(['batch', 'merge', 'a', 'b'], shebang, {})).to.deep.equal(['--single-threaded']);
      expect(missingNodeFlags(['worker', '--queue', 'redis://h:1'], shebang, {})).to.deep.equal(['--single-threaded']);
      for (const argv of [['run', 'batch.yaml'], ['validate', 'x'], ['query', 'batch', 'select 1'], ['--help'], ['--version'], ['batch', '--help'], ['worker', '-h'], ['batch', 'merge', '--help'], []]) {
        expect(missingNodeFlags(argv, shebang, {}), argv.join(' ')).to.deep.equal([]);
      }
    });

    it('never twice: not when node already has the flag (npm run batch) nor in the node started again', () => {
      expect(missingNodeFlags(['batch', 's.yaml'], ['--max-semi-space-size=64', '--single-threaded'], {})).to.deep.equal([]);
      expect(missingNodeFlags(['batch', 's.yaml'], ['--max-semi-space-size=64'], { [RELAUNCHED_ENV]: '1' })).to.deep.equal([]);
    });
  });

  describe('the real executable', function () {
    this.timeout(120_000);
    let dir: string;
    before(function () {
      if (!onLinux) this.skip(); // reads the processes from /proc
      dir = mkdtempSync(join(tmpdir(), 'gridbid-relaunch-'));
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    it('runs the batch in one child node with --single-threaded; one Ctrl-C from the terminal stops it gracefully: exit 130, the running run finishes', async () => {
      const out = join(dir, 'ctrl-c');
      const bin = start(['batch', SWEEP, '--out', out, '--workers', '1'], true);
      const pid = bin.child.pid!;
      // Started: the child has run node again (between fork and exec, its command line is still the executable's own).
      // The executable's own command line is read at each look, not once: just after the spawn it may still be
      // `/usr/bin/env -S node …` (the shebang), which a child forked by node, not yet exec'd, differs from.
      const ownArgv = (): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '').join('\0');
      await until('the batch started', () => childrenOf(pid).some((c) => c.argv.join('\0') !== ownArgv()), bin.exit);
      const [child, ...more] = childrenOf(pid);
      expect(more).to.deep.equal([]);
      // node <shebang options> --single-threaded <this bin> batch …: the flag is node's own option.
      expect(child!.argv.slice(1, child!.argv.indexOf(BIN))).to.deep.equal(['--max-semi-space-size=64', '--single-threaded']);
      expect(child!.argv.slice(child!.argv.indexOf(BIN) + 1)).to.deep.equal(['batch', SWEEP, '--out', out, '--workers', '1']);
      await until('two runs finished', () => finished(out).length >= 2, bin.exit);
      // Worker threads are threads: the child node starts no process of its own.
      expect(childrenOf(child!.pid)).to.deep.equal([]);

      // Ctrl-C in a terminal: SIGINT to the foreground process group, both nodes.
      process.kill(-pid, 'SIGINT');
      const r = await bin.exit;
      expect(r.code, r.stderr).to.equal(130);
      expect(r.stderr).to.contain('stopping: no new runs will start');
      expect(r.stderr, 'one Ctrl-C must not act as two').not.to.contain('stopping the running runs now');
      const done = expectPartialSummary(out);
      expect(done.length).to.be.within(2, 9);
      // A graceful stop: the run in progress finished, no folder is left unfinished.
      const runFolders = readdirSync(out, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      expect(runFolders.filter((d) => !done.includes(d))).to.deep.equal([]);
      checkOutputTree(out);
      expect(await endsWithin(child!.pid), 'the child node ended').to.equal(true);
    });

    it('SIGTERM on the executable ends the batch (no handler: killed by SIGTERM, exit status 143 in a shell) and the executable the same way; finished runs stay in summary.csv', async () => {
      const out = join(dir, 'sigterm');
      const bin = start(['batch', SWEEP, '--out', out, '--workers', '1']);
      await until('a run finished', () => finished(out).length >= 1, bin.exit);
      const [child] = childrenOf(bin.child.pid!);
      bin.child.kill('SIGTERM');
      const r = await bin.exit;
      expect([r.code, r.signal], r.stderr).to.deep.equal([null, 'SIGTERM']);
      expect(await endsWithin(child!.pid), 'the child node ended').to.equal(true);
      expect(expectPartialSummary(out).length).to.be.within(1, 9);
    });

    it('SIGKILL on the executable, which cannot be passed on, kills the batch too', async () => {
      const out = join(dir, 'sigkill');
      const bin = start(['batch', SWEEP, '--out', out, '--workers', '1']);
      const pid = bin.child.pid!;
      await until('a run finished', () => finished(out).length >= 1, bin.exit);
      const [child] = childrenOf(pid);
      bin.child.kill('SIGKILL');
      // The batch's stderr is the same pipe: it closes only once the child is gone too.
      const r = await bin.exit;
      expect(r.signal).to.equal('SIGKILL');
      expect(await endsWithin(child!.pid), 'the child node ended').to.equal(true);
      expect(expectPartialSummary(out).length).to.be.within(1, 9);
    });

    it('passes the exit code on: an invalid option is exit 1 with the same message as before', async () => {
      const r = await start(['batch', SWEEP, '--workers', '0']).exit;
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal("error: option '-w, --workers <n>' argument '0' is invalid. expected a whole number from 1 to 256\n(add --help for usage)\n");
    });
  });
});

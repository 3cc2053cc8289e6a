/**
 * Ctrl-C in the middle of a sweep, with the real executable: the first SIGINT
 * lets running runs finish, a second one terminates them; either way exit 130,
 * a valid partial summary, nothing truncated under a final name, and the same
 * command resumes without redoing finished runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { ensureBuilt } from '../helpers/build.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { checkOutputTree } from './outputTree.ts';
import { resumeCommand } from '../../cli/commands/batch.ts';

const BIN = fileURLToPath(new URL('../../bin/gridbid.js', import.meta.url));
const SWEEP = 'test/fixtures/sweeps/sigint.yaml';
const RUNS = 10;

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(args: readonly string[]): { child: ChildProcess; exit: Promise<Exit> } {
  ensureBuilt();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, exit };
}

const finished = (out: string): string[] => (existsSync(out) ? readdirSync(out).filter((d) => existsSync(join(out, d, 'DONE'))) : []);

/** Resolves once `n` runs have finished (polling the folder, as a person watching it would). */
async function untilFinished(out: string, n: number, exit: Promise<Exit>): Promise<void> {
  let ended = false;
  void exit.then(() => (ended = true));
  while (finished(out).length < n) {
    if (ended) throw new Error(`the batch ended before ${n} runs finished`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('gridbid batch: Ctrl-C and resume (the real executable)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-sigint-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stops on SIGINT with exit 130 and a valid partial summary; the same command resumes without redoing finished runs', async function () {
    this.timeout(90_000);
    const out = join(dir, 'out');
    const args = ['batch', SWEEP, '--out', out, '--workers', '1'];

    // 1. One Ctrl-C after two runs: the running run finishes, nothing new starts.
    const first = start(args);
    await untilFinished(out, 2, first.exit);
    first.child.kill('SIGINT');
    const r1 = await first.exit;
    expect(r1.code, r1.stderr).to.equal(130);
    expect(r1.stderr).to.contain('stopping: no new runs will start');
    expect(r1.stderr).to.match(/gridbid: interrupted: \d+ of 10 runs finished/);
    expect(r1.stderr).to.contain(`To resume, run the same command again; finished runs are kept:\n  gridbid batch ${SWEEP} --out ${out}\n`);
    const done1 = finished(out);
    expect(done1.length).to.be.within(2, RUNS - 1);
    const partial = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(partial.map((r) => r.run_id).sort()).to.deep.equal([...done1].sort());
    expect(partial.every((r) => r.status === 'ok')).to.equal(true);
    checkOutputTree(out); // a graceful stop leaves no .partial file at all
    const mtimes = new Map(done1.map((id) => [id, statSync(join(out, id, 'summary.json')).mtimeMs]));

    // 2. Two Ctrl-C in a row: the running run is terminated and left unfinished (no DONE).
    const second = start(args);
    await untilFinished(out, done1.length + 1, second.exit);
    second.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 30));
    second.child.kill('SIGINT');
    const r2 = await second.exit;
    expect(r2.code, r2.stderr).to.equal(130);
    expect(r2.stderr).to.contain(`${done1.length} of 10 runs already finished in ${out}: kept, not run again`);
    const done2 = finished(out);
    // Whatever the kill cut short has no DONE, and no file under a final name is truncated.
    for (const id of readdirSync(out)) {
      const path = join(out, id);
      if (!statSync(path).isDirectory() || done2.includes(id)) continue;
      for (const f of readdirSync(path)) {
        if (f.endsWith('.csv')) expect(() => parse(readFileSync(join(path, f)), { columns: true }), `${id}/${f}`).not.to.throw();
        if (f.endsWith('.json')) expect(() => JSON.parse(readFileSync(join(path, f), 'utf8')), `${id}/${f}`).not.to.throw();
      }
    }

    // 3. Resume to the end: every run in summary.csv, the first invocation's runs untouched.
    const third = start(args);
    const r3 = await third.exit;
    expect(r3.code, r3.stderr).to.equal(0);
    expect(r3.stdout).to.contain(`batch     sigint: 10 runs, 10 ok, 0 failed (${done2.length} kept from an earlier invocation)`);
    for (const [id, t] of mtimes) expect(statSync(join(out, id, 'summary.json')).mtimeMs, id).to.equal(t);
    const rows = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.run_id)).to.deep.equal([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45].map((s) => `share-${s}__seed-11`));
    expect(rows.every((r) => r.status === 'ok')).to.equal(true);
    checkOutputTree(out);
  });

  it('the resume command of a shard on a queue keeps both (the password hidden), and leaves out the defaults', () => {
    expect(resumeCommand('s.yaml', { outDir: 'out', shard: { k: 2, n: 4 }, queue: 'redis://:pw@h:6379' }, { format: ['csv'], database: true })).to.equal(
      "gridbid batch s.yaml --shard 2/4 --queue 'redis://:***@h:6379' --out out",
    );
    expect(resumeCommand('s.yaml', { outDir: 'out', shard: undefined, queue: undefined }, { format: ['csv', 'parquet'] })).to.equal('gridbid batch s.yaml --format csv,parquet --out out');
  });

  it('the resume command it prints keeps --format, --no-database and --run-timeout: following it keeps the finished Parquet runs', async function () {
    this.timeout(90_000);
    const out = join(dir, 'out-parquet');
    const first = start(['batch', SWEEP, '--out', out, '--workers', '1', '--format', 'parquet', '--no-database', '--run-timeout', '10m']);
    await untilFinished(out, 1, first.exit);
    first.child.kill('SIGINT');
    const r1 = await first.exit;
    expect(r1.code, r1.stderr).to.equal(130);
    const resume = `gridbid batch ${SWEEP} --format parquet --no-database --run-timeout 600s --out ${out}`;
    // It printed the command without --format: that rerun took every finished Parquet run as stale and ran it again, as CSV.
    expect(r1.stderr).to.contain(`To resume, run the same command again; finished runs are kept:\n  ${resume}\n`);
    const done = finished(out);
    const again = start([...resume.split(' ').slice(1), '--workers', '1']);
    const r2 = await again.exit;
    expect(r2.code, r2.stderr).to.equal(0);
    expect(r2.stdout).to.contain(`(${done.length} kept from an earlier invocation)`);
    expect(r2.stderr).not.to.contain('running them again');
    expect(existsSync(join(out, 'results.duckdb'))).to.equal(false);
  });
});

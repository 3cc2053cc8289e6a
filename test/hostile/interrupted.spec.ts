/**
 * Issue 14, defect 9: an interrupted `gridbid run`. Ctrl-C (SIGINT) or SIGTERM stops the
 * run after the interval in progress: it says how far it got and what it wrote, exits 130
 * (143 for SIGTERM), and leaves its folder marked INCOMPLETE with the files cut off at a
 * whole interval under their `.partial` names. A kill (SIGKILL) leaves the marker. The next
 * run into the folder says what it found and clears it. Before the fix the run loop never
 * yielded, so SIGINT killed the process with no message and no marker.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunInterrupted, runScenario } from '../../engine/run.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { ensureBuilt } from '../helpers/build.ts';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Starts a long run and sends `signal` once agents.csv.partial exists (the written pass has begun). */
function interrupt(out: string, signal: NodeJS.Signals): Promise<Ended> {
  const child = spawn(process.execPath, ['bin/gridbid.js', 'run', 'scenarios/evening-peak.yaml', '--out', out], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (existsSync(join(out, 'agents.csv.partial'))) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 50);
    child.on('close', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr });
    });
  });
}

/** The distinct interval_start values of a CSV, in order, and its row count (header excluded). */
function intervalsOf(file: string): { starts: string[]; rows: number } {
  const lines = readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l !== '');
  return { starts: [...new Set(lines.map((l) => l.slice(0, l.indexOf(','))))], rows: lines.length };
}

/** The next run into the folder reports what it found, clears it and finishes. */
function rerunReports(out: string): void {
  const again = gridbid(['run', 'test/fixtures/hostile/scenarios/ok.yaml', '--out', out]);
  expect(again.status).to.equal(0);
  expect(again.stderr).to.match(new RegExp(`^gridbid: ${out} held a run that did not finish \\(scenarios/evening-peak\\.yaml, seed 2026\\): \\d+ partial files? \\(.*agents\\.csv\\.partial.*\\); removed, running again\\n$`));
  const now = readdirSync(out);
  expect(now.filter((n) => n.endsWith('.partial') || n === 'INCOMPLETE')).to.deep.equal([]);
  expect(now).to.include('summary.json');
}

describe('issue 14 defect 9: an interrupted run says so, is marked, and the next run says what it found', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    ensureBuilt(); // the executable runs dist/
    dir = mkdtempSync(join(tmpdir(), 'gridbid-interrupted-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: a message with how far it got, exit ${code}, files cut at a whole interval, INCOMPLETE; a later run reports and clears them`, async () => {
      const out = join(dir, signal);
      const ended = await interrupt(out, signal);
      expect(ended.signal).to.equal(null);
      expect(ended.code).to.equal(code);
      const m = new RegExp(
        `^gridbid: interrupted by ${signal} in the run pass after (\\d+) of 96 intervals: 5 files cut off after interval \\1 \\(agents\\.csv\\.partial, events\\.csv\\.partial, flows\\.csv\\.partial, intervals\\.csv\\.partial, rejections\\.csv\\.partial\\), no summary\\.json or report\\.html; ${out} is marked INCOMPLETE\\. Run the same command again to replace it\\.\\n$`,
      ).exec(ended.stderr);
      expect(m, ended.stderr).to.not.equal(null);
      const done = Number(m![1]);
      expect(done).to.be.within(1, 95);
      const left = readdirSync(out).sort();
      expect(left).to.deep.equal(['INCOMPLETE', 'agents.csv.partial', 'events.csv.partial', 'flows.csv.partial', 'intervals.csv.partial', 'rejections.csv.partial']);
      expect(readFileSync(join(out, 'INCOMPLETE'), 'utf8')).to.match(new RegExp(`^started: scenarios/evening-peak\\.yaml, seed 2026\\n(.*\\n)*interrupted by ${signal} in the run pass after ${done} of 96 intervals\\n$`));
      // Every row of the intervals done, and nothing of the next: 30 buses per interval in intervals.csv.
      const iv = intervalsOf(join(out, 'intervals.csv.partial'));
      expect(iv.starts).to.have.length(done);
      expect(iv.starts[0]).to.equal('2026-07-15T12:00:00Z');
      expect(iv.rows).to.equal(done * 30);
      const ag = intervalsOf(join(out, 'agents.csv.partial'));
      expect(ag.starts).to.deep.equal(iv.starts);
      expect(ag.rows % done).to.equal(0);
      rerunReports(out);
    });
  }

  it('SIGKILL: no chance to speak, but INCOMPLETE and the *.partial files stay; a later run reports and clears them', async () => {
    const out = join(dir, 'SIGKILL');
    expect((await interrupt(out, 'SIGKILL')).signal).to.equal('SIGKILL');
    const left = readdirSync(out);
    expect(left).to.include('INCOMPLETE');
    expect(left).to.include('agents.csv.partial');
    expect(left).to.not.include('summary.json');
    expect(readFileSync(join(out, 'INCOMPLETE'), 'utf8')).to.match(/^started: scenarios\/evening-peak\.yaml, seed 2026\n.*interrupted/s);
    rerunReports(out);
  });
});

describe('runScenario with an abort signal (in process)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'gridbid-abort-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stops after the interval in progress; the cut files are byte for byte the start of the full run’s', async () => {
    const scenario = loadScenarioFile('test/fixtures/hostile/scenarios/ok.yaml');
    const full = join(dir, 'full');
    await runScenario(scenario, { outDir: full });
    const cut = join(dir, 'cut');
    const stop = new AbortController();
    const err = await runScenario(scenario, { outDir: cut, signal: stop.signal, onInterval: (done) => done === 3 && stop.abort('SIGINT') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(RunInterrupted);
    const r = err as RunInterrupted;
    expect([r.pass, r.intervalsDone, r.intervals, r.reason]).to.deep.equal(['run', 3, 24, 'SIGINT']);
    expect(readdirSync(cut).sort()).to.deep.equal(['agents.csv.partial', 'events.csv.partial', 'flows.csv.partial', 'intervals.csv.partial', 'rejections.csv.partial']);
    for (const name of ['agents.csv', 'intervals.csv']) {
      const whole = readFileSync(join(full, name), 'utf8').split('\n');
      const part = readFileSync(join(cut, `${name}.partial`), 'utf8');
      const rowsPerInterval = name === 'intervals.csv' ? 1 : 4; // one bus; g and three homes
      expect(part).to.equal(`${whole.slice(0, 1 + 3 * rowsPerInterval).join('\n')}\n`);
    }
  });
});

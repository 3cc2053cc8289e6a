/**
 * Issue 14, defect 9: an interrupted `gridbid run` (Ctrl-C or SIGKILL) leaves its folder
 * marked INCOMPLETE, with its *.partial files; the next run into the folder says what it
 * found and clears it. Before the fix the folder had only *.partial files, no marker, and
 * a later run said nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ensureBuilt } from '../helpers/build.ts';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';

/** Starts a long run and sends `signal` once agents.csv.partial exists; resolves to how it ended. */
function interrupt(out: string, signal: NodeJS.Signals): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, ['bin/gridbid.js', 'run', 'scenarios/evening-peak.yaml', '--out', out], { cwd: REPO_ROOT, stdio: 'ignore' });
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (existsSync(join(out, 'agents.csv.partial'))) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 50);
    child.on('close', (_code, sig) => {
      clearInterval(poll);
      resolve(sig);
    });
  });
}

describe('issue 14 defect 9: an interrupted run is marked, and the next run says what it found', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    ensureBuilt(); // the executable runs dist/
    dir = mkdtempSync(join(tmpdir(), 'gridbid-interrupted-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`${signal}: INCOMPLETE and the *.partial files stay; a later run reports and clears them`, async () => {
      const out = join(dir, signal);
      expect(await interrupt(out, signal)).to.equal(signal);
      const left = readdirSync(out);
      expect(left).to.include('INCOMPLETE');
      expect(left).to.include('agents.csv.partial');
      expect(left).to.not.include('summary.json');
      expect(readFileSync(join(out, 'INCOMPLETE'), 'utf8')).to.match(/^started: scenarios\/evening-peak\.yaml, seed 2026\n.*interrupted/s);
      const again = gridbid(['run', 'test/fixtures/hostile/scenarios/ok.yaml', '--out', out]);
      expect(again.status).to.equal(0);
      expect(again.stderr).to.match(new RegExp(`^gridbid: ${out} held a run that did not finish \\(scenarios/evening-peak\\.yaml, seed 2026\\): \\d+ partial files? \\(.*agents\\.csv\\.partial.*\\); removed, running again\\n$`));
      const now = readdirSync(out);
      expect(now.filter((n) => n.endsWith('.partial') || n === 'INCOMPLETE')).to.deep.equal([]);
      expect(now).to.include('summary.json');
    });
  }
});

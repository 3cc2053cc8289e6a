/**
 * The gridbid executable when the reader of its output has gone (`gridbid … | head -1`):
 * the rest of its output goes nowhere and it ends with status 0, never an unhandled EPIPE
 * stack trace; a run still writes its files. The pipe's read end is closed before node
 * has even started, so every write meets EPIPE.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ensureBuilt } from '../helpers/build.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/gridbid.js', import.meta.url));

function withClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('gridbid with its output piped to a reader that has gone', function () {
  this.timeout(60_000);
  before(() => ensureBuilt());

  for (const args of [['--help'], ['batch', '--help'], ['run', '--help']]) {
    it(`gridbid ${args.join(' ')}: exit 0, no EPIPE stack`, async () => {
      const { code, stderr } = await withClosedStdout(args);
      expect(stderr).not.to.match(/EPIPE|Unhandled/);
      expect(code).to.equal(0);
    });
  }

  it('gridbid run: the run finishes and writes its files though nobody reads its summary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gridbid-pipe-'));
    try {
      const { code, stderr } = await withClosedStdout(['run', 'scenarios/default.yaml', '--out', out]);
      expect(stderr).not.to.match(/EPIPE|Unhandled/);
      expect(code).to.equal(0);
      for (const f of ['summary.json', 'intervals.csv', 'agents.csv']) expect(existsSync(join(out, f)), f).to.equal(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

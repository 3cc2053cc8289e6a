import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';

/**
 * A batch's outputs do not depend on the folder it was started from: shards run on machines
 * with other working folders merge into the one-machine batch byte for byte. summary.json used
 * to record the base scenario's path as typed or relative to the working folder.
 */
describe('batch: the same outputs from any working folder', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-cwd-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('from the repository (relative path) and from elsewhere (absolute path): every run file identical; summary.json names the base from the sweep', () => {
    const sweep = 'test/fixtures/sweeps/grid.yaml';
    const a = gridbid(['batch', sweep, '--out', join(dir, 'a'), '--workers', '1', '--no-database']);
    expect(a.status, a.stderr).to.equal(0);
    const b = gridbid(['batch', join(REPO_ROOT, sweep), '--out', join(dir, 'b'), '--workers', '1', '--no-database'], { cwd: dir });
    expect(b.status, b.stderr).to.equal(0);
    const runs = readdirSync(join(dir, 'a'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(runs.length).to.be.greaterThan(1);
    for (const run of runs)
      for (const f of ['summary.json', 'agents.csv', 'scenario.yaml', 'DONE']) expect(readFileSync(join(dir, 'b', run, f), 'utf8'), `${run}/${f}`).to.equal(readFileSync(join(dir, 'a', run, f), 'utf8'));
    expect(readFileSync(join(dir, 'b', 'summary.csv'), 'utf8')).to.equal(readFileSync(join(dir, 'a', 'summary.csv'), 'utf8'));
    expect(JSON.parse(readFileSync(join(dir, 'a', runs[0]!, 'summary.json'), 'utf8')).scenario.file).to.equal('tiny.yaml');
  });
});

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

  /** The same sweep batched from the repository (its relative path) into `a` and from `dir` (its absolute path) into `b`: both exit `status`. */
  const fromBothFolders = (sweep: string, a: string, b: string, status: number): void => {
    const fromRepo = gridbid(['batch', sweep, '--out', join(dir, a), '--workers', '1', '--no-database']);
    expect(fromRepo.status, fromRepo.stderr).to.equal(status);
    const fromElsewhere = gridbid(['batch', join(REPO_ROOT, sweep), '--out', join(dir, b), '--workers', '1', '--no-database'], { cwd: dir });
    expect(fromElsewhere.status, fromElsewhere.stderr).to.equal(status);
  };

  it('from the repository (relative path) and from elsewhere (absolute path): every run file identical; summary.json names the base from the sweep', () => {
    fromBothFolders('test/fixtures/sweeps/grid.yaml', 'a', 'b', 0);
    const runs = readdirSync(join(dir, 'a'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(runs.length).to.be.greaterThan(1);
    for (const run of runs)
      for (const f of ['summary.json', 'agents.csv', 'scenario.yaml', 'DONE']) expect(readFileSync(join(dir, 'b', run, f), 'utf8'), `${run}/${f}`).to.equal(readFileSync(join(dir, 'a', run, f), 'utf8'));
    expect(readFileSync(join(dir, 'b', 'summary.csv'), 'utf8')).to.equal(readFileSync(join(dir, 'a', 'summary.csv'), 'utf8'));
    expect(JSON.parse(readFileSync(join(dir, 'a', runs[0]!, 'summary.json'), 'utf8')).scenario.file).to.equal('tiny.yaml');
  });

  it('a run that fails: its error names the sweep by its path from the sweep\'s folder, so summary.csv and error.txt are the same from the repository and from elsewhere (audit A-dafail)', () => {
    // Before: "test/fixtures/sweeps/broken-variant.yaml:10:27 …" from the repository, "/…/test/fixtures/sweeps/broken-variant.yaml:10:27 …" from elsewhere.
    fromBothFolders('test/fixtures/sweeps/broken-variant.yaml', 'ba', 'bb', 3);
    expect(readFileSync(join(dir, 'bb', 'summary.csv'), 'utf8')).to.equal(readFileSync(join(dir, 'ba', 'summary.csv'), 'utf8'));
    const error = "broken-variant.yaml:10:27 agents[home].count: expected a number > 0, got -3 (variant 'negative-homes')\n";
    for (const out of ['ba', 'bb']) expect(readFileSync(join(dir, out, 'negative-homes__seed-7', 'error.txt'), 'utf8')).to.equal(error);
  });
});

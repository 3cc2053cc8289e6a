/**
 * Issue 14, defects of the command line itself: `--out` problems (2) and `--version`,
 * help examples and an example scenario's header (14). Each test failed before its fix.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { UserError } from '../../core/errors.ts';
import { prepareOutputFolder } from '../../output/outDir.ts';
import { gridbidInProcess, REPO_ROOT } from '../helpers/cli.ts';

const refused = (dir: string): string => {
  try {
    prepareOutputFolder(dir);
  } catch (err) {
    expect(err).to.be.instanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error(`expected ${dir} to be refused`);
};

describe('issue 14 defect 2: the output folder is checked before any work', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-out-'));
    writeFileSync(join(dir, 'a-file'), 'x');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses the empty string, an existing file and a path below a file, naming the file', () => {
    expect(refused('')).to.equal('--out is empty: give the folder to write the results into');
    expect(refused(join(dir, 'a-file'))).to.equal(`--out ${join(dir, 'a-file')}: ${join(dir, 'a-file')} is a file, not a folder`);
    expect(refused(join(dir, 'a-file', 'x', 'y'))).to.equal(`--out ${join(dir, 'a-file', 'x', 'y')}: ${join(dir, 'a-file')} is a file, not a folder`);
  });

  it('refuses a folder under procfs at once (Node\'s recursive mkdir spins there forever)', () => {
    expect(refused('/proc/self/gridbid')).to.match(/cannot create the output folder \/proc\/self\/gridbid: its parent does not accept new folders/);
  });

  it('creates missing parents one by one', () => {
    prepareOutputFolder(join(dir, 'a', 'b', 'c'));
    expect(existsSync(join(dir, 'a', 'b', 'c'))).to.equal(true);
  });

  it('gridbid run and batch exit 1 with the reason, before simulating', async () => {
    const run = await gridbidInProcess(['run', 'test/fixtures/hostile/scenarios/ok.yaml', '--out', join(dir, 'a-file')]);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain('is a file, not a folder');
    const batch = await gridbidInProcess(['batch', 'test/fixtures/sweeps/tiny.yaml', '--out', '']);
    expect(batch.status).to.equal(1);
    expect(batch.stderr).to.contain('--out is empty');
  });
});

describe('issue 14 defect 14: --version, help examples that exist, honest scenario headers', () => {
  it('--version prints package.json\'s version', async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await gridbidInProcess(['--version']);
    expect(r.status).to.equal(0);
    expect(r.stdout.trim()).to.equal(version);
  });

  it('every file `clear --help` names as an example exists', async () => {
    const r = await gridbidInProcess(['clear', '--help']);
    const files = [...r.stdout.matchAll(/gridbid clear (\S+)/g)].map((m) => m[1]!).filter((f) => f.includes('/'));
    expect(files.length).to.be.at.least(2);
    for (const f of files) expect(existsSync(join(REPO_ROOT, f)), f).to.equal(true);
  });

  it('`clear --help` lists the exit codes it returns: 0 solved, 1 a bad file or a result that is not optimal (still printed)', async () => {
    const help = await gridbidInProcess(['clear', '--help']);
    expect(help.stdout).to.match(/Exit codes:\n {2}0 {4}the case solved \(optimal \/ cleared\)\n {2}1 {4}a user error .*, or a result that is not\n {7}optimal: the result \(status and message\) is still printed, the reason on stderr\n {2}2 {4}internal error/);
    expect((await gridbidInProcess(['clear', 'test/fixtures/clear/three-bus.json'])).status).to.equal(0);
    expect((await gridbidInProcess(['clear', 'test/fixtures/clear/no-such-case.json'])).status).to.equal(1);
    const infeasible = await gridbidInProcess(['clear', 'test/fixtures/clear/infeasible.m']);
    expect(infeasible.status).to.equal(1);
    expect(infeasible.stdout).to.contain('infeasible');
    expect(infeasible.stderr).to.contain('infeasible');
  });

  it('scenarios/storage-arbitrage.yaml says what it holds: homes, battery size and days', () => {
    const text = readFileSync(join(REPO_ROOT, 'scenarios/storage-arbitrage.yaml'), 'utf8');
    const s = parse(text) as { description: string; days: number; agents: Array<{ kind: string; count?: number; capacityKwh?: number; maxChargeKw?: number }> };
    const homes = s.agents.filter((a) => a.kind === 'home').reduce((n, a) => n + (a.count ?? 1), 0);
    const battery = s.agents.find((a) => a.kind === 'storage')!;
    expect(s.description).to.contain(`${homes} homes`).and.to.contain(`${s.days} days`);
    expect(text).to.contain(`${battery.capacityKwh} kWh, ${battery.maxChargeKw} kW`);
    expect(text.split('\n')[0]).to.not.contain('one week');
  });
});

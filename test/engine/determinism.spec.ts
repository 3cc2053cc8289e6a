import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runScenarioFile } from '../../engine/run.ts';
import { OUTPUT_FILES } from '../../output/recorder.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const scenario = join(REPO_ROOT, 'scenarios/default.yaml');

describe('determinism', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-det-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const files = (out: string): Record<string, Buffer> => Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f))]));

  it('two runs with the same seed write byte-identical files; another seed changes them', async function () {
    this.timeout(60_000);
    await runScenarioFile(scenario, { outDir: join(dir, 'a') });
    await runScenarioFile(scenario, { outDir: join(dir, 'b') });
    await runScenarioFile(scenario, { outDir: join(dir, 'c'), seed: 7 });
    const a = files(join(dir, 'a'));
    const b = files(join(dir, 'b'));
    const c = files(join(dir, 'c'));
    expect(Object.keys(a).sort()).to.deep.equal([...OUTPUT_FILES].sort());
    for (const f of OUTPUT_FILES) expect(a[f]!.equals(b[f]!), `${f} differs between identical runs`).to.equal(true);
    // The market and the homes' draws depend on the seed: these must change.
    for (const f of ['summary.json', 'intervals.csv', 'agents.csv', 'report.html']) expect(a[f]!.equals(c[f]!), `${f} did not change with the seed`).to.equal(false);
    expect(JSON.parse(c['summary.json']!.toString()).seed).to.equal(7);
  });
});

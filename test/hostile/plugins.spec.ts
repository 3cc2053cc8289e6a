/**
 * Issue 14, defect 12: strategy plug-ins load from any folder (.ts, .mts, .js, .mjs, also
 * where package.json does not say "type": "module"); `validate` reports strategy errors in
 * the same pass as schema errors; a throwing strategy shows in report.html. Each failed
 * before the fix ("Cannot require() ES Module … in a cycle"; one problem of two; only events.csv).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputFileError } from '../../core/errors.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { gridbid, gridbidInProcess, REPO_ROOT } from '../helpers/cli.ts';

const dir = 'test/fixtures/hostile/plugins';

describe('issue 14 defect 12: strategy plug-ins', () => {
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'gridbid-plugins-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  for (const [file, ext] of [
    ['ts-no-package.yaml', '.ts'],
    ['mts.yaml', '.mts'],
    ['js-esm-no-package.yaml', '.js'],
    ['mjs.yaml', '.mjs'],
  ] as const) {
    // Through the real executable: mocha's own loader (tsx, require(esm) off) hides the failure.
    it(`a ${ext} plug-in in a folder whose package.json is not "type": "module" runs (real CLI)`, function () {
      this.timeout(60_000);
      const r = gridbid(['run', join(dir, file), '--out', join(out, file)]);
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      expect(r.stdout).to.contain('0 agent faults');
    });
  }

  it('validate lists a strategy error with the schema errors, in one pass', () => {
    let err: unknown;
    try {
      loadScenarioFile(join(REPO_ROOT, 'test/fixtures/hostile/scenarios/strategy-and-schema-errors.yaml'));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(InputFileError);
    expect((err as InputFileError).issues.map((i) => `${i.path}: ${i.message.split(' (')[0]}`)).to.deep.equal([
      'agents[0].offers[0].kw: expected a number > 0, got -5',
      "agents[1].strategy: unknown strategy 'telepathy'",
    ]);
  });

  it('a strategy that throws is in report.html, with its message, as well as in events.csv', async function () {
    this.timeout(30_000);
    const r = await gridbidInProcess(['run', join(dir, 'throws.yaml'), '--out', join(out, 'throws')]);
    expect(r.status).to.equal(0);
    const html = readFileSync(join(out, 'throws', 'report.html'), 'utf8');
    // 3 homes × 24 hourly intervals, each fault in the events section with the strategy's message.
    expect(html).to.contain('STRATEGY_FAULT: 72');
    expect(html).to.contain("strategy: strategy 'throws' threw: the crystal ball is cloudy");
  });
});

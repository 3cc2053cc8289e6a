/**
 * Every example under scenarios/ (subfolders included: scenarios/sweeps/,
 * scenarios/tariff-study/) is valid as shipped: a scenario file loads as `gridbid
 * run` would load it, a sweep plans and every one of its runs is a valid scenario.
 * Nothing is run; the scenario tests in this folder do that.
 */
import { type Dirent, readdirSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { expect } from 'chai';
import { planBatch } from '../../batch/plan.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const ROOT = join(REPO_ROOT, 'scenarios');
const files = (readdirSync(ROOT, { recursive: true, withFileTypes: true }) as Dirent[])
  .filter((e) => e.isFile() && ['.yaml', '.yml', '.json'].includes(extname(e.name)))
  .map((e) => join(e.parentPath, e.name))
  .sort();

describe('the example scenarios and sweeps under scenarios/', () => {
  it('include the subfolders', () => {
    const names = files.map((f) => relative(ROOT, f));
    expect(names).to.include.members(['default.yaml', 'sweeps/price-rules.yaml', 'tariff-study/population.yaml', 'tariff-study/sweep.yaml']);
  });

  for (const file of files) {
    it(`${relative(ROOT, file)}: every run it makes is a valid scenario`, () => {
      const plan = planBatch(file);
      expect(plan.runs.length).to.be.greaterThan(0);
      for (const r of plan.runs) expect(r.error, r.id).to.equal(undefined);
    });
  }
});

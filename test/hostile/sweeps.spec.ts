/**
 * Issue 14, defect 10: a sweep whose base is a sweep (itself, or a cycle), and an override
 * path that names no key or entry of the scenario, are refused before any run starts
 * (exit 1 at planning). Before the fix they failed every run at run time (exit 3).
 */
import { expect } from 'chai';
import { InputFileError, UserError } from '../../core/errors.ts';
import { planBatch } from '../../batch/plan.ts';

const dir = 'test/fixtures/hostile/sweeps';
const refusal = (file: string): string => {
  try {
    planBatch(`${dir}/${file}`);
  } catch (err) {
    expect(err).to.be.instanceOf(UserError);
    return err instanceof InputFileError ? err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`).join('\n') : (err as Error).message;
  }
  throw new Error(`expected ${file} to be refused at planning`);
};

describe('issue 14 defect 10: sweeps that cannot run are refused at planning', () => {
  it('a sweep whose base is itself', () => {
    expect(refusal('base-self.yaml')).to.equal('1:7 base: base-self.yaml is a sweep, not a scenario (this very file): a base must be a scenario file');
  });
  it('a cycle of two sweeps', () => {
    expect(refusal('cycle-a.yaml')).to.equal('1:7 base: cycle-b.yaml is a sweep, not a scenario: a base must be a scenario file');
  });
  it('a grid path naming no key: one line per path, located, with "did you mean"', () => {
    const m = refusal('grid-path-no-key.yaml').split('\n');
    expect(m[0]).to.equal(`${dir}/grid-path-no-key.yaml: 1 override path that fits no scenario key (no run started)`);
    expect(m[1]).to.match(/^ {2}test\/fixtures\/hostile\/sweeps\/grid-path-no-key\.yaml:3:\d+ market\.pricingg: unknown key 'pricingg' \(did you mean 'pricing'\?\)/);
  });
  it('a path naming no list entry, or a position past the end', () => {
    expect(refusal('grid-path-no-entry.yaml')).to.contain("agents[ghost].count: agents has no entry with id, idPrefix or name 'ghost' (there are: g, home)");
    expect(refusal('index-out-of-range.yaml')).to.contain('agents[9].count: agents has 2 entries; there is no [9]');
  });
  it('an invalid value still fails only its own run (exit 3), as before', () => {
    const plan = planBatch(`${dir}/override-invalid-value.yaml`);
    expect(plan.runs[0]!.error).to.contain('agents[home].count: expected a number > 0, got -3');
  });
});

/**
 * Issue 14, defect 10: a sweep whose base is a sweep (itself, or a cycle), and an override
 * path that names no key or entry of the scenario, are refused before any run starts
 * (exit 1 at planning). Before the fix they failed every run at run time (exit 3).
 */
import { expect } from 'chai';
import { InputFileError, UserError } from '../../core/errors.ts';
import { planBatch } from '../../batch/plan.ts';
import { applyOverride, OverrideError, parseOverridePath, type PathStep } from '../../batch/paths.ts';

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

describe('issue 14 defect 11: override paths append to a list or upsert an entry by id', () => {
  const base = (): Record<string, unknown> => ({
    tariffs: [{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25 }],
    agents: [{ kind: 'retailer', id: 'r', tariffs: ['flat'] }, { kind: 'home', idPrefix: 'home', count: 2, retailer: 'r', tariff: 'flat' }],
  });
  const at = (text: string): PathStep[] => parseOverridePath(text) as PathStep[];

  it('tariffs[+] appends; agents[id=r].tariffs[+] appends to the retailer\'s list', () => {
    const s = base();
    expect(applyOverride(s, at('tariffs[+]'), { id: 'tou3', type: 'flat', energyPricePerKwh: 0.2 })).to.deep.equal(['tariffs', 1]);
    expect(applyOverride(s, at('agents[id=r].tariffs[+]'), 'tou3')).to.deep.equal(['agents', 0, 'tariffs', 1]);
    expect((s.tariffs as unknown[]).length).to.equal(2);
    expect((s.agents as Array<{ tariffs?: string[] }>)[0]!.tariffs).to.deep.equal(['flat', 'tou3']);
  });

  it('tariffs[id=tou3] replaces the entry with that id, or adds it (with its id) when there is none', () => {
    const s = base();
    expect(applyOverride(s, at('tariffs[id=tou3]'), { type: 'flat', energyPricePerKwh: 0.2 })).to.deep.equal(['tariffs', 1]);
    expect((s.tariffs as unknown[])[1]).to.deep.equal({ id: 'tou3', type: 'flat', energyPricePerKwh: 0.2 });
    expect(applyOverride(s, at('tariffs[id=tou3].energyPricePerKwh'), 0.3)).to.deep.equal(['tariffs', 1, 'energyPricePerKwh']);
    expect(applyOverride(s, at('tariffs[id=flat]'), { id: 'flat', type: 'flat', energyPricePerKwh: 0.5 })).to.deep.equal(['tariffs', 0]);
    expect(s.tariffs).to.deep.equal([
      { id: 'flat', type: 'flat', energyPricePerKwh: 0.5 },
      { id: 'tou3', type: 'flat', energyPricePerKwh: 0.3 },
    ]);
  });

  it('refuses [+] inside a path, and a value whose id contradicts the path', () => {
    expect(() => applyOverride(base(), at('tariffs[+].id'), 'x')).to.throw(OverrideError, /\[\+\] adds an entry, so it must end the path/);
    expect(() => applyOverride(base(), at('tariffs[id=a]'), { id: 'b' })).to.throw(OverrideError, /the path adds id = 'a' but the value says id: "b"/);
  });

  it('a sweep adds a tariff to a scenario without rewriting its lists, and the run is valid', () => {
    const plan = planBatch(`${dir}/add-tariff.yaml`);
    expect(plan.runs.map((r) => [r.id, r.error])).to.deep.equal([['tou3__seed-1', undefined]]);
    expect(plan.runs[0]!.text).to.contain('id: tou3');
  });
});

/**
 * Issue 14, the defects a hostile-input sweep of the CLI found in reading inputs:
 * YAML aliases (1), duplicate agent ids across `id` and `idPrefix` (4), MATPOWER
 * values and locations (5) and numbers the engine cannot represent (7). Each test
 * failed before its fix. The CLI-level versions of these inputs are in the corpus
 * (test/fixtures/hostile/, run by corpus.spec.ts).
 */
import { expect } from 'chai';
import { InputFileError } from '../../core/errors.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { parseSweep } from '../../batch/sweepFile.ts';
import { parseNativeCase } from '../../market/lp/cases/native.ts';
import { matpowerOpf, parseMatpower, solveOpf } from '../../market/lp/cases/matpower.ts';
import { jslpSolver } from '../../market/lp/jslp.ts';
import { ptdfComputations } from '../../network/ptdf.ts';

/** The problems a parse reports, as `line path: message` (or the error's message when not an input-file error). */
function problems(parse: () => unknown): string[] {
  try {
    parse();
  } catch (err) {
    if (err instanceof InputFileError) return err.issues.map((i) => `${i.line ?? '-'} ${i.path || '(document)'}: ${i.message}`);
    throw err;
  }
  throw new Error('expected the input to be refused');
}

const header = 'name: x\nstart: 2026-07-01T00:00:00Z\n';
const laughs = (levels: number): string => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let k = 1; k < levels; k++) {
    const prev = String.fromCharCode(96 + k);
    const cur = String.fromCharCode(97 + k);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
};

describe('issue 14 defect 1: YAML aliases are located errors, never crashes', () => {
  it('a billion-laughs alias bomb in a scenario: refused where the copies pass the bound, quickly', () => {
    const text = `${header}${laughs(9)}agents: []\n`;
    const t0 = performance.now();
    const p = problems(() => parseScenario(text, 'bomb.yaml'));
    expect(performance.now() - t0).to.be.below(2000);
    expect(p).to.have.length(1);
    // a: 10 values; b copies 9 × 10, c 9 × 91, d 9 × 820; the first *d on line 7 passes 10,000.
    expect(p[0]).to.equal('7 (document): too many alias expansions: the aliases up to *d here would copy 15,670 values (at most 10,000); write the values out');
  });

  it('a fan-out of 1,000 aliases to one anchor', () => {
    const text = `${header}x: &x 1\nys: [${Array(1000).fill('*x').join(', ')}]\nagents: []\n`;
    const p = problems(() => parseScenario(text, 'fan.yaml'));
    expect(p[0]).to.equal('4 (document): too many alias expansions: more than 100 aliases (*x here is one too many); write the values out');
  });

  it('an alias inside the node it names (a cycle)', () => {
    expect(problems(() => parseScenario(`${header}a: &a [1, *a]\nagents: []\n`, 'c.yaml'))).to.deep.equal(['3 (document): alias *a is inside the node &a names: a value cannot contain itself']);
  });

  it('an alias to an anchor that is not defined: the line and the name', () => {
    const text = `${header}agents:\n  - kind: home\n    count: *nope\n`;
    expect(problems(() => parseScenario(text, 'u.yaml'))).to.deep.equal(['5 (document): alias *nope refers to no anchor (an anchor &nope must come before it)']);
  });

  it('the same in a sweep file', () => {
    expect(problems(() => parseSweep(`base: x.yaml\ngrid: { a: *nope }\n`, 's.yaml'))[0]).to.contain('alias *nope refers to no anchor');
    expect(problems(() => parseSweep(`base: x.yaml\n${laughs(9)}`, 's.yaml'))[0]).to.contain('too many alias expansions');
  });

  it('the same in a native clearing case', () => {
    expect(problems(() => parseNativeCase(`network: *nope\n`, 'c.yaml'))[0]).to.contain('alias *nope refers to no anchor');
  });

  it('a few aliases, as people use them to share a block, still work', () => {
    const text = `${header}days: 1\nflex: &flex { share: 0.2, valueMwh: { min: 50, max: 250 }, blocks: 3 }\n`;
    // `flex` is not a scenario key: the alias resolved and the document reached the schema.
    const p = problems(() => parseScenario(`${text}agents:\n  - { kind: home, count: 2, flexibility: *flex }\n`, 'ok.yaml'));
    expect(p).to.have.length(1);
    expect(p[0]).to.match(/^4 flex: unknown key 'flex'; allowed here: name, description, seed, start, days, /);
  });
});

describe('issue 14 defect 4: agent ids are unique across id and idPrefix', () => {
  it('an agent home-3 next to a group with prefix home', () => {
    const text = `${header}agents:\n  - { kind: generator, id: home-3, offers: [{ kw: 10, priceMwh: 50 }] }\n  - { kind: home, idPrefix: home, count: 5 }\n`;
    expect(problems(() => parseScenario(text, 'dup.yaml'))).to.deep.equal(["5 agents[1].idPrefix: makes the id 'home-3', which agents[0] already has; ids must be unique"]);
  });

  it('groups whose ids only look alike are accepted (a-11 from prefix a, a-1-1 from prefix a-1)', () => {
    const text = `${header}agents:\n  - { kind: generator, id: g, offers: [{ kw: 10, priceMwh: 50 }] }\n  - { kind: home, idPrefix: a, count: 11 }\n  - { kind: home, idPrefix: a-1, count: 2 }\n`;
    expect(() => parseScenario(text, 'ok.yaml')).not.to.throw();
  });
});

describe('issue 14 defect 7: every number is one the engine can represent, checked at validation', () => {
  const market = (m: string): string => `${header}market: ${m}\nagents:\n  - { kind: generator, id: g, offers: [{ kw: 5, priceMwh: 40 }] }\n`;
  it('price cap and floor of ±1e308: the path and the bound (they printed welfare Infinity)', () => {
    expect(problems(() => parseScenario(market('{ priceCapMwh: 1e308 }'), 'x.yaml'))).to.deep.equal(['3 market.priceCapMwh: expected a number ≤ 10000000, got 1e+308']);
    expect(problems(() => parseScenario(market('{ priceFloorMwh: -1e308 }'), 'x.yaml'))).to.deep.equal(['3 market.priceFloorMwh: expected a number ≥ -10000000, got -1e+308']);
  });
  it('a tick of 1e-300 and a quantum of 1e-300 (cap / tick must be an exact count)', () => {
    expect(problems(() => parseScenario(market('{ priceTickMwh: 1e-300 }'), 'x.yaml'))).to.deep.equal(['3 market.priceTickMwh: expected a number ≥ 0.000001, got 1e-300']);
    expect(problems(() => parseScenario(market('{ quantumKw: 1e-300 }'), 'x.yaml'))).to.deep.equal(['3 market.quantumKw: expected a number ≥ 0.00001, got 1e-300']);
  });
  it('an offer of 1e308 kW, and an offer priced above the cap (every bid rejected at run time, exit 0)', () => {
    const offer = (o: string): string => `${header}agents:\n  - { kind: generator, id: g, offers: [${o}] }\n`;
    expect(problems(() => parseScenario(offer('{ kw: 1e308, priceMwh: 40 }'), 'x.yaml'))).to.deep.equal(['4 agents[0].offers[0].kw: expected a number ≤ 1000000000, got 1e+308']);
    expect(problems(() => parseScenario(offer('{ kw: 5, priceMwh: 3001 }'), 'x.yaml'))).to.deep.equal([
      '4 agents[0].offers[0].priceMwh: 3001 is above the price cap 3000 (market.priceCapMwh): every bid would be rejected',
    ]);
  });
  it('valueMwh with min above max', () => {
    const text = `${header}agents:\n  - { kind: home, count: 2, flexibility: { valueMwh: { min: 300, max: 100 } } }\n`;
    expect(problems(() => parseScenario(text, 'x.yaml'))).to.deep.equal(['4 agents[0].flexibility.valueMwh: valueMwh: min must not exceed max']);
  });
  it('a native case: tick and quantity', () => {
    const c = (m: string, q: number): string => `market: ${m}\nnetwork: { buses: [{ id: a, reference: true }] }\nbids: [{ id: b, bus: a, segments: [{ side: buy, priceMwh: 10, quantityKw: ${q} }] }]\n`;
    expect(problems(() => parseNativeCase(c('{ priceTickMwh: 1e-300 }', 1), 'c.yaml'))).to.deep.equal(['1 market.priceTickMwh: expected a number ≥ 0.000001, got 1e-300']);
    expect(problems(() => parseNativeCase(c('{}', 1e308), 'c.yaml'))).to.deep.equal(['3 bids[0].segments[0].quantityKw: expected a number ≤ 1000000000, got 1e+308']);
  });
});

describe('issue 14 defect 5: MATPOWER values and locations', () => {
  const T = [
    'function mpc = t3', "mpc.version = '2';", 'mpc.baseMVA = 100;', 'mpc.bus = [',
    '1 3 0 0 0 0 1 1 0 230 1 1.1 0.9;', '2 1 100 0 0 0 1 1 0 230 1 1.1 0.9;', '];',
    'mpc.gen = [', '1 0 0 0 0 1 100 1 300 0;', '];',
    'mpc.branch = [', '1 2 0.01 0.1 0 200 0 0 0 0 1 -360 360;', '];',
    'mpc.gencost = [', '2 0 0 2 10 0;', '];', '',
  ].join('\n');
  const opfProblems = (text: string): string[] => problems(() => matpowerOpf(parseMatpower(text, 'c.m'), 'matpower'));
  it('a load of 1e308 MW is a located error (it crashed with RangeError … fixedLoadKw)', () => {
    expect(opfProblems(T.replace('2 1 100 0', '2 1 1e308 0'))).to.deep.equal(['6 bus[2]: Pd 1e+308 MW is not a number the engine can use (|value| ≤ 1e+6 MW)']);
  });
  it('zero reactance and a missing reference bus name the line and row', () => {
    expect(opfProblems(T.replace('1 2 0.01 0.1', '1 2 0.01 0'))).to.deep.equal(["12 branch[1]: branch '1-2': reactance is zero: every branch needs x ≠ 0, under LinDistFlow too (the network's flows are built from 1/x): give its reactance, or merge the two buses"]);
    expect(opfProblems(T.replace('1 3 0 0', '1 1 0 0'))).to.deep.equal(['5 bus: no reference bus: mark exactly one bus with type 3']);
  });
});

describe('issue 14 defect 6: javascript-lp-solver refuses a large network before the PTDF is built', () => {
  it('a 3,000-bus ring: solver-error naming the tableau size, and no PTDF computed', () => {
    const n = 3000;
    const bus = Array.from({ length: n }, (_, i) => `${i + 1} ${i === 0 ? 3 : 1} ${i % 3 === 0 ? 10 : 0} 0 0 0 1 1 0 230 1 1.1 0.9;`);
    const branch = Array.from({ length: n }, (_, i) => `${i + 1} ${((i + 1) % n) + 1} 0.01 0.1 0 400 0 0 0 0 1 -360 360;`);
    const text = `mpc.baseMVA = 100;\nmpc.bus = [\n${bus.join('\n')}\n];\nmpc.gen = [\n1 0 0 0 0 1 100 1 50000 0;\n];\nmpc.branch = [\n${branch.join('\n')}\n];\nmpc.gencost = [\n2 0 0 2 10 0;\n];\n`;
    const before = ptdfComputations();
    const r = solveOpf(matpowerOpf(parseMatpower(text, 'ring.m'), 'matpower'), jslpSolver);
    expect(r.status).to.equal('solver-error');
    // rows ≥ 1 balance + 3,000 limits + 1 generator = 3,002; 1 column: (3,002 + 1) × (1 + 3,002 + 1) cells.
    expect(r.message).to.contain(`dense tableau would need ${(3003 * 3004).toLocaleString('en-US')} cells`);
    expect(ptdfComputations()).to.equal(before);
  });
});

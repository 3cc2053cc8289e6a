import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { InputFileError, UserError } from '../../core/errors.ts';
import { longestFirst, planBatch } from '../../batch/plan.ts';
import { MAX_RUNS } from '../../batch/sweepFile.ts';
import { parseScenario, scenarioFromData } from '../../engine/scenario/load.ts';

const FIX = 'test/fixtures/sweeps';

describe('batch: planning a sweep', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-plan-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** Writes a sweep next to a copy of tiny.yaml's path and returns its file name. */
  const sweep = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text.replaceAll('TINY', relative(dir, `${FIX}/tiny.yaml`)));
    return file;
  };
  const problems = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).to.be.instanceOf(UserError);
      return (err as Error).message;
    }
    throw new Error('expected a UserError');
  };

  it('runs the grid in order (first key slowest), seeds innermost, with readable ids and parameters', () => {
    const plan = planBatch(`${FIX}/grid.yaml`);
    expect(plan.name).to.equal('grid');
    expect(plan.paramKeys).to.deep.equal(['market.pricing', 'market.priceRule']);
    expect(plan.hasVariants).to.equal(false);
    expect(plan.runs.map((r) => r.id)).to.deep.equal([
      'pricing-uniform_priceRule-partial-block__seed-7',
      'pricing-uniform_priceRule-partial-block__seed-8',
      'pricing-uniform_priceRule-midpoint__seed-7',
      'pricing-uniform_priceRule-midpoint__seed-8',
      'pricing-pay-as-bid_priceRule-partial-block__seed-7',
      'pricing-pay-as-bid_priceRule-partial-block__seed-8',
      'pricing-pay-as-bid_priceRule-midpoint__seed-7',
      'pricing-pay-as-bid_priceRule-midpoint__seed-8',
    ]);
    expect(plan.runs.map((r) => r.index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    const r = plan.runs[5]!;
    expect(r.params).to.deep.equal({ 'market.pricing': 'pay-as-bid', 'market.priceRule': 'partial-block' });
    expect([r.seed, r.scenario, r.variant, r.error]).to.deep.equal([8, 'tiny', '', undefined]);
    const market = parseYaml(r.text).market;
    expect(market).to.deep.equal({ mechanism: 'double-auction', pricing: 'pay-as-bid', priceRule: 'partial-block' });
  });

  it('sizes each run that can start as agents × intervals; a batch starts the largest first, equal sizes in sweep order', () => {
    // tiny.yaml: three plants and `count` homes over 24 hourly intervals; the run with -1 homes cannot start.
    const plan = planBatch(sweep('sizes.yaml', 'base: TINY\ngrid:\n  agents[home].count: [12, 48, -1, 24]\n  days: [1, 2]\nseeds: [7]\n'));
    expect(plan.runs.map((r) => [r.id, r.work])).to.deep.equal([
      ['count-12_days-1__seed-7', 15 * 24],
      ['count-12_days-2__seed-7', 15 * 48],
      ['count-48_days-1__seed-7', 51 * 24],
      ['count-48_days-2__seed-7', 51 * 48],
      ['count-1_days-1__seed-7', undefined],
      ['count-1_days-2__seed-7', undefined],
      ['count-24_days-1__seed-7', 27 * 24],
      ['count-24_days-2__seed-7', 27 * 48],
    ]);
    expect(plan.runs[4]!.error).to.be.a('string');
    // 2448, 1296, 1224, 720, 648, 360: 27 × 48 = 1296 and 51 × 24 = 1224.
    expect(longestFirst(plan.runs).map((r) => r.index)).to.deep.equal([3, 7, 2, 1, 6, 0, 4, 5]);
    // A single scenario file is sized too (15 agents × 24 intervals).
    expect(planBatch(`${FIX}/tiny.yaml`).runs[0]!.work).to.equal(360);
  });

  it('property: longestFirst is a reordering, sizes never increase, equal sizes keep their sweep order', () => {
    const runs = fc.array(fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), { maxLength: 30 }).map((ws) => ws.map((work, index) => ({ index, work })));
    fc.assert(
      fc.property(runs, (rs) => {
        const out = longestFirst(rs);
        expect(out.map((r) => r.index).sort((a, b) => a - b)).to.deep.equal(rs.map((r) => r.index));
        for (let i = 1; i < out.length; i++) {
          const [a, b] = [out[i - 1]!, out[i]!];
          const [wa, wb] = [a.work ?? -1, b.work ?? -1];
          expect(wa >= wb, `size ${a.work} before ${b.work}`).to.equal(true);
          if (wa === wb) expect(a.index).to.be.lessThan(b.index);
        }
      }),
    );
  });

  it('replications count from the base scenario’s seed, or from `seed`; `seeds` lists them', () => {
    const from = (extra: string): number[] => planBatch(sweep('s.yaml', `base: TINY\n${extra}\n`)).runs.map((r) => r.seed);
    expect(from('replications: 3')).to.deep.equal([7, 8, 9]);
    expect(from('replications: 2\nseed: 100')).to.deep.equal([100, 101]);
    expect(from('seeds: [5, 1, 99]')).to.deep.equal([5, 1, 99]);
    expect(from('')).to.deep.equal([7]);
  });

  it('every variant and grid point gets the same seeds (common random numbers); the fingerprint follows text and seed', () => {
    const plan = planBatch(sweep('v.yaml', 'base: TINY\nvariants:\n  - name: a\n  - name: b\n    set: { market.pricing: pay-as-bid }\ngrid:\n  days: [1, 2]\nseeds: [1, 2]\n'));
    expect(plan.runs.map((r) => r.id)).to.deep.equal([
      'a__days-1__seed-1', 'a__days-1__seed-2', 'a__days-2__seed-1', 'a__days-2__seed-2',
      'b__days-1__seed-1', 'b__days-1__seed-2', 'b__days-2__seed-1', 'b__days-2__seed-2',
    ]);
    const fp = new Set(plan.runs.map((r) => r.fingerprint));
    expect(fp.size).to.equal(8);
    const again = planBatch(join(dir, 'v.yaml'));
    expect(again.runs.map((r) => r.fingerprint)).to.deep.equal(plan.runs.map((r) => r.fingerprint));
  });

  it("the fingerprint follows the strategy modules' text too: a run finished before a module was edited is not kept", () => {
    const sub = join(dir, 'modules');
    mkdirSync(sub, { recursive: true });
    const module = join(sub, 'fixed.ts');
    writeFileSync(module, "export default { id: 'fixed', bid: () => [{ side: 'buy', priceMwh: 100, quantityKw: 1 }] };\n");
    const scenario = 'name: m\nseed: 3\nstart: 2026-07-01T00:00:00Z\nintervalMinutes: 60\nagents:\n  - { kind: generator, id: g, offers: [{ kw: 50, priceMwh: 40 }] }\n  - { kind: home, idPrefix: home, count: 2, strategy: { module: ./fixed.ts } }\n';
    writeFileSync(join(sub, 'm.yaml'), scenario);
    writeFileSync(join(sub, 'sweep.yaml'), 'base: m.yaml\ngrid:\n  agents[home].count: [2, 3]\n');
    const before = planBatch(join(sub, 'sweep.yaml')).runs.map((r) => r.fingerprint);
    expect(planBatch(join(sub, 'sweep.yaml')).runs.map((r) => r.fingerprint)).to.deep.equal(before);
    writeFileSync(module, "export default { id: 'fixed', bid: () => [{ side: 'buy', priceMwh: 100, quantityKw: 2 }] };\n");
    const after = planBatch(join(sub, 'sweep.yaml')).runs.map((r) => r.fingerprint);
    expect(after[0]).to.not.equal(before[0]);
    expect(after[1]).to.not.equal(before[1]);
    // A scenario that names no module keeps the fingerprint it always had: folders written before stay reusable.
    const plain = planBatch(`${FIX}/tiny.yaml`).runs[0]!;
    expect(plain.fingerprint).to.equal(createHash('sha256').update(JSON.stringify(['gridbid-run', plain.seed, plain.text])).digest('hex').slice(0, 32));
  });

  it('refuses run folder names too long for a file system, and seeds past the largest; case-only differences get a suffix', () => {
    expect(problems(() => planBatch(sweep('long.yaml', `base: TINY\ngrid:\n  description: ["${'x'.repeat(250)}"]\n`)))).to.contain('folder name is 270 bytes');
    writeFileSync(join(dir, 'max.yaml'), readFileSync(`${FIX}/tiny.yaml`, 'utf8').replace(/^seed: .*$/m, '') + `seed: ${Number.MAX_SAFE_INTEGER - 1}\n`);
    expect(problems(() => planBatch(sweep('past.yaml', 'base: max.yaml\nreplications: 3\n')))).to.contain(`replications: 3 seeds from ${Number.MAX_SAFE_INTEGER - 1} go past ${Number.MAX_SAFE_INTEGER}`);
    expect(planBatch(sweep('fits.yaml', 'base: max.yaml\nreplications: 2\n')).runs.map((r) => r.seed)).to.deep.equal([Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]);
    // On macOS and Windows `Hello` and `hello` are one folder.
    expect(planBatch(sweep('case.yaml', 'base: TINY\ngrid:\n  description: [Hello, hello]\nseeds: [1]\n')).runs.map((r) => r.id)).to.deep.equal(['description-Hello__seed-1', 'description-hello-2__seed-1']);
  });

  it('a broken override fails its runs alone, located in the sweep file and named as the sweep names it', () => {
    const plan = planBatch(`${FIX}/broken-variant.yaml`);
    expect(plan.runs.map((r) => [r.id, r.error])).to.deep.equal([
      ['low-flex__seed-7', undefined],
      // The sweep named by its path from its own folder (as summary.json names the base): the same from any working folder.
      ['negative-homes__seed-7', `broken-variant.yaml:10:27 agents[home].count: expected a number > 0, got -3 (variant 'negative-homes')`],
      ['markup__seed-7', undefined],
    ]);
  });

  it('locates problems inside an override’s value in its own run; refuses paths that fit no key before any run (issue 14)', () => {
    const file = sweep(
      'o.yaml',
      [
        'base: TINY',
        'variants:',
        '  - name: bad-strategy',
        '    set:',
        '      agents[home].strategy: { id: markup, params: { markup: -1 } }',
        '  - name: cross-check',
        '    set:',
        '      market.priceCapMwh: -600',
      ].join('\n'),
    );
    const errors = planBatch(file).runs.map((r) => r.error);
    // Files by their paths from the sweep's folder: the sweep by its name, the base from there.
    expect(errors[0]).to.match(new RegExp(`^o\\.yaml:5:\\d+ agents\\[home\\]\\.strategy\\.params\\.markup: .* \\(variant 'bad-strategy'\\)$`));
    // A cross-check on a field the override did not touch points into the base scenario.
    // (The plants' offers above the new cap are reported too, each at its line in the base.)
    expect(errors[1]).to.match(new RegExp(`^${relative(dirname(file), resolve(FIX, 'tiny.yaml')).replace(/[.]/g, '\\.')}:\\d+:\\d+ market\\.priceFloorMwh: must be below priceCapMwh \\(-600\\) \\(after variant 'cross-check'\\)(; |$)`));
    const paths = sweep(
      'p.yaml',
      ['base: TINY', 'variants:', '  - name: typo', '    set:', '      market.pricng: uniform', '  - name: missing', '    set:', '      agents[heat-pumps].count: 2'].join('\n'),
    );
    expect(() => planBatch(paths)).to.throw(
      UserError,
      new RegExp(
        `^${paths}: 2 override paths that fit no scenario key \\(no run started\\)\\n {2}${paths}:5:7 market\\.pricng: unknown key 'pricng' \\(did you mean 'pricing'\\?\\); allowed here: mechanism, .*\\n {2}${paths}:8:7 agents\\[heat-pumps\\]\\.count: agents has no entry with id, idPrefix or name 'heat-pumps' \\(there are: wind, ccgt, peaker, home\\)$`,
      ),
    );
  });

  it('a scenario file is a batch of one run; a folder runs each file, named after it', () => {
    const one = planBatch(`${FIX}/tiny.yaml`);
    expect(one.runs.map((r) => [r.id, r.seed, r.error])).to.deep.equal([['tiny__seed-7', 7, undefined]]);
    const folder = planBatch(`${FIX}/folder`);
    expect(folder.name).to.equal('folder');
    expect(folder.runs.map((r) => r.id)).to.deep.equal(['a-scenario__seed-3', 'b-sweep__pricing-uniform__seed-7', 'b-sweep__pricing-pay-as-bid__seed-7']);
    expect(folder.paramKeys).to.deep.equal(['market.pricing']);
    expect(folder.runs[0]!.params).to.deep.equal({});
    expect(folder.runs.map((r) => r.scenario)).to.deep.equal(['folder-scenario', 'tiny', 'tiny']);
  });

  it('an invalid scenario in a folder fails its own run with the scenario’s own located message', () => {
    const sub = join(dir, 'mixed');
    rmSync(sub, { recursive: true, force: true });
    expect(() => planBatch(sub)).to.throw(UserError, /no such file or folder/);
    mkdirSync(sub);
    writeFileSync(join(sub, 'bad.yaml'), 'name: bad\nstart: 2026-07-01T00:00:00Z\nagents:\n  - kind: home\n    count: -1\n');
    writeFileSync(join(sub, 'empty.yaml'), '');
    const [bad, empty] = planBatch(sub).runs;
    expect(bad!.error).to.equal('bad.yaml:5:12 agents[0].count: expected a number > 0, got -1');
    expect(empty!.error).to.match(/empty\.yaml \(document\): the file is empty/);
  });

  it('sweep file problems are all reported at once, each with line, path and reason', () => {
    const typos = problems(() => planBatch(`${FIX}/bad/typos.yaml`));
    expect(typos).to.contain(`${FIX}/bad/typos.yaml:3:1 replication: unknown key 'replication' (did you mean 'replications'?)`);
    expect(typos).to.contain(`${FIX}/bad/typos.yaml:10:5 variants[1].sett: unknown key 'sett' (did you mean 'set'?)`);
    const base = problems(() => planBatch(`${FIX}/bad/missing-base.yaml`));
    expect(base.split('\n').slice(1)).to.deep.equal([
      `  ${FIX}/bad/missing-base.yaml:1:7 base: no such file 'no-such-scenario.yaml' (looked for ${FIX}/bad/no-such-scenario.yaml)`,
      `  ${FIX}/bad/missing-base.yaml:2:1 seeds: give either seeds or replications, not both`,
      `  ${FIX}/bad/missing-base.yaml:2:12 seeds[1]: seed 1 is listed twice`,
    ]);
    const checks = problems(() =>
      planBatch(sweep('c.yaml', 'base: TINY\ngrid:\n  market..pricing: [a]\n  seed: [1, 2]\n  days: []\n  x: { "bad label": 1 }\n  y: [a b, a-b]\nvariants:\n  - name: v\n  - name: v\n')),
    );
    expect(checks).to.match(/c\.yaml:3:3 grid\.market\.\.pricing: not a valid override path: expected a key at '\.pricing'/);
    expect(checks).to.match(/c\.yaml:4:3 grid\.seed: the seed is not an override: give seeds or replications in the sweep/);
    expect(checks).to.match(/c\.yaml:5:3 grid\.days: expected at least 1 value/);
    expect(checks).to.match(/c\.yaml:6:8 grid\.x\.bad label: label 'bad label': use letters/);
    expect(checks).to.match(/c\.yaml:7:12 grid\.y\[1\]: gives the same run name 'a-b' as value 1; label the values/);
    expect(checks).to.match(/c\.yaml:10:11 variants\[1\]\.name: 'v' is also the name of variants\[0\]/);
  });

  it('refuses a sweep that would make too many runs, and files that are not sweeps or scenarios', () => {
    const big = problems(() => planBatch(sweep('big.yaml', `base: TINY\nreplications: 1000\ngrid:\n  days: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n`)));
    expect(big).to.contain(`this sweep makes 11000 runs; at most ${MAX_RUNS} are allowed`);
    expect(() => planBatch('README.md')).to.throw(UserError, 'README.md: expected a .yaml, .yml or .json sweep or scenario file');
    expect(() => planBatch(sweep('empty.yaml', ''))).to.throw(UserError, 'empty.yaml: the file is empty; expected a sweep (with base:) or a scenario');
    expect(() => planBatch(sweep('yaml.yaml', 'base: [\n'))).to.throw(InputFileError, /yaml\.yaml:2:1 \(document\): not valid YAML/);
  });
});

describe('batch: the sweep format as documented', () => {
  it('the example in scenarios/sweeps/README.md is a valid sweep whose every run is a valid scenario', () => {
    const readme = readFileSync('scenarios/sweeps/README.md', 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-readme-'));
    try {
      mkdirSync(join(dir, 'sweeps'));
      writeFileSync(join(dir, 'default.yaml'), readFileSync('scenarios/default.yaml'));
      writeFileSync(join(dir, 'sweeps', 'example.yaml'), example);
      const plan = planBatch(join(dir, 'sweeps', 'example.yaml'));
      expect(plan.runs).to.have.length(2 * 2 * 4 * 2 * 2 * 2);
      expect(plan.runs.filter((r) => r.error !== undefined).map((r) => r.error)).to.deep.equal([]);
      expect(plan.runs[0]!.id).to.equal('baseline__pricing-uniform_priceRule-partial-block_share-0.1_strategy-truthful__seed-42');
      expect(plan.reportKpis).to.deep.equal(['totalCost', 'averagePriceMwh', 'welfare', 'peakKw']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the example sweep price-rules.yaml plans 16 valid runs', () => {
    const plan = planBatch('scenarios/sweeps/price-rules.yaml');
    expect(plan.runs).to.have.length(16);
    expect(plan.runs.every((r) => r.error === undefined)).to.equal(true);
    expect([...new Set(plan.runs.map((r) => r.seed))]).to.deep.equal([42, 43]);
  });
});

describe('batch: planning checks each run on its data, as a run reads its text', () => {
  // planBatch checks a run's scenario on the data its text is written from (scenarioFromData), and
  // reads the text back only to locate problems; a worker reads the text (parseScenario). The two
  // must agree on every run of every example sweep and every valid fixture sweep.
  const sweeps = [
    ...readdirSync('scenarios/sweeps').filter((f) => f.endsWith('.yaml')).map((f) => `scenarios/sweeps/${f}`),
    'scenarios/tariff-study/sweep.yaml',
    ...readdirSync(FIX).filter((f) => f.endsWith('.yaml')).map((f) => `${FIX}/${f}`),
  ];
  it(`${sweeps.length} sweeps: the verdict and the scenario from the data equal those from the text`, () => {
    let valid = 0;
    let invalid = 0;
    for (const file of sweeps) {
      let plan: ReturnType<typeof planBatch>;
      try {
        plan = planBatch(file);
      } catch (err) {
        if (err instanceof UserError) continue; // fixtures of unusable sweeps
        throw err;
      }
      for (const run of plan.runs) {
        const data = parseYaml(run.text) as unknown;
        let fromText: ReturnType<typeof parseScenario> | undefined;
        try {
          fromText = parseScenario(run.text, run.file);
        } catch (err) {
          if (!(err instanceof InputFileError) && !(err instanceof UserError)) throw err;
        }
        expect(scenarioFromData(data, run.file), `${file} ${run.id}`).to.deep.equal(fromText);
        expect(run.error === undefined, `${file} ${run.id}: ${run.error}`).to.equal(fromText !== undefined);
        if (fromText) valid++;
        else invalid++;
      }
    }
    // Both kinds were met: the fixtures hold runs made invalid by their overrides.
    expect(valid).to.be.greaterThan(50);
    expect(invalid).to.be.greaterThan(0);
  });
});

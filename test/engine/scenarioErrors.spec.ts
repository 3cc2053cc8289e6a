import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputFileError } from '../../core/errors.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { readClearCaseFile } from '../../market/lp/cases/native.ts';
import { gridbid, gridbidInProcess, hasStackTrace, REPO_ROOT } from '../helpers/cli.ts';

const dir = 'test/fixtures/scenarios/bad';
const expected = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'expected.json'), 'utf8')) as Record<string, { line?: number; path: string; reason: string }>;
const files = readdirSync(join(REPO_ROOT, dir)).filter((f) => f !== 'expected.json');

describe('malformed scenario files', () => {
  it('has at least 15 of them, each with an expectation', () => {
    expect(files.length).to.be.at.least(15);
    expect(Object.keys(expected).sort()).to.deep.equal([...files].sort());
  });

  for (const f of files) {
    const file = join(dir, f);
    it(`${f}: names the file, the path and the reason`, () => {
      const want = expected[f]!;
      let err: unknown;
      try {
        loadScenarioFile(join(REPO_ROOT, file));
      } catch (e) {
        err = e;
      }
      expect(err, 'should fail').to.be.instanceOf(InputFileError);
      const issue = (err as InputFileError).issues[0]!;
      expect(issue.path === '' ? '(document)' : issue.path).to.equal(want.path);
      expect(issue.message).to.contain(want.reason);
      if (want.line !== undefined) expect(issue.line).to.equal(want.line);
    });
  }

  it('`gridbid validate` exits 1 with file:line, path and reason and no stack trace, for every one', async () => {
    for (const f of files) {
      const want = expected[f]!;
      const r = await gridbidInProcess(['validate', join(dir, f)]);
      expect(r.status, f).to.equal(1);
      expect(r.stderr, f).to.contain(`${join(dir, f)}${want.line !== undefined ? `:${want.line}:` : ''}`);
      expect(r.stderr, f).to.contain(want.path);
      expect(r.stderr, f).to.contain(want.reason);
      expect(hasStackTrace(r.stderr), f).to.equal(false);
      expect(r.stdout, f).to.equal('');
    }
  });

  it('the installed executable behaves the same (child process, three samples)', function () {
    this.timeout(60_000);
    for (const f of ['02-unknown-top-key.yaml', '08-yaml-syntax.yaml', '20-json-bad-type.json']) {
      const r = gridbid(['validate', join(dir, f)]);
      expect(r.status, f).to.equal(1);
      expect(r.stderr, f).to.contain(expected[f]!.reason);
      expect(hasStackTrace(r.stderr), f).to.equal(false);
    }
  });

  it('a syntax error lists the first 5 of the parser\'s errors and counts the rest: one stray indented line made every token after it an error (38 here, 204 in a 41-line scenario)', async () => {
    const f = join(dir, '29-stray-indented-line.yaml');
    let err: unknown;
    try {
      loadScenarioFile(join(REPO_ROOT, f));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(InputFileError);
    const e = err as InputFileError;
    expect(e.issues.map((i) => i.line)).to.deep.equal([3, 3, 3, 4, 4]);
    expect(e.unlisted).to.equal(33);
    const r = await gridbidInProcess(['validate', f]);
    expect(r.status).to.equal(1);
    expect(r.stderr.split('\n')[0]).to.equal(`gridbid: ${f}: 38 problems, the first 5 listed (the rest usually follow from the first: fix it and check again)`);
    expect(r.stderr.trimEnd().split('\n')).to.have.length(6);
    // Independent errors below the cap are all listed, with no count.
    const two = mkdtempSync(join(tmpdir(), 'gridbid-yaml-two-'));
    try {
      writeFileSync(join(two, 'x.yaml'), 'name: x\nname: y\nstart: [1,\n');
      const r2 = await gridbidInProcess(['validate', join(two, 'x.yaml')]);
      expect(r2.stderr).to.contain(': 2 problems\n');
      expect(r2.stderr).to.contain('x.yaml:2:1 (document): not valid YAML/JSON: Map keys must be unique');
    } finally {
      rmSync(two, { recursive: true, force: true });
    }
  });

  it("the indented-top-level hint only where the first line starts with spaces, outside a flow collection: not after a byte-order mark, a '--- |' marker or an indented JSON object (each was told 'the document's first line is indented')", () => {
    const tmp = mkdtempSync(join(tmpdir(), 'gridbid-yaml-hint-'));
    const firstMessage = (name: string, text: string, load: (file: string) => unknown = loadScenarioFile): string => {
      const file = join(tmp, name);
      writeFileSync(file, text);
      try {
        load(file);
      } catch (e) {
        expect(e, name).to.be.instanceOf(InputFileError);
        return (e as InputFileError).issues[0]!.message;
      }
      return expect.fail(`${name} should fail`);
    };
    try {
      // A UTF-8 byte-order mark (editors on Windows write one) is not an indent: the error is the unclosed list.
      expect(firstMessage('bom.yaml', '\uFEFFname: x\nseed: [1\n')).to.equal('not valid YAML/JSON: Flow sequence in block collection must be sufficiently indented and end with a ]');
      // After '--- ' on the marker's line the content is not indented.
      expect(firstMessage('marker.yaml', '--- |\n  text\nseed: 1\n')).to.not.contain('indented by');
      // A JSON object: indentation means nothing inside braces; the error is the double comma.
      expect(firstMessage('indented.json', '  {"name": "x",\n  "seed": 1,,\n}\n')).to.equal('not valid YAML/JSON: Unexpected , in flow map');
      expect(firstMessage('case.json', '  {"network": {},\n  "bids": [],,\n}\n', (f) => readClearCaseFile(f))).to.equal('not valid YAML/JSON: Unexpected , in flow map');
      // The case the hint is for still gets it: a block mapping whose first key is indented by spaces.
      expect(firstMessage('stray.yaml', '# a comment\n  that lost its #\nname: x\nseed: 1\n')).to.contain("(the document's first line, line 2, is indented by 2");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reports every problem of a file at once, in line order', () => {
    try {
      loadScenarioFile(join(REPO_ROOT, 'test/fixtures/scenarios/several-problems.yaml'));
      expect.fail('should fail');
    } catch (e) {
      const issues = (e as InputFileError).issues;
      expect(issues.map((i) => i.path)).to.deep.equal(['seeed', 'market.priceCap', 'agents[0].offers[0].kw', 'agents[1].kind']);
      expect(issues.map((i) => i.line)).to.deep.equal([3, 5, 9, 10]);
    }
  });

  it('`gridbid validate` checks a sweep file as a sweep: ok with its run count, or each invalid run located; not six scenario errors', async function () {
    this.timeout(60_000);
    const ok = await gridbidInProcess(['validate', 'scenarios/sweeps/price-rules.yaml']);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stdout).to.equal('scenarios/sweeps/price-rules.yaml: ok (sweep price-rules: 16 runs, each a valid scenario)\n');
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-validate-sweep-'));
    try {
      const file = join(dir, 'x.yaml');
      writeFileSync(file, `name: x\nbase: ${join(REPO_ROOT, 'scenarios/default.yaml')}\nvariants:\n  - name: negative-homes\n    set:\n      agents[home].count: -3\n  - name: fine\n    set:\n      days: 1\n`);
      const bad = await gridbidInProcess(['validate', file]);
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.contain(`${file}: 1 of 2 runs would fail`);
      // Each run's error names the sweep by its path from its own folder, as the batch's summary.csv does (audit A-dafail).
      expect(bad.stderr).to.contain(`negative-homes__seed-42: x.yaml:6:27 agents[home].count: expected a number > 0, got -3 (variant 'negative-homes')`);
      // It read "base: unknown key 'base' (did you mean 'name'?)", "start: required" … as if the sweep were a scenario.
      expect(bad.stderr).not.to.contain("unknown key 'base'");
      expect(hasStackTrace(bad.stderr)).to.equal(false);
      // One run is one run, not "1 runs, each a valid scenario".
      const one = join(dir, 'one.yaml');
      writeFileSync(one, `name: one\nbase: ${join(REPO_ROOT, 'scenarios/default.yaml')}\nvariants:\n  - name: fine\n    set:\n      days: 1\n`);
      const single = await gridbidInProcess(['validate', one]);
      expect(single.status, single.stderr).to.equal(0);
      expect(single.stdout).to.equal(`${one}: ok (sweep one: 1 run, a valid scenario)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`gridbid run` given a sweep file says it is one and which command runs it, writing nothing', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-run-sweep-'));
    try {
      const r = await gridbidInProcess(['run', 'scenarios/sweeps/price-rules.yaml', '--out', join(dir, 'out')]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain('scenarios/sweeps/price-rules.yaml: a sweep file (it has base:), not a scenario: run it with gridbid batch scenarios/sweeps/price-rules.yaml');
      expect(r.stderr).not.to.contain("unknown key 'base'");
      expect(readdirSync(dir)).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a negative reactance is one problem, and a tiny one says what it takes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-reactance-'));
    const file = join(dir, 'r.yaml');
    const cases: Array<[string, string[]]> = [
      // It read "expected a number ≥ 0" and then "expected 0 (refused below, with the reason) or at least 1e-9" for the same value.
      ['-0.1', ['network.branches[0].reactancePu: expected a number ≥ 0, got -0.1']],
      ['1e-12', ['network.branches[0].reactancePu: expected a number ≥ 1e-9 (1/x must stay finite)']],
    ];
    try {
      for (const [x, want] of cases) {
        writeFileSync(file, `name: r\nstart: 2026-07-01T00:00:00Z\nnetwork:\n  buses: [{ id: a, reference: true }, { id: b }]\n  branches: [{ id: l, from: a, to: b, reactancePu: ${x} }]\nagents:\n  - { kind: generator, id: g, bus: a, offers: [{ kw: 5, priceMwh: 5 }] }\n`);
        let err: unknown;
        try {
          loadScenarioFile(file);
        } catch (e) {
          err = e;
        }
        expect(err, x).to.be.instanceOf(InputFileError);
        const got = (err as InputFileError).issues.map((i) => `${i.path}: ${i.message}`);
        expect(got, x).to.have.length(want.length);
        want.forEach((w, k) => expect(got[k], x).to.contain(w));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a strategy reference is judged by the form it comes closest to: a module's bad params is one problem, not 'id: required' and 'unknown key module'", () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-strategy-ref-'));
    const file = join(dir, 's.yaml');
    const refs: Array<[string, string[]]> = [
      ['{ module: ./mine.mjs, params: 5 }', ['agents[0].strategy.params: expected record, got 5']],
      ['{ module: ./mine.mjs, parms: {} }', ["agents[0].strategy.parms: unknown key 'parms'"]],
      ['{ id: markup, parms: { markup: 0.1 } }', ["agents[0].strategy.parms: unknown key 'parms'"]],
    ];
    try {
      for (const [ref, want] of refs) {
        writeFileSync(file, `name: s\nstart: 2026-07-01T00:00:00Z\nagents:\n  - kind: generator\n    id: g\n    offers: [{ kw: 1, priceMwh: 1 }]\n    strategy: ${ref}\n`);
        let issues: InputFileError['issues'] = [];
        try {
          loadScenarioFile(file);
        } catch (e) {
          issues = (e as InputFileError).issues;
        }
        expect(issues.map((i) => `${i.path}: ${i.message}`), ref).to.deep.equal(want);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { OUTPUT_FILES } from '../../output/recorder.ts';
import { gridbid, gridbidInProcess, hasStackTrace } from '../helpers/cli.ts';

const readCsv = (path: string): Record<string, string>[] => parse(readFileSync(path), { columns: true });
const header = (path: string): string[] => readFileSync(path, 'utf8').split('\n')[0]!.split(',');

describe('gridbid run (the real executable)', () => {
  let dir: string;
  let defaultStdout = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-run-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the default scenario: prints a summary, exits 0, writes every output file', function () {
    this.timeout(60_000);
    const out = join(dir, 'default');
    const r = gridbid(['run', 'scenarios/default.yaml', '--out', out]);
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/^scenario {2}default \(seed 42, 96 intervals, 106 agents\)$/m);
    expect(r.stdout).to.match(/books {5}closed in all 96 intervals/);
    for (const f of OUTPUT_FILES) expect(existsSync(join(out, f)), f).to.equal(true);
    expect(existsSync(join(out, 'agents.csv.partial'))).to.equal(false);
    defaultStdout = r.stdout;
  });

  it("README's `npm start` output is what the default run prints (its folder results/default/)", () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /```console\n\$ npm start\n([^`]*)```/.exec(readme);
    expect(block, 'the npm start block').to.not.equal(null);
    expect(defaultStdout.replaceAll(`${join(dir, 'default')}/`, 'results/default/')).to.equal(block![1]);
  });

  it('says a peak that flexibility raised as "above" the baseline, not as a negative reduction (fixtures/scenarios/ev-day-ahead.yaml: 31.998 against 28.649 kW)', async () => {
    const out = join(dir, 'ev-day-ahead');
    const r = await gridbidInProcess(['run', 'test/fixtures/scenarios/ev-day-ahead.yaml', '--out', out]);
    expect(r.status, r.stderr).to.equal(0);
    const kpis = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { kpis: { peakKw: number; baselinePeakKw: number; peakReductionPct: number } }).kpis;
    // By hand from summary.json: (31.998 − 28.649) / 28.649 = 11.69 % above.
    expect(kpis.peakReductionPct).to.equal(-11.69);
    expect(r.stdout).to.match(/^peak {6}31\.998 kW at 2026-07-01T12:45:00Z \(no-flexibility baseline 28\.649 kW, 11\.69 % above it\)$/m);
    expect(defaultStdout).to.match(/^peak .*\(no-flexibility baseline 60\.953 kW, reduction 6\.98 %\)$/m);
  });

  it("README's agents.csv sample is the default run's header and home-1's row at 17:00", () => {
    const readme = readFileSync('README.md', 'utf8');
    const sample = /<!-- agents.csv sample[^>]*-->\n```csv\n([^`]*)```/.exec(readme);
    expect(sample, 'the sample block').to.not.equal(null);
    const [head, row] = sample![1]!.trimEnd().split('\n');
    const lines = readFileSync(join(dir, 'default', 'agents.csv'), 'utf8').split('\n');
    expect(head).to.equal(lines[0]);
    expect(lines).to.include(row);
  });

  it('--progress prints where the run is on stderr (interval k/96, agents, elapsed, ETA), ending at 96/96; stdout keeps the summary', function () {
    this.timeout(60_000);
    const r = gridbid(['run', 'scenarios/default.yaml', '--out', join(dir, 'progress'), '--progress']);
    expect(r.status).to.equal(0);
    const lines = r.stderr.trimEnd().split('\n');
    const counts = lines.map((l) => {
      const m = /^run {2}(\d+)\/96 intervals \| 106 agents \| elapsed \d+:\d\d \| ETA \d+:\d\d$/.exec(l);
      expect(m, l).to.not.equal(null);
      return Number(m![1]);
    });
    expect(counts.at(-1)).to.equal(96);
    for (let k = 1; k < counts.length; k++) expect(counts[k]).to.be.greaterThan(counts[k - 1]!);
    expect(r.stdout).to.match(/books {5}closed in all 96 intervals/);
  });

  it("without --out, the results folder is results/<the scenario's name made a safe folder name>: never a path out of results/", function () {
    this.timeout(60_000);
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const ok = readFileSync('test/fixtures/hostile/scenarios/ok.yaml', 'utf8');
    for (const [name, folder] of [
      ['../../escape', 'escape'],
      ['..', 'x'],
      ['my scenario/v2', 'my-scenario-v2'],
    ] as const) {
      writeFileSync(join(cwd, 's.yaml'), ok.replace('name: h', `name: ${JSON.stringify(name)}`));
      const r = gridbid(['run', 's.yaml', '--no-progress'], { cwd });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.contain(`results   results/${folder}/ (summary.json`);
      expect(existsSync(join(cwd, 'results', folder, 'summary.json')), name).to.equal(true);
    }
    expect(readdirSync(cwd).sort()).to.deep.equal(['results', 's.yaml']);
    expect(existsSync(join(dir, 'escape'))).to.equal(false);
  });

  it('writes the columns DESIGN.md §4 names, in that order, first', () => {
    const out = join(dir, 'default');
    expect(header(join(out, 'intervals.csv')).slice(0, 5)).to.deep.equal(['interval_start', 'bus', 'price', 'demand_kw', 'supply_kw']);
    expect(header(join(out, 'agents.csv')).slice(0, 10)).to.deep.equal([
      'interval_start', 'agent_id', 'kind', 'bus', 'state', 'award_kw', 'price', 'cost', 'soc_kwh', 'indoor_temp_c',
    ]);
    expect(header(join(out, 'flows.csv')).slice(0, 4)).to.deep.equal(['interval_start', 'line_id', 'flow_kw', 'limit_kw']);
    expect(header(join(out, 'events.csv')).slice(0, 7)).to.deep.equal(['interval_start', 'issuer', 'target', 'type', 'requested_kw', 'response', 'delivered_kw']);
  });

  it('agents.csv balances energy and money every interval, and agrees with intervals.csv', () => {
    const out = join(dir, 'default');
    const agents = readCsv(join(out, 'agents.csv'));
    const intervals = readCsv(join(out, 'intervals.csv'));
    expect(agents.length).to.equal(96 * 106);
    const byT = new Map<string, { kw: Decimal; cost: Decimal; demand: Decimal }>();
    for (const row of agents) {
      const e = byT.get(row.interval_start!) ?? { kw: new Decimal(0), cost: new Decimal(0), demand: new Decimal(0) };
      const kw = new Decimal(row.award_kw!);
      e.kw = e.kw.plus(kw);
      e.cost = e.cost.plus(row.cost!);
      if (kw.gt(0)) e.demand = e.demand.plus(kw);
      byT.set(row.interval_start!, e);
    }
    expect(byT.size).to.equal(96);
    for (const row of intervals) {
      const e = byT.get(row.interval_start!)!;
      expect(e.kw.isZero(), `energy at ${row.interval_start}`).to.equal(true); // Σ consumption = Σ injection
      expect(e.cost.isZero(), `money at ${row.interval_start}`).to.equal(true); // buyers pay = sellers receive, exactly
      expect(e.demand.toFixed(3)).to.equal(row.demand_kw);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.books.closed).to.equal(true);
    expect(summary.kpis.totalCost).to.equal(summary.kpis.sellersRevenue);
    // One stage (real time, nothing re-dispatched): buyers paid Σ of the parties' positive costs, per agent and interval.
    const paid = agents.reduce((sum, r) => (new Decimal(r.cost!).gt(0) ? sum.plus(r.cost!) : sum), new Decimal(0));
    expect(summary.kpis.imbalance.redispatchedIntervals).to.equal(0);
    expect(summary.kpis.totalCost).to.equal(paid.toFixed());
  });

  it('report.html is self-contained: no external script, stylesheet or image', () => {
    const html = readFileSync(join(dir, 'default', 'report.html'), 'utf8');
    expect(html).not.to.match(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(html).to.contain('uPlot');
    expect(html).to.contain('"id":"prices"');
  });

  it('exit 1 with a message and no stack trace on user errors', async () => {
    for (const [args, message] of [
      [['run', 'no/such/file.yaml'], 'no/such/file.yaml: no such file'],
      [['run', 'scenarios/default.yaml', '--seed', 'abc'], "option '-s, --seed <n>' argument 'abc' is invalid"],
      [['run', 'README.md'], 'expected a .yaml, .yml or .json scenario file'],
      [['run'], "missing required argument 'scenario'"],
      [['frobnicate'], "unknown command 'frobnicate'"],
    ] as const) {
      const r = await gridbidInProcess(args);
      expect(r.status, args.join(' ')).to.equal(1);
      expect(r.stderr, args.join(' ')).to.contain(message);
      expect(hasStackTrace(r.stderr)).to.equal(false);
    }
  });

  it('--help on each command exits 0 and shows its usage', async () => {
    for (const cmd of ['run', 'validate']) {
      const r = await gridbidInProcess([cmd, '--help']);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.contain(`Usage: gridbid ${cmd}`);
    }
  });

  it('validate prints ok and exits 0 on a good scenario', async () => {
    const r = await gridbidInProcess(['validate', 'scenarios/default.yaml']);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal('scenarios/default.yaml: ok (default: 106 agents in 7 groups, 1 day(s) of 15-minute intervals)\n');
  });

  it('validate notes operators whose feeders overlap, and which has the first call on a device both command (one operator: no note)', async () => {
    const r = await gridbidInProcess(['validate', 'test/fixtures/scenarios/nested-operators.yaml']);
    expect(r.status).to.equal(0);
    expect(r.stdout.split('\n')).to.deep.equal([
      'test/fixtures/scenarios/nested-operators.yaml: ok (nested-operators: 42 agents in 3 groups, 1 day(s) of 15-minute intervals)',
      `  note: operators 'feeder-op' and 'tx-op' share bus street: where both command a device there in one interval, 'feeder-op' (listed first) has the first call and 'tx-op' gets what remains; a command the other way or a second setpoint is declined, and each is a COMMAND_CONFLICT row (README, "Several operators")`,
      '',
    ]);
    expect((await gridbidInProcess(['validate', 'scenarios/pre-position.yaml'])).stdout).to.equal('scenarios/pre-position.yaml: ok (pre-position: 45 agents in 3 groups, 2 day(s) of 15-minute intervals)\n');
  });

  it('validate notes operators over a shared device whose baselines differ: each measures its share on its own (A-conflict finding 5)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-validate-baselines-'));
    try {
      const file = join(dir, 'mixed.yaml');
      writeFileSync(file, readFileSync('test/fixtures/scenarios/nested-operators.yaml', 'utf8').replace(/(- id: tx-op\n)/, '$1    baseline: ten-of-ten\n'));
      const r = await gridbidInProcess(['validate', file]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.split('\n').slice(2)).to.deep.equal([
        "  note: 'feeder-op' measures delivery against the counterfactual baseline and 'tx-op' against the ten-of-ten one: a device both command has each share measured on its own operator's baseline, so the two shares may not add up to one measured delivery (a ten-of-ten share goes unmeasured where the history is too short)",
        "  note: 'tx-op' measures delivery against the ten-of-ten baseline (the 10 latest business days before an event without one): an event in the run's first two weeks averages fewer days, none on its first day (not settled); warmUpDays: 14 simulates that history before start, reported nowhere",
        '',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validate notes no overlap for two operators on separate radial feeders that both leave `buses` at every bus: neither can move the other\'s watched line, so neither asks the other\'s devices (the run has no COMMAND_CONFLICT)', async () => {
    const r = await gridbidInProcess(['validate', 'test/fixtures/scenarios/two-feeders-operators.yaml']);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal('test/fixtures/scenarios/two-feeders-operators.yaml: ok (two-feeders-operators: 81 agents in 3 groups, 1 day(s) of 15-minute intervals)\n');
  });
});

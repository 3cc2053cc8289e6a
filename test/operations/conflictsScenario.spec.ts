/**
 * Two operators over the same devices, end to end (real files, the real engine and CLI; the rule
 * in agents/operations/conflicts.ts, README "Operators and faults"):
 * - test/fixtures/scenarios/nested-operators.yaml: a feeder operator and a transformer operator
 *   above it, both commanding the street's homes and battery in the evening peak;
 * - scenarios/pre-position.yaml with a second operator (`desk`) watching the same transformer,
 *   both pre-positioning the street's batteries (CHARGE_STATE_SETPOINT).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { gridbidInProcess, REPO_ROOT } from '../helpers/cli.ts';
import { expectBooksClosed, expectEventsReconcile, expectWithinLimitOrShortfall, runAndRead, type Row, type RunOutputs } from './outputs.ts';

const NESTED = join(REPO_ROOT, 'test/fixtures/scenarios/nested-operators.yaml');
const PRE_POSITION = join(REPO_ROOT, 'scenarios/pre-position.yaml');
const swapped = (s: Scenario): Scenario => ({ ...s, config: { ...s.config, operations: [...s.config.operations].reverse() } });
const ops = (r: RunOutputs) => r.summary.kpis.operations.demandResponse as Record<string, Record<string, any>>;

describe('operations acceptance: two nested operators command the same homes and battery (test/fixtures/scenarios/nested-operators.yaml)', function () {
  this.timeout(120_000);
  let run: RunOutputs;
  let swap: RunOutputs;
  let cliEvents: string;
  before(async () => {
    run = await runAndRead(NESTED, 'gridbid-nested-');
    swap = await runAndRead(swapped(loadScenarioFile(NESTED)), 'gridbid-nested-swap-');
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-nested-cli-'));
    try {
      const r = await gridbidInProcess(['run', NESTED, '--out', dir]);
      expect(r.status, r.stderr).to.equal(0);
      cliEvents = readFileSync(join(dir, 'events.csv'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  after(() => {
    run?.cleanup();
    swap?.cleanup();
  });

  it('17:45, by hand: the battery commits 2.838 kW to feeder-op and the 1.960 kW that remain of tx-op\'s need to tx-op, discharges 4.798 kW; each is paid its own share (2.838 × ¼ h × 300/MWh = 0.21285; 1.960 × ¼ h × 300/MWh = 0.147)', () => {
    const at = run.events.filter((e) => e.interval_start === '2026-01-14T17:45:00Z' && (e.target === 'battery-1' || e.issuer === 'battery-1'));
    expect(at.map((e) => [e.issuer, e.target, e.type, e.requested_kw, e.response, e.delivered_kw])).to.deep.equal([
      ['feeder-op', 'battery-1', 'DISPATCH_SETPOINT', '-2.838', 'opt-in', '-2.838'],
      ['tx-op', 'battery-1', 'DISPATCH_SETPOINT', '-1.960', 'opt-in', '-1.960'],
      ['tx-op', 'battery-1', 'COMMAND_CONFLICT', '-1.960', 'answered', '-1.960'],
      ['battery-1', 'feeder-op', 'REPORT:BASELINE', '-2.838', 'received', '0.000'],
      ['battery-1', 'feeder-op', 'REPORT:DELTA_USAGE', '-2.838', 'received', '2.838'],
      ['battery-1', 'feeder-op', 'REPORT:STORAGE_CHARGE_LEVEL', '', 'received', ''],
      ['battery-1', 'tx-op', 'REPORT:BASELINE', '-1.960', 'received', '0.000'],
      ['battery-1', 'tx-op', 'REPORT:DELTA_USAGE', '-1.960', 'received', '1.960'],
      ['battery-1', 'tx-op', 'REPORT:STORAGE_CHARGE_LEVEL', '', 'received', ''],
    ]);
    expect(at[2]!.detail).to.equal(
      "DISPATCH_SETPOINT tx-op-483: battery-1 committed -2.838 kW to feeder-op earlier this interval (listed earlier in operations: first call); kept: feeder-op's; tx-op's command answered from what remained: -1.960 kW (device -4.798 kW in all)",
    );
    expect(at[4]!.detail).to.equal('actual -4.798 kW; committed 2.838 kW; its share 0.591 of the delivery of 4.798 kW committed to feeder-op, tx-op; credited 2.838 kW; paid 0.21285; penalty 0');
    expect(at[7]!.detail).to.equal('actual -4.798 kW; committed 1.960 kW; its share 0.409 of the delivery of 4.798 kW committed to feeder-op, tx-op; credited 1.960 kW; paid 0.147; penalty 0');
    expect(run.actual.get('2026-01-14T17:45:00Z|battery-1')).to.equal(-4.798);
  });

  it('no kWh counted twice: in every interval a device\'s delivery reports add up to its one measured change; the operators\' delivered energies add up to the devices\'', () => {
    const byDevice = new Map<string, Row[]>();
    for (const e of run.events.filter((x) => x.type === 'REPORT:DELTA_USAGE')) {
      const key = `${e.interval_start}|${e.issuer}`;
      byDevice.set(key, [...(byDevice.get(key) ?? []), e]);
    }
    const baselines = new Map(run.events.filter((x) => x.type === 'REPORT:BASELINE').map((e) => [`${e.interval_start}|${e.issuer}`, Number(e.delivered_kw)]));
    let shared = 0;
    let deviceKwh = 0;
    for (const [key, rows] of byDevice) {
      const measured = baselines.get(key)! - run.actual.get(key)!;
      deviceKwh += measured * 0.25;
      if (rows.length > 1) shared++;
      expect(rows.reduce((s, e) => s + Number(e.delivered_kw), 0), key).to.be.closeTo(measured, 2e-3 * rows.length);
    }
    expect(shared).to.be.greaterThan(10);
    const delivered = Object.values(ops(run)).reduce((s, o) => s + o.deliveredKwh, 0);
    expect(delivered).to.be.closeTo(deviceKwh, 1e-2);
    expect([ops(run)['feeder-op']!.deliveredKwh, ops(run)['tx-op']!.deliveredKwh]).to.deep.equal([24.938, 13.956]);
  });

  it('every device commanded by both operators in an interval has one COMMAND_CONFLICT row for the later command; tx-op counts them (831, none declined: both ask for reductions)', () => {
    const commands = run.events.filter((e) => e.type === 'DISPATCH_SETPOINT');
    const feederOptIn = new Set(commands.filter((e) => e.issuer === 'feeder-op' && e.response === 'opt-in').map((e) => `${e.interval_start}|${e.target}`));
    const met = commands.filter((e) => e.issuer === 'tx-op' && feederOptIn.has(`${e.interval_start}|${e.target}`)).map((e) => `${e.interval_start}|${e.target}`);
    const rows = run.events.filter((e) => e.type === 'COMMAND_CONFLICT');
    expect(rows.map((e) => `${e.interval_start}|${e.target}`)).to.deep.equal(met);
    expect(rows.every((e) => e.issuer === 'tx-op' && e.response === 'answered' && e.detail!.includes('to feeder-op'))).to.equal(true);
    expect(ops(run)['tx-op']!.conflicts).to.deep.equal({ answered: 831, declined: 0 });
    expect(ops(run)['feeder-op']!.conflicts).to.deep.equal({ answered: 0, declined: 0 });
  });

  it('both branches within their limits wherever no shortfall is recorded; commands reconcile; the books close; the CLI writes the same events.csv', () => {
    expect(expectWithinLimitOrShortfall(run, ['line', 'transformer'])).to.equal(0);
    expect(expectEventsReconcile(run)).to.be.greaterThan(1000);
    expectBooksClosed(run);
    expect(cliEvents).to.equal(readFileSync(join(run.dir, 'events.csv'), 'utf8'));
  });

  it('swapped (tx-op listed first): the documented outcome — tx-op has the first call and takes the whole relief (38.894 kWh = 24.938 + 13.956), which also keeps the line within limit; the devices do exactly the same', () => {
    expect(Object.keys(ops(swap))).to.deep.equal(['tx-op', 'feeder-op']);
    expect([ops(swap)['tx-op']!.committedKwh, ops(swap)['tx-op']!.payments, ops(swap)['feeder-op']!.committedKwh, ops(swap)['feeder-op']!.payments]).to.deep.equal([38.894, '11.668125', 0, '0']);
    expect(swap.events.filter((e) => e.type === 'COMMAND_CONFLICT')).to.have.length(0);
    // What the devices did, and so the flows and everyone's bill, does not depend on the order.
    for (const f of ['agents.csv', 'flows.csv', 'intervals.csv', 'bills.csv']) expect(readFileSync(join(swap.dir, f), 'utf8'), f).to.equal(readFileSync(join(run.dir, f), 'utf8'));
    expectBooksClosed(swap);
  });
});

describe('operations acceptance: two operators pre-positioning the same batteries (scenarios/pre-position.yaml with a second operator, `desk`)', function () {
  this.timeout(180_000);
  let deskFirst: RunOutputs;
  let dsoFirst: RunOutputs;
  before(async () => {
    const s = loadScenarioFile(PRE_POSITION);
    const desk = { ...s.config.operations[0]!, id: 'desk' };
    const both = { ...s, config: { ...s.config, operations: [desk, s.config.operations[0]!] } };
    deskFirst = await runAndRead(both, 'gridbid-prepos-desk-');
    dsoFirst = await runAndRead(swapped(both), 'gridbid-prepos-dso-');
  });
  after(() => {
    deskFirst?.cleanup();
    dsoFirst?.cleanup();
  });

  it("battery-1 keeps the first operator's setpoint and declines the second's, which passes to battery-2: the second evening is relieved as with one operator (14 intervals, 4.85 kWh; the later setpoint replacing the earlier left 19 and 5.709)", () => {
    const rows = deskFirst.events.filter((e) => e.type === 'CHARGE_STATE_SETPOINT' || e.type === 'COMMAND_CONFLICT' && e.detail!.startsWith('CHARGE_STATE_SETPOINT'));
    expect(rows.map((e) => [e.interval_start, e.issuer, e.target, e.type, e.response])).to.deep.equal([
      ['2026-01-15T11:30:00Z', 'desk', 'battery-1', 'CHARGE_STATE_SETPOINT', 'opt-in'],
      ['2026-01-15T13:00:00Z', 'dso', 'battery-1', 'CHARGE_STATE_SETPOINT', 'opt-out'],
      ['2026-01-15T13:00:00Z', 'dso', 'battery-1', 'COMMAND_CONFLICT', 'declined'],
      ['2026-01-15T13:00:00Z', 'dso', 'battery-2', 'CHARGE_STATE_SETPOINT', 'opt-in'],
    ]);
    expect(rows[1]!.detail).to.match(/: holds desk's CHARGE_STATE_SETPOINT desk-874 \(SoC at-least 8\.585 kWh until its event ends\): one setpoint at a time, dso's declined$/);
    expect(rows[2]!.detail).to.equal("CHARGE_STATE_SETPOINT dso-617: battery-1 holds desk's setpoint desk-874 (SoC at-least 8.585 kWh); kept: desk's; dso's command declined");
    expect(deskFirst.summary.kpis.operations.overloadIntervals).to.equal(14);
    expect([ops(deskFirst).desk!.shortfallKwh, ops(deskFirst).dso!.shortfallKwh]).to.deep.equal([4.85, 4.85]);
    expect(ops(deskFirst).dso!.conflicts.declined).to.equal(1);
    expect(expectWithinLimitOrShortfall(deskFirst, ['transformer'])).to.equal(14);
    expectBooksClosed(deskFirst);
  });

  it('two identical operators listed the other way round: every output is the same with their names exchanged', () => {
    const exchange = (text: string) => text.replace(/desk|dso/g, (m) => (m === 'desk' ? 'dso' : 'desk'));
    for (const f of ['events.csv', 'agents.csv', 'flows.csv', 'intervals.csv', 'bills.csv']) expect(exchange(readFileSync(join(dsoFirst.dir, f), 'utf8')), f).to.equal(readFileSync(join(deskFirst.dir, f), 'utf8'));
    expect(JSON.parse(exchange(JSON.stringify(dsoFirst.summary.kpis)))).to.deep.equal(deskFirst.summary.kpis);
  });
});

describe('operations acceptance: one operator pre-positioning for two branches (nested-operators.yaml with one operator watching both, two empty batteries, two days)', function () {
  this.timeout(120_000);
  let run: RunOutputs;
  before(async () => {
    const s = loadScenarioFile(NESTED);
    const agents = s.config.agents.map((g) => (g.kind === 'storage' ? { ...g, count: 2, initialSocFraction: 0.1 } : g));
    const dso = { ...s.config.operations[1]!, id: 'dso', watch: undefined, lookaheadIntervals: 32, prePosition: { leadIntervals: 16, cars: false } };
    run = await runAndRead({ ...s, config: { ...s.config, days: 2, agents, operations: [dso] } as never }, 'gridbid-one-op-two-branches-');
  });
  after(() => run?.cleanup());

  it("a battery holding the operator's setpoint is sent no other until its event ends: the line's goes to battery-2 (before, it went to battery-1, whose transformer setpoint then replaced it: 38 intervals over a limit, 35.924 kWh short; now 31, 27.65)", () => {
    const setpoints = run.events.filter((e) => e.type === 'CHARGE_STATE_SETPOINT' && e.response === 'opt-in');
    const window = (e: Row) => {
      const m = /by interval (\d+) for (\d+) interval/.exec(e.detail!)!;
      const sent = (Date.parse(e.interval_start!) - Date.parse('2026-01-14T00:00:00Z')) / 900_000;
      return [sent, Number(m[1]) + Number(m[2])] as const;
    };
    for (const b of ['battery-1', 'battery-2']) {
      const w = setpoints.filter((e) => e.target === b).map(window);
      for (let k = 1; k < w.length; k++) expect(w[k]![0], `${b}: a setpoint sent at ${w[k]![0]} while the one ending at ${w[k - 1]![1]} holds`).to.be.at.least(w[k - 1]![1]);
    }
    expect(setpoints.map((e) => [e.interval_start, e.target, e.detail!.split(' ')[3]])).to.deep.equal([
      ['2026-01-15T02:15:00Z', 'battery-1', 'transformer:'],
      ['2026-01-15T07:00:00Z', 'battery-1', 'transformer:'],
      ['2026-01-15T11:30:00Z', 'battery-2', 'line:'],
      ['2026-01-15T11:45:00Z', 'battery-1', 'transformer:'],
      ['2026-01-15T12:45:00Z', 'battery-1', 'transformer:'],
    ]);
    expect([run.summary.kpis.operations.overloadIntervals, ops(run).dso!.shortfallKwh]).to.deep.equal([31, 27.65]);
    expectBooksClosed(run);
  });
});

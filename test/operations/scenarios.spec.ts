import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { planBatch } from '../../batch/plan.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { expectBooksClosed, expectEventsReconcile, expectWithinLimitOrShortfall, type Row, runAndRead, type RunOutputs } from './outputs.ts';

const MS_PER_HOUR = 3_600_000;

describe('operations acceptance: scenarios/heatwave-curtailment.yaml, cleared without the grid and with it (the sweep)', function () {
  this.timeout(120_000);
  let op: RunOutputs;
  let market: RunOutputs;
  before(async () => {
    const plan = planBatch(join(REPO_ROOT, 'scenarios/sweeps/heatwave-market-vs-operator.yaml'));
    expect(plan.runs.map((r) => [r.variant, r.error])).to.deep.equal([
      ['operator', undefined],
      ['market', undefined],
    ]);
    op = await runAndRead(join(REPO_ROOT, 'scenarios/heatwave-curtailment.yaml'));
    const run = plan.runs[1]!;
    market = await runAndRead(parseScenario(run.text, run.file), 'gridbid-ops-market-');
  });
  after(() => {
    op?.cleanup();
    market?.cleanup();
  });

  it('the books close with the operator curtailing and without it: Σ actual_kw over the agents is 0 in every interval, and deviations are re-dispatched and priced', () => {
    expectBooksClosed(op);
    expectBooksClosed(market);
    // Curtailment is a deviation from the market position, settled at the imbalance price.
    expect(op.summary.kpis.imbalance.redispatchedIntervals).to.be.greaterThan(20);
    expect(op.agents.some((r) => r.actual_kw !== '' && Number(r.imbalance_kw) < -0.001 && r.imbalance_price !== '')).to.equal(true);
  });

  it('without the grid in the clearing, the heatwave peak would overload the feeder head; the operator keeps it within its limit in every interval its flexibility suffices, and records any shortfall', () => {
    const k = op.summary.kpis;
    expect(k.operations.overloadIntervalsWithoutOperator).to.be.greaterThan(20);
    expect(expectWithinLimitOrShortfall(op, ['feeder-head'])).to.equal(k.overloadIntervals);
    expect(k.operations.demandResponse.dso.committedKwh).to.be.greaterThan(200);
    expect(expectEventsReconcile(op)).to.be.greaterThan(100);
  });

  it('comfort holds under curtailment: no degree-hour outside a band, nothing unserved, commanded homes and offices curtailed', () => {
    expect(op.summary.kpis.comfortViolationDegreeHours).to.equal(0);
    for (const kind of ['home', 'building']) expect(op.summary.kpis.byKind[kind].unservedKwh, kind).to.equal(0);
    const state = new Map(op.agents.map((r) => [`${r.interval_start}|${r.agent_id}`, r.state]));
    let n = 0;
    for (const e of op.events) {
      if (e.type !== 'DISPATCH_SETPOINT' || e.response !== 'opt-in' || !/^(home|office)/.test(e.target!) || !(Number(e.delivered_kw) <= -0.001)) continue;
      expect(state.get(`${e.interval_start}|${e.target}`), `${e.target} at ${e.interval_start}`).to.equal('curtailed');
      n++;
    }
    expect(n).to.be.greaterThan(100);
  });

  it('the figures the sweep file, the scenario file and the README quote are these runs’', () => {
    const a = op.summary.kpis;
    const b = market.summary.kpis;
    const sweep = readFileSync(join(REPO_ROOT, 'scenarios/sweeps/heatwave-market-vs-operator.yaml'), 'utf8').replace(/\n# /g, ' ');
    const quoted = /Seed 21: operator — (\d+) overloaded intervals without it, (\d+) with it, (\d+) kWh committed; market — 0 either way, (\d+) kWh committed for headroom, total cost (\d+) against (\d+) \(congestion priced: (\d+) of merchandising surplus\)/.exec(sweep);
    expect(quoted, 'the sweep file’s figures').to.not.equal(null);
    const [, without, withOp, committed, headroom, marketCost, operatorCost, surplus] = quoted!.map(Number);
    expect([without, withOp, committed]).to.deep.equal([a.operations.overloadIntervalsWithoutOperator, a.overloadIntervals, Math.round(a.operations.demandResponse.dso.committedKwh)]);
    expect([b.operations.overloadIntervalsWithoutOperator, b.overloadIntervals]).to.deep.equal([0, 0]);
    expect([headroom, marketCost, operatorCost, surplus]).to.deep.equal([
      Math.round(b.operations.demandResponse.dso.committedKwh),
      Math.round(Number(b.totalCost)),
      Math.round(Number(a.totalCost)),
      Math.round(Number(b.merchandisingSurplus)),
    ]);
    const scenario = readFileSync(join(REPO_ROOT, 'scenarios/heatwave-curtailment.yaml'), 'utf8');
    expect(scenario).to.contain(`— ${a.operations.overloadIntervalsWithoutOperator} overloaded intervals over`);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).to.contain(`(${a.operations.overloadIntervalsWithoutOperator} overloaded intervals without it, ${a.overloadIntervals} with it)`);
  });

  it('with the grid in the clearing (auto: LP dispatch when a limit binds) the market itself keeps the head within its limit; the operator only trims its headroom', () => {
    const a = op.summary.kpis;
    const b = market.summary.kpis;
    expect(b.operations.overloadIntervalsWithoutOperator).to.equal(0);
    expect(b.overloadIntervals).to.equal(0);
    expect(expectWithinLimitOrShortfall(market, ['feeder-head'])).to.equal(0);
    // Headroom only: at most 2 % of the 360 kW limit per interval.
    const relieved = market.events.filter((e) => e.type === 'OVERLOAD_RELIEVED');
    for (const e of relieved) expect(Number(e.requested_kw)).to.be.at.most(0.02 * 360 + 1e-3);
    expect(b.operations.demandResponse.dso.committedKwh).to.be.lessThan(a.operations.demandResponse.dso.committedKwh / 3);
    // Congestion is priced instead: a merchandising surplus (congestion rent) and a dearer feeder.
    expect(Number(b.merchandisingSurplus)).to.be.greaterThan(0);
    expect(Number(a.merchandisingSurplus)).to.equal(0);
    expect(Number(b.totalCost)).to.be.greaterThan(Number(a.totalCost));
  });
});

describe('operations acceptance: scenarios/v2g-emergency.yaml', function () {
  this.timeout(60_000);
  let o: RunOutputs;
  before(async () => {
    o = await runAndRead(join(REPO_ROOT, 'scenarios/v2g-emergency.yaml'));
  });
  after(() => o?.cleanup());
  const outage = (t: string): boolean => t >= '2026-07-02T16:00' && t < '2026-07-02T19:00';

  it('the books close through the outage and the V2G dispatch: Σ actual_kw over the agents is 0 in every interval', () => {
    expectBooksClosed(o);
    expect(o.summary.kpis.imbalance.unservedKwh).to.equal(0);
  });

  it('the feeder-head outage is in events.csv; the backfeed carries the feeder within its limit, or the shortfall is recorded', () => {
    expect(o.events.filter((e) => e.issuer === 'fault').map((e) => [e.interval_start, e.target, e.type])).to.deep.equal([
      ['2026-07-02T16:00:00Z', 'feeder-head', 'LINE_OUTAGE'],
      ['2026-07-02T19:00:00Z', 'feeder-head', 'LINE_RESTORED'],
    ]);
    expect(o.summary.kpis.operations.overloadIntervalsWithoutOperator).to.be.greaterThan(5);
    expect(expectWithinLimitOrShortfall(o, ['feeder-head', 'backfeed'])).to.equal(o.summary.kpis.overloadIntervals);
    const backfeed = o.flows.filter((f) => f.line_id === 'backfeed' && outage(f.interval_start!));
    expect(backfeed).to.have.length(12);
    for (const f of backfeed) expect(Number(f.flow_kw)).to.be.greaterThan(50);
    expect(expectEventsReconcile(o)).to.be.greaterThan(100);
  });

  it('what homes shed is not enough: batteries, then V2G cars discharge on command; only V2G-capable cars discharge', () => {
    const disch = (kind: string): Row[] => o.agents.filter((r) => r.kind === kind && outage(r.interval_start!) && Number(r.actual_kw) < -0.001);
    expect(disch('storage').length).to.be.greaterThan(10);
    expect(disch('ev').length).to.be.greaterThan(10);
    const commands = new Map(o.events.filter((e) => e.type === 'DISPATCH_SETPOINT' && e.response === 'opt-in').map((e) => [`${e.interval_start}|${e.target}`, e]));
    for (const r of disch('ev')) {
      const c = commands.get(`${r.interval_start}|${r.agent_id}`);
      expect(c?.detail, `${r.agent_id} at ${r.interval_start}`).to.match(/discharges .* \(V2G\)/);
      expect(r.state).to.equal('discharging');
    }
    // Non-V2G cars never discharge; V2G-capable cars are the only ones that say so.
    const v2gCars = new Set(disch('ev').map((r) => r.agent_id));
    for (const e of o.events.filter((x) => x.type === 'DISPATCH_SETPOINT' && /not V2G-capable/.test(x.detail!))) expect(v2gCars.has(e.target)).to.equal(false);
  });

  it('no EV discharges below its departure-feasible SoC: after every discharge its reserve is kept and flat-out charging still reaches its target before it leaves; nothing unmet at departure', () => {
    // Cars of this scenario: 60 kWh, target 54 kWh (90 %), reserve 12 kWh, η_c 0.9; chargers 11 kW (ev-s) and 7.4 kW (ev-e).
    const rows = o.agents.filter((r) => r.kind === 'ev');
    const byCar = new Map<string, Row[]>();
    for (const r of rows) (byCar.get(r.agent_id!) ?? byCar.set(r.agent_id!, []).get(r.agent_id!)!).push(r);
    let checked = 0;
    for (const [id, list] of byCar) {
      const chargeKw = id.startsWith('ev-s') ? 11 : 7.4;
      list.sort((a, b) => (a.interval_start! < b.interval_start! ? -1 : 1));
      for (let k = 0; k < list.length; k++) {
        const r = list[k]!;
        if (!(Number(r.actual_kw) < -0.001)) continue;
        // The session's last plugged-in interval: the car leaves before it ends.
        let last = k;
        while (last + 1 < list.length && list[last + 1]!.state !== 'away') last++;
        if (last === list.length - 1) continue; // still plugged in when the run ends: departure unknown
        const end = (row: Row): number => Date.parse(row.interval_start!) + 0.25 * MS_PER_HOUR;
        const hoursLeft = (end(list[last]!) - end(r)) / MS_PER_HOUR;
        const soc = Number(r.soc_kwh);
        expect(soc, `${id} at ${r.interval_start}: reserve`).to.be.at.least(12 - 1e-3);
        expect(soc, `${id} at ${r.interval_start}: departure-feasible`).to.be.at.least(54 - chargeKw * 0.9 * hoursLeft - 1e-3);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(10);
    expect(o.summary.kpis.evEnergyUnmetAtDepartureKwh).to.equal(0);
  });
});

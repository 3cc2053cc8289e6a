import { join } from 'node:path';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { planBatch } from '../../batch/plan.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { expectBooksClosed, expectEventsReconcile, expectWithinLimitOrShortfall, runAndRead, type RunOutputs } from './outputs.ts';

const FILE = join(import.meta.dirname, '../../scenarios/pv-export.yaml');
const SWEEP = join(import.meta.dirname, '../../scenarios/sweeps/pv-export-charge-commands.yaml');

describe('operations acceptance: a street exporting its PV through a 55 kW transformer (scenarios/pv-export.yaml and sweeps/pv-export-charge-commands.yaml)', function () {
  this.timeout(120_000);
  let o: RunOutputs;
  let noCharge: RunOutputs;
  let curtail: RunOutputs;
  before(async () => {
    o = await runAndRead(FILE, 'gridbid-pv-export-');
    // The sweep's two variants: the scenario as it is, and its operator without charge commands.
    const plan = planBatch(SWEEP);
    expect(plan.runs.map((r) => [r.variant, r.error])).to.deep.equal([
      ['charge', undefined],
      ['no-charge', undefined],
      ['curtail-export', undefined],
    ]);
    expect(plan.runs[0]!.text).to.equal(readFileSync(FILE, 'utf8'));
    noCharge = await runAndRead(parseScenario(plan.runs[1]!.text, plan.runs[1]!.file), 'gridbid-pv-export-nocharge-');
    curtail = await runAndRead(parseScenario(plan.runs[2]!.text, plan.runs[2]!.file), 'gridbid-pv-export-curtail-');
  });
  after(() => {
    o?.cleanup();
    noCharge?.cleanup();
    curtail?.cleanup();
  });
  const dso = (r: RunOutputs) => r.summary.kpis.operations.demandResponse.dso;
  const charges = (r: RunOutputs) => r.events.filter((e) => e.type === 'DISPATCH_SETPOINT');

  it("the header's numbers: 53 reverse-flow intervals over the limit without charge commands, none with them", () => {
    expect(o.summary.kpis.operations.overloadIntervalsWithoutOperator).to.equal(53);
    expect(o.summary.kpis.operations.overloadIntervals).to.equal(0);
    expect(dso(o)).to.include({ requestedKwh: 225.48, committedKwh: 225.48, deliveredKwh: 225.259, creditedKwh: 225.149, shortfallKwh: 0, payments: '67.5447', penalties: '0.0331' });
    const optIns = charges(o).filter((e) => e.response === 'opt-in');
    expect([optIns.length, optIns.filter((e) => e.target!.startsWith('battery-')).length]).to.deep.equal([222, 222]);
    expect(noCharge.summary.kpis.operations.overloadIntervals).to.equal(53);
    expect(dso(noCharge)).to.include({ shortfallKwh: 206.079, committedKwh: 0 });
    expect(charges(noCharge)).to.deep.equal([]);
  });

  it('the transformer stays within its limit in both directions (where it does not, a shortfall says so); books close', () => {
    expect(expectWithinLimitOrShortfall(o, ['transformer'])).to.equal(0);
    expect(expectWithinLimitOrShortfall(noCharge, ['transformer'])).to.equal(53);
    // The reverse flow is what overloads: the flow into the street is negative wherever it is over.
    for (const f of noCharge.flows) if (Math.abs(Number(f.flow_kw)) > 55.001) expect(Number(f.flow_kw), f.interval_start).to.be.below(0);
    expectBooksClosed(o);
    expectBooksClosed(noCharge);
  });

  it('only batteries and cars are asked, each for more consumption; they take what they commit, within their limits', () => {
    expect(expectEventsReconcile(o)).to.equal(222);
    for (const e of charges(o)) {
      expect(e.target, e.interval_start).to.match(/^(battery|ev)-/);
      expect(Number(e.requested_kw), `${e.interval_start} ${e.target}`).to.be.greaterThan(0);
      if (e.response !== 'opt-in') continue;
      // The meter saw the award plus the commitment: the charge command was carried out.
      const key = `${e.interval_start}|${e.target}`;
      expect(o.actual.get(key)! - o.award.get(key)!, key).to.be.closeTo(Number(e.delivered_kw), 1e-6);
    }
    // Batteries stay within [reserve, capacity] however much they are asked to take.
    for (const r of o.agents) if (r.kind === 'storage') expect(Number(r.soc_kwh), `${r.interval_start} ${r.agent_id}`).to.be.within(1.35 - 1e-9, 13.5 + 1e-9);
  });

  it('curtail-export: the exporting homes curtail their PV instead (0 intervals over, 220.654 kWh of PV lost), each as it committed', () => {
    expect(curtail.summary.kpis.operations.overloadIntervals).to.equal(0);
    expect(dso(curtail)).to.include({ committedKwh: 220.654, deliveredKwh: 220.654, shortfallKwh: 0, payments: '66.196125' });
    const optIns = charges(curtail).filter((e) => e.response === 'opt-in');
    expect(optIns.length).to.equal(386);
    expect(optIns.every((e) => e.target!.startsWith('home-') && /^.* for transformer: curtails its PV export by \d+\.\d\d kW/.test(e.detail!))).to.equal(true);
    // The homes export exactly what they curtailed less than in the run without the operator's help.
    const homeKwh = (r: RunOutputs) => r.summary.kpis.byKind.home.energyKwh as number;
    expect(homeKwh(curtail) - homeKwh(noCharge)).to.be.closeTo(220.654, 0.002);
    for (const e of optIns) {
      const key = `${e.interval_start}|${e.target}`;
      expect(curtail.actual.get(key)! - curtail.award.get(key)!, key).to.be.closeTo(Number(e.delivered_kw), 1e-6);
      expect(curtail.actual.get(key)!, `${key}: curtailed to no more than none exported`).to.be.at.most(1e-9);
    }
    expect(expectEventsReconcile(curtail)).to.equal(386);
    expect(expectWithinLimitOrShortfall(curtail, ['transformer'])).to.equal(0);
    expectBooksClosed(curtail);
  });
});

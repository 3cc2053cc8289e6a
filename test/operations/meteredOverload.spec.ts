/**
 * A watched branch the dispatch expected within its limit but that physically ran over it is
 * reported (agents/operations/gridRoom.ts `reportMeteredOverloads`): an OVERLOAD_METERED row in
 * events.csv and the operator's `meteredOverKwh`.
 *
 * fixtures/scenarios/comms-reports.yaml (head limit 2.9 kW, no headroom, two lossless batteries)
 * with the operator's commands taking 7.5 minutes on the plane: every command is in force for
 * half of its 15-minute interval (COMMAND_LATE, 50 %). By hand, 16:00: the homes draw 6.950 kW
 * (the generator's award), the excess is 4.050 kW, `small` commits 4 kW and `big` 0.050 kW, so
 * the dispatch records OVERLOAD_RELIEVED; in force for half the interval they give 2 and 0.025 kW,
 * and the head carries 6.950 − 2.025 = 4.925 kW, 2.025 kW over 2.9 kW. Before this row existed
 * events.csv said the overload was relieved in all six intervals while flows.csv showed the head
 * at 4.9–5.7 kW, and nothing in summary.json's demand response said so.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { runAndRead, type RunOutputs } from './outputs.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/comms-reports.yaml');

function withSlowCommands(): Scenario {
  const s = loadScenarioFile(FIXTURE);
  const comms = s.config.comms;
  if (comms === 'ideal') throw new Error('the fixture runs on a plane');
  const dgm = comms.classes['distribution-grid-management'];
  return { ...s, config: { ...s.config, comms: { ...comms, classes: { ...comms.classes, 'distribution-grid-management': { ...dgm, latency: { distribution: 'fixed', ms: 450_000 } } } } } };
}

describe('operations: a watched branch over its limit in the meter is reported, whatever the dispatch expected', function () {
  this.timeout(120_000);
  let o: RunOutputs;
  before(async () => {
    o = await runAndRead(withSlowCommands());
  });
  after(() => o?.cleanup());

  it('16:00 by hand: commands in force half the interval leave the head at 4.925 kW, 2.025 kW over 2.9', () => {
    const at = '2026-07-01T16:00:00Z';
    const late = o.events.filter((e) => e.type === 'COMMAND_LATE' && e.interval_start === at).map((e) => [e.target, Number(e.delivered_kw)]);
    expect(late).to.deep.equal([['small', -2], ['big', -0.025]]);
    expect(Number(o.flows.find((f) => f.interval_start === at && f.line_id === 'head')!.flow_kw)).to.equal(4.925);
    const metered = o.events.filter((e) => e.type === 'OVERLOAD_METERED' && e.interval_start === at);
    expect(metered.map((e) => [e.issuer, e.target, Number(e.requested_kw), e.response, Number(e.delivered_kw)])).to.deep.equal([['dso', 'head', 2.025, 'over-limit', 4.925]]);
  });

  it('every interval the head is over its limit in flows.csv has its OVERLOAD_METERED row, and only those', () => {
    const over = o.flows.filter((f) => f.line_id === 'head' && Math.abs(Number(f.flow_kw)) > Number(f.limit_kw) + 1e-3);
    expect(over.length).to.equal(6);
    const metered = o.events.filter((e) => e.type === 'OVERLOAD_METERED');
    expect(metered.map((e) => e.interval_start)).to.deep.equal(over.map((f) => f.interval_start));
    for (const e of metered) {
      const f = over.find((x) => x.interval_start === e.interval_start)!;
      expect(Number(e.requested_kw)).to.be.closeTo(Number(f.flow_kw) - 2.9, 1.5e-3);
    }
    // summary.json: Σ (flow − limit) × 0.25 h, against the dispatch's own shortfall of 0.
    const dso = o.summary.kpis.operations.demandResponse.dso;
    expect(dso.shortfallKwh).to.equal(0);
    expect(dso.meteredOverKwh).to.be.closeTo(over.reduce((s, f) => s + (Number(f.flow_kw) - 2.9) * 0.25, 0), 2e-3);
  });

  it('the same fixture with commands on time has no metered overload', async () => {
    const onTime = await runAndRead(loadScenarioFile(FIXTURE));
    try {
      expect(onTime.events.filter((e) => e.type === 'OVERLOAD_METERED')).to.deep.equal([]);
      expect(onTime.summary.kpis.operations.demandResponse.dso.meteredOverKwh).to.equal(0);
    } finally {
      onTime.cleanup();
    }
  });
});

/**
 * The aggregator's split of its award (`member-award`) has a consequence on the plane: a
 * member acts on the share it has received by the interval start; a late or lost one leaves
 * it on its last schedule (none yet: no response), and the difference is its imbalance and
 * the aggregator's shortfall (engine/interval/comms.ts, MemberFallback). Real runs of
 * fixtures/scenarios/member-award.yaml, no mocks; every number below is worked by hand.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { type Row, runAndRead } from '../helpers/runOutputs.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/member-award.yaml');

interface Out {
  kpis: Record<string, any>;
  closed: boolean;
  agents: Row[];
  messages: Row[];
}

const runRead = (s: Scenario): Promise<Out> =>
  runAndRead(s, (f) => {
    const summary = f.summary();
    return { kpis: summary.kpis, closed: summary.books.closed, agents: f.rows('agents.csv'), messages: f.rows('messages.csv') };
  });

/** The fixture with the customer link (RP3) down over `outages` (ISO times, [from, until)). */
function withOutages(outages: Array<{ from: string; until: string }>): Scenario {
  const s = loadScenarioFile(FIXTURE);
  const c = s.config.comms;
  if (c === 'ideal') throw new Error('the fixture runs on a plane');
  return { ...s, config: { ...s.config, comms: { ...c, links: c.links.map((l) => ({ ...l, outages })) } } };
}

const row = (o: Out, at: string, id: string): Row => o.agents.find((r) => r.interval_start === at && r.agent_id === id)!;
const T0 = '2026-07-01T00:00:00Z';
const T1 = '2026-07-01T00:15:00Z';
const T2 = '2026-07-01T00:30:00Z';

describe('comms: a member follows the aggregator’s split it has received (fixtures/scenarios/member-award.yaml)', function () {
  this.timeout(60_000);
  let onTime: Out;
  let late: Out;
  before(async () => {
    onTime = await runRead(loadScenarioFile(FIXTURE));
    // Down from the 00:00 interval's gate (23:55) to 00:00:30, and from the 00:30 interval's gate to 00:30:30:
    // those two splits reach the member 30.106 s after their interval started (the link's queue, then 100 ms + 100 B at 1 Mbit/s).
    late = await runRead(
      withOutages([
        { from: '2026-06-30T23:55:00Z', until: '2026-07-01T00:00:30Z' },
        { from: '2026-07-01T00:25:00Z', until: '2026-07-01T00:30:30Z' },
      ]),
    );
  });

  it('delivered on time: the member produces its 10 kW share every interval, no imbalance, nothing missed', () => {
    expect(onTime.closed).to.equal(true);
    for (const at of [T0, T1, T2]) {
      const m = row(onTime, at, 'member');
      expect([m.award_kw, m.actual_kw, m.imbalance_kw, m.price]).to.deep.equal(['-10.000', '-10.000', '0.000', '50.00']);
      // 10 kW × 0.25 h × 50 /MWh paid to it.
      expect(m.cost).to.equal('-0.125');
    }
    expect(onTime.kpis.comms.memberAwardsMissed).to.equal(0);
    expect(onTime.kpis.comms.memberAwardDeviationKwh).to.equal(0);
    expect(onTime.messages.filter((r) => r.type === 'member-award').map((r) => r.status)).to.deep.equal(['delivered', 'delivered', 'delivered']);
  });

  it('late at 00:00 (no schedule yet): the member does not respond — 0 kW against its 10 kW share, settled at the imbalance price 50 + 10 spread', () => {
    expect(late.closed).to.equal(true);
    const m = row(late, T0, 'member');
    expect([m.award_kw, m.actual_kw, m.imbalance_kw, m.imbalance_price, m.state]).to.deep.equal(['-10.000', '0.000', '10.000', '60.00', 'idle']);
    // Share −10 kW × 0.25 h × 50 = −0.125, shortfall +10 kW × 0.25 h × 60 = +0.15: the member pays 0.025.
    expect(m.cost).to.equal('0.025');
    // The aggregator's shortfall against its award is the member's: 10 kW, re-dispatched to the plant (40 kW, 10 of them at 60).
    expect(row(late, T0, 'agg').imbalance_kw).to.equal('10.000');
    const plant = row(late, T0, 'plant');
    expect([plant.actual_kw, plant.imbalance_kw, plant.cost]).to.deep.equal(['-40.000', '-10.000', '-0.525']);
    expect(late.kpis.imbalance.deviationKwh).to.equal(2.5);
  });

  it('late at 00:30 after an on-time 00:15: the member repeats its last schedule (10 kW), which here equals its share — no imbalance', () => {
    const m = row(late, T2, 'member');
    expect([m.actual_kw, m.imbalance_kw, m.cost]).to.deep.equal(['-10.000', '0.000', '-0.125']);
    expect(row(late, T1, 'member').actual_kw).to.equal('-10.000');
  });

  it('the KPI counts both late splits and the 2.5 kWh the member did differently (|0 − (−10)| kW × 0.25 h); messages.csv shows them late', () => {
    expect(late.kpis.comms.memberAwardsMissed).to.equal(2);
    expect(late.kpis.comms.memberAwardDeviationKwh).to.equal(2.5);
    const splits = late.messages.filter((r) => r.type === 'member-award');
    expect(splits.map((r) => [r.status, r.delivered_at])).to.deep.equal([
      ['late', '2026-07-01T00:00:30.106Z'],
      ['delivered', '2026-07-01T00:10:00.106Z'],
      ['late', '2026-07-01T00:30:30.106Z'],
    ]);
  });
});

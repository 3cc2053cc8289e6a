/**
 * Flexibility reports on the communication plane (engine/interval/comms.ts `reports`): the
 * operator dispatches batteries and cars on the newest REPORT it has received, so a late or
 * lost report makes it count on flexibility that is no longer there. Real runs of a small
 * feeder (fixtures/scenarios/comms-reports.yaml), numbers worked by hand below.
 *
 * The feeder head's limit is 2.9 kW (no headroom); the homes' load is 6.950, 8.355, 7.361,
 * 7.964, 8.557, 8.481 kW in the six intervals from 16:00 UTC (agents.csv, the generator's
 * award), so the excess is 4.050, 5.455, 4.461, 5.064, 5.657, 5.581 kW. The operator asks
 * each agent in turn for the whole remaining excess, and counts on what its report says it
 * can give. Battery `small` (lossless, 1.5 kWh full, 4 kW, no reserve) comes first
 * (scenario order at equal PTDF):
 * - 16:00: asked 4.050, it reports 4 kW and gives 4 kW (1 kWh, 0.5 kWh left); `big` is
 *   asked the other 0.050 kW;
 * - 16:15, report on time: asked 5.455, `small` reports 0.5 kWh / 0.25 h = 2 kW and gives 2;
 *   `big` is asked 5.455 − 2 = 3.455 kW: the head is within its limit;
 * - 16:15, report late (the SCADA link down 16:09:30–16:16:00, so the reports sent at the
 *   16:10 gate arrive at 16:16:01): the operator still has the 16:00 report, counts on 4 kW
 *   from `small`, which gives 2; `big` is asked 5.455 − 4 = 1.455 kW; the head stays 2 kW
 *   over its limit: 2 kW × 0.25 h = 0.5 kWh short, and 0.5 kWh less delivered than on time.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { type Row, runAndRead } from '../helpers/runOutputs.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/comms-reports.yaml');

interface Out {
  summary: { kpis: Record<string, any>; books: { closed: boolean } };
  messages: Row[];
  events: Row[];
  agents: Row[];
}

const runRead = (s: Scenario): Promise<Out> =>
  runAndRead(s, (f) => ({ summary: f.summary(), messages: f.rows('messages.csv'), events: f.rows('events.csv'), agents: f.rows('agents.csv') }));

type Plane = Exclude<Scenario['config']['comms'], 'ideal'>;
function withPlane(change: (c: Plane) => Plane): Scenario {
  const s = loadScenarioFile(FIXTURE);
  const comms = s.config.comms;
  if (comms === 'ideal') throw new Error('the fixture runs on a plane');
  return { ...s, config: { ...s.config, comms: change(comms) } };
}

const AT = '2026-07-01T16:15:00Z';
const command = (o: Out, at: string, target: string): Row | undefined => o.events.find((e) => e.type === 'DISPATCH_SETPOINT' && e.interval_start === at && e.target === target);
const overload = (o: Out, at: string): Row => o.events.find((e) => e.interval_start === at && e.target === 'head' && e.type!.startsWith('OVERLOAD_'))!;
const actualKw = (o: Out, at: string, agent: string): number => Number(o.agents.find((a) => a.interval_start === at && a.agent_id === agent)!.actual_kw);

describe('comms: flexibility reports, and an operator acting on a stale one (fixtures/scenarios/comms-reports.yaml)', function () {
  this.timeout(120_000);
  let onTime: Out;
  let delayed: Out;
  let lost: Out;
  let neverHeard: Out;
  before(async () => {
    onTime = await runRead(loadScenarioFile(FIXTURE));
    delayed = await runRead(withPlane((c) => ({ ...c, links: c.links.map((l) => ({ ...l, outages: [{ from: '2026-07-01T16:09:30Z', until: '2026-07-01T16:16:00Z' }] })) })));
    // No retries for der-storage, and the link goes down 5 ms into the first report's 14.5 ms on the wire: that frame is lost, the one queued behind it late.
    const cut = (from: string, until: string): Scenario =>
      withPlane((c) => ({ ...c, classes: { ...c.classes, 'der-storage': { ...c.classes['der-storage'], retry: { maxRetries: 0, backoffMs: 1000 } } }, links: c.links.map((l) => ({ ...l, outages: [{ from, until }] })) }));
    lost = await runRead(cut('2026-07-01T16:10:00.005Z', '2026-07-01T16:16:00Z'));
    neverHeard = await runRead(cut('2026-07-01T15:55:00.005Z', '2026-07-01T16:01:00Z'));
  });

  it('every run closes its books', () => {
    for (const o of [onTime, delayed, lost, neverHeard]) expect(o.summary.books.closed).to.equal(true);
  });

  it('messages.csv: each battery reports to its operator at every gate, der-storage over RP1 on the SCADA link, 116 B', () => {
    const reports = onTime.messages.filter((r) => r.type === 'report');
    expect(reports.length).to.equal(2 * 6);
    for (const r of reports) {
      expect([r.class, r.reference_point, r.to, r.bytes, r.status, r.link]).to.deep.equal(['der-storage', 'RP1', 'dso', '116', 'delivered', 'scada']);
      // Sent at the gate (5 min before the interval), 1 s latency plus 116 B at 64 kbit/s (14.5 ms) behind any report ahead of it.
      expect(Date.parse(r.delivered_at!) - Date.parse(r.sent_at!)).to.be.within(1014.5, 1029.1);
    }
    expect(reports.map((r) => r.sent_at).filter((t, k, a) => a.indexOf(t) === k)).to.deep.equal(['15:55', '16:10', '16:25', '16:40', '16:55', '17:10'].map((t) => `2026-07-01T${t}:00Z`));
    expect(onTime.summary.kpis.comms.messagesByType.report).to.equal(12);
  });

  it('on time: the operator counts on what the small battery reported (4 kW, then 2 kW) and asks the big one for the rest; no shortfall', () => {
    const at16 = command(onTime, '2026-07-01T16:00:00Z', 'small')!;
    expect([Number(at16.requested_kw), Number(at16.delivered_kw)]).to.deep.equal([-4.05, -4]);
    expect(Number(command(onTime, '2026-07-01T16:00:00Z', 'big')!.requested_kw)).to.equal(-0.05);
    expect(Number(command(onTime, AT, 'small')!.requested_kw)).to.equal(-5.455);
    expect(Number(command(onTime, AT, 'small')!.delivered_kw)).to.equal(-2);
    expect(Number(command(onTime, AT, 'big')!.requested_kw)).to.equal(-3.455);
    expect(overload(onTime, AT).type).to.equal('OVERLOAD_RELIEVED');
    const c = onTime.summary.kpis.comms;
    expect([c.reportsLate, c.decisionsOnStaleReports, c.flexibilityOverestimatedKwh]).to.deep.equal([0, 0, 0]);
    expect(onTime.summary.kpis.operations.demandResponse.dso.shortfallKwh).to.equal(0);
  });

  it('report late: the operator counts on 4 kW from the now half-empty battery (its old report), gets 2, asks the big one for 2 kW too little: 2 kW over the limit (0.5 kWh short, 0.5 kWh less delivered)', () => {
    const late = delayed.messages.filter((r) => r.type === 'report' && r.sent_at === '2026-07-01T16:10:00Z');
    expect(late.map((r) => [r.from, r.status, r.delivered_at])).to.deep.equal([
      ['small', 'late', '2026-07-01T16:16:01.015Z'],
      ['big', 'late', '2026-07-01T16:16:01.029Z'],
    ]);
    const small = command(delayed, AT, 'small')!;
    expect([Number(small.requested_kw), small.response, Number(small.delivered_kw)]).to.deep.equal([-5.455, 'opt-in', -2]);
    expect(Number(command(delayed, AT, 'big')!.requested_kw)).to.equal(-1.455);
    const o = overload(delayed, AT);
    expect([o.type, Number(o.requested_kw), Number(o.delivered_kw)]).to.deep.equal(['OVERLOAD_SHORTFALL', 5.455, 3.455]);
    expect(o.detail).to.contain('left 2.000 kW over the 2.9 kW limit');
    const stale = delayed.events.filter((e) => e.type === 'DISPATCH_ON_STALE_REPORT');
    expect(stale.map((e) => [e.interval_start, e.target])).to.deep.equal([
      [AT, 'small'],
      [AT, 'big'],
    ]);
    expect(stale[0]!.detail).to.contain('report of interval 0').and.contain('counted on -4.000 kW, the agent committed -2.000 kW');
    const c = delayed.summary.kpis.comms;
    expect([c.reportsLate, c.decisionsOnStaleReports, c.flexibilityOverestimatedKwh]).to.deep.equal([2, 2, 0.5]);
    expect(delayed.summary.kpis.operations.demandResponse.dso.shortfallKwh).to.equal(0.5);
    // Delivered at the meters in that interval: 2 + 3.455 kW on time, 2 + 1.455 kW late.
    const deliveredKwh = (x: Out): number => -(actualKw(x, AT, 'small') + actualKw(x, AT, 'big')) * 0.25;
    expect(deliveredKwh(onTime)).to.be.closeTo(1.36375, 1e-9);
    expect(deliveredKwh(delayed)).to.be.closeTo(0.86375, 1e-9);
    // From 16:30 on, the 16:25 reports are on time again: the same commands as on time.
    for (const at of ['16:45', '17:00', '17:15'].map((t) => `2026-07-01T${t}:00Z`)) expect(command(delayed, at, 'big')!.requested_kw).to.equal(command(onTime, at, 'big')!.requested_kw);
  });

  it('report lost: the same stale decision — 4 kW counted on from the small battery on its 16:00 report, 2 kW short', () => {
    const at1610 = lost.messages.filter((r) => r.type === 'report' && r.sent_at === '2026-07-01T16:10:00Z');
    expect(at1610.map((r) => [r.from, r.status, r.attempts, r.delivered_at])).to.deep.equal([
      ['small', 'lost', '1', ''],
      ['big', 'late', '1', '2026-07-01T16:16:01.015Z'],
    ]);
    expect(Number(command(lost, AT, 'small')!.delivered_kw)).to.equal(-2);
    expect(Number(command(lost, AT, 'big')!.requested_kw)).to.equal(-1.455);
    expect(lost.summary.kpis.operations.demandResponse.dso.shortfallKwh).to.equal(0.5);
    expect(lost.summary.kpis.comms.flexibilityOverestimatedKwh).to.equal(0.5);
    expect(lost.summary.kpis.comms.reportsLate).to.equal(2);
  });

  it('no report ever received: the operator does not dispatch a battery it has never heard from, and at 16:00 only the homes’ shedding is left to cover the 4.050 kW excess', () => {
    const first = neverHeard.messages.filter((r) => r.type === 'report' && r.sent_at === '2026-07-01T15:55:00Z');
    expect(first.map((r) => [r.from, r.status])).to.deep.equal([
      ['small', 'lost'],
      ['big', 'late'],
    ]);
    // Neither battery is asked; the homes (which do not report: the operator plans on their answers, as before) are asked in turn for what is left.
    const at16 = neverHeard.events.filter((e) => e.type === 'DISPATCH_SETPOINT' && e.interval_start === '2026-07-01T16:00:00Z');
    expect(at16.map((e) => e.target)).to.deep.equal(Array.from({ length: 12 }, (_, k) => `home-${k + 1}`));
    let left = 4.05;
    for (const e of at16) {
      expect(Number(e.requested_kw)).to.be.closeTo(-left, 1e-9);
      left += Number(e.delivered_kw);
    }
    const o = overload(neverHeard, '2026-07-01T16:00:00Z');
    expect([o.type, Number(o.requested_kw)]).to.deep.equal(['OVERLOAD_SHORTFALL', 4.05]);
    expect(Number(o.delivered_kw)).to.be.closeTo(4.05 - left, 1e-9);
    expect(left).to.be.greaterThan(2.5);
    // From 16:15 the 16:10 reports are there: `small`, never discharged, reports (and gives) 4 kW; `big` the other 1.455.
    expect(Number(command(neverHeard, AT, 'small')!.delivered_kw)).to.equal(-4);
    expect(Number(command(neverHeard, AT, 'big')!.requested_kw)).to.equal(-1.455);
    expect(neverHeard.summary.kpis.comms.decisionsOnStaleReports).to.equal(0);
  });
});

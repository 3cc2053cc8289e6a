/**
 * The communication plane's example scenarios, run for real: scenarios/ami-congestion.yaml
 * (with and without priority for control traffic) and scenarios/cyber-replay.yaml.
 */
import { expect } from 'chai';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { type Row, runAndRead } from '../helpers/runOutputs.ts';

interface Out {
  summary: { kpis: Record<string, any>; books: { closed: boolean } };
  messages: Row[];
  events: Row[];
}

const runRead = (s: Scenario): Promise<Out> =>
  runAndRead(s, (f) => ({ summary: f.summary(), messages: f.rows('messages.csv'), events: f.rows('events.csv') }));

const latencyMs = (r: Row): number => Date.parse(r.delivered_at!) - Date.parse(r.sent_at!);

describe('scenarios/ami-congestion.yaml: a DR command behind the quarter-hour meter burst', function () {
  this.timeout(120_000);
  let withPriority: Out;
  let without: Out;
  before(async () => {
    const s = loadScenarioFile('scenarios/ami-congestion.yaml');
    withPriority = await runRead(s);
    const c = s.config.comms;
    if (c === 'ideal') throw new Error('ami-congestion runs on a plane');
    const dgm = c.classes['distribution-grid-management'];
    // As scenarios/sweeps/ami-congestion-priority.yaml's second run: commands ranked with meter reads (AMI's priority 5).
    without = await runRead({ ...s, config: { ...s.config, comms: { ...c, classes: { ...c.classes, 'distribution-grid-management': { ...dgm, priority: 5 } } } } });
  });

  const commands = (o: Out): Row[] => o.messages.filter((m) => m.type === 'curtail');
  // By hand: 33 meters × 150 B × 8 / 19 200 bit/s = 2.0625 s of reads at every quarter-hour after the first.
  const BURST_MS = (33 * 150 * 8 * 1000) / 19_200;

  it('both runs close their books and carry the same traffic over the backhaul', () => {
    expect(withPriority.summary.books.closed).to.equal(true);
    expect(without.summary.books.closed).to.equal(true);
    expect(withPriority.messages.filter((m) => m.type === 'meter-read' && m.link === 'feeder-backhaul').length).to.equal(33 * 24);
    expect(commands(withPriority).length).to.be.greaterThan(100);
  });

  it('metered consumption equals metered generation (Σ actual is 0 every interval): 457.2625 kWh each, exactly, so one figure on the Wh (half-even 457.262), not 457.263 and 457.262', () => {
    expect(withPriority.summary.kpis.demandKwh).to.equal(457.262);
    expect(withPriority.summary.kpis.supplyKwh).to.equal(457.262);
  });

  it('with priority every command arrives within its 2 s requirement: at most one read on the wire (62.5 ms), the commands ahead (≤ 10 × 104.2 ms), its own 104.2 ms and ≤ 300 ms latency', () => {
    const perInterval = new Map<string, number>();
    for (const r of commands(withPriority)) perInterval.set(r.sent_at!, (perInterval.get(r.sent_at!) ?? 0) + 1);
    const most = Math.max(...perInterval.values());
    const bound = (150 * 8 * 1000) / 19_200 + (most * 250 * 8 * 1000) / 19_200 + 300;
    for (const r of commands(withPriority)) {
      expect(r.status, r.sent_at).to.equal('delivered');
      expect(latencyMs(r)).to.be.at.most(Math.ceil(bound));
    }
    expect(withPriority.summary.kpis.comms.lateCommands).to.equal(0);
  });

  it('without priority every command after the first interval waits behind the whole burst (≥ 2.0625 s) and is late; the DR energy lost to latency grows', () => {
    const first = commands(without)[0]!.sent_at;
    const later = commands(without).filter((r) => r.sent_at !== first);
    expect(later.length).to.be.greaterThan(100);
    for (const r of later) {
      expect(latencyMs(r), r.sent_at).to.be.at.least(Math.floor(BURST_MS));
      expect(r.status).to.equal('late');
    }
    expect(without.summary.kpis.comms.lateCommands).to.equal(later.length);
    expect(without.summary.kpis.comms.drEnergyLostToLatencyKwh).to.be.greaterThan(2 * withPriority.summary.kpis.comms.drEnergyLostToLatencyKwh);
    expect(without.events.filter((e) => e.type === 'COMMAND_LATE').length).to.be.greaterThan(100);
  });
});

describe('scenarios/cyber-replay.yaml: forged, replayed and tampered traffic, none succeeds, all reported', function () {
  this.timeout(60_000);
  let o: Out;
  before(async () => {
    o = await runRead(loadScenarioFile('scenarios/cyber-replay.yaml'));
  });

  it('each attack is rejected by its receiver with the reason, in messages.csv and events.csv', () => {
    const status = (from: string, to: string, sentAt: string): string | undefined => o.messages.find((m) => m.from === from && m.to === to && m.sent_at!.startsWith(sentAt))?.status;
    expect(status('mallory', 'ev-1', '2026-07-01T17:00:30')).to.equal('rejected-signature');
    expect(status('dso', 'home-c-1', '2026-07-01T17:30:30')).to.equal('rejected-signature');
    expect(status('dso', 'home-b-1', '2026-07-01T15:02:00')).to.equal('rejected-replay');
    expect(status('dso', 'home-b-2', '2026-07-01T20:40:00')).to.equal('rejected-stale');
    const tampered = o.messages.filter((m) => m.status === 'rejected-mac');
    expect(tampered.map((m) => m.from)).to.deep.equal(['meter:home-c-2']);
    const attacks = o.events.filter((e) => e.type === 'ATTACK_REJECTED' || e.type === 'METER_READ_REJECTED');
    expect(attacks.map((e) => e.response).sort()).to.deep.equal(['rejected-mac', 'rejected-replay', 'rejected-signature', 'rejected-signature', 'rejected-stale']);
    expect(o.events.find((e) => e.target === 'ev-1' && e.type === 'ATTACK_REJECTED')!.detail).to.match(/unknown-issuer/);
    expect(o.events.find((e) => e.target === 'home-c-1' && e.type === 'ATTACK_REJECTED')!.detail).to.match(/bad-signature/);
  });

  it('the summary counts them, none accepted; genuine commands all verified; the MDMS fills the tampered interval by interpolation; books close', () => {
    const c = o.summary.kpis.comms;
    expect(c.attacksRejected).to.equal(5);
    expect(c.attacksAccepted).to.equal(0);
    expect(c.rejectedCommands).to.equal(0);
    expect(c.meterReadsRejected).to.deep.equal({ tampered: 1 });
    expect(c.meterIntervalsEstimated).to.equal(1);
    expect(c.meterIntervalsMissing).to.equal(0);
    expect(o.summary.books.closed).to.equal(true);
    // Every genuine command (the operator's, at an interval start) verified.
    const genuine = o.messages.filter((m) => m.type === 'curtail' && m.from === 'dso' && /T\d\d:(00|15|30|45):00Z$/.test(m.sent_at!));
    expect(genuine.length).to.be.greaterThan(100);
    for (const m of genuine) expect(['delivered', 'late']).to.include(m.status);
  });
});

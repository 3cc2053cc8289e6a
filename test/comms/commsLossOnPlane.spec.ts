/**
 * A `comms-loss` fault on a communication plane (audit of comms): what it cuts off or holds at
 * the sender is in messages.csv and in the plane's counters, as the plane's own losses are.
 * Real runs of fixtures/scenarios/comms-dr.yaml (the operations feeder's evening, bids taking
 * a fixed latency), with the street-b homes' connection faulty from 16:00 to 17:00.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import type { Fault } from '../../agents/operations/faults.ts';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { type Row, runAndRead } from '../helpers/runOutputs.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/comms-dr.yaml');

interface Out {
  kpis: Record<string, any>;
  messages: Row[];
  events: Row[];
  rejections: Row[];
  agents: Row[];
}

/** The fixture with one comms-loss fault on home-b-* in [16:00, 17:00), and bids (demand response) taking exactly `bidLatencyMs`. */
function withCommsLoss(fault: Pick<Extract<Fault, { type: 'comms-loss' }>, 'mode' | 'delayMinutes'>, bidLatencyMs: number): Scenario {
  const s = loadScenarioFile(FIXTURE);
  const comms = s.config.comms;
  if (comms === 'ideal') throw new Error('the fixture runs on a plane');
  const loss: Fault = { type: 'comms-loss', agents: ['home-b-*'], from: '2026-07-01T16:00:00Z', until: '2026-07-01T17:00:00Z', probability: 1, ...fault };
  return {
    ...s,
    config: { ...s.config, faults: [loss], comms: { ...comms, classes: { ...comms.classes, 'demand-response': { latency: { distribution: 'fixed', ms: bidLatencyMs }, lossProbability: 0 } } } },
  };
}

const runRead = (s: Scenario): Promise<Out> =>
  runAndRead(s, (f) => ({ kpis: f.summary().kpis, messages: f.rows('messages.csv'), events: f.rows('events.csv'), rejections: f.rows('rejections.csv'), agents: f.rows('agents.csv') }));

const count = (rows: readonly Row[], keep: (r: Row) => boolean): number => rows.filter(keep).length;
/** Sent at the bid time of interval `start` (gate 5 min before it, bids 1 min before the gate), plus `ms`. */
const bidTimePlus = (start: string, ms: number): number => Date.parse(start) - 6 * 60_000 + ms;

describe('comms-loss on a communication plane: in messages.csv and kpis.comms (fixtures/scenarios/comms-dr.yaml)', function () {
  this.timeout(120_000);

  describe('lost: the street-b homes cut off from 16:00 to 17:00', () => {
    let o: Out;
    before(async () => {
      o = await runRead(withCommsLoss({ mode: 'lost', delayMinutes: 15 }, 100));
    });

    it('every bid the fault cut off is a lost row (sent at its bid time, 0 attempts, never delivered), and lostBids counts exactly them', () => {
      const lossEvents = o.events.filter((e) => e.type === 'COMMS_LOSS');
      // Bid times 16:09, 16:24, 16:39 and 16:54 lie in the window (intervals 16:15 to 17:00): 12 homes × 4.
      expect(lossEvents.length).to.equal(48);
      const lostBids = o.messages.filter((m) => m.type === 'bid' && m.status === 'lost');
      expect(lostBids.map((m) => `${Date.parse(m.sent_at!)} ${m.from}`).sort()).to.deep.equal(lossEvents.map((e) => `${bidTimePlus(e.interval_start!, 0)} ${e.issuer}`).sort());
      for (const m of lostBids) expect([m.delivered_at, m.attempts, m.to, m.link]).to.deep.equal(['', '0', 'market', '']);
      expect(o.kpis.comms.lostBids).to.equal(48);
      // No rejection: the market never saw these bids (their COMMS_LOSS events say why), as without a plane.
      expect(o.rejections).to.deep.equal([]);
    });

    it('every command the fault cut off is a lost curtail row, and lostCommands counts exactly them', () => {
      const lostDispatches = o.events.filter((e) => e.type === 'DISPATCH_SETPOINT' && e.response === 'lost');
      expect(lostDispatches.length).to.be.greaterThan(0);
      const lostCurtails = o.messages.filter((m) => m.type === 'curtail' && m.status === 'lost');
      expect(lostCurtails.map((m) => `${Date.parse(m.sent_at!)} ${m.from} ${m.to} ${m.attempts}`).sort()).to.deep.equal(lostDispatches.map((e) => `${Date.parse(e.interval_start!)} ${e.issuer} ${e.target} 0`).sort());
      expect(o.kpis.comms.lostCommands).to.equal(lostDispatches.length);
    });

    it('the summary’s message counts are those of messages.csv', () => {
      const c = o.kpis.comms;
      expect(c.messages).to.equal(o.messages.length);
      const by = (col: string): Record<string, number> => {
        const out: Record<string, number> = {};
        for (const m of o.messages) out[m[col]!] = (out[m[col]!] ?? 0) + 1;
        return out;
      };
      expect(c.messagesByStatus).to.deep.equal(by('status'));
      expect(c.messagesByType).to.deep.equal(by('type'));
      expect(c.messagesByStatus.lost).to.equal(c.lostBids + c.lostCommands);
    });
  });

  describe('delayed 45 s, with bids taking 20 s on the network: held at the sender, then carried by the plane', () => {
    let o: Out;
    before(async () => {
      o = await runRead(withCommsLoss({ mode: 'delayed', delayMinutes: 0.75 }, 20_000));
    });

    it('each held bid enters the plane 45 s after its bid time and arrives 20 s + its serialization later: after the gate, late, rejected and counted in lateBids', () => {
      const delays = o.events.filter((e) => e.type === 'COMMS_DELAY');
      expect(delays.length).to.equal(48);
      const held = o.messages.filter((m) => m.type === 'bid' && m.from!.startsWith('home-b-') && Date.parse(m.sent_at!) % 60_000 !== 0);
      expect(held.map((m) => `${Date.parse(m.sent_at!)} ${m.from}`).sort()).to.deep.equal(delays.map((e) => `${bidTimePlus(e.interval_start!, 45_000)} ${e.issuer}`).sort());
      for (const m of held) {
        // 45 s + 20 s > the one-minute lead: every one misses its gate. E.g. 180 B at 14 kbit/s: 102.857 ms.
        const serializationMs = (Number(m.bytes) * 8) / 14;
        expect(Date.parse(m.delivered_at!) - Date.parse(m.sent_at!), `${m.from} ${m.sent_at}`).to.equal(Math.round(20_000 + serializationMs));
        expect(m.status).to.equal('late');
      }
      expect(o.kpis.comms.lateBids).to.equal(48);
      const rejected = o.rejections.filter((r) => r.code === 'gate-closed');
      expect(rejected.map((r) => r.agent_id).sort()).to.deep.equal(delays.map((e) => e.issuer).sort());
      for (const r of rejected) expect(r.reason).to.match(/held at its sender until .*:45\.000Z \(a comms-loss delay/);
    });

    it('the homes outside the window, and other agents, make the gate (20 s of a 60 s lead)', () => {
      const bids = o.messages.filter((m) => m.type === 'bid' || m.type === 'offer');
      expect(count(bids, (m) => m.status === 'late')).to.equal(48);
      expect(count(bids, (m) => m.status === 'delivered')).to.equal(bids.length - 48);
    });
  });
});

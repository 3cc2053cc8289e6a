/**
 * Time across a run (audit of time): interval lengths other than 15 minutes, runs that
 * start off midnight, and what the output files say about them, checked by hand.
 */
import { expect } from 'chai';
import { InputFileError } from '../../core/errors.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { runAndRead } from '../helpers/runOutputs.ts';
import { availableOffer } from '../../agents/generator/offer.ts';
import { simTime } from '../../core/time.ts';

const scenario = (intervalMinutes: number, extra = ''): string => `
name: t
start: 2028-02-28T00:00:00Z
days: 0.25
intervalMinutes: ${intervalMinutes}
market: { mechanism: double-auction }
agents:
  - { kind: generator, id: g, offers: [{ kw: 12, priceMwh: 78 }] }
  - { kind: generator, id: h, offers: [{ kw: 50, priceMwh: 90 }] }
  - { kind: home, idPrefix: home, count: 3, baseLoad: { annualKwh: 3500 } }
${extra}`;

describe('interval lengths (audit of time)', () => {
  // 5 minutes is 1/12 h: the settlement's money unit has 25 decimals, beyond the CSV digit writer's 20.
  for (const minutes of [5, 10, 20]) {
    it(`a ${minutes}-minute run writes agents.csv, each cost = award × price × ${minutes}/60 / 1000`, async () => {
      const rows = await runAndRead(parseScenario(scenario(minutes), 's.yaml'), (f) => f.rows('agents.csv'));
      expect(rows.length).to.equal((6 * 60 / minutes) * 5);
      for (const r of rows) {
        const expected = (Number(r.award_kw) * Number(r.price) * minutes) / 60 / 1000;
        expect(Number(r.cost), `${r.interval_start} ${r.agent_id}`).to.be.closeTo(expected, 1e-12);
      }
    });
  }
});

describe('faults between interval starts (audit of time)', () => {
  const faulted = (at: string, until: string) => `faults:\n  - { type: agent-fault, agent: home-1, at: 2028-02-28T${at}:00Z, until: 2028-02-28T${until}:00Z }\n`;

  // 15-minute intervals: [01:07, 02:00) holds the starts 01:15 … 01:45, [01:00, 01:50) holds 01:00 … 01:45.
  for (const [at, until, faultAt, repairAt, intervals] of [
    ['01:07', '02:00', '01:15', '02:00', 3],
    ['01:00', '01:50', '01:00', '02:00', 4],
  ] as const) {
    it(`an agent fault at ${at} until ${until} faults the agent at ${faultAt} and repairs it at ${repairAt}`, async () => {
      const { events, states } = await runAndRead(parseScenario(scenario(15, faulted(at, until)), 's.yaml'), (f) => ({
        events: f.rows('events.csv').map((e) => `${e.interval_start} ${e.type}`),
        states: f.rows('agents.csv').filter((r) => r.agent_id === 'home-1' && r.state === 'faulted').map((r) => r.interval_start),
      }));
      expect(events).to.deep.equal([`2028-02-28T${faultAt}:00Z AGENT_FAULT`, `2028-02-28T${repairAt}:00Z AGENT_REPAIR`]);
      expect(states).to.have.length(intervals);
    });
  }

  it('refuses a fault whose window holds no interval start: it would never be in force', () => {
    expect(() => parseScenario(scenario(15, faulted('01:02', '01:14')), 's.yaml')).to.throw(InputFileError, /faults\[0\]\.until: .*holds no interval start/);
  });
});

describe("a generator's hourly availability over intervals longer than an hour (audit of time)", () => {
  // The default scenario's solar park (a clear July day at 52° N), by UTC hour.
  const solar = [0, 0, 0, 0.02, 0.1, 0.22, 0.37, 0.52, 0.65, 0.75, 0.8, 0.82, 0.8, 0.74, 0.64, 0.51, 0.36, 0.21, 0.09, 0.02, 0, 0, 0, 0];
  const day = Date.parse('2026-07-01T00:00:00Z');
  const H = 3_600_000;
  const offered = (fromH: number, toH: number): number => availableOffer([{ kw: 40, priceMwh: 0 }], solar, simTime(day + fromH * H), day + toH * H).reduce((s, o) => s + o.kw, 0);

  it('an interval within one hour offers that hour\'s share (15 minutes at 12:15: 0.8 × 40 kW)', () => {
    expect(offered(12.25, 12.5)).to.equal(32);
  });
  it('a 12-hour interval from midnight offers the mean of hours 0–11 (4.25 / 12 × 40 = 14.1667 kW), not hour 0\'s 0 kW', () => {
    expect(offered(0, 12)).to.be.closeTo((4.25 / 12) * 40, 1e-9);
    expect(offered(12, 24)).to.be.closeTo((3.37 / 12) * 40, 1e-9);
  });
  it('a 30-minute interval from 06:45 weighs hours 6 and 7 by 15 and 15 minutes ((0.37 + 0.52) / 2 × 40 = 17.8 kW)', () => {
    expect(offered(6.75, 7.25)).to.be.closeTo(17.8, 1e-9);
  });
  it('a day-long interval across midnight wraps the profile (23:00–23:00: the daily mean)', () => {
    expect(offered(23, 47)).to.be.closeTo((solar.reduce((a, b) => a + b, 0) / 24) * 40, 1e-9);
  });
});

/**
 * Time across a run (audit of time): interval lengths other than 15 minutes, runs that
 * start off midnight, and what the output files say about them, checked by hand.
 */
import { expect } from 'chai';
import { InputFileError } from '../../core/errors.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { runAndRead } from '../helpers/runOutputs.ts';

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

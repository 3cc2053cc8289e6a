/**
 * Time across a run (audit of time): interval lengths other than 15 minutes, runs that
 * start off midnight, and what the output files say about them, checked by hand.
 */
import { expect } from 'chai';
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

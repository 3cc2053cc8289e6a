/**
 * Reproducers of failures found by fuzzing the whole engine with small random valid scenarios
 * (audit W-fuzz): each is the smallest scenario that showed the failure, and the check that
 * failed (an internal error, books that did not close, Σ actual_kw ≠ 0).
 */
import { expect } from 'chai';
import { parseScenario } from '../../engine/scenario/load.ts';
import { runAndRead } from '../operations/outputs.ts';

const scenario = (body: string) => parseScenario(body, 'fuzz.yaml');

describe('fuzz reproducers (audit W-fuzz)', () => {
  for (const minutes of [5, 20]) {
    it(`a ${minutes}-minute interval runs: its money unit has more than 20 decimals (${minutes}/60 h is a repeating decimal) and a zero cost (the idle peaker's) crashed the agents.csv writer; each cost is award × price × ${minutes}/60 h`, async () => {
      const o = await runAndRead(
        scenario(`
name: short-interval
start: 2026-07-01T00:00:00Z
days: 0.25
intervalMinutes: ${minutes}
agents:
  - { kind: generator, id: plant, offers: [{ kw: 50, priceMwh: 60 }] }
  - { kind: generator, id: peaker, offers: [{ kw: 50, priceMwh: 300 }] }
  - { kind: home, idPrefix: home, count: 2 }
`),
        'gridbid-fuzz-',
      );
      try {
        expect(o.summary.books.closed).to.equal(true);
        expect(o.summary.intervals).to.equal((6 * 60) / minutes);
        expect(o.agents.filter((r) => r.agent_id === 'peaker').every((r) => r.cost === '0')).to.equal(true);
        for (const r of o.agents) {
          // cost (currency) = kW × currency/MWh × h / 1000; the price is 60 throughout (the plant is marginal).
          expect(Number(r.price)).to.equal(60);
          expect(Number(r.cost), `${r.agent_id} ${r.interval_start}`).to.be.closeTo((Number(r.award_kw) * 60 * minutes) / 60 / 1000, 1e-9);
        }
      } finally {
        o.cleanup();
      }
    });
  }
});

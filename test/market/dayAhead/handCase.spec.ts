import { expect } from 'chai';
import { clearDayAhead } from '../../../market/dayAhead/clear.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../../market/lp/solver.ts';
import { twoBusBook, twoBusNetwork as network } from '../../helpers/dayAhead.ts';

/**
 * Two buses, A (reference) and B, one line A–B limited to 50 kW; two 1-hour intervals.
 * A generator at A offers 100 kW at 20 in both; the load at B bids 100 for 30 kW in
 * interval 0 and 80 kW in interval 1. A battery at B (η_c = η_d = 0.9, 40 kW, 100 kWh,
 * empty at the start and allowed to end empty, stored energy worth nothing at the end).
 *
 * Derivation. Interval 1: B wants 80 kW, the line brings 50, so B is short and every kW
 * discharged there is worth the load's 100. Discharging d₁ needs d₁/0.9 kWh stored, bought
 * as c₀ = d₁/0.81 kW in interval 0, when the line has 50 − 30 = 20 kW spare: c₀ = 20,
 * SoC₀ = 18 kWh, d₁ = 16.2 kW (both inside the battery's 40 kW). So:
 * - interval 0: A→B 50 kW (at the limit); the load gets 30, the battery 20, the generator sells 50;
 *   price A = 20 (the generator is marginal), price B = 0.81 × 100 = 81 (charging is marginal
 *   there, and a kWh bought now is 0.81 kWh sold at B in interval 1); line shadow price 61;
 * - interval 1: A→B 50 kW; the load gets 50 + 16.2 = 66.2 (marginal: price B = 100), A = 20;
 * - welfare = (30·100 − 50·20)/1000 + (66.2·100 − 50·20)/1000 = 2 + 5.62 = 7.62.
 */
describe('day-ahead: a hand-computed two-interval, two-bus case with a battery', () => {
  for (const solverName of ['highs', 'jslp'] as const) {
    it(`${solverName}: prices 20/81 then 20/100, the battery charges 20 kW and discharges 16.2 kW, welfare 7.62`, async () => {
      const r = clearDayAhead(twoBusBook, { network, solver: await loadSolver(solverName) });
      expect(r.status, r.message).to.equal('cleared');
      expect(r.rejections).to.deep.equal([]);
      expect(r.buses).to.deep.equal(['A', 'B']);
      expect(Array.from(r.intervals[0]!.busPriceMwh)).to.deep.equal([20, 81]);
      expect(Array.from(r.intervals[1]!.busPriceMwh)).to.deep.equal([20, 100]);
      expect(Array.from(r.intervals[0]!.awardedQuanta)).to.deep.equal([50_000, 30_000]); // gen, load (quantum 1 W)
      expect(Array.from(r.intervals[1]!.awardedQuanta)).to.deep.equal([50_000, 66_200]);
      const s = r.schedules[0]!;
      expect(Array.from(s.netQuanta)).to.deep.equal([20_000, -16_200]);
      expect(Array.from(s.netKw)).to.deep.equal([20, -16.2]);
      expect(s.socKwh![0]).to.be.closeTo(18, 1e-9);
      expect(s.socKwh![1]).to.be.closeTo(0, 1e-9);
      expect(Array.from(r.intervals[0]!.intertemporalNetQuanta)).to.deep.equal([0, 20_000]);
      for (const iv of r.intervals) {
        expect(iv.flows[0]!.flowKw).to.equal(50);
      }
      expect(r.intervals[0]!.flows[0]!.shadowPriceMwh).to.equal(61);
      expect(r.welfare).to.be.closeTo(7.62, 1e-9);
      expect(r.intervals[0]!.welfare).to.be.closeTo(2, 1e-12);
      expect(r.intervals[1]!.welfare).to.be.closeTo(5.62, 1e-12);
      // The battery buys 20 kWh at 81 and sells 16.2 kWh at 100: surplus 1.62 − 1.62 = 0 (all rent is the line's).
      expect(s.surplus).to.be.closeTo(0, 1e-9);
    });
  }
});

describe('day-ahead: prices that do not support the awards are never published', () => {
  it("a solver whose duals are shifted by −500 (every price +500 /MWh) makes the horizon a 'solver-error', naming the first unsupported award", async () => {
    const highs = await loadSolver('highs');
    const shifted: LpSolver = {
      ...highs,
      solve(lp, opts) {
        const s = highs.solve(lp, opts);
        return s.rowDual ? { ...s, rowDual: s.rowDual.map((y) => y - 500) } : s;
      },
    };
    expect(clearDayAhead(twoBusBook, { network, solver: highs }).status).to.equal('cleared');
    const r = clearDayAhead(twoBusBook, { network, solver: shifted });
    expect(r.status).to.equal('solver-error');
    // The generator at A sells 50 of 100 kW at 20 /MWh, at a price that would have it sell all 100.
    expect(r.message).to.match(/^interval 0: highs's prices do not support its awards: a sell at 20 \/MWh at bus 'A' was awarded 50 of 100 kW at a price of 520; not an optimum's prices, so the horizon is not cleared$/);
  });
});

/**
 * The market's clearing on a radial feeder under LinDistFlow (`clearNetwork` with
 * `feeder`): the book's segments become the LP's columns as in the DC clearing, the
 * prices are DLMPs on the tick, awards whole quanta, and buses cut off from the
 * substation clear nothing instead of making the clearing fail.
 */
import { expect } from 'chai';
import { clearOnFeeder } from '../../market/clearFeeder.ts';
import { clearNetworkDetailed } from '../../market/clearNetwork.ts';
import type { FeederDispatchResult } from '../../market/lp/feederDispatch.ts';
import { loadSolver } from '../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { settle } from '../../market/settlement.ts';
import { radialFeeder } from '../../network/radial.ts';
import { createNetwork } from '../../network/validate.ts';
import { bookOf, readmeReactiveLine } from '../helpers/lpNetworks.ts';

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});

// The hand-computed line of test/market/lp/feederDispatch.spec.ts: v(b2) ≥ 0.95 binds at 1218.75 kW of import.
const network = createNetwork({
  baseKva: 1000,
  buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2', vMinPu: 0.95 }],
  branches: [
    { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01 },
    { id: 'l2', from: 'b1', to: 'b2', resistancePu: 0.03, reactancePu: 0.01 },
  ],
});

describe('clearing a book on a LinDistFlow feeder', () => {
  it('gives the DLMPs 20 / 27.5 / 50 on the tick, awards in whole quanta, and money that closes', () => {
    const book = bookOf(network, [
      ['grid', 'sell', 20, 5000],
      ['b2', 'sell', 50, 500],
      ['b2', 'buy', 3000, 1500],
      ['b1', 'buy', 25, 100], // worth less than b1's 27.5: not served
    ]);
    const feeder = radialFeeder(network, { defaultVMinPu: 0.5 });
    const { result, lp } = clearNetworkDetailed(book, network, highs, { feeder: { feeder } });
    expect(result.status).to.equal('cleared');
    expect(Array.from(result.busPriceMwh)).to.deep.equal([20, 27.5, 50]);
    const kw = Array.from(result.awardedQuanta, (q) => q * book.rules.quantumKw);
    expect(kw[0]).to.be.closeTo(1218.75, 1e-9);
    expect(kw[1]).to.be.closeTo(281.25, 1e-9);
    expect(kw[2]).to.be.closeTo(1500, 1e-9);
    expect(kw[3]).to.equal(0);
    expect((lp as FeederDispatchResult).feeder.voltageMwh[2]).to.be.closeTo(30, 1e-6);
    const s = settle(book, result);
    expect(s.imbalance.isZero()).to.equal(true);
    // Buyers pay 1500 × 50 / 1000 = 75; sellers get 1218.75 × 20 + 281.25 × 50 = 38.4375; the rest is the rent.
    expect(s.buyersPay.toString()).to.equal('75');
    expect(s.sellersReceive.toString()).to.equal('38.4375');
  });

  it('clears the same line with 7,600 more buys, out of the money at two power factors, through small LPs: the same DLMPs and awards', () => {
    // Buys at every 0.01 from 1.00 up to just below each bus's DLMP (27.49 at b1, 49.99 at b2), half of them drawing
    // 0.33 kvar a kW: a dense book (~2,500 columns a bus), windowed, and none of them served, so the hand-computed
    // answer above must come out unchanged (a reactive withdrawal only raises the price such a bid would have to beat).
    const small: Array<readonly [string, 'buy', number, number]> = [];
    for (const [bus, top] of [['b1', 2749], ['b2', 4999]] as const) for (let c = 100; c <= top; c++) small.push([bus, 'buy', c / 100, 0.5]);
    const book = bookOf(network, [['grid', 'sell', 20, 5000], ['b2', 'sell', 50, 500], ['b2', 'buy', 3000, 1500], ['b1', 'buy', 25, 100], ...small]);
    const segmentKvarPerKw = Float64Array.from({ length: book.size }, (_, i) => (i >= 4 && i % 2 === 0 ? 0.33 : 0));
    const feeder = radialFeeder(network, { defaultVMinPu: 0.5 });
    const { result, lp, problem } = clearNetworkDetailed(book, network, highs, { feeder: { feeder }, segmentKvarPerKw });
    expect(result.status).to.equal('cleared');
    expect(problem.offers.count).to.be.greaterThan(7_500);
    expect(lp.size.cols, 'the LP solved is a window of the book').to.be.lessThan(problem.offers.count / 10);
    expect(Array.from(result.busPriceMwh)).to.deep.equal([20, 27.5, 50]);
    const kw = Array.from(result.awardedQuanta, (q) => q * book.rules.quantumKw);
    expect(kw[0]).to.be.closeTo(1218.75, 1e-9);
    expect(kw[1]).to.be.closeTo(281.25, 1e-9);
    expect(kw[2]).to.be.closeTo(1500, 1e-9);
    expect(kw.slice(3).every((k) => k === 0)).to.equal(true);
    const s = settle(book, result);
    expect(s.buyersPay.toString()).to.equal('75');
    expect(s.sellersReceive.toString()).to.equal('38.4375');
  });

  it('clears nothing at a bus cut off from the substation, and the rest as usual', () => {
    const cut = { ...network, branches: network.branches.map((b) => (b.id === 'l2' ? { ...b, inService: false } : b)) };
    const book = bookOf(cut, [
      ['grid', 'sell', 20, 5000],
      ['b2', 'sell', 50, 500],
      ['b2', 'buy', 3000, 1500],
      ['b1', 'buy', 25, 100],
    ]);
    const feeder = radialFeeder(cut, { defaultVMinPu: 0.5 });
    expect(feeder.islanded).to.deep.equal(['b2']);
    const { result } = clearNetworkDetailed(book, cut, highs, { feeder: { feeder } });
    expect(result.status).to.equal('cleared');
    expect(Array.from(result.awardedQuanta, (q) => q * book.rules.quantumKw)).to.deep.equal([100, 0, 0, 100]);
    expect(result.busPriceMwh[0]).to.equal(20);
    expect(result.busPriceMwh[2]).to.be.NaN;
    expect(settle(book, result).imbalance.isZero()).to.equal(true);
  });

  it('by the auction too: nothing trades across the cut, and the AC check leaves the island dark', () => {
    const cut = { ...network, branches: network.branches.map((b) => (b.id === 'l2' ? { ...b, inService: false } : b)) };
    const book = bookOf(cut, [
      ['grid', 'sell', 20, 500],
      ['b2', 'buy', 3000, 100],
      ['b1', 'buy', 100, 50],
    ]);
    const grid = { limits: {}, lineLimit: 'active' as const, polygonSides: 12, kvarPerKw: () => 0 };
    for (const mechanism of ['double-auction', 'lp'] as const) {
      const r = clearOnFeeder(book, mechanism, cut, highs, grid);
      expect(Array.from(r.awardedQuanta, (q) => q * book.rules.quantumKw), mechanism).to.deep.equal([50, 0, 50]);
      expect(r.feeder!.vmAcPu[2], mechanism).to.be.NaN;
      expect(r.feeder!.netKw[2], mechanism).to.equal(0);
    }
  });

  describe('prices that support the awards (audit X-jslpduals)', () => {
    // Audit W-fuzz seed 5190, 2026-12-02T00:15, as a book: generation at the far end b3 holds its voltage at
    // 1.05, so a buyer drawing reactive power (tan φ = 0.1425, power factor 0.99) helps the voltage and is
    // worth more than its energy price says.
    const tan = Math.tan(Math.acos(0.99));
    const { line, segments } = readmeReactiveLine();
    const kvarPerKw = Float64Array.from(segments, (s) => (s[1] === 'buy' && s[0] !== 'b2' ? tan : 0));

    it('clears a buy at 3000 at a DLMP above 3000 when its reactive power is worth the difference: DLMP + tan φ × reactive price = its bid', async () => {
      const book = bookOf(line, segments);
      const feeder = radialFeeder(line, { defaultVMinPu: 0.95, defaultVMaxPu: 1.05 });
      for (const solver of [highs, await loadSolver('jslp')]) {
        const { result, lp } = clearNetworkDetailed(book, line, solver, { feeder: { feeder }, segmentKvarPerKw: kvarPerKw });
        expect(result.status, `${solver.name}: ${result.message}`).to.equal('cleared');
        const f = (lp as FeederDispatchResult).feeder;
        expect(f.vmPu[3], solver.name).to.be.closeTo(1.05, 1e-9);
        const b1Kw = result.awardedQuanta[5]! * book.rules.quantumKw;
        expect(b1Kw, solver.name).to.be.within(1, 58); // served in part: the buy is marginal
        expect(result.busPriceMwh[1], solver.name).to.be.above(3000); // 3291.26 (W-fuzz F9 took it for a wrong dual)
        expect(lp.priceMwh[1]! + tan * f.reactivePriceMvarh[1]!, solver.name).to.be.closeTo(3000, 1e-6);
      }
    });

    it("refuses to publish prices that do not support the awards: a solver's duals shifted by +500 /MWh make the clearing a 'solver-error'", () => {
      const shifted: LpSolver = {
        ...highs,
        solve(lp, opts) {
          const s = highs.solve(lp, opts);
          // Every row dual −500: on the balance rows every price +500 (the other rows are left inconsistent too).
          return s.rowDual ? { ...s, rowDual: s.rowDual.map((y) => y - 500) } : s;
        },
      };
      const book = bookOf(network, [
        ['grid', 'sell', 20, 5000],
        ['b2', 'buy', 3000, 100],
      ]);
      const feeder = radialFeeder(network, { defaultVMinPu: 0.5 });
      expect(clearNetworkDetailed(book, network, highs, { feeder: { feeder } }).result.status).to.equal('cleared');
      const { result } = clearNetworkDetailed(book, network, shifted, { feeder: { feeder } });
      expect(result.status).to.equal('solver-error');
      expect(result.message).to.match(/prices do not support its awards: a sell at 20 \/MWh at bus 'grid' was awarded 100 of 5000 kW at a price of 520; /);
      expect(Array.from(result.awardedQuanta)).to.deep.equal([0, 0]);
      expect(result.busPriceMwh.every(Number.isNaN)).to.equal(true);
    });
  });
});

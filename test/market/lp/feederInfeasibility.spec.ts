/**
 * An infeasible feeder LP says which constraints are to blame (market/lp/feederInfeasibility.ts),
 * with numbers: hand feeders of two and three buses where each cause is the true one, and a
 * property that the family a message names is the one whose lifting makes the programme
 * feasible. Before (audit A-infeas), every one of these said "the fixed load cannot be served
 * within the feeder's voltage and branch limits" — also where nothing was loaded at all (fuzz
 * --feeder seed 10038: the substation's 1.05 p.u. above a bus's 1.03 band).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { dispatchFeeder, type FeederProblem } from '../../../market/lp/feederDispatch.ts';
import { jslpSolver } from '../../../market/lp/jslp.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../../market/lp/solver.ts';
import { radialFeeder } from '../../../network/radial.ts';
import { createNetwork, withBranchInService } from '../../../network/validate.ts';
import { offersOfTuples, randomRadialNetwork } from '../../helpers/lpNetworks.ts';

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});


const OLD_MESSAGE = /the fixed load cannot be served within the feeder's voltage and branch limits/;

describe("an infeasible feeder LP names its cause (market/lp/feederInfeasibility.ts)", () => {
  it("a voltage band at zero dispatch: substation 1.05 p.u., bus b at most 1.03, nothing to trade: b stays at 1.0500 p.u. (fuzz --feeder seed 10038)", () => {
    // w_b = 1.05² − 2 r P / S with P = 0: 1.05 p.u. whatever the line, above b's 1.03.
    const network = createNetwork({
      baseKva: 100,
      buses: [{ id: 'grid', reference: true }, { id: 'b', vMaxPu: 1.03 }],
      branches: [{ id: 'l1', from: 'grid', to: 'b', resistancePu: 0.05, reactancePu: 0.01, limitKw: 400 }],
    });
    const feeder = radialFeeder(network, { substationVoltagePu: 1.05, defaultVMinPu: 0.9, defaultVMaxPu: 1.1 });
    for (const solver of [highs, jslpSolver]) {
      const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 40, 0], [1, true, 100, 150]]) }, solver);
      expect(r.status, solver.name).to.equal('infeasible');
      expect(r.message, solver.name).to.match(/^infeasible: the voltage limits cannot be met \(the branch limits can\): at the least violation, bus 'b' is at 1\.0500 p\.u\., above its vMaxPu 1\.03 \(/);
      expect(r.message).not.to.match(OLD_MESSAGE);
      expect(Array.from(r.quantityKw).every(Number.isNaN), 'never silently zeroed').to.equal(true);
    }
  });

  it('a voltage band under load: 60 kW fixed at b over r = 0.05 p.u. on 100 kVA sags b to √(1 − 2 · 0.05 · 0.6) = 0.9695 p.u., below its vMinPu 0.98', () => {
    const network = createNetwork({
      baseKva: 100,
      buses: [{ id: 'grid', reference: true }, { id: 'b', vMinPu: 0.98 }],
      branches: [{ id: 'l1', from: 'grid', to: 'b', resistancePu: 0.05, reactancePu: 0.02, limitKw: 400 }],
    });
    const feeder = radialFeeder(network);
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 40, 1000]]), fixedLoadKw: Float64Array.of(0, 60) }, highs);
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(/^infeasible: the voltage limits cannot be met \(the branch limits can\): at the least violation, bus 'b' is at 0\.9695 p\.u\., below its vMinPu 0\.98 \(/);
  });

  it('a branch limit: 150 kW fixed at b behind a 100 kW line (voltages within their band)', () => {
    // w_b = 1 − 2 · 0.001 · 150 / 1000 = 0.9997: within 0.95…1.05. Only l1's limit fails.
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b' }],
      branches: [{ id: 'l1', from: 'grid', to: 'b', resistancePu: 0.001, reactancePu: 0.001, limitKw: 100 }],
    });
    const feeder = radialFeeder(network);
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 40, 1000], [1, true, 90, 20]]), fixedLoadKw: Float64Array.of(0, 150) }, highs);
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(/^infeasible: the branch limits cannot be met \(the voltage limits can\): at the least excess, branch 'l1' carries 150 kW, over its 100 kW limit \(/);
  });

  it('an apparent-power limit: 80 kW and 60 kvar fixed at b need 100 kVA through a 90 kVA line', () => {
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b' }],
      branches: [{ id: 'l1', from: 'grid', to: 'b', resistancePu: 0.001, reactancePu: 0.001, limitKw: 90 }],
    });
    const feeder = radialFeeder(network);
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 40, 1000]]), fixedLoadKw: Float64Array.of(0, 80), fixedLoadKvar: Float64Array.of(0, 60), block: { lineLimit: 'apparent' } }, highs);
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(/^infeasible: the branch limits cannot be met \(the voltage limits can\): at the least excess, branch 'l1' carries 80 kW and 60 kvar \(100 kVA\), over its 90 kVA limit \(a 12-sided polygon\) \(/);
  });

  it('supply: 200 kW of fixed load against 150 kW of supply is a shortfall, not a network limit (a 50 kW load at an islanded bus is not counted: it is unserved)', () => {
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b' }, { id: 'c' }],
      branches: [
        { id: 'l1', from: 'grid', to: 'b', resistancePu: 0.001, reactancePu: 0.001, limitKw: 1000 },
        { id: 'l2', from: 'b', to: 'c', resistancePu: 0.001, reactancePu: 0.001, limitKw: 1000 },
      ],
    });
    const feeder = radialFeeder(withBranchInService(network, 'l2', false, { allowIslands: true }));
    expect(feeder.islanded).to.deep.equal(['c']);
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 40, 150], [2, false, 10, 500]]), fixedLoadKw: Float64Array.of(0, 200, 50) }, highs);
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(/^infeasible: the fixed load of 200 kW at energised buses exceeds the 150 kW that all supply there together can give \(/);
  });

  it('generator minimums: a unit that must make 200 kW against 50 kW of fixed load and 30 kW of demand at most', () => {
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b' }],
      branches: [{ id: 'l1', from: 'grid', to: 'b', resistancePu: 0.001, reactancePu: 0.001, limitKw: 1000 }],
    });
    const feeder = radialFeeder(network);
    const offers = { ...offersOfTuples([[0, false, 40, 300], [1, true, 90, 30]]), group: Int32Array.of(0, -1) };
    const r = dispatchFeeder({ feeder, offers, groups: { count: 1, lowerKw: Float64Array.of(200), upperKw: Float64Array.of(300) }, fixedLoadKw: Float64Array.of(0, 50) }, highs);
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(/^infeasible: generator minimums of 200 kW exceed the 80 kW that load and demand can take \(/);
  });

  it('the two together: l1 (50 kW) needs b2’s generator to make ≥ 50 kW for b1’s 100 kW, and b2’s vMaxPu 1.0 lets it make at most 9.09 kW', () => {
    // grid —(r 0.01)— b1 —(r 0.1)— b2 on 1000 kVA; 100 kW fixed at b1; a generator at b2 of up to 200 kW.
    //   w2 = 1 − 2 · 0.01 · (100 − g) / 1000 + 2 · 0.1 · g / 1000 = 0.998 + 0.00022 g
    // Branch limits alone: g ≥ 50. Voltage alone: w2 ≤ 1 → g ≤ 9.0909. Either can be met, not both:
    //   keeping l1's limit (g = 50), w2 = 1.009, |V2| = 1.0045 p.u.;
    //   keeping b2's band (g = 9.0909), l1 carries 100 − 9.0909 = 90.9091 kW.
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2', vMaxPu: 1.0 }],
      branches: [
        { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01, limitKw: 50 },
        { id: 'l2', from: 'b1', to: 'b2', resistancePu: 0.1, reactancePu: 0.01 },
      ],
    });
    const feeder = radialFeeder(network);
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 40, 1000], [2, false, 60, 200]]), fixedLoadKw: Float64Array.of(0, 100, 0) }, highs);
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(
      /^infeasible: the voltage and branch limits cannot be met together \(either alone can\): keeping the branch limits, bus 'b2' is at 1\.0045 p\.u\., above its vMaxPu 1; keeping the voltage limits, branch 'l1' carries 90\.9091 kW, over its 50 kW limit \(/,
    );
  });

  it('each on its own: b1 held at the substation’s 1.05 above its 1.03, and 150 kW for b2 behind a 100 kW line', () => {
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b1', vMaxPu: 1.03 }, { id: 'b2' }],
      branches: [
        { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01 },
        { id: 'l2', from: 'grid', to: 'b2', resistancePu: 0.001, reactancePu: 0.001, limitKw: 100 },
      ],
    });
    const feeder = radialFeeder(network, { substationVoltagePu: 1.05, defaultVMaxPu: 1.1 });
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 40, 1000]]), fixedLoadKw: Float64Array.of(0, 0, 150) }, highs);
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(
      /^infeasible: neither the voltage limits nor the branch limits can be met, each on its own: at the least violation, bus 'b1' is at 1\.0500 p\.u\., above its vMaxPu 1\.03; at the least excess, branch 'l2' carries 150 kW, over its 100 kW limit \(/,
    );
  });

  it('neither family: 30 kvar fixed at b with no reactive source anywhere (substationReactive false) is infeasible with every limit lifted', () => {
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b' }],
      branches: [{ id: 'l1', from: 'grid', to: 'b', resistancePu: 0.001, reactancePu: 0.001, limitKw: 1000 }],
    });
    const feeder = radialFeeder(network);
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 40, 1000]]), fixedLoadKw: Float64Array.of(0, 10), fixedLoadKvar: Float64Array.of(0, 30), block: { substationReactive: false } }, highs);
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(/^infeasible even with the feeder's voltage and branch limits lifted: the offers' bounds and the balance of active and reactive power at each bus cannot all hold \(fixed load 10 kW, supply up to 1000 kW\) \(/);
  });

  it('on random radial feeders with random fixed loads and bands: the family a message blames is the one whose lifting restores feasibility, and every bus it names is outside the band it names', () => {
    const feeders = fc.integer({ min: 2, max: 6 }).chain((n) =>
      fc.record({
        network: randomRadialNetwork(n, { min: 20, max: 400 }),
        loadKw: fc.array(fc.integer({ min: 0, max: 600 }), { minLength: n, maxLength: n }),
        supplyKw: fc.integer({ min: 100, max: 3000 }),
        vmin: fc.integer({ min: 85, max: 99 }),
        vmax: fc.integer({ min: 101, max: 110 }),
        vset: fc.integer({ min: 97, max: 106 }),
      }),
    );
    let blamed = 0;
    fc.assert(
      fc.property(feeders, (c) => {
        const feeder = radialFeeder(c.network, { defaultVMinPu: c.vmin / 100, defaultVMaxPu: c.vmax / 100, substationVoltagePu: c.vset / 100 });
        const problem: FeederProblem = { feeder, offers: offersOfTuples([[0, false, 40, c.supplyKw]]), fixedLoadKw: Float64Array.from(c.loadKw, (v, k) => (k === 0 ? 0 : v)) };
        const r = dispatchFeeder(problem, highs);
        if (r.status === 'optimal') return;
        expect(r.status).to.equal('infeasible');
        expect(r.message).not.to.match(OLD_MESSAGE);
        const feasible = (block: NonNullable<FeederProblem['block']>): boolean => dispatchFeeder({ ...problem, block }, highs).status === 'optimal';
        if (/^infeasible: the fixed load of/.test(r.message)) {
          expect(c.loadKw.slice(1).reduce((a, b) => a + b, 0)).to.be.above(c.supplyKw);
        } else if (/^infeasible: the voltage limits cannot be met/.test(r.message)) {
          expect([feasible({ voltageLimits: false }), feasible({ lineLimits: false })]).to.deep.equal([true, false]);
          blamed++;
        } else if (/^infeasible: the branch limits cannot be met/.test(r.message)) {
          expect([feasible({ voltageLimits: false }), feasible({ lineLimits: false })]).to.deep.equal([false, true]);
          blamed++;
        } else if (/^infeasible: the voltage and branch limits cannot be met together/.test(r.message)) {
          expect([feasible({ voltageLimits: false }), feasible({ lineLimits: false })]).to.deep.equal([true, true]);
          blamed++;
        } else if (/^infeasible: neither/.test(r.message)) {
          expect([feasible({ voltageLimits: false }), feasible({ lineLimits: false }), feasible({ voltageLimits: false, lineLimits: false })]).to.deep.equal([false, false, true]);
          blamed++;
        } else expect.fail(`unexpected message: ${r.message}`);
        for (const m of r.message.matchAll(/bus '(n\d+)' is at ([\d.]+) p\.u\., (above its vMaxPu|below its vMinPu) ([\d.]+)/g)) {
          const [vm, band] = [Number(m[2]), Number(m[4])];
          if (m[3]!.startsWith('above')) expect(vm, m[0]).to.be.above(band - 5e-5);
          else expect(vm, m[0]).to.be.below(band + 5e-5);
        }
        for (const m of r.message.matchAll(/branch '(L\d+)' carries ([\d.]+) kW, over its ([\d.]+) kW limit/g)) expect(Number(m[2]), m[0]).to.be.above(Number(m[3]));
      }),
      { numRuns: 200, seed: 20261207 },
    );
    // The property must have seen the limits blamed, not only feasible or short-of-supply feeders.
    expect(blamed).to.be.above(20);
  });
});

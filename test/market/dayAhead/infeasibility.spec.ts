/**
 * An infeasible day-ahead horizon names its cause, with numbers a person can check
 * (market/dayAhead/infeasibility.ts): the interval, the generator's ramp, the bus's voltage
 * against its band, the branch's flow against its limit. Awards stay zero, prices and welfare
 * NaN (never a schedule presented as cleared).
 *
 * The feeder of test/market/dayAhead/feeder.spec.ts: grid —l1— b1 —l2— b2, S_base 1000 kVA,
 * r = 0.01 and 0.03 p.u.; lossless, no reactive power: w₂ = V₀² − 2 (0.01 + 0.03) P / 1000 with P the
 * kW b2 takes, w₁ = V₀² − 2 × 0.01 × P / 1000.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { agentId, busId } from '../../../core/units.ts';
import { clearDayAhead } from '../../../market/dayAhead/clear.ts';
import type { GeneratorRamp, StorageBid } from '../../../market/dayAhead/types.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../../market/lp/solver.ts';
import { type Bid, DEFAULT_RULES } from '../../../market/types.ts';
import { radialFeeder } from '../../../network/radial.ts';
import { createNetwork } from '../../../network/validate.ts';
import { triangle } from '../../helpers/lpNetworks.ts';

const bid = (id: string, bus: string, t: number, side: 'buy' | 'sell', priceMwh: number, quantityKw: number): Bid => ({ id: `${id}@${t}`, agentId: agentId(id), bus: busId(bus), interval: t, segments: [{ side, priceMwh, quantityKw }] });

function line(opts: { l2LimitKw?: number; b2VMaxPu?: number } = {}) {
  return createNetwork({
    baseKva: 1000,
    buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2', ...(opts.b2VMaxPu !== undefined ? { vMaxPu: opts.b2VMaxPu } : {}) }],
    branches: [
      { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01 },
      { id: 'l2', from: 'b1', to: 'b2', resistancePu: 0.03, reactancePu: 0.01, ...(opts.l2LimitKw !== undefined ? { limitKw: opts.l2LimitKw } : {}) },
    ],
  });
}

describe('day-ahead infeasibility names its cause (market/dayAhead/infeasibility.ts)', () => {
  let highs: LpSolver;
  let jslp: LpSolver;
  before(async () => {
    highs = await loadSolver('highs');
    jslp = await loadSolver('jslp');
  });
  const horizon = (n: number) => ({ firstInterval: 0, intervalCount: n, durationH: 1 });

  it('a voltage band no schedule of that hour can meet: the interval, the bus, its voltage and its band; nothing zeroed into a price', () => {
    // Substation 1.05 p.u., b2 at most 1.03. Hours 0 and 2 buy 1000 kW at b2: w₂ = 1.1025 − 0.08 = 1.0225 ≤ 1.0609
    // (1.0112 p.u.). Hour 1 buys nothing, so b2 sits at the substation's 1.05 > 1.03 whatever is scheduled.
    const feeder = radialFeeder(line({ b2VMaxPu: 1.03 }), { substationVoltagePu: 1.05, defaultVMaxPu: 1.1 });
    const bids = [bid('grid', 'grid', 0, 'sell', 20, 5000), bid('load', 'b2', 0, 'buy', 3000, 1000), bid('grid', 'grid', 1, 'sell', 20, 5000), bid('grid', 'grid', 2, 'sell', 20, 5000), bid('load', 'b2', 2, 'buy', 3000, 1000)];
    for (const solver of [highs, jslp]) {
      const r = clearDayAhead({ horizon: horizon(3), rules: DEFAULT_RULES, bids, intertemporalBids: [] }, { feeder, solver });
      expect(r.status).to.equal('infeasible');
      expect(r.message).to.match(/^infeasible: the voltage limits cannot be met \(the branch limits can\): at the least violation, interval 1: bus 'b2' is at 1\.0500 p\.u\., above its vMaxPu 1\.03 \(/);
      expect(r.intervals.map((iv) => iv.message)).to.deep.equal([r.message, r.message, r.message]);
      expect(Number.isNaN(r.welfare)).to.equal(true);
      for (const iv of r.intervals) {
        expect(Array.from(iv.busPriceMwh).every(Number.isNaN)).to.equal(true);
        expect(Array.from(iv.awardedQuanta).every((a) => a === 0)).to.equal(true);
      }
    }
  });

  it('a ramp that forces output no one takes: the interval, the generator and initialKw − (t+1) × rampDownKw against what can be taken', () => {
    // initialKw 400, rampDownKw 100: at least 300, 200, 100 kW in hours 0, 1, 2. Hour 0 has a 1000 kW buy; hours 1 and 2
    // none, and the battery (100 kW charger) is the only taker: 200 > 100 in hour 1, 100 ≤ 100 in hour 2.
    const bids = [0, 1, 2].map((t) => bid('gen', 'b2', t, 'sell', 20, 500)).concat([bid('load', 'grid', 0, 'buy', 3000, 1000)]);
    const ramp: GeneratorRamp = { id: 'r', agentId: agentId('gen'), rampUpKw: 500, rampDownKw: 100, initialKw: 400 };
    const battery: StorageBid = { kind: 'storage', id: 'bat', agentId: agentId('bat'), bus: busId('grid'), capacityKwh: 1000, minSocKwh: 0, maxSocKwh: 1000, maxChargeKw: 100, maxDischargeKw: 100, chargeEfficiency: 1, dischargeEfficiency: 1, initialSocKwh: 0, terminalValueMwh: 0 };
    const book = { horizon: horizon(3), rules: DEFAULT_RULES, bids, intertemporalBids: [battery], rampLimits: [ramp] };
    const expected = "infeasible: in interval 1 the ramp limits make generators sell at least 200 kW ('gen': 200 kW = initialKw 400 − 2 × rampDownKw 100), more than the 100 kW that every buy, charging battery and block there can take together (HiGHS proved the problem infeasible)";
    // The same on the feeder and on the DC network (no grid needed to see it).
    expect(clearDayAhead(book, { feeder: radialFeeder(line()), solver: highs }).message).to.equal(expected);
    expect(clearDayAhead(book, { network: line(), solver: highs }).message).to.equal(expected);
  });

  it('a branch below what a ramp forces through it: each interval, the flow against the limit (300 then 200 kW over l2\'s 100)', () => {
    const bids = [0, 1].flatMap((t) => [bid('gen', 'b2', t, 'sell', 20, 500), bid('load', 'grid', t, 'buy', 3000, 1000)]);
    const ramp: GeneratorRamp = { id: 'r', agentId: agentId('gen'), rampUpKw: 500, rampDownKw: 100, initialKw: 400 };
    const book = { horizon: horizon(2), rules: DEFAULT_RULES, bids, intertemporalBids: [], rampLimits: [ramp] };
    const r = clearDayAhead(book, { feeder: radialFeeder(line({ l2LimitKw: 100 })), solver: highs });
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.equal(
      "infeasible: the branch limits cannot be met (the voltage limits can): at the least excess, interval 0: branch 'l2' carries 300 kW, over its 100 kW limit; interval 1: branch 'l2' carries 200 kW, over its 100 kW limit (HiGHS proved the problem infeasible)",
    );
    // On the DC network (B-θ with HiGHS, PTDF with jslp) the same flows: a radial network's lossless flows are the injections downstream.
    for (const solver of [highs, jslp])
      expect(clearDayAhead(book, { network: line({ l2LimitKw: 100 }), solver }).message).to.match(
        /^infeasible: the branch limits cannot be met: at the least excess, interval 0: branch 'l2' carries 300 kW, over its 100 kW limit; interval 1: branch 'l2' carries 200 kW, over its 100 kW limit \(/,
      );
  });

  it('on a meshed DC triangle: a ramp forcing 300 kW from A to the only buyer at B sends 2/3 of it over A–B, 200 kW against its 100 kW limit', () => {
    // Equal reactances: A→B direct carries 2/3 of an A-to-B transfer, A→C→B the other 1/3.
    const bids = [bid('gen', 'A', 0, 'sell', 20, 500), bid('load', 'B', 0, 'buy', 3000, 1000)];
    const ramp: GeneratorRamp = { id: 'r', agentId: agentId('gen'), rampUpKw: 500, rampDownKw: 0, initialKw: 300 };
    const book = { horizon: horizon(1), rules: DEFAULT_RULES, bids, intertemporalBids: [], rampLimits: [ramp] };
    for (const solver of [highs, jslp]) {
      const r = clearDayAhead(book, { network: triangle(100), solver });
      expect(r.status).to.equal('infeasible');
      expect(r.message).to.match(/^infeasible: the branch limits cannot be met: at the least excess, interval 0: branch 'AB' carries 200 kW, over its 100 kW limit \(/);
    }
    // With A–B at 250 kW it clears: 300 kW at the generator, 200 over A–B.
    expect(clearDayAhead(book, { network: triangle(250), solver: highs }).status).to.equal('cleared');
  });

  it('a phase shifter whose loop flow alone breaks a limit: the flow is φ/Σx × base = 290.888 kW against A–B\'s 50 kW (not the LP row\'s value with b·φ in it, nor the shifted bound)', () => {
    // The triangle with a 5° phase shifter on A–B and nothing at B or C: no dispatch moves the loop flow,
    // (5π/180 rad) / (0.1 + 0.1 + 0.1 p.u.) × 1000 kVA = 290.888 kW round the loop, over A–B's 50 kW in every interval.
    // Before audit A-dafail the message read the row b(θ_A − θ_B) = 581.776 kW against L + b·φ = 922.665 kW.
    const network = createNetwork({
      name: 'pst-triangle',
      buses: [{ id: 'A', reference: true }, { id: 'B' }, { id: 'C' }],
      branches: [
        { id: 'AB', kind: 'transformer', from: 'A', to: 'B', reactancePu: 0.1, limitKw: 50, phaseShiftDeg: 5 },
        { id: 'BC', from: 'B', to: 'C', reactancePu: 0.1 },
        { id: 'CA', from: 'C', to: 'A', reactancePu: 0.1 },
      ],
    });
    const bids = [0, 1].flatMap((t) => [bid('gen', 'A', t, 'sell', 20, 500), bid('load', 'A', t, 'buy', 3000, 100)]);
    for (const solver of [highs, jslp]) {
      const r = clearDayAhead({ horizon: horizon(2), rules: DEFAULT_RULES, bids, intertemporalBids: [] }, { network, solver });
      expect(r.status, solver.name).to.equal('infeasible');
      expect(r.message, solver.name).to.match(/^infeasible: the branch limits cannot be met: at the least excess, interval 0: branch 'AB' carries 290\.888 kW, over its 50 kW limit; interval 1: branch 'AB' carries 290\.888 kW, over its 50 kW limit \(/);
    }
  });

  it('an angle limit no dispatch meets: θ_A − θ_B ≥ 1° needs b × 1° = 174.533 kW into B, where nothing takes it: the angle (0°) against angleMinDeg, not a flow against a kW limit the branch does not have', () => {
    // A 2-bus line, x = 0.1 p.u. on 1000 kVA: b = 10,000 kW/rad, and 1° = π/180 rad. Before audit A-dafail: "carries 0 kW, over its 5235.99 kW limit".
    const network = createNetwork({
      name: 'angle-line',
      buses: [{ id: 'A', reference: true }, { id: 'B' }],
      branches: [{ id: 'AB', from: 'A', to: 'B', reactancePu: 0.1, angleMinDeg: 1, angleMaxDeg: 30 }],
    });
    const bids = [bid('gen', 'A', 0, 'sell', 20, 500), bid('load', 'A', 0, 'buy', 3000, 100)];
    for (const solver of [highs, jslp]) {
      const r = clearDayAhead({ horizon: horizon(1), rules: DEFAULT_RULES, bids, intertemporalBids: [] }, { network, solver });
      expect(r.status, solver.name).to.equal('infeasible');
      expect(r.message, solver.name).to.match(/^infeasible: the branch limits cannot be met: at the least excess, interval 0: branch 'AB' is at an angle difference of 0°, below its angleMinDeg 1° \(/);
    }
  });

  it('voltage and branch limits together: b2 needs ≥ 520 kW to come down to 1.03, l2 carries at most 300', () => {
    // w₂ = 1.1025 − 0.08 P/1000 ≤ 1.03² = 1.0609 ⇔ P ≥ 520 kW. Keeping l2's 300 kW: w₂ = 1.1025 − 0.024 = 1.0785,
    // 1.0385 p.u.; keeping the band: l2 carries 520 kW. Either family alone can be met.
    const feeder = radialFeeder(line({ l2LimitKw: 300, b2VMaxPu: 1.03 }), { substationVoltagePu: 1.05, defaultVMaxPu: 1.1 });
    const bids = [bid('grid', 'grid', 0, 'sell', 20, 5000), bid('load', 'b2', 0, 'buy', 3000, 1000)];
    const r = clearDayAhead({ horizon: horizon(1), rules: DEFAULT_RULES, bids, intertemporalBids: [] }, { feeder, solver: highs });
    expect(r.message).to.equal(
      "infeasible: the voltage and branch limits cannot be met together (either alone can): keeping the branch limits, interval 0: bus 'b2' is at 1.0385 p.u., above its vMaxPu 1.03; keeping the voltage limits, interval 0: branch 'l2' carries 520 kW, over its 300 kW limit (HiGHS proved the problem infeasible)",
    );
  });

  it('property: on random 2-interval line feeders with a substation voltage and a band at b2, the verdict matches which lifting restores feasibility, and every interval named breaks the band named', () => {
    const seen = { cleared: 0, voltage: 0, together: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 106 }),
        fc.integer({ min: 96, max: 104 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 2, maxLength: 2 }),
        fc.integer({ min: 1, max: 8 }),
        (v0c, vmaxc, buy100, limit100) => {
          const v0 = v0c / 100;
          const vmax = vmaxc / 100;
          const feeder = radialFeeder(line({ l2LimitKw: limit100 * 100, b2VMaxPu: vmax }), { substationVoltagePu: v0, defaultVMaxPu: 1.2, defaultVMinPu: 0.8 });
          const bids = [0, 1].flatMap((t) => [bid('grid', 'grid', t, 'sell', 20, 5000), ...(buy100[t]! > 0 ? [bid('load', 'b2', t, 'buy', 3000, buy100[t]! * 100)] : [])]);
          const r = clearDayAhead({ horizon: horizon(2), rules: DEFAULT_RULES, bids, intertemporalBids: [] }, { feeder, solver: highs });
          // By hand: interval t is feasible iff the kW b2 needs to bring w₂ under vmax² fits the buy and the branch.
          const needKw = Math.max(0, ((v0 * v0 - vmax * vmax) * 1000) / 0.08);
          const bad = [0, 1].filter((t) => needKw > Math.min(buy100[t]! * 100, limit100 * 100) + 1e-6);
          if (bad.length === 0) {
            expect(r.status, r.message).to.equal('cleared');
            seen.cleared++;
            return;
          }
          expect(r.status).to.equal('infeasible');
          const branchAlone = bad.every((t) => needKw <= buy100[t]! * 100 + 1e-6);
          // Where the buy could bring b2 down but l2 cannot carry it, both families share the blame; else the band alone.
          const blame = r.message.includes('cannot be met together') ? 'together' : 'voltage';
          if (!branchAlone) expect(r.message).to.match(/the voltage limits cannot be met \(the branch limits can\)/);
          else if (bad.every((t) => needKw > limit100 * 100 + 1e-6 && needKw <= buy100[t]! * 100 + 1e-6)) expect(blame).to.equal('together');
          seen[blame]++;
          for (const t of bad) expect(r.message).to.contain(`interval ${t}: bus 'b2' is at `);
          for (const m of r.message.matchAll(/interval (\d): bus 'b2' is at ([\d.]+) p\.u\., above its vMaxPu ([\d.]+)/g)) {
            expect(bad).to.include(Number(m[1]));
            expect(Number(m[2])).to.be.greaterThan(vmax);
          }
        },
      ),
      { numRuns: 120, seed: 20261207 },
    );
    // The draws reach every verdict, not only the easy one.
    expect(seen.cleared).to.be.greaterThan(5);
    expect(seen.voltage).to.be.greaterThan(5);
    expect(seen.together).to.be.greaterThan(4);
  });
});

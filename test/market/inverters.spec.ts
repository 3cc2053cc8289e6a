/**
 * Inverters' reactive power on a LinDistFlow feeder (market/inverters.ts): as a decision of
 * the clearing it relieves a binding voltage limit and lowers the DLMP's voltage part (numbers
 * by hand); the volt-var curve by hand; and the inverter bound √(S² − P²) never exceeded.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { type FeederGrid, clearOnFeeder } from '../../market/clearFeeder.ts';
import { IEEE1547_CATEGORY_B, REACTIVE_TIE_BREAK_MVARH, VoltageMemory, type InverterSetup, intervalInverters, inverterSources, reactiveHeadroomKvar, shareSourceKvar, voltVarKvarPerKva } from '../../market/inverters.ts';
import { loadSolver } from '../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { settle } from '../../market/settlement.ts';
import { radialFeeder } from '../../network/radial.ts';
import { createNetwork } from '../../network/validate.ts';
import { bookOf } from '../helpers/lpNetworks.ts';

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});

// The line of test/market/clearFeeder.spec.ts: base 1000 kVA, so with U = 1 kW per LP unit c = 1/1000 and
//   w_b2 = 1 − 2 (0.01 P_1 + 0.01 Q_1 + 0.03 P_2 + 0.01 Q_2) / 1000 ≥ 0.95² = 0.9025.
const network = createNetwork({
  baseKva: 1000,
  buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2', vMinPu: 0.95 }],
  branches: [
    { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01 },
    { id: 'l2', from: 'b1', to: 'b2', resistancePu: 0.03, reactancePu: 0.01 },
  ],
});

function gridOf(mode: InverterSetup['mode'], kinds: Record<string, string>, kva: Record<string, number>): FeederGrid {
  return {
    limits: { defaultVMinPu: 0.5 },
    lineLimit: 'active',
    polygonSides: 12,
    kvarPerKw: () => 0,
    inverters: { mode, kvaByKind: new Map(Object.entries(kva)), voltVar: IEEE1547_CATEGORY_B },
    kindOf: (id) => kinds[id] ?? '',
    voltages: new VoltageMemory(),
  };
}

describe('inverter reactive power on a LinDistFlow feeder', () => {
  // a0: the grid (20 /MWh); a1: a local generator at b2 (50); a2: demand at b2; a3: a battery at b2
  // offering 100 kW of charging at 10 /MWh (below every price: it does not clear) through a 260 kVA
  // inverter, so its reactive headroom is √(260² − 100²) = 240 kvar whatever it is awarded.
  const kinds = { a0: 'generator', a1: 'generator', a2: 'home', a3: 'storage' };
  const bookWith = (demandKw: number) =>
    bookOf(network, [
      ['grid', 'sell', 20, 5000],
      ['b2', 'sell', 50, 500],
      ['b2', 'buy', 3000, demandKw],
      ['b2', 'buy', 10, 100],
    ]);

  it('relieves the voltage limit: 1300 kW at b2 needs the 50 /MWh unit without Q (voltage part 30) and not with it (voltage part 0)', () => {
    const book = bookWith(1300);
    // Without Q: import P ≤ (1 − 0.9025) × 1000 / (2 × 0.04) = 1218.75 kW, so the local unit makes the other
    // 81.25 kW and sets b2's DLMP at 50 = 20 + voltage part 30 (b1: 20 + 30 × 0.01/0.04 = 27.5).
    const none = clearOnFeeder(book, 'lp', network, highs, gridOf('none', kinds, { storage: 260 }));
    expect(Array.from(none.busPriceMwh)).to.deep.equal([20, 27.5, 50]);
    expect(none.feeder!.voltageMwh[2]).to.be.closeTo(30, 1e-6);
    expect(none.awardedQuanta[1]! * book.rules.quantumKw).to.be.closeTo(81.25, 1e-9);
    // With up to 240 kvar supplied at b2 (Q_1 = Q_2 = −240): P ≤ (48.75 + 0.02 × 240) / 0.04 = 1338.75 kW ≥ 1300:
    // the grid serves all of it and every DLMP is 20. The clearing takes only the Q it needs,
    // (0.04 × 1300 − 48.75) / 0.02 = 162.5 kvar, at its tie-break cost ε = 0.001/Mvarh: one more kW at b2
    // needs 0.04/0.02 = 2 more kvar, so the voltage part is 2ε = 0.002 — a fifth of a tick, from 30.
    const q = clearOnFeeder(book, 'lp', network, highs, gridOf('clearing', kinds, { storage: 260 }));
    expect(Array.from(q.busPriceMwh)).to.deep.equal([20, 20, 20]);
    expect(q.feeder!.voltageMwh[2]).to.be.closeTo(2 * REACTIVE_TIE_BREAK_MVARH, 1e-7);
    expect(q.awardedQuanta[1]).to.equal(0);
    expect(q.awardedQuanta[0]! * book.rules.quantumKw).to.be.closeTo(1300, 1e-9);
    expect(q.feeder!.inverterKvar[2]).to.be.closeTo(162.5, 1e-6);
    expect(q.feeder!.vmLinDistFlowPu[2]).to.be.closeTo(0.95, 1e-9);
    expect(settle(book, q).imbalance.isZero()).to.equal(true);
  });

  it('prices reactive power where the inverter is at its bound: 1400 kW, Q = 240 kvar, reactive price 15 at b2 and 7.5 at b1', () => {
    // P ≤ 1338.75 kW even with all 240 kvar: the local unit runs (61.25 kW) and b2's DLMP stays 50 with voltage part 30.
    // The voltage dual ν satisfies 30 = ν × 2 × (0.01 + 0.03)/1000; one more kvar withdrawn at b2 lowers w_b2 by
    // 2 × (0.01 + 0.01)/1000, worth ν × 0.04/1000 = 15 /Mvarh; at b1 2 × 0.01/1000: 7.5 /Mvarh.
    const book = bookWith(1400);
    const r = clearOnFeeder(book, 'lp', network, highs, gridOf('clearing', kinds, { storage: 260 }));
    expect(Array.from(r.busPriceMwh)).to.deep.equal([20, 27.5, 50]);
    expect(r.awardedQuanta[1]! * book.rules.quantumKw).to.be.closeTo(61.25, 1e-6);
    expect(r.feeder!.inverterKvar[2]).to.be.closeTo(240, 1e-6);
    expect(r.feeder!.reactivePriceMvarh[2]).to.be.closeTo(15, 1e-6);
    expect(r.feeder!.reactivePriceMvarh[1]).to.be.closeTo(7.5, 1e-6);
  });

  it('follows the volt-var curve at the previous interval\'s AC voltage, clipped to √(S² − P²)', () => {
    const grid = gridOf('volt-var', kinds, { storage: 260 });
    const book = bookWith(1300);
    // First interval: no previous voltage, so the substation's 1.0 p.u.: inside the dead band, Q = 0.
    const first = clearOnFeeder(book, 'lp', network, highs, grid);
    expect(first.feeder!.inverterKvar[2]).to.equal(0);
    const v = first.feeder!.vmAcPu[2]!;
    expect(v).to.be.below(0.95); // the AC voltage is below the LinDistFlow one (losses)
    // A second clearing of the same interval (a re-dispatch) keeps the market's Q (0 here) and is not remembered.
    expect(clearOnFeeder(book, 'lp', network, highs, grid).feeder!.inverterKvar[2]).to.equal(0);
    // Next interval: Q/S = 0.44 × (0.98 − V)/(0.98 − 0.92) at that voltage, × 260 kVA, at most 240 kvar.
    const expected = Math.min(240, ((0.44 * (0.98 - v)) / 0.06) * 260);
    const second = clearOnFeeder({ ...book, interval: 1 }, 'lp', network, highs, grid);
    expect(second.feeder!.inverterKvar[2]).to.be.closeTo(expected, 1e-9);
    expect(second.feeder!.netKvar[2]).to.be.closeTo(-expected, 1e-9);
  });
});

describe('the volt-var curve (IEEE 1547-2018 category B), by hand', () => {
  const c = IEEE1547_CATEGORY_B;
  it('is flat beyond its end points and zero in its dead band', () => {
    expect(voltVarKvarPerKva(c, 0.85)).to.equal(0.44);
    expect(voltVarKvarPerKva(c, 0.92)).to.equal(0.44);
    expect(voltVarKvarPerKva(c, 1.0)).to.equal(0);
    expect(voltVarKvarPerKva(c, 0.98)).to.equal(0);
    expect(voltVarKvarPerKva(c, 1.02)).to.equal(0);
    expect(voltVarKvarPerKva(c, 1.1)).to.equal(-0.44);
  });
  it('is linear between points: 0.95 → 0.22 (half-way down 0.92–0.98), 1.05 → −0.22, 1.065 → −0.33', () => {
    expect(voltVarKvarPerKva(c, 0.95)).to.be.closeTo(0.22, 1e-12);
    expect(voltVarKvarPerKva(c, 1.05)).to.be.closeTo(-0.22, 1e-12);
    expect(voltVarKvarPerKva(c, 1.065)).to.be.closeTo(-0.33, 1e-12);
  });
  it('headroom √(S² − P²): 5 kVA at 3 kW leaves 4 kvar; at or above S none', () => {
    expect(reactiveHeadroomKvar(5, 3)).to.equal(4);
    expect(reactiveHeadroomKvar(5, 5)).to.equal(0);
    expect(reactiveHeadroomKvar(5, 7)).to.equal(0);
  });
});

describe('the inverter bound √(S² − P²) (property)', () => {
  it('no inverter is ever given |Q| > √(S² − P²) at its awarded P (none when P ≥ S), in either mode', async function () {
    this.timeout(60_000);
    const buses = ['grid', 'b1', 'b2'];
    const seg = fc.record({
      bus: fc.constantFrom(...buses),
      side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
      price: fc.integer({ min: 1, max: 200 }),
      kw: fc.integer({ min: 1, max: 800 }),
      kind: fc.constantFrom('home', 'storage', 'ev', 'generator'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(seg, { minLength: 2, maxLength: 10 }), fc.integer({ min: 1, max: 900 }), fc.constantFrom<'clearing' | 'volt-var'>('clearing', 'volt-var'), fc.double({ min: 0.85, max: 1.15, noNaN: true }), async (segs, kva, mode, vPrev) => {
        const book = bookOf(network, [['grid', 'sell', 0, 5000], ...segs.map((s) => [s.bus, s.side, s.price, s.kw] as const)]);
        const kinds: Record<string, string> = { a0: 'generator' };
        segs.forEach((s, i) => (kinds[`a${i + 1}`] = s.kind));
        const grid = gridOf(mode, kinds, { home: kva, storage: kva, ev: kva });
        const previous = Float64Array.of(1, vPrev, vPrev);
        grid.voltages!.remember(-1, previous, { count: 0, bus: new Int32Array(0), lowerKvar: new Float64Array(0), upperKvar: new Float64Array(0) });
        const feeder = radialFeeder(network, { defaultVMinPu: 0.5 });
        const inv = intervalInverters(book, feeder, grid.inverters!, grid.kindOf!);
        const src = inverterSources(inv, feeder, grid.inverters!, previous);
        const r = clearOnFeeder(book, 'lp', network, highs, grid);
        if (r.status !== 'cleared') return;
        // Each inverter's Q (volt-var: its own; clearing: its share of its bus's) against its awarded |P|.
        const perInverter = mode === 'volt-var' ? src.inverterKvar : shareSourceKvar(inv, src.sourceOfInverter, busKvarAsSources(r.feeder!.inverterKvar, src.sources.bus));
        inv.agentId.forEach((id, a) => {
          const pKw = r.awardedQuanta[Number(id.slice(1))]! * book.rules.quantumKw; // agent aN made segment N
          const q = perInverter[a]!;
          expect(Math.abs(q), `${id} P ${pKw} Q ${q} S ${kva}`).to.be.at.most(reactiveHeadroomKvar(kva, pKw) + 1e-6);
        });
      }),
      { numRuns: 150, seed: 13 },
    );
  });
});

function busKvarAsSources(busKvar: Float64Array, sourceBus: Int32Array): Float64Array {
  return Float64Array.from(sourceBus, (k) => busKvar[k]!);
}

describe('VoltageMemory: the voltages the next interval\'s volt-var acts on', () => {
  const none = { count: 0, bus: new Int32Array(0), lowerKvar: new Float64Array(0), upperKvar: new Float64Array(0) };
  it('the meters\' AC power flow replaces the schedule\'s voltages of its interval (an inverter measures its terminal voltage); a power flow that did not converge, or of another interval, changes nothing', () => {
    const memory = new VoltageMemory();
    const schedule = Float64Array.of(1, 0.94);
    memory.remember(0, schedule, none);
    expect(memory.before(0)).to.equal(undefined);
    memory.measured(0, Float64Array.of(1, 0.96), true);
    expect([...memory.before(1)!]).to.deep.equal([1, 0.96]);
    // Interval 1: not converged, and a late measurement of interval 0, leave its schedule's voltages.
    memory.remember(1, Float64Array.of(1, 0.93), none);
    memory.measured(1, Float64Array.of(NaN, NaN), false);
    memory.measured(0, Float64Array.of(1, 0.99), true);
    expect([...memory.before(2)!]).to.deep.equal([1, 0.93]);
  });
});

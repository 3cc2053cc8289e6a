/**
 * Reactive energy settled at the reactive prices on a LinDistFlow feeder (market/reactiveSettlement.ts):
 * the README's buy at 3000 at power factor 0.99, which the DLMP alone charged 3291.26/MWh, pays
 * ≈ 3000/MWh in all; the money identity with the substation closes exactly; the LP's total rent
 * (energy + reactive) is ≥ 0 and the settled kvar is the LP's Q balance, by property over random feeders.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { type FeederGrid, clearOnFeeder } from '../../market/clearFeeder.ts';
import { clearNetworkDetailed } from '../../market/clearNetwork.ts';
import type { FeederDispatchResult } from '../../market/lp/feederDispatch.ts';
import { loadSolver } from '../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { kvarOf, type ReactiveSettlement, reactiveMoney, reactiveMoneyOf, settleReactive } from '../../market/reactiveSettlement.ts';
import { settle } from '../../market/settlement.ts';
import { tanPhi } from '../../market/feederGrid.ts';
import { radialFeeder } from '../../network/radial.ts';
import { createNetwork } from '../../network/validate.ts';
import { money } from '../../core/money.ts';
import { bookOf, readmeReactiveLine, SMALL_FEEDER_SHAPE, smallFeeder } from '../helpers/lpNetworks.ts';

/** Σ of the bids' reactive payments × divisor. */
const paidOf = (r: ReactiveSettlement) => Array.from(r.bidMicroTicks).reduce((a, m) => a.plus(money(m.toString()).times(r.perMicroTick)), money(0));

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});

const gridOf = (tanByAgent: ReadonlyMap<string, number>, vMax = 1.05, vMin = 0.95): FeederGrid => ({
  limits: { defaultVMinPu: vMin, defaultVMaxPu: vMax },
  lineLimit: 'active',
  polygonSides: 12,
  kvarPerKw: (id) => tanByAgent.get(id) ?? 0,
});

/**
 * Individual rationality: every accepted buy pays at most its bid per MWh in all (energy + reactive), to the rounding of
 * its two prices to the tick (half a tick on the DLMP and on the reactive price × tan φ), plus `slack`.
 */
function expectBuysWithinBids(book: ReturnType<typeof bookOf>, result: ReturnType<typeof clearOnFeeder>, s: ReturnType<typeof settle>, r: ReactiveSettlement, tanOf: (agent: string) => number, slack: number): void {
  for (let i = 0; i < book.size; i++) {
    const a = result.awardedQuanta[i]!;
    if (a === 0 || !book.isBuy[i]) continue;
    const b = book.bidIndex[i]!;
    const kw = a * book.rules.quantumKw;
    const perMwh = s.unit.toMoney(s.paymentUnits[b]!).plus(reactiveMoneyOf(r, r.bidMicroTicks[b]!)).div(kw).times(1000).toNumber();
    expect(perMwh, `buy ${i}`).to.be.at.most(book.bids[b]!.segments[0]!.priceMwh + ((1 + tanOf(book.bids[b]!.agentId)) * book.rules.priceTickMwh) / 2 + slack);
  }
}

describe('reactive settlement on a LinDistFlow feeder', () => {
  // test/market/clearFeeder.spec.ts's line where a buy at 3000 clears at a DLMP above 3000 (the README's example).
  const tan = tanPhi(0.99); // 0.142492, as market/feederGrid.ts gives it to the LP and settlement
  const { line, segments } = readmeReactiveLine();
  const tanByAgent = new Map([['a3', tan], ['a4', tan], ['a5', tan]]);

  it('charges the buy at 3000 at power factor 0.99 its DLMP 3291.26 less 0.142492 kvar/kW × 2044.03: 3000.0021/MWh in all, not 3291.26', () => {
    const book = bookOf(line, segments);
    const result = clearOnFeeder(book, 'lp', line, highs, gridOf(tanByAgent));
    expect(result.status, result.message).to.equal('cleared');
    const s = settle(book, result);
    const r = settleReactive(book, result, s.unit)!;
    expect(r).to.not.equal(undefined);
    expect(result.busPriceMwh[1]).to.equal(3291.26);
    expect(r.priceMvarh[1]).to.equal(-2044.03);
    const kw = result.awardedQuanta[5]! * book.rules.quantumKw;
    expect(kw).to.be.within(1, 58);
    // Its kvar: tan φ × kW, absorbed; its money: kvar × 1 h × −2044.03 / 1000 (a rebate).
    expect(kvarOf(r.bidKvarMicro[5]!, r.quantumKw).toNumber()).to.be.closeTo(kw * tan, 1e-9);
    expect(tan).to.equal(0.142492);
    const energy = s.unit.toMoney(s.paymentUnits[5]!);
    const reactive = reactiveMoneyOf(r, r.bidMicroTicks[5]!);
    expect(reactive.equals(kvarOf(r.bidKvarMicro[5]!, r.quantumKw).times(-2044.03).div(1000))).to.equal(true);
    const perMwh = energy.plus(reactive).div(kw).times(1000).toNumber();
    // 3291.26 − 0.142492 × 2044.03 = 3291.26 − 291.2579 = 3000.0021: the bid, to the two prices' rounding to the tick (≤ (1 + tan φ) × 0.005).
    expect(perMwh).to.be.closeTo(3000.0021, 1e-4);
    expect(perMwh - 3000).to.be.at.most((1 + tan) * book.rules.priceTickMwh / 2);
  });

  it('closes: Σ parties pay − the substation receives = the rent from bus totals, exactly, and the substation supplies the net kvar at a reactive price of 0', () => {
    const book = bookOf(line, segments);
    const result = clearOnFeeder(book, 'lp', line, highs, gridOf(tanByAgent));
    const s = settle(book, result);
    const r = settleReactive(book, result, s.unit)!;
    const paid = paidOf(r);
    expect(paid.minus(r.substationReceivesScaled).equals(r.rentScaled)).to.equal(true);
    expect(paid.equals(r.buyersPayScaled.minus(r.sellersReceiveScaled))).to.equal(true);
    expect(r.priceMvarh[0]).to.equal(0);
    const net = r.busKvar.reduce((a, m) => a.plus(m), money(0));
    expect(r.substationKvar.equals(net)).to.equal(true);
    // The rent of the stage, energy and reactive, is ≥ 0.
    expect(s.merchandisingSurplus.plus(r.rentScaled).isNegative()).to.equal(false);
  });

  it("pays an inverter injecting 5 kvar (volt-var) at its bus's reactive price, and charges the buy there its tan φ × kW at it: money closes with the substation", () => {
    // grid — b1 (vmin 0.99 binds): a buy of 100 kW at pf 0.9 and a storage offering 5 kW at 2000 (not taken) whose 10 kVA
    // inverter follows a flat volt-var curve Q = 0.5 × S = 5 kvar (≤ √(10² − 5²) = 8.66): a fixed injection.
    const net = createNetwork({ baseKva: 100, buses: [{ id: 'grid', reference: true }, { id: 'b1', vMinPu: 0.99 }], branches: [{ id: 'l', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.02 }] });
    const book = bookOf(net, [
      ['grid', 'sell', 40, 1000],
      ['b1', 'sell', 60, 1000],
      ['b1', 'buy', 500, 100],
      ['b1', 'sell', 2000, 5],
    ]);
    const tan = tanPhi(0.9); // 0.484322
    const grid: FeederGrid = {
      ...gridOf(new Map([['a2', tan]]), 1.05, 0.9),
      inverters: { mode: 'volt-var', kvaByKind: new Map([['storage', 10]]), voltVar: [{ vPu: 0.8, qPerKva: 0.5 }, { vPu: 1.2, qPerKva: 0.5 }] },
      kindOf: (id) => (id === 'a3' ? 'storage' : 'home'),
    };
    const result = clearOnFeeder(book, 'lp', net, highs, grid);
    expect(result.status, result.message).to.equal('cleared');
    const s = settle(book, result);
    const r = settleReactive(book, result, s.unit)!;
    const rp = r.priceMvarh[1]!;
    expect(rp, 'the voltage limit makes withdrawing Q at b1 cost').to.be.above(1);
    expect(result.feeder!.vmLinDistFlowPu[1]).to.be.closeTo(0.99, 1e-6); // at the limit (of the awards in whole quanta)
    // The inverter: −5 kvar, paid 5 × rp / 1000 for the hour.
    expect(kvarOf(r.bidKvarMicro[3]!, r.quantumKw).toNumber()).to.equal(-5);
    expect(reactiveMoneyOf(r, r.bidMicroTicks[3]!).equals(money(-5).times(rp).div(1000))).to.equal(true);
    // The buy: tan φ × its kW, charged at the same price.
    const kw = result.awardedQuanta[2]! * book.rules.quantumKw;
    expect(kw).to.be.above(0);
    expect(kvarOf(r.bidKvarMicro[2]!, r.quantumKw).equals(money(kw).times(tan))).to.equal(true);
    expect(reactiveMoneyOf(r, r.bidMicroTicks[2]!).equals(money(kw).times(tan).times(rp).div(1000))).to.equal(true);
    // The substation supplies the rest at 0; paid − received = rent.
    expect(r.substationKvar.equals(money(kw).times(tan).minus(5))).to.equal(true);
    const paid = paidOf(r);
    expect(paid.minus(r.substationReceivesScaled).equals(r.rentScaled)).to.equal(true);
    expect(r.kvarhSold.toNumber()).to.equal(5);
  });

  /** The money closes with the substation, and every accepted buy is within its bid (`expectBuysWithinBids`). */
  function expectRational(book: ReturnType<typeof bookOf>, result: ReturnType<typeof clearOnFeeder>, tanOf: (agent: string) => number): void {
    const s = settle(book, result);
    const r = settleReactive(book, result, s.unit)!;
    expect(paidOf(r).minus(r.substationReceivesScaled).equals(r.rentScaled)).to.equal(true);
    expectBuysWithinBids(book, result, s, r, tanOf, 1e-9);
  }

  it('settles at the reactive prices the marginal-loss clearing published (feeder.losses: marginal): the buy at 3000 pays at most 3000/MWh in all', () => {
    const book = bookOf(line, segments);
    const result = clearOnFeeder(book, 'lp', line, highs, { ...gridOf(tanByAgent), marginalLosses: true });
    expect(result.status, result.message).to.equal('cleared');
    expect(result.feeder!.lossIterations!.count).to.be.greaterThan(0);
    expectRational(book, result, (id) => tanByAgent.get(id) ?? 0);
  });

  it('settles at the reactive prices of the windowed dispatch of a dense book (7,600 more buys out of the money, at unity power factor; LP columns < a tenth of the offers): the same −2044.03 as the whole LP, and the buy at 3000 at most 3000/MWh', () => {
    const small: Array<readonly [string, 'buy', number, number]> = [];
    for (const bus of ['b1', 'b2']) for (let c = 100; c <= 3899; c++) small.push([bus, 'buy', c / 100, 0.5]);
    const book = bookOf(line, [...segments, ...small]);
    const tans = tanByAgent;
    const { lp, problem } = clearNetworkDetailed(book, line, highs, { feeder: { feeder: radialFeeder(line, gridOf(tans).limits) }, segmentKvarPerKw: Float64Array.from({ length: book.size }, (_, i) => (book.isBuy[i] ? (tans.get(book.bids[book.bidIndex[i]!]!.agentId) ?? 0) : 0)) });
    expect(lp.size.cols, 'windowed').to.be.lessThan(problem.offers.count / 10);
    const result = clearOnFeeder(book, 'lp', line, highs, gridOf(tans));
    expect(result.status, result.message).to.equal('cleared');
    const r = settleReactive(book, result, settle(book, result).unit)!;
    expect(r.priceMvarh[1]).to.equal(-2044.03);
    expect(result.busPriceMwh[1]).to.equal(3291.26);
    expectRational(book, result, (id) => tans.get(id) ?? 0);
  });

  it('has nothing to settle where nothing draws reactive power (no Q rows), on a DC network, or under the auction', () => {
    const book = bookOf(line, segments);
    const unity = clearOnFeeder(book, 'lp', line, highs, gridOf(new Map()));
    expect(unity.status).to.equal('cleared');
    expect(settleReactive(book, unity, settle(book, unity).unit)).to.equal(undefined);
    const auction = clearOnFeeder(book, 'double-auction', line, highs, gridOf(tanByAgent));
    expect(settleReactive(book, auction, settle(book, auction).unit)).to.equal(undefined);
    const { result: dc } = clearNetworkDetailed(book, line, highs, {});
    expect(settleReactive(book, dc, settle(book, dc).unit)).to.equal(undefined);
  });

  it('by property over random 3–5-bus feeders: the money closes exactly, the stage rent (energy + reactive) is ≥ 0, no accepted buy pays above its bid beyond the rounding, and the settled kvar is the LP Q balance', () => {
    const feederArb = fc.record({
      ...SMALL_FEEDER_SHAPE,
      vmax: fc.integer({ min: 1005, max: 1060 }),
      vmin: fc.integer({ min: 900, max: 990 }),
      bids: fc.array(fc.record({ bus: fc.nat(), buy: fc.boolean(), price: fc.integer({ min: -200, max: 3000 }), kw: fc.integer({ min: 1, max: 300 }), pf: fc.constantFrom(1, 0.99, 0.95, 0.9) }), { minLength: 2, maxLength: 8 }),
    });
    fc.assert(
      fc.property(feederArb, (c) => {
        const { ids, network } = smallFeeder(c);
        const segs = [['grid', 'sell', 30, 2000] as const, ...c.bids.map((b) => [ids[b.bus % c.n]!, b.buy ? ('buy' as const) : ('sell' as const), b.price, b.kw] as const)];
        const tans = new Map(segs.map((s, i) => [`a${i}`, i === 0 || s[1] === 'sell' ? 0 : tanPhi(c.bids[i - 1]!.pf)]));
        const book = bookOf(network, segs);
        const grid = gridOf(tans, c.vmax / 1000, c.vmin / 1000);
        const result = clearOnFeeder(book, 'lp', network, highs, grid);
        if (result.status !== 'cleared' || Number.isNaN(result.busPriceMwh[0]!)) return;
        const s = settle(book, result);
        const r = settleReactive(book, result, s.unit);
        if (!r) {
          expect(Array.from(tans.values()).every((t) => t === 0), 'a book with tan φ ≠ 0 has reactive prices').to.equal(true);
          return;
        }
        const paid = paidOf(r);
        expect(paid.minus(r.substationReceivesScaled).equals(r.rentScaled), 'money closes').to.equal(true);
        // Rent ≥ 0 up to the prices' rounding to the tick: ≤ tick/2 × (Σ|kW| + Σ|kvar|) × Δt / 1000.
        let grossKw = 0;
        for (let i = 0; i < book.size; i++) grossKw += result.awardedQuanta[i]! * book.rules.quantumKw;
        const grossKvar = r.busKvar.reduce((a, m) => a + Math.abs(m.toNumber()), 0) + Math.abs(r.substationKvar.toNumber());
        const rent = s.merchandisingSurplus.plus(reactiveMoney(r.rentScaled, r.divisor)).toNumber();
        expect(rent, 'stage rent').to.be.at.least(-(book.rules.priceTickMwh / 2) * (2 * grossKw + grossKvar) / 1000 - 1e-9);
        // Individual rationality: an accepted buy pays at most its bid per MWh, to the rounding of its two prices.
        expectBuysWithinBids(book, result, s, r, (agent) => tans.get(agent)!, 1e-6);
        // The settled kvar per bus is the LP's Q balance: flow in − flows out at every bus but the substation.
        const { lp } = clearNetworkDetailed(book, network, highs, { feeder: { feeder: radialFeeder(network, grid.limits) }, segmentKvarPerKw: result.feeder!.segmentKvarPerKw! });
        const f = (lp as FeederDispatchResult).feeder;
        const fr = result.feeder!;
        for (let k = 0; k < c.n; k++) {
          if (k === fr.rootIndex) continue;
          let balance = f.qFlowKvar[k]!;
          for (let j = 0; j < c.n; j++) if (j !== fr.rootIndex && network.branches.some((br) => br.from === ids[k] && br.to === ids[j])) balance -= f.qFlowKvar[j]!;
          const bookBus = (book.buses as readonly string[]).indexOf(ids[k]!);
          const settled = bookBus >= 0 ? r.busKvar[bookBus]!.toNumber() : 0;
          // Within the awards' rounding to whole quanta (tan φ ≤ 0.49 kvar a kW, a quantum per segment).
          expect(settled, `Q balance at ${ids[k]}`).to.be.closeTo(balance, book.size * book.rules.quantumKw + 1e-6);
        }
      }),
      { numRuns: 60, seed: 4242 },
    );
  });
});

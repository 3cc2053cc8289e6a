/**
 * The windowed LinDistFlow dispatch (market/lp/priceWindows.ts through windowedFeederDispatch.ts) on
 * books at mixed power factors, where a class's columns are measured against DLMP + tan φ × ρ and
 * both prices move a lot with a few kW:
 * - the README's line (test/helpers/lpNetworks.ts `readmeReactiveLine`) with 7,600 small buys, the
 *   odd cents at power factor 0.99: one partial column among them, so a small window proves it —
 *   where the windows used to be recentred on each small LP's prices, swing between the ends of the
 *   class and keep 2,675 of 7,607 columns after five LPs;
 * - by property over random mixed-pf feeders: the windowed awards, DLMPs and reactive prices are the
 *   whole LP's (books with every price distinct, so that the optimum and its prices are unique).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Offers } from '../../../market/lp/dispatch.ts';
import { dispatchFeeder, type FeederDispatchResult, type FeederProblem } from '../../../market/lp/feederDispatch.ts';
import { tanPhi } from '../../../market/feederGrid.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../../market/lp/solver.ts';
import { dispatchFeederWindowed, feederWindowable } from '../../../market/lp/windowedFeederDispatch.ts';
import { radialFeeder } from '../../../network/radial.ts';
import { offersFromList, randomRadialNetwork, readmeReactiveLine } from '../../helpers/lpNetworks.ts';

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});

interface Offer {
  readonly bus: number;
  readonly buy: boolean;
  readonly price: number;
  readonly kw: number;
  readonly tan: number;
}

/** Largest |a − b| over two arrays. */
const maxGap = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let g = 0;
  for (let i = 0; i < a.length; i++) g = Math.max(g, Math.abs(a[i]! - b[i]!));
  return g;
};

describe('windowed LinDistFlow dispatch at mixed power factors', () => {
  /**
   * The README's line (grid–b1–b2–b3; a sell at −500 at b3 holds b3 at vmax 1.05) with its four buys at 3000 at power
   * factor 0.99, and 3,800 buys of 0.5 kW at each of b1 and b2 priced 1.00–38.99, the odd cents at 0.99, the even ones at
   * unity: 7,607 columns on 4 buses, so the dispatch is windowed.
   */
  function extremeLine(): { problem: FeederProblem; list: Offer[] } {
    const { line, segments } = readmeReactiveLine();
    const ids = line.buses.map((b) => b.id as string);
    const tan = tanPhi(0.99);
    const list: Offer[] = segments.map(([bus, side, price, kw]) => ({ bus: ids.indexOf(bus), buy: side === 'buy', price, kw, tan: side === 'buy' ? tan : 0 }));
    for (const bus of ['b1', 'b2']) for (let c = 100; c <= 3899; c++) list.push({ bus: ids.indexOf(bus), buy: true, price: c / 100, kw: 0.5, tan: c % 2 === 1 ? tan : 0 });
    const feeder = radialFeeder(line, { defaultVMinPu: 0.95, defaultVMaxPu: 1.05 });
    return { problem: { feeder, offers: offersFromList(list), kvarPerKw: Float64Array.from(list, (o) => o.tan) }, list };
  }

  it("the README's line with 7,600 small buys, half at power factor 0.99: b2's pf-0.99 buys clear above DLMP + tan φ × ρ = 31.39 (380 in full, the one at 31.39 in part), and the windowed solve proves it with at most two small LPs of under 760 columns", function () {
    this.timeout(30_000);
    const { problem, list } = extremeLine();
    expect(problem.offers.count).to.equal(7_607);
    expect(feederWindowable(problem)).to.equal(true);
    const whole = dispatchFeeder(problem, highs);
    expect(whole.status).to.equal('optimal');
    // By hand from the whole LP's duals: b2 (index 2) is held at vmin 0.95 and b3 at vmax 1.05; a pf-0.99 buy at b2 is
    // measured against 759.6723 + 0.142492 × (−5111.0399) = 31.39, a unity one against 759.67 (none of them clears).
    const tan = tanPhi(0.99);
    const slot = whole.priceMwh[2]! + tan * whole.feeder.reactivePriceMvarh[2]!;
    expect(whole.priceMwh[2]).to.be.closeTo(759.6723, 1e-4);
    expect(whole.feeder.reactivePriceMvarh[2]).to.be.closeTo(-5111.0399, 1e-4);
    expect(slot).to.be.closeTo(31.39, 1e-6);
    let full = 0;
    let partKw = 0;
    for (let j = 7; j < list.length; j++) {
      const o = list[j]!;
      const q = whole.quantityKw[j]!;
      if (o.bus !== 2 || o.tan === 0) {
        expect(q, `column ${j}`).to.be.closeTo(0, 1e-9);
        continue;
      }
      if (o.price > 31.39 + 1e-9) {
        expect(q, `column ${j} at ${o.price}`).to.be.closeTo(0.5, 1e-9);
        full++;
      } else if (o.price < 31.39 - 1e-9) expect(q, `column ${j} at ${o.price}`).to.be.closeTo(0, 1e-9);
      else partKw = q;
    }
    expect(full).to.equal(380); // 31.41, 31.43, …, 38.99
    expect(partKw).to.be.within(1e-6, 0.5 - 1e-6);

    const rounds: Array<{ readonly round: number; readonly columns: number; readonly proved: boolean }> = [];
    const windowed = dispatchFeederWindowed(problem, highs, { trace: (r) => rounds.push(r) });
    expect(windowed.status).to.equal('optimal');
    expect(maxGap(windowed.quantityKw, whole.quantityKw), 'awards').to.be.below(1e-6);
    expect(maxGap(windowed.priceMwh, whole.priceMwh), 'DLMPs').to.be.below(1e-6);
    expect(maxGap(windowed.feeder.reactivePriceMvarh, whole.feeder.reactivePriceMvarh), 'reactive prices').to.be.below(1e-6);
    expect(rounds.at(-1)!.proved).to.equal(true);
    expect(rounds.length, JSON.stringify(rounds)).to.be.at.most(2);
    expect(rounds.at(-1)!.columns, JSON.stringify(rounds)).to.be.below(problem.offers.count / 10);
  });

  /**
   * A random radial feeder of 3–6 buses with tight voltage bands and line limits, and a book of up to 160 columns at
   * power factors 1, 0.99, 0.95 and 0.9: every price distinct (thousandths of a currency unit), quantities in
   * thousandths of a kW, so that no two columns tie and no limit is met exactly by columns at their bounds; the optimum
   * and its prices are then unique, and the windowed solve must return them.
   */
  const mixedBook = fc
    .integer({ min: 3, max: 6 })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        network: randomRadialNetwork(n, { min: 100, max: 800 }),
        vmin: fc.integer({ min: 950, max: 990 }),
        vmax: fc.integer({ min: 1005, max: 1050 }),
        prices: fc.uniqueArray(fc.integer({ min: 1_000, max: 200_000 }), { minLength: 1, maxLength: 160, size: 'large' }),
        offers: fc.array(fc.record({ bus: fc.nat({ max: n - 2 }), buy: fc.boolean(), atRoot: fc.nat({ max: 3 }), kw: fc.integer({ min: 1_000, max: 400_000 }), pf: fc.constantFrom(1, 0.99, 0.95, 0.9) }), { minLength: 160, maxLength: 160 }),
        halfWidth: fc.integer({ min: 1, max: 3 }),
        buckets: fc.integer({ min: 1, max: 4 }),
        guess: fc.option(fc.array(fc.integer({ min: -20, max: 200 }), { minLength: n, maxLength: n }), { nil: undefined }),
      }),
    )
    .map((c) => {
      const feeder = radialFeeder(c.network, { defaultVMinPu: c.vmin / 1000, defaultVMaxPu: c.vmax / 1000 });
      // Supply at the substation at 30.0005 (no drawn price), so that every book is feasible; buys away from the substation,
      // most sells at it, so that power flows down the feeder and its limits bind.
      const list: Offer[] = [
        { bus: 0, buy: false, price: 30.0005, kw: 20_000, tan: 0 },
        ...c.prices.map((p, i) => {
          const o = c.offers[i]!;
          return { bus: o.buy || o.atRoot === 0 ? 1 + o.bus : 0, buy: o.buy, price: p / 1000, kw: o.kw / 1000, tan: o.buy ? tanPhi(o.pf) : 0 };
        }),
      ];
      const problem: FeederProblem = { feeder, offers: offersFromList(list), kvarPerKw: Float64Array.from(list, (o) => o.tan) };
      return { problem, halfWidth: c.halfWidth, buckets: c.buckets, guess: c.guess };
    });

  it('by property over random mixed-pf feeders, windows narrow enough to fail: the windowed awards, DLMPs and reactive prices are the whole LP’s (to 1e-6), and so is the welfare (to 1e-9)', function () {
    this.timeout(120_000);
    let reactive = 0;
    let rounds = 0;
    let severalRounds = 0;
    fc.assert(
      fc.property(mixedBook, ({ problem, halfWidth, buckets, guess }) => {
        const whole = dispatchFeeder(problem, highs);
        let trace = 0;
        const windowed: FeederDispatchResult = dispatchFeederWindowed(problem, highs, { aboveColumns: 0, halfWidth, buckets, ...(guess ? { guessMwh: Float64Array.from(guess) } : {}), trace: () => trace++ });
        rounds += trace;
        if (trace > 1) severalRounds++;
        expect(windowed.status).to.equal(whole.status);
        if (whole.status !== 'optimal') return;
        expect(windowed.welfarePerH).to.be.closeTo(whole.welfarePerH, 1e-9 * Math.max(1, Math.abs(whole.welfarePerH)));
        const o: Offers = problem.offers;
        for (let j = 0; j < o.count; j++) expect(windowed.quantityKw[j], `column ${j}`).to.be.closeTo(whole.quantityKw[j]!, 1e-6 * Math.max(1, o.upperKw[j]!));
        for (let k = 0; k < problem.feeder.busCount; k++) {
          expect(windowed.priceMwh[k], `DLMP at ${k}`).to.be.closeTo(whole.priceMwh[k]!, 1e-6 * Math.max(1, Math.abs(whole.priceMwh[k]!)));
          // NaN in both where nothing draws or makes reactive power (the LP has no Q rows).
          const rho = whole.feeder.reactivePriceMvarh[k]!;
          if (Number.isNaN(rho)) expect(windowed.feeder.reactivePriceMvarh[k], `reactive price at ${k}`).to.be.NaN;
          else expect(windowed.feeder.reactivePriceMvarh[k], `reactive price at ${k}`).to.be.closeTo(rho, 1e-6 * Math.max(1, Math.abs(rho)));
        }
        if (whole.feeder.reactivePriceMvarh.some((r) => Math.abs(r) > 1e-3)) reactive++;
      }),
      { numRuns: 150, seed: 4747 },
    );
    expect(reactive, 'books whose reactive prices are not 0').to.be.greaterThan(30);
    expect(severalRounds, 'books the first windows did not prove').to.be.greaterThan(20);
    expect(rounds).to.be.greaterThan(150);
  });
});

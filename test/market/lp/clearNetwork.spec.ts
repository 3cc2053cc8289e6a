import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import { UserError } from '../../../core/errors.ts';
import { type Money, money, ZERO } from '../../../core/money.ts';
import { doubleAuction } from '../../../market/auction.ts';
import { clearNetwork, clearNetworkDetailed, roundColumns } from '../../../market/clearNetwork.ts';
import { parseNativeCase } from '../../../market/lp/cases/native.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../../market/lp/solver.ts';
import type { ClearingResult, OrderBook } from '../../../market/types.ts';
import { withBranchInService } from '../../../network/validate.ts';
import { createNetwork } from '../../../network/validate.ts';
import { busSideRentPerH, complementarityViolations } from '../../helpers/complementarity.ts';
import { bookOf, RULES, randomMarket, triangle } from '../../helpers/lpNetworks.ts';

let highs: LpSolver;
let jslp: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
  jslp = await loadSolver('jslp');
});

const kw = (book: OrderBook, quanta: number): number => quanta * book.rules.quantumKw;
const ticks = (book: OrderBook, price: number): number => Math.round(price / book.rules.priceTickMwh);

/** Settles in exact decimals at the bus prices: what buyers pay, sellers receive, and Σ_bus price × net withdrawal. */
function settleExactly(book: OrderBook, r: ClearingResult): { buyers: Money; sellers: Money; rent: Money } {
  const unit = money(book.rules.quantumKw).times(money(book.durationH)).times(money(book.rules.priceTickMwh)).div(1000);
  let buyers = ZERO;
  let sellers = ZERO;
  const net = new Map<number, number>();
  for (let i = 0; i < book.size; i++) {
    const q = r.awardedQuanta[i]!;
    if (q === 0) continue;
    const bus = book.busIndex[i]!;
    const v = money(q).times(ticks(book, r.busPriceMwh[bus]!));
    if (book.isBuy[i]) buyers = buyers.plus(v);
    else sellers = sellers.plus(v);
    net.set(bus, (net.get(bus) ?? 0) + (book.isBuy[i] ? q : -q));
  }
  let rent = ZERO;
  for (const [bus, q] of net) rent = rent.plus(money(q).times(ticks(book, r.busPriceMwh[bus]!)));
  return { buyers: buyers.times(unit), sellers: sellers.times(unit), rent: rent.times(unit) };
}

/** `clearNetwork` with the raw LP checked for complementary slackness (every solve in this suite is). */
function clearChecked(book: OrderBook, network: Parameters<typeof clearNetwork>[1], solver: LpSolver = highs): ClearingResult {
  const d = clearNetworkDetailed(book, network, solver);
  expect(complementarityViolations(d.problem, d.lp)).to.deep.equal([]);
  return d.result;
}

/** What every market clearing must satisfy once rounded. */
function expectBalancedMarket(book: OrderBook, r: ClearingResult): void {
  let buy = 0;
  let sell = 0;
  for (let i = 0; i < book.size; i++) {
    const a = r.awardedQuanta[i]!;
    expect(Number.isInteger(a) && a >= 0 && a <= book.quantityQuanta[i]!, `award ${a} of segment ${i}`).to.equal(true);
    if (book.isBuy[i]) buy += a;
    else sell += a;
  }
  expect(buy).to.equal(sell);
  for (const p of r.busPriceMwh) if (!Number.isNaN(p)) expect(Math.abs(p / book.rules.priceTickMwh - Math.round(p / book.rules.priceTickMwh))).to.be.lessThan(1e-6);
  for (const f of r.flows) expect(Math.abs(f.flowKw)).to.be.at.most(f.limitKw);
  const s = settleExactly(book, r);
  expect(s.buyers.minus(s.sellers).minus(s.rent).isZero(), `${s.buyers} − ${s.sellers} − ${s.rent}`).to.equal(true);
}

describe('clearNetwork: market clearing on the grid', () => {
  it('clears the documented three-bus example (docs/clear.md, test/fixtures/clear/three-bus.json)', () => {
    const file = fileURLToPath(new URL('../../fixtures/clear/three-bus.json', import.meta.url));
    const c = parseNativeCase(readFileSync(file, 'utf8'), file);
    const { result: r, problem, lp } = clearNetworkDetailed(c.book, c.network, highs);
    expect(r.status).to.equal('cleared');
    expect(r.mechanism).to.equal('lp-dispatch');
    expect(Array.from(r.busPriceMwh)).to.deep.equal([20, 80, 50]);
    expect(Array.from(r.awardedQuanta, (q) => kw(c.book, q))).to.deep.equal([80, 50, 100, 0, 30]);
    expect(r.flows.map((f) => [f.id, f.flowKw, f.limitKw, f.shadowPriceMwh])).to.deep.equal([
      ['AB', 60, 60, 90],
      ['BC', -40, Infinity, 0],
      ['CA', -20, Infinity, 0],
    ]);
    expect(r.welfare).to.be.closeTo(10.6, 1e-12);
    expect(lp.congestionRentPerH).to.be.closeTo(5.4, 1e-9);
    expect(complementarityViolations(problem, lp)).to.deep.equal([]);
    expectBalancedMarket(c.book, r);
  });

  it('demand the network cannot deliver stays uncleared and its bus price rises to its bid (load shedding at its value)', () => {
    const net = createNetwork({ buses: [{ id: 'A', reference: true }, { id: 'B' }], branches: [{ id: 'AB', from: 'A', to: 'B', reactancePu: 0.1, limitKw: 10 }] });
    const elastic = clearChecked(bookOf(net, [['A', 'sell', 20, 100], ['B', 'buy', 200, 30]]), net);
    expect(elastic.status).to.equal('cleared');
    expect(Array.from(elastic.busPriceMwh)).to.deep.equal([20, 200]);
    expect(elastic.awardedQuanta[1]! * RULES.quantumKw).to.be.closeTo(10, 1e-12);
    // Inelastic demand is bid at the cap: the value of lost load is the cap.
    const inelastic = clearChecked(bookOf(net, [['A', 'sell', 20, 100], ['B', 'buy', RULES.priceCapMwh, 30]]), net);
    expect(Array.from(inelastic.busPriceMwh)).to.deep.equal([20, RULES.priceCapMwh]);
    expect(inelastic.flows[0]!.shadowPriceMwh).to.be.closeTo(RULES.priceCapMwh - 20, 1e-6);
  });

  it('shares a column among segments at the same bus and price pro rata, largest remainder, in book order', () => {
    const net = triangle();
    const book = bookOf(net, [
      ['A', 'sell', 30, 2],
      ['B', 'buy', 50, 5],
      ['A', 'sell', 30, 4],
      ['A', 'sell', 30, 6],
    ]);
    const r = clearChecked(book, net);
    // 5000 quanta over 2000/4000/6000: 833.33, 1666.67, 2500 → 833, 1667, 2500.
    expect([0, 2, 3].map((i) => r.awardedQuanta[i])).to.deep.equal([833, 1667, 2500]);
    expect(r.awardedQuanta[1]).to.equal(5000);
    expect(Array.from(r.busPriceMwh)).to.deep.equal([30, 30, 30]);
  });

  it('rounds LP columns to whole quanta with equal side totals, by largest remainder, within [0, quantity]', () => {
    const isBuy = Uint8Array.of(1, 1, 0, 0);
    // Buys 1.4 + 2.6, sells 3.7 + 0.3: 4 quanta a side; the largest remainders get the leftovers.
    expect(Array.from(roundColumns(Float64Array.of(1.4, 2.6, 3.7, 0.3), Float64Array.of(5, 5, 5, 5), isBuy)!)).to.deep.equal([1, 3, 4, 0]);
    // LP noise on a whole total: 1e-9 quanta either way snaps, never adds a quantum.
    expect(Array.from(roundColumns(Float64Array.of(2 - 1e-9, 1, 3 + 1e-9, 0), Float64Array.of(2, 1, 3, 1), isBuy)!)).to.deep.equal([2, 1, 3, 0]);
    // Never above a column's quantity: the cap holds even when the remainder is largest there.
    expect(Array.from(roundColumns(Float64Array.of(0.5, 0.5, 1, 0), Float64Array.of(1, 1, 1, 1), isBuy)!)).to.deep.equal([1, 0, 1, 0]);
  });

  it('an empty book, a one-sided book and bids that do not cross trade nothing, with NaN prices and a message', () => {
    const net = triangle(10);
    const cases: Array<[ReadonlyArray<readonly [string, 'buy' | 'sell', number, number]>, string]> = [
      [[], 'empty book: no bids'],
      [[['A', 'sell', 20, 5]], 'no buyers'],
      [[['B', 'buy', 20, 5]], 'no sellers'],
      [[['A', 'sell', 50, 5], ['B', 'buy', 20, 5]], 'bids do not cross: nothing can trade profitably on this network'],
    ];
    for (const [segments, message] of cases) {
      const r = clearChecked(bookOf(net, segments), net);
      expect(r.status).to.equal('cleared');
      expect(r.message).to.equal(message);
      expect(Array.from(r.busPriceMwh).every(Number.isNaN)).to.equal(true);
      expect(Array.from(r.awardedQuanta).every((a) => a === 0)).to.equal(true);
      expect(r.flows.map((f) => f.flowKw)).to.deep.equal([0, 0, 0]);
      expect(r.welfare).to.equal(0);
    }
  });

  it('throws a clear error when the book has a bus the network does not', () => {
    const book = bookOf(triangle(), [['A', 'sell', 20, 5]]);
    const other = createNetwork({ buses: [{ id: 'A', reference: true }, { id: 'Q' }], branches: [{ id: 'AQ', from: 'A', to: 'Q', reactancePu: 0.1 }] });
    expect(() => clearNetwork(book, other, highs)).to.throw(UserError, /the order book has buses 'B', 'C' that are not in network 'network' \(its buses: 'A', 'Q'\)/);
  });

  it('lists an out-of-service branch with flow 0 and limit 0, and clears on the remaining topology', () => {
    const net = withBranchInService(triangle(10), 'AB', false);
    const r = clearChecked(bookOf(net, [['A', 'sell', 20, 100], ['B', 'buy', 60, 30]]), net);
    expect(r.flows[0]).to.deep.equal({ id: 'AB', flowKw: 0, limitKw: 0, shadowPriceMwh: 0 });
    expect(r.awardedQuanta[1]! * RULES.quantumKw).to.be.closeTo(30, 1e-9); // all of it through C
    expect(r.flows[1]!.flowKw).to.be.closeTo(-30, 1e-9);
  });

  describe('properties on random small networks (fast-check)', () => {
    it('clearNetwork reuses its scratch arrays without carrying anything over: after another book, the same result as with fresh arrays (zero-quantity segments included)', () => {
      fc.assert(
        fc.property(randomMarket({ maxBuses: 6, maxSegments: 24 }), randomMarket({ maxBuses: 6, maxSegments: 16 }), fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }), (before, { network, book: full }, zero) => {
          // Segments of zero quantity take no column: a stale segment → column map would put them in one.
          const book: OrderBook = { ...full, quantityQuanta: full.quantityQuanta.map((q, i) => (zero[i] ? 0 : q)) };
          clearNetwork(before.book, before.network, highs); // leaves the scratch full of another book
          const reused = clearNetwork(book, network, highs);
          const fresh = clearNetworkDetailed(book, network, highs).result; // its columns and map in new arrays
          expect(Array.from(reused.awardedQuanta)).to.deep.equal(Array.from(fresh.awardedQuanta));
          expect(Array.from(reused.busPriceMwh)).to.deep.equal(Array.from(fresh.busPriceMwh));
          expect(reused.welfare).to.equal(fresh.welfare);
          for (let i = 0; i < book.size; i++) if (book.quantityQuanta[i] === 0) expect(reused.awardedQuanta[i]).to.equal(0);
        }),
        { numRuns: 60 },
      );
    });

    it('HiGHS and javascript-lp-solver agree on welfare; no flow exceeds its limit; complementary slackness holds', () => {
      fc.assert(
        fc.property(randomMarket({ maxBuses: 6, maxSegments: 14 }), ({ network, book }) => {
          const h = clearNetworkDetailed(book, network, highs);
          const j = clearNetworkDetailed(book, network, jslp);
          expect(h.result.status).to.equal('cleared');
          expect(j.result.status).to.equal('cleared');
          expect(j.lp.welfarePerH).to.be.closeTo(h.lp.welfarePerH, 1e-9 * Math.max(1, Math.abs(h.lp.welfarePerH)));
          expect(complementarityViolations(h.problem, h.lp)).to.deep.equal([]);
          expect(complementarityViolations(j.problem, j.lp, { price: 1e-4 })).to.deep.equal([]);
          expect(h.lp.congestionRentPerH).to.be.closeTo(busSideRentPerH(h.problem, h.lp), 1e-9);
          // javascript-lp-solver's perturbation prices are NaN where no price exists (nothing at all can move).
          if (!j.lp.priceMwh.some(Number.isNaN)) expect(j.lp.congestionRentPerH).to.be.closeTo(busSideRentPerH(j.problem, j.lp), 1e-6);
        }),
        { numRuns: 150 },
      );
    });

    it('the rounded market result balances exactly: Σ buy quanta = Σ sell quanta; buyers pay = sellers receive + Σ_bus price × net withdrawal, in decimal', () => {
      fc.assert(
        fc.property(randomMarket({ maxBuses: 6, maxSegments: 16 }), ({ network, book }) => {
          expectBalancedMarket(book, clearChecked(book, network));
        }),
        { numRuns: 200 },
      );
    });

    it('with no branch limit the LP agrees with the single-node double auction (market/auction.ts) on quantity, price and welfare when the price is unique', () => {
      let compared = 0;
      fc.assert(
        fc.property(randomMarket({ maxBuses: 5, maxSegments: 14, limits: false, evenOdd: true }), ({ network, book }) => {
          const auction = doubleAuction(book);
          const unique = uniquePrice(book, auction);
          fc.pre(unique !== undefined);
          compared++;
          const lp = clearChecked(book, network);
          const traded = (r: ClearingResult): number => r.awardedQuanta.reduce((a, q, i) => a + (book.isBuy[i] ? q : 0), 0);
          expect(traded(lp)).to.equal(traded(auction));
          for (const p of lp.busPriceMwh) expect(ticks(book, p)).to.equal(unique);
          expect(lp.welfare).to.be.closeTo(auction.welfare, 1e-9);
          for (let i = 0; i < book.size; i++) {
            // Off the margin, awards are fixed: all of a better segment, none of a worse one.
            if (book.priceTicks[i] !== unique) expect(lp.awardedQuanta[i], `segment ${i}`).to.equal(auction.awardedQuanta[i]);
          }
        }),
        { numRuns: 200 },
      );
      expect(compared).to.be.greaterThan(20);
    });
  });
});

/**
 * The auction's price when its equilibrium interval is one point (market/auction.ts: low = max(floor,
 * highest accepted offer, highest rejected bid), high = min(cap, lowest accepted bid, lowest rejected offer)), in ticks.
 */
function uniquePrice(book: OrderBook, r: ClearingResult): number | undefined {
  let low = ticks(book, book.rules.priceFloorMwh);
  let high = ticks(book, book.rules.priceCapMwh);
  let traded = 0;
  for (let i = 0; i < book.size; i++) {
    const q = book.quantityQuanta[i]!;
    if (q === 0) continue;
    const a = r.awardedQuanta[i]!;
    const t = book.priceTicks[i]!;
    if (book.isBuy[i]) {
      traded += a;
      if (a > 0) high = Math.min(high, t);
      if (a < q) low = Math.max(low, t);
    } else {
      if (a > 0) low = Math.max(low, t);
      if (a < q) high = Math.min(high, t);
    }
  }
  return traded > 0 && low === high ? low : undefined;
}

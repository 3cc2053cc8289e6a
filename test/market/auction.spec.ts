import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import { clearDetailed, doubleAuction, doubleAuctionWith } from '../../market/auction.ts';
import { ClearingScratch } from '../../market/clearingScratch.ts';
import { DEFAULT_RULES, type ClearingResult, type OrderBook, type PriceRule } from '../../market/types.ts';
import { awardsKw, buy, makeBook, PRICE_RULES, sell, sideTotal, type Seg } from '../helpers/auctionBooks.ts';
import { lpAuctionWelfare } from '../helpers/lpAuction.ts';

const priceOf = (r: ClearingResult): number => r.busPriceMwh[0]!;
const clear = (segs: readonly Seg[], priceRule: PriceRule = 'partial-block', durationH = 1) => {
  const book = makeBook(segs, { priceRule, durationH });
  const result = doubleAuction(book);
  return { book, result, kw: awardsKw(book, result.awardedQuanta) };
};

describe('doubleAuction', () => {
  describe('hand-computed examples', () => {
    it('simple cross: the partly accepted offer sets the price', () => {
      // Buys 50×10, 40×5; sells 20×8, 45×10. 50 takes 8 kW at 20, then 2 kW of the 45 offer;
      // 40 < 45 stops. The 45 offer is partly accepted: price 45 (interval [45, 45]).
      const { result, kw } = clear([buy(50, 10), buy(40, 5), sell(20, 8), sell(45, 10)]);
      expect(result.status).to.equal('cleared');
      expect(result.mechanism).to.equal('double-auction');
      expect(result.flows).to.deep.equal([]);
      expect(kw).to.deep.equal([10, 0, 8, 2]);
      expect(priceOf(result)).to.equal(45);
      // (50·10 − 20·8 − 45·2) / 1000 = 0.25 currency over one hour
      expect(result.welfare).to.be.closeTo(0.25, 1e-12);
    });

    it('welfare scales with the interval length (15 minutes)', () => {
      const { result } = clear([buy(50, 10), buy(40, 5), sell(20, 8), sell(45, 10)], 'partial-block', 0.25);
      expect(result.welfare).to.be.closeTo(0.0625, 1e-12);
    });

    it('trades at zero surplus (bid == offer) are made: the maximum quantity clears', () => {
      // Buys 50×4, 40×4; sells 40×5, 45×5 (GridLAB-D scenario 10 shape): 4 kW at 50 plus 1 kW where 40 meets 40.
      const { result, kw } = clear([buy(50, 4), buy(40, 4), sell(40, 5), sell(45, 5)]);
      expect(kw).to.deep.equal([4, 1, 5, 0]);
      expect(priceOf(result)).to.equal(40);
    });

    it('ties at the marginal price share pro rata (exact shares)', () => {
      // 6 kW of demand against 12 kW offered at 30: each seller gets half its quantity.
      const { result, kw } = clear([buy(60, 6), sell(30, 2), sell(30, 4), sell(30, 6)]);
      expect(kw).to.deep.equal([6, 1, 2, 3]);
      expect(priceOf(result)).to.equal(30);
    });

    it('pro rata with a largest-remainder leftover (the doc comment example)', () => {
      // Buys A 50×4, B 45×3; sells C 30×2, D 45×2, E 45×4. Sellers at 45 share 5 kW of 6:
      // D ⌊5000·2000/6000⌋ = 1666 r 4000, E ⌊5000·4000/6000⌋ = 3333 r 2000 → leftover quantum to D.
      const { result, kw } = clear([buy(50, 4), buy(45, 3), sell(30, 2), sell(45, 2), sell(45, 4)]);
      expect(kw).to.deep.equal([4, 3, 2, 1.667, 3.333]);
      expect(priceOf(result)).to.equal(45);
      expect(result.welfare).to.be.closeTo(0.05, 1e-12);
    });

    it('equal remainders: the leftover quanta go by book order', () => {
      // 1 kW = 1000 quanta over three 1 kW offers at 40: 333 each, remainder 1000 each, one left over → the first.
      const { kw } = clear([sell(40, 1), buy(50, 1), sell(40, 1), sell(40, 1)]);
      expect(kw).to.deep.equal([0.334, 1, 0.333, 0.333]);
      // 2 quanta left over with equal remainders: the first two in book order.
      const two = clear([buy(50, 0.002), sell(40, 0.001), sell(40, 0.001), sell(40, 0.001)]);
      expect(two.kw).to.deep.equal([0.002, 0.001, 0.001, 0]);
    });

    it('largest remainder beats book order', () => {
      // 4 quanta over offers of 1, 3, 3 quanta (T = 7): 4·1/7 = 0 r4, 4·3/7 = 1 r5, 1 r5 → leftover 2 to the r5s.
      const { kw } = clear([buy(50, 0.004), sell(40, 0.001), sell(40, 0.003), sell(40, 0.003)]);
      expect(kw).to.deep.equal([0.004, 0, 0.002, 0.002]);
      // 5 quanta: 0 r5, 2 r1, 2 r1 → the single leftover goes to the first offer (r5), ahead in remainder.
      const five = clear([buy(50, 0.005), sell(40, 0.001), sell(40, 0.003), sell(40, 0.003)]);
      expect(five.kw).to.deep.equal([0.005, 0.001, 0.002, 0.002]);
    });

    it('buyers rationed at the marginal bid price', () => {
      // Buys at 40: 3 kW and 1 kW; 2 kW offered at 30 → 1.5 kW and 0.5 kW, price 40.
      const { result, kw } = clear([buy(40, 3), buy(40, 1), sell(30, 2)]);
      expect(kw).to.deep.equal([1.5, 0.5, 2]);
      expect(priceOf(result)).to.equal(40);
    });

    it('buyers only: nothing trades, price NaN, "no sellers"', () => {
      const { result, kw } = clear([buy(50, 5), buy(40, 1)]);
      expect(result.status).to.equal('cleared');
      expect(result.message).to.equal('no sellers');
      expect(kw).to.deep.equal([0, 0]);
      expect(Number.isNaN(priceOf(result))).to.equal(true);
      expect(result.welfare).to.equal(0);
    });

    it('sellers only: nothing trades, price NaN, "no buyers"', () => {
      const { result, kw } = clear([sell(10, 5)]);
      expect(result.message).to.equal('no buyers');
      expect(kw).to.deep.equal([0]);
      expect(Number.isNaN(priceOf(result))).to.equal(true);
      expect(result.welfare).to.equal(0);
    });

    it('no cross: the message names the best bid and the best offer', () => {
      const { result, kw } = clear([buy(30, 5), buy(25, 5), sell(35.5, 5), sell(40, 1)]);
      expect(result.status).to.equal('cleared');
      expect(result.message).to.equal('bids do not cross: best bid 30 < best offer 35.5');
      expect(kw).to.deep.equal([0, 0, 0, 0]);
      expect(Number.isNaN(priceOf(result))).to.equal(true);
      expect(result.welfare).to.equal(0);
    });

    it('empty book: zero-length awards, NaN price on every bus', () => {
      const book = makeBook([], { buses: ['n1', 'n2'] });
      const result = doubleAuction(book);
      expect(result.status).to.equal('cleared');
      expect(result.message).to.equal('empty book: no bids');
      expect(result.awardedQuanta.length).to.equal(0);
      expect(Array.from(result.busPriceMwh).every(Number.isNaN)).to.equal(true);
      expect(result.busPriceMwh.length).to.equal(2);
      expect(result.welfare).to.equal(0);
    });

    describe('price rules on a non-degenerate interval', () => {
      // Buys 50×5, 35×2; sells 30×5, 45×3: 5 kW trade, every accepted block whole.
      // low = max(accepted offer 30, rejected bid 35) = 35; high = min(accepted bid 50, rejected offer 45) = 45.
      const segs = [buy(50, 5), buy(35, 2), sell(30, 5), sell(45, 3)];
      const expected: Record<PriceRule, number> = { 'partial-block': 40, 'marginal-offer': 35, 'marginal-bid': 45, midpoint: 40 };
      for (const rule of PRICE_RULES) {
        it(`${rule} → ${expected[rule]}`, () => {
          const { book, result, kw } = clear(segs, rule);
          expect(kw).to.deep.equal([5, 0, 5, 0]);
          expect(priceOf(result)).to.equal(expected[rule]);
          const { detail } = clearDetailed(book);
          expect([detail.lowTicks, detail.highTicks]).to.deep.equal([3500, 4500]);
        });
      }

      it('with both sides exhausted the interval runs from the last offer to the last bid', () => {
        // Buys 50×5; sells 30×5: [30, 50].
        const got = PRICE_RULES.map((rule) => priceOf(clear([buy(50, 5), sell(30, 5)], rule).result));
        expect(got).to.deep.equal([40, 30, 50, 40]);
      });

      it('midpoint rounds down to the tick (towards −∞ for negative prices)', () => {
        expect(PRICE_RULES.map((rule) => priceOf(clear([buy(30.01, 1), sell(30, 1)], rule).result))).to.deep.equal([30, 30, 30.01, 30]);
        expect(PRICE_RULES.map((rule) => priceOf(clear([buy(-10, 1), sell(-10.01, 1)], rule).result))).to.deep.equal([
          -10.01, -10.01, -10, -10.01,
        ]);
      });
    });

    it('demand bid at the cap and rationed sets the cap price (scarcity)', () => {
      const { result, kw } = clear([buy(3000, 10), sell(100, 4), sell(200, 3)]);
      expect(kw).to.deep.equal([7, 4, 3]);
      expect(priceOf(result)).to.equal(DEFAULT_RULES.priceCapMwh);
    });

    it('supply offered at the floor and rationed sets the floor price', () => {
      const { result, kw } = clear([sell(-500, 10), buy(20, 4)]);
      expect(kw).to.deep.equal([4, 4]);
      expect(priceOf(result)).to.equal(DEFAULT_RULES.priceFloorMwh);
    });

    it('a bid at the cap meeting an offer at the floor spans [floor, cap]', () => {
      const got = PRICE_RULES.map((rule) => priceOf(clear([buy(3000, 5), sell(-500, 5)], rule).result));
      expect(got).to.deep.equal([1250, -500, 3000, 1250]);
    });

    it('zero-quantity segments get nothing and bound no price', () => {
      // Buys 40×5, 32×0; sells 30×5, 35×0. Counted as rejected, the empty segments would narrow
      // [30, 40] to [32, 35]; they are not, so the midpoint is 35.
      const { book, result, kw } = clear([buy(40, 5), buy(32, 0), sell(30, 5), sell(35, 0)], 'midpoint');
      expect(kw).to.deep.equal([5, 0, 5, 0]);
      expect(priceOf(result)).to.equal(35);
      const { detail } = clearDetailed(book);
      expect([detail.lowTicks, detail.highTicks]).to.deep.equal([3000, 4000]);
      // A sell segment of zero kW (or one rounding to zero quanta) is no seller.
      expect(clear([buy(40, 5), sell(30, 0), sell(20, 0.0004)]).result.message).to.equal('no sellers');
    });

    it('segments on several buses clear as one pool with one price on every bus', () => {
      const book = makeBook([buy(50, 10, 'n1'), buy(40, 5, 'n3'), sell(20, 8, 'n2'), sell(45, 10, 'n2')], { buses: ['n1', 'n2', 'n3'] });
      const result = doubleAuction(book);
      expect(awardsKw(book, result.awardedQuanta)).to.deep.equal([10, 0, 8, 2]);
      expect(Array.from(result.busPriceMwh)).to.deep.equal([45, 45, 45]);
    });

    it('prices are exact decimals on the tick', () => {
      const { result } = clear([buy(30.01, 2), sell(20, 1), sell(30.01, 5)]);
      expect(priceOf(result)).to.equal(30.01);
    });

    it('histogram: a book filling few of its buckets and one filling most clear as the sort does', () => {
      // Sparse: 3 distinct ticks between the floor and the cap (350,001 buckets); dense: 300 segments on 201 adjacent ticks.
      const sparse = makeBook([buy(3000, 4), buy(45, 3), sell(-500, 2), sell(45, 2), sell(45, 4), buy(-500, 1)]);
      const dense = makeBook(Array.from({ length: 300 }, (_, k) => (k % 3 === 0 ? sell(40 + (k % 201) / 100, 1 + (k % 7)) : buy(42 - (k % 199) / 100, 1 + (k % 5)))));
      for (const book of [sparse, dense]) {
        const h = doubleAuctionWith(book, 'histogram');
        const s = doubleAuctionWith(book, 'sort');
        expect(Array.from(h.awardedQuanta)).to.deep.equal(Array.from(s.awardedQuanta));
        expect(Array.from(h.busPriceMwh)).to.deep.equal(Array.from(s.busPriceMwh));
        expect(h.message).to.equal(s.message);
      }
      // By hand, as the module comment's worked example: 7 kW of buys at ≥ 45 take the 2 kW offered at the floor and
      // 5 of the 6 kW at 45, shared 2:4 → 1.667 and 3.333 kW; the buy at the floor gets nothing.
      expect(awardsKw(sparse, doubleAuctionWith(sparse, 'histogram').awardedQuanta)).to.deep.equal([4, 3, 2, 1.667, 3.333, 0]);
    });

    it('picks tick buckets for a narrow price range and sorting for a wide one, with the same result', () => {
      const segs = [buy(50, 10), buy(40, 5), sell(20, 8), sell(45, 10)];
      expect(clearDetailed(makeBook(segs)).detail.method).to.equal('histogram');
      // Beyond 2^16 ticks, buckets while there are at most 32 per crossing segment: 4,000 segments
      // over 100,000 ticks (25 per segment, as the default scenario's book) use them; 1,000 do not.
      const spread = (n: number): Seg[] => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? buy(1000 - (i / n) * 999, 1) : sell((i / n) * 999, 1)));
      expect(clearDetailed(makeBook([...spread(4000), buy(1000, 1), sell(0, 1)])).detail.method).to.equal('histogram');
      expect(clearDetailed(makeBook([...spread(1000), buy(1000, 1), sell(0, 1)])).detail.method).to.equal('sort');
      // A 1e-12 tick makes the range 3e13 ticks: no buckets, and packed keys would pass 2^53,
      // so this also exercises the comparator fallback of the sort path.
      const fine = makeBook(segs, { rules: { priceTickMwh: 1e-12 } });
      const { result, detail } = clearDetailed(fine);
      expect(detail.method).to.equal('sort');
      expect(awardsKw(fine, result.awardedQuanta)).to.deep.equal([10, 0, 8, 2]);
      expect(priceOf(result)).to.equal(45);
    });

    it('pro rata stays exact when allot × quantity exceeds 2^53 (BigInt path)', () => {
      // 6e9 kW = 6e12 quanta shared by offers of 3e9 kW, 6e9 kW and 3e9 kW: allot × q ≈ 3.6e25.
      const { kw } = clear([buy(50, 6e9), sell(40, 3e9), sell(40, 6e9), sell(40, 3e9)]);
      expect(kw).to.deep.equal([6e9, 1.5e9, 3e9, 1.5e9]);
      const odd = clear([buy(50, 1e9 + 0.001), sell(40, 3e9), sell(40, 3e9), sell(40, 3e9)]);
      // 1e12 + 1 quanta in three equal shares: 333333333333 r 2 each → the 2 leftovers to the first two.
      expect(odd.kw).to.deep.equal([1e9 + 0.001, 333333333.334, 333333333.334, 333333333.333]);
    });
  });

  describe('GridLAB-D test_market_auction_clearing_3 (12 scenarios)', () => {
    interface Scenario {
      scenario: number;
      'bids(price,qty)': [number, number][];
      'offers(price,qty)': [number, number][];
      asserted_price: number;
      asserted_qty: number;
    }
    const scenarios = JSON.parse(
      readFileSync(new URL('../fixtures/refcases/gridlabd/auction_clearing_3_scenarios.json', import.meta.url), 'utf8'),
    ) as Scenario[];

    it('has the 12 scenarios', () => expect(scenarios.map((s) => s.scenario)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));

    // Every scenario leaves one block partly accepted, so the equilibrium interval is a single
    // point: marginal-offer, marginal-bid and midpoint reproduce GridLAB-D's prices as well.
    for (const rule of PRICE_RULES) {
      it(`every scenario clears to GridLAB-D's asserted price and quantity under ${rule}`, () => {
        for (const sc of scenarios) {
          const segs = [...sc['bids(price,qty)'].map(([p, q]) => buy(p, q)), ...sc['offers(price,qty)'].map(([p, q]) => sell(p, q))];
          const { book, result } = clear(segs, rule);
          const where = `scenario ${sc.scenario}`;
          expect(priceOf(result), where).to.equal(sc.asserted_price);
          const bought = sideTotal(book, result.awardedQuanta, 'buy') * book.rules.quantumKw;
          expect(+bought.toPrecision(12), where).to.equal(sc.asserted_qty);
          expect(clearDetailed(book).detail.lowTicks, where).to.equal(clearDetailed(book).detail.highTicks);
        }
      });
    }
  });

  describe('properties over random books', () => {
    const rulesArb = fc.constantFrom(...PRICE_RULES);
    // Prices: a coarse grid (many ties), anywhere on the tick between floor and cap, or exactly at floor/cap.
    const priceArb = fc.oneof(
      fc.integer({ min: 0, max: 8 }).map((k) => 20 + 5 * k),
      fc.integer({ min: -50_000, max: 300_000 }).map((t) => t / 100),
      fc.constantFrom(DEFAULT_RULES.priceFloorMwh, DEFAULT_RULES.priceCapMwh),
    );
    const kwArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 20_000 }).map((q) => q / 1000));
    const segArb: fc.Arbitrary<Seg> = fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      price: priceArb,
      kw: kwArb,
      bus: fc.constantFrom('n1', 'n2', 'n3'),
    });
    const bookArb = fc
      .record({ segs: fc.array(segArb, { maxLength: 40 }), rule: rulesArb, durationH: fc.constantFrom(1, 0.25) })
      .map(({ segs, rule, durationH }) => makeBook(segs, { priceRule: rule, durationH, buses: ['n1', 'n2', 'n3'] }));

    const tickOf = (book: OrderBook, price: number): number => Math.round(price / book.rules.priceTickMwh);

    it('balance, bounds and whole quanta; price on the tick within [floor, cap]', () => {
      fc.assert(
        fc.property(bookArb, (book) => {
          const r = doubleAuction(book);
          expect(r.awardedQuanta.length).to.equal(book.size);
          for (let i = 0; i < book.size; i++) {
            const a = r.awardedQuanta[i]!;
            expect(Number.isInteger(a)).to.equal(true);
            expect(a).to.be.within(0, book.quantityQuanta[i]!);
          }
          const bought = sideTotal(book, r.awardedQuanta, 'buy');
          expect(bought).to.equal(sideTotal(book, r.awardedQuanta, 'sell'));
          const p = priceOf(r);
          expect(r.busPriceMwh.length).to.equal(3);
          expect(new Set(Array.from(r.busPriceMwh, String)).size).to.equal(1);
          if (bought > 0) {
            expect(p).to.be.within(book.rules.priceFloorMwh, book.rules.priceCapMwh);
            expect(p).to.equal(tickOf(book, p) / 100);
          } else expect(Number.isNaN(p)).to.equal(true);
        }),
        { numRuns: 300 },
      );
    });

    it('individual rationality and strict price priority at the clearing price', () => {
      fc.assert(
        fc.property(bookArb, (book) => {
          const r = doubleAuction(book);
          const p = priceOf(r);
          if (Number.isNaN(p)) {
            expect(Array.from(r.awardedQuanta).every((a) => a === 0)).to.equal(true);
            return;
          }
          const pt = tickOf(book, p);
          for (let i = 0; i < book.size; i++) {
            const t = book.priceTicks[i]!;
            const q = book.quantityQuanta[i]!;
            const a = r.awardedQuanta[i]!;
            const better = book.isBuy[i] === 1 ? t > pt : t < pt;
            const worse = book.isBuy[i] === 1 ? t < pt : t > pt;
            // No buyer pays above its bid, no seller is paid below its offer.
            if (a > 0) expect(worse, `segment ${i} accepted at a worse price`).to.equal(false);
            if (better) expect(a, `segment ${i} strictly better than the price`).to.equal(q);
          }
        }),
        { numRuns: 300 },
      );
    });

    it('maximal quantity: no unserved bid is at or above an unserved offer', () => {
      fc.assert(
        fc.property(bookArb, (book) => {
          const r = doubleAuction(book);
          let bestOpenBid = -Infinity;
          let bestOpenOffer = Infinity;
          for (let i = 0; i < book.size; i++) {
            if (r.awardedQuanta[i]! >= book.quantityQuanta[i]!) continue;
            if (book.isBuy[i] === 1) bestOpenBid = Math.max(bestOpenBid, book.priceTicks[i]!);
            else bestOpenOffer = Math.min(bestOpenOffer, book.priceTicks[i]!);
          }
          expect(bestOpenBid < bestOpenOffer).to.equal(true);
        }),
        { numRuns: 300 },
      );
    });

    it('clearing books one after another in one reused scratch gives what fresh scratch gives (both level methods)', () => {
      // The engine's books share their builder's ClearingScratch: keys and levels left by one
      // clearing (a larger or smaller book, the other method) must not leak into the next.
      const plain = (r: ReturnType<typeof clearDetailed>) => ({ ...r, result: { ...r.result, awardedQuanta: Array.from(r.result.awardedQuanta), busPriceMwh: Array.from(r.result.busPriceMwh, String) } });
      fc.assert(
        fc.property(fc.array(fc.tuple(bookArb, fc.constantFrom('histogram' as const, 'sort' as const)), { minLength: 2, maxLength: 4 }), (steps) => {
          const shared = new ClearingScratch();
          for (const [book, method] of [...steps, steps[0]!]) {
            const reused = clearDetailed({ ...book, scratch: shared }, method);
            const fresh = clearDetailed({ ...book, scratch: new ClearingScratch() }, method);
            expect(plain(reused)).to.deep.equal(plain(fresh));
          }
        }),
        { numRuns: 300 },
      );
    });

    it('welfare equals the LP optimum (javascript-lp-solver)', () => {
      // Both clear the same book, already in whole ticks and quanta. The LP has one ±1 balance
      // row plus bounds (totally unimodular), so it has an optimal vertex at whole quanta: rounding
      // to quanta costs the auction nothing, and the two may differ only by floating-point error in
      // the sums and simplex pivots, far below 1e-9 of Σ|price|·q.
      fc.assert(
        fc.property(bookArb, (book) => {
          const r = doubleAuction(book);
          const lp = lpAuctionWelfare(book);
          expect(lp.feasible).to.equal(true);
          let scale = 0;
          for (let i = 0; i < book.size; i++) scale += Math.abs(book.priceTicks[i]! * 0.01) * book.quantityQuanta[i]! * 0.001;
          const tol = 1e-9 * ((scale * book.durationH) / 1000) + 1e-12;
          expect(r.welfare).to.be.closeTo(lp.welfare, tol);
          expect(r.welfare).to.be.at.least(-tol);
        }),
        { numRuns: 200 },
      );
    });

    it('price rules: same awards; marginal-offer ≤ midpoint ≤ marginal-bid; partial-block = midpoint', () => {
      fc.assert(
        fc.property(bookArb, (book) => {
          const by = Object.fromEntries(PRICE_RULES.map((rule) => [rule, doubleAuction({ ...book, rules: { ...book.rules, priceRule: rule } })])) as Record<
            PriceRule,
            ClearingResult
          >;
          for (const rule of PRICE_RULES) expect(Array.from(by[rule].awardedQuanta)).to.deep.equal(Array.from(by['midpoint'].awardedQuanta));
          const [pb, lo, hi, mid] = PRICE_RULES.map((rule) => priceOf(by[rule]));
          if (Number.isNaN(mid!)) return;
          expect(lo!).to.be.at.most(mid!);
          expect(mid!).to.be.at.most(hi!);
          expect(pb).to.equal(mid);
        }),
        { numRuns: 200 },
      );
    });

    it('the histogram and sort paths give identical results', () => {
      fc.assert(
        fc.property(bookArb, (book) => {
          const h = doubleAuctionWith(book, 'histogram');
          const s = doubleAuctionWith(book, 'sort');
          expect(Array.from(h.awardedQuanta)).to.deep.equal(Array.from(s.awardedQuanta));
          expect(Array.from(h.busPriceMwh)).to.deep.equal(Array.from(s.busPriceMwh));
          expect(h.welfare).to.equal(s.welfare);
          expect(h.message).to.equal(s.message);
        }),
        { numRuns: 300 },
      );
    });

    it('is deterministic and does not mutate its input', () => {
      fc.assert(
        fc.property(bookArb, (book) => {
          const copy = {
            isBuy: Array.from(book.isBuy),
            priceTicks: Array.from(book.priceTicks),
            quantityQuanta: Array.from(book.quantityQuanta),
            bidIndex: Array.from(book.bidIndex),
            busIndex: Array.from(book.busIndex),
            bids: JSON.stringify(book.bids),
          };
          const frozen = Object.freeze({ ...book, rules: Object.freeze({ ...book.rules }), buses: Object.freeze([...book.buses]) });
          const a = doubleAuction(frozen);
          const b = doubleAuction(frozen);
          expect(Array.from(a.awardedQuanta)).to.deep.equal(Array.from(b.awardedQuanta));
          expect(Array.from(a.busPriceMwh)).to.deep.equal(Array.from(b.busPriceMwh));
          expect([a.welfare, a.message, a.status]).to.deep.equal([b.welfare, b.message, b.status]);
          expect(a.awardedQuanta).to.not.equal(b.awardedQuanta);
          expect({
            isBuy: Array.from(book.isBuy),
            priceTicks: Array.from(book.priceTicks),
            quantityQuanta: Array.from(book.quantityQuanta),
            bidIndex: Array.from(book.bidIndex),
            busIndex: Array.from(book.busIndex),
            bids: JSON.stringify(book.bids),
          }).to.deep.equal(copy);
        }),
        { numRuns: 100 },
      );
    });
  });
});

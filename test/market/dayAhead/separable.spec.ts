/**
 * With no intertemporal bids the day-ahead programme separates by interval, so clearing
 * the horizon at once must give what clearing each interval alone gives today
 * (`clearNetwork` on a grid, `doubleAuction` on one node). Where the optimum is not
 * unique the two may pick different optima, so the property compares:
 * - welfare per interval, always (to the rounding of awards to whole quanta);
 * - prices wherever they are pinned: at a bus where a segment is strictly partly
 *   cleared, every optimal dual equals its price (complementary slackness with that optimum);
 * - on one node with all prices distinct, the optimum is unique: awards equal exactly.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { agentId, busId } from '../../../core/units.ts';
import { doubleAuction } from '../../../market/auction.ts';
import { clearNetwork } from '../../../market/clearNetwork.ts';
import { clearDayAhead } from '../../../market/dayAhead/clear.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { Bid, ClearingResult, OrderBook } from '../../../market/types.ts';
import { randomMarket, RULES } from '../../helpers/lpNetworks.ts';

const segment = fc.record({ bus: fc.nat(), buy: fc.boolean(), price: fc.integer({ min: 1, max: 100 }), kw: fc.integer({ min: 1, max: 50 }) });

/** Buses where a segment is cleared strictly inside (0, quantity), two quanta away from both ends. */
function pinnedPrices(book: OrderBook, r: ClearingResult): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < book.size; i++) {
    const a = r.awardedQuanta[i]!;
    if (a >= 2 && a <= book.quantityQuanta[i]! - 2) out.set(book.busIndex[i]!, book.priceTicks[i]! * book.rules.priceTickMwh);
  }
  return out;
}

describe('day-ahead without intertemporal bids equals clearing each interval alone', () => {
  it('on random meshed networks with limits (HiGHS): welfare per interval, and prices wherever they are pinned', async () => {
    const highs = await loadSolver('highs');
    await fc.assert(
      fc.asyncProperty(randomMarket({ maxBuses: 5, maxSegments: 10 }), fc.array(fc.array(segment, { maxLength: 10 }), { minLength: 1, maxLength: 3 }), async (m, later) => {
        const n = m.network.buses.length;
        const bids: Bid[] = m.book.bids.map((b) => ({ ...b, interval: 0 }));
        later.forEach((segs, k) =>
          segs.forEach((s, i) =>
            bids.push({ id: `t${k + 1}-${i}`, agentId: agentId(`x${i}`), bus: busId(`n${s.bus % n}`), interval: k + 1, segments: [{ side: s.buy ? 'buy' : 'sell', priceMwh: s.price, quantityKw: s.kw }] }),
          ),
        );
        const T = later.length + 1;
        const da = clearDayAhead({ horizon: { firstInterval: 0, intervalCount: T, durationH: 1 }, rules: RULES, bids, intertemporalBids: [] }, { network: m.network, solver: highs });
        expect(da.status, da.message).to.equal('cleared');
        for (let t = 0; t < T; t++) {
          const iv = da.intervals[t]!;
          const alone = clearNetwork(iv.book, m.network, highs);
          expect(alone.status).to.equal('cleared');
          const slack = (2 * iv.book.size * RULES.quantumKw * 100) / 1000;
          expect(iv.welfare).to.be.closeTo(alone.welfare, slack + 1e-9);
          for (const [bus, price] of pinnedPrices(iv.book, alone)) expect(iv.busPriceMwh[bus], `interval ${t} bus ${bus}`).to.be.closeTo(price, 1e-9);
          for (const [bus, price] of pinnedPrices(iv.book, iv)) expect(alone.busPriceMwh[bus], `interval ${t} bus ${bus}`).to.be.closeTo(price, 1e-9);
          // Exact balance in whole quanta.
          let net = 0;
          for (let i = 0; i < iv.book.size; i++) net += iv.book.isBuy[i] ? iv.awardedQuanta[i]! : -iv.awardedQuanta[i]!;
          expect(net).to.equal(0);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('on one node with distinct prices: the same awards as the double auction, and its price where a segment is partly cleared', async () => {
    const highs = await loadSolver('highs');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 0, maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 12, maxLength: 12 }),
        async (pricesPerInterval, kws) => {
          const bids: Bid[] = [];
          pricesPerInterval.forEach((prices, t) =>
            prices.forEach((p, i) =>
              bids.push({ id: `b${t}-${i}`, agentId: agentId(`a${i}`), bus: busId('X'), interval: t, segments: [{ side: i % 2 === 0 ? 'buy' : 'sell', priceMwh: p / 4, quantityKw: kws[i]! }] }),
            ),
          );
          const T = pricesPerInterval.length;
          const da = clearDayAhead({ horizon: { firstInterval: 0, intervalCount: T, durationH: 0.25 }, rules: RULES, bids, intertemporalBids: [] }, { solver: highs });
          expect(da.status, da.message).to.equal('cleared');
          for (const iv of da.intervals) {
            const auction = doubleAuction(iv.book);
            expect(Array.from(iv.awardedQuanta)).to.deep.equal(Array.from(auction.awardedQuanta));
            const pinned = pinnedPrices(iv.book, auction);
            for (const [bus, price] of pinned) {
              expect(iv.busPriceMwh[bus]).to.be.closeTo(price, 1e-9);
              expect(auction.busPriceMwh[bus]).to.be.closeTo(price, 1e-9);
            }
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});

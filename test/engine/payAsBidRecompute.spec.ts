/**
 * The books' recomputation of pay-as-bid money (engine/interval/payAsBidRecompute.ts) against settlement's
 * (market/settlement.ts): two implementations of self-trade netting by different routes (settlement pairs quanta
 * from the top; the books take the bid's own crossing volume and fill the residual from the bottom), which must
 * agree bid by bid on the worked examples and on random books.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { agentId, busId } from '../../core/units.ts';
import { buildOrderBook } from '../../market/orderBook.ts';
import { settle } from '../../market/settlement.ts';
import { type Bid, type ClearingResult, DEFAULT_RULES, type MarketRules } from '../../market/types.ts';
import { payAsBidUnitsByBid } from '../../engine/interval/payAsBidRecompute.ts';

const rules: MarketRules = { ...DEFAULT_RULES, pricing: 'pay-as-bid', quantumKw: 1, priceTickMwh: 1 };
const a = busId('a');
const b2 = busId('b');
const bookOf = (bids: Bid[]) => buildOrderBook(bids, { interval: 0, durationH: 1, rules, buses: [a, b2], isKnownAgent: () => true }).book;
const resultOf = (awardedQuanta: Float64Array): ClearingResult => ({ interval: 0, status: 'cleared', message: '', mechanism: 'lp-dispatch', awardedQuanta, busPriceMwh: Float64Array.of(40, 40), flows: [], welfare: 0 });

describe('pay-as-bid recomputed by the books (engine/interval/payAsBidRecompute.ts)', () => {
  it('the worked examples, by hand (1 kW quanta, 1/MWh ticks: units are kW × price): buys 1 @ 100 and 1 @ 50, sell 1 @ 10 → 50; buy 1 @ 100, sells 1 @ 10 and 1 @ 30 → −30; a non-crossing pair (buy 1 @ 20, sell 1 @ 30, as on a feeder pricing reactive power below zero) → 20 − 30 = −10, not netted', () => {
    const seg = (side: 'buy' | 'sell', priceMwh: number, quantityKw: number) => ({ side, priceMwh, quantityKw });
    const bids: Bid[] = [
      { id: 'one', agentId: agentId('one'), bus: a, interval: 0, segments: [seg('buy', 100, 1), seg('buy', 50, 1), seg('sell', 10, 1)] },
      { id: 'two', agentId: agentId('two'), bus: a, interval: 0, segments: [seg('buy', 100, 1), seg('sell', 10, 1), seg('sell', 30, 1)] },
      { id: 'three', agentId: agentId('three'), bus: b2, interval: 0, segments: [seg('buy', 20, 1), seg('sell', 30, 1)] },
    ];
    const book = bookOf(bids);
    const awarded = Float64Array.from(book.quantityQuanta);
    expect(Array.from(payAsBidUnitsByBid(book, awarded))).to.deep.equal([50, -30, -10]);
    expect(Array.from(settle(book, resultOf(awarded)).paymentUnits)).to.deep.equal([50, -30, -10]);
  });

  it('property (fast-check): settlement and the books agree bid by bid on random books and awards', () => {
    const segment = fc.record({ buy: fc.boolean(), price: fc.integer({ min: -500, max: 3000 }), kw: fc.integer({ min: 0, max: 40 }), award: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 100 }).map((c) => c / 100)) });
    const bidArb = fc.record({ bus: fc.constantFrom(a, b2), segments: fc.array(segment, { minLength: 1, maxLength: 12 }) });
    let mixed = 0;
    fc.assert(
      fc.property(fc.array(bidArb, { minLength: 1, maxLength: 10 }), (drawn) => {
        const bids: Bid[] = drawn.map((d, i) => ({ id: `b${i}`, agentId: agentId(`x${i}`), bus: d.bus, interval: 0, segments: d.segments.map((g) => ({ side: g.buy ? 'buy' : 'sell', priceMwh: g.price, quantityKw: g.kw })) }));
        const book = bookOf(bids);
        const awarded = new Float64Array(book.size);
        let k = 0;
        for (const d of drawn) for (const g of d.segments) awarded[k] = Math.floor(g.award * book.quantityQuanta[k++]!);
        const s = settle(book, resultOf(awarded));
        for (let i = 0; i < bids.length; i++) if (s.buyQuanta[i]! > 0 && s.sellQuanta[i]! > 0) mixed++;
        expect(Array.from(payAsBidUnitsByBid(book, awarded))).to.deep.equal(Array.from(s.paymentUnits));
      }),
      { numRuns: 400 },
    );
    expect(mixed, 'bids with both sides awarded were drawn').to.be.greaterThan(200);
  });
});

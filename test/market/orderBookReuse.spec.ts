import { expect } from 'chai';
import fc from 'fast-check';
import { agentId, busId } from '../../core/units.ts';
import { OrderBookBuilder, type OrderBookContext } from '../../market/orderBook.ts';
import { DEFAULT_RULES, type Bid, type OrderBook } from '../../market/types.ts';

const CTX: OrderBookContext = { interval: 0, durationH: 0.25, rules: DEFAULT_RULES, buses: [busId('n1')], isKnownAgent: () => true };

/** Bids of one interval: a price and kW each (kW 0 is rejected: the book skips it). */
const bidsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 60 }).map((xs) =>
  xs.map(([price, kw, isBuy], k): Bid => ({ id: `b${k}`, agentId: agentId(`a${k}`), bus: busId('n1'), interval: 0, segments: [{ side: isBuy ? 'buy' : 'sell', priceMwh: price, quantityKw: kw }] })),
);

function fill(builder: OrderBookBuilder, bids: readonly Bid[]): OrderBook {
  for (const bid of bids) builder.add(bid);
  return builder.build();
}

/** The book's contents as plain values (bids by id). */
const plain = (b: OrderBook) => ({
  bids: b.bids.map((x) => x.id),
  size: b.size,
  isBuy: Array.from(b.isBuy),
  priceTicks: Array.from(b.priceTicks),
  quantityQuanta: Array.from(b.quantityQuanta),
  bidIndex: Array.from(b.bidIndex),
  busIndex: Array.from(b.busIndex),
});

describe('OrderBookBuilder reusing an earlier builder (engine/simulation.ts reuseIntervalArrays)', () => {
  it('builds the same book as a new builder, interval after interval, with more or fewer bids each time', () => {
    fc.assert(
      fc.property(fc.array(bidsArb, { minLength: 1, maxLength: 5 }), (intervals) => {
        let spent: OrderBookBuilder | undefined;
        for (const bids of intervals) {
          spent?.release();
          const reused = new OrderBookBuilder(CTX, 16, spent);
          const book = fill(reused, bids);
          expect(plain(book)).to.deep.equal(plain(fill(new OrderBookBuilder(CTX, 16), bids)));
          // A late release of the builder it took over changes nothing.
          spent?.release();
          expect(book.bids.map((x) => x.id)).to.deep.equal(plain(fill(new OrderBookBuilder(CTX, 16), bids)).bids);
          spent = reused;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('release() lets go of the bids: the released book holds none of them', () => {
    const builder = new OrderBookBuilder(CTX, 16);
    const book = fill(builder, [{ id: 'x', agentId: agentId('a'), bus: busId('n1'), interval: 0, segments: [{ side: 'buy', priceMwh: 30, quantityKw: 1 }] }]);
    expect(book.bids.map((b) => b.id)).to.deep.equal(['x']);
    builder.release();
    expect(book.bids.every((b) => b === undefined)).to.equal(true);
  });
});

/**
 * Packed bids (market/packedCurves.ts): the simulation's homes write their segments as rows
 * and the order book reads the rows (`OrderBookBuilder.add`'s packed path). On any bids —
 * valid or not, mixed with bids of segment objects, in any order — the book built from
 * packed bids must equal the book built from the same segments as objects: the same rows,
 * the same accepted bids and the same rejections with the same reasons.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { agentId, busId } from '../../core/units.ts';
import { buildOrderBook, type OrderBookContext } from '../../market/orderBook.ts';
import { PackedBid, PackedCurves, segmentCount } from '../../market/packedCurves.ts';
import { isValidPriceQuantity, isValidSegment, MAX_SEGMENT_QUANTA } from '../../market/segment.ts';
import { type Bid, type BidSegment, DEFAULT_RULES, type OrderBook } from '../../market/types.ts';

const RULES = DEFAULT_RULES; // cap 3000, floor −500, tick 0.01, quantum 0.001 kW
const BUSES = [busId('a'), busId('b'), busId('c')];
const CTX: OrderBookContext = { interval: 3, durationH: 0.25, rules: RULES, buses: BUSES, isKnownAgent: () => true };
const edge = fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, -1e-9, RULES.priceCapMwh, RULES.priceFloorMwh, RULES.priceCapMwh + 1e-9, RULES.priceFloorMwh - 1e-9, MAX_SEGMENT_QUANTA * RULES.quantumKw, MAX_SEGMENT_QUANTA * RULES.quantumKw * (1 + 1e-12));
const price = fc.oneof({ weight: 6, arbitrary: fc.double({ min: -500, max: 3000, noNaN: true }) }, { weight: 1, arbitrary: fc.oneof(fc.double(), edge) });
const quantity = fc.oneof({ weight: 6, arbitrary: fc.double({ min: 0, max: 50, noNaN: true }) }, { weight: 1, arbitrary: fc.oneof(fc.double(), edge) });
const segment = fc.record({ side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), priceMwh: price, quantityKw: quantity });
const bidSpec = fc.record({
  segments: fc.array(segment, { maxLength: 12 }),
  bus: fc.constantFrom(...BUSES, busId('nowhere')),
  interval: fc.constantFrom(3, 3, 3, 4),
  packed: fc.boolean(),
});

/** The book's rows, bid by bid (id), and its rejections: everything `build()` hands out. */
function layout(book: OrderBook): unknown {
  return {
    ids: book.bids.map((b) => b.id),
    size: book.size,
    rows: Array.from({ length: book.size }, (_, i) => [book.isBuy[i], book.priceTicks[i], book.quantityQuanta[i], book.bidIndex[i], book.busIndex[i]]),
  };
}

describe('packed bids (market/packedCurves.ts)', () => {
  it('give the same order book and rejections as the same segments as objects, on arbitrary bids', () => {
    fc.assert(
      fc.property(fc.array(bidSpec, { maxLength: 10 }), (specs) => {
        const plain: Bid[] = specs.map((s, j) => ({ id: `b${j}`, agentId: agentId(`a${j}`), bus: s.bus, interval: s.interval, segments: s.segments }));
        const rows = new PackedCurves(1); // grows as it goes
        const mixed: Bid[] = specs.map((s, j) => {
          if (!s.packed) return plain[j]!;
          const from = rows.n;
          for (const g of s.segments) rows.push(g.side === 'buy', g.priceMwh, g.quantityKw);
          return new PackedBid(`b${j}`, agentId(`a${j}`), s.bus, s.interval, rows, from, s.segments.length);
        });
        const a = buildOrderBook(plain, CTX);
        const b = buildOrderBook(mixed, CTX);
        expect(layout(b.book)).to.deep.equal(layout(a.book));
        expect(b.rejections).to.deep.equal(a.rejections);
        // Read as objects, a packed bid's segments are the ones written.
        mixed.forEach((bid, j) => expect(segmentCount(bid)).to.equal(specs[j]!.segments.length));
        mixed.forEach((bid, j) => expect(bid.segments).to.deep.equal(specs[j]!.segments));
      }),
      { numRuns: 500 },
    );
  });

  it('isValidPriceQuantity is isValidSegment for a segment of a valid side', () => {
    fc.assert(
      fc.property(segment, (s) => {
        expect(isValidPriceQuantity(s.priceMwh, s.quantityKw, RULES)).to.equal(isValidSegment(s, RULES));
      }),
      { numRuns: 2000 },
    );
  });

  it('truncate drops what a bidder wrote after a mark, and rows written later take their place', () => {
    const rows = new PackedCurves(2);
    rows.push(true, 10, 1);
    const mark = rows.n;
    rows.push(false, 20, 2);
    rows.push(true, 30, 3);
    rows.truncate(mark);
    rows.push(false, 40, 4);
    const segments: BidSegment[] = rows.segments(0, rows.n);
    expect(segments).to.deep.equal([
      { side: 'buy', priceMwh: 10, quantityKw: 1 },
      { side: 'sell', priceMwh: 40, quantityKw: 4 },
    ]);
  });

  it('clear() empties the rows and keeps their arrays for the next interval’s bids (reuseIntervalArrays)', () => {
    const rows = new PackedCurves(2);
    rows.push(true, 50, 3);
    rows.push(false, 20, 1);
    const prices = rows.priceMwh;
    expect(rows.clear()).to.equal(rows);
    expect(rows.n).to.equal(0);
    rows.push(false, 35, 2);
    expect(rows.priceMwh).to.equal(prices); // no growth: row 0 again
    expect(new PackedBid('b', agentId('a'), busId('n1'), 1, rows, 0, rows.n).segments).to.deep.equal([{ side: 'sell', priceMwh: 35, quantityKw: 2 }]);
  });

  it('a bid made without an id is named `<agent>@<interval>` when its id is read', () => {
    const rows = new PackedCurves(2);
    rows.push(true, 50, 3);
    expect(new PackedBid(undefined, agentId('home-7'), busId('n1'), 42, rows, 0, 1).id).to.equal('home-7@42');
    expect(new PackedBid('mine', agentId('home-7'), busId('n1'), 42, rows, 0, 1).id).to.equal('mine');
  });
});

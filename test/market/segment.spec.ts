/**
 * The order book checks each segment once, as it lays it out (market/orderBook.ts): a
 * boolean check (`isValidSegment`) on the hot path, the reason (`segmentProblem`) only for a
 * segment that fails. The two must agree on every input, and a bid that fails part-way
 * through its curve must leave nothing of itself in the book.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { busId, agentId } from '../../core/units.ts';
import { buildOrderBook } from '../../market/orderBook.ts';
import { isValidSegment, MAX_SEGMENT_QUANTA, segmentProblem } from '../../market/segment.ts';
import { type Bid, type BidSegment, DEFAULT_RULES } from '../../market/types.ts';

const RULES = DEFAULT_RULES; // cap 3000, floor −500, quantum 0.001 kW
const edgeNumbers = fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, -1e-9, RULES.priceCapMwh, RULES.priceFloorMwh, RULES.priceCapMwh + 1e-9, RULES.priceFloorMwh - 1e-9, MAX_SEGMENT_QUANTA * RULES.quantumKw, MAX_SEGMENT_QUANTA * RULES.quantumKw * (1 + 1e-12));
const number = fc.oneof(fc.double(), edgeNumbers, fc.double({ min: -600, max: 3100, noNaN: true }));
const field = fc.oneof(number, fc.constant(undefined), fc.constant(null), fc.string(), fc.constant('5'));
const segmentLike = fc.oneof(
  fc.record({ side: fc.oneof(fc.constantFrom('buy', 'sell'), field), priceMwh: field, quantityKw: field }),
  fc.record({ side: fc.constantFrom('buy', 'sell'), priceMwh: number, quantityKw: number }),
  fc.constantFrom(null, undefined, 3, 'buy', [] as unknown),
);

describe('segment checks: isValidSegment and segmentProblem agree', () => {
  it('on arbitrary input, including NaN, infinities, the cap, the floor and the largest quantity', () => {
    fc.assert(
      fc.property(segmentLike, (s) => {
        expect(isValidSegment(s, RULES)).to.equal(segmentProblem(s, 0, RULES) === undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('with an infinite cap and floor, an infinite price is still rejected', () => {
    const open = { ...RULES, priceCapMwh: Infinity, priceFloorMwh: -Infinity };
    for (const p of [Infinity, -Infinity, NaN]) {
      expect(isValidSegment({ side: 'buy', priceMwh: p, quantityKw: 1 }, open)).to.equal(false);
      expect(segmentProblem({ side: 'buy', priceMwh: p, quantityKw: 1 }, 0, open)?.code).to.equal('non-finite-price');
    }
  });

  it('a bid rejected at its k-th segment leaves no row in the book: the book holds exactly the valid bids, in order', () => {
    const valid = fc.record({ side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), priceMwh: fc.integer({ min: -500, max: 3000 }), quantityKw: fc.integer({ min: 0, max: 1000 }) });
    const curve = fc.array(fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: segmentLike }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(curve, { minLength: 1, maxLength: 8 }), (curves) => {
        const bids: Bid[] = curves.map((segments, j) => ({ id: `b${j}`, agentId: agentId(`a${j}`), bus: busId('main'), interval: 0, segments: segments as readonly BidSegment[] }));
        const { book, rejections } = buildOrderBook(bids, { interval: 0, durationH: 0.25, rules: RULES, buses: [busId('main')], isKnownAgent: () => true });
        const good = bids.filter((b) => b.segments.every((s) => segmentProblem(s, 0, RULES) === undefined));
        expect(book.bids.map((b) => b.id)).to.deep.equal(good.map((b) => b.id));
        expect(rejections.map((r) => r.bidId)).to.deep.equal(bids.filter((b) => !good.includes(b)).map((b) => b.id));
        // Row by row: each accepted segment, in order, and nothing else.
        const rows = good.flatMap((b, j) => b.segments.map((s) => [j, s.side === 'buy' ? 1 : 0, Math.round(s.priceMwh / RULES.priceTickMwh), Math.round(s.quantityKw / RULES.quantumKw)]));
        expect(Array.from({ length: book.size }, (_, i) => [book.bidIndex[i], book.isBuy[i], book.priceTicks[i], book.quantityQuanta[i]])).to.deep.equal(rows);
        // The reason names the first bad segment, as the strategy guard would.
        for (const r of rejections) {
          const b = bids.find((x) => x.id === r.bidId)!;
          const k = b.segments.findIndex((s) => segmentProblem(s, 0, RULES) !== undefined);
          expect(r.reason).to.equal(segmentProblem(b.segments[k], k, RULES)!.reason);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a price or quantity of the wrong type is quoted with its type: a strategy that reads "50" from a file is not told "got 50"', () => {
    const reason = (priceMwh: unknown, quantityKw: unknown): string | undefined => segmentProblem({ side: 'buy', priceMwh, quantityKw }, 0, RULES)?.reason;
    expect(reason('50', 1)).to.equal('segment 0: price must be a finite number, got string "50"');
    expect(reason(50, '1')).to.equal('segment 0: quantity must be a finite number, got string "1"');
    expect(reason(NaN, 1)).to.equal('segment 0: price must be a finite number, got NaN');
    expect(reason(50, undefined)).to.equal('segment 0: quantity must be a finite number, got undefined');
    expect(reason(null, 1)).to.equal('segment 0: price must be a finite number, got null');
    expect(reason(50n, 1)).to.equal('segment 0: price must be a finite number, got bigint 50');
    expect(reason({ value: 50 }, 1)).to.equal('segment 0: price must be a finite number, got an object');
  });
});

import { expect } from 'chai';
import fc from 'fast-check';
import { aggregateCurves, quantityAt, splitAward, type MemberCurve } from '../../market/aggregate.ts';
import { doubleAuction } from '../../market/auction.ts';
import { buildOrderBook } from '../../market/orderBook.ts';
import { DEFAULT_RULES, type Bid, type BidSegment } from '../../market/types.ts';
import { agentId, busId } from '../../core/units.ts';

const seg = (side: 'buy' | 'sell', priceMwh: number, quantityKw: number): BidSegment => ({ side, priceMwh, quantityKw });
const Q = 1000; // quanta per kW at the default 0.001 kW quantum
const quanta = (kw: number): number => Math.round(kw * Q);

describe('aggregateCurves', () => {
  it('merges same side and price, keeps buys and sells apart, sorts in merit order (doc example)', () => {
    const agg = aggregateCurves([
      { memberId: 'm1', segments: [seg('buy', 40, 2), seg('sell', 60, 1)] },
      { memberId: 'm2', segments: [seg('buy', 40, 3), seg('buy', 50, 1)] },
    ]);
    expect(agg).to.deep.equal([seg('buy', 50, 1), seg('buy', 40, 5), seg('sell', 60, 1)]);
  });

  it("does not net one member's buy against another's sell at the same price", () => {
    const agg = aggregateCurves([
      { memberId: 'x', segments: [seg('buy', 40, 5)] },
      { memberId: 'y', segments: [seg('sell', 40, 3)] },
    ]);
    expect(agg).to.deep.equal([seg('buy', 40, 5), seg('sell', 40, 3)]);
  });

  it('sums exactly in quanta and snaps prices to the tick', () => {
    const agg = aggregateCurves([
      { memberId: 'a', segments: [seg('sell', 30.004, 0.1), seg('sell', 29.996, 0.2), seg('sell', 10, 0)] },
      { memberId: 'b', segments: [] },
    ]);
    // 0.1 + 0.2 would be 0.30000000000000004 in floats; in quanta it is 300.
    expect(agg).to.deep.equal([seg('sell', 30, 0.3)]);
  });

  it('rejects segments the order book would reject, naming the member', () => {
    expect(() => aggregateCurves([{ memberId: 'bad', segments: [seg('buy', NaN, 1)] }])).to.throw(RangeError, /bad/);
    expect(() => aggregateCurves([{ memberId: 'neg', segments: [seg('buy', 10, -1)] }])).to.throw(RangeError, /neg/);
  });
});

describe('quantityAt', () => {
  const curve = [seg('buy', 50, 1), seg('buy', 40, 5), seg('buy', 30, 7), seg('sell', 20, 2), seg('sell', 40, 4), seg('sell', 60, 1)];
  it('takes better-priced segments whole, worse ones not at all, the marginal ones by fraction', () => {
    expect(quantityAt(curve, 40)).to.deep.equal({ buyKw: 6, sellKw: 6 });
    expect(quantityAt(curve, 40, { buy: 0, sell: 0 })).to.deep.equal({ buyKw: 1, sellKw: 2 });
    expect(quantityAt(curve, 40, { buy: 0.2, sell: 0.5 })).to.deep.equal({ buyKw: 2, sellKw: 4 });
    expect(quantityAt(curve, 45)).to.deep.equal({ buyKw: 1, sellKw: 6 });
    expect(quantityAt(curve, 10)).to.deep.equal({ buyKw: 13, sellKw: 0 });
  });
  it('rejects fractions outside [0, 1]', () => {
    expect(() => quantityAt(curve, 40, { buy: 1.5, sell: 0 })).to.throw(RangeError);
  });
});

describe('splitAward', () => {
  const members: MemberCurve[] = [
    { memberId: 'A', segments: [seg('buy', 50, 2), seg('buy', 40, 3)] },
    { memberId: 'B', segments: [seg('buy', 40, 1), seg('sell', 20, 4)] },
  ];

  it('inframarginal fully, marginal pro rata (doc example)', () => {
    const split = splitAward(members, { buyKw: 4, sellKw: 4, priceMwh: 40 });
    expect([...split]).to.deep.equal([
      ['A', { buyKw: 3.5, sellKw: 0 }],
      ['B', { buyKw: 0.5, sellKw: 4 }],
    ]);
  });

  it('largest remainder, ties by member order', () => {
    const three: MemberCurve[] = ['p', 'q', 'r'].map((id) => ({ memberId: id, segments: [seg('sell', 30, 1)] }));
    const split = splitAward(three, { buyKw: 0, sellKw: 1, priceMwh: 30 });
    expect([...split.values()].map((s) => s.sellKw)).to.deep.equal([0.334, 0.333, 0.333]);
  });

  it('gives every member an entry, zero when nothing is theirs', () => {
    const split = splitAward([...members, { memberId: 'C', segments: [seg('buy', 10, 5)] }], { buyKw: 2, sellKw: 0, priceMwh: 45 });
    expect(split.get('C')).to.deep.equal({ buyKw: 0, sellKw: 0 });
    expect(split.get('A')).to.deep.equal({ buyKw: 2, sellKw: 0 });
  });

  it('an award above the curve gives everything at the price or better, and no more', () => {
    const split = splitAward(members, { buyKw: 100, sellKw: 100, priceMwh: 40 });
    expect(split.get('A')).to.deep.equal({ buyKw: 5, sellKw: 0 });
    expect(split.get('B')).to.deep.equal({ buyKw: 1, sellKw: 4 });
  });

  it('an award below the inframarginal quantity is rationed at a better price level', () => {
    // 1 kW at 40: less than A's 2 kW at 50, so A's 50 level is rationed and nothing is given at 40.
    const split = splitAward(members, { buyKw: 1, sellKw: 0, priceMwh: 40 });
    expect(split.get('A')).to.deep.equal({ buyKw: 1, sellKw: 0 });
    expect(split.get('B')).to.deep.equal({ buyKw: 0, sellKw: 0 });
  });

  it('adds up the entries of a member id that appears twice', () => {
    const twice: MemberCurve[] = [
      { memberId: 'A', segments: [seg('buy', 50, 1)] },
      { memberId: 'A', segments: [seg('buy', 50, 2)] },
    ];
    expect([...splitAward(twice, { buyKw: 3, sellKw: 0, priceMwh: 50 })]).to.deep.equal([['A', { buyKw: 3, sellKw: 0 }]]);
  });

  it('splits an auction award back exactly (end to end through the order book)', () => {
    const agg = aggregateCurves(members);
    const bids: Bid[] = [
      { id: 'agg', agentId: agentId('agg'), bus: busId('n1'), interval: 0, segments: agg },
      { id: 'gen', agentId: agentId('gen'), bus: busId('n1'), interval: 0, segments: [seg('sell', 40, 3.3)] },
      { id: 'load', agentId: agentId('load'), bus: busId('n1'), interval: 0, segments: [seg('buy', 45, 1)] },
    ];
    const { book } = buildOrderBook(bids, { interval: 0, durationH: 1, rules: DEFAULT_RULES, buses: [busId('n1')], isKnownAgent: () => true });
    const r = doubleAuction(book);
    let buyQ = 0;
    let sellQ = 0;
    for (let i = 0; i < book.size; i++) {
      if (book.bidIndex[i] !== 0) continue;
      if (book.isBuy[i] === 1) buyQ += r.awardedQuanta[i]!;
      else sellQ += r.awardedQuanta[i]!;
    }
    const split = splitAward(members, { buyKw: buyQ / Q, sellKw: sellQ / Q, priceMwh: r.busPriceMwh[0]! });
    let b = 0;
    let s = 0;
    for (const v of split.values()) {
      b += quanta(v.buyKw);
      s += quanta(v.sellKw);
    }
    expect([b, s]).to.deep.equal([buyQ, sellQ]);
    expect(buyQ).to.be.greaterThan(0);
  });
});

describe('aggregation properties', () => {
  const priceArb = fc.oneof(
    fc.integer({ min: 0, max: 6 }).map((k) => 20 + 5 * k),
    fc.integer({ min: -50_000, max: 300_000 }).map((t) => t / 100),
  );
  const segArb = fc.record({
    side: fc.constantFrom('buy' as const, 'sell' as const),
    priceMwh: priceArb,
    quantityKw: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20_000 }).map((q) => q / Q), fc.integer({ min: 1, max: 9 })),
  });
  const membersArb: fc.Arbitrary<MemberCurve[]> = fc
    .array(fc.array(segArb, { maxLength: 6 }), { maxLength: 8 })
    .map((curves) => curves.map((segments, k) => ({ memberId: `m${k}`, segments })));
  // Clearing prices: often exactly at some segment's price, sometimes anywhere.
  const caseArb = membersArb.chain((members) => {
    const prices = members.flatMap((m) => m.segments.map((s) => s.priceMwh));
    return fc.record({ members: fc.constant(members), price: prices.length ? fc.oneof(fc.constantFrom(...prices), priceArb) : priceArb });
  });
  const inQuanta = (x: { buyKw: number; sellKw: number }) => [quanta(x.buyKw), quanta(x.sellKw)] as const;

  it('the aggregate curve takes at any price what the members take together', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ members, price }, f) => {
        const agg = aggregateCurves(members);
        for (const marginal of [
          { buy: 1, sell: 1 },
          { buy: 0, sell: 0 },
          { buy: 1, sell: 0 },
        ]) {
          let sumB = 0;
          let sumS = 0;
          for (const m of members) {
            const [b, s] = inQuanta(quantityAt(m.segments, price, marginal));
            sumB += b;
            sumS += s;
          }
          expect(inQuanta(quantityAt(agg, price, marginal))).to.deep.equal([sumB, sumS]);
        }
        // A fraction strictly inside (0, 1) leaves whole quanta: compare to float precision.
        const a = quantityAt(agg, price, { buy: f, sell: 1 - f });
        let b = 0;
        let s = 0;
        for (const m of members) {
          const x = quantityAt(m.segments, price, { buy: f, sell: 1 - f });
          b += x.buyKw;
          s += x.sellKw;
        }
        expect(a.buyKw).to.be.closeTo(b, 1e-9 * (1 + b));
        expect(a.sellKw).to.be.closeTo(s, 1e-9 * (1 + s));
      }),
      { numRuns: 300 },
    );
  });

  it('a feasible award is split within every member curve and sums to the award exactly', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), ({ members, price }, u, v) => {
        const agg = aggregateCurves(members);
        const [minB, minS] = inQuanta(quantityAt(agg, price, { buy: 0, sell: 0 }));
        const [maxB, maxS] = inQuanta(quantityAt(agg, price));
        const awardB = minB + Math.floor(u * (maxB - minB + 1)) - (u === 1 ? 1 : 0);
        const awardS = minS + Math.floor(v * (maxS - minS + 1)) - (v === 1 ? 1 : 0);
        const split = splitAward(members, { buyKw: awardB / Q, sellKw: awardS / Q, priceMwh: price });
        expect([...split.keys()]).to.deep.equal(members.map((m) => m.memberId));
        let totB = 0;
        let totS = 0;
        const mB = maxB - minB;
        const mS = maxS - minS;
        for (const m of members) {
          const [b, s] = inQuanta(split.get(m.memberId)!);
          const [loB, loS] = inQuanta(quantityAt(m.segments, price, { buy: 0, sell: 0 }));
          const [hiB, hiS] = inQuanta(quantityAt(m.segments, price));
          // Inframarginal whole; nothing at worse prices nor above what the member offered at the price.
          expect(b).to.be.within(loB, hiB);
          expect(s).to.be.within(loS, hiS);
          // Marginal share pro rata, within one quantum.
          if (mB > 0) expect(Math.abs(b - loB - ((awardB - minB) * (hiB - loB)) / mB)).to.be.lessThan(1);
          if (mS > 0) expect(Math.abs(s - loS - ((awardS - minS) * (hiS - loS)) / mS)).to.be.lessThan(1);
          totB += b;
          totS += s;
        }
        expect([totB, totS]).to.deep.equal([awardB, awardS]);
      }),
      { numRuns: 300 },
    );
  });

  it('any award: nothing at worse prices, nothing above the curve, never more than the award', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 200_000 }), ({ members, price }, ab, as) => {
        const split = splitAward(members, { buyKw: ab / Q, sellKw: as / Q, priceMwh: price });
        let totB = 0;
        let totS = 0;
        for (const m of members) {
          const [b, s] = inQuanta(split.get(m.memberId)!);
          const [hiB, hiS] = inQuanta(quantityAt(m.segments, price));
          expect(b).to.be.within(0, hiB);
          expect(s).to.be.within(0, hiS);
          totB += b;
          totS += s;
        }
        const [maxB, maxS] = inQuanta(quantityAt(aggregateCurves(members), price));
        expect([totB, totS]).to.deep.equal([Math.min(ab, maxB), Math.min(as, maxS)]);
      }),
      { numRuns: 300 },
    );
  });

  it('does not modify its inputs', () => {
    fc.assert(
      fc.property(caseArb, ({ members, price }) => {
        const before = JSON.stringify(members);
        const frozen = Object.freeze(members.map((m) => Object.freeze({ ...m, segments: Object.freeze(m.segments.map((s) => Object.freeze({ ...s }))) })));
        aggregateCurves(frozen);
        quantityAt(frozen.flatMap((m) => m.segments), price);
        splitAward(frozen, { buyKw: 3, sellKw: 2, priceMwh: price });
        expect(JSON.stringify(members)).to.equal(before);
      }),
      { numRuns: 100 },
    );
  });
});

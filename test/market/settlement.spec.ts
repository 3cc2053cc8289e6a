import { expect } from 'chai';
import fc from 'fast-check';
import { agentId, busId } from '../../core/units.ts';
import { formatMoney } from '../../core/money.ts';
import { doubleAuction } from '../../market/auction.ts';
import { buildOrderBook } from '../../market/orderBook.ts';
import { paymentOf, settle } from '../../market/settlement.ts';
import { type Bid, type ClearingResult, DEFAULT_RULES, type MarketRules, type OrderBook } from '../../market/types.ts';

const main = busId('main');
const bid = (agent: string, side: 'buy' | 'sell', priceMwh: number, quantityKw: number, bus = main): Bid => ({
  id: agent,
  agentId: agentId(agent),
  bus,
  interval: 0,
  segments: [{ side, priceMwh, quantityKw }],
});
const book = (bids: Bid[], rules: MarketRules = DEFAULT_RULES, durationH = 0.25, buses = [main]): OrderBook =>
  buildOrderBook(bids, { interval: 0, durationH, rules, buses, isKnownAgent: () => true }).book;

describe('settle', () => {
  it('uniform price, by hand: 15 minutes at 45.67 /MWh', () => {
    // Buyer 3.333 kW, sellers 2 kW @ 30 and 1.333 kW of 4 kW @ 45.67 (the marginal, partly accepted offer).
    const b = book([bid('home', 'buy', 120, 3.333), bid('cheap', 'sell', 30, 2), bid('peaker', 'sell', 45.67, 4)]);
    const r = doubleAuction(b);
    expect(r.busPriceMwh[0]).to.equal(45.67);
    const s = settle(b, r);
    // home: 3.333 kW × 0.25 h × 45.67 /MWh / 1000 = 0.0380545275
    expect(formatMoney(paymentOf(s, 0))).to.equal('0.0380545275');
    // cheap: −2 × 0.25 × 45.67 / 1000 = −0.022835; peaker: −1.333 × 0.25 × 45.67 / 1000 = −0.0152195275
    expect(formatMoney(paymentOf(s, 1))).to.equal('-0.022835');
    expect(formatMoney(paymentOf(s, 2))).to.equal('-0.0152195275');
    expect(formatMoney(s.buyersPay)).to.equal('0.0380545275');
    expect(formatMoney(s.sellersReceive)).to.equal('0.0380545275');
    expect(s.merchandisingSurplus.isZero()).to.equal(true);
    expect(s.imbalance.isZero()).to.equal(true);
  });

  it('pay-as-bid, by hand: each pays or is paid its own price; the spread is the surplus', () => {
    const rules = { ...DEFAULT_RULES, pricing: 'pay-as-bid' as const };
    const b = book([bid('home', 'buy', 100, 4), bid('cheap', 'sell', 30, 2), bid('mid', 'sell', 50, 2)], rules, 1);
    const s = settle(b, doubleAuction(b));
    // home pays 4 × 100 / 1000 = 0.4; cheap gets 2 × 30 / 1000 = 0.06; mid gets 2 × 50 / 1000 = 0.1
    expect([0, 1, 2].map((b) => formatMoney(paymentOf(s, b)))).to.deep.equal(['0.4', '-0.06', '-0.1']);
    expect([0, 1, 2].map((b) => s.unit.format(s.paymentUnits[b]!))).to.deep.equal(['0.4', '-0.06', '-0.1']);
    expect(formatMoney(s.merchandisingSurplus)).to.equal('0.24');
    expect(s.imbalance.isZero()).to.equal(true);
  });

  it('nodal prices: the congestion rent is Σ price × net withdrawal by bus', () => {
    // A hand-made two-bus result: 10 kW flow from A (price 20) to B (price 50).
    const a = busId('A');
    const bB = busId('B');
    const b = book([bid('gen', 'sell', 20, 10, a), bid('load', 'buy', 80, 10, bB)], DEFAULT_RULES, 1, [a, bB]);
    const result: ClearingResult = {
      interval: 0,
      status: 'cleared',
      message: '',
      mechanism: 'lp-dispatch',
      awardedQuanta: Float64Array.from([10_000, 10_000]),
      busPriceMwh: Float64Array.from([20, 50]),
      flows: [],
      welfare: 0.6,
    };
    const s = settle(b, result);
    expect(formatMoney(s.buyersPay)).to.equal('0.5');
    expect(formatMoney(s.sellersReceive)).to.equal('0.2');
    expect(formatMoney(s.merchandisingSurplus)).to.equal('0.3'); // 10 kW × (50 − 20) / 1000
    expect(s.imbalance.isZero()).to.equal(true);
  });

  it('refuses, with a clear error, amounts it could not hold exactly (past 2^53 units)', () => {
    const rules = { ...DEFAULT_RULES, quantumKw: 1e-6, priceTickMwh: 1e-4, priceCapMwh: 5000 };
    const b = book([bid('big', 'buy', 4999, 9e6), bid('gen', 'sell', 1234.5678, 9e6)], rules, 1);
    expect(() => settle(b, doubleAuction(b))).to.throw(RangeError, /exceeds 2\^53 units .* coarser quantum or price tick/);
  });

  it('totals past 2^53 units stay exact when every bid is below it (the running sums leave floats for BigInt)', () => {
    // 1 µW quanta, 0.0001 ticks, 1 h: unit 1e-13. Three buys and three sells of 90.000001 kW at 4500.0001 /MWh:
    // 90,000,001 × 45,000,001 = 4,050,000,135,000,001 units each (< 2^53); three = 12,150,000,405,000,003 (> 2^53, odd: no float holds it).
    const rules = { ...DEFAULT_RULES, quantumKw: 1e-6, priceTickMwh: 1e-4, priceCapMwh: 5000 };
    const names = ['b1', 'b2', 'b3', 's1', 's2', 's3'];
    const b = book(names.map((n) => bid(n, n[0] === 'b' ? 'buy' : 'sell', 4500.0001, 90.000001)), rules, 1);
    const result: ClearingResult = { interval: 0, status: 'cleared', message: '', mechanism: 'double-auction', awardedQuanta: new Float64Array(6).fill(90_000_001), busPriceMwh: Float64Array.from([4500.0001]), flows: [], welfare: 0 };
    const s = settle(b, result);
    expect(formatMoney(paymentOf(s, 0))).to.equal('405.0000135000001');
    expect(formatMoney(s.buyersPay)).to.equal('1215.0000405000003');
    expect(formatMoney(s.sellersReceive)).to.equal('1215.0000405000003');
    expect(s.imbalance.isZero()).to.equal(true);
  });

  it('property: every interval closes exactly, under both pricing rules, and per-bid payments sum to the totals', () => {
    const seg = fc.record({
      side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
      price: fc.integer({ min: -50_000, max: 300_000 }).map((c) => c / 100),
      kw: fc.integer({ min: 0, max: 5_000_000 }).map((w) => w / 1000),
    });
    fc.assert(
      fc.property(fc.array(fc.array(seg, { minLength: 1, maxLength: 4 }), { maxLength: 30 }), fc.constantFrom('uniform', 'pay-as-bid'), fc.constantFrom(0.25, 0.5, 1), (curves, pricing, h) => {
        const rules = { ...DEFAULT_RULES, pricing: pricing as 'uniform' | 'pay-as-bid' };
        const bids: Bid[] = curves.map((c, i) => ({
          id: `b${i}`,
          agentId: agentId(`a${i}`),
          bus: main,
          interval: 0,
          segments: c.map((s) => ({ side: s.side, priceMwh: s.price, quantityKw: s.kw })),
        }));
        const b = book(bids, rules, h);
        const s = settle(b, doubleAuction(b));
        expect(s.imbalance.isZero()).to.equal(true);
        if (pricing === 'uniform') expect(s.merchandisingSurplus.isZero()).to.equal(true);
        else expect(s.merchandisingSurplus.isNegative()).to.equal(false); // buyers never pay less than sellers get
        const net = bids.reduce((acc, _, k) => acc.plus(paymentOf(s, k)), s.buyersPay.minus(s.buyersPay));
        expect(net.equals(s.buyersPay.minus(s.sellersReceive))).to.equal(true);
        for (let k = 0; k < bids.length; k++) expect(s.unit.format(s.paymentUnits[k]!)).to.equal(formatMoney(paymentOf(s, k)));
      }),
    );
  });
});

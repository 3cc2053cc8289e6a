/**
 * Every RejectionCode, each produced by the real entry point that issues it: the order
 * book (market/orderBook.ts), the gate (market/gate.ts) or the day-ahead checks
 * (market/dayAhead/validate.ts). The table is a `Record<RejectionCode, …>`, so a new
 * code without a case here does not type-check. For segment problems the strategy guard
 * must give the same reason as the book: both call market/segment.ts.
 */
import { expect } from 'chai';
import { from } from 'rxjs';
import { simTime } from '../../core/time.ts';
import { agentId, busId } from '../../core/units.ts';
import { rampFollowable, rampProblem, validateIntertemporalBids, type ValidationContext } from '../../market/dayAhead/validate.ts';
import type { IntertemporalBid } from '../../market/dayAhead/types.ts';
import { gateClosure, type GateOutput } from '../../market/gate.ts';
import { buildOrderBook, type OrderBookContext } from '../../market/orderBook.ts';
import { MAX_SEGMENT_QUANTA } from '../../market/segment.ts';
import { type Bid, type BidSegment, DEFAULT_RULES, type RejectionCode } from '../../market/types.ts';
import { invalidAnswer } from '../../strategies/guard.ts';
import type { MarketView } from '../../strategies/types.ts';
import { battery, car as ev } from '../helpers/dayAhead.ts';
import { branded } from '../helpers/units.ts';

const RULES = DEFAULT_RULES; // cap 3000, floor −500, quantum 0.001 kW
const BOOK: OrderBookContext = { interval: 7, durationH: 0.25, rules: RULES, buses: [busId('main')], isKnownAgent: (a) => a !== 'stranger' };
const bid = (segments: readonly unknown[], over: Partial<Bid> = {}): Bid => ({
  id: 'b1',
  agentId: agentId('a1'),
  bus: busId('main'),
  interval: 7,
  segments: segments as readonly BidSegment[],
  ...over,
});
const ok: BidSegment = { side: 'buy', priceMwh: 50, quantityKw: 1 };

/** The book's rejections of `bids`, in order. */
const book = (...bids: Bid[]) => buildOrderBook(bids, BOOK).rejections;

/** What the strategy guard says of the same segments, in a market with the book's rules. */
const MARKET: MarketView = branded<MarketView>({
  interval: { index: 7, start: 0, durationH: 0.25 },
  priceCapMwh: RULES.priceCapMwh,
  priceFloorMwh: RULES.priceFloorMwh,
  quantumKw: RULES.quantumKw,
  lastPriceMwh: undefined,
  priceForecastMwh: [],
  conditions: { outdoorC: 20, ghiWm2: 0 },
});

const DAY: ValidationContext = {
  horizon: { firstInterval: 0, intervalCount: 2, durationH: 1 },
  rules: RULES,
  isKnownBus: (b) => b === 'A' || b === 'B',
  isKnownAgent: () => true,
};
/** The day-ahead rejections of `bids`. */
const dayAhead = (...bids: IntertemporalBid[]) => validateIntertemporalBids(bids, DAY).rejections;

interface Case {
  /** The rejection (code and reason) the entry point issued. */
  readonly issue: () => { readonly code: RejectionCode; readonly reason: string } | undefined;
  readonly reason: RegExp;
  /** A curve whose first bad segment the guard must describe exactly as the book does. */
  readonly segments?: readonly unknown[];
}

const segmentCase = (segment: unknown, reason: RegExp): Case => ({ issue: () => book(bid([ok, segment]))[0], reason, segments: [ok, segment] });

const CASES: Record<RejectionCode, Case> = {
  'empty-curve': { issue: () => book(bid([]))[0], reason: /^the bid has no segments$/ },
  'malformed-segment': segmentCase(null, /^segment 1 is not an object, got null$/),
  'invalid-side': segmentCase({ ...ok, side: 'both' }, /^segment 1: side must be 'buy' or 'sell', got "both"$/),
  'non-finite-price': segmentCase({ ...ok, priceMwh: NaN }, /^segment 1: price must be a finite number, got NaN$/),
  'non-finite-quantity': segmentCase({ ...ok, quantityKw: Infinity }, /^segment 1: quantity must be a finite number, got Infinity$/),
  'negative-quantity': segmentCase({ ...ok, quantityKw: -2 }, /^segment 1: quantity must be ≥ 0 kW, got -2$/),
  'quantity-too-large': segmentCase({ ...ok, quantityKw: (MAX_SEGMENT_QUANTA + 1) * RULES.quantumKw }, /^segment 1: quantity \S+ kW exceeds \S+ kW, the most one segment may hold$/),
  'price-above-cap': segmentCase({ ...ok, priceMwh: 3000.01 }, /^segment 1: price 3000.01 is above the cap 3000$/),
  'price-below-floor': segmentCase({ ...ok, priceMwh: -501 }, /^segment 1: price -501 is below the floor -500$/),
  'unknown-agent': { issue: () => book(bid([ok], { agentId: agentId('stranger') }))[0], reason: /^agent 'stranger' is not registered in this market$/ },
  'unknown-bus': { issue: () => book(bid([ok], { bus: busId('nowhere') }))[0], reason: /^bus 'nowhere' is not in the network$/ },
  'unknown-interval': { issue: () => book(bid([ok], { interval: 8 }))[0], reason: /^bid is for interval 8, the book is for interval 7$/ },
  'duplicate-bid-id': { issue: () => book(bid([ok]), bid([ok], { agentId: agentId('a2') }))[0], reason: /^bid id 'b1' was already used in this interval$/ },
  'gate-closed': {
    issue: () => {
      const out: GateOutput[] = [];
      from([
        { type: 'close' as const, interval: 7, at: simTime(95) },
        { type: 'bid' as const, bid: bid([ok]), submittedAt: simTime(96) },
      ])
        .pipe(gateClosure(() => simTime(95)))
        .subscribe((o) => out.push(o));
      const late = out.find((o) => o.type === 'rejected');
      return late?.type === 'rejected' ? late.rejection : undefined;
    },
    reason: /^arrived after the gate of interval 7 closed at 1970-01-01T00:00:00.095Z \(stamped 1970-01-01T00:00:00.096Z\)$/,
  },
  'invalid-parameter': { issue: () => dayAhead({ ...battery, chargeEfficiency: 1.2 })[0], reason: /chargeEfficiency/ },
  'outside-horizon': { issue: () => dayAhead({ ...ev, firstInterval: 1, lastInterval: 2 })[0], reason: /^window 1–2 is not inside the horizon 0–1$/ },
  'final-soc-unreachable': { issue: () => dayAhead({ ...battery, finalSocMinKwh: 90 })[0], reason: /^final SoC 90 kWh cannot be reached/ },
  'energy-need-unreachable': { issue: () => dayAhead({ ...ev, energyNeededKwh: 25 })[0], reason: /^needs 25 kWh but 2 interval\(s\)/ },
  'block-longer-than-window': {
    issue: () => dayAhead({ kind: 'shiftable', id: 'washer', agentId: agentId('wm'), bus: busId('A'), powerKw: 2, runIntervals: 3, firstInterval: 0, lastInterval: 1, valueMwh: 300 })[0],
    reason: /^runs 3 intervals but its window 0–1 has 2$/,
  },
  'unknown-parent-block': {
    issue: () => dayAhead({ kind: 'block', id: 'child', agentId: agentId('c'), bus: busId('A'), side: 'buy', firstInterval: 0, quantitiesKw: [1, 1], priceMwh: 50, parentId: 'missing' })[0],
    reason: /^parent block 'missing' is not an accepted block order of this book$/,
  },
  'ramp-infeasible': {
    issue: () => rampProblem({ id: 'g', agentId: agentId('g'), rampUpKw: 10, rampDownKw: 10, initialKw: 300 }) ?? rampFollowable({ id: 'g', agentId: agentId('g'), rampUpKw: 10, rampDownKw: 10, initialKw: 300 }, new Float64Array([100, 100])),
    reason: /^from 300 kW, ramping down at most 10 kW per interval, it must still produce 290 kW in horizon interval 0 where its offers total 100 kW$/,
  },
};

describe('rejections: every RejectionCode from the entry point that issues it', () => {
  for (const [code, c] of Object.entries(CASES) as [RejectionCode, Case][]) {
    it(`${code}${c.segments ? ' (book and strategy guard alike)' : ''}`, () => {
      const r = c.issue();
      expect(r, 'a rejection').to.not.equal(undefined);
      expect(r!.code).to.equal(code);
      expect(r!.reason).to.match(c.reason);
      if (c.segments) expect(invalidAnswer(c.segments, MARKET)).to.equal(r!.reason);
    });
  }

  it('a valid bid passes the book and the guard, and the rest of a book clears past a rejected bid', () => {
    expect(invalidAnswer([ok, { side: 'sell', priceMwh: -500, quantityKw: 0 }], MARKET)).to.equal(undefined);
    const { book: b, rejections } = buildOrderBook([bid([ok]), bid([{ ...ok, priceMwh: NaN }], { id: 'b2' }), bid([ok], { id: 'b3' })], BOOK);
    expect(rejections.map((r) => [r.bidId, r.code])).to.deep.equal([['b2', 'non-finite-price']]);
    expect(b.bids.map((x) => x.id)).to.deep.equal(['b1', 'b3']);
  });
});

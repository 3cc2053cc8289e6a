/**
 * Phase 3, positions (engine/interval/positions.ts): `marketPositions` sums each bid's
 * settlement into its party's position. Given `bidParty` (the party of each accepted bid,
 * recorded by `addPartyBids` while the book is built), it must write exactly what it writes
 * reading the parties from the bid objects (the straightforward way) — with rejected bids
 * in the stream (so book order is not submission order), intermediaries bidding at several
 * buses, parties with several bids, and a `bidParty` array reused from a larger interval.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { type BusId, agentId, busId } from '../../core/units.ts';
import { clear } from '../../market/clear.ts';
import { OrderBookBuilder } from '../../market/orderBook.ts';
import { settle } from '../../market/settlement.ts';
import { DEFAULT_RULES, type Rejection } from '../../market/types.ts';
import type { PartyBid } from '../../engine/interval/collectBids.ts';
import { IntervalLedger } from '../../engine/interval/ledger.ts';
import { addPartyBids, marketPositions } from '../../engine/interval/positions.ts';

const BUSES: BusId[] = ['n1', 'n2', 'n3'].map(busId);
const busIndex = new Map(BUSES.map((b, k) => [b, k]));

const segment = fc.record({
  side: fc.constantFrom('buy' as const, 'sell' as const),
  // Prices on and off the tick, some outside [floor, cap] (rejected): DEFAULT_RULES' cap is 3000.
  priceMwh: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constantFrom(-1e6, 1e6)),
  quantityKw: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constant(-3)),
});
const scenario = fc
  .record({
    parties: fc.integer({ min: 1, max: 12 }),
    intermediaries: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }),
    bids: fc.array(fc.record({ party: fc.nat(), bus: fc.integer({ min: 0, max: 2 }), segments: fc.array(segment, { minLength: 1, maxLength: 3 }) }), { maxLength: 40 }),
    spare: fc.integer({ min: 0, max: 8 }),
  })
  .map((s) => ({ ...s, intermediaries: s.intermediaries.filter((i) => i < s.parties) }));

describe('marketPositions with the bids’ parties recorded as the book is built (engine/interval/positions.ts)', () => {
  it('writes the same ledger as reading each bid’s party from the bid (fast-check)', () => {
    fc.assert(
      fc.property(scenario, ({ parties, intermediaries, bids, spare }) => {
        const isIntermediary = new Uint8Array(parties);
        for (const i of intermediaries) isIntermediary[i] = 1;
        // An agent at its one bus; an intermediary at any (−1: no bus of its own).
        const partyBus = Int32Array.from({ length: parties }, (_, i) => (isIntermediary[i] ? -1 : i % BUSES.length));
        const partyBids: PartyBid[] = bids.map((b, k) => {
          const party = b.party % parties;
          const bus = isIntermediary[party] ? BUSES[b.bus]! : BUSES[partyBus[party]!]!;
          return { id: `b${k}`, agentId: agentId(`a${party}`), bus, interval: 0, segments: b.segments, party };
        });
        const builder = new OrderBookBuilder({ interval: 0, durationH: 0.25, rules: DEFAULT_RULES, buses: BUSES, isKnownAgent: () => true, trustedIdentities: true }, 16);
        const rejections: Rejection[] = [];
        // A reused array, longer than this book's bids and holding stale parties past them.
        const stale = new Int32Array(partyBids.length + spare).fill(parties + 99);
        const bidParty = addPartyBids(builder, partyBids, rejections, spare > 0 ? stale : undefined);
        const book = builder.build();
        expect(book.bids.length + rejections.length).to.equal(partyBids.length);
        for (let b = 0; b < book.bids.length; b++) expect(bidParty[b]).to.equal((book.bids[b] as PartyBid).party);
        const result = clear(book, 'double-auction', undefined);
        const settlement = settle(book, result);

        const viaBids = new IntervalLedger(parties, settlement.unit, DEFAULT_RULES.quantumKw);
        marketPositions(viaBids, book, result, settlement, partyBus, isIntermediary, busIndex);
        const viaArray = new IntervalLedger(parties, settlement.unit, DEFAULT_RULES.quantumKw);
        marketPositions(viaArray, book, result, settlement, partyBus, isIntermediary, busIndex, bidParty);
        for (const k of ['buyQuanta', 'sellQuanta', 'rtUnits', 'priceMwh'] as const) expect(Array.from(viaArray[k]), k).to.deep.equal(Array.from(viaBids[k]));
        expect(viaArray.busPositions).to.deep.equal(viaBids.busPositions);
        // And both are the plain sums over each party's bids.
        const buy = new Array<number>(parties).fill(0);
        book.bids.forEach((bid, b) => (buy[(bid as PartyBid).party]! += settlement.buyQuanta[b]!));
        expect(Array.from(viaArray.buyQuanta)).to.deep.equal(buy);
      }),
      { numRuns: 300 },
    );
  });
});

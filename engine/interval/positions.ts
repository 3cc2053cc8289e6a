/**
 * Phase 3, positions: the real-time settlement of the book, bid by bid, becomes each
 * market party's position and payment (an agent trading itself, or an intermediary at
 * each bus it bid at), and each party's price is its bus's clearing price.
 */
import type { BusId } from '../../core/units.ts';
import type { Settlement } from '../../market/settlement.ts';
import type { OrderBookBuilder } from '../../market/orderBook.ts';
import type { ClearingResult, OrderBook, Rejection } from '../../market/types.ts';
import type { PartyBid } from './collectBids.ts';
import type { IntervalLedger } from './ledger.ts';

/**
 * Writes the real-time positions into `ledger`: buy and sell quanta and payment units per
 * party (summed over its bids), per intermediary and bus (`busPositions`), and every
 * agent's price (its bus's; `partyBus[i]` < 0 for intermediaries). Pure apart from the ledger.
 *
 * `bidParty[b]`, when given, is the party of `book.bids[b]` (`addPartyBids`): then the bid objects are read only for the intermediaries' bids (their
 * bus). Why: by the time the book is settled the bids (one object per agent) have left the
 * cache, and at a few hundred thousand agents reading each one's `party` cost more than the
 * rest of the phase (issue 16).
 */
export function marketPositions(
  ledger: IntervalLedger,
  book: OrderBook,
  result: ClearingResult,
  settlement: Settlement,
  partyBus: Int32Array,
  isIntermediary: Uint8Array,
  busIndex: ReadonlyMap<BusId, number>,
  bidParty?: Int32Array,
): void {
  const bids = book.bids;
  const { buyQuanta, sellQuanta, rtUnits } = ledger;
  const bidBuy = settlement.buyQuanta;
  const bidSell = settlement.sellQuanta;
  const bidUnits = settlement.paymentUnits;
  for (let b = 0; b < bids.length; b++) {
    const i = bidParty !== undefined ? bidParty[b]! : (bids[b] as PartyBid).party;
    const buy = bidBuy[b]!;
    const sell = bidSell[b]!;
    const units = bidUnits[b]!;
    buyQuanta[i]! += buy;
    sellQuanta[i]! += sell;
    rtUnits[i]! += units;
    if (isIntermediary[i]) {
      const bid = bids[b]!;
      const pos = ledger.busPosition(i, bid.bus, busIndex.get(bid.bus)!);
      pos.buyQuanta += buy;
      pos.sellQuanta += sell;
      pos.rtUnits += units;
    }
  }
  const price = ledger.priceMwh;
  const busPrice = result.busPriceMwh;
  for (let i = 0; i < partyBus.length; i++) {
    const k = partyBus[i]!;
    if (k >= 0) price[i] = busPrice[k]!;
  }
}


/**
 * Adds `bids` to the book being built (each rejection to `rejections`) and returns the party
 * of each accepted bid in book order, `book.bids[b]`'s at `[b]`, for `marketPositions`: read
 * here, where `builder.add` has just brought the bid into the cache. Into `into` when it is
 * long enough (an earlier interval's, no longer read), else a new array; slots past the
 * accepted bids are left as they were.
 */
export function addPartyBids(builder: OrderBookBuilder, bids: readonly PartyBid[], rejections: Rejection[], into?: Int32Array): Int32Array {
  const bidParty = into !== undefined && into.length >= bids.length ? into : new Int32Array(bids.length);
  let accepted = 0;
  for (const bid of bids) {
    const r = builder.add(bid);
    if (r) rejections.push(r);
    else bidParty[accepted++] = bid.party;
  }
  return bidParty;
}

/**
 * Phase 3, positions: the real-time settlement of the book, bid by bid, becomes each
 * market party's position and payment (an agent trading itself, or an intermediary at
 * each bus it bid at), and each party's price is its bus's clearing price.
 */
import type { BusId } from '../../core/units.ts';
import type { Settlement } from '../../market/settlement.ts';
import type { ClearingResult, OrderBook } from '../../market/types.ts';
import type { PartyBid } from './collectBids.ts';
import type { IntervalLedger } from './ledger.ts';

/**
 * Writes the real-time positions into `ledger`: buy and sell quanta and payment units per
 * party (summed over its bids), per intermediary and bus (`busPositions`), and every
 * agent's price (its bus's; `partyBus[i]` < 0 for intermediaries). Pure apart from the ledger.
 */
export function marketPositions(ledger: IntervalLedger, book: OrderBook, result: ClearingResult, settlement: Settlement, partyBus: Int32Array, isIntermediary: Uint8Array, busIndex: ReadonlyMap<BusId, number>): void {
  for (let b = 0; b < book.bids.length; b++) {
    const bid = book.bids[b] as PartyBid;
    const i = bid.party;
    const buy = settlement.buyQuanta[b]!;
    const sell = settlement.sellQuanta[b]!;
    const units = settlement.paymentUnits[b]!;
    ledger.buyQuanta[i]! += buy;
    ledger.sellQuanta[i]! += sell;
    ledger.rtUnits[i]! += units;
    if (isIntermediary[i]) {
      const pos = ledger.busPosition(i, bid.bus, busIndex.get(bid.bus)!);
      pos.buyQuanta += buy;
      pos.sellQuanta += sell;
      pos.rtUnits += units;
    }
  }
  for (let i = 0; i < partyBus.length; i++) if (partyBus[i]! >= 0) ledger.priceMwh[i] = result.busPriceMwh[partyBus[i]!]!;
}

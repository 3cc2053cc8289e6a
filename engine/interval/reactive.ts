/**
 * Phase 3b, reactive energy: on a LinDistFlow feeder cleared by the LP, each market party's
 * kvar (its consumption's tan φ × awarded kW, less its inverter's Q) is settled at its bus's
 * reactive price in the real-time stage (market/reactiveSettlement.ts), and what it pays or
 * receives for it is added to its cost (`costExtra`), beside its energy at the DLMP.
 *
 * Who: the party whose bid the LP cleared, as for active energy: an agent trading itself, or
 * an aggregator or retailer for the curve it bid (whose kvar is its own kind's power factor's:
 * the clearing gives an intermediary's bid the tan φ of its kind, not its members', so there is
 * nothing yet to pass through to members or customers). Pure apart from the ledger.
 */
import { type Money, ZERO } from '../../core/money.ts';
import { type ReactiveSettlement, reactiveMoney } from '../../market/reactiveSettlement.ts';
import type { OrderBook } from '../../market/types.ts';
import type { PartyBid } from './collectBids.ts';
import type { IntervalLedger } from './ledger.ts';

/** The interval's reactive settlement per party. */
export interface PartyReactive {
  /** The stage as settled from the book (bus totals, the substation, the rent). */
  readonly stage: ReactiveSettlement;
  /** Per party: its net reactive withdrawal, kvar (+ absorbed/consumed, − injected); undefined for a party without a bid. */
  readonly kvar: Array<Money | undefined>;
  /** Per party: the reactive price it settled at, currency/Mvarh (its bid's bus's; NaN without a bid). */
  readonly priceMvarh: Float64Array;
  /** Per party: what it pays for its kvar (+) or receives (−), × `stage.divisor` (exact). */
  readonly scaled: Array<Money | undefined>;
}

/** Writes `stage` into the parties' costs (`ledger.costExtra`, added) and returns it per party. */
export function reactivePositions(ledger: IntervalLedger, book: OrderBook, stage: ReactiveSettlement): PartyReactive {
  const n = ledger.parties;
  const kvar = new Array<Money | undefined>(n).fill(undefined);
  const scaled = new Array<Money | undefined>(n).fill(undefined);
  const priceMvarh = new Float64Array(n).fill(NaN);
  const busOf = new Map<string, number>(book.buses.map((b, k) => [b, k]));
  for (let b = 0; b < book.bids.length; b++) {
    const bid = book.bids[b] as PartyBid;
    const i = bid.party;
    kvar[i] = (kvar[i] ?? ZERO).plus(stage.bidKvar[b]!);
    scaled[i] = (scaled[i] ?? ZERO).plus(stage.bidScaled[b]!);
    priceMvarh[i] = stage.priceMvarh[busOf.get(bid.bus)!]!;
  }
  for (let i = 0; i < n; i++) {
    const s = scaled[i];
    if (s === undefined || s.isZero()) continue;
    ledger.costExtra[i] = (ledger.costExtra[i] ?? ZERO).plus(reactiveMoney(s, stage.divisor));
  }
  return { stage, kvar, priceMvarh, scaled };
}

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
import { ZERO } from '../../core/money.ts';
import { type ReactiveSettlement, reactiveMoneyOf } from '../../market/reactiveSettlement.ts';
import type { OrderBook } from '../../market/types.ts';
import type { PartyBid } from './collectBids.ts';
import type { IntervalLedger } from './ledger.ts';

/** The interval's reactive settlement per party. */
export interface PartyReactive {
  /** The stage as settled from the book (bus totals, the substation, the rent). */
  readonly stage: ReactiveSettlement;
  /** Per party: its net reactive withdrawal in millionths of a quantum (+ absorbed/consumed, − injected; `kvarOf`); NaN for a party without a bid. */
  readonly kvarMicro: Float64Array;
  /** Per party: the reactive price it settled at, currency/Mvarh (its bid's bus's; NaN without a bid). */
  readonly priceMvarh: Float64Array;
  /** Per party: what it pays for its kvar (+) or receives (−), millionths of a quantum × ticks, exact (`reactiveMoneyOf`). */
  readonly microTicks: ReadonlyArray<bigint>;
}

/** Writes `stage` into the parties' costs (`ledger.costExtra`, added) and returns it per party. */
export function reactivePositions(ledger: IntervalLedger, book: OrderBook, stage: ReactiveSettlement): PartyReactive {
  const n = ledger.parties;
  const kvarMicro = new Float64Array(n).fill(NaN);
  const microTicks = new Array<bigint>(n).fill(0n);
  const priceMvarh = new Float64Array(n).fill(NaN);
  for (let b = 0; b < book.bids.length; b++) {
    const i = (book.bids[b] as PartyBid).party;
    kvarMicro[i] = (Number.isNaN(kvarMicro[i]!) ? 0 : kvarMicro[i]!) + stage.bidKvarMicro[b]!;
    const m = stage.bidMicroTicks[b]!;
    if (m !== 0n) microTicks[i] = microTicks[i]! + m;
    priceMvarh[i] = stage.priceMvarh[stage.bidBus[b]!]!;
  }
  for (let i = 0; i < n; i++) {
    const m = microTicks[i]!;
    if (m === 0n) continue;
    ledger.costExtra[i] = (ledger.costExtra[i] ?? ZERO).plus(reactiveMoneyOf(stage, m));
  }
  return { stage, kvarMicro, priceMvarh, microTicks };
}

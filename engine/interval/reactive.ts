/**
 * Phase 3b, reactive energy: on a LinDistFlow feeder cleared by the LP, each market party's
 * kvar (its consumption's tan φ × awarded kW, less its inverter's Q) is settled at its bus's
 * reactive price in the real-time stage (market/reactiveSettlement.ts), and what it pays or
 * receives for it is added to its cost (`costExtra`), beside its energy at the DLMP.
 *
 * Who: the party whose bid the LP cleared, as for active energy: an agent trading itself, or
 * an aggregator or retailer for the curve it bid. An aggregator bids its members per bus and
 * power factor (agents/aggregator), so the clearing draws its members' tan φ; after the split
 * (phase 4) it passes that money through to them by its contract's rule for energy
 * (`passThroughReactive`). A retailer's bid draws its customers' tan φ weighted by their declared
 * consumption (engine/simulation.ts `customerBooks`), and it pays that kvar itself: its customers
 * pay their tariff. Pure apart from the ledger.
 */
import { ZERO } from '../../core/money.ts';
import type { BusId } from '../../core/units.ts';
import type { MemberShare } from '../../agents/types.ts';
import { microTimesTicks, type ReactiveSettlement, reactiveMoneyOf } from '../../market/reactiveSettlement.ts';
import type { OrderBook } from '../../market/types.ts';
import type { PartyBid } from './collectBids.ts';
import type { IntervalLedger } from './ledger.ts';

/** The interval's reactive settlement per party. */
export interface PartyReactive {
  /** The stage as settled from the book (bus totals, the substation, the rent). */
  readonly stage: ReactiveSettlement;
  /** Per party: its net reactive withdrawal in millionths of a quantum (+ absorbed/consumed, − injected; `kvarOf`); NaN for a party without a bid or share. */
  readonly kvarMicro: Float64Array;
  /** Per party: the reactive price it settled at, currency/Mvarh (its bid's bus's; NaN without a bid, or for an intermediary whose bids span buses). */
  readonly priceMvarh: Float64Array;
  /**
   * Per party: what it pays for its kvar (+) or receives (−), millionths of a quantum × ticks, exact (`reactiveMoneyOf`):
   * for a party facing the market, to the market; for an aggregator's member, to its aggregator (`passThroughReactive`).
   */
  readonly microTicks: BigInt64Array;
}

/** Writes `stage` into the parties' costs (`ledger.costExtra`, added) and returns it per party. */
export function reactivePositions(ledger: IntervalLedger, book: OrderBook, stage: ReactiveSettlement): PartyReactive {
  const n = ledger.parties;
  const kvarMicro = new Float64Array(n).fill(NaN);
  const microTicks = new BigInt64Array(n);
  const priceMvarh = new Float64Array(n).fill(NaN);
  const busOfParty = new Int32Array(n).fill(-1);
  for (let b = 0; b < book.bids.length; b++) {
    const i = (book.bids[b] as PartyBid).party;
    kvarMicro[i] = (Number.isNaN(kvarMicro[i]!) ? 0 : kvarMicro[i]!) + stage.bidKvarMicro[b]!;
    const m = stage.bidMicroTicks[b]!;
    if (m !== 0n) microTicks[i] = microTicks[i]! + m;
    const k = stage.bidBus[b]!;
    // An intermediary bidding at several buses faced several reactive prices: its row names none (its bids' kvar is summed).
    priceMvarh[i] = busOfParty[i] === -1 || busOfParty[i] === k ? stage.priceMvarh[k]! : NaN;
    busOfParty[i] = k;
  }
  for (let i = 0; i < n; i++) {
    const m = microTicks[i]!;
    if (m === 0n) continue;
    ledger.costExtra[i] = (ledger.costExtra[i] ?? ZERO).plus(reactiveMoneyOf(stage, m));
  }
  return { stage, kvarMicro, priceMvarh, microTicks };
}

/**
 * An aggregator's reactive money passed through to its members, by the rule its contract applies to energy
 * (agents/aggregator/split.ts, pass-through): each member pays for its own share as if it had traded itself. Its kvar
 * is its tan φ (its kind's, 6 decimals, `kvarPerKw` per party) × its bought share, exact; at its bus's reactive price
 * as settled; added to its cost (`ledger.costExtra`, after its fee) and written into `reactive` per member.
 *
 * So at each bus, Σ members' kvar = the aggregator's bids' kvar there less its own position's (award − Σ shares, which
 * no member takes and which stays the aggregator's, as its energy does): with no own position, Σ members' reactive money
 * = the aggregator's, exactly (the books' identity (c)). Members sell at unity (their sells draw no kvar in the clearing).
 */
export function passThroughReactive(ledger: IntervalLedger, reactive: PartyReactive, shares: readonly MemberShare[], kvarPerKw: Float64Array, busIndex: ReadonlyMap<BusId, number>): void {
  const { stage } = reactive;
  for (const s of shares) {
    const m = s.member;
    const k = busIndex.get(s.bus)!;
    const micro = s.buyQuanta * Math.round(kvarPerKw[m]! * 1e6);
    reactive.kvarMicro[m] = micro;
    reactive.priceMvarh[m] = stage.priceMvarh[k]!;
    const t = stage.priceTicks[k]!;
    if (micro === 0 || t === 0) continue;
    const money = microTimesTicks(micro, t, `member ${m}'s share`);
    reactive.microTicks[m] = money;
    ledger.costExtra[m] = (ledger.costExtra[m] ?? ZERO).plus(reactiveMoneyOf(stage, money));
  }
}

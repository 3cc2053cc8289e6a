/**
 * Settlement of reactive energy on a LinDistFlow feeder cleared by the LP, exact: each party's
 * kvar at its bus's reactive price (the dual of the bus's Q balance, currency/Mvarh), in the
 * real-time stage's money beside its kW at the DLMP (Papavasiliou 2018; Bai et al. 2018: P at
 * the P-DLMP, Q at the Q-DLMP).
 *
 * Why: the LP clears a consumption segment at power factor < 1 against DLMP + tan φ × reactive
 * price (it draws tan φ kvar with each kW). Settled at the DLMP alone, a buy at 3000 at power
 * factor 0.99 cleared at a DLMP of 3291.26 with a reactive price of −2044.03 paid 3291.26/MWh,
 * above its bid; with its kvar settled it pays 3291.26 − 0.142492 × 2044.03 = 3000.00/MWh.
 *
 * Quantities and signs (+ withdraws Q and pays where the price is > 0, − injects and is paid):
 * - a consumption segment: tan φ × awarded kW, exact (tan φ enters as its float's shortest
 *   decimal, the number the LP used);
 * - an inverter (market/inverters.ts, `clearing` or `volt-var`): − its Q (Q > 0 supplies vars),
 *   rounded once to whole quanta of the power quantum, as the feeder's losses are;
 * - the substation supplies the net kvar of the feeder (LinDistFlow is lossless) at the
 *   reference bus's reactive price (0 with its free reactive column: the upstream grid's Q is
 *   not scarce in this model).
 * Prices are rounded once, here, to whole ticks (`priceTickMwh`, read as currency/Mvarh).
 * Money = kvar × Δt × price / 1000, exact (decimal.js). Amounts are kept as `MoneyUnit` numerators
 * (× its divisor: a 5-, 10- or 20-minute interval's unit is a third of a decimal), so that sums of
 * them are exact whatever the interval; `reactiveMoney` divides one for the files:
 *   Σ parties' payments − what the substation receives = rent = Σ_bus (price_bus − price_root) × kvar_bus,
 * the second path from bus totals. With the energy's congestion rent it is the LP's total rent,
 * ≥ 0 by duality (test/market/reactiveSettlement.spec.ts). Pure.
 */
import { type Money, money, ZERO } from '../core/money.ts';
import type { MoneyUnit } from '../core/money.ts';
import type { ClearingResult, OrderBook } from './types.ts';

export interface ReactiveSettlement {
  /** Per book bus: the reactive price settled at, currency/Mvarh on the tick; NaN where the clearing gave none. */
  readonly priceMvarh: Float64Array;
  /** Per bid (book.bids order): its owner's net reactive withdrawal, kvar (+ absorbed/consumed, − injected), exact. */
  readonly bidKvar: Money[];
  /** Per bid: what its owner pays for that kvar (+) or receives (−), × `divisor` (exact; `reactiveMoney` gives the amount). */
  readonly bidScaled: Money[];
  /** The interval's money unit's divisor (1, or 3 for 5, 10 and 20 minutes): every `…Scaled` amount is the money × this. */
  readonly divisor: 1 | 3;
  /** Per book bus: the parties' net reactive withdrawal there, kvar. */
  readonly busKvar: Money[];
  /** The reference bus (book index, −1 when not in the book) and what the substation supplies, kvar, and receives for it. */
  readonly substationBus: number;
  readonly substationKvar: Money;
  readonly substationReceivesScaled: Money;
  /** Σ of positive and of negative bid payments (the latter as a positive amount), × divisor. */
  readonly buyersPayScaled: Money;
  readonly sellersReceiveScaled: Money;
  /** Σ_bus (price_bus − price_root) × kvar_bus × Δt / 1000, from bus totals, × divisor. */
  readonly rentScaled: Money;
  /** kvarh absorbed/consumed (Σ positive bid kvar × Δt) and injected (Σ negative, as a positive amount). */
  readonly kvarhBought: Money;
  readonly kvarhSold: Money;
}

/**
 * `book`'s reactive settlement as `result` cleared it, or undefined where the clearing priced no
 * reactive power (no feeder, no Q rows, no LP prices: a unity-power-factor book, the double
 * auction, a DC network, a failed clearing). `unit`: the interval's money per (quantum × tick).
 */
export function settleReactive(book: OrderBook, result: ClearingResult, unit: MoneyUnit): ReactiveSettlement | undefined {
  const f = result.feeder;
  if (!f || result.status !== 'cleared') return undefined;
  const nBus = book.buses.length;
  const tick = book.rules.priceTickMwh;
  const q = book.rules.quantumKw;
  const priceMvarh = new Float64Array(nBus).fill(NaN);
  const ticks = new Float64Array(nBus);
  const feederBus = new Map<string, number>(f.busIds.map((b, k) => [b, k]));
  let priced = false;
  for (let k = 0; k < nBus; k++) {
    const fk = feederBus.get(book.buses[k]!);
    const p = fk === undefined ? NaN : f.reactivePriceMvarh[fk]!;
    if (Number.isNaN(p)) continue;
    priced = true;
    ticks[k] = Math.round(p / tick);
    priceMvarh[k] = Number((ticks[k]! * tick).toPrecision(15)) + 0;
  }
  if (!priced) return undefined;
  const nBids = book.bids.length;
  const busOf = new Map<string, number>(book.buses.map((b, k) => [b, k]));
  // Kvar in quanta of the power quantum (exact decimals: tan φ × whole quanta), per bid and per bus.
  const bidQuanta: Money[] = new Array<Money>(nBids).fill(ZERO);
  const busQuanta: Money[] = new Array<Money>(nBus).fill(ZERO);
  const tan = f.segmentKvarPerKw;
  if (tan) {
    for (let i = 0; i < book.size; i++) {
      const a = result.awardedQuanta[i]!;
      const t = tan[i]!;
      if (a === 0 || t === 0) continue;
      // A buy withdraws tan φ kvar a kW (sells are at unity: their tan is 0).
      const kvarQuanta = money(book.isBuy[i] ? a : -a).times(money(t));
      const b = book.bidIndex[i]!;
      bidQuanta[b] = bidQuanta[b]!.plus(kvarQuanta);
      busQuanta[book.busIndex[i]!] = busQuanta[book.busIndex[i]!]!.plus(kvarQuanta);
    }
  }
  const inv = f.inverterAgents;
  if (inv && inv.agentId.length > 0) {
    const firstBid = new Map<string, number>();
    for (let b = nBids - 1; b >= 0; b--) firstBid.set(book.bids[b]!.agentId, b);
    for (let a = 0; a < inv.agentId.length; a++) {
      const quanta = Math.round(inv.kvar[a]! / q); // injected, whole quanta: rounded once here
      const b = firstBid.get(inv.agentId[a]!);
      if (quanta === 0 || b === undefined) continue;
      const k = busOf.get(book.bids[b]!.bus)!;
      bidQuanta[b] = bidQuanta[b]!.minus(quanta);
      busQuanta[k] = busQuanta[k]!.minus(quanta);
    }
  }
  const root = book.buses.indexOf(f.busIds[f.rootIndex]!);
  const rootTicks = root >= 0 ? ticks[root]! : 0;
  const perQuantum = unit.numerator; // money of one quantum (kvar) for Δt at one tick, × divisor
  const qDec = money(q);
  const bidKvar: Money[] = new Array<Money>(nBids);
  const bidScaled: Money[] = new Array<Money>(nBids);
  let buyersPay = ZERO;
  let sellersReceive = ZERO;
  let bought = ZERO;
  let sold = ZERO;
  for (let b = 0; b < nBids; b++) {
    const kq = bidQuanta[b]!;
    bidKvar[b] = kq.isZero() ? ZERO : kq.times(qDec);
    const m = kq.isZero() ? ZERO : kq.times(ticks[busOf.get(book.bids[b]!.bus)!]!).times(perQuantum);
    bidScaled[b] = m;
    if (m.isPositive() && !m.isZero()) buyersPay = buyersPay.plus(m);
    else if (m.isNegative()) sellersReceive = sellersReceive.minus(m);
    if (kq.isPositive() && !kq.isZero()) bought = bought.plus(bidKvar[b]!);
    else if (kq.isNegative()) sold = sold.minus(bidKvar[b]!);
  }
  let rentQuantaTicks = ZERO;
  let netQuanta = ZERO;
  for (let k = 0; k < nBus; k++) {
    rentQuantaTicks = rentQuantaTicks.plus(busQuanta[k]!.times(ticks[k]! - rootTicks));
    netQuanta = netQuanta.plus(busQuanta[k]!);
  }
  const h = money(Math.round(book.durationH * 60)).div(60);
  return {
    priceMvarh,
    bidKvar,
    bidScaled,
    divisor: unit.divisor,
    busKvar: busQuanta.map((x) => x.times(qDec)),
    substationBus: root,
    substationKvar: netQuanta.times(qDec),
    substationReceivesScaled: netQuanta.times(rootTicks).times(perQuantum),
    buyersPayScaled: buyersPay,
    sellersReceiveScaled: sellersReceive,
    rentScaled: rentQuantaTicks.times(perQuantum),
    kvarhBought: bought.times(h),
    kvarhSold: sold.times(h),
  };
}

/** An amount × divisor (`ReactiveSettlement`'s `…Scaled`) as money: exact where the unit is decimal, a third rounded at 60 digits otherwise. */
export const reactiveMoney = (scaled: Money, divisor: 1 | 3): Money => (divisor === 1 || scaled.isZero() ? scaled : scaled.div(divisor));

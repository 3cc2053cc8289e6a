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
 * - a consumption segment: tan φ × awarded kW, exact, tan φ on 6 decimals (as market/feederGrid.ts
 *   gives it to the LP; a tan φ with more decimals is rounded to 6 here, once);
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
import { type Money, money, type MoneyUnit, ZERO } from '../core/money.ts';
import type { ClearingResult, OrderBook } from './types.ts';

export interface ReactiveSettlement {
  /** Per book bus: the reactive price settled at, currency/Mvarh on the tick; NaN where the clearing gave none. */
  readonly priceMvarh: Float64Array;
  /** Per book bus: that price in whole ticks (0 where none). */
  readonly priceTicks: Float64Array;
  /**
   * Per bid (book.bids order): its owner's net reactive withdrawal in millionths of a power quantum (+ absorbed/consumed,
   * − injected), an exact integer: kvar = bidKvarMicro × quantumKw / 1e6 (`kvarOf`). Integers, not decimals, on the hot path.
   */
  readonly bidKvarMicro: Float64Array;
  /**
   * Per bid: what its owner pays for that kvar (+) or receives (−) in millionths of a quantum × ticks, an exact integer
   * (`reactiveMoneyOf` gives the amount: × the interval's unit ÷ 1e6).
   */
  readonly bidMicroTicks: BigInt64Array;
  /** Money × divisor of one millionth of a quantum for Δt at one tick: the unit's numerator ÷ 1e6. */
  readonly perMicroTick: Money;
  /** Per bid: its bus, book index. */
  readonly bidBus: Int32Array;
  /** The interval's money unit's divisor (1, or 3 for 5, 10 and 20 minutes): every `…Scaled` amount is the money × this. */
  readonly divisor: 1 | 3;
  /** kW per quantum, for `kvarOf`. */
  readonly quantumKw: number;
  /** Per book bus: the parties' net reactive withdrawal there, kvar. */
  readonly busKvar: Money[];
  /** The reference bus (book index, −1 when not in the book) and what the substation supplies, kvar, and receives for it. */
  readonly substationBus: number;
  readonly substationKvar: Money;
  readonly substationReceivesScaled: Money;
  /** The same, and the rent, as exact integers of millionths of a quantum × ticks (the books compare these). */
  readonly substationMicroTicks: bigint;
  readonly rentMicroTicks: bigint;
  /** Σ of positive and of negative bid payments (the latter as a positive amount), × divisor. */
  readonly buyersPayScaled: Money;
  readonly sellersReceiveScaled: Money;
  /** Σ_bus (price_bus − price_root) × kvar_bus × Δt / 1000, from bus totals, × divisor. */
  readonly rentScaled: Money;
  /** kvarh absorbed/consumed (Σ positive bid kvar × Δt) and injected (Σ negative, as a positive amount). */
  readonly kvarhBought: Money;
  readonly kvarhSold: Money;
}

/** Millionths of a quantum per quantum: tan φ has 6 decimals, so tan φ × whole quanta is a whole number of these. */
const MICRO = 1e6;

/**
 * `book`'s reactive settlement as `result` cleared it, or undefined where the clearing priced no
 * reactive power (no feeder, no Q rows, no LP prices: a unity-power-factor book, the double
 * auction, a DC network, a failed clearing). `unit`: the interval's money per (quantum × tick).
 * Throws a RangeError where a bid's kvar in millionths of a quantum is not a safe integer (as `settle` refuses
 * payments past 2^53 units).
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
    ticks[k] = Math.round(p / tick) + 0;
    priceMvarh[k] = Number((ticks[k]! * tick).toPrecision(15)) + 0;
  }
  if (!priced) return undefined;
  const nBids = book.bids.length;
  const busOf = new Map<string, number>(book.buses.map((b, k) => [b, k]));
  // Kvar in millionths of a quantum, exact integers, per bid and per bus.
  const bidKvarMicro = new Float64Array(nBids);
  const busMicro = new Float64Array(nBus);
  const tan = f.segmentKvarPerKw;
  if (tan) {
    for (let i = 0; i < book.size; i++) {
      const a = result.awardedQuanta[i]!;
      const t = tan[i]!;
      if (a === 0 || t === 0) continue;
      // A buy withdraws tan φ kvar a kW (sells are at unity: their tan is 0).
      const micro = (book.isBuy[i] ? a : -a) * Math.round(t * MICRO);
      bidKvarMicro[book.bidIndex[i]!]! += micro;
      busMicro[book.busIndex[i]!]! += micro;
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
      bidKvarMicro[b]! -= quanta * MICRO;
      busMicro[busOf.get(book.bids[b]!.bus)!]! -= quanta * MICRO;
    }
  }
  for (let b = 0; b < nBids; b++) {
    if (!Number.isSafeInteger(bidKvarMicro[b]!)) throw new RangeError(`reactive settlement of bid ${book.bids[b]!.id}: ${bidKvarMicro[b]} millionths of a quantum is past 2^53: use a coarser quantum`);
  }
  const root = book.buses.indexOf(f.busIds[f.rootIndex]!);
  const rootTicks = root >= 0 ? ticks[root]! : 0;
  // Money × divisor of one millionth of a quantum for Δt at one tick.
  const perMicro = unit.numerator.div(MICRO);
  const dec = (x: bigint): Money => (x === 0n ? ZERO : money(x.toString()));
  const microToKvar = money(q).div(MICRO);
  const bidMicroTicks = new BigInt64Array(nBids);
  // Σ kvar absorbed and supplied and Σ payments and receipts, in numbers while they stay safe integers (a BigInt only past 2^53, as `settle` sums).
  const bought = new SafeSum();
  const sold = new SafeSum();
  const pays = new SafeSum();
  const receives = new SafeSum();
  const bidBus = new Int32Array(nBids);
  for (let b = 0; b < nBids; b++) {
    const k = busOf.get(book.bids[b]!.bus)!;
    bidBus[b] = k;
    const micro = bidKvarMicro[b]!;
    if (micro === 0) continue;
    if (micro > 0) bought.add(micro);
    else sold.add(-micro);
    const t = ticks[k]!;
    if (t === 0) continue;
    const m = micro * t;
    if (Number.isSafeInteger(m)) {
      bidMicroTicks[b] = BigInt(m);
      if (m > 0) pays.add(m);
      else receives.add(-m);
    } else {
      const big = microTimesTicks(micro, t, `bid ${book.bids[b]!.id}`);
      bidMicroTicks[b] = big;
      if (big > 0n) pays.addBig(big);
      else receives.addBig(-big);
    }
  }
  let rentMicroTicks = 0n;
  let netMicro = 0n;
  for (let k = 0; k < nBus; k++) {
    const micro = BigInt(busMicro[k]!);
    rentMicroTicks += micro * BigInt(ticks[k]! - rootTicks);
    netMicro += micro;
  }
  const h = money(Math.round(book.durationH * 60)).div(60);
  const substationMicroTicks = netMicro * BigInt(rootTicks);
  return {
    priceMvarh,
    priceTicks: ticks,
    bidKvarMicro,
    bidMicroTicks,
    perMicroTick: perMicro,
    divisor: unit.divisor,
    quantumKw: q,
    busKvar: Array.from(busMicro, (x) => (x === 0 ? ZERO : money(x).times(microToKvar))),
    substationBus: root,
    substationKvar: dec(netMicro).times(microToKvar),
    substationReceivesScaled: dec(substationMicroTicks).times(perMicro),
    substationMicroTicks,
    rentMicroTicks,
    buyersPayScaled: dec(pays.total()).times(perMicro),
    sellersReceiveScaled: dec(receives.total()).times(perMicro),
    rentScaled: dec(rentMicroTicks).times(perMicro),
    kvarhBought: dec(bought.total()).times(microToKvar).times(h),
    kvarhSold: dec(sold.total()).times(microToKvar).times(h),
    bidBus,
  };
}

/**
 * kvar in millionths of a quantum × price ticks, exact: in a number while it stays a safe integer, else in a BigInt (a
 * 300 kW buy at power factor 0.9 at 811/Mvarh is 1.1e11 × 81,100), to 2^63. Throws a RangeError naming `what` past that.
 */
export function microTimesTicks(micro: number, ticks: number, what: string): bigint {
  const m = micro * ticks;
  if (Number.isSafeInteger(m)) return BigInt(m);
  const big = BigInt(micro) * BigInt(ticks);
  if (big >= 2n ** 63n || big < -(2n ** 63n)) throw new RangeError(`reactive settlement of ${what}: ${micro} millionths of a quantum × ${ticks} ticks is past 2^63: use a coarser quantum or price tick`);
  return big;
}

/** A bid's (or party's) kvar in millionths of a quantum as kvar, exact. */
export const kvarOf = (micro: number, quantumKw: number): Money => (micro === 0 ? ZERO : money(micro).times(money(quantumKw)).div(MICRO));

/** `microTicks` (millionths of a quantum × ticks, as `bidMicroTicks`) as money, exact (a third rounded at 60 digits). */
export const reactiveMoneyOf = (stage: ReactiveSettlement, microTicks: bigint): Money => (microTicks === 0n ? ZERO : reactiveMoney(money(microTicks.toString()).times(stage.perMicroTick), stage.divisor));

/** A sum of safe integers, exact: in a number while it stays safe, a BigInt past 2^53. */
export class SafeSum {
  private run = 0;
  private big = 0n;
  add(x: number): void {
    const next = this.run + x;
    if (Number.isSafeInteger(next)) this.run = next;
    else {
      this.big += BigInt(this.run) + BigInt(x);
      this.run = 0;
    }
  }
  addBig(x: bigint): void {
    this.big += x;
  }
  total(): bigint {
    return this.big + BigInt(this.run);
  }
}

/** An amount × divisor (`ReactiveSettlement`'s `…Scaled`) as money: exact where the unit is decimal, a third rounded at 60 digits otherwise. */
export const reactiveMoney = (scaled: Money | undefined, divisor: 1 | 3): Money => (scaled === undefined || scaled.isZero() ? ZERO : divisor === 1 ? scaled : scaled.div(divisor));

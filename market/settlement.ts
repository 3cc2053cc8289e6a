/**
 * Settlement of one cleared interval, exact to the last digit.
 *
 * Each awarded segment pays (buy) or is paid (sell):
 *   quantity [kW] × duration [h] × price [currency/MWh] / 1000
 * at its bus's clearing price (`uniform`, nodal when the network separates prices)
 * or at its own bid price (`pay-as-bid`). Under pay-as-bid a bid's own awarded buys and
 * sells first trade with each other, at no money (self-trade netting, `netSelfTrades`): a
 * home bidding its load and its PV in one bid pays for its net import, not its gross load
 * at its bids while being paid its PV offer for energy it made itself (audit Z-pabnet; the
 * lead's design call). Quantities are whole quanta and prices
 * whole ticks, so every payment is an integer multiple of
 *   unit = quantumKw × durationH × priceTickMwh / 1000
 * (a decimal, or a third of one for 5, 10 or 20 minutes: `MoneyUnit.forInterval`): per bid
 * we keep that integer (`paymentUnits`), and totals are decimal.js values. Nothing is
 * rounded but the text of a repeating decimal (`MONEY_DECIMALS`).
 *
 * The identity that must close every interval:
 *   buyersPay = sellersReceive + merchandisingSurplus
 * where, for uniform pricing, merchandisingSurplus is the congestion rent
 * Σ_bus price_bus × (bought_bus − sold_bus), computed from bus totals (zero on a
 * single bus, because cleared buys equal cleared sells); for pay-as-bid it is
 * the spread Σ buys at their bids − Σ sells at their offers, over what is left of each
 * bid after its self-trade (buyersPay and sellersReceive count those residuals).
 *
 * Self-trade netting, pay-as-bid only: per bid (and bus: a bid has one), its highest-priced
 * awarded buy quanta pair with its lowest-priced awarded sell quanta while the buy's price is
 * at or above the sell's; the pairs settle at no money. Every awarded buy is priced at or above
 * its bus price and every awarded sell at or below, so all pairs cross and this is the bid's net
 * curve N(p) = D(p) − S(p) settled pay-as-bid along it; the one exception, a feeder whose LP prices
 * reactive power where a buy is weighed against DLMP + tan φ × ρ with ρ < 0, leaves the pairs
 * that do not cross unpaired (each side at its own price, as before), so netting never charges
 * a bid more than gross pay-as-bid. Worked example (an hour): buys 1 kW @ 100 and 1 kW @ 50,
 * sell 1 kW @ 10, all awarded: the 100 and the 10 trade with each other, the bid pays 1 kW × 50
 * = 0.05 (gross: 0.14). Gross quantities (`buyQuanta`, `sellQuanta`) stay gross; uniform pricing
 * is untouched (net × bus price either way).
 */
import { type Money, money, MoneyUnit, ZERO } from '../core/money.ts';
import { zerosIn } from '../core/typedArrays.ts';
import type { ClearingResult, OrderBook } from './types.ts';

export interface Settlement {
  /** Money per (quantum × tick) in this interval. */
  readonly unit: MoneyUnit;
  /** Per bid (book.bids order): cleared buy and sell quanta. */
  readonly buyQuanta: Float64Array;
  readonly sellQuanta: Float64Array;
  /** Per bid: what its owner pays, positive, or is paid, negative, in whole units. */
  readonly paymentUnits: Float64Array;
  readonly buyersPay: Money;
  readonly sellersReceive: Money;
  /** Congestion rent (uniform/nodal) or pay-as-bid spread; see the module comment. */
  readonly merchandisingSurplus: Money;
  /** buyersPay − sellersReceive − merchandisingSurplus: exactly zero when settlement closes. */
  readonly imbalance: Money;
}

/** What a bid's owner pays (positive) or receives (negative), exactly. */
export const paymentOf = (s: Settlement, bid: number): Money => s.unit.toMoney(s.paymentUnits[bid]!);

/** Per-bid payment sums of the settlement under way (zeroed on entry; `settle` is synchronous): not allocated per interval. */
let scratchBuyUnits = new Float64Array(0);
let scratchSellUnits = new Float64Array(0);

/**
 * Settles `book` as `result` cleared it. `reuse`: an earlier settlement no one reads any
 * more, whose per-bid arrays are taken over (engine/simulation.ts `reuseIntervalArrays`).
 */
export function settle(book: OrderBook, result: ClearingResult, reuse?: Settlement): Settlement {
  const { rules } = book;
  // From the interval's whole minutes, not its float hours (1/12 h is no float): exact at any length.
  const unit = MoneyUnit.forInterval(rules.quantumKw, Math.round(book.durationH * 60), rules.priceTickMwh);
  const priceTicks = Array.from(result.busPriceMwh, (p) => (Number.isNaN(p) ? 0 : Math.round(p / rules.priceTickMwh)));
  const nBids = book.bids.length;
  // In the reused settlement's buffers when they have room, whatever the number of bids (which varies from interval to interval).
  const buyQuanta = zerosIn(nBids, reuse?.buyQuanta);
  const sellQuanta = zerosIn(nBids, reuse?.sellQuanta);
  if (scratchBuyUnits.length < nBids) {
    scratchBuyUnits = new Float64Array(nBids + (nBids >> 3));
    scratchSellUnits = new Float64Array(nBids + (nBids >> 3));
  }
  const buyUnits = scratchBuyUnits.fill(0, 0, nBids);
  const sellUnits = scratchSellUnits.fill(0, 0, nBids);
  const busBuy = new Float64Array(book.buses.length);
  const busSell = new Float64Array(book.buses.length);
  const payAsBid = rules.pricing === 'pay-as-bid';
  const paymentUnits = zerosIn(nBids, reuse?.paymentUnits);
  // The loops over segments and bids are small functions of their own: V8 compiled the
  // first one on stack replacement before the code after it had ever run, and that OSR code
  // of all of settle bailed out at the first call or property read without feedback (6
  // TurboFan compiles of settle, 4 of them OSR, in 2 runs of 4000 homes).
  sumAwards(book, result.awardedQuanta, priceTicks, payAsBid, buyQuanta, sellQuanta, buyUnits, sellUnits, busBuy, busSell);
  if (payAsBid) netSelfTrades(book, result.awardedQuanta, nBids, buyQuanta, sellQuanta, buyUnits, sellUnits);
  // Integer sums are exact while below 2^53; past that, payments per bid cannot be
  // held as integers in a float and we refuse rather than round.
  netPayments(book, unit, nBids, buyUnits, sellUnits, paymentUnits);
  const buyers = exactSum(buyUnits, nBids);
  const sellers = exactSum(sellUnits, nBids);
  let rentUnits = buyers - sellers; // pay-as-bid spread
  if (!payAsBid) {
    // Congestion rent from bus totals: an independent path to the same money.
    rentUnits = 0n;
    for (let k = 0; k < book.buses.length; k++) rentUnits += BigInt(busBuy[k]! - busSell[k]!) * BigInt(priceTicks[k]!);
  }
  const buyersPay = unitsToMoney(buyers, unit);
  const sellersReceive = unitsToMoney(sellers, unit);
  const merchandisingSurplus = unitsToMoney(rentUnits, unit);
  return {
    unit,
    buyQuanta,
    sellQuanta,
    paymentUnits,
    buyersPay,
    sellersReceive,
    merchandisingSurplus,
    imbalance: buyersPay.minus(sellersReceive).minus(merchandisingSurplus),
  };
}

const unitsToMoney = (u: bigint, unit: MoneyUnit): Money => (u === 0n ? ZERO : money(u.toString()).times(unit.unit));

/** Adds each awarded segment's quanta and price × quanta (in units) to its bid and its bus. */
function sumAwards(
  book: OrderBook,
  awardedQuanta: Float64Array,
  priceTicks: readonly number[],
  payAsBid: boolean,
  buyQuanta: Float64Array,
  sellQuanta: Float64Array,
  buyUnits: Float64Array,
  sellUnits: Float64Array,
  busBuy: Float64Array,
  busSell: Float64Array,
): void {
  const { size: n, bidIndex, busIndex, isBuy, priceTicks: bidTicks } = book;
  for (let i = 0; i < n; i++) {
    const q = awardedQuanta[i]!;
    if (q === 0) continue;
    const b = bidIndex[i]!;
    const bus = busIndex[i]!;
    const v = q * (payAsBid ? bidTicks[i]! : priceTicks[bus]!);
    if (isBuy[i]) {
      buyQuanta[b]! += q;
      buyUnits[b]! += v;
      busBuy[bus]! += q;
    } else {
      sellQuanta[b]! += q;
      sellUnits[b]! += v;
      busSell[bus]! += q;
    }
  }
}

/**
 * Pay-as-bid: takes each bid's self-trade off its buy and sell units (see the module comment). Only bids
 * with both sides awarded have one (a home's load and PV, a battery, an aggregator's members at one bus):
 * their awarded segments are sorted per bid and bus, buys by price down and sells by price up, and paired
 * quantum by quantum while the buy's price is at or above the sell's. Whole quanta × whole ticks: exact.
 */
function netSelfTrades(book: OrderBook, awardedQuanta: Float64Array, nBids: number, buyQuanta: Float64Array, sellQuanta: Float64Array, buyUnits: Float64Array, sellUnits: Float64Array): void {
  let both = false;
  for (let b = 0; b < nBids && !both; b++) both = buyQuanta[b]! > 0 && sellQuanta[b]! > 0;
  if (!both) return;
  const { size: n, bidIndex, busIndex, isBuy, priceTicks } = book;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = bidIndex[i]!;
    if (awardedQuanta[i]! > 0 && buyQuanta[b]! > 0 && sellQuanta[b]! > 0) rows.push(i);
  }
  // Per bid and bus, its buys (highest price first), then its sells (lowest price first); ties in book order.
  rows.sort((x, y) => bidIndex[x]! - bidIndex[y]! || busIndex[x]! - busIndex[y]! || isBuy[y]! - isBuy[x]! || (isBuy[x] ? priceTicks[y]! - priceTicks[x]! : priceTicks[x]! - priceTicks[y]!) || x - y);
  for (let g = 0; g < rows.length; ) {
    const b = bidIndex[rows[g]!]!;
    const bus = busIndex[rows[g]!]!;
    let firstSell = g;
    while (firstSell < rows.length && bidIndex[rows[firstSell]!] === b && busIndex[rows[firstSell]!] === bus && isBuy[rows[firstSell]!]) firstSell++;
    let end = firstSell;
    while (end < rows.length && bidIndex[rows[end]!] === b && busIndex[rows[end]!] === bus) end++;
    let bi = g;
    let si = firstSell;
    let buyLeft = bi < firstSell ? awardedQuanta[rows[bi]!]! : 0;
    let sellLeft = si < end ? awardedQuanta[rows[si]!]! : 0;
    while (bi < firstSell && si < end && priceTicks[rows[bi]!]! >= priceTicks[rows[si]!]!) {
      const m = Math.min(buyLeft, sellLeft);
      buyUnits[b]! -= m * priceTicks[rows[bi]!]!;
      sellUnits[b]! -= m * priceTicks[rows[si]!]!;
      buyLeft -= m;
      sellLeft -= m;
      if (buyLeft === 0 && ++bi < firstSell) buyLeft = awardedQuanta[rows[bi]!]!;
      if (sellLeft === 0 && ++si < end) sellLeft = awardedQuanta[rows[si]!]!;
    }
    g = end;
  }
}

/** Each bid's net payment in units, into `paymentUnits`; throws when one is not a safe integer. */
function netPayments(book: OrderBook, unit: MoneyUnit, nBids: number, buyUnits: Float64Array, sellUnits: Float64Array, paymentUnits: Float64Array): void {
  for (let b = 0; b < nBids; b++) {
    const bu = buyUnits[b]!;
    const su = sellUnits[b]!;
    if (!Number.isSafeInteger(bu) || !Number.isSafeInteger(su) || !Number.isSafeInteger(bu - su)) {
      throw new RangeError(`settlement of bid ${book.bids[b]!.id} exceeds 2^53 units of ${unit.unit.toString()}: use a coarser quantum or price tick`);
    }
    paymentUnits[b] = bu - su;
  }
}

/**
 * Σ units[0..n), exactly. The total runs in a float while it stays a safe integer (a sum of safe
 * integers is exact as long as its true value is, and a true value past 2^53 rounds to an unsafe
 * one): a BigInt only when the running total would leave that range, instead of one per bid.
 */
function exactSum(units: Float64Array, n: number): bigint {
  let big = 0n;
  let run = 0;
  for (let b = 0; b < n; b++) {
    const u = units[b]!;
    const next = run + u;
    if (Number.isSafeInteger(next)) run = next;
    else {
      big += BigInt(run) + BigInt(u);
      run = 0;
    }
  }
  return big + BigInt(run);
}

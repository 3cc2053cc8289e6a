/**
 * Settlement of one cleared interval, in exact decimals.
 *
 * Each awarded segment pays (buy) or is paid (sell):
 *   quantity [kW] × duration [h] × price [currency/MWh] / 1000
 * at its bus's clearing price (`uniform`, nodal when the network separates prices)
 * or at its own bid price (`pay-as-bid`). Quantities are whole quanta and prices
 * whole ticks, so each payment is an integer multiple of
 *   unit = quantumKw × durationH × priceTickMwh / 1000
 * and every sum below is exact.
 *
 * The identity that must close every interval:
 *   buyersPay = sellersReceive + merchandisingSurplus
 * where, for uniform pricing, merchandisingSurplus is the congestion rent
 * Σ_bus price_bus × (bought_bus − sold_bus), computed from bus totals (zero on a
 * single bus, because cleared buys equal cleared sells); for pay-as-bid it is
 * the spread Σ buys at their bids − Σ sells at their offers.
 */
import { type Money, money, ZERO } from '../core/money.ts';
import type { ClearingResult, OrderBook } from './types.ts';

export interface BidSettlement {
  readonly buyQuanta: number;
  readonly sellQuanta: number;
  /** Positive: the bid's owner pays; negative: it is paid. */
  readonly payment: Money;
}

export interface Settlement {
  /** Aligned with `book.bids`. */
  readonly perBid: readonly BidSettlement[];
  readonly buyersPay: Money;
  readonly sellersReceive: Money;
  /** Congestion rent (uniform/nodal) or pay-as-bid spread; see the module comment. */
  readonly merchandisingSurplus: Money;
  /** buyersPay − sellersReceive − merchandisingSurplus: exactly zero when settlement closes. */
  readonly imbalance: Money;
}

/** Multiplies two whole numbers exactly, as a Decimal, using floats only while the product is a safe integer. */
const exactProduct = (a: number, b: number): Money => {
  const p = a * b;
  return Number.isSafeInteger(p) ? money(p) : money(a).times(b);
};

export function settle(book: OrderBook, result: ClearingResult): Settlement {
  const { rules } = book;
  const unit = money(rules.quantumKw).times(money(book.durationH)).times(money(rules.priceTickMwh)).div(1000);
  const priceTicks = Array.from(result.busPriceMwh, (p) => (Number.isNaN(p) ? 0 : Math.round(p / rules.priceTickMwh)));
  const nBids = book.bids.length;
  // Per bid, integer sums: quanta and quanta × ticks (exact as floats below 2^53).
  const buyQ = new Float64Array(nBids);
  const sellQ = new Float64Array(nBids);
  const buyValue = new Float64Array(nBids);
  const sellValue = new Float64Array(nBids);
  const busBuy = new Float64Array(book.buses.length);
  const busSell = new Float64Array(book.buses.length);
  const payAsBid = rules.pricing === 'pay-as-bid';
  let overflow = false;
  for (let i = 0; i < book.size; i++) {
    const q = result.awardedQuanta[i]!;
    if (q === 0) continue;
    const b = book.bidIndex[i]!;
    const bus = book.busIndex[i]!;
    const ticks = payAsBid ? book.priceTicks[i]! : priceTicks[bus]!;
    if (book.isBuy[i]) {
      buyQ[b]! += q;
      buyValue[b]! += q * ticks;
      busBuy[bus]! += q;
    } else {
      sellQ[b]! += q;
      sellValue[b]! += q * ticks;
      busSell[bus]! += q;
    }
    overflow ||= !Number.isSafeInteger(buyValue[b]!) || !Number.isSafeInteger(sellValue[b]!);
  }
  if (overflow) return settleSlow(book, result, unit, priceTicks);

  const perBid: BidSettlement[] = new Array(nBids);
  let buyUnits = 0n;
  let sellUnits = 0n;
  for (let b = 0; b < nBids; b++) {
    const net = buyValue[b]! - sellValue[b]!;
    perBid[b] = { buyQuanta: buyQ[b]!, sellQuanta: sellQ[b]!, payment: net === 0 ? ZERO : money(net).times(unit) };
    buyUnits += BigInt(buyValue[b]!);
    sellUnits += BigInt(sellValue[b]!);
  }
  return close(perBid, money(buyUnits.toString()).times(unit), money(sellUnits.toString()).times(unit), surplus(book, busBuy, busSell, priceTicks, buyUnits - sellUnits, unit));
}

function surplus(book: OrderBook, busBuy: Float64Array, busSell: Float64Array, priceTicks: number[], spreadUnits: bigint, unit: Money): Money {
  if (book.rules.pricing === 'pay-as-bid') return money(spreadUnits.toString()).times(unit);
  // Congestion rent from bus totals: an independent path to the same money.
  let rent = ZERO;
  for (let k = 0; k < book.buses.length; k++) rent = rent.plus(exactProduct(busBuy[k]! - busSell[k]!, priceTicks[k]!));
  return rent.times(unit);
}

function close(perBid: BidSettlement[], buyersPay: Money, sellersReceive: Money, merchandisingSurplus: Money): Settlement {
  return { perBid, buyersPay, sellersReceive, merchandisingSurplus, imbalance: buyersPay.minus(sellersReceive).minus(merchandisingSurplus) };
}

/** The same arithmetic entirely in decimals, for books whose integer products exceed 2^53. */
function settleSlow(book: OrderBook, result: ClearingResult, unit: Money, priceTicks: number[]): Settlement {
  const payAsBid = book.rules.pricing === 'pay-as-bid';
  const buyQ = new Float64Array(book.bids.length);
  const sellQ = new Float64Array(book.bids.length);
  const pay: Money[] = book.bids.map(() => ZERO);
  const busBuy = new Float64Array(book.buses.length);
  const busSell = new Float64Array(book.buses.length);
  let buyers = ZERO;
  let sellers = ZERO;
  for (let i = 0; i < book.size; i++) {
    const q = result.awardedQuanta[i]!;
    if (q === 0) continue;
    const b = book.bidIndex[i]!;
    const bus = book.busIndex[i]!;
    const v = money(q).times(payAsBid ? book.priceTicks[i]! : priceTicks[bus]!);
    if (book.isBuy[i]) {
      buyQ[b]! += q;
      busBuy[bus]! += q;
      pay[b] = pay[b]!.plus(v);
      buyers = buyers.plus(v);
    } else {
      sellQ[b]! += q;
      busSell[bus]! += q;
      pay[b] = pay[b]!.minus(v);
      sellers = sellers.plus(v);
    }
  }
  const perBid = pay.map((p, b) => ({ buyQuanta: buyQ[b]!, sellQuanta: sellQ[b]!, payment: p.times(unit) }));
  let rent = ZERO;
  if (payAsBid) rent = buyers.minus(sellers);
  else for (let k = 0; k < book.buses.length; k++) rent = rent.plus(money(busBuy[k]! - busSell[k]!).times(priceTicks[k]!));
  return close(perBid, buyers.times(unit), sellers.times(unit), rent.times(unit));
}

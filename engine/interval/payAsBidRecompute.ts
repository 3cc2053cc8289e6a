/**
 * The books' own recomputation of pay-as-bid money per bid (engine/interval/books.ts), independent of
 * market/settlement.ts: a second implementation of self-trade netting, reached by another route, so that a
 * mistake in either shows as an open book rather than as a wrong bill.
 *
 * The rule (docs/markets.md, "Pay-as-bid"): a bid's own awarded buys and sells trade with each other first,
 * at no money; what is left is settled at each segment's own price. Settlement pairs quanta from the top (the
 * bid's highest buys with its lowest sells). Here, per bid and bus:
 * - the self-traded quantity is the bid's own crossing volume T = max over prices p of min(D(p), S(p)), with
 *   D(p) its awarded buy quanta priced at p or above and S(p) its awarded sell quanta priced at p or below
 *   (the volume a double auction of the bid against itself would trade);
 * - it pays for the B − T lowest-priced of its B awarded buy quanta and is paid for the S − T highest-priced of
 *   its S awarded sell quanta, each at its own price, filled from the bottom of its buys and the top of its sells.
 * Worked example (an hour): buys 1 kW @ 100 and 1 kW @ 50, sell 1 kW @ 10: T = 1 kW (at p = 10..50 both
 * sides have 1 kW), it pays its lowest 1 kW of buys, at 50: 0.05. Whole quanta × whole ticks: exact. Pure.
 */
import type { OrderBook } from '../../market/types.ts';

/** Per bid (book.bids order): what its owner pays (+) or is paid (−) under pay-as-bid with self-trade netting, units. */
export function payAsBidUnitsByBid(book: OrderBook, awardedQuanta: Float64Array): Float64Array {
  const nBids = book.bids.length;
  const nBus = book.buses.length;
  const out = new Float64Array(nBids);
  const { size, bidIndex, busIndex, isBuy, priceTicks } = book;
  // Per bid: whether both its sides were awarded (only then is there anything to net); the rest pay segment by segment.
  const sides = new Uint8Array(nBids);
  for (let s = 0; s < size; s++) if (awardedQuanta[s]! > 0) sides[bidIndex[s]!]! |= isBuy[s] ? 1 : 2;
  const mixed = new Map<number, number[]>();
  for (let s = 0; s < size; s++) {
    const a = awardedQuanta[s]!;
    if (a === 0) continue;
    const b = bidIndex[s]!;
    if (sides[b] !== 3) {
      out[b]! += (isBuy[s] ? a : -a) * priceTicks[s]!;
      continue;
    }
    const key = b * nBus + busIndex[s]!;
    let rows = mixed.get(key);
    if (!rows) mixed.set(key, (rows = []));
    rows.push(s);
  }
  for (const [key, rows] of mixed) out[Math.floor(key / nBus)]! += residualUnits(rows, awardedQuanta, isBuy, priceTicks);
  return out;
}

/** One bid's residual money at one bus, units: its B − T lowest buys less its S − T highest sells (see the module comment). */
function residualUnits(rows: readonly number[], awarded: Float64Array, isBuy: Uint8Array, ticks: Float64Array): number {
  const buys = rows.filter((s) => isBuy[s]).sort((x, y) => ticks[x]! - ticks[y]!); // ascending
  const sells = rows.filter((s) => !isBuy[s]).sort((x, y) => ticks[x]! - ticks[y]!); // ascending
  let buyTotal = 0;
  for (const s of buys) buyTotal += awarded[s]!;
  let sellTotal = 0;
  for (const s of sells) sellTotal += awarded[s]!;
  // T = max_p min(D(p), S(p)) over the bid's own prices, walking them upwards.
  const prices = [...new Set(rows.map((s) => ticks[s]!))].sort((x, y) => x - y);
  let selfTraded = 0;
  let buysBelow = 0; // awarded buy quanta priced below p
  let sellsAtOrBelow = 0; // awarded sell quanta priced at p or below
  let bi = 0;
  let si = 0;
  for (const p of prices) {
    while (bi < buys.length && ticks[buys[bi]!]! < p) buysBelow += awarded[buys[bi++]!]!;
    while (si < sells.length && ticks[sells[si]!]! <= p) sellsAtOrBelow += awarded[sells[si++]!]!;
    selfTraded = Math.max(selfTraded, Math.min(buyTotal - buysBelow, sellsAtOrBelow));
  }
  return fillFrom(buys, awarded, ticks, buyTotal - selfTraded) - fillFrom(sells.reverse(), awarded, ticks, sellTotal - selfTraded);
}

/** Σ quanta × ticks of the first `quanta` quanta of `rows` in their order. */
function fillFrom(rows: readonly number[], awarded: Float64Array, ticks: Float64Array, quanta: number): number {
  let units = 0;
  for (const s of rows) {
    if (quanta <= 0) break;
    const q = Math.min(quanta, awarded[s]!);
    units += q * ticks[s]!;
    quanta -= q;
  }
  return units;
}

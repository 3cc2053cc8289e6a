/**
 * Single-node uniform-price double auction ("sort and intersect", copper plate).
 *
 * Every segment of the book trades in one pool whatever its bus; the result gives
 * the one clearing price to every bus of `book.buses`. Used alone for a single
 * bus, and by network clearing when no branch limit binds (DESIGN.md §3).
 */
import { zerosIn } from '../core/typedArrays.ts';
import { ClearingScratch } from './clearingScratch.ts';
import { type ClearingResult, type OrderBook, type PriceRule, ticksToPrice } from './types.ts';

/**
 * Clears `book` as one uniform-price double auction.
 *
 * Pure: no I/O, no clock, no randomness; `book` is only read, never written.
 * Never throws on a valid `OrderBook` (one from `buildOrderBook`/`OrderBookBuilder`).
 *
 * ## Units
 * The clearing works in whole price ticks (`book.priceTicks`) and whole quanta
 * (`book.quantityQuanta`), so every comparison and sum is exact: `awardedQuanta`
 * are whole quanta and Σ awarded buy quanta === Σ awarded sell quanta. The prices in
 * `busPriceMwh` are currency/MWh (ticks × `rules.priceTickMwh`), always within
 * [`priceFloorMwh`, `priceCapMwh`]. `welfare` is Σ buy price × q − Σ sell price × q
 * in currency over the interval: price [currency/MWh] × q [kW] / 1000 × `durationH`.
 * Segments with zero quantity take no part: they get nothing and bound no price.
 *
 * ## Quantity
 * Buys are taken in descending price order, sells in ascending order, and matched
 * while the bid price is ≥ the offer price. This maximises welfare, and among the
 * welfare-maximal outcomes it clears the *largest* quantity: trades at zero surplus
 * (bid price == offer price) are made, as GridLAB-D does.
 *
 * ## Rationing at the margin
 * At most one side is rationed, at one price, its marginal price (if both a bid and an
 * offer were left partly unserved they would cross and trade more). Segments strictly
 * better than their side's marginal price (buys above it, sells below it) are accepted
 * whole; strictly worse get nothing. The segments *at* the marginal price share what is
 * left, A quanta, pro rata to their quantity: segment i gets ⌊A·qᵢ/T⌋ (T = their total),
 * and the few quanta this flooring leaves over go one each to the largest remainders
 * (A·qᵢ mod T), ties broken by book order (submission order). No randomness.
 *
 * ## Price
 * Call a segment *accepted* when its award is > 0 and *rejected* when its award is
 * < its quantity (a partly accepted segment is both). A price p supports the cleared
 * quantities (every accepted buy has price ≥ p, every rejected buy ≤ p, every accepted
 * sell ≤ p, every rejected sell ≥ p) exactly when p is in [low, high] with
 *
 *     low  = max(floor, highest accepted offer, highest rejected bid)
 *     high = min(cap,   lowest accepted bid,    lowest rejected offer)
 *
 * (this is the set of LP duals of the balance constraint; the floor or cap bounds an end
 * where the other terms are absent, e.g. when a side is exhausted). The interval is a
 * single point whenever a block is only partly accepted. `rules.priceRule` picks:
 * - `partial-block`: the price of the partly accepted block(s) (GridLAB-D), the midpoint
 *   when every accepted block is whole. As the interval is then a single point, this
 *   picks the same price as `midpoint` in every case;
 * - `marginal-offer`: low; `marginal-bid`: high;
 * - `midpoint`: ⌊(low + high) / 2⌋ in ticks, i.e. rounded down (towards −∞) to the tick.
 *
 * ## When nothing trades
 * An empty book, a one-sided book (no buy or no sell segment with a positive quantity)
 * and a book whose best bid is below its best offer clear with status `'cleared'`, zero
 * awards, welfare 0 and price NaN for every bus; `message` names the case: "empty book:
 * no bids", "no sellers", "no buyers", "bids do not cross: best bid X < best offer Y".
 *
 * ## Worked example (tick 0.01, quantum 0.001 kW = 1 W, 1 h, partial-block)
 * Buys A 50 × 4 kW, B 45 × 3 kW; sells C 30 × 2 kW, D 45 × 2 kW, E 45 × 4 kW.
 * A trades 2 kW with C and 2 kW at 45; B takes 3 kW at 45: buys are exhausted after 7 kW,
 * so the sellers at 45 (D, E: 6 kW) are rationed to the 5 kW left. Pro rata in quanta:
 * D ⌊5000·2000/6000⌋ = 1666 (remainder 4000), E ⌊5000·4000/6000⌋ = 3333 (remainder 2000);
 * the one leftover quantum goes to D (larger remainder): D 1.667 kW, E 3.333 kW.
 * low = max(45 accepted offer, no rejected bid) = 45, high = min(45 lowest accepted bid,
 * 45 partly rejected offer) = 45: price 45 under every rule.
 * Welfare = (50·4 + 45·3 − 30·2 − 45·5) / 1000 · 1 h = 0.05.
 *
 * With buys 50 × 5 kW, 35 × 2 kW and sells 30 × 5 kW, 45 × 3 kW, 5 kW trade with every
 * accepted block whole: low = max(30, 35) = 35, high = min(50, 45) = 45; partial-block
 * and midpoint give 40, marginal-offer 35, marginal-bid 45.
 *
 * `awardsInto`: an earlier result's `awardedQuanta` no one reads any more; the awards are then
 * written to its buffer when it has room (core/typedArrays.ts `zerosIn`; engine/simulation.ts
 * `reuseIntervalArrays`). `book` is still only read.
 */
export function doubleAuction(book: OrderBook, awardsInto?: Float64Array): ClearingResult {
  return clearDetailed(book, 'auto', awardsInto).result;
}

/**
 * How the price levels are found. `histogram` buckets quantities by price tick (O(n + range));
 * `sort` sorts packed keys in Float64Arrays (O(n log n)). `auto` picks (see `chooseMethod`).
 * @internal exported for tests and benchmarks, which check both paths agree.
 */
export type LevelMethod = 'auto' | 'histogram' | 'sort';

/**
 * The details of a clearing that `ClearingResult` does not carry, for tests and reports.
 * @internal
 */
export interface AuctionDetail {
  /** Traded quanta (each side). */
  readonly tradedQuanta: number;
  /** Equilibrium price interval in ticks; NaN when nothing trades. */
  readonly lowTicks: number;
  readonly highTicks: number;
  /** Chosen price in ticks; NaN when nothing trades. */
  readonly priceTicks: number;
  readonly rationed: 'none' | 'buy' | 'sell';
  readonly method: 'histogram' | 'sort' | 'none';
}

/** @internal `doubleAuction` with the level-finding method forced; same result for every method. */
export function doubleAuctionWith(book: OrderBook, method: LevelMethod): ClearingResult {
  return clearDetailed(book, method).result;
}

/**
 * Above this many histogram buckets per (crossing) segment, sorting is cheaper; the
 * absolute bounds keep the buckets' memory small (2 × 8 B per bucket: 64 MiB at 2^22).
 *
 * Why buckets first, measured here (Node 20, 2 shared cores, `npm run bench -- auction`):
 * a native Float64Array sort of 1e6 prices takes ≈ 120–140 ms, and sorting the two sides'
 * packed keys alone costs about the same. The sort path then has to read each segment's
 * quantity in price order, a random gather over the book that costs as much again (cache
 * misses), so it clears 1e6 segments in ≈ 300–450 ms (≈ 3× the sort). Bucketing quanta by
 * tick reads the book sequentially twice and scans the buckets once: ≈ 40–60 ms for 1e6
 * segments (≈ 0.35× the sort), ≈ 7 ms for 1e5. Only prices in [best offer, best bid] get
 * buckets, so with the default rules there are at most 350 001 of them, and usually far fewer.
 * The sort is kept for fine ticks or wide ranges with few segments, where buckets would be
 * mostly empty.
 */
const HISTOGRAM_MAX_BUCKETS = 1 << 22;
const HISTOGRAM_MIN_BUCKETS = 1 << 16;
/**
 * Measured with the bitmap walk of `levelsByHistogram` (2026-12-06, whole clearings, prices
 * spread evenly): 16,000 segments over 300,000 ticks (19 per segment, the default scenario at
 * 4,000 homes: buys at the cap, offers at 0) clear by buckets in 0.58× the sort's time; 40 per
 * segment in 0.93× (100,000 segments); 63 per segment in 1.10× (16,000). At 16 the default
 * scenario's every clearing took the sort, ~1.3 ms of its ~10 ms interval.
 */
const HISTOGRAM_BUCKETS_PER_SEGMENT = 32;

function chooseMethod(range: number, segments: number): 'histogram' | 'sort' {
  if (range <= HISTOGRAM_MIN_BUCKETS) return 'histogram';
  if (range > HISTOGRAM_MAX_BUCKETS) return 'sort';
  return range <= HISTOGRAM_BUCKETS_PER_SEGMENT * segments ? 'histogram' : 'sort';
}

/**
 * Aggregated price levels of one side in merit order (buys descending, sells ascending),
 * restricted to the prices where the sides can cross.
 */
interface Levels {
  readonly ticks: Float64Array;
  readonly quanta: Float64Array;
  readonly count: number;
}

/** @internal The clearing with its price interval and the method used. */
export function clearDetailed(book: OrderBook, method: LevelMethod = 'auto', awardsInto?: Float64Array): { result: ClearingResult; detail: AuctionDetail } {
  const { size: n, rules } = book;
  // Into an earlier result's buffer when given (engine/simulation.ts `reuseIntervalArrays`).
  const awarded = zerosIn(n, awardsInto);
  const busPrice = new Float64Array(book.buses.length);
  const tickMwh = rules.priceTickMwh;

  // The passes over the whole book are small functions of their own (sideTotals,
  // awardAboveMargin, surplusTicks): each first call runs a loop long enough for V8 to
  // compile it on stack replacement, before the code after the loop has run; inline here,
  // that OSR code of all of clearDetailed bailed out on the first IC without feedback after
  // the loop and was compiled again (5 TurboFan compiles of this function in 2 runs).
  const { buys, sells, maxBuy, minSell, buyTotal, sellTotal } = sideTotals(book);
  if (buyTotal > Number.MAX_SAFE_INTEGER || sellTotal > Number.MAX_SAFE_INTEGER)
    return noTrade(book, awarded, busPrice, `total quantity exceeds 2^53 quanta on one side; cannot clear exactly (raise quantumKw)`, 'solver-error');
  if (n === 0) return noTrade(book, awarded, busPrice, 'empty book: no bids', 'cleared');
  if (buys === 0 && sells === 0) return noTrade(book, awarded, busPrice, 'no buyers and no sellers: every segment has zero quantity', 'cleared');
  if (sells === 0) return noTrade(book, awarded, busPrice, 'no sellers', 'cleared');
  if (buys === 0) return noTrade(book, awarded, busPrice, 'no buyers', 'cleared');
  if (maxBuy < minSell) return noTrade(book, awarded, busPrice, `bids do not cross: best bid ${ticksToPrice(maxBuy, tickMwh)} < best offer ${ticksToPrice(minSell, tickMwh)}`, 'cleared');

  // Only prices in [minSell, maxBuy] can trade or bound the price: a buy below every
  // offer is never above an accepted offer, a sell above every bid never below an
  // accepted bid, so levels outside that range change neither quantity nor price.
  const lo = minSell;
  const range = maxBuy - minSell + 1;
  const used = method === 'auto' ? chooseMethod(range, buys + sells) : method;
  // Levels in the book's scratch (its builder's; read only here, overwritten by the next clearing).
  const scratch = book.scratch ?? new ClearingScratch();
  const [buyLv, sellLv] = used === 'histogram' ? levelsByHistogram(book, lo, range, scratch) : levelsBySort(book, lo, maxBuy, scratch);

  // Walk both merit orders while the bid is ≥ the offer (zero-surplus trades included).
  let b = 0;
  let s = 0;
  let rb = buyLv.quanta[0]!;
  let rs = sellLv.quanta[0]!;
  let traded = 0;
  let lastB = 0;
  let lastS = 0;
  let rbAfter = 0;
  let rsAfter = 0;
  while (b < buyLv.count && s < sellLv.count && buyLv.ticks[b]! >= sellLv.ticks[s]!) {
    const t = rb < rs ? rb : rs;
    traded += t;
    rb -= t;
    rs -= t;
    lastB = b;
    lastS = s;
    rbAfter = rb;
    rsAfter = rs;
    if (rb === 0 && ++b < buyLv.count) rb = buyLv.quanta[b]!;
    if (rs === 0 && ++s < sellLv.count) rs = sellLv.quanta[s]!;
  }

  const margBuy = buyLv.ticks[lastB]!;
  const margSell = sellLv.ticks[lastS]!;
  const buyLevelTotal = buyLv.quanta[lastB]!;
  const sellLevelTotal = sellLv.quanta[lastS]!;
  const buyAtMargin = buyLevelTotal - rbAfter;
  const sellAtMargin = sellLevelTotal - rsAfter;
  // Highest rejected bid / lowest rejected offer: the marginal level itself when it is
  // partly served, else the next level in merit order (none: the floor/cap bounds). The next
  // levels are looked up every time, not only when a marginal level is wholly served: that
  // branch, first taken mid-run, had no type feedback in the optimised clearDetailed and
  // deopted it (node --trace-opt --trace-deopt).
  const nextBid = levelAfter(buyLv, lastB, NO_BID);
  const nextOffer = levelAfter(sellLv, lastS, NO_OFFER);
  const rejBid = rbAfter > 0 ? margBuy : nextBid;
  const rejOffer = rsAfter > 0 ? margSell : nextOffer;
  const floorTicks = Math.round(rules.priceFloorMwh / rules.priceTickMwh);
  const capTicks = Math.round(rules.priceCapMwh / rules.priceTickMwh);
  const low = Math.max(floorTicks, margSell, rejBid);
  const high = Math.min(capTicks, margBuy, rejOffer);
  const rationed = rbAfter > 0 ? 'buy' : rsAfter > 0 ? 'sell' : 'none';
  const priceT = pickPrice(rules.priceRule, low, high, rationed === 'buy' ? margBuy : rationed === 'sell' ? margSell : undefined);

  // Awards: whole above the margin, pro rata at it, nothing beyond it.
  const margBuyIdx: number[] = [];
  const margSellIdx: number[] = [];
  awardAboveMargin(book, margBuy, margSell, awarded, margBuyIdx, margSellIdx);
  shareProRata(margBuyIdx, book.quantityQuanta, buyAtMargin, buyLevelTotal, awarded);
  shareProRata(margSellIdx, book.quantityQuanta, sellAtMargin, sellLevelTotal, awarded);

  const surplusTickQuanta = surplusTicks(book, awarded);
  const welfare = ((surplusTickQuanta * rules.priceTickMwh * rules.quantumKw) / 1000) * book.durationH;
  const price = Math.min(rules.priceCapMwh, Math.max(rules.priceFloorMwh, ticksToPrice(priceT, tickMwh)));
  busPrice.fill(price);
  const kw = traded * rules.quantumKw;
  const side = rationed === 'none' ? 'no side rationed' : `${rationed === 'buy' ? 'buyers' : 'sellers'} at ${ticksToPrice(rationed === 'buy' ? margBuy : margSell, tickMwh)} rationed`;
  return {
    result: {
      interval: book.interval,
      status: 'cleared',
      message: `traded ${+kw.toPrecision(12)} kW at ${price} (${rules.priceRule}; equilibrium prices [${ticksToPrice(low, tickMwh)}, ${ticksToPrice(high, tickMwh)}]; ${side})`,
      mechanism: 'double-auction',
      awardedQuanta: awarded,
      busPriceMwh: busPrice,
      flows: [],
      welfare,
    },
    detail: { tradedQuanta: traded, lowTicks: low, highTicks: high, priceTicks: priceT, rationed, method: used },
  };
}

/** The ticks of the level after `k` in merit order, or `none` past the last. */
function levelAfter(levels: Levels, k: number, none: number): number {
  return k + 1 < levels.count ? levels.ticks[k + 1]! : none;
}

/** No rejected bid / offer: the price floor / cap bounds the price. (Constants, not `-Infinity`
 * inline: a rarely taken branch's global load and negation had no feedback in optimised code.) */
const NO_BID = -Infinity;
const NO_OFFER = Infinity;

/** The result when nothing trades (`message` says why). */
function noTrade(book: OrderBook, awarded: Float64Array, busPrice: Float64Array, message: string, status: ClearingResult['status']): { result: ClearingResult; detail: AuctionDetail } {
  busPrice.fill(NaN);
  return {
    result: { interval: book.interval, status, message, mechanism: 'double-auction', awardedQuanta: awarded, busPriceMwh: busPrice, flows: [], welfare: 0 },
    detail: { tradedQuanta: 0, lowTicks: NaN, highTicks: NaN, priceTicks: NaN, rationed: 'none', method: 'none' },
  };
}

/** Best prices, segment counts and total quanta of each side (zero-quantity segments take no part). */
function sideTotals(book: OrderBook): { buys: number; sells: number; maxBuy: number; minSell: number; buyTotal: number; sellTotal: number } {
  const { size: n, isBuy, priceTicks, quantityQuanta: qty } = book;
  let buys = 0;
  let sells = 0;
  let maxBuy = -Infinity;
  let minSell = Infinity;
  let buyTotal = 0;
  let sellTotal = 0;
  for (let i = 0; i < n; i++) {
    const q = qty[i]!;
    if (!(q > 0)) continue;
    const t = priceTicks[i]!;
    if (isBuy[i] === 1) {
      buys++;
      buyTotal += q;
      if (t > maxBuy) maxBuy = t;
    } else {
      sells++;
      sellTotal += q;
      if (t < minSell) minSell = t;
    }
  }
  return { buys, sells, maxBuy, minSell, buyTotal, sellTotal };
}

/** Awards in whole the segments beyond the margins; lists the ones at them (book order). */
function awardAboveMargin(book: OrderBook, margBuy: number, margSell: number, awarded: Float64Array, margBuyIdx: number[], margSellIdx: number[]): void {
  const { size: n, isBuy, priceTicks, quantityQuanta: qty } = book;
  for (let i = 0; i < n; i++) {
    const q = qty[i]!;
    if (!(q > 0)) continue;
    const t = priceTicks[i]!;
    if (isBuy[i] === 1) {
      if (t > margBuy) awarded[i] = q;
      else if (t === margBuy) margBuyIdx.push(i);
    } else if (t < margSell) awarded[i] = q;
    else if (t === margSell) margSellIdx.push(i);
  }
}

/** Σ buy ticks × awarded − Σ sell ticks × awarded, in tick·quanta. */
function surplusTicks(book: OrderBook, awarded: Float64Array): number {
  const { size: n, isBuy, priceTicks } = book;
  let surplus = 0;
  for (let i = 0; i < n; i++) {
    const a = awarded[i]!;
    if (a !== 0) surplus += (isBuy[i] === 1 ? a : -a) * priceTicks[i]!;
  }
  return surplus;
}

function pickPrice(rule: PriceRule, low: number, high: number, partial: number | undefined): number {
  const mid = Math.floor((low + high) / 2);
  switch (rule) {
    case 'partial-block':
      return partial ?? mid;
    case 'marginal-offer':
      return low;
    case 'marginal-bid':
      return high;
    case 'midpoint':
      return mid;
  }
}

/**
 * Converts ticks to currency/MWh. When the tick is 1/k for an integer k (0.01 → 100), it
 * divides by k, which gives the double nearest the decimal price (3001 / 100 = 30.01,
 * whereas 3001 × 0.01 = 30.010000000000002).
 */
export function tickToPrice(tickMwh: number): (ticks: number) => number {
  return (t) => ticksToPrice(t, tickMwh);
}

/**
 * Histogram scratch, reused from call to call and left all zero (each bucket is cleared as
 * it is read out). Fresh arrays cost a few MB per clearing (the tick range from floor to
 * cap is ~300k ticks): off-heap memory whose churn drove extra garbage collections.
 * `scratchFilled` has one bit per bucket, set when a call first fills it (cleared as read out).
 */
let scratchBuy = new Float64Array(0);
let scratchSell = new Float64Array(0);
let scratchFilled = new Int32Array(0);

/**
 * Buckets each side's quanta by price tick over [lo, lo + range), then lists the non-empty
 * buckets in merit order. A real-time book fills few of its buckets (at 10k agents ~16,000
 * distinct ticks among ~300,000 between best offer and best bid): a bitmap marks the filled
 * ones (1 bit a bucket: ~40 KB, which stays in cache where the buckets do not), and the levels
 * are read out by walking its set bits, high to low for the buys, low to high for the sells.
 * Walking the bitmap costs range/32 word reads plus one step per filled bucket: cheaper than
 * sorting the filled offsets (~1 ms at 16,000, measured: ~10 % of the clearing) or scanning every
 * bucket, and each segment now reads only its own side's bucket.
 */
function levelsByHistogram(book: OrderBook, lo: number, range: number, scratch: ClearingScratch): [Levels, Levels] {
  const { size: n, isBuy, priceTicks, quantityQuanta: qty } = book;
  if (scratchBuy.length < range) {
    scratchBuy = new Float64Array(range);
    scratchSell = new Float64Array(range);
  }
  const words = (range + 31) >>> 5;
  if (scratchFilled.length < words) scratchFilled = new Int32Array(words);
  const hb = scratchBuy;
  const hs = scratchSell;
  const filled = scratchFilled;
  const hi = lo + range - 1;
  let touched = 0;
  for (let i = 0; i < n; i++) {
    const q = qty[i]!;
    if (!(q > 0)) continue;
    const t = priceTicks[i]!;
    if (t < lo || t > hi) continue;
    const k = t - lo;
    const w = k >>> 5;
    const bit = 1 << (k & 31);
    if ((filled[w]! & bit) === 0) {
      filled[w] = filled[w]! | bit;
      touched++;
    }
    if (isBuy[i] === 1) hb[k] = hb[k]! + q;
    else hs[k] = hs[k]! + q;
  }
  const [buy, sell] = scratch.levels(touched, touched);
  let b = 0;
  for (let w = words - 1; w >= 0; w--) {
    let x = filled[w]!;
    while (x !== 0) {
      const j = 31 - Math.clz32(x); // highest set bit
      x ^= 1 << j;
      const k = (w << 5) + j;
      const q = hb[k]!;
      if (q !== 0) {
        buy.ticks[b] = lo + k;
        buy.quanta[b++] = q;
        hb[k] = 0;
      }
    }
  }
  let s = 0;
  for (let w = 0; w < words; w++) {
    let x = filled[w]!;
    if (x === 0) continue;
    filled[w] = 0;
    while (x !== 0) {
      const low = x & -x; // lowest set bit
      x ^= low;
      const k = (w << 5) + (31 - Math.clz32(low));
      const q = hs[k]!;
      if (q !== 0) {
        sell.ticks[s] = lo + k;
        sell.quanta[s++] = q;
        hs[k] = 0;
      }
    }
  }
  buy.count = b;
  sell.count = s;
  return [buy, sell];
}

/**
 * Sorts each side by price with packed keys, key = (ticks − lo) · 2^k + i where 2^k > n and i
 * is the segment's book index: an exact integer below 2^53, so the native (comparator-free)
 * Float64Array sort orders by price and the key alone gives back both the price and the
 * segment (no gather of prices). When the keys would not fit (an enormous tick range), it
 * falls back to a comparator sort of the indices.
 */
function levelsBySort(book: OrderBook, lo: number, hi: number, scratch: ClearingScratch): [Levels, Levels] {
  const n = book.size;
  const shift = 2 ** Math.max(1, Math.ceil(Math.log2(n + 1)));
  const packed = (hi - lo + 1) * shift <= Number.MAX_SAFE_INTEGER;
  const m = countInRange(book, lo, hi);
  const keys = scratch.keysFor(m).subarray(0, m);
  const nb = fillKeys(book, lo, hi, packed, shift, keys);
  const { priceTicks, quantityQuanta: qty } = book;
  const [buy, sell] = scratch.levels(nb, m - nb);
  buy.count = sortedLevels(keys.subarray(0, nb), true, packed, shift, lo, priceTicks, qty, buy.ticks, buy.quanta);
  sell.count = sortedLevels(keys.subarray(nb), false, packed, shift, lo, priceTicks, qty, sell.ticks, sell.quanta);
  return [buy, sell];
}

// The loops of levelsBySort and sortedLevels are small functions that return a local number.
// A loop long enough to be compiled on stack replacement (OSR) is compiled before the code
// after it has ever run; with that code inline (object literals, calls, Math.* loads) V8 had
// no feedback for it, so the OSR code bailed out there ("insufficient type feedback"), and
// V8 kept re-entering the same OSR code of sortedLevels: 193 deopts in 2 runs of 4000 homes.

/** Segments with quantity and a price in [lo, hi], either side. */
function countInRange(book: OrderBook, lo: number, hi: number): number {
  const { size: n, priceTicks, quantityQuanta: qty } = book;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const t = priceTicks[i]!;
    if (qty[i]! > 0 && t >= lo && t <= hi) m++;
  }
  return m;
}

/**
 * Writes the sort key of each segment in range into `keys`: buys from the front, sells from
 * the back (each side is sorted afterwards, and keys are distinct, so the order written does
 * not matter). Returns the number of buys.
 */
function fillKeys(book: OrderBook, lo: number, hi: number, packed: boolean, shift: number, keys: Float64Array): number {
  const { size: n, isBuy, priceTicks, quantityQuanta: qty } = book;
  let nb = 0;
  let back = keys.length;
  for (let i = 0; i < n; i++) {
    const t = priceTicks[i]!;
    if (!(qty[i]! > 0) || t < lo || t > hi) continue;
    // Unpacked fallback: the key is the index alone, sorted by a comparator below.
    const key = packed ? (t - lo) * shift + i : i;
    if (isBuy[i] === 1) keys[nb++] = key;
    else keys[--back] = key;
  }
  return nb;
}

/**
 * Sorts one side's keys and writes its levels into `ticks`/`quanta` (room for every key);
 * returns the level count (levelsBySort). A module function, not a closure made per
 * call: V8 inlined the closure and threw the optimised caller away each time a new one was
 * made ("wrong call target", ~28 deopts a run).
 */
function sortedLevels(
  keys: Float64Array,
  descending: boolean,
  packed: boolean,
  shift: number,
  lo: number,
  priceTicks: OrderBook['priceTicks'],
  qty: OrderBook['quantityQuanta'],
  ticks: Float64Array,
  quanta: Float64Array,
): number {
  if (packed) keys.sort();
  else keys.set(Array.from(keys).sort((x, y) => priceTicks[x]! - priceTicks[y]! || x - y));
  return aggregateLevels(keys, descending, packed, shift, lo, priceTicks, qty, ticks, quanta);
}

/** Sums sorted keys' quantities into price levels (merit order) in `ticks`/`quanta`; returns the level count. */
function aggregateLevels(
  keys: Float64Array,
  descending: boolean,
  packed: boolean,
  shift: number,
  lo: number,
  priceTicks: OrderBook['priceTicks'],
  qty: OrderBook['quantityQuanta'],
  ticks: Float64Array,
  quanta: Float64Array,
): number {
  const m = keys.length;
  let count = 0;
  for (let r = 0; r < m; r++) {
    const key = keys[descending ? m - 1 - r : r]!;
    // (Never read priceTicks[key] for a packed key: out-of-bounds typed-array reads are slow.)
    const level = packed ? Math.floor(key / shift) : 0;
    const i = packed ? key - level * shift : key;
    const t = packed ? level + lo : priceTicks[key]!;
    if (count === 0 || ticks[count - 1] !== t) {
      ticks[count] = t;
      quanta[count] = 0;
      count++;
    }
    quanta[count - 1] = quanta[count - 1]! + qty[i]!;
  }
  return count;
}

/**
 * Gives `allot` quanta to the segments `idx` (book order), whose quantities `qty[i]` sum to
 * `total` (0 ≤ allot ≤ total), pro rata: ⌊allot·qᵢ/total⌋ each, written to `out[i]`, then one
 * more to each of the largest remainders, ties by order in `idx`. Exact integer arithmetic
 * (BigInt when allot·qᵢ could exceed 2^53). Also used by `market/aggregate.ts`.
 * @internal
 */
export function shareProRata(idx: readonly number[], qty: Float64Array, allot: number, total: number, out: Float64Array): void {
  const m = idx.length;
  if (m === 0) return;
  if (allot === total) {
    for (const i of idx) out[i] = qty[i]!;
    return;
  }
  let maxQ = 0;
  for (const i of idx) if (qty[i]! > maxQ) maxQ = qty[i]!;
  if (allot * maxQ > Number.MAX_SAFE_INTEGER) {
    shareProRataBig(idx, qty, allot, total, out);
    return;
  }
  const rem = new Float64Array(m);
  let given = 0;
  for (let j = 0; j < m; j++) {
    const x = allot * qty[idx[j]!]!;
    let share = Math.floor(x / total);
    let r = x - share * total;
    // Float division may be off by one near an integer; the integer remainder corrects it.
    if (r < 0) {
      share--;
      r += total;
    } else if (r >= total) {
      share++;
      r -= total;
    }
    out[idx[j]!] = share;
    rem[j] = r;
    given += share;
  }
  let left = allot - given;
  if (left === 0) return;
  // The left-th largest remainder is the threshold: everyone above it gets one more,
  // then those equal to it in book order until none is left.
  const sorted = rem.slice().sort();
  const threshold = sorted[m - left]!;
  for (let j = 0; j < m; j++) {
    if (rem[j]! > threshold) {
      out[idx[j]!]! += 1;
      left--;
    }
  }
  for (let j = 0; j < m && left > 0; j++) {
    if (rem[j] === threshold) {
      out[idx[j]!]! += 1;
      left--;
    }
  }
}

function shareProRataBig(idx: readonly number[], qty: Float64Array, allot: number, total: number, out: Float64Array): void {
  const A = BigInt(allot);
  const T = BigInt(total);
  const rem: bigint[] = [];
  let given = 0n;
  for (let j = 0; j < idx.length; j++) {
    const x = A * BigInt(qty[idx[j]!]!);
    const share = x / T;
    out[idx[j]!] = Number(share);
    rem.push(x % T);
    given += share;
  }
  const left = Number(A - given);
  const order = idx.map((_, j) => j).sort((x, y) => (rem[x]! > rem[y]! ? -1 : rem[x]! < rem[y]! ? 1 : x - y));
  for (let k = 0; k < left; k++) out[idx[order[k]!]!]! += 1;
}

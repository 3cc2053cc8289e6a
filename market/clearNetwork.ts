/**
 * Network-constrained clearing of one interval: the order book as an LP dispatch
 * over the grid (market/lp/dispatch.ts), nodal prices from the duals of the bus
 * balances, and one rounding step at the boundary back to the book's integers.
 *
 * Demand bids are optional quantities with a limit price ≤ the cap, so the LP over
 * bids is always feasible: demand the network cannot deliver stays uncleared and
 * the price at its bus rises to its bid — load shedding at a value of lost load
 * equal to the bid (the cap for inelastic demand bid at the cap). 'infeasible'
 * therefore never comes from a valid book here but for phase shifters (their loop
 * flow alone over a limit no bid can relieve); it does from fixed loads or
 * generator minimums (MATPOWER cases, `dispatch` directly).
 */
import { UserError } from '../core/errors.ts';
import { IntIndex } from '../core/intIndex.ts';
import { ScratchArrays, zerosIn } from '../core/typedArrays.ts';
import type { Network } from '../network/types.ts';
import type { TopologyCache } from '../network/topology.ts';
import type { BranchModel } from '../network/types.ts';
import { type DispatchProblem, DISPATCH_TOLERANCE, type DispatchResult } from './lp/dispatch.ts';
import type { FeederDispatchResult, FeederProblem } from './lp/feederDispatch.ts';
import { dispatchFeederWindowed } from './lp/windowedFeederDispatch.ts';
import { dispatchFeederMarginalLosses } from './lp/marginalLossDispatch.ts';
import { dispatchWindowed } from './lp/windowedDispatch.ts';
import type { LpFormulation, LpSolver } from './lp/solver.ts';
import { type ClearingResult, type ClearingStatus, type OrderBook, ticksToPrice } from './types.ts';
import type { BranchFlow } from '../network/types.ts';

export interface ClearNetworkOptions {
  readonly branchModel?: BranchModel;
  readonly topologyCache?: TopologyCache;
  /** Default: the solver's preferred one (HiGHS B-θ, javascript-lp-solver PTDF). */
  readonly formulation?: LpFormulation;
  /**
   * Clear on this radial feeder under LinDistFlow instead of the DC model (market/lp/feederDispatch.ts):
   * the same columns, voltage limits and reactive power added; prices are DLMPs. Segments at
   * islanded buses clear nothing. `network` must be the feeder's.
   */
  readonly feeder?: Omit<FeederProblem, 'offers' | 'unitKw' | 'groups' | 'kvarPerKw'>;
  /** With `feeder`: price marginal losses (market/lp/marginalLossDispatch.ts), the operating point's losses supplied outside the market. */
  readonly marginalLosses?: boolean;
  /** With `feeder`: per book segment, tan φ (kvar per kW) of its reactive power; segments with different values are separate columns. */
  readonly segmentKvarPerKw?: Float64Array;
  /** An earlier result's awards no one reads any more: the awards are written to its buffer when it has room (core/typedArrays.ts `zerosIn`). */
  readonly awardsInto?: Float64Array | undefined;
}

/** What `clearNetwork` computed before rounding, for tests and reports. @internal */
export interface NetworkClearingDetail {
  readonly result: ClearingResult;
  /** The LP over the aggregated columns, and its raw result (kW, currency/MWh, currency/h). */
  readonly problem: DispatchProblem;
  readonly lp: DispatchResult;
  /** Column (aggregated offer) of each book segment; −1 for zero-quantity segments. */
  readonly columnOf: Int32Array;
  /** Network bus index of each book bus. */
  readonly networkBusOf: Int32Array;
}

/**
 * Clears `book` on `network` with `solver` and returns the market's `ClearingResult`.
 *
 * Pure (no I/O, clock or randomness; `book` and `network` are only read). Throws a
 * `UserError` only when the book does not fit the network (a book bus that is not a
 * network bus); every optimisation outcome is a status.
 *
 * ## From the book to the LP
 * Segments at the same network bus, side and price tick are one LP column (their
 * quantities added): the LP cannot tell them apart, and the rounding below shares
 * the column among them pro rata, as the double auction does. kW = quanta ×
 * `rules.quantumKw`, price = ticks × `rules.priceTickMwh`.
 *
 * Above `WINDOWED_ABOVE_COLUMNS` columns (100,000 agents bid ~185,000), or from
 * `WINDOWED_COLUMNS_PER_BUS` columns a bus (buses with hundreds of bidders each), the LP is solved on
 * the columns near each bus's price only, and the solution is proved optimal for every
 * column (market/lp/windowedDispatch.ts): the same welfare, and the same prices wherever
 * they are unique. Where the optimum is not unique (a buy and a sell at the same price
 * at the margin), the small LP may pick another of the optimal solutions than the whole
 * one would: both are right, and the rounding below treats either alike.
 *
 * ## Rounding, once, at the boundary
 * - Awards: each side's total is T = the LP's traded quantity rounded to whole quanta
 *   (never above either side's offered total); each side's columns get ⌊LP quanta⌋ and
 *   the quanta left go one each to the largest fractional parts (or are taken back from
 *   the smallest), never exceeding a column's quantity nor going below zero, so
 *   Σ buy quanta = Σ sell quanta = T exactly. A column's award is shared among its
 *   segments pro rata to their quantities, ⌊A·qᵢ/Q⌋ plus largest remainders, ties in
 *   book order. No award moves more than a quantum or two from the LP's.
 * - Prices: each bus's LP price rounded to the nearest tick. They are not clamped to
 *   [floor, cap]: on a meshed network a nodal price can lie outside the range of the
 *   bids that set it, and clamping would break the prices' meaning.
 * - Flows are the LP's, rounded to the quantum and clipped to ±limit; shadow prices are
 *   rounded to the tick; out-of-service branches are listed with flow 0 and limit 0.
 * `welfare` is computed from the rounded awards at the bid prices. Settling these
 * numbers closes exactly: buyers pay = sellers receive + Σ_bus price × (bought − sold).
 *
 * ## Prices when nothing trades
 * With no segment traded (empty book, one side only, bids that do not cross) every
 * price is NaN, as in `doubleAuction`: the duals then do not define a price.
 */
export function clearNetwork(book: OrderBook, network: Network, solver: LpSolver, opts: ClearNetworkOptions = {}): ClearingResult {
  // The detail is dropped here: its column arrays may live in the module's scratch.
  return clearNetworkDetailed(book, network, solver, opts, true).result;
}

/** The column of each (bus, side, class, price tick) key of the clearing running now (calls are synchronous: one index per thread). */
const COLUMN_INDEX = new IntIndex();

/**
 * Scratch arrays reused from call to call (the calls are synchronous), grown as needed and
 * handed out as views: the per-column and per-segment arrays of a clearing, a few tens of
 * bytes per agent each LP interval, were off-heap memory whose churn started full
 * collections at scale (issue 16). Only for arrays no result keeps: the ones internal to a
 * call always, the LP's columns and the segment → column map when the detail is dropped
 * (`clearNetwork`).
 */
const scratchArrays = new ScratchArrays();
const f64 = (key: string, n: number): Float64Array => scratchArrays.f64(key, n);
const i32 = (key: string, n: number): Int32Array => scratchArrays.i32(key, n);
const u8 = (key: string, n: number): Uint8Array => scratchArrays.u8(key, n);

/**
 * @internal `clearNetwork` with the raw LP result and the segment → column map. `scratch`:
 * the LP's column arrays and the map are the module's scratch, valid until the next call.
 */
export function clearNetworkDetailed(book: OrderBook, network: Network, solver: LpSolver, opts: ClearNetworkOptions = {}, scratch = false): NetworkClearingDetail {
  const networkBusOf = mapBuses(book, network);
  const { rules } = book;
  const n = book.size;
  const awarded = zerosIn(n, opts.awardsInto);
  const busPrice = new Float64Array(book.buses.length).fill(NaN);

  // Columns: one per (network bus, side, price tick).
  const columnOf = (scratch ? i32('columnOf', n) : new Int32Array(n)).fill(-1);
  const keyToColumn = new Map<number, number>();
  let minTick = Infinity;
  for (let i = 0; i < n; i++) if (book.quantityQuanta[i]! > 0) minTick = Math.min(minTick, book.priceTicks[i]!);
  const colBus: number[] = [];
  const colBuy: number[] = [];
  const colTicks: number[] = [];
  const colQuanta: number[] = [];
  let maxTick = -Infinity;
  for (let i = 0; i < n; i++) if (book.quantityQuanta[i]! > 0) maxTick = Math.max(maxTick, book.priceTicks[i]!);
  const span = maxTick - minTick + 1;
  let validSegments = 0;
  for (let i = 0; i < n; i++) if (book.quantityQuanta[i]! > 0) validSegments++;
  // Reactive classes: segments whose reactive power differs per kW cannot share a column.
  const tanOf = opts.feeder ? opts.segmentKvarPerKw : undefined;
  const classOf = new Map<number, number>();
  const classTan: number[] = [];
  if (tanOf) for (let i = 0; i < n; i++) if (!classOf.has(tanOf[i]!)) classOf.set(tanOf[i]!, classTan.push(tanOf[i]!) - 1);
  const classes = Math.max(1, classTan.length);
  const colClass: number[] = [];
  // Keys are dense integers below network buses × 2 × classes × span: in the typed index while they fit an Int32 (always, short of a
  // price range of millions of ticks), else in the Map. Sized for every segment having its own column.
  const keySpace = network.buses.length * 2 * classes * span;
  const index = keySpace <= 0x7fffffff ? COLUMN_INDEX : undefined;
  index?.reset(Math.min(validSegments, keySpace));
  let buySegments = 0;
  let sellSegments = 0;
  for (let i = 0; i < n; i++) {
    const q = book.quantityQuanta[i]!;
    if (!(q > 0)) continue;
    const bus = networkBusOf[book.busIndex[i]!]!;
    const buy = book.isBuy[i]!;
    if (buy) buySegments++;
    else sellSegments++;
    const cls = tanOf ? classOf.get(tanOf[i]!)! : 0;
    const key = ((bus * 2 + buy) * classes + cls) * span + (book.priceTicks[i]! - minTick);
    let c = index ? index.get(key) : (keyToColumn.get(key) ?? -1);
    if (c < 0) {
      c = colBus.length;
      if (index) index.add(key, c);
      else keyToColumn.set(key, c);
      colBus.push(bus);
      colBuy.push(buy);
      colTicks.push(book.priceTicks[i]!);
      colQuanta.push(0);
      colClass.push(cls);
    }
    colQuanta[c]! += q;
    columnOf[i] = c;
  }
  const m = colBus.length;
  // Typed columns by plain loops: `TypedArray.from(source, map)` walks its source through an iterator (an object per element).
  const colQuantaArr = scratch ? f64('colQuanta', m) : new Float64Array(m);
  const colBuyArr = scratch ? u8('colBuy', m) : new Uint8Array(m);
  const colBusArr = scratch ? i32('colBus', m) : new Int32Array(m);
  const priceMwh = scratch ? f64('priceMwh', m) : new Float64Array(m);
  const upperKw = scratch ? f64('upperKw', m) : new Float64Array(m);
  const lowerKw = scratch ? f64('lowerKw', m).fill(0) : new Float64Array(m);
  for (let c = 0; c < m; c++) {
    colQuantaArr[c] = colQuanta[c]!;
    colBuyArr[c] = colBuy[c]!;
    colBusArr[c] = colBus[c]!;
    priceMwh[c] = colTicks[c]! * rules.priceTickMwh;
    upperKw[c] = colQuanta[c]! * rules.quantumKw;
  }
  const offers = { count: m, bus: colBusArr, isBuy: colBuyArr, priceMwh, lowerKw, upperKw };
  const problem: DispatchProblem = {
    network,
    offers,
    ...(opts.branchModel ? { branchModel: opts.branchModel } : {}),
    ...(opts.topologyCache ? { topologyCache: opts.topologyCache } : {}),
  };
  const kvarPerKw = tanOf ? Float64Array.from(colClass, (c) => classTan[c]!) : undefined;
  const feederProblem = opts.feeder ? { ...opts.feeder, offers, ...(kvarPerKw ? { kvarPerKw } : {}) } : undefined;
  const lp = feederProblem
    ? opts.marginalLosses
      ? dispatchFeederMarginalLosses(feederProblem, solver, { solve: (p, s) => dispatchFeederWindowed(p, s), operatingLosses: 'outside', reactiveFactors: false })
      : dispatchFeederWindowed(feederProblem, solver)
    : dispatchWindowed(problem, solver, opts.formulation ? { formulation: opts.formulation } : {});
  const base = { interval: book.interval, mechanism: 'lp-dispatch' as const, awardedQuanta: awarded, busPriceMwh: busPrice };
  const unsupported = lp.status === 'optimal' ? unsupportedAward(lp, offers, kvarPerKw, network, rules) : undefined;
  if (unsupported) {
    // Prices that do not support the awards are no optimum's: never published (the run counts a clearing problem).
    return { result: { ...base, status: 'solver-error', message: unsupported, flows: branchFlows(network, lp, rules, true), welfare: NaN }, problem, lp, columnOf, networkBusOf };
  }
  if (lp.status !== 'optimal') {
    const status: ClearingStatus = lp.status;
    const flows = branchFlows(network, lp, rules, true);
    return { result: { ...base, status, message: lp.message, flows, welfare: NaN }, problem, lp, columnOf, networkBusOf };
  }

  // Round the columns to whole quanta with equal totals on both sides.
  const colValue = f64('colValue', m); // internal: scratch whatever `scratch` says
  for (let c = 0; c < m; c++) colValue[c] = lp.quantityKw[c]! / rules.quantumKw;
  const colAward = roundColumns(colValue, colQuantaArr, colBuyArr, 0, f64('colAward', m))!; // N = 0: always balanced (0 ≤ target ≤ both caps)
  shareColumns(book, columnOf, colAward, colQuantaArr, awarded);

  let traded = 0;
  let welfareTicksQuanta = 0;
  for (let i = 0; i < n; i++) {
    const a = awarded[i]!;
    if (a === 0) continue;
    if (book.isBuy[i]) {
      traded += a;
      welfareTicksQuanta += a * book.priceTicks[i]!;
    } else welfareTicksQuanta -= a * book.priceTicks[i]!;
  }
  let message = '';
  if (traded === 0) {
    message = m === 0 ? 'empty book: no bids' : sellSegments === 0 ? 'no sellers' : buySegments === 0 ? 'no buyers' : 'bids do not cross: nothing can trade profitably on this network';
  } else if (!lp.priceMwh.some((p) => !Number.isNaN(p))) {
    message = lp.message;
  } else {
    for (let k = 0; k < book.buses.length; k++) {
      const p = lp.priceMwh[networkBusOf[k]!]!;
      busPrice[k] = ticksToPrice(Math.round(p / rules.priceTickMwh), rules.priceTickMwh);
    }
  }
  const welfare = (welfareTicksQuanta * rules.priceTickMwh * rules.quantumKw * book.durationH) / 1000;
  return { result: { ...base, status: 'cleared', message, flows: branchFlows(network, lp, rules, false), welfare }, problem, lp, columnOf, networkBusOf };
}

/**
 * The first LP column whose award its bus price does not support, described, or undefined:
 * an accepted buy must be priced at or below its bid, a buy left with room at or above it
 * (a sell the other way round), within a price tick. That is complementary slackness on the
 * offer columns, the one property of the duals a bidder sees; valid duals of an optimum always
 * have it. On a feeder a column is priced at its bus's DLMP plus its tan φ times the bus's
 * reactive price (a buy draws tan φ kvar with each kW): the DLMP alone can exceed a bid that
 * the column clears at, where absorbing reactive power is worth something.
 * One pass over the columns; skipped where the LP gave no prices.
 */
export function unsupportedAward(lp: DispatchResult, offers: DispatchProblem['offers'], kvarPerKw: Float64Array | undefined, network: Network, rules: OrderBook['rules']): string | undefined {
  const reactive = kvarPerKw && 'feeder' in lp ? (lp as FeederDispatchResult).feeder.reactivePriceMvarh : undefined;
  const tick = rules.priceTickMwh;
  const eps = SNAP_QUANTA * rules.quantumKw;
  const { bus, isBuy, priceMwh: bid, lowerKw, upperKw } = offers;
  const { priceMwh, quantityKw } = lp;
  for (let c = 0; c < offers.count; c++) {
    const k = bus[c]!;
    const tan = reactive ? kvarPerKw![c]! : 0;
    const price = tan === 0 ? priceMwh[k]! : priceMwh[k]! + tan * reactive![k]!;
    // Surplus per MWh of one more kW: a buy gains bid − price, a sell price − offer (NaN where there is no price: skipped).
    const surplus = isBuy[c] ? bid[c]! - price : price - bid[c]!;
    if (!(surplus < -tick || surplus > tick)) continue;
    const kw = quantityKw[c]!;
    if (surplus < -tick ? kw > lowerKw[c]! + eps : kw < upperKw[c]! - eps) {
      const what = `${isBuy[c] ? 'a buy' : 'a sell'} at ${bid[c]} /MWh at bus '${network.buses[k]!.id}'`;
      const at = `a price of ${price}${tan !== 0 ? ` (DLMP ${priceMwh[k]} + ${tan} kvar/kW × reactive price ${reactive![k]})` : ''}`;
      return `${lp.solver}'s prices do not support its awards: ${what} was awarded ${kw} of ${upperKw[c]} kW at ${at}; not an optimum's prices, so the interval is not cleared`;
    }
  }
  return undefined;
}

function mapBuses(book: OrderBook, network: Network): Int32Array {
  const index = new Map<string, number>(network.buses.map((b, i) => [b.id, i]));
  const out = new Int32Array(book.buses.length);
  const unknown: string[] = [];
  book.buses.forEach((b, k) => {
    const i = index.get(b);
    if (i === undefined) unknown.push(b);
    else out[k] = i;
  });
  if (unknown.length > 0)
    throw new UserError(
      `the order book has bus${unknown.length === 1 ? '' : 'es'} ${unknown.map((b) => `'${b}'`).join(', ')} that ${unknown.length === 1 ? 'is' : 'are'} not in network '${network.name}' (its buses: ${network.buses
        .slice(0, 12)
        .map((b) => `'${b.id}'`)
        .join(', ')}${network.buses.length > 12 ? ', …' : ''})`,
    );
  return out;
}

/** Flows to the quantum (clipped to ±limit) and shadow prices to the tick, like everything else that leaves. */
function branchFlows(network: Network, lp: DispatchResult, rules: OrderBook['rules'], failed: boolean): BranchFlow[] {
  const toQuantum = (kw: number): number => Math.round(kw / rules.quantumKw) * rules.quantumKw;
  const toTick = (p: number): number => ticksToPrice(Math.round(p / rules.priceTickMwh), rules.priceTickMwh);
  return network.branches.map((br, i) => {
    const limitKw = br.inService ? br.limitKw : 0;
    let flowKw = failed ? NaN : toQuantum(lp.flowKw[i]!);
    if (Number.isFinite(limitKw)) flowKw = Math.max(-limitKw, Math.min(limitKw, flowKw));
    return { id: br.id, flowKw: flowKw + 0, limitKw, shadowPriceMwh: failed ? NaN : toTick(lp.flowShadowMwh[i]!) + 0 };
  });
}

/** Snaps LP noise: a value within this many quanta of an integer is that integer. */
const SNAP_QUANTA = 1e-6;

/**
 * Whole quanta per column with Σ buy + netWithdrawalQuanta = Σ sell, each within [0, cap],
 * each within a quantum of the LP (plus what the totals' repair needs), by largest
 * remainder. `netWithdrawalQuanta` is what other participants (day-ahead schedules)
 * withdraw, net, in whole quanta; undefined when no split can balance it. Written to `into`
 * (`value.length` long) when given.
 */
export function roundColumns(value: Float64Array, cap: Float64Array, isBuy: Uint8Array, netWithdrawalQuanta = 0, into?: Float64Array): Float64Array | undefined {
  const m = value.length;
  let buyTotal = 0;
  let sellTotal = 0;
  let buyCap = 0;
  let sellCap = 0;
  for (let c = 0; c < m; c++) {
    const v = Math.min(cap[c]!, Math.max(0, value[c]!));
    if (isBuy[c]) {
      buyTotal += v;
      buyCap += cap[c]!;
    } else {
      sellTotal += v;
      sellCap += cap[c]!;
    }
  }
  // Buy target B and sell target B + N, N the other withdrawals (day-ahead schedules; 0 alone).
  const N = netWithdrawalQuanta;
  const low = Math.max(0, -N);
  const high = Math.min(buyCap, sellCap - N);
  if (low > high) return undefined;
  const target = Math.max(low, Math.min(high, Math.round((buyTotal + sellTotal - N) / 2 + 0)));
  // `into` (m long; every column is written below, on its side) or a new array.
  const out = into ?? new Float64Array(m);
  for (const side of [1, 0]) {
    const cols: number[] = [];
    for (let c = 0; c < m; c++) if (isBuy[c] === side) cols.push(c);
    apportion(value, cap, cols, side ? target : target + N, out);
  }
  return out;
}

function apportion(value: Float64Array, cap: Float64Array, cols: readonly number[], target: number, out: Float64Array): void {
  let sum = 0;
  const rem = f64('rem', value.length); // each entry read is written first (the side's columns)
  const fractional: number[] = [];
  for (const c of cols) {
    const v = Math.min(cap[c]!, Math.max(0, value[c]!));
    const r = Math.round(v);
    const whole = Math.abs(v - r) <= SNAP_QUANTA * Math.max(1, DISPATCH_TOLERANCE * v) ? r : Math.floor(v);
    out[c] = whole;
    rem[c] = v - whole;
    if (rem[c] !== 0) fractional.push(c);
    sum += whole;
  }
  if (sum === target) return;
  // Only the LP's basic columns have fractional parts: a few, whatever the book's size.
  if (sum < target) {
    // Largest remainders first, then any column with room (ties: column order).
    const order = [...fractional.sort((a, b) => rem[b]! - rem[a]! || a - b), ...cols];
    for (let k = 0; sum < target && k < order.length; k++) {
      const c = order[k]!;
      const room = cap[c]! - out[c]!;
      if (room <= 0) continue;
      const add = k < fractional.length ? 1 : Math.min(room, target - sum);
      out[c]! += add;
      sum += add;
    }
  } else {
    const order = [...fractional.sort((a, b) => rem[a]! - rem[b]! || b - a), ...cols];
    for (let k = 0; sum > target && k < order.length; k++) {
      const c = order[k]!;
      if (out[c]! <= 0) continue;
      const take = k < fractional.length ? 1 : Math.min(out[c]!, sum - target);
      out[c]! -= take;
      sum -= take;
    }
  }
}

/** Shares each column's whole-quanta award among its segments: pro rata, largest remainder, ties in book order. */
export function shareColumns(book: OrderBook, columnOf: Int32Array, colAward: Float64Array, colQuanta: Float64Array, awarded: Float64Array): void {
  const m = colAward.length;
  // Segments of each column in book order (counting sort by column).
  // Internal to the call: scratch.
  const count = i32('shareCount', m + 1).fill(0);
  for (let i = 0; i < book.size; i++) if (columnOf[i]! >= 0) count[columnOf[i]! + 1]!++;
  for (let c = 0; c < m; c++) count[c + 1]! += count[c]!;
  const order = i32('shareOrder', count[m]!);
  const fill = i32('shareFill', m);
  fill.set(count.subarray(0, m));
  for (let i = 0; i < book.size; i++) if (columnOf[i]! >= 0) order[fill[columnOf[i]!]!++] = i;
  for (let c = 0; c < m; c++) {
    const A = colAward[c]!;
    const Q = colQuanta[c]!;
    const from = count[c]!;
    const to = count[c + 1]!;
    if (A === 0) continue;
    if (A === Q || to - from === 1) {
      for (let k = from; k < to; k++) awarded[order[k]!] = A === Q ? book.quantityQuanta[order[k]!]! : A;
      continue;
    }
    const rems: Array<{ i: number; r: bigint | number }> = [];
    let given = 0;
    for (let k = from; k < to; k++) {
      const i = order[k]!;
      const q = book.quantityQuanta[i]!;
      const prod = A * q;
      let share: number;
      let r: bigint | number;
      if (Number.isSafeInteger(prod)) {
        share = Math.floor(prod / Q);
        r = prod - share * Q;
      } else {
        const bp = BigInt(A) * BigInt(q);
        const bq = BigInt(Q);
        share = Number(bp / bq);
        r = bp % bq;
      }
      awarded[i] = share;
      given += share;
      rems.push({ i, r });
    }
    rems.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
    for (let k = 0; given < A && k < rems.length; k++, given++) awarded[rems[k]!.i]!++;
  }
}

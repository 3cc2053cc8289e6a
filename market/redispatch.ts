/**
 * Real-time re-dispatch: what the system does when what parties actually did differs
 * from their real-time positions (operator commands, crashes, forecast errors, an
 * intermediary that bought more than its members take). Pure: plain data in and out,
 * no agents, no clock.
 *
 * Everything with physics is fixed at its metered actual, summed per bus
 * (`fixedNetQuanta`: + withdrawal, − injection). Dispatchable units (generators facing
 * the market) move along their **regulation offers** around their position:
 *
 *   the first `position` kW of a unit's merit order at marginal cost − spread
 *   (down-regulation: it buys that energy back at that price), the rest at
 *   marginal cost + spread (up-regulation),
 *
 * (`regulationCurve`); a unit that can take energy back (a grid connection absorbing
 * exports) bids that too, below its value − spread. The book — one inelastic bid per bus for the fixed net
 * withdrawal (a buy at the price cap, or an injection offered at the floor) and the
 * units' regulation curves — clears like any interval (`clear`: the auction on one bus,
 * LP dispatch with the network when the mechanism uses it). The units' awards are their
 * outputs, and the prices at the buses are the **imbalance prices** every deviation
 * settles at.
 *
 * When the network cannot carry the fixed withdrawal within its limits, re-dispatch
 * clears again ignoring them: the overload is physical (flows show it; `overloaded`
 * is set). When regulation cannot cover the fixed withdrawal at all (not enough
 * capacity) or absorb a fixed injection (no one to take it), what is left is reported
 * per bus as `unservedQuanta` / `spilledQuanta` — never absorbed silently by a
 * reference bus. The engine's books then do not close, and say why.
 */
import type { AgentId, BusId } from '../core/units.ts';
import { clear, type Grid, type Mechanism } from './clear.ts';
import { OrderBookBuilder } from './orderBook.ts';
import type { BidSegment, ClearingResult, MarketRules, OrderBook } from './types.ts';

/** A block of physical output at its marginal cost (a generator's offer, cheapest first). */
export interface OfferBlock {
  readonly kw: number;
  readonly valueMwh: number;
}

/** A dispatchable unit facing the market. */
export interface RegulatingUnit {
  readonly id: AgentId;
  readonly bus: BusId;
  /** Its real-time position as net output (sold − bought), whole quanta. */
  readonly positionQuanta: number;
  /** What it can physically produce now, at marginal cost, cheapest first. */
  readonly blocks: readonly OfferBlock[];
  /** What it can take back (negative output), at the most it pays, most valuable first (a grid connection absorbing exports). */
  readonly takes?: readonly OfferBlock[];
}

export interface RedispatchInput {
  readonly interval: number;
  readonly durationH: number;
  readonly rules: MarketRules;
  /** Bus order of every per-bus array. */
  readonly buses: readonly BusId[];
  /** Per bus: net withdrawal of everything that is not re-dispatched, metered, whole quanta. */
  readonly fixedNetQuanta: Float64Array;
  readonly units: readonly RegulatingUnit[];
  /** Up-regulation costs marginal cost + spread, down-regulation pays back marginal cost − spread (currency/MWh, ≥ 0). */
  readonly spreadMwh: number;
  readonly mechanism: Mechanism;
  readonly grid: Grid | undefined;
}

export interface RedispatchResult {
  /** Per unit (input order): net output after re-dispatch, whole quanta. */
  readonly outputQuanta: Float64Array;
  /** Per bus: the imbalance price, currency/MWh on the tick; NaN where the re-dispatch defines none. */
  readonly imbalancePriceMwh: Float64Array;
  /** Per bus: fixed withdrawal regulation could not cover, and fixed injection nobody could take, quanta ≥ 0. */
  readonly unservedQuanta: Float64Array;
  readonly spilledQuanta: Float64Array;
  /** True when the network's limits had to be ignored to serve the fixed withdrawal. */
  readonly overloaded: boolean;
  /** The re-dispatch book and its clearing (flows are the physical flows of the whole interval). */
  readonly book: OrderBook;
  readonly result: ClearingResult;
}

/**
 * A unit's regulation curve around `positionKw` (sell segments, cheapest first): the first
 * `positionKw` of its merit order at marginal cost − spread, the rest at marginal cost +
 * spread, prices kept within [floor, cap] — and a tick inside the limit where they meet a fixed
 * bid: a sell at least floor + tick (the fixed injections are offered at the floor), a buy at
 * most cap − tick (the fixed withdrawals bid the cap). At the same price the clearing rations a
 * tie pro rata, so a down-regulation clamped to the floor took part of the fixed injection's
 * place: the unit kept producing while the sites' metered export was spilled and the books did
 * not close (audit W-fuzz: floor 0, a unit at marginal cost 0, spread 10). Example: blocks
 * [400 kW at 80, 200 kW at 95], position 450 kW, spread 10: [400 at 70, 50 at 85, 150 at 105].
 */
export function regulationCurve(
  blocks: readonly OfferBlock[],
  positionKw: number,
  spreadMwh: number,
  rules: Pick<MarketRules, 'priceCapMwh' | 'priceFloorMwh' | 'priceTickMwh'>,
  takes: readonly OfferBlock[] = [],
): BidSegment[] {
  const sellAt = (p: number): number => Math.min(rules.priceCapMwh, Math.max(rules.priceFloorMwh + rules.priceTickMwh, p));
  const buyAt = (p: number): number => Math.min(rules.priceCapMwh - rules.priceTickMwh, Math.max(rules.priceFloorMwh, p));
  const out: BidSegment[] = [];
  let loaded = Math.max(0, positionKw);
  for (const b of blocks) {
    if (!(b.kw > 0)) continue;
    const down = Math.min(b.kw, loaded);
    loaded -= down;
    if (down > 0) out.push({ side: 'sell', priceMwh: sellAt(b.valueMwh - spreadMwh), quantityKw: down });
    if (b.kw - down > 0) out.push({ side: 'sell', priceMwh: sellAt(b.valueMwh + spreadMwh), quantityKw: b.kw - down });
  }
  // Taking energy back: what it already takes (a negative position) it gives up only above value + spread; more below value − spread.
  let taken = Math.max(0, -positionKw);
  for (const b of takes) {
    if (!(b.kw > 0)) continue;
    const held = Math.min(b.kw, taken);
    taken -= held;
    if (held > 0) out.push({ side: 'buy', priceMwh: buyAt(b.valueMwh + spreadMwh), quantityKw: held });
    if (b.kw - held > 0) out.push({ side: 'buy', priceMwh: buyAt(b.valueMwh - spreadMwh), quantityKw: b.kw - held });
  }
  return out;
}

export function redispatch(input: RedispatchInput): RedispatchResult {
  const { rules, buses } = input;
  const q = rules.quantumKw;
  const builder = new OrderBookBuilder({ interval: input.interval, durationH: input.durationH, rules, buses, isKnownAgent: () => true, trustedIdentities: true }, 16 + 4 * input.units.length + 2 * buses.length);
  // Bid b < buses.length … : fixed bids first (one per bus with a net), then one bid per unit.
  const fixedBid = new Int32Array(buses.length).fill(-1);
  let nBids = 0;
  buses.forEach((bus, k) => {
    const net = input.fixedNetQuanta[k]!;
    if (net === 0) return;
    const segment: BidSegment = net > 0 ? { side: 'buy', priceMwh: rules.priceCapMwh, quantityKw: net * q } : { side: 'sell', priceMwh: rules.priceFloorMwh, quantityKw: -net * q };
    const problem = builder.add({ id: `fixed@${bus}`, agentId: 'fixed' as AgentId, bus, interval: input.interval, segments: [segment] });
    if (problem) throw new Error(`re-dispatch: ${problem.reason}`);
    fixedBid[k] = nBids++;
  });
  const nFixed = nBids;
  const unitBid = new Int32Array(input.units.length).fill(-1);
  input.units.forEach((u, j) => {
    const segments = regulationCurve(u.blocks, u.positionQuanta * q, input.spreadMwh, rules, u.takes).filter((s) => Math.round(s.quantityKw / q) > 0);
    if (segments.length === 0) return;
    const problem = builder.add({ id: `regulation:${u.id}`, agentId: u.id, bus: u.bus, interval: input.interval, segments });
    if (problem) throw new Error(`re-dispatch of ${u.id}: ${problem.reason}`);
    unitBid[j] = nBids++;
  });
  const book = builder.build();
  let result = clear(book, input.mechanism, input.grid);
  let overloaded = false;
  // Limits that cannot hold: the withdrawal happened anyway, so the lines carry it.
  if (input.grid && input.mechanism !== 'double-auction' && (result.status !== 'cleared' || shortOnFixed(book, result, nFixed) > 0)) {
    const unconstrained = clear(book, 'double-auction', input.grid);
    if (unconstrained.status === 'cleared' && shortOnFixed(book, unconstrained, nFixed) < shortOnFixed(book, result, nFixed)) {
      result = unconstrained;
      overloaded = true;
    }
  }
  // Per bid: what it was awarded, sells positive (a unit's net output; a fixed bid has one side).
  const awardedByBid = new Float64Array(nBids);
  for (let s = 0; s < book.size; s++) {
    const a = result.status === 'cleared' ? result.awardedQuanta[s]! : 0;
    const b = book.bidIndex[s]!;
    awardedByBid[b]! += b < nFixed || !book.isBuy[s] ? a : -a;
  }
  const outputQuanta = Float64Array.from(unitBid, (b) => (b < 0 ? 0 : awardedByBid[b]!));
  const unservedQuanta = new Float64Array(buses.length);
  const spilledQuanta = new Float64Array(buses.length);
  fixedBid.forEach((b, k) => {
    if (b < 0) return;
    const left = Math.abs(input.fixedNetQuanta[k]!) - awardedByBid[b]!;
    if (input.fixedNetQuanta[k]! > 0) unservedQuanta[k] = left;
    else spilledQuanta[k] = left;
  });
  const imbalancePriceMwh = result.status === 'cleared' ? Float64Array.from(result.busPriceMwh) : new Float64Array(buses.length).fill(NaN);
  return { outputQuanta, imbalancePriceMwh, unservedQuanta, spilledQuanta, overloaded, book, result };
}

/** Fixed quanta the clearing left unserved or unabsorbed. */
function shortOnFixed(book: OrderBook, result: ClearingResult, nFixed: number): number {
  if (result.status !== 'cleared') return Infinity;
  let left = 0;
  for (let s = 0; s < book.size; s++) if (book.bidIndex[s]! < nFixed) left += book.quantityQuanta[s]! - result.awardedQuanta[s]!;
  return left;
}

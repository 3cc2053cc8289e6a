/**
 * The market on its own, for library users: bids in, a clearing result out.
 * `clearBids(bids, options)` validates the bids into an order book (invalid ones are
 * rejected with a reason, the rest clear) and clears one interval: a uniform double
 * auction on one bus, LP dispatch with nodal prices on a network whose limits bind
 * (see `clear` in market/clear.ts for how the mechanism is picked).
 *
 * Pure: no I/O, clock or randomness; bids and network are only read.
 *
 * @example
 * const { result } = clearBids([
 *   { id: 'b1', agentId: agentId('home-1'), bus: busId('n1'), interval: 0, segments: [{ side: 'buy', priceMwh: 120, quantityKw: 5 }] },
 *   { id: 's1', agentId: agentId('gen-1'), bus: busId('n1'), interval: 0, segments: [{ side: 'sell', priceMwh: 40, quantityKw: 8 }] },
 * ]);
 * result.busPriceMwh[0]; // 40: the seller's block is the one partly accepted (5 of its 8 kW), so partial-block prices it
 */
import type { BusId } from '../core/units.ts';
import { TopologyCache } from '../network/topology.ts';
import type { Network } from '../network/types.ts';
import { clear, type Mechanism } from './clear.ts';
import { jslpSolver } from './lp/jslp.ts';
import type { LpSolver } from './lp/solver.ts';
import { buildOrderBook } from './orderBook.ts';
import { type Bid, type ClearingResult, DEFAULT_RULES, limitOffTick, type MarketRules, type OrderBook, type Rejection } from './types.ts';

export interface ClearOptions {
  /** Market rules; missing fields take `DEFAULT_RULES`. */
  readonly rules?: Partial<MarketRules> | undefined;
  /** The grid (`createNetwork`); without one, every bid is at one node and the bids' buses are only labels. */
  readonly network?: Network | undefined;
  /** LP solver for network clearing; default javascript-lp-solver (small cases). `await loadSolver('highs')` scales. */
  readonly solver?: LpSolver | undefined;
  /** Default 'auto': the auction, and LP dispatch only where the auction's flows would break a limit. */
  readonly mechanism?: Mechanism | undefined;
  /** The interval the bids are for (bids for another are rejected); default 0. */
  readonly interval?: number | undefined;
  /** Length of the interval, hours; default 0.25. */
  readonly durationH?: number | undefined;
}

export interface Clearing {
  readonly book: OrderBook;
  readonly result: ClearingResult;
  /** Bids that did not enter the book, each with a code and a reason. */
  readonly rejections: readonly Rejection[];
}

export function clearBids(bids: readonly Bid[], options: ClearOptions = {}): Clearing {
  const rules: MarketRules = { ...DEFAULT_RULES, ...options.rules };
  const offTick = limitOffTick(rules);
  if (offTick) throw new RangeError(`clear: rules.${offTick.key} ${offTick.message}`);
  const network = options.network;
  const buses: BusId[] = network ? network.buses.map((b) => b.id) : [...new Set(bids.map((b) => b.bus))];
  const agents = new Set(bids.map((b) => b.agentId as string));
  const { book, rejections } = buildOrderBook(bids, {
    interval: options.interval ?? 0,
    durationH: options.durationH ?? 0.25,
    rules,
    buses,
    isKnownAgent: (id) => agents.has(id),
  });
  const grid = network ? { network, solver: options.solver ?? jslpSolver, topologies: new TopologyCache() } : undefined;
  return { book, rejections, result: clear(book, options.mechanism ?? 'auto', grid) };
}

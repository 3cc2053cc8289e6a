/**
 * `clear(book, grid, mechanism)`: picks the mechanism for an interval.
 *
 * - `double-auction`: one price for the whole market, whatever the grid (as most
 *   wholesale markets clear); when a network is given, the physical DC flows of the
 *   result are reported so overloads are visible, but they do not shape the clearing.
 * - `lp`: LP dispatch with nodal prices on the network.
 * - `auto`: the double auction, and LP dispatch only when the auction's flows would
 *   break a branch limit (thermal, or angle difference; with phase shifts). When no limit binds both give the same quantities and one
 *   price (tested), and sort-and-intersect is orders of magnitude faster (DESIGN.md §3).
 *   On a single bus (no network) it is always the auction.
 *
 * - on a LinDistFlow feeder (`grid.feeder`): `lp` and `auto` clear by the LinDistFlow LP
 *   (DLMPs), `double-auction` by the auction; both with voltages and the AC check.
 *
 * Pure: no I/O, no clock; the topology cache only memoises.
 */
import { dcFlowsKw, branchFlows, withinLimits } from '../network/flows.ts';
import type { TopologyCache } from '../network/topology.ts';
import type { Network } from '../network/types.ts';
import { doubleAuction } from './auction.ts';
import { clearNetwork } from './clearNetwork.ts';
import { clearOnFeeder, type FeederGrid } from './clearFeeder.ts';
import type { LpSolver } from './lp/solver.ts';
import type { ClearingResult, OrderBook } from './types.ts';

export type Mechanism = 'auto' | 'double-auction' | 'lp';

export interface Grid {
  readonly network: Network;
  readonly solver: LpSolver;
  readonly topologies: TopologyCache;
  /** Present under `network.model: lindistflow`: the feeder is cleared with voltages (market/clearFeeder.ts). */
  readonly feeder?: FeederGrid;
}

/**
 * `awardsInto`: an earlier result's `awardedQuanta` no one reads any more, whose buffer the
 * awards are written to when it has room (engine/simulation.ts `reuseIntervalArrays`); the
 * auction's and the LP's awards alike (on the way to an LP clearing the auction's are dropped).
 */
export function clear(book: OrderBook, mechanism: Mechanism, grid: Grid | undefined, awardsInto?: Float64Array): ClearingResult {
  if (!grid || grid.network.buses.length < 2) return doubleAuction(book, awardsInto);
  if (grid.feeder) return clearOnFeeder(book, mechanism, grid.network, grid.solver, grid.feeder, grid.topologies);
  const lpOptions = { topologyCache: grid.topologies, ...(awardsInto ? { awardsInto } : {}) };
  if (mechanism === 'lp') return clearNetwork(book, grid.network, grid.solver, lpOptions);
  const auction = doubleAuction(book, awardsInto);
  const topology = grid.topologies.get(grid.network);
  const flows = dcFlowsKw(topology, injections(book, auction, topology.busIndex));
  if (mechanism === 'double-auction' || withinLimits(topology, flows)) {
    return { ...auction, flows: branchFlows(grid.network, topology, flows) };
  }
  // The auction's awards, in `awardsInto`'s buffer, are done with: the LP's go there instead.
  return clearNetwork(book, grid.network, grid.solver, { ...lpOptions, ...(awardsInto ? {} : { awardsInto: auction.awardedQuanta }) });
}

/** Net injection (supply − demand) per topology bus, kW, from a result's awards. */
function injections(book: OrderBook, result: ClearingResult, busIndex: ReadonlyMap<string, number>): Float64Array {
  const out = new Float64Array(busIndex.size);
  const map = book.buses.map((b) => busIndex.get(b) ?? -1);
  const q = book.rules.quantumKw;
  for (let i = 0; i < book.size; i++) {
    const a = result.awardedQuanta[i]!;
    if (a === 0) continue;
    const k = map[book.busIndex[i]!]!;
    if (k < 0) continue;
    out[k]! += book.isBuy[i] ? -a * q : a * q;
  }
  return out;
}

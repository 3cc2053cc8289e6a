/**
 * The B-θ data of a network's in-service topology, computed once per topology and
 * reused across intervals: bus and branch indices, DC susceptances, and the
 * sparse block of angle columns that every dispatch LP on this topology shares.
 *
 * A `TopologyCache` keys topologies by the branch model and the in-service branch
 * set (with the parameters that shape the B matrix), so clearing interval after
 * interval on the same grid builds the block once, taking a line out of service
 * builds a new one, and putting it back finds the first again.
 */
import type { BusId } from '../core/units.ts';
import type { BranchModel, Network } from './types.ts';

const DEG = Math.PI / 180;

export interface Topology {
  /** The cache key: branch model, buses, in-service branches and their parameters. */
  readonly key: string;
  readonly model: BranchModel;
  readonly busCount: number;
  readonly busIds: readonly BusId[];
  readonly busIndex: ReadonlyMap<string, number>;
  readonly referenceIndex: number;
  /** Number of in-service branches; the arrays below have this length, in network order. */
  readonly branchCount: number;
  /** Index of each in-service branch in `network.branches`. */
  readonly branchOf: Int32Array;
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** DC susceptance, kW per radian: flow = b (θ_from − θ_to − shift). Negative for series capacitors. */
  readonly susceptanceKw: Float64Array;
  /** Phase shift, radians (zero under the PowerModels model). */
  readonly shiftRad: Float64Array;
  /** Thermal limit, kW (Infinity when none). */
  readonly limitKw: Float64Array;
  /** Angle-difference limits, radians (±Infinity when none). */
  readonly angleMinRad: Float64Array;
  readonly angleMaxRad: Float64Array;
  /** In-service branches that carry a limit row (a finite thermal or angle limit), ascending. */
  readonly limited: Int32Array;
  /**
   * Power each bus sends out through phase shifters at zero angles, kW:
   * Σ_{l from k} (−b φ) − Σ_{l to k} (−b φ). Added to the bus's load in the balance row.
   */
  readonly shiftOutflowKw: Float64Array;
  /**
   * The angle columns of the dispatch LP in compressed-column form: column k is θ_k,
   * rows 0..busCount−1 are the nodal balances (coefficients −B, kW/rad), rows
   * busCount + r the limit row of branch `limited[r]` (b on θ_from, −b on θ_to).
   */
  readonly angleStarts: Int32Array;
  readonly angleRows: Int32Array;
  readonly angleValues: Float64Array;
  /** True when the in-service branches form a tree (a radial feeder). */
  readonly radial: boolean;
}

/** The key a topology is cached under; equal keys mean equal B-θ data. */
export function topologyKey(network: Network, model: BranchModel): string {
  const parts: string[] = [model, String(network.baseKva), network.referenceBus, network.buses.map((b) => b.id).join('\u0001')];
  for (const br of network.branches) {
    if (!br.inService) continue;
    parts.push(`${br.id}\u0002${br.from}\u0002${br.to}\u0002${br.reactancePu}\u0002${br.resistancePu}\u0002${br.tapRatio}\u0002${br.phaseShiftDeg}\u0002${br.limitKw}\u0002${br.angleMinDeg}\u0002${br.angleMaxDeg}`);
  }
  return parts.join('\u0003');
}

/** Builds the topology of `network`'s in-service branches. Pure; prefer `TopologyCache.get`. */
export function buildTopology(network: Network, model: BranchModel, key = topologyKey(network, model)): Topology {
  const busIds = network.buses.map((b) => b.id);
  const busIndex = new Map<string, number>(busIds.map((id, i) => [id, i]));
  const n = busIds.length;
  const inService = network.branches.flatMap((b, i) => (b.inService ? [i] : []));
  const m = inService.length;
  const branchOf = Int32Array.from(inService);
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  const b = new Float64Array(m);
  const shift = new Float64Array(m);
  const limitKw = new Float64Array(m);
  const amin = new Float64Array(m);
  const amax = new Float64Array(m);
  const limited: number[] = [];
  for (let l = 0; l < m; l++) {
    const br = network.branches[branchOf[l]!]!;
    from[l] = busIndex.get(br.from)!;
    to[l] = busIndex.get(br.to)!;
    const x = br.reactancePu;
    const r = br.resistancePu;
    const perUnit = model === 'powermodels' ? x / (r * r + x * x) : 1 / (x * br.tapRatio);
    b[l] = perUnit * network.baseKva;
    shift[l] = model === 'powermodels' ? 0 : br.phaseShiftDeg * DEG;
    limitKw[l] = br.limitKw;
    amin[l] = br.angleMinDeg * DEG;
    amax[l] = br.angleMaxDeg * DEG;
    if (Number.isFinite(br.limitKw) || Number.isFinite(amin[l]!) || Number.isFinite(amax[l]!)) limited.push(l);
  }
  const shiftOutflowKw = new Float64Array(n);
  for (let l = 0; l < m; l++) {
    const s = -b[l]! * shift[l]!;
    if (s === 0) continue;
    shiftOutflowKw[from[l]!]! += s;
    shiftOutflowKw[to[l]!]! -= s;
  }

  // Angle columns: accumulate per column (parallel branches add up), rows sorted.
  const limitRow = new Int32Array(m).fill(-1);
  limited.forEach((l, r) => (limitRow[l] = n + r));
  const incident: number[][] = Array.from({ length: n }, () => []);
  for (let l = 0; l < m; l++) {
    incident[from[l]!]!.push(l);
    incident[to[l]!]!.push(l);
  }
  const starts = new Int32Array(n + 1);
  const rows: number[] = [];
  const values: number[] = [];
  const acc = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    acc.clear();
    const add = (row: number, v: number): void => {
      acc.set(row, (acc.get(row) ?? 0) + v);
    };
    for (const l of incident[k]!) {
      const bl = b[l]!;
      const other = from[l] === k ? to[l]! : from[l]!;
      add(k, -bl);
      add(other, bl);
      if (limitRow[l]! >= 0) add(limitRow[l]!, from[l] === k ? bl : -bl);
    }
    for (const row of [...acc.keys()].sort((p, q) => p - q)) {
      const v = acc.get(row)!;
      if (v === 0) continue;
      rows.push(row);
      values.push(v);
    }
    starts[k + 1] = rows.length;
  }
  return Object.freeze({
    key,
    model,
    busCount: n,
    busIds,
    busIndex,
    referenceIndex: busIndex.get(network.referenceBus)!,
    branchCount: m,
    branchOf,
    from,
    to,
    susceptanceKw: b,
    shiftRad: shift,
    limitKw,
    angleMinRad: amin,
    angleMaxRad: amax,
    limited: Int32Array.from(limited),
    shiftOutflowKw,
    angleStarts: starts,
    angleRows: Int32Array.from(rows),
    angleValues: Float64Array.from(values),
    radial: m === n - 1,
  });
}

/**
 * Topologies by key, most recently used kept. `get` returns the same object for
 * the same network object at once (a WeakMap), and for an equal in-service
 * topology after one key computation; it builds only for a topology not seen.
 */
export class TopologyCache {
  private readonly byKey = new Map<string, Topology>();
  private readonly byNetwork = new WeakMap<Network, Map<BranchModel, Topology>>();
  /** Topologies built (cache misses). */
  builds = 0;
  /** Lookups answered from the cache. */
  hits = 0;

  constructor(readonly maxEntries = 32) {}

  get(network: Network, model: BranchModel = 'matpower'): Topology {
    const known = this.byNetwork.get(network)?.get(model);
    if (known && this.byKey.get(known.key) === known) {
      this.hits++;
      return known;
    }
    const key = topologyKey(network, model);
    let topo = this.byKey.get(key);
    if (topo) {
      this.hits++;
      this.byKey.delete(key); // re-insert: most recently used last
    } else {
      topo = buildTopology(network, model, key);
      this.builds++;
      while (this.byKey.size >= this.maxEntries) this.byKey.delete(this.byKey.keys().next().value!);
    }
    this.byKey.set(key, topo);
    let perModel = this.byNetwork.get(network);
    if (!perModel) this.byNetwork.set(network, (perModel = new Map()));
    perModel.set(model, topo);
    return topo;
  }

  get size(): number {
    return this.byKey.size;
  }
}

/** The process-wide cache `dispatch` uses unless given another. */
export const sharedTopologyCache = new TopologyCache();

/**
 * A radial feeder: the in-service branches of a network seen as a tree hanging
 * from the reference (substation) bus. Every energised bus but the root has one
 * parent and one branch to it, "i → j" with i nearer the substation; the LinDistFlow
 * model (network/linDistFlow.ts, market/lp/linDistFlowBlock.ts) and the AC sweep
 * (network/acSweep.ts) walk these arrays.
 *
 * Buses the in-service branches do not connect to the substation are *islanded*:
 * kept (with parent −1), reported, never refused — after an outage or while a
 * fault is isolated their demand is simply unserved. A loop (two paths between
 * two buses, parallel branches included) is refused: LinDistFlow as used here is
 * a model of radial feeders only.
 *
 * Pure; indices are network bus order; impedances per unit on the network's base.
 */
import type { BusId } from '../core/units.ts';
import type { Network } from './types.ts';
import { NetworkError } from './validate.ts';

/** Voltage band where a bus names none (ANSI C84.1 range A, ±5 %). */
export const DEFAULT_V_MIN_PU = 0.95;
export const DEFAULT_V_MAX_PU = 1.05;

export interface FeederLimits {
  /** Voltage of the substation bus, p.u. (default 1). */
  readonly substationVoltagePu?: number;
  /** Band for buses without vMinPu / vMaxPu of their own (default 0.95–1.05). */
  readonly defaultVMinPu?: number;
  readonly defaultVMaxPu?: number;
}

export interface RadialFeeder {
  readonly network: Network;
  readonly busCount: number;
  readonly busIds: readonly BusId[];
  readonly busIndex: ReadonlyMap<string, number>;
  /** Index of the substation (reference) bus. */
  readonly root: number;
  readonly baseKva: number;
  readonly substationVoltagePu: number;
  /** Energised buses (the root first), each after its parent: walk forwards for voltages, backwards for flows. */
  readonly order: Int32Array;
  /** Per bus: 1 when connected to the substation by in-service branches. */
  readonly energised: Uint8Array;
  /** Ids of the buses that are not, in bus order. */
  readonly islanded: readonly BusId[];
  /** Per bus: parent bus index (−1 for the root and islanded buses). */
  readonly parent: Int32Array;
  /** Per bus: index in `network.branches` of the branch to its parent (−1 for none). */
  readonly parentBranch: Int32Array;
  /** Per bus: +1 when its parent branch's `from` is the parent (branch flow = flow towards the bus), −1 otherwise. */
  readonly orientation: Int8Array;
  /** Per bus: resistance and reactance of the branch to its parent, p.u. (0 for none). */
  readonly rPu: Float64Array;
  readonly xPu: Float64Array;
  /** Per bus: thermal limit of the branch to its parent, kW (Infinity when none). */
  readonly limitKw: Float64Array;
  /** Per bus: voltage band, p.u. (the root's is its set point). */
  readonly vMinPu: Float64Array;
  readonly vMaxPu: Float64Array;
  /** Children of bus k: `children[childStart[k] … childStart[k+1]−1]`. */
  readonly childStart: Int32Array;
  readonly children: Int32Array;
}

/**
 * The feeder of `network`'s in-service branches. Throws a `NetworkError` naming the
 * loop when they are not radial (the error's path points at the branch that closes it),
 * for a branch without impedance (r = x = 0), a branch with an off-nominal tap (any
 * branch, open or closed), and a voltage band the wrong way round.
 */
export function radialFeeder(network: Network, limits: FeederLimits = {}): RadialFeeder {
  const n = network.buses.length;
  const busIds = network.buses.map((b) => b.id);
  const busIndex = new Map<string, number>(busIds.map((id, i) => [id, i]));
  const root = busIndex.get(network.referenceBus)!;
  const vSet = limits.substationVoltagePu ?? 1;
  const vLo = limits.defaultVMinPu ?? DEFAULT_V_MIN_PU;
  const vHi = limits.defaultVMaxPu ?? DEFAULT_V_MAX_PU;
  const issues: ConstructorParameters<typeof NetworkError>[0][number][] = [];
  if (!(Number.isFinite(vSet) && vSet > 0)) issues.push({ element: 'network', path: ['feeder', 'substationVoltagePu'], message: `the substation voltage must be a positive number of p.u., got ${vSet}` });
  if (!(vLo <= vHi)) issues.push({ element: 'network', path: ['feeder', 'voltageLimitsPu'], message: `vmin ${vLo} p.u. is above vmax ${vHi} p.u.` });

  // Adjacency of in-service branches (branch indices), in network order.
  const adj: number[][] = Array.from({ length: n }, () => []);
  network.branches.forEach((br, i) => {
    // Every branch, open ones too: an operator may close a tie later (self-healing).
    if (br.tapRatio !== 1) issues.push({ element: `branch '${br.id}'`, path: ['branches', i, 'tapRatio'], message: offNominalTap(br.tapRatio) });
    if (!br.inService) return;
    if (br.resistancePu === 0 && br.reactancePu === 0)
      issues.push({ element: `branch '${br.id}'`, path: ['branches', i], message: 'r = x = 0: a branch without impedance has no voltage drop to model (merge its two buses, or take it out of service as an open switch)' });
    adj[busIndex.get(br.from)!]!.push(i);
    adj[busIndex.get(br.to)!]!.push(i);
  });

  const parent = new Int32Array(n).fill(-1);
  const parentBranch = new Int32Array(n).fill(-1);
  const orientation = new Int8Array(n);
  const seen = new Uint8Array(n);
  const energised = new Uint8Array(n);
  const order: number[] = [];
  // Breadth-first from the root, then from every bus not yet reached (islands are trees too, or loops).
  const starts = [root, ...busIds.map((_, k) => k).filter((k) => k !== root)];
  for (const s of starts) {
    if (seen[s]) continue;
    seen[s] = 1;
    const queue = [s];
    for (let head = 0; head < queue.length; head++) {
      const k = queue[head]!;
      if (s === root) {
        energised[k] = 1;
        order.push(k);
      }
      for (const i of adj[k]!) {
        if (i === parentBranch[k]) continue;
        const br = network.branches[i]!;
        const other = busIndex.get(br.from === busIds[k] ? br.to : br.from)!;
        if (seen[other]) {
          // Reached twice: a loop. Report it once, from the branch met second.
          if (!issues.some((x) => x.path[1] === i)) issues.push({ element: `branch '${br.id}'`, path: ['branches', i], message: describeLoop(busIds, parent, k, other, br.id) });
          continue;
        }
        seen[other] = 1;
        parent[other] = k;
        parentBranch[other] = i;
        orientation[other] = br.from === busIds[k] ? 1 : -1;
        queue.push(other);
      }
    }
  }
  const vMinPu = new Float64Array(n);
  const vMaxPu = new Float64Array(n);
  network.buses.forEach((b, k) => {
    vMinPu[k] = k === root ? vSet : (b.vMinPu ?? vLo);
    vMaxPu[k] = k === root ? vSet : (b.vMaxPu ?? vHi);
    // A bus without a band of its own has the default one, whose problem is reported once above.
    const own = b.vMinPu !== undefined || b.vMaxPu !== undefined;
    if (k !== root && own && !(vMinPu[k]! <= vMaxPu[k]!)) issues.push({ element: `bus '${b.id}'`, path: ['buses', k, 'vMinPu'], message: `vmin ${vMinPu[k]} p.u. is above vmax ${vMaxPu[k]} p.u.` });
  });
  if (issues.length > 0) throw new NetworkError(issues);

  const rPu = new Float64Array(n);
  const xPu = new Float64Array(n);
  const limitKw = new Float64Array(n).fill(Infinity);
  for (let k = 0; k < n; k++) {
    const i = parentBranch[k]!;
    if (i < 0) continue;
    const br = network.branches[i]!;
    rPu[k] = br.resistancePu;
    xPu[k] = br.reactancePu;
    limitKw[k] = br.limitKw;
  }
  const childStart = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) if (parent[k]! >= 0 && energised[k]) childStart[parent[k]! + 1]!++;
  for (let k = 0; k < n; k++) childStart[k + 1]! += childStart[k]!;
  const children = new Int32Array(childStart[n]!);
  const fill = childStart.slice(0, n);
  for (const k of order) if (parent[k]! >= 0) children[fill[parent[k]!]!++] = k;
  return Object.freeze({
    network,
    busCount: n,
    busIds,
    busIndex,
    root,
    baseKva: network.baseKva,
    substationVoltagePu: vSet,
    order: Int32Array.from(order),
    energised,
    islanded: busIds.filter((_, k) => !energised[k]),
    parent,
    parentBranch,
    orientation,
    rPu,
    xPu,
    limitKw,
    vMinPu,
    vMaxPu,
    childStart,
    children,
  });
}

/**
 * Why an off-nominal tap is refused: the drop rows (w_j = w_i − 2(rP + xQ)), the AC sweep and the
 * DLMPs' voltage parts have no transformer ratio, so a tap would be ignored and every voltage behind
 * it off by about (1/tap − 1) — the band checked against the wrong numbers, silently.
 */
function offNominalTap(tap: number): string {
  const off = Math.abs(1 / tap - 1) * 100;
  return `tap ratio ${tap}: network model lindistflow has no off-nominal transformer taps, and ignoring it would leave every voltage beyond this branch about ${+off.toPrecision(3)} % off; set tapRatio to 1 or use model dc`;
}

/** "the in-service branches form a loop: a – b – c – a (closed by branch 'x'); …" */
function describeLoop(busIds: readonly string[], parent: Int32Array, a: number, b: number, closing: string): string {
  // Paths to the tree's root from both ends; the loop is a → … → common ancestor ← … ← b.
  const up = (k: number): number[] => {
    const path = [k];
    while (parent[path[path.length - 1]!]! >= 0) path.push(parent[path[path.length - 1]!]!);
    return path;
  };
  const pa = up(a);
  const pb = up(b);
  const inB = new Set(pb);
  const lca = pa.find((k) => inB.has(k)) ?? pa[pa.length - 1]!;
  // a → … → lca, then down lca → … → b; the closing branch joins b back to a.
  const cycle = [...pa.slice(0, pa.indexOf(lca) + 1), ...pb.slice(0, pb.indexOf(lca)).reverse()].map((k) => `'${busIds[k]}'`);
  const shown = cycle.length > 8 ? [...cycle.slice(0, 4), '…', ...cycle.slice(-3)] : cycle;
  return `the in-service branches form a loop (${[...shown, shown[0]].join(' – ')}, closed by branch '${closing}'): network model lindistflow needs a radial feeder; take one branch of the loop out of service (inService: false, a normally-open tie) or use model dc`;
}

/** Per bus: Σ over its subtree (itself included) of `value`, the flow into it from its parent when `value` is net withdrawal. */
export function subtreeSums(feeder: RadialFeeder, value: ArrayLike<number>, out = new Float64Array(feeder.busCount)): Float64Array {
  out.fill(0);
  const { order, parent } = feeder;
  for (let i = order.length - 1; i >= 0; i--) {
    const k = order[i]!;
    out[k]! += value[k]!;
    const p = parent[k]!;
    if (p >= 0) out[p]! += out[k]!;
  }
  return out;
}

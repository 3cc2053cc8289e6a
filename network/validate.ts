/**
 * Builds validated `Network` values. Every problem is reported at once, each
 * naming the element it concerns (`branch 'L7': reactance must be > 0 …`), so a
 * user fixes a file in one pass. Nothing here throws anything but `NetworkError`.
 */
import { UserError } from '../core/errors.ts';
import { busId } from '../core/units.ts';
import type { Branch, BranchKind, Bus, Network } from './types.ts';

export interface BusDefinition {
  readonly id: string;
  readonly reference?: boolean | undefined;
  readonly baseKv?: number | undefined;
  readonly vMinPu?: number | undefined;
  readonly vMaxPu?: number | undefined;
}

export interface BranchDefinition {
  readonly id: string;
  readonly kind?: BranchKind;
  readonly from: string;
  readonly to: string;
  readonly reactancePu: number;
  readonly resistancePu?: number;
  /** kW; omitted or Infinity: no limit. */
  readonly limitKw?: number;
  readonly inService?: boolean;
  readonly tapRatio?: number;
  readonly phaseShiftDeg?: number;
  readonly angleMinDeg?: number;
  readonly angleMaxDeg?: number;
}

export interface NetworkDefinition {
  readonly name?: string;
  /** kVA; default 1000 (1 MVA). */
  readonly baseKva?: number;
  readonly buses: readonly BusDefinition[];
  readonly branches: readonly BranchDefinition[];
}

export interface NetworkOptions {
  /**
   * Accept negative reactances (series capacitors, as in IEEE 300-bus). Off for
   * native networks, where a negative reactance is nearly always a typo; the
   * MATPOWER importer turns it on.
   */
  readonly allowNegativeReactance?: boolean;
}

/** One problem with a network: the element concerned, where it sits in the definition, and what is wrong. */
export interface NetworkIssue {
  /** `bus 'B3'`, `branch 'L7'` or `network`. */
  readonly element: string;
  /** Path inside the definition, e.g. ['branches', 6, 'reactancePu']; empty for the network as a whole. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export class NetworkError extends UserError {
  override readonly name = 'NetworkError';
  constructor(readonly issues: readonly NetworkIssue[]) {
    super(`invalid network: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${issues.map((i) => `  ${i.element}: ${i.message}`).join('\n')}`);
  }
}

export const DEFAULT_BASE_KVA = 1000;

/**
 * Validates a definition and returns the immutable `Network`, or throws a
 * `NetworkError` listing every problem: duplicate ids, branches to unknown buses
 * or to themselves, zero / negative / non-finite reactance, negative resistance,
 * negative or NaN limits, non-positive taps, angle limits the wrong way round, no
 * reference bus or more than one, and buses islanded from the reference bus by
 * the in-service branches.
 */
export function createNetwork(def: NetworkDefinition, opts: NetworkOptions = {}): Network {
  const issues: NetworkIssue[] = [];
  const bad = (element: string, path: (string | number)[], message: string): void => {
    issues.push({ element, path, message });
  };
  const baseKva = def.baseKva ?? DEFAULT_BASE_KVA;
  if (!(Number.isFinite(baseKva) && baseKva > 0)) bad('network', ['baseKva'], `baseKva must be a positive number, got ${String(baseKva)}`);
  if (def.buses.length === 0) bad('network', ['buses'], 'a network needs at least one bus');

  const buses: Bus[] = [];
  const busSeen = new Map<string, number>();
  const references: string[] = [];
  def.buses.forEach((b, i) => {
    const el = `bus '${b.id}'`;
    if (typeof b.id !== 'string' || b.id === '') {
      bad(`bus #${i + 1}`, ['buses', i, 'id'], 'id must be a non-empty string');
      return;
    }
    const seen = busSeen.get(b.id);
    if (seen !== undefined) bad(el, ['buses', i, 'id'], `duplicate bus id (also buses[${seen}])`);
    else busSeen.set(b.id, i);
    if (b.reference) references.push(b.id);
    if (b.vMinPu !== undefined && b.vMaxPu !== undefined && !(b.vMinPu <= b.vMaxPu))
      bad(el, ['buses', i, 'vMinPu'], `vMinPu ${b.vMinPu} must not exceed vMaxPu ${b.vMaxPu}`);
    buses.push(
      Object.freeze({
        id: busId(b.id),
        reference: b.reference === true,
        ...(b.baseKv !== undefined ? { baseKv: b.baseKv } : {}),
        ...(b.vMinPu !== undefined ? { vMinPu: b.vMinPu } : {}),
        ...(b.vMaxPu !== undefined ? { vMaxPu: b.vMaxPu } : {}),
      }),
    );
  });
  if (def.buses.length > 0 && references.length === 0) bad('network', ['buses'], 'no reference bus: mark exactly one bus with reference: true');
  if (references.length > 1) bad('network', ['buses'], `${references.length} reference buses (${references.map((r) => `'${r}'`).join(', ')}); mark exactly one`);

  const branches: Branch[] = [];
  const branchSeen = new Map<string, number>();
  def.branches.forEach((d, i) => {
    const el = `branch '${d.id}'`;
    const at = (key: string): (string | number)[] => ['branches', i, key];
    if (typeof d.id !== 'string' || d.id === '') {
      bad(`branch #${i + 1}`, at('id'), 'id must be a non-empty string');
      return;
    }
    const seen = branchSeen.get(d.id);
    if (seen !== undefined) bad(el, at('id'), `duplicate branch id (also branches[${seen}])`);
    else branchSeen.set(d.id, i);
    if (!busSeen.has(d.from)) bad(el, at('from'), `from bus '${d.from}' is not a bus of the network`);
    if (!busSeen.has(d.to)) bad(el, at('to'), `to bus '${d.to}' is not a bus of the network`);
    if (d.from === d.to) bad(el, at('to'), `connects bus '${d.from}' to itself`);
    const x = d.reactancePu;
    if (typeof x !== 'number' || Number.isNaN(x) || !Number.isFinite(x)) bad(el, at('reactancePu'), `reactance must be a finite number, got ${String(x)}`);
    else if (x === 0 && (d.resistancePu ?? 0) === 0) bad(el, at('reactancePu'), 'r = x = 0: the branch has no impedance (merge its two buses, or take it out of service as an open switch)');
    else if (x === 0) bad(el, at('reactancePu'), 'reactance is zero: every branch needs x ≠ 0, under LinDistFlow too (the network\'s flows are built from 1/x): give its reactance, or merge the two buses');
    else if (x < 0 && !opts.allowNegativeReactance) bad(el, at('reactancePu'), `reactance must be > 0, got ${x}`);
    const r = d.resistancePu ?? 0;
    if (!(Number.isFinite(r) && r >= 0)) bad(el, at('resistancePu'), `resistance must be a number ≥ 0, got ${String(r)}`);
    const limit = d.limitKw ?? Infinity;
    if (typeof limit !== 'number' || Number.isNaN(limit)) bad(el, at('limitKw'), `limit must be a number of kW, got ${String(limit)}`);
    else if (limit < 0) bad(el, at('limitKw'), `limit must be ≥ 0 kW, got ${limit}`);
    const tap = d.tapRatio ?? 1;
    if (!(Number.isFinite(tap) && tap > 0)) bad(el, at('tapRatio'), `tap ratio must be a number > 0, got ${String(tap)}`);
    const shift = d.phaseShiftDeg ?? 0;
    if (!Number.isFinite(shift)) bad(el, at('phaseShiftDeg'), `phase shift must be a finite number of degrees, got ${String(shift)}`);
    const amin = d.angleMinDeg ?? -Infinity;
    const amax = d.angleMaxDeg ?? Infinity;
    if (Number.isNaN(amin) || Number.isNaN(amax) || !(amin <= amax))
      bad(el, at('angleMinDeg'), `angle limits must satisfy angleMinDeg ≤ angleMaxDeg, got [${String(amin)}, ${String(amax)}]`);
    branches.push(
      Object.freeze({
        id: d.id,
        kind: d.kind ?? 'line',
        from: busId(d.from),
        to: busId(d.to),
        reactancePu: x,
        resistancePu: r,
        limitKw: limit,
        inService: d.inService ?? true,
        tapRatio: tap,
        phaseShiftDeg: shift,
        angleMinDeg: amin,
        angleMaxDeg: amax,
      }),
    );
  });

  if (issues.length === 0 && references.length === 1) {
    const islanded = findIslandedBuses(buses, branches, references[0]!);
    if (islanded.length > 0) bad('network', ['branches'], describeIslands(islanded, references[0]!));
  }
  if (issues.length > 0) throw new NetworkError(issues);
  return Object.freeze({
    name: def.name ?? 'network',
    baseKva,
    buses: Object.freeze(buses),
    branches: Object.freeze(branches),
    referenceBus: busId(references[0]!),
  });
}

/** Buses not reachable from `reference` through in-service branches, in bus order. */
export function findIslandedBuses(buses: readonly Bus[], branches: readonly Branch[], reference: string): string[] {
  const adj = new Map<string, string[]>(buses.map((b) => [b.id, []]));
  for (const br of branches) {
    if (!br.inService) continue;
    adj.get(br.from)?.push(br.to);
    adj.get(br.to)?.push(br.from);
  }
  const seen = new Set<string>([reference]);
  const stack = [reference];
  while (stack.length > 0) {
    for (const next of adj.get(stack.pop()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return buses.filter((b) => !seen.has(b.id)).map((b) => b.id);
}

function describeIslands(islanded: readonly string[], reference: string): string {
  const shown = islanded.slice(0, 10).map((b) => `'${b}'`).join(', ');
  const more = islanded.length > 10 ? ` and ${islanded.length - 10} more` : '';
  return `${islanded.length === 1 ? 'bus' : `${islanded.length} buses`} ${shown}${more} ${islanded.length === 1 ? 'is' : 'are'} islanded: not connected to the reference bus '${reference}' through in-service branches`;
}

/**
 * The same network with one branch switched in or out of service: the way
 * topology changes (an outage, a switching action). Throws a `NetworkError` when
 * the branch is unknown or when taking it out would island buses (unless `allowIslands`).
 */
export function withBranchInService(network: Network, branchId: string, inService: boolean, opts: { allowIslands?: boolean } = {}): Network {
  const i = network.branches.findIndex((b) => b.id === branchId);
  if (i < 0) throw new NetworkError([{ element: `branch '${branchId}'`, path: ['branches'], message: 'no such branch in the network' }]);
  if (network.branches[i]!.inService === inService) return network;
  const branches = network.branches.map((b, k) => (k === i ? Object.freeze({ ...b, inService }) : b));
  // A radial feeder (LinDistFlow) runs with islands: their demand is unserved (`allowIslands`).
  const islanded = opts.allowIslands ? [] : findIslandedBuses(network.buses, branches, network.referenceBus);
  if (islanded.length > 0)
    throw new NetworkError([{ element: `branch '${branchId}'`, path: ['branches', i, 'inService'], message: `taking it out of service islands the network: ${describeIslands(islanded, network.referenceBus)}` }]);
  return Object.freeze({ ...network, branches: Object.freeze(branches) });
}

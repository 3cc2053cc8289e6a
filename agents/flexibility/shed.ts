/**
 * What an agent with a need list (home, building) can shed when an operator asks it
 * to consume less, and what the cut would take. Pure functions over plain data; the
 * responders (`home/respond.ts`, `building/respond.ts`) decide which needs are
 * protected, these do the arithmetic.
 *
 * A purchase is split over the needs by bid price, highest first (`allocate.ts`), so a
 * smaller purchase loses the cheapest needs first. A cut of x kW from a purchase of B
 * leaves every protected need whole exactly when B − x is at least the kW of every need
 * up to and including the last protected one in that order (each counted in whole
 * quanta, as the market awards them): `protectedKw`.
 */
import { allocateByPrice } from './allocate.ts';

export interface NeedShare {
  /** The need's name in the strategy's view (`base`, `hvac`, …). */
  readonly name: string;
  readonly kw: number;
  /** The price it was bid at (what the purchase is split by). */
  readonly priceMwh: number;
  /** Whether a cut must leave it whole. */
  readonly protected: boolean;
  /** An indivisible need (an appliance run) is served whole or not at all. */
  readonly indivisible?: boolean;
}

/** Allocation order: price descending, ties in list order (as `allocatePacked`). */
function order(needs: readonly NeedShare[]): number[] {
  return needs.map((_, i) => i).sort((a, b) => needs[b]!.priceMwh - needs[a]!.priceMwh || a - b);
}

/**
 * Least purchase (kW) that keeps every protected need whole: Σ kW (in whole quanta) of the
 * needs up to and including the last protected one in allocation order; 0 when none is protected.
 * Example: prices [3000, 200, 3000, 50], kW [1, 2, 0.5, 1], protected [yes, no, yes, no] →
 * order 0, 2, 1, 3 → 1 + 0.5 = 1.5.
 */
export function protectedKw(needs: readonly NeedShare[], quantumKw: number): number {
  let sum = 0;
  let upTo = 0;
  for (const i of order(needs)) {
    const n = needs[i]!;
    sum += quantumKw > 0 ? Math.round(n.kw / quantumKw) * quantumKw : n.kw;
    if (n.protected) upTo = sum;
  }
  return upTo;
}

/**
 * kW each need loses when the purchase goes from `fromKw` to `toKw` (same order as
 * `needs`), by the allocation rule itself.
 */
export function cutByNeed(needs: readonly NeedShare[], fromKw: number, toKw: number, quantumKw: number): Float64Array {
  const n = needs.length;
  const price = needs.map((x) => x.priceMwh);
  const kw = needs.map((x) => x.kw);
  const indivisible = needs.map((x) => (x.indivisible ? 1 : 0));
  const scratch = new Int32Array(Math.max(1, n));
  const before = new Float64Array(n);
  const after = new Float64Array(n);
  allocateByPrice(price, kw, indivisible, n, fromKw, scratch, before, quantumKw);
  allocateByPrice(price, kw, indivisible, n, toKw, scratch, after, quantumKw);
  for (let i = 0; i < n; i++) before[i] = Math.max(0, before[i]! - after[i]!);
  return before;
}

/** "2.10 kW of pre-cooling, 0.40 kW of flexible load": what a cut takes, by label, largest first (half a watt and more). */
export function describeCut(needs: readonly NeedShare[], cut: ArrayLike<number>, label: (name: string) => string): string {
  const byLabel = new Map<string, number>();
  needs.forEach((x, i) => {
    const c = cut[i]!;
    if (c >= 0.0005) byLabel.set(label(x.name), (byLabel.get(label(x.name)) ?? 0) + c);
  });
  return [...byLabel]
    .sort((a, b) => b[1] - a[1])
    .map(([l, kw]) => `${kw.toFixed(2)} kW of ${l}`)
    .join(', ');
}

/** Minimal view of a need list (`needs.ts`), so this file does not depend on its layout. */
export interface NeedListLike<N extends string> {
  readonly n: number;
  readonly names: readonly N[];
  code(i: number): number;
  kw(i: number): number;
  priceMwh(i: number): number;
  wanted(i: number): boolean;
}

/** A need list's needs as `NeedShare`s (allocates: for the rare interval an agent is commanded). */
export function needShares<N extends string>(list: NeedListLike<N>, isProtected: (name: N, wanted: boolean) => boolean, indivisible: (name: N) => boolean = () => false): NeedShare[] {
  const out: NeedShare[] = [];
  for (let i = 0; i < list.n; i++) {
    const name = list.names[list.code(i)]!;
    out.push({ name, kw: list.kw(i), priceMwh: list.priceMwh(i), protected: isProtected(name, list.wanted(i)), indivisible: indivisible(name) });
  }
  return out;
}

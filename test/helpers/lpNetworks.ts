/**
 * Small networks and books for LP dispatch tests: a hand-made triangle, and
 * fast-check arbitraries for random connected topologies, limits and bids.
 */
import fc from 'fast-check';
import { agentId, busId } from '../../core/units.ts';
import { buildOrderBook } from '../../market/orderBook.ts';
import { type Bid, DEFAULT_RULES, type MarketRules, type OrderBook } from '../../market/types.ts';
import { readFileSync } from 'node:fs';
import type { Offers } from '../../market/lp/dispatch.ts';
import type { LinearProgram } from '../../market/lp/solver.ts';
import type { Network } from '../../network/types.ts';
import { createNetwork, type BranchDefinition } from '../../network/validate.ts';

export const RULES: MarketRules = { ...DEFAULT_RULES };

/**
 * The README's line where a buy at 3000 clears at a DLMP above 3000 (its voltage at the upper limit makes drawing reactive
 * power worth something): four buses in a row on 100 kVA, and its book as plain tuples for `bookOf`. The buys at grid, b1
 * and b3 are the ones the tests give a power factor of 0.99 (test/market/clearFeeder.spec.ts, reactiveSettlement.spec.ts).
 */
export function readmeReactiveLine(): { readonly line: Network; readonly segments: readonly (readonly [string, 'buy' | 'sell', number, number])[] } {
  const line = createNetwork({
    baseKva: 100,
    buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2' }, { id: 'b3' }],
    branches: [
      { id: 'l0', from: 'grid', to: 'b1', reactancePu: 0.073, resistancePu: 0.0742 },
      { id: 'l1', from: 'b1', to: 'b2', reactancePu: 0.1127, resistancePu: 0.0918, limitKw: 1000 },
      { id: 'l2', from: 'b2', to: 'b3', reactancePu: 0.0286, resistancePu: 0.0436 },
    ],
  });
  const segments = [
    ['b3', 'sell', -500, 500],
    ['b3', 'sell', 228, 0.001],
    ['b3', 'sell', 3000, 500],
    ['grid', 'buy', 3000, 61.554],
    ['b3', 'buy', 3000, 84.543],
    ['b1', 'buy', 3000, 59],
    ['b2', 'buy', 3000, 13.39],
  ] as const;
  return { line, segments };
}

/** A book from plain tuples: [bus, side, price, kW] per segment, one bid per segment. */
export function bookOf(network: Network, segments: readonly (readonly [string, 'buy' | 'sell', number, number])[], rules: MarketRules = RULES, durationH = 1): OrderBook {
  const bids: Bid[] = segments.map(([bus, side, priceMwh, quantityKw], i) => ({
    id: `b${i}`,
    agentId: agentId(`a${i}`),
    bus: busId(bus),
    interval: 0,
    segments: [{ side, priceMwh, quantityKw }],
  }));
  const { book, rejections } = buildOrderBook(bids, { interval: 0, durationH, rules, buses: network.buses.map((b) => b.id), isKnownAgent: () => true });
  if (rejections.length > 0) throw new Error(`test book rejected: ${JSON.stringify(rejections)}`);
  return book;
}

/** A meshed triangle A(ref)–B–C with equal reactances; `limitAB` on A–B only. */
export function triangle(limitAB = Infinity): Network {
  return createNetwork({
    name: 'triangle',
    buses: [{ id: 'A', reference: true }, { id: 'B' }, { id: 'C' }],
    branches: [
      { id: 'AB', from: 'A', to: 'B', reactancePu: 0.1, limitKw: limitAB },
      { id: 'BC', from: 'B', to: 'C', reactancePu: 0.1 },
      { id: 'CA', from: 'C', to: 'A', reactancePu: 0.1 },
    ],
  });
}

export interface RandomMarket {
  readonly network: Network;
  readonly book: OrderBook;
}

/**
 * A random connected network (a random spanning tree plus extra edges) of 1–`maxBuses`
 * buses, optional limits, and a book of 0–`maxSegments` segments at random buses.
 * Prices are whole currency units in [1, 100]; quantities whole kW in [1, 50].
 */
export function randomMarket(opts: { maxBuses?: number; maxSegments?: number; limits?: boolean; evenOdd?: boolean } = {}): fc.Arbitrary<RandomMarket> {
  const maxBuses = opts.maxBuses ?? 6;
  const maxSegments = opts.maxSegments ?? 14;
  return fc
    .integer({ min: 1, max: maxBuses })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        parents: fc.array(fc.nat(), { minLength: n - 1, maxLength: n - 1 }),
        extra: fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 })), { maxLength: n }),
        reactances: fc.array(fc.integer({ min: 5, max: 50 }), { minLength: 2 * n, maxLength: 2 * n }),
        limits: fc.array(opts.limits === false ? fc.constant(Infinity) : fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 80 })), { minLength: 2 * n, maxLength: 2 * n }),
        ref: fc.nat({ max: n - 1 }),
        segments: fc.array(
          fc.record({ bus: fc.nat({ max: n - 1 }), buy: fc.boolean(), price: fc.integer({ min: 1, max: 100 }), kw: fc.integer({ min: 1, max: 50 }) }),
          { maxLength: maxSegments },
        ),
      }),
    )
    .map(({ n, parents, extra, reactances, limits, ref, segments }) => {
      const edges: [number, number][] = [];
      for (let k = 1; k < n; k++) edges.push([parents[k - 1]! % k, k]);
      for (const [a, b] of extra) if (a !== b) edges.push([a, b]);
      const branches: BranchDefinition[] = edges.map(([a, b], i) => ({
        id: `L${i}`,
        from: `n${a}`,
        to: `n${b}`,
        reactancePu: reactances[i % reactances.length]! / 100,
        limitKw: limits[i % limits.length]!,
      }));
      const network = createNetwork({ buses: Array.from({ length: n }, (_, k) => ({ id: `n${k}`, reference: k === ref })), branches });
      const tuples = segments.map((s) => {
        // evenOdd: buys on even, sells on odd prices, so no trade is ever at zero surplus.
        const price = opts.evenOdd ? 2 * s.price + (s.buy ? 0 : 1) : s.price;
        return [`n${s.bus}`, s.buy ? 'buy' : 'sell', price, s.kw] as const;
      });
      return { network, book: bookOf(network, tuples) };
    });
}

/** Offers as `dispatch` takes them (simple columns, bounds [0, kW]), from a list of plain records. */
export function offersFromList(list: ReadonlyArray<{ readonly bus: number; readonly buy: boolean; readonly price: number; readonly kw: number }>): Offers {
  return {
    count: list.length,
    bus: Int32Array.from(list, (o) => o.bus),
    isBuy: Uint8Array.from(list, (o) => (o.buy ? 1 : 0)),
    priceMwh: Float64Array.from(list, (o) => o.price),
    lowerKw: new Float64Array(list.length),
    upperKw: Float64Array.from(list, (o) => o.kw),
  };
}

/**
 * A random radial network of `n` buses on 1000 kVA: bus `n0` the substation, each later bus hung
 * off an earlier one, r and x of 0.001–0.06 p.u., each branch limited to `limitKw` (a range) or not at all.
 */
export function randomRadialNetwork(n: number, limitKw: { readonly min: number; readonly max: number }): fc.Arbitrary<Network> {
  const perBranch = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(a, { minLength: n - 1, maxLength: n - 1 });
  return fc
    .record({
      parents: perBranch(fc.nat()),
      r: perBranch(fc.integer({ min: 1, max: 60 })),
      x: perBranch(fc.integer({ min: 1, max: 60 })),
      limit: perBranch(fc.oneof(fc.constant(Infinity), fc.integer(limitKw))),
    })
    .map((c) =>
      createNetwork({
        baseKva: 1000,
        buses: Array.from({ length: n }, (_, k) => ({ id: `n${k}`, reference: k === 0 })),
        branches: c.parents.map((p, i) => ({ id: `L${i}`, from: `n${p % (i + 1)}`, to: `n${i + 1}`, resistancePu: c.r[i]! / 1000, reactancePu: c.x[i]! / 1000, limitKw: c.limit[i]! })),
      }),
    );
}

/** Offers as the LP dispatches take them, from [bus index, buy?, price, kW] tuples (lower bounds 0). */
export function offersOfTuples(list: readonly (readonly [number, boolean, number, number])[]): Offers {
  return {
    count: list.length,
    bus: Int32Array.from(list, (o) => o[0]),
    isBuy: Uint8Array.from(list, (o) => (o[1] ? 1 : 0)),
    priceMwh: Float64Array.from(list, (o) => o[2]),
    lowerKw: new Float64Array(list.length),
    upperKw: Float64Array.from(list, (o) => o[3]),
  };
}

/** A linear programme captured as JSON under test/fixtures/lp/ (`null` for an infinite bound, NaN never in a matrix). */
export function capturedLp(name: string): LinearProgram {
  const f = JSON.parse(readFileSync(new URL(`../fixtures/lp/${name}.json`, import.meta.url), 'utf8')) as Record<string, (number | null)[]> & { sense: 'max'; numCols: number; numRows: number; offset: number };
  const bound = (a: (number | null)[], inf: number): Float64Array => Float64Array.from(a, (v) => v ?? inf);
  return {
    sense: f.sense,
    numCols: f.numCols,
    numRows: f.numRows,
    offset: f.offset,
    colCost: bound(f.colCost!, 0),
    colLower: bound(f.colLower!, -Infinity),
    colUpper: bound(f.colUpper!, Infinity),
    rowLower: bound(f.rowLower!, -Infinity),
    rowUpper: bound(f.rowUpper!, Infinity),
    matrix: { starts: Int32Array.from(f.starts!, Number), rows: Int32Array.from(f.rows!, Number), values: bound(f.values!, NaN) },
  };
}

/**
 * The arbitraries of a small radial feeder's shape, to spread into an `fc.record`: 3–5 buses, each bus k ≥ 1 hanging
 * from one of the buses before it (`parents[k − 1] % k`), r and x in thousandths of a p.u. on 100 kVA.
 */
export const SMALL_FEEDER_SHAPE = {
  n: fc.integer({ min: 3, max: 5 }),
  parents: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
  r: fc.array(fc.integer({ min: 5, max: 120 }), { minLength: 4, maxLength: 4 }),
  x: fc.array(fc.integer({ min: 5, max: 120 }), { minLength: 4, maxLength: 4 }),
};

/** The feeder of a drawn `SMALL_FEEDER_SHAPE`: buses `grid` (the reference) and `b1` …, lines `l0` …, no limits. */
export function smallFeeder(shape: { readonly n: number; readonly parents: readonly number[]; readonly r: readonly number[]; readonly x: readonly number[] }): { readonly ids: string[]; readonly network: Network } {
  const ids = Array.from({ length: shape.n }, (_, k) => (k === 0 ? 'grid' : `b${k}`));
  const network = createNetwork({
    baseKva: 100,
    buses: ids.map((id, k) => (k === 0 ? { id, reference: true } : { id })),
    branches: ids.slice(1).map((id, j) => ({ id: `l${j}`, from: ids[shape.parents[j]! % (j + 1)]!, to: id, resistancePu: shape.r[j]! / 1000, reactancePu: shape.x[j]! / 1000 })),
  });
  return { ids, network };
}

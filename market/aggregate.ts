/**
 * Curve aggregation for aggregators (PowerMatcher's "concentrator"): combine the
 * members' curves into the one curve the aggregator bids at a bus, and after the
 * market clears split the aggregator's award among the members, each according to
 * its own curve at the cleared price.
 *
 * Pure functions over plain data; inputs are never modified. Prices and quantities
 * are snapped to the market's grid exactly as the order book does on entry
 * (`Math.round(price / priceTickMwh)` ticks, `Math.round(kW / quantumKw)` quanta), so a
 * price or award that came out of the market compares and sums exactly. The grid
 * defaults to `DEFAULT_RULES`; pass the market's rules when they differ.
 *
 * Preconditions: finite prices and quantities ≥ 0 (what the order book accepts); a
 * segment that breaks them makes the functions throw a `RangeError` naming the member.
 */
import { shareProRata, tickToPrice } from './auction.ts';
import { DEFAULT_RULES, type BidSegment, type MarketRules, type Side } from './types.ts';

export interface MemberCurve {
  readonly memberId: string;
  readonly segments: readonly BidSegment[];
}

/** The market grid the functions snap to. */
export type CurveGrid = Pick<MarketRules, 'priceTickMwh' | 'quantumKw'>;

/** Quantities per side, kW, both ≥ 0. */
export interface SideKw {
  readonly buyKw: number;
  readonly sellKw: number;
}

/** Share of the quantity offered at exactly the clearing price that is taken, per side, in [0, 1]. */
export interface MarginalFraction {
  readonly buy: number;
  readonly sell: number;
}

/** What the market gave the aggregator: quantities bought and sold at the clearing price. */
export interface AggregatorAward extends SideKw {
  readonly priceMwh: number;
}

/**
 * One curve for all members: segments with the same side and the same price (tick) are
 * merged, their quanta summed; zero totals are dropped. Sorted in merit order: buys by
 * descending price, then sells by ascending price.
 *
 * Buys and sells stay separate sides, even when one member buys and another sells:
 * netting them inside the aggregator would trade between the members at a price the
 * market never set (a buy at 40 against a sell at 50 is a trade the market would refuse),
 * would hide from the market both the demand and the supply it needs to find the price,
 * and would lose which member is to be settled for what. Bid as two sides, the auction
 * crosses them itself, at the market price, whenever that is worth it.
 *
 * Example (tick 0.01, quantum 1 W): members m1 {buy 40 × 2 kW, sell 60 × 1 kW} and
 * m2 {buy 40 × 3 kW, buy 50 × 1 kW} → [buy 50 × 1, buy 40 × 5, sell 60 × 1].
 */
export function aggregateCurves(members: readonly MemberCurve[], grid: CurveGrid = DEFAULT_RULES): BidSegment[] {
  const buys = new Map<number, number>();
  const sells = new Map<number, number>();
  for (const m of members)
    for (const s of m.segments) {
      const { ticks, quanta } = snap(m.memberId, s, grid);
      const into = s.side === 'buy' ? buys : sells;
      into.set(ticks, (into.get(ticks) ?? 0) + quanta);
    }
  const toPrice = tickToPrice(grid.priceTickMwh);
  const toKw = quantaToKw(grid.quantumKw);
  const out: BidSegment[] = [];
  const emit = (side: Side, levels: Map<number, number>, descending: boolean): void => {
    const ticks = [...levels.keys()].sort((a, b) => (descending ? b - a : a - b));
    for (const t of ticks) {
      const q = levels.get(t)!;
      if (q > 0) out.push({ side, priceMwh: toPrice(t), quantityKw: toKw(q) });
    }
  };
  emit('buy', buys, true);
  emit('sell', sells, false);
  return out;
}

/**
 * What a curve takes at clearing price `priceMwh`, per side, in kW:
 * - buys priced strictly above the price and sells strictly below it: their whole quantity;
 * - segments priced exactly at the price (same tick): `marginal.buy` (resp. `.sell`) times
 *   their quantity. The default { buy: 1, sell: 1 } gives the most the curve accepts at that
 *   price, { buy: 0, sell: 0 } the least it must get; any award in between is consistent
 *   with the curve (see `splitAward`);
 * - buys below the price and sells above it: nothing.
 * Sums are exact in quanta; only a fraction strictly between 0 and 1 can leave a result off
 * the quantum grid.
 *
 * Example: [buy 50 × 1, buy 40 × 5, sell 60 × 1] at 40 → { buyKw: 6, sellKw: 0 };
 * with marginal { buy: 0.2, sell: 1 } → { buyKw: 2, sellKw: 0 }.
 */
export function quantityAt(
  segments: readonly BidSegment[],
  priceMwh: number,
  marginal: MarginalFraction = { buy: 1, sell: 1 },
  grid: CurveGrid = DEFAULT_RULES,
): SideKw {
  if (!(marginal.buy >= 0 && marginal.buy <= 1 && marginal.sell >= 0 && marginal.sell <= 1))
    throw new RangeError(`marginal fractions must be in [0, 1], got buy ${marginal.buy}, sell ${marginal.sell}`);
  const p = priceTicks(priceMwh, grid);
  let buyFull = 0;
  let buyAt = 0;
  let sellFull = 0;
  let sellAt = 0;
  for (const s of segments) {
    const { ticks, quanta } = snap('(curve)', s, grid);
    if (s.side === 'buy') {
      if (ticks > p) buyFull += quanta;
      else if (ticks === p) buyAt += quanta;
    } else if (ticks < p) sellFull += quanta;
    else if (ticks === p) sellAt += quanta;
  }
  const toKw = quantaToKw(grid.quantumKw);
  return { buyKw: toKw(buyFull + marginal.buy * buyAt), sellKw: toKw(sellFull + marginal.sell * sellAt) };
}

/**
 * Splits the aggregator's award among its members, per side, consistently with each
 * member's own curve at the cleared price. Works in whole quanta of `grid.quantumKw`
 * (default 0.001 kW = 1 W, the order book's quantum), so the shares add up exactly.
 *
 * Per side, the members' quantities at the clearing price or better are served in merit
 * order (buys from the highest price down to the clearing price, sells from the lowest up):
 * a price level the award covers is given whole; the level where the award runs out is
 * shared pro rata to the members' quantities at that level, ⌊A·qᵢ/T⌋ each plus one quantum
 * to each of the largest remainders, ties by member order. Nothing is given at a price worse
 * than the clearing price, nor above what a member offered.
 *
 * When the award is feasible for the aggregate curve (between `quantityAt(agg, p, {0, 0})`
 * and `quantityAt(agg, p, {1, 1})`, as any uniform-price clearing of that curve is) this means
 * inframarginal segments fully, segments at the clearing price pro rata, and shares that sum
 * to the award exactly. An award outside that range is not an error: below it, the rationing
 * happens at a better price level (merit order); above it, every member gets its whole
 * quantity at the clearing price or better and the shares sum to less than the award.
 *
 * Returns one entry per member id, in input order, with kW values (quanta / quanta per kW);
 * entries of a member id that appears twice are added together.
 *
 * Example (1 W quantum): A {buy 50 × 2, buy 40 × 3}, B {buy 40 × 1, sell 20 × 4}; award
 * { buyKw: 4, sellKw: 4, priceMwh: 40 }: buyers first get the 2 kW at 50 (A), then share
 * the 2 kW left over the 4 kW at 40 (A 3, B 1): A 1.5, B 0.5. B's sell at 20 takes the 4 kW
 * sold. → A { buyKw: 3.5, sellKw: 0 }, B { buyKw: 0.5, sellKw: 4 }.
 */
export function splitAward(members: readonly MemberCurve[], award: AggregatorAward, grid: CurveGrid = DEFAULT_RULES): Map<string, SideKw> {
  const p = priceTicks(award.priceMwh, grid);
  const buy = splitSide(members, 'buy', p, toQuanta(award.buyKw, grid, 'buyKw'), grid);
  const sell = splitSide(members, 'sell', p, toQuanta(award.sellKw, grid, 'sellKw'), grid);
  const toKw = quantaToKw(grid.quantumKw);
  const out = new Map<string, SideKw>();
  members.forEach((m, k) => {
    const prev = out.get(m.memberId);
    const b = (prev ? prev.buyKw : 0) + toKw(buy[k]!);
    const s = (prev ? prev.sellKw : 0) + toKw(sell[k]!);
    out.set(m.memberId, { buyKw: b, sellKw: s });
  });
  return out;
}

/** Quanta per member (input order) on one side. */
function splitSide(members: readonly MemberCurve[], side: Side, p: number, allot: number, grid: CurveGrid): Float64Array {
  // Each member's quanta per price level at the clearing price or better.
  const entries: { member: number; ticks: number; quanta: number }[] = [];
  members.forEach((m, member) => {
    const perLevel = new Map<number, number>();
    for (const s of m.segments) {
      if (s.side !== side) continue;
      const { ticks, quanta } = snap(m.memberId, s, grid);
      if (quanta > 0 && (side === 'buy' ? ticks >= p : ticks <= p)) perLevel.set(ticks, (perLevel.get(ticks) ?? 0) + quanta);
    }
    for (const [ticks, quanta] of perLevel) entries.push({ member, ticks, quanta });
  });
  // Merit order, then member order within a level.
  entries.sort((a, b) => (side === 'buy' ? b.ticks - a.ticks : a.ticks - b.ticks) || a.member - b.member);

  const out = new Float64Array(members.length);
  let left = allot;
  for (let start = 0; start < entries.length && left > 0; ) {
    let end = start;
    let total = 0;
    while (end < entries.length && entries[end]!.ticks === entries[start]!.ticks) total += entries[end++]!.quanta;
    const level = entries.slice(start, end);
    const give = Math.min(left, total);
    const qty = Float64Array.from(level, (e) => e.quanta);
    const shares = new Float64Array(level.length);
    shareProRata(
      level.map((_, j) => j),
      qty,
      give,
      total,
      shares,
    );
    level.forEach((e, j) => (out[e.member] = out[e.member]! + shares[j]!));
    left -= give;
    start = end;
  }
  return out;
}

function snap(memberId: string, s: BidSegment, grid: CurveGrid): { ticks: number; quanta: number } {
  if (s.side !== 'buy' && s.side !== 'sell') throw new RangeError(`member '${memberId}': side must be 'buy' or 'sell', got ${JSON.stringify(s.side)}`);
  if (!Number.isFinite(s.priceMwh)) throw new RangeError(`member '${memberId}': price must be finite, got ${s.priceMwh}`);
  if (!(Number.isFinite(s.quantityKw) && s.quantityKw >= 0))
    throw new RangeError(`member '${memberId}': quantity must be a finite number ≥ 0 kW, got ${s.quantityKw}`);
  return { ticks: Math.round(s.priceMwh / grid.priceTickMwh), quanta: Math.round(s.quantityKw / grid.quantumKw) };
}

function priceTicks(priceMwh: number, grid: CurveGrid): number {
  if (!Number.isFinite(priceMwh)) throw new RangeError(`clearing price must be finite, got ${priceMwh}`);
  return Math.round(priceMwh / grid.priceTickMwh);
}

function toQuanta(kw: number, grid: CurveGrid, what: string): number {
  if (!(Number.isFinite(kw) && kw >= 0)) throw new RangeError(`award ${what} must be a finite number ≥ 0, got ${kw}`);
  return Math.round(kw / grid.quantumKw);
}

/** Quanta → kW, dividing by quanta per kW when that is a whole number (the nearest double to the decimal). */
function quantaToKw(quantumKw: number): (quanta: number) => number {
  const perKw = Math.round(1 / quantumKw);
  if (perKw >= 1 && Math.abs(perKw * quantumKw - 1) < 1e-12) return (q) => q / perKw;
  return (q) => q * quantumKw;
}

/**
 * Price bands (market/dayAhead/priceBands.ts) are exact: on random multi-interval books —
 * storage, EVs, shiftable loads, simple bids, on random meshed networks with and without
 * branch limits — the day-ahead clearing with bands ('always') gives the same result as the
 * plain full LP ('off'), both real HiGHS solves: the same welfare, the same awards of every
 * segment, the same schedules and the same nodal prices (to the tick, as read back).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { agentId, busId } from '../../../core/units.ts';
import { prepareDayAhead, type PreparedDayAhead, readBackDayAhead, type SolvedDayAhead, solveDayAhead } from '../../../market/dayAhead/clear.ts';
import { carryBasis, meritOrderTick, restrictColumns } from '../../../market/dayAhead/priceBands.ts';
import type { DayAheadProgram, SimpleColumns } from '../../../market/dayAhead/program.ts';
import type { DayAheadBook, DayAheadMarket, DayAheadResult, IntertemporalBid, ShiftableBid, StorageBid } from '../../../market/dayAhead/types.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import { BASIS_BASIC, BASIS_LOWER, BASIS_UPPER, objectiveAt, rowActivities } from '../../../market/lp/solver.ts';
import type { Bid } from '../../../market/types.ts';
import { type BatteryGen, batteryArbitrary, batteryBid as batteryBidOf } from '../../helpers/dayAheadBatteries.ts';
import { randomMarket, RULES } from '../../helpers/lpNetworks.ts';

const T = 4;

/** Typed arrays and NaN as JSON can compare them. */
const replacer = (_k: string, v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array).map((e) => (Number.isNaN(e) ? 'NaN' : e)) : v);
const DT = 0.5;

const batteryArb = batteryArbitrary(T, 300);
const batteryBid = (b: BatteryGen, i: number, buses: number): IntertemporalBid => batteryBidOf(b, i, buses, DT, 400);

const shiftableArb = fc.record({ bus: fc.nat(), kw: fc.integer({ min: 1, max: 30 }), start: fc.nat({ max: T - 1 }), run: fc.integer({ min: 1, max: T }), value: fc.integer({ min: 0, max: 250 }) });

/** Prices in cents over a wide range (buys 0–300, sells 0–200) so that most segments lie far from any clearing price. */
const segmentArb = fc.record({ bus: fc.nat(), buy: fc.boolean(), cents: fc.integer({ min: 0, max: 30_000 }), kw: fc.integer({ min: 1, max: 40 }) });

/** Where both LPs are optimal, the full LP's column values of the banded solution (fixed columns at Q, dropped at 0). */
function bandedToFull(p: PreparedDayAhead, full: DayAheadProgram, banded: SolvedDayAhead): Float64Array {
  const x = new Float64Array(full.lp.numCols);
  const xb = banded.solution.colValue;
  const fl = full.layout;
  const bl = banded.program.layout;
  const q = p.book.rules.quantumKw;
  p.simple.forEach((cols, t) => {
    const r = banded.restriction![t]!;
    for (let c = 0; c < cols.count; c++) x[fl.simpleCol[t]! + c] = r.freeAt[c]! >= 0 ? xb[bl.simpleCol[t]! + r.freeAt[c]!]! : r.accepted[c] ? cols.quanta[c]! * q : 0;
    for (let k = 0; k < p.grid.numCols; k++) x[fl.gridCol[t]! + k] = xb[bl.gridCol[t]! + k]!;
  });
  fl.batteries.forEach((f, i) => {
    const b = bl.batteries[i]!;
    for (const key of ['charge', 'discharge', 'soc'] as const) f[key].forEach((j, t) => j >= 0 && (x[j] = xb[b[key][t]!]!));
    if (f.shortfall >= 0) x[f.shortfall] = xb[b.shortfall]!;
  });
  return x;
}

const TOL = 1e-6;

/**
 * The banded answer is an optimum of the full LP, checked on the full LP itself: its values
 * (extended by the fixed ones) satisfy every row and bound and reach the full LP's optimal
 * objective, and its duals price every column of the full LP consistently (reduced cost ≤ 0
 * at a lower bound, ≥ 0 at an upper one, 0 in between): so its nodal prices are optimal
 * prices of the full LP.
 */
function expectOptimalForFull(p: PreparedDayAhead, fullSolved: SolvedDayAhead, banded: SolvedDayAhead): void {
  const full = fullSolved.program;
  const { lp } = full;
  const x = bandedToFull(p, full, banded);
  const scale = (v: number): number => TOL * Math.max(1, Math.abs(v));
  const act = rowActivities(lp, x);
  for (let i = 0; i < lp.numRows; i++) {
    expect(act[i]!, `row ${i}`).to.be.at.least(lp.rowLower[i]! - scale(lp.rowLower[i]!));
    expect(act[i]!, `row ${i}`).to.be.at.most(lp.rowUpper[i]! + scale(lp.rowUpper[i]!));
  }
  for (let j = 0; j < lp.numCols; j++) {
    expect(x[j]!).to.be.at.least(lp.colLower[j]! - scale(lp.colLower[j]!));
    expect(x[j]!).to.be.at.most(lp.colUpper[j]! + scale(lp.colUpper[j]!));
  }
  expect(objectiveAt(lp, x)).to.be.closeTo(fullSolved.solution.objective, scale(fullSolved.solution.objective));
  const y = banded.solution.rowDual!;
  const { starts, rows, values } = lp.matrix;
  for (let j = 0; j < lp.numCols; j++) {
    let d = lp.colCost[j]!;
    for (let k = starts[j]!; k < starts[j + 1]!; k++) d -= values[k]! * y[rows[k]!]!;
    const atLower = x[j]! <= lp.colLower[j]! + scale(lp.colLower[j]!);
    const atUpper = x[j]! >= lp.colUpper[j]! - scale(lp.colUpper[j]!);
    if (atLower && atUpper) continue;
    if (atLower) expect(d, `reduced cost of column ${j} at its lower bound`).to.be.at.most(TOL);
    else if (atUpper) expect(d, `reduced cost of column ${j} at its upper bound`).to.be.at.least(-TOL);
    else expect(Math.abs(d), `reduced cost of basic column ${j}`).to.be.at.most(TOL);
  }
}

/** Buses (per interval) where a segment is cleared strictly inside (0, Q), two quanta from both ends: every optimal dual prices them at its bid. */
function pinned(r: DayAheadResult): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  r.intervals.forEach((iv, t) => {
    for (let i = 0; i < iv.book.size; i++) {
      const a = iv.awardedQuanta[i]!;
      if (a >= 2 && a <= iv.book.quantityQuanta[i]! - 2) out.push([t, iv.book.busIndex[i]!, iv.book.priceTicks[i]! * iv.book.rules.priceTickMwh]);
    }
  });
  return out;
}

/** Both clearings of one book: the plain full LP and the price bands (seeded and warm-started as `market` says). */
function clearBoth(book: DayAheadBook, market: Omit<DayAheadMarket, 'priceBands'>) {
  const pf = prepareDayAhead(book, { ...market, priceBands: 'off' });
  const sf = solveDayAhead(pf);
  const pb = prepareDayAhead(book, { ...market, priceBands: 'always' });
  const sb = solveDayAhead(pb);
  return { pf, sf, full: readBackDayAhead(pf, sf), pb, sb, banded: readBackDayAhead(pb, sb) };
}

/**
 * The same optimum: status, LP objective (1e-9 relative), the banded answer optimal for the
 * full LP (checked on it), and equal nodal prices wherever a partly cleared segment pins them.
 * Where the full LP has several optima the two solves may return different ones (then
 * awards and schedules differ, both optimal); where they return the same, the results are equal.
 */
function expectSame(c: ReturnType<typeof clearBoth>): void {
  const { sf, sb, pb, full, banded } = c;
  expect(banded.status, banded.message).to.equal(full.status);
  if (full.status !== 'cleared') return;
  expect(sb.solution.objective).to.be.closeTo(sf.solution.objective, 1e-9 * Math.max(1, Math.abs(sf.solution.objective)));
  if (sb.restriction) expectOptimalForFull(pb, sf, sb);
  for (const [t, bus, price] of pinned(full)) expect(banded.intervals[t]!.busPriceMwh[bus], `interval ${t} bus ${bus}`).to.be.closeTo(price, 1e-9);
  for (const [t, bus, price] of pinned(banded)) expect(full.intervals[t]!.busPriceMwh[bus], `interval ${t} bus ${bus}`).to.be.closeTo(price, 1e-9);
}

describe('day-ahead price bands: the restricted LPs give the full LP’s answer', () => {
  it('on random books with storage, EVs, shiftable loads and simple bids, on random networks with and without limits (HiGHS, both LPs solved)', async function () {
    this.timeout(120_000); // 2 × 100 small HiGHS solves, a few seconds alone; the machine is shared
    const highs = await loadSolver('highs');
    let restricted = 0;
    let widened = 0;
    let warmStarted = 0;
    let identical = 0;
    await fc.assert(
      fc.asyncProperty(
        randomMarket({ maxBuses: 4, maxSegments: 0 }),
        fc.array(fc.array(segmentArb, { minLength: 2, maxLength: 24 }), { minLength: T, maxLength: T }),
        fc.array(batteryArb, { maxLength: 4 }),
        fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: shiftableArb, weight: 1 }),
        // The band paths: seeds from the coarse day or the merit order, each LP after the first warm-started from the last one's basis or cold.
        fc.constantFrom('coarse' as const, 'merit-order' as const),
        fc.boolean(),
        async (m, perInterval, batteries, shiftable, bandSeed, bandWarmStart) => {
          const n = m.network.buses.length;
          const bids: Bid[] = perInterval.flatMap((segs, t) =>
            segs.map((s, i) => ({ id: `s${t}-${i}`, agentId: agentId(`a${i}`), bus: busId(`n${s.bus % n}`), interval: t, segments: [{ side: s.buy ? 'buy' : 'sell', priceMwh: (s.buy ? s.cents : s.cents * (2 / 3)) / 100, quantityKw: s.kw }] }) satisfies Bid),
          );
          const intertemporalBids: IntertemporalBid[] = batteries.map((b, i) => batteryBid(b, i, n));
          if (shiftable) {
            const run = Math.min(shiftable.run, T - shiftable.start);
            intertemporalBids.push({ kind: 'shiftable', id: 'shift', agentId: agentId('shift'), bus: busId(`n${shiftable.bus % n}`), powerKw: shiftable.kw, runIntervals: run, firstInterval: shiftable.start, lastInterval: T - 1, valueMwh: shiftable.value } satisfies ShiftableBid);
          }
          const book = { horizon: { firstInterval: 0, intervalCount: T, durationH: DT }, rules: RULES, bids, intertemporalBids };
          const c = clearBoth(book, { network: m.network, solver: highs, bandSeed, bandWarmStart });
          const { full, banded } = c;
          if (JSON.stringify(full, replacer) === JSON.stringify({ ...banded, size: full.size }, replacer)) identical++;
          expect(full.size.priceBands).to.equal(undefined);
          // Integer decisions (the shiftable load): the MIP is solved whole, bands or not.
          if (shiftable) expect(banded.size.priceBands).to.equal(undefined);
          else {
            expect(banded.size.priceBands, 'bands applied').to.not.equal(undefined);
            restricted++;
            if (banded.size.priceBands!.iterations > 1) widened++;
            if (banded.size.priceBands!.warmStarts > 0) warmStarted++;
            if (!bandWarmStart) expect(banded.size.priceBands!.warmStarts).to.equal(0);
          }
          expectSame(c);
        },
      ),
      { numRuns: 100 },
    );
    // The property exercised the restriction, and the widening after a price left its band.
    expect(restricted).to.be.greaterThan(40);
    expect(widened).to.be.greaterThan(0);
    // … and a restricted LP started from the previous one's basis (carryBasis) reached the same optimum.
    expect(warmStarted).to.be.greaterThan(0);
    // Most books have one optimum, which both find: then every award, schedule, price and flow is equal.
    expect(identical).to.be.greaterThan(50);
  });

  it('a battery moves the price far from the merit order: the band widens, fixed columns are certified, the answer is the full LP’s', async () => {
    const highs = await loadSolver('highs');
    // One node, two hours. The simple bids alone clear at 30 in hour 0 (c0 marginal) and at 100
    // in hour 1 (c1 marginal): seed bands 30 ± 5 and 100 ± 5. A lossless 100 kW battery
    // buys 100 kW in hour 0 from e0 (60, partly taken: the price is 60) and sells 100 kW in
    // hour 1, to d1 (60 kW, displacing c1 at 100) and to e1 (40 of its 100 kW at 70: the price
    // is 70); spread 10 > 0, so it runs at its power limit. Both prices lie outside their
    // seed bands (60 > 35, 70 < 95), where e0 and e1 start out dropped: the bands must widen.
    const seg = (id: string, t: number, side: 'buy' | 'sell', priceMwh: number, kw: number): Bid => ({ id, agentId: agentId(id), bus: busId('X'), interval: t, segments: [{ side, priceMwh, quantityKw: kw }] });
    const bids: Bid[] = [
      seg('d0', 0, 'buy', 200, 50), seg('c0', 0, 'sell', 30, 50), seg('e0', 0, 'sell', 60, 200), seg('f0', 0, 'sell', 500, 100), seg('g0', 0, 'buy', 5, 10),
      seg('d1', 1, 'buy', 300, 60), seg('c1', 1, 'sell', 100, 60), seg('e1', 1, 'buy', 70, 100), seg('f1', 1, 'buy', 1, 100), seg('g1', 1, 'sell', 900, 10),
    ];
    const battery: StorageBid = { kind: 'storage', id: 'bat', agentId: agentId('bat'), bus: busId('X'), capacityKwh: 200, minSocKwh: 0, maxSocKwh: 200, maxChargeKw: 100, maxDischargeKw: 100, chargeEfficiency: 1, dischargeEfficiency: 1, initialSocKwh: 0, finalSocMinKwh: 0, terminalValueMwh: 0 };
    const book = { horizon: { firstInterval: 0, intervalCount: 2, durationH: 1 }, rules: RULES, bids, intertemporalBids: [battery] };
    const c = clearBoth(book, { solver: highs, bandSeed: 'merit-order' });
    const { full, banded } = c;
    expect(Array.from(full.schedules[0]!.netKw)).to.deep.equal([100, -100]);
    expect(Array.from(full.intervals[0]!.busPriceMwh)).to.deep.equal([60]);
    expect(Array.from(full.intervals[1]!.busPriceMwh)).to.deep.equal([70]);
    expect(banded.size.priceBands!.iterations).to.be.at.least(2);
    expect(banded.size.priceBands!.warmStarts, 'the second LP starts from the first one’s basis').to.be.at.least(1);
    expectSame(c);
    expect(JSON.stringify({ ...banded, size: full.size }, replacer)).to.equal(JSON.stringify(full, replacer));
    // Seeded from the coarse day instead (the default): one node and one battery, so the coarse day is this day
    // (no two bids of one side share a 5/MWh bucket): its prices 60 and 70 are the seeds, the first restricted LP is certified.
    const coarse = clearBoth(book, { solver: highs });
    expect(coarse.banded.size.priceBands!.iterations).to.equal(1);
    expectSame(coarse);
    expect(JSON.stringify({ ...coarse.banded, size: full.size }, replacer)).to.equal(JSON.stringify(full, replacer));
  });

  /** Six columns: buy 50, buy 20, buy 5, sell 4, sell 30, sell 70 (ticks), all at bus 0 but the buy at 5 at bus 1. */
  const sixColumns = (): SimpleColumns => ({
    count: 6,
    gridBus: Int32Array.of(0, 0, 1, 0, 0, 0),
    isBuy: Uint8Array.of(1, 1, 1, 0, 0, 0),
    priceTicks: Float64Array.of(50, 20, 5, 4, 30, 70),
    quanta: Float64Array.of(1, 2, 3, 4, 5, 6),
    ramp: new Int32Array(6).fill(-1),
    columnOf: new Int32Array(0),
  });

  it('restrictColumns fixes buys above the band and sells below it, drops the others outside, keeps the band free', () => {
    // Columns: buy 50, buy 20, buy 5, sell 4, sell 30, sell 70 (ticks), all at bus 0 but the last buy at bus 1.
    const cols = sixColumns();
    const r = restrictColumns(cols, 10, 40);
    expect(Array.from(r.freeAt)).to.deep.equal([-1, 0, -1, -1, 1, -1]);
    expect(Array.from(r.accepted)).to.deep.equal([1, 0, 0, 1, 0, 0]);
    // The LP's columns: the two free ones, then one fixed buy (bus 0, 1 quantum at 50) and one fixed sell (bus 0, 4 quanta at 4).
    expect(r.columns.count).to.equal(4);
    expect(Array.from(r.columns.priceTicks)).to.deep.equal([20, 30, 50, 4]);
    expect(Array.from(r.columns.quanta)).to.deep.equal([2, 5, 1, 4]);
    expect(Array.from(r.columns.fixed!)).to.deep.equal([0, 0, 1, 1]);
    // Merit order on a copper plate: at 4, buys above it (6 quanta) exceed sells at or below it (4); at 5,
    // buys above (3) no longer do — the buy at 5 is the one rationed, its price the clearing price.
    expect(meritOrderTick(cols)).to.equal(5);
  });

  it('carryBasis starts the wider LP at the previous optimum: kept statuses, freed columns at the bound they were fixed at', () => {
    // The six columns above; the first LP's band [10, 40] keeps buy 20 and sell 30 free and merges buy 50 and sell 4 as fixed
    // acceptances; the second LP's band [0, 60] frees all but sell 70. Layout: simple columns, one grid column, two battery columns; three rows.
    const cols = sixColumns();
    const first = [restrictColumns(cols, 10, 40)];
    const second = [restrictColumns(cols, 0, 60)];
    const layoutOf = (free: number) => ({ simpleCol: Int32Array.of(0), gridCol: Int32Array.of(free), gridCols: 1, numCols: free + 3, numRows: 3 });
    const [B, L, U] = [BASIS_BASIC, BASIS_LOWER, BASIS_UPPER];
    // First LP: [buy 20, sell 30, fixed buys, fixed sells, grid, battery ×2]; three basic columns, every row slack nonbasic.
    const basis = { colStatus: Int32Array.of(B, L, U, L, B, B, L), rowStatus: Int32Array.of(L, L, L) };
    const carried = carryBasis({ layout: layoutOf(4), restriction: first, basis }, { layout: layoutOf(5), restriction: second }, [cols]);
    // Second LP: [buy 50 (was fixed accepted: upper), buy 20 (basic), buy 5 at bus 1 (was dropped: lower), sell 4 (fixed accepted: upper), sell 30 (lower), grid, battery ×2].
    expect(Array.from(carried!.colStatus)).to.deep.equal([U, B, L, U, L, B, B, L]);
    expect(Array.from(carried!.rowStatus)).to.deep.equal([L, L, L]);
    // A basic merged column whose members all became free leaves one basic entry short: no warm start (the LP starts cold).
    const degenerate = { colStatus: Int32Array.of(L, L, B, L, B, B, L), rowStatus: Int32Array.of(L, L, L) };
    expect(carryBasis({ layout: layoutOf(4), restriction: first, basis: degenerate }, { layout: layoutOf(5), restriction: second }, [cols])).to.equal(undefined);
  });
});

/**
 * The voltage rows a feeder LP leaves out (market/lp/voltageSlack.ts): the flow ranges and the voltage bounds they
 * prove, by hand on a small feeder; the LP without those rows, solved, against the hand optimum; and by property over
 * random feeder books, the programme with the rows left out against the whole programme: the same status, welfare,
 * awards, flows, voltages, DLMPs and their parts, and reactive prices.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { buildFeederLp, dispatchFeeder, type FeederProblem } from '../../../market/lp/feederDispatch.ts';
import { readLinDistFlow } from '../../../market/lp/linDistFlowBlock.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import { BASIS_BASIC, type LinearProgram, type LpSolution, type LpSolver } from '../../../market/lp/solver.ts';
import { flowRange, PRUNE_MIN_COLUMNS, voltageRowsNeeded } from '../../../market/lp/voltageSlack.ts';
import { radialFeeder } from '../../../network/radial.ts';
import { createNetwork } from '../../../network/validate.ts';
import { offersOfTuples, randomRadialNetwork } from '../../helpers/lpNetworks.ts';

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});

/**
 * grid —(r 0.01)— b1 —(r 0.03)— b2, and b3 off b1 (r 0.001); 1000 kVA, x 0.01 everywhere, vmin 0.95 (w ≥ 0.9025).
 * Sells up to 5000 kW at the grid for 20; buys of up to 1500 kW at b2 for 3000 and up to 200 kW at b3 for 1000.
 */
function tee() {
  const network = createNetwork({
    baseKva: 1000,
    buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2' }, { id: 'b3' }],
    branches: [
      { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01 },
      { id: 'l2', from: 'b1', to: 'b2', resistancePu: 0.03, reactancePu: 0.01 },
      { id: 'l3', from: 'b1', to: 'b3', resistancePu: 0.001, reactancePu: 0.01 },
    ],
  });
  const feeder = radialFeeder(network, { defaultVMinPu: 0.95, defaultVMaxPu: 1.05 });
  const offers = offersOfTuples([[0, false, 20, 5000], [2, true, 3000, 1500], [3, true, 1000, 200]]);
  return { feeder, offers };
}

describe('feeder LP: voltage rows no dispatch can make bind', () => {
  it('bounds each flow by its subtree and by what the rest of the feeder can sell it, by hand', () => {
    const { feeder, offers } = tee();
    const r = flowRange({ feeder, offers, reactive: false, lossless: true });
    // Net withdrawals: grid [−5000, 0], b1 0, b2 [0, 1500], b3 [0, 200].
    // P_b2: its subtree [0, 1500]; the rest −[−5000, 200] = [−200, 5000]. P_b3: [0, 200] and [−1500, 5000].
    // P_b1: its subtree [0, 1700]; the rest (the grid) [0, 5000].
    expect(Array.from(r.pLowKw.subarray(1))).to.deep.equal([0, 0, 0]);
    expect(Array.from(r.pHighKw.subarray(1))).to.deep.equal([1700, 1500, 200]);
    // With losses at the root the balances no longer sum to zero: the subtree's bound alone.
    const lossy = flowRange({ feeder, offers: offersOfTuples([[0, false, 20, 100], [2, true, 3000, 1500], [3, true, 1000, 200]]), reactive: false, lossless: false });
    expect(Array.from(lossy.pHighKw.subarray(1))).to.deep.equal([1700, 1500, 200]);
    const lossless = flowRange({ feeder, offers: offersOfTuples([[0, false, 20, 100], [2, true, 3000, 1500], [3, true, 1000, 200]]), reactive: false, lossless: true });
    expect(Array.from(lossless.pHighKw.subarray(1))).to.deep.equal([100, 100, 100]);
  });

  it('keeps the rows on the path to a bus whose limit may bind, and leaves out a branch that cannot reach its own', () => {
    const { feeder, offers } = tee();
    const range = flowRange({ feeder, offers, reactive: false, lossless: true });
    // w_b1 ≥ 1 − 2 · 0.01 · 1.7 = 0.966; w_b3 ≥ 0.966 − 2 · 0.001 · 0.2 = 0.9656 > 0.9025: b3 cannot bind.
    // w_b2 ≥ 0.966 − 2 · 0.03 · 1.5 = 0.876 < 0.9025: b2 may, so b1 (on its path) and the root keep theirs.
    expect(Array.from(voltageRowsNeeded(feeder, range, { voltageLimits: true, activeLineLimits: true }))).to.deep.equal([1, 1, 1, 0]);
    // At vmin 0.85 (w ≥ 0.7225) none can: no drop row at all.
    const loose = radialFeeder(feeder.network, { defaultVMinPu: 0.85, defaultVMaxPu: 1.05 });
    expect(Array.from(voltageRowsNeeded(loose, range, { voltageLimits: true, activeLineLimits: true }))).to.deep.equal([0, 0, 0, 0]);
    // Relaxed voltage limits bind nowhere; a branch limit of 1000 kW on l1 keeps w_b2 ≥ 1 − 0.02 − 0.09 = 0.89: still needed.
    expect(Array.from(voltageRowsNeeded(feeder, range, { voltageLimits: false, activeLineLimits: true }))).to.deep.equal([0, 0, 0, 0]);
  });

  it('solves the tee without b3\'s drop row: b2 at 0.95 p.u. by hand, b3 at √(w_b1 − 0.0004), DLMPs 20, 765, 3000, 765', () => {
    // b2's limit binds: 0.01 P1 + 0.03 P2 ≤ 48.75 with P1 = P2 + P3. b3's 1000 beats its DLMP, so P3 = 200 and
    // P2 = (48.75 − 2) / 0.04 = 1168.75. The budget's price: b2's buy is marginal, 3000 − 20 = 0.04 ν → ν = 74,500;
    // a kW at b1 or b3 uses 0.01 of it: 20 + 745 = 765. w_b1 = 1 − 0.02 · 1.36875 = 0.972625; w_b3 = w_b1 − 0.0004.
    const { feeder, offers } = tee();
    const { lp, layout } = buildFeederLp({ feeder, offers }, { pruneSlackVoltages: true });
    expect([lp.numRows, lp.numCols]).to.deep.equal([6, 9]); // 4 balances + 2 drop rows; 3 offers, 3 flows, w of grid, b1, b2
    expect(layout.block.dropRow[3]).to.equal(-1);
    expect(layout.block.wCol[3]).to.equal(-1);
    const whole = buildFeederLp({ feeder, offers }, { pruneSlackVoltages: false }).lp;
    expect([whole.numRows, whole.numCols]).to.deep.equal([7, 10]);
    const sol = highs.solve(lp);
    expect(sol.status).to.equal('optimal');
    const f = readLinDistFlow(layout.block, sol);
    expect(sol.colValue[1]).to.be.closeTo(1168.75, 1e-6);
    expect(sol.colValue[2]).to.be.closeTo(200, 1e-6);
    expect(sol.colValue[0]).to.be.closeTo(1368.75, 1e-6);
    expect(f.vmPu[2]).to.be.closeTo(0.95, 1e-9);
    expect(f.vmPu[1]).to.be.closeTo(Math.sqrt(0.972625), 1e-9);
    expect(f.vmPu[3]).to.be.closeTo(Math.sqrt(0.972225), 1e-9);
    expect(Array.from(f.priceMwh).map((p) => +p.toFixed(6))).to.deep.equal([20, 765, 3000, 765]);
    expect(Array.from(f.voltageMwh).map((p) => +p.toFixed(6))).to.deep.equal([0, 745, 2980, 745]);
    expect(f.voltageDual[3]).to.equal(0);
    // The dispatch of so small a book solves the whole LP (PRUNE_MIN_COLUMNS): the same numbers.
    const r = dispatchFeeder({ feeder, offers }, highs);
    expect([r.size.rows, r.size.cols]).to.deep.equal([7, 10]);
    expect(r.feeder.vmPu[3]).to.be.closeTo(Math.sqrt(0.972225), 1e-9);
    expect(Array.from(r.priceMwh).map((p) => +p.toFixed(6))).to.deep.equal([20, 765, 3000, 765]);
  });

  it(`the dispatch leaves the rows out from ${PRUNE_MIN_COLUMNS} offer columns, and keeps every one below`, () => {
    // The tee's three offers and tiny buys at b3 out of the money (1 /MWh, 0.0001 kW each): b3 stays provably slack.
    const { feeder, offers: three } = tee();
    const book = (count: number) => {
      const list: (readonly [number, boolean, number, number])[] = [[0, false, 20, 5000], [2, true, 3000, 1500], [3, true, 1000, 200]];
      while (list.length < count) list.push([3, true, 1, 0.0001]);
      return offersOfTuples(list);
    };
    expect(three.count).to.equal(3);
    const below = dispatchFeeder({ feeder, offers: book(PRUNE_MIN_COLUMNS - 1) }, highs);
    const at = dispatchFeeder({ feeder, offers: book(PRUNE_MIN_COLUMNS) }, highs);
    expect(below.size.rows).to.equal(7);
    expect(at.size.rows).to.equal(6);
    expect(at.feeder.vmPu[3]).to.be.closeTo(below.feeder.vmPu[3]!, 1e-9);
    expect(Array.from(at.priceMwh).map((p) => +p.toFixed(6))).to.deep.equal([20, 765, 3000, 765]);
  });

  /**
   * A random feeder book: 2–10 buses on 1000 kVA (r, x 0.001–0.06 p.u.; branch limits 50–800 kW or none), a voltage
   * band, supply at the substation, 1–24 offers whose prices and quantities carry distinct fractions (so the optimum,
   * and with it the prices, is unique: no two columns tie), power factors, fixed loads, inverters at fixed kvar and one
   * deciding its kvar at a cost (free kvar, or two deciding at one cost, would make the reactive dispatch a tie), the
   * apparent-power polygon, and linearised losses.
   */
  const randomBook = fc
    .integer({ min: 2, max: 10 })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        network: randomRadialNetwork(n, { min: 50, max: 800 }),
        vmin: fc.integer({ min: 85, max: 98 }),
        vmax: fc.integer({ min: 101, max: 110 }),
        vset: fc.integer({ min: 98, max: 105 }),
        offers: fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.boolean(), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 900 }), fc.constantFrom(0, 0, 0.2, 0.33, -0.1)), { minLength: 1, maxLength: 24 }),
        fixedKw: fc.option(fc.array(fc.integer({ min: 0, max: 150 }), { minLength: n, maxLength: n })),
        inverterKvar: fc.option(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: n, maxLength: n })),
        inverter: fc.option(fc.tuple(fc.nat({ max: n - 1 }), fc.integer({ min: 1, max: 300 }))),
        apparent: fc.boolean(),
        losses: fc.boolean(),
        voltageLimits: fc.constantFrom(true, true, true, false),
      }),
    )
    .map((c): FeederProblem => {
      const feeder = radialFeeder(c.network, { defaultVMinPu: c.vmin / 100, defaultVMaxPu: c.vmax / 100, substationVoltagePu: c.vset / 100 });
      // Distinct fractions: offer j's price + j/997 (below a cent apart from any other), its kW + j/991.
      const list = [[0, false, 25, 20_000, 0] as const, ...c.offers].map(([bus, buy, price, kw, tan], j) => ({ bus, buy, price: price + j / 997, kw: kw + j / 991, tan }));
      const offers = offersOfTuples(list.map((o) => [o.bus, o.buy, o.price, o.kw] as const));
      // Inverters at fixed kvar (volt-var settings) at every bus, and one whose kvar is a decision: two deciding at one cost could tie.
      const sources: (readonly [number, number, number])[] = [...(c.inverterKvar ?? []).map((q, k) => [k, q, q] as const), ...(c.inverter ? [[c.inverter[0], -c.inverter[1], c.inverter[1]] as const] : [])];
      const fixedLoadKw = c.fixedKw ? Float64Array.from(c.fixedKw, (v, k) => (k === 0 ? 0 : v)) : undefined;
      return {
        feeder,
        offers,
        kvarPerKw: Float64Array.from(list, (o) => o.tan),
        ...(fixedLoadKw ? { fixedLoadKw, fixedLoadKvar: Float64Array.from(fixedLoadKw, (v) => 0.3 * v) } : {}),
        ...(sources.length > 0
          ? { reactiveSources: { count: sources.length, bus: Int32Array.from(sources, (s) => s[0]), lowerKvar: Float64Array.from(sources, (s) => s[1]), upperKvar: Float64Array.from(sources, (s) => s[2]), costPerMvarh: 0.5 } }
          : {}),
        block: {
          lineLimit: c.apparent ? 'apparent' : 'active',
          voltageLimits: c.voltageLimits,
          // Linearised losses: a few per cent of each kW, more the deeper the bus (index order stands in for depth).
          ...(c.losses ? { losses: { dLossDpKw: Float64Array.from({ length: c.n }, (_, k) => (k === 0 ? 0 : 0.005 * k)), dLossDqKvar: Float64Array.from({ length: c.n }, (_, k) => (k === 0 ? 0 : 0.002 * k)), constantKw: 3 } } : {}),
        },
      };
    });

  it('by property over random feeder books: leaving the provably slack voltage rows out keeps the status and the welfare, gives an optimum of the whole programme with prices that support it, and where that optimum is unique the same awards, flows, voltages, DLMPs (and their parts) and reactive prices', () => {
    let pruned = 0;
    let partly = 0;
    let unique = 0;
    fc.assert(
      fc.property(randomBook, (problem) => {
        const small = buildFeederLp(problem, { pruneSlackVoltages: true });
        const whole = buildFeederLp(problem, { pruneSlackVoltages: false });
        const a = highs.solve(small.lp);
        const b = highs.solve(whole.lp, { keepBasis: true });
        expect(a.status).to.equal(b.status);
        const dropped = whole.lp.numRows - small.lp.numRows;
        if (dropped > 0) pruned++;
        if (dropped > 0 && small.layout.block.dropRow.some((r) => r >= 0)) partly++;
        if (a.status !== 'optimal') return;
        const tol = (v: number): number => 1e-6 * Math.max(1, Math.abs(v));
        expect(a.objective, 'welfare').to.be.closeTo(b.objective, 1e-9 * Math.max(1, Math.abs(b.objective)));
        const ra = readLinDistFlow(small.layout.block, a);
        const rb = readLinDistFlow(whole.layout.block, b);
        const { feeder, offers } = problem;
        // Always: the voltages read back through the drop equations keep their bands (so the point is feasible for the
        // whole programme, and with the same welfare an optimum of it), and the prices support every award.
        for (const k of feeder.order) {
          if (small.layout.block.wCol[k]! >= 0 || problem.block?.voltageLimits === false) continue;
          expect(ra.vmPu[k]! ** 2, `bus ${k} w`).to.be.within(feeder.vMinPu[k]! ** 2, feeder.vMaxPu[k]! ** 2);
          expect(rb.voltageDual[k], `bus ${k}: the whole programme's voltage dual where the bound was proved slack`).to.be.closeTo(0, 1e-9);
        }
        for (let j = 0; j < offers.count; j++) {
          const k = offers.bus[j]!;
          const price = ra.priceMwh[k]! + (problem.kvarPerKw![j]! !== 0 ? problem.kvarPerKw![j]! * ra.reactivePriceMvarh[k]! : 0);
          const surplus = offers.isBuy[j] ? offers.priceMwh[j]! - price : price - offers.priceMwh[j]!;
          if (surplus > 1e-6) expect(a.colValue[j], `offer ${j} in the money`).to.be.closeTo(offers.upperKw[j]!, tol(offers.upperKw[j]!));
          if (surplus < -1e-6) expect(a.colValue[j], `offer ${j} out of the money`).to.be.closeTo(0, 1e-6);
        }
        // Where the whole programme's optimum is unique (no basic variable at a bound: one set of duals; no movable
        // non-basic one with a zero reduced cost: one point), the programme without the rows must find that very one.
        if (!uniqueOptimum(whole.lp, b)) return;
        unique++;
        for (let j = 0; j < offers.count; j++) expect(a.colValue[j], `offer ${j}`).to.be.closeTo(b.colValue[j]!, tol(b.colValue[j]!));
        for (const k of feeder.order) {
          const at = `bus ${k}`;
          expect(ra.vmPu[k], `${at} voltage`).to.be.closeTo(rb.vmPu[k]!, 1e-9);
          expect(ra.pFlowKw[k], `${at} P`).to.be.closeTo(rb.pFlowKw[k]!, tol(rb.pFlowKw[k]!));
          expect(ra.qFlowKvar[k], `${at} Q`).to.be.closeTo(rb.qFlowKvar[k]!, tol(rb.qFlowKvar[k]!));
          for (const part of ['priceMwh', 'energyMwh', 'congestionMwh', 'voltageMwh', 'lossMwh', 'reactivePriceMvarh', 'lineShadowMwh'] as const) {
            const [x, y] = [ra[part][k]!, rb[part][k]!];
            if (Number.isNaN(y)) expect(x, `${at} ${part}`).to.be.NaN;
            else expect(x, `${at} ${part}`).to.be.closeTo(y, tol(y));
          }
        }
      }),
      { numRuns: 400, seed: 48 },
    );
    // The property is about something (seed 48: 333 of 400 books drop rows, 83 keep some too, 280 optima are unique).
    expect(pruned, 'books with rows left out').to.be.greaterThan(200);
    expect(partly, 'books with rows both left out and kept').to.be.greaterThan(40);
    expect(unique, 'books whose optimum is unique').to.be.greaterThan(100);
  });
});

/** The optimum at `s` (with its basis) is the programme's only one, primal and dual (see the property above). */
function uniqueOptimum(lp: LinearProgram, s: LpSolution): boolean {
  const basis = s.basis!;
  const near = (v: number, bound: number): boolean => Number.isFinite(bound) && Math.abs(v - bound) <= 1e-9 * Math.max(1, Math.abs(bound));
  const at = (v: number, lo: number, hi: number): boolean => near(v, lo) || near(v, hi);
  for (let j = 0; j < lp.numCols; j++) {
    const [lo, hi] = [lp.colLower[j]!, lp.colUpper[j]!];
    if (basis.colStatus[j] === BASIS_BASIC) {
      if (at(s.colValue[j]!, lo, hi)) return false;
    } else if (lo !== hi && Math.abs(s.colDual![j]!) <= 1e-9) return false;
  }
  for (let i = 0; i < lp.numRows; i++) {
    const [lo, hi] = [lp.rowLower[i]!, lp.rowUpper[i]!];
    if (basis.rowStatus[i] === BASIS_BASIC) {
      if (at(s.rowValue[i]!, lo, hi)) return false;
    } else if (lo !== hi && Math.abs(s.rowDual![i]!) <= 1e-9) return false;
  }
  return true;
}

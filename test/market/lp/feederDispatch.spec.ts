/**
 * LinDistFlow dispatch: DLMPs from the duals of the bus balances and their
 * decomposition into energy, congestion and voltage (market/lp/linDistFlowBlock.ts
 * derives it from the KKT conditions). A hand-computed case where the voltage limit
 * binds, the KKT conditions on random radial feeders, and MATPOWER generators' reactive
 * output as a decision.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import { parseMatpower, readMatpowerFile } from '../../../market/lp/cases/matpower.ts';
import { matpowerFeederOpf, solveFeederOpf } from '../../../market/lp/cases/matpowerFeeder.ts';
import { buildFeederLp, dispatchFeeder, type FeederProblem } from '../../../market/lp/feederDispatch.ts';
import { JSLP_RESCALED_RETRY_MAX_COLUMNS, jslpSolver } from '../../../market/lp/jslp.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import { type LinearProgram, type LpSolution, type LpSolver, rowActivities } from '../../../market/lp/solver.ts';
import { appendLinDistFlow, readLinDistFlow } from '../../../market/lp/linDistFlowBlock.ts';
import { LpBuilder } from '../../../market/lp/lpBuilder.ts';
import { radialFeeder } from '../../../network/radial.ts';
import { createNetwork } from '../../../network/validate.ts';
import { capturedLp, offersOfTuples, randomRadialNetwork } from '../../helpers/lpNetworks.ts';

let highs: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
});


/**
 * KKT of a solved LP (maximisation), in the solver interface's convention: stationarity
 * c_j = Σ_i A_ij y_i + d_j; a dual non-zero only at a bound of its row/column, positive at
 * the upper bound, negative at the lower (∂welfare/∂bound); primal feasibility.
 */
function kktViolations(lp: LinearProgram, sol: LpSolution, tol = 1e-6): string[] {
  const out: string[] = [];
  const y = sol.rowDual!;
  const d = sol.colDual!;
  const act = rowActivities(lp, sol.colValue);
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
  const { starts, rows, values } = lp.matrix;
  for (let j = 0; j < lp.numCols; j++) {
    let s = d[j]!;
    for (let k = starts[j]!; k < starts[j + 1]!; k++) s += values[k]! * y[rows[k]!]!;
    if (!near(s, lp.colCost[j]!)) out.push(`column ${j}: stationarity ${s} ≠ cost ${lp.colCost[j]}`);
  }
  const check = (what: string, v: number, lo: number, hi: number, dual: number): void => {
    if (v < lo - tol * Math.max(1, Math.abs(lo)) || v > hi + tol * Math.max(1, Math.abs(hi))) out.push(`${what}: ${v} outside [${lo}, ${hi}]`);
    if (dual > tol && !near(v, hi)) out.push(`${what}: dual ${dual} > 0 but ${v} is below its upper bound ${hi}`);
    if (dual < -tol && !near(v, lo)) out.push(`${what}: dual ${dual} < 0 but ${v} is above its lower bound ${lo}`);
  };
  for (let i = 0; i < lp.numRows; i++) check(`row ${i}`, act[i]!, lp.rowLower[i]!, lp.rowUpper[i]!, y[i]!);
  for (let j = 0; j < lp.numCols; j++) check(`column ${j}`, sol.colValue[j]!, lp.colLower[j]!, lp.colUpper[j]!, d[j]!);
  return out;
}

describe('LinDistFlow dispatch and DLMPs', () => {
  it('prices a binding voltage limit by hand: 20 at the substation, 27.5 midway, 50 at the end of the line', () => {
    // grid —(r 0.01, x 0.01)— b1 —(r 0.03, x 0.01)— b2, S_base 1000 kVA, vmin 0.95 (w ≥ 0.9025).
    // Supply: 5000 kW at the grid for 20 /MWh, 500 kW at b2 for 50; demand 1500 kW at b2 bid at 3000.
    // Unity power factor, so Q = 0 and w2 = 1 − 2 (0.01 + 0.03) P / 1000 ≥ 0.9025 → P ≤ 1218.75 kW:
    // the grid sends 1218.75 kW, the local unit makes the other 281.25 kW and sets b2's price, 50.
    // DLMP_k = 20 + ν ∂w2/∂d_k with ∂w2/∂d_k = −2 Σ_{shared path} r / 1000:
    //   b2: 50 = 20 + ν (−2 · 0.04 / 1000)  → ν = −375 000;   b1: 20 + ν (−2 · 0.01 / 1000) = 20 + 7.5 = 27.5.
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2', vMinPu: 0.95 }],
      branches: [
        { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01 },
        { id: 'l2', from: 'b1', to: 'b2', resistancePu: 0.03, reactancePu: 0.01 },
      ],
    });
    const feeder = radialFeeder(network, { defaultVMinPu: 0.5, defaultVMaxPu: 1.5 });
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 20, 5000], [2, false, 50, 500], [2, true, 3000, 1500]]) }, highs);
    expect(r.status).to.equal('optimal');
    expect(r.quantityKw[0]).to.be.closeTo(1218.75, 1e-6);
    expect(r.quantityKw[1]).to.be.closeTo(281.25, 1e-6);
    expect(r.feeder.vmPu[2]).to.be.closeTo(0.95, 1e-9);
    const f = r.feeder;
    expect(Array.from(f.priceMwh).map((p) => +p.toFixed(6))).to.deep.equal([20, 27.5, 50]);
    expect(Array.from(f.energyMwh).map((p) => +p.toFixed(6))).to.deep.equal([20, 20, 20]);
    expect(Array.from(f.congestionMwh).map((p) => +p.toFixed(6))).to.deep.equal([0, 0, 0]);
    expect(Array.from(f.voltageMwh).map((p) => +p.toFixed(6))).to.deep.equal([0, 7.5, 30]);
    expect(f.voltageDual[2]).to.be.closeTo(-375_000, 1e-3);
    // Money: the congestion rent Σ flow × ΔDLMP = 1218.75 kW × (27.5 − 20 + 50 − 27.5) / 1000 = 36.5625 /h.
    expect(r.congestionRentPerH).to.be.closeTo(36.5625, 1e-9);
  });

  it('prices a binding line limit as congestion on the buses behind it', () => {
    // The same line, no voltage limit, but l1 carries at most 1000 kW: b1 and b2 both pay 50.
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2' }],
      branches: [
        { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01, limitKw: 1000 },
        { id: 'l2', from: 'b1', to: 'b2', resistancePu: 0.03, reactancePu: 0.01 },
      ],
    });
    const feeder = radialFeeder(network, { defaultVMinPu: 0.5 });
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, false, 20, 5000], [2, false, 50, 500], [2, true, 3000, 1500]]) }, highs);
    expect(Array.from(r.feeder.priceMwh).map((p) => +p.toFixed(6))).to.deep.equal([20, 50, 50]);
    expect(Array.from(r.feeder.congestionMwh).map((p) => +p.toFixed(6))).to.deep.equal([0, 30, 30]);
    expect(Array.from(r.feeder.voltageMwh).map((p) => +p.toFixed(6))).to.deep.equal([0, 0, 0]);
    expect(r.flowShadowMwh[0]).to.be.closeTo(30, 1e-9);
  });

  it('limits a line in both directions: an export from b1 stops at the 100 kW limit of l1', () => {
    // PV at b1 offers 500 kW at 0; upstream takes up to 5000 kW at the grid bus for 10; l1 carries at most 100 kW.
    // Flowing back to the grid, l1 binds at P_1 = −100 kW: 100 kW of PV is sold, b1's price is PV's 0, the grid's 10.
    // (Audit of mutation testing: with the lower bound of the flow columns removed — a limit on import only — every
    // test still passed.)
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b1' }],
      branches: [{ id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01, limitKw: 100 }],
    });
    const feeder = radialFeeder(network, { defaultVMinPu: 0.5, defaultVMaxPu: 1.5 });
    const r = dispatchFeeder({ feeder, offers: offersOfTuples([[0, true, 10, 5000], [1, false, 0, 500]]) }, highs);
    expect(r.status).to.equal('optimal');
    expect(r.quantityKw[0]).to.be.closeTo(100, 1e-6);
    expect(r.quantityKw[1]).to.be.closeTo(100, 1e-6);
    expect(r.feeder.pFlowKw[1]).to.be.closeTo(-100, 1e-6);
    expect(Array.from(r.feeder.priceMwh).map((p) => +p.toFixed(6))).to.deep.equal([10, 0]);
  });

  it('limits apparent power by the inscribed 12-gon: never above the rating, at least cos(π/12) of it when binding', () => {
    // One line of 100 kVA; a load of up to 500 kW at power factor 0.8 (tan φ 0.75) worth 3000 at its end.
    const network = createNetwork({ baseKva: 1000, buses: [{ id: 'grid', reference: true }, { id: 'load' }], branches: [{ id: 'l', from: 'grid', to: 'load', resistancePu: 0.001, reactancePu: 0.001, limitKw: 100 }] });
    const feeder = radialFeeder(network);
    const offers = offersOfTuples([[0, false, 20, 1000], [1, true, 3000, 500]]);
    const r = dispatchFeeder({ feeder, offers, kvarPerKw: Float64Array.from([0, 0.75]), block: { lineLimit: 'apparent' } }, highs);
    expect(r.status).to.equal('optimal');
    const s = Math.hypot(r.feeder.pFlowKw[1]!, r.feeder.qFlowKvar[1]!);
    expect(s).to.be.at.most(100 + 1e-9);
    expect(s).to.be.at.least(100 * Math.cos(Math.PI / 12) - 1e-9);
    expect(r.feeder.qFlowKvar[1]! / r.feeder.pFlowKw[1]!).to.be.closeTo(0.75, 1e-9);
    // The partly served load is marginal: its 3000 pays for its kW at the DLMP and its 0.75 kvar per kW at the
    // reactive price (the polygon binds both P and Q), and the DLMP's excess over 20 is congestion.
    expect(r.feeder.priceMwh[1]! + 0.75 * r.feeder.reactivePriceMvarh[1]!).to.be.closeTo(3000, 1e-6);
    expect(r.feeder.congestionMwh[1]).to.be.greaterThan(1000);
    expect(r.feeder.energyMwh[1]! + r.feeder.congestionMwh[1]! + r.feeder.voltageMwh[1]!).to.be.closeTo(r.feeder.priceMwh[1]!, 1e-6);
    // With |P| ≤ 100 instead, the same line carries 100 kW and 75 kvar (125 kVA).
    const active = dispatchFeeder({ feeder, offers, kvarPerKw: Float64Array.from([0, 0.75]) }, highs);
    expect(active.feeder.pFlowKw[1]).to.be.closeTo(100, 1e-9);
  });

  /** A random radial feeder of 2–8 buses with offers and, optionally, binding limits. */
  const randomFeeder = fc
    .integer({ min: 2, max: 8 })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        network: randomRadialNetwork(n, { min: 50, max: 600 }),
        vmin: fc.integer({ min: 85, max: 97 }),
        vmax: fc.integer({ min: 101, max: 110 }),
        offers: fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.boolean(), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 400 })), { minLength: 1, maxLength: 12 }),
        tan: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 12, maxLength: 12 }),
        inverterKvar: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: n, maxLength: n }),
        apparent: fc.boolean(),
      }),
    )
    .map((c) => {
      const feeder = radialFeeder(c.network, { defaultVMinPu: c.vmin / 100, defaultVMaxPu: c.vmax / 100 });
      // Supply at the substation so that every random book is feasible (demand is optional anyway).
      const offers = offersOfTuples([[0, false, 30, 10_000], ...c.offers]);
      const problem: FeederProblem = {
        feeder,
        offers,
        kvarPerKw: Float64Array.from({ length: offers.count }, (_, j) => (j === 0 ? 0 : c.tan[j - 1]! / 100)),
        reactiveSources: { count: c.n, bus: Int32Array.from({ length: c.n }, (_, k) => k), lowerKvar: Float64Array.from(c.inverterKvar, (q) => -q), upperKvar: Float64Array.from(c.inverterKvar) },
        block: { lineLimit: c.apparent ? 'apparent' : 'active' },
      };
      return problem;
    });

  it('on random radial feeders: energy + congestion + voltage = DLMP, and the KKT conditions hold (complementary slackness)', () => {
    fc.assert(
      fc.property(randomFeeder, (problem) => {
        const { lp } = buildFeederLp(problem);
        const sol = highs.solve(lp);
        if (sol.status !== 'optimal') return sol.status === 'infeasible' && false; // supply at the substation and optional demand: always feasible
        expect(kktViolations(lp, sol)).to.deep.equal([]);
        const r = dispatchFeeder(problem, highs);
        const f = r.feeder;
        for (let k = 0; k < problem.feeder.busCount; k++) {
          const sum = f.energyMwh[k]! + f.congestionMwh[k]! + f.voltageMwh[k]!;
          expect(sum, `bus ${k}`).to.be.closeTo(f.priceMwh[k]!, 1e-6 * Math.max(1, Math.abs(f.priceMwh[k]!)));
          expect(f.energyMwh[k]).to.equal(f.priceMwh[problem.feeder.root]);
        }
        return true;
      }),
      { numRuns: 150 },
    );
  });

  it("javascript-lp-solver prices a 2-bus feeder whose voltage-drop row has a 2e-5 coefficient (audit seed 125: every interval was a clearing problem)", () => {
    // grid —(r 0.0097, x 0.1816 p.u. on 1000 kVA, 200 kW)— b1; a buyer of 194.482 kW at 3000 at b1,
    // sellers at the grid: 0.001 kW at 1255, 5000 kW at 3000. The 3000 seller is marginal and the line
    // is not full (194.482 < 200; v² at b1 = 1 − 2 · 0.0097 · 0.194482 = 0.99623 within 0.95²…1.05²),
    // so both buses are priced 3000 and the welfare is 0.001 kW × (3000 − 1255) = 1.745 kW·/MWh (0.001745 /h).
    const net = createNetwork({ baseKva: 1000, buses: [{ id: 'grid', reference: true }, { id: 'b1' }], branches: [{ id: 'l0', from: 'grid', to: 'b1', reactancePu: 0.1816, resistancePu: 0.0097, limitKw: 200 }] });
    const feeder = radialFeeder(net, { defaultVMinPu: 0.95, defaultVMaxPu: 1.05 });
    const offers = offersOfTuples([[0, false, 1255, 0.001], [1, true, 3000, 194.482], [1, true, 0, 5.307], [0, false, 3000, 5000]]);
    const r = dispatchFeeder({ feeder, offers }, jslpSolver);
    expect(r.status, r.message).to.equal('optimal'); // was 'solver-error': "could not solve the dual programme for prices (unbounded…)"
    expect(r.welfarePerH * 1000).to.be.closeTo(1.745, 1e-9);
    // The 3000 buyer and the 3000 seller are indifferent to trading with each other: only the cheap 0.001 kW is decided.
    expect(r.quantityKw[0]).to.be.closeTo(0.001, 1e-12);
    expect(r.quantityKw[2]).to.equal(0);
    expect(r.quantityKw[1]! - r.quantityKw[0]! - r.quantityKw[3]!).to.be.closeTo(0, 1e-9);
    expect(r.priceMwh[0]).to.be.closeTo(3000, 1e-6);
    expect(r.priceMwh[1]).to.be.closeTo(3000, 1e-6);
  });

  it('javascript-lp-solver does not retry a 124-column programme scaled (scaled, its phase 1 loops for ever); its dual programme, which jsLPSolver fails on as given, is solved scaled: HiGHS\'s 61290 and KKT (it was a solver error; audit A-dafeeder)', () => {
    // Without the limit the primal's scaled retry never returns (a synchronous loop: the test suite hangs). Only the dual
    // programme is retried scaled above the limit, and that one returns.
    const lp = capturedLp('jslp-scaled-loop');
    expect(lp.numCols).to.be.above(JSLP_RESCALED_RETRY_MAX_COLUMNS);
    const h = highs.solve(lp);
    expect(h.objective).to.be.closeTo(61290, 1e-6); // the primal itself is fine
    const j = jslpSolver.solve(lp);
    expect(j.status, j.message).to.equal('optimal');
    expect(j.objective).to.be.closeTo(h.objective, 1e-7 * h.objective);
    expect(kktViolations(lp, j, 1e-5)).to.deep.equal([]);
  });

  it('javascript-lp-solver prices a 79-column feeder programme whose dual programme it found "infeasible" as given: solved scaled, its prices are HiGHS\'s (a random 6–14-bus feeder with 30–90 offers; 12 of 191 such programmes above 64 columns failed so, audit A-dafeeder)', () => {
    const lp = capturedLp('jslp-feeder-dual-unscaled');
    expect(lp.numCols).to.be.above(JSLP_RESCALED_RETRY_MAX_COLUMNS);
    const h = highs.solve(lp);
    const j = jslpSolver.solve(lp);
    expect(j.status, j.message).to.equal('optimal'); // was 'solver-error': "could not solve the dual programme for prices (infeasible: …)"
    expect(j.objective).to.be.closeTo(h.objective, 1e-7 * Math.max(1, Math.abs(h.objective)));
    expect(kktViolations(lp, j, 1e-5)).to.deep.equal([]);
    let gap = 0;
    for (let i = 0; i < lp.numRows; i++) gap = Math.max(gap, Math.abs(j.rowDual![i]! - h.rowDual![i]!));
    expect(gap).to.be.below(1e-6);
  });

  it("javascript-lp-solver prices feeders with marginal losses whose loss step is 4e-11: its scaled retry no longer lets that entry set the balance row's scale (fuzz --feeder seeds 10087 and 10197: intervals were clearing problems, 'could not solve the dual programme')", () => {
    // Two intervals' programmes, captured. The root's balance row carries −(LF_k − LF_parent) on each flow: ~1e-4 near
    // the substation, 4.1e-11 (10087: 5 buses, 12-gon limits) and 3.7e-11 (10197) on a far branch. As given, jsLPSolver
    // solves the primal but not its dual programme ("infeasible", or "unbounded" in other intervals). Its scaled retry
    // (market/lp/jslp.ts equilibrate) took that entry into the row's geometric mean and scaled the row by 2^19 (10197)
    // instead of 2^11: then 10197's scaled dual optimum was 21545 against the primal's 21270 (refused by strong duality),
    // and 10087's point came back 5.1e-7 kW off two balance rows (refused by the rescue's 1e-7 feasibility).
    for (const [name, rows] of [['jslp-feeder-apparent-loss-step', [0, 2, 4, 6, 8]], ['jslp-feeder-loss-step-scaling', [0, 2, 4, 6]]] as const) {
      const lp = capturedLp(name);
      const tiny = Math.min(...Array.from(lp.matrix.values, Math.abs));
      expect(tiny, name).to.be.within(3e-11, 5e-11);
      const h = highs.solve(lp);
      const j = jslpSolver.solve(lp);
      expect(j.status, `${name}: ${j.message}`).to.equal('optimal');
      expect(j.objective, name).to.be.closeTo(h.objective, 1e-7 * h.objective);
      // An optimum of the programme as given (KKT, the suite's 1e-5), and the buses' active-power prices HiGHS's to 1e-6 /MWh.
      expect(kktViolations(lp, j, 1e-5), name).to.deep.equal([]);
      for (const row of rows) expect(j.rowDual![row], `${name} row ${row}`).to.be.closeTo(h.rowDual![row]!, 1e-6);
    }
  });

  it('javascript-lp-solver agrees with HiGHS on random radial feeders: the same welfare, and its own prices satisfy the KKT conditions', () => {
    fc.assert(
      fc.property(randomFeeder, (problem) => {
        const { lp } = buildFeederLp(problem);
        const h = highs.solve(lp);
        const j = jslpSolver.solve(lp);
        expect(h.status).to.equal('optimal');
        expect(j.status, j.message).to.equal('optimal');
        expect(j.objective).to.be.closeTo(h.objective, 1e-7 * Math.max(1, Math.abs(h.objective)));
        expect(kktViolations(lp, j, 1e-5)).to.deep.equal([]);
      }),
      { numRuns: 300 },
    );
  });

  it('javascript-lp-solver prices random feeder programmes above 64 columns (no scaled primal retry there): optimal, HiGHS\'s welfare, KKT (before, ~6 % of them were "could not solve the dual programme"; audit A-dafeeder)', () => {
    let above = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 6, max: 14 }).chain((n) =>
          fc.record({
            network: randomRadialNetwork(n, { min: 50, max: 400 }),
            offers: fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.boolean(), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 300 })), { minLength: 30, maxLength: 90 }),
            pf: fc.boolean(),
            apparent: fc.boolean(),
            vmin: fc.integer({ min: 90, max: 97 }),
          }),
        ),
        (d) => {
          const feeder = radialFeeder(d.network, { defaultVMinPu: d.vmin / 100 });
          const offers = offersOfTuples(d.offers);
          const { lp } = buildFeederLp({ feeder, offers, ...(d.pf ? { kvarPerKw: Float64Array.from(d.offers, (_, i) => (i % 3) * 0.2) } : {}), block: { lineLimit: d.apparent ? 'apparent' : 'active' } });
          if (lp.numCols <= JSLP_RESCALED_RETRY_MAX_COLUMNS) return;
          above++;
          const h = highs.solve(lp);
          const j = jslpSolver.solve(lp);
          expect(j.status, j.message).to.equal('optimal');
          expect(j.objective).to.be.closeTo(h.objective, 1e-7 * Math.max(1, Math.abs(h.objective)));
          expect(kktViolations(lp, j, 1e-5)).to.deep.equal([]);
        },
      ),
      { numRuns: 100, seed: 1 },
    );
    expect(above).to.be.greaterThan(50);
  });

  it('with voltage limits relaxed and no line limits, every DLMP is the substation price', () => {
    fc.assert(
      fc.property(randomFeeder, (problem) => {
        const r = dispatchFeeder({ ...problem, block: { voltageLimits: false, lineLimits: false } }, highs);
        expect(r.status).to.equal('optimal');
        for (let k = 0; k < problem.feeder.busCount; k++) {
          expect(r.priceMwh[k]).to.be.closeTo(r.priceMwh[problem.feeder.root]!, 1e-7);
          expect(Math.abs(r.feeder.congestionMwh[k]!) + Math.abs(r.feeder.voltageMwh[k]!)).to.be.below(1e-7);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('MATPOWER feeders under LinDistFlow: generators’ reactive power', () => {
  const threeBus = (dgQmin: number, dgQmax: number, vmin = 0.9): string => `function mpc = three
mpc.version = '2';
mpc.baseMVA = 1;
mpc.bus = [
\t1\t3\t0\t0\t0\t0\t1\t1\t0\t12.66\t1\t1\t1;
\t2\t1\t0.5\t0.3\t0\t0\t1\t1\t0\t12.66\t1\t1.1\t${vmin};
\t3\t1\t0.5\t0.3\t0\t0\t1\t1\t0\t12.66\t1\t1.1\t${vmin};
];
mpc.gen = [
\t1\t0\t0\t10\t-10\t1\t100\t1\t10\t0;
\t3\t0\t0\t${dgQmax}\t${dgQmin}\t1\t100\t1\t1\t0;
];
mpc.branch = [
\t1\t2\t0.02\t0.04\t0\t0\t0\t0\t0\t0\t1\t-360\t360;
\t2\t3\t0.02\t0.04\t0\t0\t0\t0\t0\t0\t1\t-360\t360;
];
mpc.gencost = [
\t2\t0\t0\t2\t20\t0;
\t2\t0\t0\t2\t60\t0;
];
`;
  it('fixes Q when Qmin = Qmax, and otherwise uses it as a free decision to hold the voltage up', () => {
    const fixed = solveFeederOpf(matpowerFeederOpf(parseMatpower(threeBus(0.25, 0.25), 'three.m')), highs);
    expect(fixed.status).to.equal('optimal');
    expect(fixed.generators[1]!.qgMvar).to.be.closeTo(0.25, 1e-12);
    expect(fixed.generators[0]!.qgMvar).to.be.closeTo(0.6 - 0.25, 1e-9);
    // Without Q at bus 3: w3 = 1 − 2·(0.02·1 + 0.04·0.6) − 2·(0.02·0.5 + 0.04·0.3) = 0.868 < 0.95² = 0.9025.
    // Each Mvar injected at bus 3 raises w3 by 2·(0.04 + 0.04) = 0.16, so at least (0.9025 − 0.868)/0.16 = 0.215625
    // Mvar; Q costs nothing, so the DG's 60 $/MWh active power is not needed and the cost stays 20 $/MWh × 1 MW.
    const free = solveFeederOpf(matpowerFeederOpf(parseMatpower(threeBus(-1, 1, 0.95), 'three.m')), highs);
    expect(free.status).to.equal('optimal');
    expect(free.generators[1]!.qgMvar).to.be.within(0.215625 - 1e-9, 1 + 1e-9);
    expect(free.generators[1]!.pgMw).to.be.closeTo(0, 1e-12);
    expect(free.objective).to.be.closeTo(20, 1e-9);
    expect(free.buses[2]!.vm).to.be.at.least(0.95 - 1e-9);
    // The same case with the DG's Q fixed at 0 must buy its active power instead: 60 $/MWh sets bus 3's price.
    const noQ = solveFeederOpf(matpowerFeederOpf(parseMatpower(threeBus(0, 0, 0.95), 'three.m')), highs);
    expect(noQ.status).to.equal('optimal');
    expect(noQ.generators[1]!.pgMw).to.be.closeTo(0.0345 / 0.08, 1e-9); // each MW at bus 3 raises w3 by 2·(0.02 + 0.02)
    expect(noQ.buses[2]!.price).to.be.closeTo(60, 1e-6);
    expect(noQ.buses[2]!.components.voltage).to.be.closeTo(40, 1e-6);
  });

  it('case33bw: the substation carries every load, the DLMP is its 20 $/MWh cost everywhere, voltages as LinDistFlow', () => {
    const r = solveFeederOpf(matpowerFeederOpf(readMatpowerFile(fileURLToPath(new URL('../../fixtures/refcases/matpower/case33bw.m', import.meta.url)))), highs);
    expect(r.status).to.equal('optimal');
    expect(r.generators[0]!.pgMw).to.be.closeTo(3.715, 1e-9);
    expect(r.generators[0]!.qgMvar).to.be.closeTo(2.3, 1e-9);
    expect(r.objective).to.be.closeTo(74.3, 1e-6);
    for (const b of r.buses) expect(b.price).to.be.closeTo(20, 1e-9);
    expect(r.buses.find((b) => b.id === 18)!.vm).to.be.closeTo(0.91593, 5e-6);
  });
});

describe('the LinDistFlow block as a seam for multi-interval programmes', () => {
  it('two intervals in one LP, linked by a battery: each block reads back its own voltages and DLMPs', () => {
    // The hand-computed line again (v(b2) ≥ 0.95 allows 1218.75 kW of import), over two hours.
    // Hour 1: 800 kW at b2. Hour 2: 1500 kW at b2, local unit at 50. A 400 kWh battery at b2
    // (lossless, empty at the start) charges in hour 1 and discharges in hour 2 instead.
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2', vMinPu: 0.95 }],
      branches: [
        { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01 },
        { id: 'l2', from: 'b1', to: 'b2', resistancePu: 0.03, reactancePu: 0.01 },
      ],
    });
    const feeder = radialFeeder(network, { defaultVMinPu: 0.5 });
    const lp = new LpBuilder();
    const blocks = [0, 1].map(() => appendLinDistFlow(lp, feeder, { reactive: false }));
    const loads = [800, 1500];
    const grid: number[] = [];
    blocks.forEach((b, t) => {
      const g = lp.addColumn(0, 5000, -20);
      lp.add(b.pBalanceRow[0]!, g, 1);
      grid.push(g);
      const local = lp.addColumn(0, 500, -50);
      lp.add(b.pBalanceRow[2]!, local, 1);
      const load = lp.addColumn(0, loads[t]!, 3000);
      lp.add(b.pBalanceRow[2]!, load, -1);
    });
    const charge = lp.addColumn(0, 400);
    const discharge = lp.addColumn(0, 400);
    lp.add(blocks[0]!.pBalanceRow[2]!, charge, -1);
    lp.add(blocks[1]!.pBalanceRow[2]!, discharge, 1);
    const soc = lp.addRow(0, 0); // what goes in comes out
    lp.add(soc, charge, 1);
    lp.add(soc, discharge, -1);
    const sol = highs.solve(lp.build('max'));
    expect(sol.status).to.equal('optimal');
    const [h1, h2] = blocks.map((b) => readLinDistFlow(b, sol));
    // Hour 2 imports 1218.75 kW (the voltage limit) and the battery covers 281.25 kW, so the 50 unit stays off;
    // hour 1 imports 800 + 281.25 kW. Both hours price at 20 at the grid.
    expect(sol.colValue[discharge]).to.be.closeTo(281.25, 1e-6);
    expect(sol.colValue[grid[1]!]).to.be.closeTo(1218.75, 1e-6);
    expect(sol.colValue[grid[0]!]).to.be.closeTo(1081.25, 1e-6);
    expect(h2!.vmPu[2]).to.be.closeTo(0.95, 1e-9);
    expect(h1!.vmPu[2]).to.be.above(0.95);
    expect(h1!.energyMwh[2]).to.be.closeTo(20, 1e-9);
    for (const h of [h1!, h2!]) for (let k = 0; k < 3; k++) expect(h.energyMwh[k]! + h.congestionMwh[k]! + h.voltageMwh[k]!).to.be.closeTo(h.priceMwh[k]!, 1e-6);
    // The battery links the hours: b2's DLMP is the same in both (no other cost to moving energy).
    expect(h1!.priceMwh[2]).to.be.closeTo(h2!.priceMwh[2]!, 1e-6);
    expect(h2!.voltageMwh[2]).to.be.closeTo(h2!.priceMwh[2]! - 20, 1e-6);
  });
});

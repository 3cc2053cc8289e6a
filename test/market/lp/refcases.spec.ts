/**
 * DC-OPF against numbers nobody on this project produced (test/fixtures/refcases/SOURCE.md).
 * Every solve is also checked for complementary slackness and for the congestion-rent identity.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { matpowerOpf, parseMatpower, readMatpowerFile, solveOpf, type OpfProblem, type OpfResult } from '../../../market/lp/cases/matpower.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../../market/lp/solver.ts';
import { busSideRentPerH, complementarityViolations } from '../../helpers/complementarity.ts';

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/refcases/${p}`, import.meta.url));

let highs: LpSolver;
let jslp: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
  jslp = await loadSolver('jslp');
});

/** Solves and checks what must hold for every solve: optimal, complementary, rent identity. */
function solveChecked(opf: OpfProblem, solver: LpSolver, priceTol = 1e-6): OpfResult {
  const r = solveOpf(opf, solver);
  expect(r.status, r.message).to.equal('optimal');
  expect(complementarityViolations(opf.problem, r.dispatch, { price: priceTol, quantity: 1e-3 })).to.deep.equal([]);
  const rent = r.dispatch.congestionRentPerH;
  expect(rent).to.be.closeTo(busSideRentPerH(opf.problem, r.dispatch), 1e-6 * Math.max(1, Math.abs(rent)) + 1e-3);
  return r;
}

describe('DC-OPF reference cases', () => {
  describe('PJM 5-bus (Li & Bo, IEEE PES GM 2010; pglib_opf_case5_pjm.m)', () => {
    const lmp = [16.9774, 26.3845, 30.0, 39.9427, 10.0];
    const pg = [40, 170, 323.49, 0, 466.51];
    for (const model of ['matpower', 'powermodels'] as const) {
      it(`reproduces the published LMPs, dispatch and the 4–5 congestion (${model} branch model)`, () => {
        const r = solveChecked(matpowerOpf(readMatpowerFile(fixture('pglib-opf/pglib_opf_case5_pjm.m')), model), highs);
        expect(r.buses.map((b) => b.id)).to.deep.equal([1, 2, 3, 4, 5]);
        r.buses.forEach((b, k) => expect(b.lmp, `LMP bus ${b.id}`).to.be.closeTo(lmp[k]!, 0.01));
        r.generators.forEach((g, k) => expect(g.pgMw, `Pg gen ${g.row}`).to.be.closeTo(pg[k]!, 0.01));
        const b45 = r.branches.find((b) => b.id === '4-5')!;
        expect(b45.flowMw).to.be.closeTo(-240, 1e-6); // negative: flows 5 → 4
        expect(b45.shadowPrice).to.be.greaterThan(0);
        for (const b of r.branches) if (b.id !== '4-5') expect(b.shadowPrice, b.id).to.equal(0);
        expect(r.objective).to.be.closeTo(17479.9, 0.01);
      });
    }
  });

  describe("MATPOWER t_case9_opf against MATPOWER's stored rundcopf solution (soln9_dcopf.json)", () => {
    const soln = JSON.parse(readFileSync(fixture('json/soln9_dcopf.json'), 'utf8')) as { f_soln: number; bus_soln: number[][]; gen_soln: number[][]; branch_soln: number[][] };
    // MATPOWER column indices (0-based): LAM_P 13; PG 1, MU_PMAX 21, MU_PMIN 22; MU_SF 17, MU_ST 18.
    for (const [name, solver, tol] of [
      ['HiGHS', () => highs, 1e-3],
      ['javascript-lp-solver (prices from its dual programme)', () => jslp, 1e-3],
    ] as const) {
      it(`reproduces objective, LMPs, dispatch and shadow prices within 1e-3 (${name})`, () => {
        const opf = matpowerOpf(readMatpowerFile(fixture('matpower/t_case9_opf.m')), 'matpower');
        const r = solveChecked(opf, solver(), 1e-5);
        expect(r.objective).to.be.closeTo(soln.f_soln, tol); // 6392.9017, constant term included
        soln.bus_soln.forEach((row, k) => {
          expect(r.buses[k]!.id).to.equal(row[0]);
          expect(r.buses[k]!.lmp, `LMP bus ${row[0]}`).to.be.closeTo(row[13]!, tol);
        });
        soln.gen_soln.forEach((row, k) => {
          expect(r.generators[k]!.pgMw, `Pg gen ${k + 1}`).to.be.closeTo(row[1]!, tol);
          expect(r.generators[k]!.muPmin, `MU_PMIN gen ${k + 1}`).to.be.closeTo(row[22]!, tol);
          expect(r.generators[k]!.muPmax, `MU_PMAX gen ${k + 1}`).to.be.closeTo(row[21]!, tol);
        });
        expect(r.generators[0]!.muPmin).to.be.closeTo(5.3402, tol);
        soln.branch_soln.forEach((row, k) => {
          expect(r.branches[k]!.flowMw, `flow branch ${k + 1}`).to.be.closeTo(row[13]!, tol);
          expect(r.branches[k]!.shadowPrice, `shadow branch ${row[0]}-${row[1]}`).to.be.closeTo(row[17]! + row[18]!, tol);
        });
        expect(r.branches.find((b) => b.id === '6-7')!.shadowPrice).to.be.closeTo(12.1083, tol);
      });
    }
  });

  describe('PGLib-OPF v23.07 DC baselines (BASELINE.md, PowerModels branch model, ±30° angle limits)', () => {
    const baselines: Array<[string, number]> = [
      ['case3_lmbd', 5695.9],
      ['case5_pjm', 17480],
      ['case14_ieee', 2051.5],
      ['case30_ieee', 7472.8],
      ['case57_ieee', 34773],
      ['case118_ieee', 93101],
      ['case300_ieee', 517850],
    ];
    for (const [name, objective] of baselines) {
      it(`${name}: objective within 5e-4 of ${objective} $/h`, () => {
        // case3_lmbd is a QP: HiGHS's QP solver meets marginal cost = price to ≈ 2e-5 $/MWh (its tolerance).
        const r = solveChecked(matpowerOpf(readMatpowerFile(fixture(`pglib-opf/pglib_opf_${name}.m`)), 'powermodels'), highs, name === 'case3_lmbd' ? 1e-4 : 1e-5);
        expect(Math.abs(r.objective - objective) / objective).to.be.lessThan(5e-4);
      });
    }

    it('case30_ieee differs between branch models as published (pitfall 5): 7504.44 MATPOWER, 7472.81 PowerModels', () => {
      const mpc = readMatpowerFile(fixture('pglib-opf/pglib_opf_case30_ieee.m'));
      expect(solveChecked(matpowerOpf(mpc, 'matpower'), highs).objective).to.be.closeTo(7504.44, 0.01);
      expect(solveChecked(matpowerOpf(mpc, 'powermodels'), highs).objective).to.be.closeTo(7472.81, 0.01);
    });

    for (const name of ['case5_pjm', 'case14_ieee', 'case30_ieee', 'case57_ieee', 'case118_ieee']) {
      it(`${name}: javascript-lp-solver (PTDF form) gives HiGHS's welfare and prices`, () => {
        const opf = matpowerOpf(readMatpowerFile(fixture(`pglib-opf/pglib_opf_${name}.m`)), 'powermodels');
        const h = solveChecked(opf, highs);
        const j = solveChecked(opf, jslp, 1e-4);
        expect(j.objective).to.be.closeTo(h.objective, 1e-9 * h.objective);
        j.buses.forEach((b, k) => expect(b.lmp, `LMP bus ${b.id}`).to.be.closeTo(h.buses[k]!.lmp, 1e-4));
      });
    }

    it('the PTDF and B-θ formulations give the same prices with HiGHS (case118_ieee)', () => {
      const opf = matpowerOpf(readMatpowerFile(fixture('pglib-opf/pglib_opf_case118_ieee.m')), 'powermodels');
      const a = solveOpf(opf, highs, { formulation: 'b-theta' });
      const b = solveOpf(opf, highs, { formulation: 'ptdf' });
      expect(b.objective).to.be.closeTo(a.objective, 1e-9 * a.objective);
      a.buses.forEach((x, k) => expect(b.buses[k]!.lmp).to.be.closeTo(x.lmp, 1e-6));
      a.branches.forEach((x, k) => expect(b.branches[k]!.flowMw).to.be.closeTo(x.flowMw, 1e-6));
    });

    it('case118_ieee with quadratic costs added (c2 = 0.01 $/MW²h) solves with the MATPOWER branch model, where the B-θ QP fails in HiGHS', () => {
      // Each gencost row `2 0 0 3 c2 c1 c0;` gets c2 = 0.01. HiGHS's QP solver stops with status −1 on this
      // programme in B-θ form; the PTDF form solves. Reference: the same OPF as an LP with each cost cut into
      // 2,000 chords (scipy/HiGHS) costs 113212.0302 $/h, an upper bound within c2·(Pmax/2000)²/4 per unit.
      const text = readFileSync(fixture('pglib-opf/pglib_opf_case118_ieee.m'), 'utf8').replace(/(mpc\.gencost = \[)([\s\S]*?)(\];)/, (_, open: string, rows: string, close: string) =>
        `${open}${rows.replace(/^(\s*2\s+\S+\s+\S+\s+3\s+)(\S+)/gm, (_m, head: string, c2: string) => `${head}${Number(c2) + 0.01}`)}${close}`,
      );
      const opf = matpowerOpf(parseMatpower(text, 'q118.m'), 'matpower');
      const r = solveOpf(opf, highs);
      expect(r.status, r.message).to.equal('optimal');
      expect(r.objective).to.be.closeTo(113212.0295, 0.01);
      // KKT: an in-between generator's marginal cost c1 + 2 c2 Pg is its bus's price (to HiGHS's QP regularisation).
      const lmp = new Map(r.buses.map((b) => [b.id, b.lmp]));
      const inside = r.generators.filter((g) => g.pgMw > g.pminMw + 1e-6 && g.pgMw < g.pmaxMw - 1e-6);
      expect(inside.length).to.be.greaterThan(5);
      for (const g of inside) {
        const c1 = opf.case.gencost[g.row - 1]![5]!;
        const c2 = opf.case.gencost[g.row - 1]![4]!;
        expect(c1 + 2 * c2 * g.pgMw, `gen ${g.row}`).to.be.closeTo(lmp.get(g.bus)!, 1e-3);
      }
    });

    it('case3_lmbd has quadratic costs: HiGHS solves the QP exactly, javascript-lp-solver refuses with a reason', () => {
      const opf = matpowerOpf(readMatpowerFile(fixture('pglib-opf/pglib_opf_case3_lmbd.m')), 'powermodels');
      const r = solveOpf(opf, jslp);
      expect(r.status).to.equal('solver-error');
      expect(r.message).to.match(/linear programmes only; this problem has quadratic costs/);
      expect(r.objective).to.be.NaN;
    });
  });
});

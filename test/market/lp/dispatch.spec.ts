import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { matpowerOpf, readMatpowerFile } from '../../../market/lp/cases/matpower.ts';
import { buildConstraints, buildObjective, dispatch, type DispatchProblem, type Offers, readBack, solveLp } from '../../../market/lp/dispatch.ts';
import { JSLP_MAX_TABLEAU_CELLS, solveWithJslp } from '../../../market/lp/jslp.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../../market/lp/solver.ts';
import { TopologyCache } from '../../../network/topology.ts';
import type { Network } from '../../../network/types.ts';
import { createNetwork } from '../../../network/validate.ts';
import { busSideRentPerH, complementarityViolations } from '../../helpers/complementarity.ts';

let highs: LpSolver;
let jslp: LpSolver;
before(async () => {
  highs = await loadSolver('highs');
  jslp = await loadSolver('jslp');
});

/** A(ref) — B, one line with a limit. */
const twoBus = (limitKw: number): Network =>
  createNetwork({ buses: [{ id: 'A', reference: true }, { id: 'B' }], branches: [{ id: 'AB', from: 'A', to: 'B', reactancePu: 0.1, limitKw }] });

type Offer = { bus: number; buy: boolean; price: number; upper: number; lower?: number; group?: number };
const offersOf = (list: readonly Offer[]): Offers => ({
  count: list.length,
  bus: Int32Array.from(list, (o) => o.bus),
  isBuy: Uint8Array.from(list, (o) => (o.buy ? 1 : 0)),
  priceMwh: Float64Array.from(list, (o) => o.price),
  lowerKw: Float64Array.from(list, (o) => o.lower ?? 0),
  upperKw: Float64Array.from(list, (o) => o.upper),
  group: Int32Array.from(list, (o) => o.group ?? -1),
});

function checked(problem: DispatchProblem, solver: LpSolver) {
  const r = dispatch(problem, solver);
  expect(r.status, r.message).to.equal('optimal');
  expect(complementarityViolations(problem, r, { price: 1e-5 })).to.deep.equal([]);
  expect(r.congestionRentPerH).to.be.closeTo(busSideRentPerH(problem, r), 1e-9);
  return r;
}

describe('LP dispatch', () => {
  describe('sign conventions (documented in market/lp/dispatch.ts)', () => {
    for (const name of ['highs', 'jslp'] as const) {
      it(`a congested line separates prices; shadow price = price difference (${name})`, () => {
        const problem: DispatchProblem = {
          network: twoBus(10),
          offers: offersOf([
            { bus: 0, buy: false, price: 20, upper: 100 },
            { bus: 1, buy: true, price: 50, upper: 30 },
          ]),
        };
        const r = checked(problem, name === 'highs' ? highs : jslp);
        expect(r.quantityKw[0]).to.be.closeTo(10, 1e-9);
        expect(r.quantityKw[1]).to.be.closeTo(10, 1e-9);
        expect(r.priceMwh[0]).to.be.closeTo(20, 1e-6); // the seller is marginal at A
        expect(r.priceMwh[1]).to.be.closeTo(50, 1e-6); // the buyer is marginal at B
        expect(r.flowKw[0]).to.be.closeTo(10, 1e-9); // positive: A → B
        expect(r.flowShadowMwh[0]).to.be.closeTo(30, 1e-6);
        expect(r.welfarePerH).to.be.closeTo(((50 - 20) * 10) / 1000, 1e-12);
        expect(r.congestionRentPerH).to.be.closeTo((10 * 30) / 1000, 1e-9); // flow × (π_to − π_from)
      });
    }

    it('the price at a bus is the marginal cost of serving one more kW of demand there', () => {
      const net = twoBus(40);
      const offers = offersOf([
        { bus: 0, buy: false, price: 20, upper: 100 },
        { bus: 1, buy: false, price: 35, upper: 100 },
      ]);
      const base = checked({ network: net, offers, fixedLoadKw: Float64Array.of(10, 50) }, highs);
      for (const k of [0, 1]) {
        const load = Float64Array.of(10, 50);
        load[k]! += 1e-3;
        const more = checked({ network: net, offers, fixedLoadKw: load }, highs);
        expect(-(more.welfarePerH - base.welfarePerH) / (1e-3 / 1000), `bus ${k}`).to.be.closeTo(base.priceMwh[k]!, 1e-6);
      }
      expect(base.priceMwh[0]).to.be.closeTo(20, 1e-9);
      expect(base.priceMwh[1]).to.be.closeTo(35, 1e-9);
    });

    it('a generator at Pmin reports μ_min ≥ 0 (MATPOWER MU_PMIN convention)', () => {
      const r = checked(
        {
          network: twoBus(Infinity),
          offers: offersOf([
            { bus: 0, buy: false, price: 30, upper: Infinity, lower: -Infinity, group: 0 },
            { bus: 1, buy: false, price: 10, upper: 100 },
          ]),
          groups: { count: 1, lowerKw: Float64Array.of(20), upperKw: Float64Array.of(100) },
          fixedLoadKw: Float64Array.of(0, 50),
        },
        highs,
      );
      expect(r.groupKw[0]).to.be.closeTo(20, 1e-9);
      expect(r.groupLowerDualMwh[0]).to.be.closeTo(20, 1e-9); // costs 30, price 10
      expect(r.groupUpperDualMwh[0]).to.equal(0);
    });
  });

  describe('failures are results, never zeros', () => {
    it('a fixed load the network cannot deliver: infeasible, with the reason, NaN prices and quantities', () => {
      const problem: DispatchProblem = { network: twoBus(10), offers: offersOf([{ bus: 0, buy: false, price: 20, upper: 100 }]), fixedLoadKw: Float64Array.of(0, 30) };
      for (const solver of [highs, jslp]) {
        const r = dispatch(problem, solver);
        expect(r.status).to.equal('infeasible');
        expect(r.message).to.match(/^infeasible: the fixed load of 30 kW cannot be delivered within the branch and angle limits/);
        expect(Array.from(r.priceMwh).every(Number.isNaN)).to.equal(true);
        expect(Array.from(r.quantityKw).every(Number.isNaN)).to.equal(true);
        expect(r.welfarePerH).to.be.NaN;
      }
    });

    it('a fixed load above all supply: infeasible, saying so', () => {
      const r = dispatch({ network: twoBus(Infinity), offers: offersOf([{ bus: 0, buy: false, price: 20, upper: 100 }]), fixedLoadKw: Float64Array.of(80, 80) }, highs);
      expect(r.status).to.equal('infeasible');
      expect(r.message).to.match(/the fixed load of 160 kW exceeds the 100 kW that all supply together can give/);
    });

    it('generator minimums above what load can take: infeasible, saying so', () => {
      const r = dispatch(
        {
          network: twoBus(Infinity),
          offers: offersOf([{ bus: 0, buy: false, price: 20, upper: 100, lower: -Infinity, group: 0 }]),
          groups: { count: 1, lowerKw: Float64Array.of(50), upperKw: Float64Array.of(100) },
          fixedLoadKw: Float64Array.of(0, 10),
        },
        highs,
      );
      expect(r.status).to.equal('infeasible');
      expect(r.message).to.match(/generator minimums of 50 kW exceed the 10 kW that load and demand can take/);
    });

    it('unbounded welfare (unlimited buyer above an unlimited seller): unbounded', () => {
      const problem: DispatchProblem = {
        network: twoBus(Infinity),
        offers: offersOf([
          { bus: 0, buy: false, price: 20, upper: Infinity },
          { bus: 1, buy: true, price: 50, upper: Infinity },
        ]),
      };
      for (const solver of [highs, jslp]) {
        const r = dispatch(problem, solver);
        expect(r.status, solver.name).to.equal('unbounded');
        expect(r.message).to.match(/unbounded/);
        expect(r.welfarePerH).to.be.NaN;
      }
    });

    it(`javascript-lp-solver refuses problems above its dense-tableau limit (JSLP_MAX_TABLEAU_CELLS = ${JSLP_MAX_TABLEAU_CELLS})`, () => {
      const list: Offer[] = Array.from({ length: 3000 }, (_, i) => ({ bus: i % 2, buy: i % 3 === 0, price: 10 + (i % 50), upper: 5 }));
      const r = dispatch({ network: twoBus(20), offers: offersOf(list) }, jslp);
      expect(r.status).to.equal('solver-error');
      expect(r.message).to.match(/too large for javascript-lp-solver: its dense tableau would need [\d,]+ cells, above its limit JSLP_MAX_TABLEAU_CELLS = 5,000,000 \(use HiGHS, --solver highs\)/);
    });

    it('malformed problems (programming errors) throw: offers at unknown bus indices, NaN prices', () => {
      expect(() => dispatch({ network: twoBus(1), offers: offersOf([{ bus: 7, buy: true, price: 1, upper: 1 }]) }, highs)).to.throw(RangeError, /offer 0 is at bus index 7/);
      expect(() => dispatch({ network: twoBus(1), offers: offersOf([{ bus: 0, buy: true, price: NaN, upper: 1 }]) }, highs)).to.throw(RangeError, /non-finite price/);
    });
  });

  describe('the four steps', () => {
    it('build constraints, build objective, solve, read back — reusing the cached topology', () => {
      const cache = new TopologyCache();
      const net = twoBus(10);
      const problem: DispatchProblem = { network: net, topologyCache: cache, offers: offersOf([{ bus: 0, buy: false, price: 20, upper: 100 }, { bus: 1, buy: true, price: 50, upper: 30 }]) };
      const topology = cache.get(net);
      const constraints = buildConstraints(problem, topology);
      expect(constraints.numRows).to.equal(3); // two balances, one limit row
      expect(constraints.numCols).to.equal(4); // two offers, two angles
      const objective = buildObjective(problem, constraints.layout);
      expect(Array.from(objective.colCost)).to.deep.equal([-20, 50, 0, 0]);
      const { solution } = solveLp(constraints, objective, highs);
      const r = readBack(problem, constraints, solution, 'highs');
      expect(r.priceMwh[1]).to.be.closeTo(50, 1e-9);
      for (let i = 0; i < 3; i++) dispatch(problem, highs);
      expect(cache.builds).to.equal(1);
    });
  });

  describe('javascript-lp-solver formulation (regression: `unrestricted` free variables give wrong optima)', () => {
    const caseFile = fileURLToPath(new URL('../../fixtures/refcases/pglib-opf/pglib_opf_case14_ieee.m', import.meta.url));
    it('with angles split into positive and negative parts it matches HiGHS; declared `unrestricted` it does not', () => {
      const opf = matpowerOpf(readMatpowerFile(caseFile), 'powermodels');
      const topology = new TopologyCache().get(opf.network, 'powermodels');
      const constraints = buildConstraints(opf.problem, topology, 'b-theta');
      const objective = buildObjective(opf.problem, constraints.layout);
      const { lp, solution } = solveLp(constraints, objective, highs);
      const split = solveWithJslp(lp);
      const unrestricted = solveWithJslp(lp, { freeColumns: 'unrestricted' });
      expect(split.status).to.equal('optimal');
      expect(split.objective).to.be.closeTo(solution.objective, 1e-9 * Math.abs(solution.objective));
      // jsLPSolver reports "optimal" for a point far from the optimum (60 % off here).
      expect(unrestricted.status).to.equal('optimal');
      expect(Math.abs(unrestricted.objective - solution.objective) / Math.abs(solution.objective)).to.be.greaterThan(0.1);
    });

    it('the default (PTDF form, no free variables) matches HiGHS on the same case', () => {
      const opf = matpowerOpf(readMatpowerFile(caseFile), 'powermodels');
      const h = dispatch(opf.problem, highs);
      const j = dispatch(opf.problem, jslp);
      expect(j.formulation).to.equal('ptdf');
      expect(j.welfarePerH).to.be.closeTo(h.welfarePerH, 1e-9 * Math.abs(h.welfarePerH));
    });
  });
});

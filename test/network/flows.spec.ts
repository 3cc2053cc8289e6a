import { expect } from 'chai';
import { clear } from '../../market/clear.ts';
import { loadSolver } from '../../market/lp/loadSolver.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { dcFlowsKw } from '../../network/flows.ts';
import { TopologyCache } from '../../network/topology.ts';
import { createNetwork } from '../../network/validate.ts';
import { bookOf } from '../helpers/lpNetworks.ts';

/**
 * Two parallel A–B lines, x = 0.1 p.u. on 1000 kVA (b = 10,000 kW/rad each); the second shifts
 * the phase by 1°. With δ = θ_A − θ_B: f1 = b δ, f2 = b (δ − φ), f1 + f2 = P, so
 * f1 = (P + b φ) / 2 and f2 = (P − b φ) / 2, b φ = 10,000 π / 180 = 174.5329 kW.
 */
const shifted = (limitKw = Infinity) =>
  createNetwork({
    baseKva: 1000,
    buses: [{ id: 'A', reference: true }, { id: 'B' }],
    branches: [
      { id: 'L1', from: 'A', to: 'B', reactancePu: 0.1, limitKw },
      { id: 'L2', from: 'A', to: 'B', reactancePu: 0.1, phaseShiftDeg: 1 },
    ],
  });
const BPHI = (10_000 * Math.PI) / 180;

describe('DC flows of given injections (network/flows.ts)', () => {
  let highs: LpSolver;
  before(async () => {
    highs = await loadSolver('highs');
  });

  it('a phase shifter drives its loop flow: 100 kW A→B splits 137.27 / −37.27 kW, not 50 / 50', () => {
    const topology = new TopologyCache().get(shifted());
    const f = dcFlowsKw(topology, Float64Array.from([100, -100]));
    expect(f[0]).to.be.closeTo((100 + BPHI) / 2, 1e-9); // 137.2665
    expect(f[1]).to.be.closeTo((100 - BPHI) / 2, 1e-9); // −37.2665
    // No injection, only the loop: ±87.27 kW.
    const loop = dcFlowsKw(topology, new Float64Array(2));
    expect(loop[0]).to.be.closeTo(BPHI / 2, 1e-9);
    expect(loop[1]).to.be.closeTo(-BPHI / 2, 1e-9);
  });

  it("'auto' clearing checks the auction's flows with the shift: L1 at 137 kW > 120 kW goes to the LP, which keeps it at 120", () => {
    const network = shifted(120);
    const book = bookOf(network, [
      ['A', 'sell', 20, 100],
      ['B', 'buy', 100, 100],
    ]);
    const r = clear(book, 'auto', { network, solver: highs, topologies: new TopologyCache() });
    expect(r.mechanism).to.equal('lp-dispatch');
    // L1 carries (P + bφ)/2 ≤ 120 kW: P ≤ 240 − 174.53 = 65.4671 kW traded.
    const traded = r.awardedQuanta[0]! * book.rules.quantumKw;
    expect(traded).to.be.closeTo(240 - BPHI, 0.002);
    const l1 = r.flows.find((f) => f.id === 'L1')!;
    expect(l1.flowKw).to.be.closeTo(120, 0.002);
  });

  it("'auto' clearing respects an angle-difference limit: 0.1° on a 10,000 kW/rad line carries 17.45 kW, not the auction's 100", () => {
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'A', reference: true }, { id: 'B' }],
      branches: [{ id: 'AB', from: 'A', to: 'B', reactancePu: 0.1, angleMaxDeg: 0.1 }],
    });
    const book = bookOf(network, [
      ['A', 'sell', 20, 100],
      ['B', 'buy', 100, 100],
    ]);
    const r = clear(book, 'auto', { network, solver: highs, topologies: new TopologyCache() });
    expect(r.mechanism).to.equal('lp-dispatch');
    // b (θ_A − θ_B) ≤ 10,000 × 0.1 π / 180 = 17.4533 kW; B's price is its buyer's, A's its seller's.
    expect(r.awardedQuanta[0]! * book.rules.quantumKw).to.be.closeTo(BPHI / 10, 0.002);
    expect(Array.from(r.busPriceMwh)).to.deep.equal([20, 100]);
  });

  it('a market the phase shifters alone overload is infeasible, and the message says which branch and by how much', () => {
    // With nothing traded L1 carries b φ / 2 = 87.2665 kW over its 50 kW limit; only B→A trade could relieve it, and no bid offers that.
    const network = shifted(50);
    const book = bookOf(network, [
      ['A', 'sell', 20, 100],
      ['B', 'buy', 100, 100],
    ]);
    const r = clear(book, 'lp', { network, solver: highs, topologies: new TopologyCache() });
    expect(r.status).to.equal('infeasible');
    expect(r.message).to.match(/with nothing traded the phase shifters alone drive 87\.2665 kW through branch 'L1' \(limit 50 kW\)/);
  });
});

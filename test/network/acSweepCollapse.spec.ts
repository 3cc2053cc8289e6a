/**
 * The AC sweep at a dispatch the feeder cannot carry (voltage collapse): it must say it did not
 * converge. Before, the sweep's iterates went to NaN, the largest voltage change (NaN) never beat
 * the running maximum, so it ended "converged" with NaN voltages and NaN losses: a run reported
 * `acSweepsNotConverged: 0`, losses `null` and their cost "0" (a double auction clearing 100 kW over
 * a line of r = x = 0.5 p.u., test/engine/feederLossesStage.spec.ts).
 */
import { expect } from 'chai';
import { acSweep } from '../../network/acSweep.ts';
import { radialFeeder } from '../../network/radial.ts';
import { createNetwork } from '../../network/validate.ts';

describe('the AC sweep at a dispatch past voltage collapse', () => {
  // One line, 100 kVA base. For a two-bus line with the load P + jQ (p.u.) at the far end, the far
  // end's |V|² solves v² − (1 − 2(rP + xQ)) v + (r² + x²)(P² + Q²) = 0: at r = x = 0.5, P = 1, Q = 0
  // that is v² − 0·v + 0.5 = 0, which has no real root — no voltage carries 100 kW.
  const line = (r: number, x: number) =>
    radialFeeder(createNetwork({ baseKva: 100, buses: [{ id: 'grid', reference: true }, { id: 'b' }], branches: [{ id: 'l', from: 'grid', to: 'b', resistancePu: r, reactancePu: x }] }), { defaultVMinPu: 0.5 });

  it('reports that it did not converge (no real voltage solves the line)', () => {
    const ac = acSweep(line(0.5, 0.5), [0, 100], [0, 0]);
    expect(ac.converged).to.equal(false);
  });

  it('still converges where a voltage exists: r = 0.02, x = 0.04, 100 kW → v² = (0.96 + √0.9136) / 2, losses r·P²/v² = 2.08787 kW', () => {
    const ac = acSweep(line(0.02, 0.04), [0, 100], [0, 0]);
    expect(ac.converged).to.equal(true);
    const v2 = (0.96 + Math.sqrt(0.96 ** 2 - 4 * 0.002)) / 2;
    expect(ac.vmPu[1]).to.be.closeTo(Math.sqrt(v2), 1e-9);
    expect(ac.lossesKw).to.be.closeTo((100 * 0.02) / v2, 1e-7);
  });
});

/**
 * Day-ahead clearing on a radial feeder: one LinDistFlow block per interval
 * (`DayAheadMarket.feeder`), linked by a battery, with a voltage limit that binds.
 */
import { expect } from 'chai';
import { agentId, busId } from '../../../core/units.ts';
import { clearDayAhead } from '../../../market/dayAhead/clear.ts';
import type { StorageBid } from '../../../market/dayAhead/types.ts';
import { loadSolver } from '../../../market/lp/loadSolver.ts';
import { type Bid, DEFAULT_RULES } from '../../../market/types.ts';
import { radialFeeder } from '../../../network/radial.ts';
import { createNetwork } from '../../../network/validate.ts';

/**
 * grid —l1— b1 —l2— b2, S_base 1000 kVA, r = 0.01 and 0.03 p.u. (x plays no part: no reactive
 * power), V_grid = 1, v(b2) ≥ 0.95. LinDistFlow: w₂ = 1 − 2 (0.01 + 0.03) P / 1000 ≥ 0.95² = 0.9025,
 * so the feeder imports at most P = 0.0975 × 1000 / 0.08 = 1218.75 kW.
 * Two 1-hour intervals. The grid offers 5000 kW at 20; a local unit at b2 offers 500 kW at 50; the
 * load at b2 bids 1000/MWh for 800 kW, then 1500 kW. A lossless 200 kW battery at b2, empty, ending
 * worthless. Derivation:
 * - hour 2 needs 1500 at b2: 1218.75 through the feeder (v(b2) at 0.95, binding), the battery's
 *   200 kW, and the local unit the last 81.25 kW, marginal: b2 prices at 50, the grid at 20 —
 *   the 30 between them is the voltage limit's;
 * - hour 1: the battery charges its 200 kW at b2 from the grid (1000 kW through the feeder,
 *   within the voltage band): both buses at 20 (lossless, nothing binds);
 * - welfare = (800·1000 − 1000·20)/1000 + (1500·1000 − 1218.75·20 − 81.25·50)/1000 = 780 + 1471.5625.
 */
describe('day-ahead on a LinDistFlow feeder (one block per interval)', () => {
  it('a battery carries energy to the hour where the voltage limit binds; DLMPs 20 everywhere, then 20/27.5/50', async () => {
    const network = createNetwork({
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2', vMinPu: 0.95 }],
      branches: [
        { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.01, reactancePu: 0.01 },
        { id: 'l2', from: 'b1', to: 'b2', resistancePu: 0.03, reactancePu: 0.01 },
      ],
    });
    const feeder = radialFeeder(network, { defaultVMinPu: 0.5 });
    const bid = (id: string, bus: string, t: number, side: 'buy' | 'sell', priceMwh: number, quantityKw: number): Bid => ({ id: `${id}@${t}`, agentId: agentId(id), bus: busId(bus), interval: t, segments: [{ side, priceMwh, quantityKw }] });
    const bids: Bid[] = [0, 1].flatMap((t) => [bid('grid', 'grid', t, 'sell', 20, 5000), bid('unit', 'b2', t, 'sell', 50, 500), bid('load', 'b2', t, 'buy', 1000, t === 0 ? 800 : 1500)]);
    const battery: StorageBid = {
      kind: 'storage',
      id: 'bat',
      agentId: agentId('bat'),
      bus: busId('b2'),
      capacityKwh: 400,
      minSocKwh: 0,
      maxSocKwh: 400,
      maxChargeKw: 200,
      maxDischargeKw: 200,
      chargeEfficiency: 1,
      dischargeEfficiency: 1,
      initialSocKwh: 0,
      terminalValueMwh: 0,
    };
    const r = clearDayAhead({ horizon: { firstInterval: 0, intervalCount: 2, durationH: 1 }, rules: DEFAULT_RULES, bids, intertemporalBids: [battery] }, { feeder, solver: await loadSolver('highs') });
    expect(r.status, r.message).to.equal('cleared');
    expect(r.buses).to.deep.equal(['grid', 'b1', 'b2']);
    expect(Array.from(r.schedules[0]!.netKw)).to.deep.equal([200, -200]);
    const kw = (t: number): number[] => Array.from(r.intervals[t]!.awardedQuanta, (qn) => qn * DEFAULT_RULES.quantumKw);
    expect(kw(0)).to.deep.equal([1000, 0, 800]); // grid, unit, load
    expect(kw(1)).to.deep.equal([1218.75, 81.25, 1500]);
    expect(Array.from(r.intervals[0]!.busPriceMwh)).to.deep.equal([20, 20, 20]);
    // b1 is between: a kW withdrawn there lowers w₂ by the drop on l1 only (0.01 of 0.04), so its DLMP is 20 + 30/4.
    expect(Array.from(r.intervals[1]!.busPriceMwh)).to.deep.equal([20, 27.5, 50]);
    expect(r.intervals[1]!.voltagePu![2]).to.be.closeTo(0.95, 1e-9);
    expect(r.intervals[0]!.voltagePu![2]).to.be.closeTo(Math.sqrt(1 - (0.08 * 1000) / 1000), 1e-9);
    expect(r.intervals[1]!.flows.map((f) => f.flowKw)).to.deep.equal([1218.75, 1218.75]);
    expect(r.welfare).to.be.closeTo(780 + 1471.5625, 1e-6);
    // Books: every interval balances exactly in quanta.
    for (const iv of r.intervals) {
      let net = 0;
      for (let i = 0; i < iv.book.size; i++) net += iv.book.isBuy[i] ? iv.awardedQuanta[i]! : -iv.awardedQuanta[i]!;
      expect(net + iv.intertemporalNetQuanta.reduce((a, v) => a + v, 0)).to.equal(0);
    }
  });
});

/**
 * Re-dispatch along regulation offers, hand-computed on one bus (spread 10/MWh):
 * unit A has blocks 400 kW at 80 and 200 kW at 95 and a position of 450 kW, unit B
 * 200 kW at 180 and no position. A's regulation curve: 400 at 70 and 50 at 85 (loaded:
 * down-regulation at cost − 10), 150 at 105 (up at cost + 10); B's: 200 at 190.
 */
import { expect } from 'chai';
import { busId, agentId } from '../../core/units.ts';
import { redispatch, regulationCurve, type RegulatingUnit } from '../../market/redispatch.ts';
import { DEFAULT_RULES } from '../../market/types.ts';

const main = busId('main');
const q = DEFAULT_RULES.quantumKw;
const A: RegulatingUnit = { id: agentId('a'), bus: main, positionQuanta: 450 / q, blocks: [{ kw: 400, valueMwh: 80 }, { kw: 200, valueMwh: 95 }] };
const B: RegulatingUnit = { id: agentId('b'), bus: main, positionQuanta: 0, blocks: [{ kw: 200, valueMwh: 180 }] };
const run = (fixedKw: number, units: RegulatingUnit[]) =>
  redispatch({ interval: 0, durationH: 0.25, rules: DEFAULT_RULES, buses: [main], fixedNetQuanta: Float64Array.of(Math.round(fixedKw / q)), units, spreadMwh: 10, mechanism: 'double-auction', grid: undefined });

describe('market/redispatch (hand-computed, one bus)', () => {
  it('regulation curve: the position at cost − spread, the rest at cost + spread; takes below value − spread', () => {
    expect(regulationCurve(A.blocks, 450, 10, DEFAULT_RULES)).to.deep.equal([
      { side: 'sell', priceMwh: 70, quantityKw: 400 },
      { side: 'sell', priceMwh: 85, quantityKw: 50 },
      { side: 'sell', priceMwh: 105, quantityKw: 150 },
    ]);
    expect(regulationCurve([], 0, 10, DEFAULT_RULES, [{ kw: 100, valueMwh: -10 }])).to.deep.equal([{ side: 'buy', priceMwh: -20, quantityKw: 100 }]);
  });

  it('short 50 kW (fixed 500 kW against 450 cleared): A regulates up on its 95 block, imbalance price 105', () => {
    const r = run(500, [A, B]);
    expect(Array.from(r.outputQuanta, (x) => x * q)).to.deep.equal([500, 0]);
    expect(r.imbalancePriceMwh[0]).to.equal(105);
    expect(r.unservedQuanta[0]).to.equal(0);
  });

  it('long 20 kW (fixed 430 kW): A regulates down on its loaded 95 block, imbalance price 85', () => {
    const r = run(430, [A, B]);
    expect(Array.from(r.outputQuanta, (x) => x * q)).to.deep.equal([430, 0]);
    expect(r.imbalancePriceMwh[0]).to.equal(85);
  });

  it('more than all capacity (fixed 1000 kW, 800 kW of plant): everything runs, 200 kW unserved at the price cap', () => {
    const r = run(1000, [A, B]);
    expect(Array.from(r.outputQuanta, (x) => x * q)).to.deep.equal([600, 200]);
    expect(r.unservedQuanta[0]! * q).to.equal(200);
    expect(r.imbalancePriceMwh[0]).to.equal(DEFAULT_RULES.priceCapMwh);
  });

  it('a net export of 30 kW: a unit that takes energy back absorbs it at its value − spread (−20); without one it is spilled', () => {
    const upstream: RegulatingUnit = { id: agentId('up'), bus: main, positionQuanta: 0, blocks: [], takes: [{ kw: 100, valueMwh: -10 }] };
    const r = run(-30, [upstream]);
    expect(r.outputQuanta[0]! * q).to.equal(-30);
    expect(r.imbalancePriceMwh[0]).to.equal(-20);
    expect(r.spilledQuanta[0]).to.equal(0);
    expect(run(-30, [A]).spilledQuanta[0]! * q).to.equal(30);
  });
});

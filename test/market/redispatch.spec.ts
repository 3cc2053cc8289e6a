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

  it('a fixed injection clears before a down-regulation clamped to the floor (floor 0, unit at cost 0, spread 10): the unit gives up 40 kW, nothing spilled (audit W-fuzz)', () => {
    // Two buses, one price (no grid): 100 kW withdrawn at main, 40 kW injected at pv. Before, the unit's
    // down-regulation (0 − 10, clamped to the floor 0) tied with the injection offered at the floor,
    // and the tie was rationed pro rata: 100 × 40/140 = 28.571 kW of the injection sold, 11.429 spilled.
    const rules = { ...DEFAULT_RULES, priceFloorMwh: 0 };
    const pv = busId('pv');
    const unit: RegulatingUnit = { id: agentId('plant'), bus: main, positionQuanta: 100 / q, blocks: [{ kw: 200, valueMwh: 0 }] };
    const r = redispatch({ interval: 0, durationH: 0.25, rules, buses: [main, pv], fixedNetQuanta: Float64Array.of(100 / q, -40 / q), units: [unit], spreadMwh: 10, mechanism: 'double-auction', grid: undefined });
    expect(r.spilledQuanta[1]).to.equal(0);
    expect(r.outputQuanta[0]! * q).to.equal(60);
    expect(r.imbalancePriceMwh[0]).to.equal(0.01);
    expect(regulationCurve(unit.blocks, 100, 10, rules)).to.deep.equal([
      { side: 'sell', priceMwh: 0.01, quantityKw: 100 },
      { side: 'sell', priceMwh: 10, quantityKw: 100 },
    ]);
  });

  it('likewise a fixed withdrawal clears before a take clamped to the cap: the taker gives up what the sites withdraw, nothing unserved', () => {
    const rules = { ...DEFAULT_RULES, priceCapMwh: 100 };
    const load = busId('load');
    // The upstream grid takes 50 kW (position −50) at value 95; its take held at 95 + 10, clamped to the cap 100.
    const upstream: RegulatingUnit = { id: agentId('up'), bus: main, positionQuanta: -50 / q, blocks: [], takes: [{ kw: 100, valueMwh: 95 }] };
    // 50 kW injected at main (the export the grid took), 20 kW withdrawn at load: the grid takes 30.
    const r = redispatch({ interval: 0, durationH: 0.25, rules, buses: [main, load], fixedNetQuanta: Float64Array.of(-50 / q, 20 / q), units: [upstream], spreadMwh: 10, mechanism: 'double-auction', grid: undefined });
    expect(r.unservedQuanta[1]).to.equal(0);
    expect(r.outputQuanta[0]! * q).to.equal(-30);
    expect(regulationCurve([], -50, 10, rules, upstream.takes)).to.deep.equal([
      { side: 'buy', priceMwh: 99.99, quantityKw: 50 },
      { side: 'buy', priceMwh: 85, quantityKw: 50 },
    ]);
  });
});

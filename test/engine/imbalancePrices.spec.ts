/**
 * The price a deviation settles at (engine/interval/imbalance.ts `effectiveImbalancePrices`): re-dispatch's
 * price where it set one, the bus's real-time price elsewhere. (Audit of mutation testing: with re-dispatch's
 * price ignored — every deviation settled at the real-time price — every test still passed.)
 */
import { expect } from 'chai';
import { effectiveImbalancePrices } from '../../engine/interval/imbalance.ts';

describe('effectiveImbalancePrices (engine/interval/imbalance.ts)', () => {
  it("takes re-dispatch's price where it set one (105 at bus 0), the real-time price where it did not (70 at bus 1)", () => {
    expect(Array.from(effectiveImbalancePrices(Float64Array.of(105, NaN), Float64Array.of(60, 70)))).to.deep.equal([105, 70]);
  });

  it('is the real-time price everywhere when nothing was re-dispatched', () => {
    expect(Array.from(effectiveImbalancePrices(undefined, Float64Array.of(60, 70)))).to.deep.equal([60, 70]);
  });
});

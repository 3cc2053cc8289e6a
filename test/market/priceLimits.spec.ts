import { expect } from 'chai';
import { clearBids } from '../../market/clearBids.ts';
import { limitOffTick } from '../../market/types.ts';
import { agentId, busId } from '../../core/units.ts';

describe('market: price limits on the tick (market/types.ts limitOffTick)', () => {
  it('a cap or floor that is not a whole number of ticks is refused: a bid at it would snap past it (3000 with tick 7 clears at 3003)', () => {
    expect(limitOffTick({ priceCapMwh: 3000, priceFloorMwh: -500, priceTickMwh: 0.01 })).to.equal(undefined);
    expect(limitOffTick({ priceCapMwh: 3003, priceFloorMwh: -497, priceTickMwh: 7 })).to.equal(undefined);
    expect(limitOffTick({ priceCapMwh: 3000, priceFloorMwh: -497, priceTickMwh: 7 })?.key).to.equal('priceCapMwh');
    expect(limitOffTick({ priceCapMwh: 3000, priceFloorMwh: -500, priceTickMwh: 0.03 })?.key).to.equal('priceFloorMwh');
    const bids = [
      { id: 'b', agentId: agentId('load'), bus: busId('n'), interval: 0, segments: [{ side: 'buy' as const, priceMwh: 3000, quantityKw: 10 }] },
      { id: 's', agentId: agentId('gen'), bus: busId('n'), interval: 0, segments: [{ side: 'sell' as const, priceMwh: 20, quantityKw: 5 }] },
    ];
    expect(() => clearBids(bids, { rules: { priceTickMwh: 7 } })).to.throw(RangeError, 'clear: rules.priceCapMwh 3000 is not a whole number of price ticks (priceTickMwh 7)');
    // On the tick, scarcity prices the rationed demand at the cap itself.
    expect(clearBids(bids, { rules: { priceTickMwh: 7, priceCapMwh: 3003, priceFloorMwh: -497 }, durationH: 1 }).result.busPriceMwh[0]).to.equal(3003);
  });
});

import { expect } from 'chai';
import { computeBill } from '../../tariffs/bill.ts';
import { retailPriceAt } from '../../tariffs/signal.ts';
import type { RealTimeTariff } from '../../tariffs/types.ts';
import { at, hourlyPrices, readings } from './helpers.ts';

/** A real-time tariff passes a negative market price on (as dynamic tariffs do) unless its floor stops it. */
describe('tariffs: retail prices below zero come from the market', () => {
  const rtp: RealTimeTariff = { id: 'rtp', type: 'real-time', adderPerKwh: 0.03 };
  const market = hourlyPrices('2026-05-10T11:00Z', [-50]); // −50 /MWh at noon on a sunny Sunday

  it('−50 /MWh + 0.03 /kWh = −0.02 /kWh: 10 kWh earn the customer 0.20; with floorPerKwh 0 they cost nothing', () => {
    const now = at('2026-05-10T00:00Z');
    expect(retailPriceAt(rtp, at('2026-05-10T11:30Z'), { now, priceForecast: market })).to.be.closeTo(-0.02, 1e-12);
    const hour = readings('2026-05-10T11:00Z', 60, [10]);
    expect(computeBill(rtp, hour, { marketPrices: market }).total.toFixed(2)).to.equal('-0.20');
    expect(computeBill({ ...rtp, floorPerKwh: 0 }, hour, { marketPrices: market }).total.toFixed(2)).to.equal('0.00');
  });
});

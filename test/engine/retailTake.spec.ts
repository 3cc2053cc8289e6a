/**
 * What a retail customer takes at its tariff (RetailDesk.take), by hand: a demand charge weighs on
 * flexible load only. Its inelastic load, bid at the price cap (3000 /MWh, the value of lost load),
 * is supplied whatever the tariff: a supplier does not disconnect a customer's base load because its
 * bill would rise. Before, a demand charge of 1 per kW over 15-minute windows (a premium of 4000 /MWh
 * on load above the day's running peak) left it unserved: 173 kWh in the two-day
 * retail-and-aggregation fixture with its time-of-use tariff swapped for such a demand charge.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { intervalAt } from '../../core/clock.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { buy, deskClock, deskWith } from '../helpers/retailDesk.ts';
import { type BidSegment, DEFAULT_RULES } from '../../market/types.ts';

const clock = deskClock;
const q = DEFAULT_RULES.quantumKw;
const cap = DEFAULT_RULES.priceCapMwh;

/** Takes interval k's curve and meters what was taken (setting the running peak); returns the kW taken. */
function takeAndMeter(desk: RetailDesk, k: number, segments: BidSegment[]): number {
  const interval = intervalAt(clock, k);
  desk.recordPrices(interval, Float64Array.of(50));
  const take = desk.take(0, interval, segments);
  desk.meter(0, interval, { importQuanta: take.buyQuanta, exportQuanta: 0, consumedQuanta: take.buyQuanta, generatedQuanta: 0 });
  return take.buyQuanta * q;
}

describe('retail: what a customer takes at its tariff (RetailDesk.take)', () => {
  const demandCharge = { type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.2 }, demandChargePerKw: 1, demandWindowMinutes: 15 };

  it('under a demand charge of 1 per kW (4000 /MWh above the peak): base load at the cap always, flexible load only under the running peak', () => {
    const desk = deskWith(demandCharge);
    // 00:00: peak 0. 2 kW at the cap taken; 3 kW valued 500 /MWh is above the peak and worth less than 200 + 4000: none.
    expect(takeAndMeter(desk, 0, [buy(2, cap), buy(3, 500)])).to.equal(2);
    // 00:15: peak 2 kW. 1 kW at the cap, and the flexible load fills the peak's room: 1 of its 3 kW.
    expect(takeAndMeter(desk, 1, [buy(1, cap), buy(3, 500)])).to.equal(2);
    // 00:30: 4 kW at the cap: all of it (the peak rises to 4 kW), nothing flexible above it.
    expect(takeAndMeter(desk, 2, [buy(4, cap), buy(3, 500)])).to.equal(4);
    // 00:45: flexible load valued 100 /MWh is below the retail price (200 /MWh): none, even under the peak.
    expect(takeAndMeter(desk, 3, [buy(1, cap), buy(3, 100)])).to.equal(1);
  });

  it('a tariff price above the cap (5 per kWh) still supplies base load, and none of the flexible load', () => {
    const desk = deskWith({ type: 'flat', energyPricePerKwh: 5 });
    expect(takeAndMeter(desk, 0, [buy(2, cap), buy(3, 2500)])).to.equal(2);
  });

  it('property: whatever the tariff, a customer takes at least its load bid at the cap, and at most its whole curve', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.array(fc.record({ quantityKw: fc.integer({ min: 0, max: 200 }).map((n) => n / 10), priceMwh: fc.oneof(fc.constant(cap), fc.integer({ min: 0, max: 2999 })) }), { minLength: 1, maxLength: 6 }),
        (demandChargePerKw, energyPricePerKwh, curve) => {
          const desk = deskWith({ type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh }, demandChargePerKw, demandWindowMinutes: 15 });
          const segments = curve.map((s) => buy(s.quantityKw, s.priceMwh));
          const inelasticKw = curve.filter((s) => s.priceMwh >= cap).reduce((sum, s) => sum + s.quantityKw, 0);
          const wholeKw = curve.reduce((sum, s) => sum + s.quantityKw, 0);
          const takenKw = takeAndMeter(desk, 0, segments);
          expect(takenKw).to.be.at.least(inelasticKw - q / 2);
          expect(takenKw).to.be.at.most(wholeKw + q / 2);
        },
      ),
      { numRuns: 200, seed: 16 },
    );
  });
});

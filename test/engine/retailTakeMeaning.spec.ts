/**
 * What the retail desk's `take` means, as properties over random bid curves and tariffs
 * (engine/retail.ts RetailDesk.take): load bid at the price cap is always taken in full; raising a
 * bid's price never lowers what is taken; without a demand charge the take is exactly every buy
 * priced at or above the retail price (as a person compares them: in decimals) and every sell at or
 * below the export price.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { intervalAt } from '../../core/clock.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { buy, deskClock, deskWith, sell } from '../helpers/retailDesk.ts';
import { type BidSegment, DEFAULT_RULES } from '../../market/types.ts';

const clock = deskClock;
const q = DEFAULT_RULES.quantumKw;
const cap = DEFAULT_RULES.priceCapMwh;

/** Interval 0 sets a running peak of `peakKw` (metered), then interval 1's curve is taken. Market price `marketMwh`. */
function takeAfterPeak(tariff: Record<string, unknown>, peakKw: number, segments: readonly BidSegment[], marketMwh = 50) {
  const desk = deskWith(tariff);
  const first = intervalAt(clock, 0);
  desk.recordPrices(first, Float64Array.of(marketMwh));
  const peakQ = Math.round(peakKw / q);
  desk.meter(0, first, { importQuanta: peakQ, exportQuanta: 0, consumedQuanta: peakQ, generatedQuanta: 0 });
  const second = intervalAt(clock, 1);
  desk.recordPrices(second, Float64Array.of(marketMwh));
  return desk.take(0, second, segments);
}

/** A bid curve: quantities on the quantum grid (tenths of a kW), prices on the 0.01 /MWh tick or at the cap. */
const curveArb = fc.array(
  fc.record({
    side: fc.constantFrom('buy' as const, 'buy' as const, 'sell' as const),
    quantityKw: fc.integer({ min: 0, max: 100 }).map((n) => n / 10),
    priceMwh: fc.oneof(fc.constant(cap), fc.integer({ min: 0, max: 299_999 }).map((c) => c / 100)),
  }),
  { minLength: 1, maxLength: 6 },
);
const demandTariffArb = fc.record({
  energyPricePerKwh: fc.integer({ min: 0, max: 6000 }).map((x) => x / 10_000),
  demandChargePerKw: fc.integer({ min: 0, max: 200 }).map((x) => x / 100),
  windowMinutes: fc.constantFrom(15, 30, 60),
});
const demandTariff = (t: { energyPricePerKwh: number; demandChargePerKw: number; windowMinutes: number }) => ({
  type: 'demand-charge',
  energy: { type: 'flat', energyPricePerKwh: t.energyPricePerKwh },
  demandChargePerKw: t.demandChargePerKw,
  demandWindowMinutes: t.windowMinutes,
});

describe('retail take: what a customer takes at its tariff, as properties', () => {
  it('load bid at the price cap is always taken in full, whatever the tariff and the running peak', () => {
    fc.assert(
      fc.property(demandTariffArb, fc.integer({ min: 0, max: 100 }).map((n) => n / 10), curveArb, (t, peakKw, curve) => {
        const take = takeAfterPeak(demandTariff(t), peakKw, curve);
        const atCapQ = curve.filter((s) => s.side === 'buy' && s.priceMwh >= cap).reduce((n, s) => n + Math.round(s.quantityKw / q), 0);
        expect(take.buyQuanta).to.be.at.least(atCapQ);
      }),
      { numRuns: 200 },
    );
  });

  it('raising the price of one buy never lowers what is taken (same tariff, same running peak)', () => {
    fc.assert(
      fc.property(demandTariffArb, fc.integer({ min: 0, max: 100 }).map((n) => n / 10), curveArb, fc.nat(), fc.integer({ min: 1, max: 300_000 }), (t, peakKw, curve, which, raiseCents) => {
        const k = which % curve.length;
        const raised = curve.map((s, i) => (i === k ? { ...s, priceMwh: Math.min(cap, (Math.round(s.priceMwh * 100) + raiseCents) / 100) } : s));
        const before = takeAfterPeak(demandTariff(t), peakKw, curve);
        const after = takeAfterPeak(demandTariff(t), peakKw, raised);
        if (curve[k]!.side === 'buy') expect(after.buyQuanta).to.be.at.least(before.buyQuanta);
      }),
      { numRuns: 200 },
    );
  });

  it('without a demand charge: every buy priced at or above the retail price and every sell at or below the export price, compared in decimals (a bid exactly at the price is taken)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 29_999 }).map((x) => x / 10_000),
        fc.integer({ min: 0, max: 2_999 }).map((x) => x / 10_000),
        curveArb,
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        (pricePerKwh, exportPerKwh, curve, atPrice) => {
          // Some bids exactly at the retail price (buys) or the export price (sells), in /MWh on the 0.01 tick.
          const retailMwh = new Decimal(pricePerKwh).times(1000);
          const exportMwh = new Decimal(exportPerKwh).times(1000);
          const bids = curve.map((s, i) => (atPrice[i] ? { ...s, priceMwh: (s.side === 'buy' ? retailMwh : exportMwh).toNumber() } : s));
          const take = takeAfterPeak({ type: 'flat', energyPricePerKwh: pricePerKwh, export: { type: 'net-billing', exportPricePerKwh: exportPerKwh } }, 0, bids.map((s) => (s.side === 'buy' ? buy(s.quantityKw, s.priceMwh) : sell(s.quantityKw, s.priceMwh))));
          const buyQ = bids.filter((s) => s.side === 'buy' && (s.priceMwh >= cap || new Decimal(s.priceMwh).gte(retailMwh))).reduce((n, s) => n + Math.round(s.quantityKw / q), 0);
          const sellQ = bids.filter((s) => s.side === 'sell' && new Decimal(s.priceMwh).lte(exportMwh)).reduce((n, s) => n + Math.round(s.quantityKw / q), 0);
          expect(take.buyQuanta, `retail ${pricePerKwh}/kWh`).to.equal(buyQ);
          expect(take.sellQuanta, `export ${exportPerKwh}/kWh`).to.equal(sellQ);
          expect(take.retailPriceMwh).to.equal(retailMwh.toNumber());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the price a customer is shown is the price its curve is taken at: a buy at the shown price is taken, a cent below it is not (real-time tariffs too)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 29_999 }).map((x) => ({ type: 'flat', energyPricePerKwh: x / 10_000 })),
          fc.integer({ min: -500, max: 2000 }).map((x) => ({ type: 'real-time', adderPerKwh: x / 10_000 })),
        ),
        fc.integer({ min: 0, max: 200_000 }).map((c) => c / 100),
        (tariff, marketMwh) => {
          const desk = deskWith(tariff);
          const interval = intervalAt(clock, 0);
          const market = {
            interval: { index: 0, start: interval.start, durationH: interval.durationH },
            priceCapMwh: cap,
            priceFloorMwh: DEFAULT_RULES.priceFloorMwh,
            quantumKw: q,
            lastPriceMwh: undefined,
            priceForecastMwh: [marketMwh],
            conditions: { outdoorC: 20, ghiWm2: 0 },
          } as unknown as Parameters<RetailDesk['view']>[2];
          const shownMwh = desk.view(0, interval, market).priceForecastMwh[0]!;
          desk.recordPrices(interval, Float64Array.of(marketMwh));
          const take = desk.take(0, interval, [buy(1, shownMwh)]);
          expect(take.retailPriceMwh).to.equal(shownMwh);
          expect(take.buyQuanta, `shown ${shownMwh}`).to.equal(Math.round(1 / q));
          expect(desk.take(0, interval, [buy(1, shownMwh - 0.01)]).buyQuanta).to.equal(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

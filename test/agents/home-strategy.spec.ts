import { expect } from 'chai';
import fc from 'fast-check';
import { buildingForecastBid, buildingForecastParams } from '../../strategies/building/forecast.ts';
import type { BuildingNeed, BuildingView } from '../../strategies/building/view.ts';
import { homeForecastBid, homeForecastParams } from '../../strategies/home/forecast.ts';
import { bankingValueMwh, cheapestAheadMwh, discountedPeakMwh } from '../../strategies/home/forecastValue.ts';
import type { HomeNeed, HomeView, HvacView } from '../../strategies/home/view.ts';
import { checkStrategyRef, strategyIds } from '../../strategies/registry.ts';
import { truthful } from '../../strategies/truthful.ts';
import type { MarketView } from '../../strategies/types.ts';
import { branded } from '../helpers/units.ts';

const CAP = 3000;
const market = (forecast: readonly number[], last?: number): MarketView =>
  branded<MarketView>(Object.freeze({
    interval: { index: 0, start: 0, durationH: 0.25 },
    priceCapMwh: CAP,
    priceFloorMwh: -500,
    quantumKw: 0.001,
    lastPriceMwh: last,
    priceForecastMwh: forecast,
    conditions: { outdoorC: 30, ghiWm2: 0 },
  }));

const hvac: HvacView = branded<HvacView>({ mode: 'cool', indoorC: 23, outdoorC: 30, band: { lowC: 20, highC: 24 }, setpointC: 22, marginC: 1, timeConstantH: 20, ratedKw: 5.6 });

function homeView(entries: Array<[HomeNeed, number, number, number?]>, pvKw = 0): HomeView {
  return branded<HomeView>(Object.freeze({
    agentId: 'h-1',
    kind: 'home',
    demand: entries.map(([, kw, valueMwh]) => ({ kw, valueMwh })),
    supply: pvKw > 0 ? [{ kw: pvKw, valueMwh: 0 }] : [],
    needs: entries.map(([n]) => n),
    slackH: entries.map(([, , , s]) => s ?? NaN),
    desiredKw: 0,
    inelasticKw: 0,
    hvac,
    pvKw,
  }));
}

const params = homeForecastParams.parse({});
const expectPrices = (actual: readonly number[], expected: readonly number[]): void => {
  expect(actual).to.have.length(expected.length);
  actual.forEach((p, i) => expect(p, `segment ${i}`).to.be.closeTo(expected[i]!, 1e-9));
};

describe('strategies/home/forecastValue: by hand', () => {
  it('discountedPeakMwh: the best of F[k]·e^(−kΔt/τ) within the look-ahead, NaNs skipped', () => {
    expect(discountedPeakMwh([50, 60, 400], 0.25, 20, 6)).to.be.closeTo(400 * Math.exp(-0.025), 1e-9);
    expect(discountedPeakMwh([50, NaN, 400, 1000], 0.25, 20, 0.5)).to.be.closeTo(400 * Math.exp(-0.025), 1e-9);
    expect(discountedPeakMwh([50, NaN], 0.25, 20, 6)).to.be.NaN;
  });

  describe('issue 14 defect 15: pre-cooling starts only when it pays, on a hand-computed two-price day', () => {
    // Hourly intervals, τ = 10 h (e^−h/10 of the banked cold is left h hours later), look-ahead 6 h, spread 0.1.
    // Banking h hours before a peak P pays when P·e^−h/τ > now·1.1, i.e. h < τ·ln(P / 110) for now = 100.
    const day = (cheap: number, dear: number): number[] => Array.from({ length: 24 }, (_, h) => (h < 17 ? cheap : dear));
    const value = (prices: number[], hour: number): number => bankingValueMwh(prices.slice(hour), undefined, 1, 10, 6, 0.1);

    it('100 until 17:00, then 400: it pays from 11:00 (6 h ahead, the look-ahead; τ·ln(400/110) = 12.9 h would allow more), worth 400·e^−h/10', () => {
      const prices = day(100, 400);
      for (let h = 0; h < 11; h++) expect(value(prices, h), `${h}:00`).to.be.NaN; // the peak is beyond the look-ahead
      expect(value(prices, 11)).to.be.closeTo(400 * Math.exp(-0.6), 1e-9); // 219.53 > 110
      expect(value(prices, 16)).to.be.closeTo(361.9349672, 1e-6); // 400·e^−0.1
      for (let h = 17; h < 24; h++) expect(value(prices, h), `${h}:00`).to.be.NaN; // nothing dearer ahead
    });

    it('100 until 17:00, then 115: it never pays — even an hour ahead 115·e^−0.1 = 104.06 ≤ 110 — so no hour pre-cools', () => {
      const prices = day(100, 115);
      for (let h = 0; h < 24; h++) expect(value(prices, h), `${h}:00`).to.be.NaN;
    });

    it('the losses bound the lead: with τ = 2 h and the 400 peak, banking pays only within 2·ln(400/110) = 2.58 h of it', () => {
      const prices = day(100, 400);
      const v = (hour: number): number => bankingValueMwh(prices.slice(hour), undefined, 1, 2, 6, 0.1);
      expect(v(14)).to.be.NaN; // 3 h ahead: 400·e^−1.5 = 89.25 ≤ 110
      expect(v(15)).to.be.closeTo(400 * Math.exp(-1), 1e-9); // 2 h ahead: 147.15
    });
  });

  it('bankingValueMwh: only a peak that beats the price now by the spread counts', () => {
    expect(bankingValueMwh([100, 100, 300], undefined, 0.25, 20, 6, 0.1)).to.be.closeTo(300 * Math.exp(-0.025), 1e-9);
    expect(bankingValueMwh([100, 100, 100], undefined, 0.25, 20, 6, 0.1)).to.be.NaN;
    expect(bankingValueMwh([NaN, 100, 300], 90, 0.25, 20, 6, 0.1)).to.be.closeTo(300 * Math.exp(-0.025), 1e-9);
    expect(bankingValueMwh([NaN, 100, 300], undefined, 0.25, 20, 6, 0.1)).to.be.NaN;
    expect(bankingValueMwh([-50, 0], undefined, 0.25, 20, 6, 0.1)).to.equal(0);
  });

  it('cheapestAheadMwh: the lowest known price among the next n intervals', () => {
    expect(cheapestAheadMwh([10, 80, NaN, 40, 5], 3)).to.equal(40);
    expect(cheapestAheadMwh([10, 80], 0)).to.be.NaN;
  });
});

describe('strategies/home/forecast: home-forecast against stub views', () => {
  const entries: Array<[HomeNeed, number, number, number?]> = [
    ['base', 0.3, CAP],
    ['hvac-keep', 0.5, CAP],
    ['hvac', 1.2, 506],
    ['base-flex', 0.1, 200],
    ['appliance', 1.0, 150, 2],
    ['hvac', 0.8, 133],
    ['precondition', 2, 0],
  ];

  it('one buy segment per demand entry, same order and kW; PV offered as supply', () => {
    const bids = homeForecastBid(homeView(entries, 2.5), market([100, 100, 400, 100]), params);
    expect(bids.filter((b) => b.side === 'buy').map((b) => b.quantityKw)).to.deep.equal(entries.map((e) => e[1]));
    expect(bids.filter((b) => b.side === 'sell')).to.deep.equal([{ side: 'sell', priceMwh: 0, quantityKw: 2.5 }]);
  });

  it('with no forecast it is truthful', () => {
    const v = homeView(entries, 1);
    expect(homeForecastBid(v, market([NaN, NaN, NaN]), params)).to.deep.equal(truthful.bid(v, market([])));
    expect(homeForecastBid(v, market([]), params)).to.deep.equal(truthful.bid(v, market([])));
  });

  it('a coming peak: pre-conditioning at the discounted peak, comfort blocks at least that, the cap untouched', () => {
    const peak = 400 * Math.exp(-0.5 / 20);
    const bids = homeForecastBid(homeView(entries), market([100, 100, 400, 100]), params);
    expectPrices(bids.map((b) => b.priceMwh), [CAP, CAP, 506, 200, 150, peak, peak]);
  });

  it('a flat forecast is no peak (persistence does not hold prices up)', () => {
    const bids = homeForecastBid(homeView(entries), market([100, 100, 100, 100]), params);
    expect(bids.map((b) => b.priceMwh)).to.deep.equal([CAP, CAP, 506, 200, 150, 133, 0]);
  });

  it('an appliance waits when waiting is forecast cheaper (within its slack), never when it must run', () => {
    const cheapLater = [100, 100, 100, 100, 100, 100, 100, 100, 20];
    // Slack 2 h = 8 intervals: the 20 at k = 8 is within reach.
    expect(homeForecastBid(homeView(entries), market(cheapLater), params)[4]!.priceMwh).to.equal(20);
    const tooLate = homeView(entries.map((e) => (e[0] === 'appliance' ? ['appliance', 1.0, 150, 1] : e)));
    expect(homeForecastBid(tooLate, market(cheapLater), params)[4]!.priceMwh).to.equal(150);
    const must = homeView(entries.map((e) => (e[0] === 'appliance' ? ['appliance', 1.0, CAP, 0] : e)));
    expect(homeForecastBid(must, market(cheapLater), params)[4]!.priceMwh).to.equal(CAP);
  });

  it('property: prices within [floor, cap], quantities the view\'s, cap needs stay at the cap', () => {
    const needArb = fc.constantFrom<HomeNeed>('base', 'base-flex', 'appliance', 'hvac-keep', 'hvac', 'precondition');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(needArb, fc.double({ min: 0.001, max: 5, noNaN: true }), fc.double({ min: -500, max: CAP, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true })), { minLength: 1, maxLength: 12 }),
        fc.array(fc.oneof(fc.constant(NaN), fc.double({ min: -500, max: 5000, noNaN: true })), { maxLength: 96 }),
        (es, f) => {
          const v = homeView(es);
          const bids = homeForecastBid(v, market(f, 80), params);
          expect(bids).to.have.length(es.length);
          bids.forEach((b, i) => {
            expect(b.priceMwh).to.be.within(-500, CAP);
            expect(b.quantityKw).to.equal(es[i]![1]);
            if (es[i]![2] === CAP && es[i]![0] !== 'precondition') expect(b.priceMwh).to.equal(CAP);
          });
        },
      ),
    );
  });
});

describe('strategies/building/forecast: building-forecast against stub views', () => {
  const view = (entries: Array<[BuildingNeed, number, number]>): BuildingView =>
    branded<BuildingView>(Object.freeze({
      agentId: 'b-1',
      kind: 'building',
      demand: entries.map(([, kw, valueMwh]) => ({ kw, valueMwh })),
      supply: [],
      needs: entries.map(([n]) => n),
      occupied: true,
      hvac: { ...hvac, timeConstantH: 29 },
      contractKw: 4,
      curtailableKw: 3,
      desiredKw: 0,
      inelasticKw: 0,
    }));
  const entries: Array<[BuildingNeed, number, number]> = [
    ['base', 8, CAP],
    ['hvac', 6, CAP],
    ['dimming', 1, 337.5],
    ['hvac-relax', 2, 212.5],
    ['precondition', 3, 0],
  ];
  const p = buildingForecastParams.parse({});

  it('a coming peak raises the HVAC relaxation and prices pre-cooling; dimming keeps its contract value', () => {
    const peak = 900 * Math.exp(-0.5 / 29);
    expectPrices(buildingForecastBid(view(entries), market([100, 100, 900]), p).map((b) => b.priceMwh), [CAP, CAP, 337.5, peak, peak]);
  });

  it('no forecast: truthful', () => {
    expect(buildingForecastBid(view(entries), market([]), p)).to.deep.equal(truthful.bid(view(entries), market([])));
  });
});

describe('strategies registry: home-forecast and building-forecast', () => {
  it('are registered for their kinds only', () => {
    expect(strategyIds('home')).to.include('home-forecast');
    expect(strategyIds('building')).to.include('building-forecast');
    expect(strategyIds('generator')).not.to.include('home-forecast');
    expect(checkStrategyRef('home-forecast', 'building')[0]!.message).to.match(/is for home, not building/);
    expect(checkStrategyRef({ id: 'home-forecast', params: { lookaheadHours: 3, minSpread: 0.2 } }, 'home')).to.deep.equal([]);
    expect(checkStrategyRef({ id: 'building-forecast', params: { lookahead: 3 } }, 'building')).to.have.length(1);
  });
});

import { expect } from 'chai';
import { arbitragePrices, storageArbitrageParams, storageArbitrageStrategy } from '../../strategies/storage/arbitrage.ts';
import { quantileOfSorted, sortedKnownPrices } from '../../strategies/storage/forecastQuantiles.ts';
import type { StorageView } from '../../strategies/storage/view.ts';
import { checkStrategyRef, strategyIds } from '../../strategies/registry.ts';
import type { MarketView } from '../../strategies/types.ts';
import { branded, type Plain } from '../helpers/units.ts';

function market(forecast: readonly number[], last?: number): MarketView {
  return branded<MarketView>(Object.freeze({
    interval: { index: 0, start: 0, durationH: 0.25 },
    priceCapMwh: 3000,
    priceFloorMwh: -500,
    quantumKw: 0.001,
    lastPriceMwh: last,
    priceForecastMwh: Object.freeze([...forecast]),
    conditions: { outdoorC: 20, ghiWm2: 0 },
  }));
}

function battery(over: Partial<Plain<StorageView>> = {}): StorageView {
  return branded<StorageView>(Object.freeze({
    agentId: 'bat-1',
    kind: 'storage',
    demand: [],
    supply: [],
    socKwh: 6.75,
    minSocKwh: 1.35,
    maxSocKwh: 13.5,
    capacityKwh: 13.5,
    maxChargeKw: 5,
    maxDischargeKw: 5,
    chargeEfficiency: 0.95,
    dischargeEfficiency: 0.95,
    degradationCostPerMwh: 20,
    ...over,
  }));
}

const arbitrage = storageArbitrageStrategy(storageArbitrageParams.parse({}));

describe('strategies/forecastQuantiles', () => {
  it('the ⌈q·n⌉-th cheapest known price, NaN skipped', () => {
    const s = sortedKnownPrices(Object.freeze([40, NaN, 10, 30, 20]));
    expect([...s]).to.deep.equal([10, 20, 30, 40]);
    expect([0, 0.25, 0.5, 0.75, 1].map((q) => quantileOfSorted(s, q))).to.deep.equal([10, 10, 20, 30, 40]);
    expect(quantileOfSorted(sortedKnownPrices([NaN]), 0.5)).to.be.NaN;
  });

  it('sorts once per forecast array and window (the same object back)', () => {
    const f = Object.freeze([3, 1, 2]);
    expect(sortedKnownPrices(f, 2)).to.equal(sortedKnownPrices(f, 2));
    expect([...sortedKnownPrices(f, 2)]).to.deep.equal([1, 3]);
  });
});

describe('strategies/storage-arbitrage: hand-checked bids', () => {
  it('forecast 40, 40, 100, 100; η 0.95/0.95; wear 20 → margin 12.25: buy 5 kW at 40, sell 5 kW at 100', () => {
    expect(arbitragePrices(battery(), market([40, 40, 100, 100]), storageArbitrageParams.parse({})).marginMwh).to.be.closeTo(12.25, 1e-9);
    expect(arbitrage.bid(battery(), market([40, 40, 100, 100]))).to.deep.equal([
      { side: 'buy', priceMwh: 40, quantityKw: 5 },
      { side: 'sell', priceMwh: 100, quantityKw: 5 },
    ]);
  });

  it('with wear 30 the spread does not pay (margin −6.75): no bid', () => {
    expect(arbitrage.bid(battery({ degradationCostPerMwh: 30 }), market([40, 40, 100, 100]))).to.deep.equal([]);
  });

  it('quantities are the limits for the SoC: full → only the sell side; empty → only the buy side', () => {
    expect(arbitrage.bid(battery({ maxChargeKw: 0 }), market([40, 40, 100, 100]))).to.deep.equal([{ side: 'sell', priceMwh: 100, quantityKw: 5 }]);
    expect(arbitrage.bid(battery({ maxDischargeKw: 0, maxChargeKw: 2.5 }), market([40, 40, 100, 100]))).to.deep.equal([{ side: 'buy', priceMwh: 40, quantityKw: 2.5 }]);
  });

  it('unknown prices: NaN entries skipped; nothing known → no bid; a flat last price → no spread, no bid', () => {
    expect(arbitrage.bid(battery(), market([NaN, 40, 100, NaN, 40, 100]))).to.have.length(2);
    expect(arbitrage.bid(battery(), market([NaN, NaN]))).to.deep.equal([]);
    expect(arbitrage.bid(battery(), market([NaN], 80))).to.deep.equal([]);
  });

  it('other quantiles: 10 % / 90 % of 10 … 100 → buy at 10, sell at 90', () => {
    const s = storageArbitrageStrategy(storageArbitrageParams.parse({ lowQuantile: 0.1, highQuantile: 0.9 }));
    const bid = s.bid(battery(), market([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]));
    expect(bid.map((x) => x.priceMwh)).to.deep.equal([10, 90]);
  });

  it('is registered for storage only; its quantiles must be ordered', () => {
    expect(strategyIds('storage')).to.include('storage-arbitrage');
    expect(checkStrategyRef('storage-arbitrage', 'ev')[0]!.message).to.match(/is for storage/);
    expect(checkStrategyRef({ id: 'storage-arbitrage', params: { lowQuantile: 0.8, highQuantile: 0.2 } }, 'storage')).to.have.length(1);
  });
});

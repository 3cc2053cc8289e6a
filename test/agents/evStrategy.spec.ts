import { expect } from 'chai';
import { evSlackParams, evSlackPrices, evSlackStrategy } from '../../strategies/ev/slack.ts';
import type { EvView } from '../../strategies/ev/view.ts';
import { checkStrategyRef, createStrategy, strategyIds } from '../../strategies/registry.ts';
import { truthful } from '../../strategies/truthful.ts';
import type { MarketView } from '../../strategies/types.ts';
import { branded, type Plain } from '../helpers/units.ts';

const CAP = 3000;

function market(forecast: readonly number[], last?: number): MarketView {
  return branded<MarketView>(Object.freeze({
    interval: { index: 0, start: 0, durationH: 0.25 },
    priceCapMwh: CAP,
    priceFloorMwh: -500,
    quantumKw: 0.001,
    lastPriceMwh: last,
    priceForecastMwh: Object.freeze([...forecast]),
    conditions: { outdoorC: 20, ghiWm2: 0 },
  }));
}

function ev(over: Partial<Plain<EvView>> = {}): EvView {
  return branded<EvView>(Object.freeze({
    agentId: 'ev-1',
    kind: 'ev',
    demand: [{ kw: 7.4, valueMwh: CAP }],
    supply: [],
    socKwh: 44,
    targetSocKwh: 54,
    minSocKwh: 12,
    hoursToDeparture: 2,
    slackHours: 1.5,
    neededKwh: 10 / 0.9,
    mustChargeKw: 0,
    maxChargeKw: 7.4,
    maxDischargeKw: 0,
    v2gCapable: false,
    chargerKw: 7.4,
    chargeEfficiency: 0.9,
    dischargeEfficiency: 0.9,
    degradationCostPerMwh: 35,
    ...over,
  }));
}

const slack = evSlackStrategy(evSlackParams.parse({}));
// 8 intervals before departure at 10 … 80, then later prices the car will not see.
const EIGHT = [40, 10, 80, 30, 60, 20, 70, 50, 1, 1, 1, 1];

describe('strategies/ev-slack: hand-checked bids', () => {
  it('2 h to go, needs 0.5 h flat out (slack 1.5 h): its flexible 7.4 kW at 20, the 2nd cheapest of the 8 intervals left', () => {
    expect(slack.bid(ev(), market(EIGHT))).to.deep.equal([{ side: 'buy', priceMwh: 20, quantityKw: 7.4 }]);
  });

  it('with 0.5 h of slack: f = 0.75 → base 60 (6th of 8), half-way urgent → 60 + 2940 · 0.5 = 1530', () => {
    expect(slack.bid(ev({ slackHours: 0.5 }), market(EIGHT))).to.deep.equal([{ side: 'buy', priceMwh: 1530, quantityKw: 7.4 }]);
  });

  it('an EV with 2 h slack and 6 h to go bids its need at the 16th cheapest of 24 prices (f = 2/3): 160', () => {
    const prices = Array.from({ length: 24 }, (_, k) => ((k * 7) % 24) * 10 + 10); // 10 … 240, shuffled
    const bid = slack.bid(ev({ hoursToDeparture: 6, slackHours: 2 }), market(prices));
    expect(bid).to.deep.equal([{ side: 'buy', priceMwh: 160, quantityKw: 7.4 }]);
  });

  it('must-run at the cap, the rest at its willingness to pay; none left flexible → only the must-run', () => {
    expect(slack.bid(ev({ mustChargeKw: 3 }), market(EIGHT))).to.deep.equal([
      { side: 'buy', priceMwh: CAP, quantityKw: 3 },
      { side: 'buy', priceMwh: 20, quantityKw: 4.4 },
    ]);
    expect(slack.bid(ev({ mustChargeKw: 7.4, slackHours: -0.2 }), market(EIGHT))).to.deep.equal([{ side: 'buy', priceMwh: CAP, quantityKw: 7.4 }]);
  });

  it('no slack left (or none to have) → the cap', () => {
    expect(evSlackPrices(ev({ slackHours: 0 }), market(EIGHT), evSlackParams.parse({})).wtpMwh).to.equal(CAP);
    expect(evSlackPrices(ev({ slackHours: -Infinity }), market(EIGHT), evSlackParams.parse({})).wtpMwh).to.equal(CAP);
  });

  it('V2G: a full car offers its spare at max(Q(0.75), cheapest / (η_c·η_d) + 2·deg/η_d)', () => {
    const full = ev({ socKwh: 54, neededKwh: 0, slackHours: 2, maxChargeKw: 0, maxDischargeKw: 7.4, v2gCapable: true, demand: [] });
    // f = 0 → base = the cheapest (10); ask = max(Q(0.75) = 60, 10/0.81 + 77.78 = 90.12).
    const [seg] = slack.bid(full, market(EIGHT));
    expect(seg!.side).to.equal('sell');
    expect(seg!.quantityKw).to.equal(7.4);
    expect(seg!.priceMwh).to.be.closeTo(10 / 0.81 + 70 / 0.9, 1e-9);
    // With cheap wear (deg 5) the quantile rules: max(60, 12.35 + 11.11) = 60.
    expect(slack.bid(branded<EvView>({ ...full, degradationCostPerMwh: 5 }), market(EIGHT))).to.deep.equal([{ side: 'sell', priceMwh: 60, quantityKw: 7.4 }]);
  });

  it('V2G is left out when it would sell below what it pays to charge', () => {
    const v = ev({ slackHours: 0.1, maxDischargeKw: 2, v2gCapable: true, degradationCostPerMwh: 5 });
    const bid = slack.bid(v, market(EIGHT));
    expect(bid.every((s) => s.side === 'buy')).to.equal(true);
  });

  it('unknown prices: NaN forecast entries are skipped; with nothing known it pays 0 for flexible energy and offers no V2G', () => {
    expect(slack.bid(ev(), market([NaN, 40, NaN, 10, 80, 30, 60, 20, 70, 50]))[0]!.priceMwh).to.equal(20);
    const v = ev({ maxDischargeKw: 3, v2gCapable: true });
    expect(slack.bid(v, market([NaN, NaN, NaN]))).to.deep.equal([{ side: 'buy', priceMwh: 0, quantityKw: 7.4 }]);
    expect(slack.bid(v, market([NaN, NaN], 70))[0]).to.deep.equal({ side: 'buy', priceMwh: 70, quantityKw: 7.4 });
  });

  it('truthful on an EV view bids its valuation: everything it can take at the cap (uncontrolled charging)', () => {
    expect(truthful.bid(ev(), market(EIGHT))).to.deep.equal([{ side: 'buy', priceMwh: CAP, quantityKw: 7.4 }]);
  });

  it('is registered for ev only, with checked parameters', () => {
    expect(strategyIds('ev')).to.include('ev-slack');
    expect(strategyIds('generator')).to.not.include('ev-slack');
    expect(checkStrategyRef('ev-slack', 'home')[0]!.message).to.match(/is for ev/);
    expect(checkStrategyRef({ id: 'ev-slack', params: { urgencyHours: -1 } }, 'ev')).to.have.length(1);
    expect(createStrategy({ id: 'ev-slack', params: { urgencyHours: 2 } }).id).to.equal('ev-slack');
  });
});

/**
 * `mpc` against stub views: the planning LPs by hand, the bids they turn into, HiGHS
 * and javascript-lp-solver agreeing, and the strategy registry entries of the new
 * strategies (mpc, price-taker, learning). Also `price-taker`, the guard's handling of
 * `observe`, and the perfect-foresight forecaster.
 */
import { expect } from 'chai';
import { RandomService } from '../../core/rng.ts';
import { loadHighsSolver } from '../../market/lp/highs.ts';
import { jslpSolver } from '../../market/lp/jslp.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import { forecastSchema, PriceForecaster } from '../../engine/forecast.ts';
import { guardStrategy } from '../../strategies/guard.ts';
import { planShift } from '../../strategies/mpc/aggregator.ts';
import { marginalPrices, planBattery, type BatteryWindow } from '../../strategies/mpc/batteryPlan.ts';
import { bidFromPlan } from '../../strategies/mpc/bidFromPlan.ts';
import { mpcParams, mpcStrategy } from '../../strategies/mpc/index.ts';
import { priceTakerParams, priceTakerStrategy } from '../../strategies/priceTaker.ts';
import { checkStrategyRef, createStrategy, strategyIds, strategyNeedsLpSolver } from '../../strategies/registry.ts';
import { branded, type Plain } from '../helpers/units.ts';
import type { EvView } from '../../strategies/ev/view.ts';
import type { StorageView } from '../../strategies/storage/view.ts';
import type { AgentViewBase, MarketView, Strategy } from '../../strategies/types.ts';

const market = (forecast: number[], hours = 1, last?: number): MarketView =>
  branded<MarketView>(Object.freeze({
    interval: { index: 0, start: Date.parse('2026-06-01T00:00:00Z'), durationH: hours },
    priceCapMwh: 3000,
    priceFloorMwh: -500,
    quantumKw: 0.001,
    lastPriceMwh: last ?? forecast[0],
    priceForecastMwh: Object.freeze(forecast),
    conditions: { outdoorC: 20, ghiWm2: 0 },
  }));

const window = (over: Partial<BatteryWindow>): BatteryWindow => ({
  dtH: 1,
  pricesMwh: [10, 100],
  socKwh: 0,
  minSocKwh: 0,
  maxSocKwh: 10,
  chargeKw: [10, 10],
  dischargeKw: [10, 10],
  chargeEfficiency: 1,
  dischargeEfficiency: 1,
  degradationCostPerMwh: 0,
  terminalValuePerKwh: 0,
  ...over,
});

const storageView = (over: Partial<Plain<StorageView>> = {}): StorageView =>
  branded<StorageView>(Object.freeze({
    agentId: 'b',
    kind: 'storage',
    demand: [],
    supply: [],
    socKwh: 10,
    minSocKwh: 2,
    maxSocKwh: 20,
    capacityKwh: 20,
    maxChargeKw: 5,
    maxDischargeKw: 5,
    ratedChargeKw: 5,
    ratedDischargeKw: 5,
    chargeEfficiency: 0.95,
    dischargeEfficiency: 0.95,
    degradationCostPerMwh: 20,
    ...over,
  }));

describe('mpc: the battery window LP', () => {
  let highs: LpSolver;
  before(async () => {
    highs = await loadHighsSolver();
  });

  it('buys low and sells high, and prices stored energy at what it fetches later (η = 1)', () => {
    const plan = planBattery(window({}), highs);
    expect(plan.ok).to.equal(true);
    expect([...plan.chargeKw]).to.deep.equal([10, 0]);
    expect([...plan.dischargeKw]).to.deep.equal([0, 10]);
    expect(plan.objective).to.be.closeTo(((100 - 10) * 10) / 1000, 1e-9);
    // The battery is full after the first hour: one kWh more is worth between what it saves
    // buying (10 /MWh) and what it sells for (100 /MWh); the duals are not unique there.
    expect(plan.socValuePerKwh).to.be.within(0.01 - 1e-9, 0.1 + 1e-9);
    expect(marginalPrices(0.1, window({}))).to.deep.equal({ vBuyMwh: 100, vSellMwh: 100 });
  });

  it('pays losses and wear: η = 0.9 each way, 20 /MWh of wear', () => {
    const w = window({ chargeEfficiency: 0.9, dischargeEfficiency: 0.9, degradationCostPerMwh: 20 });
    const plan = planBattery(w, highs);
    // 10 kWh in → 9 kWh stored → 8.1 kWh out at 100; wear on 9 + 9 kWh of throughput.
    expect(plan.socKwh[0]).to.be.closeTo(9, 1e-9);
    expect(plan.dischargeKw[1]).to.be.closeTo(8.1, 1e-9);
    expect(plan.objective).to.be.closeTo((8.1 * 100 - 10 * 10 - 20 * 18) / 1000, 1e-9);
    // μ = (0.9 · 100 − 20) / 1000 per kWh stored: worth buying up to 0.9 · (70 − 20) = 45 /MWh now.
    expect(plan.socValuePerKwh).to.be.closeTo(0.07, 1e-9);
    const m = marginalPrices(plan.socValuePerKwh, w);
    expect(m.vBuyMwh).to.be.closeTo(45, 1e-9);
    expect(m.vSellMwh).to.be.closeTo(100, 1e-9);
  });

  it('an EV target: the shortfall is penalised, the cheapest hours charge', () => {
    const plan = planBattery(window({ pricesMwh: [100, 10, 50], chargeKw: [11, 11, 11], dischargeKw: [0, 0, 0], maxSocKwh: 40, socKwh: 20, target: { socKwh: 35, penaltyPerKwh: 6 } }), highs);
    expect([...plan.chargeKw].map((x) => +x.toFixed(9))).to.deep.equal([0, 11, 4]);
    expect(plan.socKwh[2]).to.be.closeTo(35, 1e-9);
  });

  it('HiGHS and javascript-lp-solver agree on a day of hourly prices (objective and μ)', () => {
    const prices = [70, 70, 70, 70, 190, 70, 25, 2, 2, 2, 2, 2, 2, 2, 2, 25, 70, 190, 190, 190, 190, 70, 70, 70];
    const w = window({ pricesMwh: prices, socKwh: 7, minSocKwh: 2, maxSocKwh: 20, chargeKw: new Float64Array(24).fill(5), dischargeKw: new Float64Array(24).fill(5), chargeEfficiency: 0.95, dischargeEfficiency: 0.95, degradationCostPerMwh: 20, terminalValuePerKwh: 0.05 });
    const a = planBattery(w, highs);
    const b = planBattery(w, jslpSolver);
    expect(a.ok && b.ok).to.equal(true);
    expect(b.objective).to.be.closeTo(a.objective, 1e-7);
    expect(b.socValuePerKwh).to.be.closeTo(a.socValuePerKwh, 1e-7);
  });
});

describe('mpc: bids from the plan', () => {
  const m = market([10, 100]);
  const step = { forecastMwh: 10, chargeKw: 0, dischargeKw: 0, maxChargeKw: 10, maxDischargeKw: 10, vBuyMwh: 45, vSellMwh: 100, laterMinMwh: 100, laterMaxMwh: 100, marginMwh: 0.1 };

  it('a planned charge clears in full at the forecast price and up to the value of stored energy', () => {
    const bids = bidFromPlan({ ...step, chargeKw: 6 }, m);
    expect(bids).to.deep.equal([
      { side: 'buy', priceMwh: 45, quantityKw: 6 },
      { side: 'buy', priceMwh: 44.9, quantityKw: 4 }, // more only if the price falls below the value of stored energy
      { side: 'sell', priceMwh: 100.1, quantityKw: 10 }, // and sells only above every later price
    ]);
  });

  it('a planned discharge sells below the forecast; the curve never crosses itself', () => {
    const bids = bidFromPlan({ ...step, forecastMwh: 150, dischargeKw: 5, vBuyMwh: 90, vSellMwh: 120, laterMinMwh: 100, laterMaxMwh: 140 }, market([150, 100, 140]));
    expect(bids).to.deep.equal([
      { side: 'buy', priceMwh: 89.9, quantityKw: 10 },
      { side: 'sell', priceMwh: 120, quantityKw: 5 },
      { side: 'sell', priceMwh: 140.1, quantityKw: 5 },
    ]);
    for (const b of bids.filter((x) => x.side === 'buy')) for (const s of bids.filter((x) => x.side === 'sell')) expect(b.priceMwh).to.be.lessThan(s.priceMwh);
  });

  it('an EV must-run goes first at the cap, and then no V2G is offered', () => {
    const bids = bidFromPlan({ ...step, chargeKw: 8, mustBuyKw: 3, vBuyMwh: 200 }, m);
    expect(bids[0]).to.deep.equal({ side: 'buy', priceMwh: 3000, quantityKw: 3 });
    expect(bids[1]).to.deep.equal({ side: 'buy', priceMwh: 200, quantityKw: 5 });
    expect(bids.some((b) => b.side === 'sell')).to.equal(false);
  });
});

describe('mpc: the strategy', () => {
  const params = mpcParams.parse({});

  it('plans with the solver its context injects, and refuses to be created without one', () => {
    // A counting wrapper around jslp: the registry's mpc must solve through the injected solver (it imports none).
    let solves = 0;
    const counting: LpSolver = { ...jslpSolver, solve: (lp, opts) => (solves++, jslpSolver.solve(lp, opts)) };
    const s = createStrategy('mpc', { agentId: 's1', random: new RandomService(1), lpSolver: counting });
    const bids = s.bid(storageView() as AgentViewBase, market([2, 2, 190, 190, 70, 70]));
    expect(solves).to.be.greaterThan(0);
    expect(bids).to.deep.equal(mpcStrategy(params, jslpSolver).bid(storageView() as AgentViewBase, market([2, 2, 190, 190, 70, 70])));
    expect(() => createStrategy('mpc')).to.throw(/LP solver in its context/);
  });

  it('storage: charges in the cheap hours of the forecast, sells in the dear ones, nothing without prices', () => {
    const s = mpcStrategy(params, jslpSolver) as Strategy<AgentViewBase>;
    const cheap = s.bid(storageView(), market([2, 2, 190, 190, 70, 70]));
    expect(cheap.find((b) => b.side === 'buy')!.quantityKw).to.equal(5);
    expect(cheap.find((b) => b.side === 'buy')!.priceMwh).to.be.greaterThan(2);
    const dear = s.bid(storageView(), market([190, 190, 2, 2, 70, 70]));
    expect(dear.find((b) => b.side === 'sell')!.quantityKw).to.equal(5);
    expect(dear.find((b) => b.side === 'sell')!.priceMwh).to.be.lessThan(190);
    expect(s.bid(storageView(), market([NaN, NaN], 1, NaN))).to.deep.equal([]);
  });

  it('storage at full SoC sells now, at any price the cheap refill next hour pays for (rated limits from the view)', () => {
    const s = mpcStrategy(params, jslpSolver) as Strategy<AgentViewBase>;
    const bids = s.bid(storageView({ socKwh: 20, maxChargeKw: 0 }), market([190, 2, 190, 2]));
    expect(bids).to.have.length(1);
    expect(bids[0]).to.include({ side: 'sell', quantityKw: 5 });
    // It refills at 2 next hour, so selling now pays from (2/η_c + wear)/η_d ≈ 21–44 up; never above the forecast.
    expect(bids[0]!.priceMwh).to.be.within(20, 189.9);
  });

  it('ev: waits for the cheap hour before departure, keeps the must-run at the cap', () => {
    const view = branded<EvView>(Object.freeze({
      agentId: 'ev', kind: 'ev', demand: [{ kw: 11, valueMwh: 3000 }], supply: [],
      socKwh: 20, targetSocKwh: 35, minSocKwh: 10, hoursToDeparture: 3, slackHours: 1.6, neededKwh: 15, mustChargeKw: 0,
      maxChargeKw: 11, maxDischargeKw: 0, v2gCapable: false, chargerKw: 11, chargeEfficiency: 1, dischargeEfficiency: 1, degradationCostPerMwh: 0,
    }));
    const s = mpcStrategy(params, jslpSolver) as Strategy<AgentViewBase>;
    // Prices 100, 10, 50: 11 kWh at 10, the last 4 at 50; nothing now unless the price falls to 10.
    const bids = s.bid(view, market([100, 10, 50]));
    expect(bids).to.deep.equal([{ side: 'buy', priceMwh: 9.9, quantityKw: 11 }]);
    const urgent = s.bid(branded<EvView>({ ...view, mustChargeKw: 4 }), market([100, 10, 50]));
    expect(urgent[0]).to.deep.equal({ side: 'buy', priceMwh: 3000, quantityKw: 4 });
  });

  it('aggregator: moves flexible demand to a cheaper interval of the window, within what it can take', async () => {
    const highs = await loadHighsSolver();
    const all = planShift([{ kw: 10, valueMwh: 100 }], [80, 20, 90], 1, 1, highs);
    expect([...all.nowKw]).to.deep.equal([0]);
    expect(all.thresholdMwh[0]).to.equal(20); // buy now only at the later slot's price or less
    const half = planShift([{ kw: 10, valueMwh: 100 }], [80, 20, 90], 1, 0.5, highs);
    expect(half.nowKw[0]).to.be.closeTo(5, 1e-9); // the later slot takes 5 kW; the rest now beats the third interval
    expect(half.thresholdMwh[0]).to.equal(20);
    const s = mpcStrategy(mpcParams.parse({ shiftHours: 3, shiftCapacity: 0.5 }), highs) as Strategy<AgentViewBase>;
    const view = { agentId: 'agg', kind: 'aggregator', bus: 'main', demand: [{ kw: 4, valueMwh: 3000 }, { kw: 10, valueMwh: 100 }], supply: [{ kw: 2, valueMwh: 30 }] };
    expect(s.bid(view, market([80, 20, 90]))).to.deep.equal([
      { side: 'buy', priceMwh: 3000, quantityKw: 4 },
      { side: 'buy', priceMwh: 80.1, quantityKw: 5 },
      { side: 'buy', priceMwh: 20, quantityKw: 5 },
      { side: 'sell', priceMwh: 30, quantityKw: 2 },
    ]);
  });

  it('refuses kinds it does not plan for (the guard then bids the default)', () => {
    const s = mpcStrategy(params, jslpSolver) as Strategy<AgentViewBase>;
    expect(() => s.bid({ agentId: 'g', kind: 'generator', demand: [], supply: [] }, market([1]))).to.throw(/storage, ev and aggregator/);
  });
});

describe('price-taker', () => {
  const s = priceTakerStrategy(priceTakerParams.parse({}));
  const f = (now: number): number[] => [now, 20, 20, 150, 150, 60];

  it('follows the forecast rule and bids at any price: buy at the cap, sell at the floor', () => {
    // Quantiles of the forecast (this interval included): lo 20, hi 150; the spread pays losses and wear.
    expect(s.bid(storageView(), market(f(20)))).to.deep.equal([{ side: 'buy', priceMwh: 3000, quantityKw: 5 }]);
    expect(s.bid(storageView(), market(f(150)))).to.deep.equal([{ side: 'sell', priceMwh: -500, quantityKw: 5 }]);
    expect(s.bid(storageView(), market(f(100)))).to.deep.equal([]);
    expect(s.bid(storageView(), market([NaN, 20, 150], 1, NaN))).to.deep.equal([]);
  });
});

describe('strategy registry and guard: the new strategies', () => {
  it('registers mpc, price-taker and learning for their kinds', () => {
    expect(strategyIds('storage')).to.include.members(['mpc', 'price-taker', 'learning']);
    expect(strategyIds('ev')).to.include('mpc').and.not.include('learning');
    expect(strategyIds('aggregator')).to.include.members(['mpc', 'learning']);
    expect(strategyIds('generator')).to.not.include.members(['mpc', 'learning', 'price-taker']);
    expect(checkStrategyRef('learning', 'ev')[0]!.message).to.match(/for storage, aggregator, not ev/);
    expect(checkStrategyRef({ id: 'mpc', params: { horizonHours: -1 } }, 'storage')[0]!.path).to.deep.equal(['params', 'horizonHours']);
    expect(strategyNeedsLpSolver('mpc')).to.equal(true);
    expect(strategyNeedsLpSolver({ id: 'markup', params: { markup: 0.1 } })).to.equal(false);
  });

  it('the guard passes observe on and reports a throw in it instead of raising', () => {
    const reports: string[] = [];
    const seen: number[] = [];
    const fallback: Strategy = { id: 'truthful', bid: () => [] };
    const ok = guardStrategy({ id: 'x', bid: () => [], observe: (o) => void seen.push(o.buyKw) }, fallback, (a, id, msg) => reports.push(`${a} ${id} ${msg}`), 'a1');
    ok.observe!({ interval: branded<MarketView['interval']>({ index: 0, start: 0, durationH: 1 }), buyKw: 3, sellKw: 0, priceMwh: 1 });
    expect(seen).to.deep.equal([3]);
    const bad = guardStrategy({ id: 'y', bid: () => [], observe: () => { throw new Error('nope'); } }, fallback, (a, id, msg) => reports.push(`${a} ${id} ${msg}`), 'a2');
    bad.observe!({ interval: branded<MarketView['interval']>({ index: 0, start: 0, durationH: 1 }), buyKw: 0, sellKw: 0, priceMwh: 1 });
    expect(reports).to.deep.equal(['a2 y threw in observe: nope']);
    expect(guardStrategy({ id: 'z', bid: () => [] }, fallback, () => {}).observe).to.equal(undefined);
  });
});

describe('forecast: perfect-foresight', () => {
  const cfg = forecastSchema.parse({ method: 'perfect-foresight', horizonHours: 48 });

  it('forecasts the recorded prices, the last recorded day repeating past the end', () => {
    const f = new PriceForecaster(1, 4, 2, 720, cfg);
    f.foresee([Float64Array.of(1, 2, 3, 4)]);
    expect(f.forecast(0, 1)).to.deep.equal([2, 3, 4, 3]);
    expect(f.forecast(0, 3)).to.deep.equal([4, 3, 4, 3]);
  });

  it('without recorded prices forecasts by its fallback (the first pass)', () => {
    const f = new PriceForecaster(1, 4, 2, 720, forecastSchema.parse({ method: 'perfect-foresight', fallback: 'persistence', horizonHours: 24, initialPriceMwh: 50 }));
    expect(f.forecast(0, 0)).to.deep.equal([50, 50]);
    f.record(0, Float64Array.of(70));
    expect(f.forecast(0, 1)).to.deep.equal([70, 70]);
  });
});

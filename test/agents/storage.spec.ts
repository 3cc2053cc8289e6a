import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { initialTransition, transition } from 'xstate';
import { RandomService } from '../../core/rng.ts';
import { parseSimTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { storageKind } from '../../agents/storage/index.ts';
import { type StorageObservation, type StorageRuntime, waterValueMwh } from '../../agents/storage/runtime.ts';
import { type StorageGroup, storageGroupSchema } from '../../agents/storage/schema.ts';
import { storageLifecycle, storageMachine } from '../../agents/storage/machine.ts';
import { storageValuation } from '../../agents/storage/valuation.ts';
import { HOME_BATTERY } from '../../agents/physics/battery.ts';
import type { AgentEnv } from '../../agents/types.ts';
import { type ClockSpec, intervalAt, type MarketInterval } from '../../core/clock.ts';
import { DEFAULT_WEATHER, Environment } from '../../agents/environment.ts';
import type { BidSegment } from '../../market/types.ts';
import type { MarketView } from '../../strategies/types.ts';
import { branded } from '../helpers/units.ts';

const START = parseSimTime('2026-07-01T00:00:00Z')!;
const CAP = 3000;
const FLOOR = -500;

function envFor(seed: number, intervals: number, intervalMinutes = 15): AgentEnv {
  const random = new RandomService(seed);
  const site = { latitude: 52.37, longitude: 4.9, zone: SiteZone.fixed(2) };
  const clock: ClockSpec = { start: START, intervalMinutes, intervals, gateClosureMinutes: 5 };
  // `as AgentEnv`: the framework may add fields (e.g. a fault reporter) these agents do not use.
  return { random, site, environment: new Environment(site, DEFAULT_WEATHER, random), clock, defaultBus: busId('main'), reportStrategyFault: () => {} } as AgentEnv;
}

function view(interval: MarketInterval, forecast: readonly number[], last?: number): MarketView {
  return branded<MarketView>(Object.freeze({
    interval: Object.freeze({ index: interval.index, start: interval.start, durationH: interval.durationH }),
    priceCapMwh: CAP,
    priceFloorMwh: FLOOR,
    quantumKw: 0.001,
    lastPriceMwh: last,
    priceForecastMwh: Object.freeze([...forecast]),
    conditions: Object.freeze({ outdoorC: 20, ghiWm2: 0 }),
  }));
}

const group = (over: Record<string, unknown> = {}): StorageGroup => storageGroupSchema.parse({ kind: 'storage', idPrefix: 'bat', ...over });
const create = (g: StorageGroup, env: AgentEnv): StorageRuntime[] => storageKind.create(g, env) as StorageRuntime[];
const sum = (segs: readonly BidSegment[], side: 'buy' | 'sell'): number => segs.reduce((t, s) => (s.side === side ? t + s.quantityKw : t), 0);

describe('agents/storage: the machine decides (pure transitions)', () => {
  const [idle] = initialTransition(storageMachine);
  it('idle → charging → discharging → idle', () => {
    expect(idle.value).to.equal('idle');
    const [c] = transition(storageMachine, idle, { type: 'CHARGE' });
    expect(c.value).to.equal('charging');
    const [d] = transition(storageMachine, c, { type: 'DISCHARGE' });
    expect(d.value).to.equal('discharging');
    expect(transition(storageMachine, d, { type: 'IDLE' })[0].value).to.equal('idle');
  });

  it('faulted ignores charge commands until repaired', () => {
    const [f] = transition(storageMachine, idle, { type: 'FAULT' });
    expect(transition(storageMachine, f, { type: 'CHARGE' })[0].value).to.equal('faulted');
    expect(transition(storageMachine, f, { type: 'REPAIR' })[0].value).to.equal('idle');
  });

  it('storageLifecycle: an event only when the state changes; a watt or less is idle', () => {
    expect(storageLifecycle('idle', 0.0005)).to.equal(undefined);
    expect(storageLifecycle('idle', 2)?.type).to.equal('CHARGE');
    expect(storageLifecycle('charging', 2)).to.equal(undefined);
    expect(storageLifecycle('charging', -2)?.type).to.equal('DISCHARGE');
    expect(storageLifecycle('discharging', 0)?.type).to.equal('IDLE');
    expect(storageLifecycle('faulted', 5)).to.equal(undefined);
  });
});

describe('agents/storage: valuation by hand', () => {
  it('water value 100, η 0.95/0.95, wear 20: buys at 52.25, sells at 152.91', () => {
    const b = { ...HOME_BATTERY, chargeEfficiency: 0.95, dischargeEfficiency: 0.95 };
    const v = storageValuation(b, 100, 5, 4);
    expect(v.demand).to.have.length(1);
    expect(v.demand[0]!.kw).to.equal(5);
    expect(v.demand[0]!.valueMwh).to.be.closeTo(52.25, 1e-9);
    expect(v.supply[0]!.kw).to.equal(4);
    expect(v.supply[0]!.valueMwh).to.be.closeTo(100 / 0.9025 + 40 / 0.95, 1e-9);
  });

  it('no water value → no valuation; the water value is the forecast median, else the last price', () => {
    expect(storageValuation(HOME_BATTERY, NaN, 5, 5)).to.deep.equal({ demand: [], supply: [] });
    const iv = intervalAt(envFor(1, 1).clock, 0);
    expect(waterValueMwh(view(iv, [30, NaN, 10, 20, 40]))).to.equal(20);
    expect(waterValueMwh(view(iv, [NaN, NaN], 55))).to.equal(55);
    expect(waterValueMwh(view(iv, [NaN]))).to.be.NaN;
  });
});

describe('agents/storage: runtime', () => {
  it('starts at its initial SoC and bids its limits for the SoC: 5 kW both ways at 50 % of 13.5 kWh', () => {
    const env = envFor(1, 4);
    const [b] = create(group(), env);
    const iv = intervalAt(env.clock, 0);
    expect(b!.status().socKwh).to.be.closeTo(6.75, 1e-12);
    const bid = b!.bid(iv, view(iv, [40, 40, 100, 100]));
    // Default η = √0.9 each, wear 20: margin 0.9·100 − 40 − 2·0.9487·20 = 12.05 > 0.
    expect(bid).to.deep.equal([
      { side: 'buy', priceMwh: 40, quantityKw: 5 },
      { side: 'sell', priceMwh: 100, quantityKw: 5 },
    ]);
  });

  it('an award beyond its limits is clipped and the difference reported; never a crash', () => {
    const env = envFor(1, 4);
    const [b] = create(group({ initialSocFraction: 0.95 }), env);
    const iv = intervalAt(env.clock, 0);
    b!.bid(iv, view(iv, [40, 40, 100, 100]));
    b!.settle({ interval: iv, buyKw: 50, sellKw: 0, priceMwh: 40, bidAccepted: true });
    const obs = b!.observe() as StorageObservation;
    expect(b!.status().socKwh).to.be.closeTo(13.5, 1e-12);
    // Room 0.675 kWh → 0.675 / (0.9487 · 0.25) = 2.846 kW taken of 50.
    expect(50 - obs.deviationKw).to.be.closeTo(0.675 / (Math.sqrt(0.9) * 0.25), 1e-9);
    expect(obs.state).to.equal('charging');
    expect(obs.baselineKw).to.equal(0);
  });

  it('faulted: bids nothing, applies nothing, reports the award as deviation', () => {
    const env = envFor(1, 4);
    const [b] = create(group(), env);
    b!.lifecycle.send({ type: 'FAULT' });
    const iv = intervalAt(env.clock, 0);
    expect(b!.bid(iv, view(iv, [40, 40, 100, 100]))).to.deep.equal([]);
    b!.settle({ interval: iv, buyKw: 0, sellKw: 3, priceMwh: 100, bidAccepted: true });
    expect(b!.status().socKwh).to.be.closeTo(6.75, 1e-12);
    expect((b!.observe() as StorageObservation).deviationKw).to.equal(-3);
    expect(b!.observe().state).to.equal('faulted');
  });

  it('rejects an initial SoC outside [min, max] in the scenario schema', () => {
    const r = storageGroupSchema.safeParse({ kind: 'storage', minSocFraction: 0.2, initialSocFraction: 0.1 });
    expect(r.success).to.equal(false);
    expect(r.error!.issues[0]!.path).to.deep.equal(['initialSocFraction']);
  });
});

describe('agents/storage: real time follows the day-ahead schedule', () => {
  it('buys the scheduled charge at the cap, sells the scheduled discharge at the floor, clipped to SoC; idles on 0; its strategy elsewhere', () => {
    const env = envFor(1, 8);
    // 13.5 kWh at 95 %: 0.675 kWh of room, √0.9 charge efficiency, 15 min → at most 0.675 / (√0.9 · 0.25) = 2.846 kW.
    const [bat] = create(group({ initialSocFraction: 0.95 }), env);
    bat!.dayAheadAwarded!(new Map([[0, 5], [1, -3], [2, 0]]));
    const at = (i: number): readonly BidSegment[] => bat!.bid(intervalAt(env.clock, i), view(intervalAt(env.clock, i), [40, 120]));
    const charge = at(0);
    expect(charge).to.have.length(1);
    expect(charge[0]!.side).to.equal('buy');
    expect(charge[0]!.priceMwh).to.equal(CAP);
    expect(charge[0]!.quantityKw).to.be.closeTo(0.675 / (Math.sqrt(0.9) * 0.25), 1e-9);
    expect(at(1)).to.deep.equal([{ side: 'sell', priceMwh: FLOOR, quantityKw: 3 }]);
    expect(at(2)).to.deep.equal([]);
    // Interval 3 has no schedule: the battery's own strategy bids (both ways at 95 % SoC).
    const own = at(3);
    expect(sum(own, 'sell')).to.be.greaterThan(0);
    expect(own.every((x) => x.priceMwh !== FLOOR && x.priceMwh !== CAP)).to.equal(true);
  });
});

describe('agents/storage: invariants over random batteries, prices and awards (fast-check)', function () {
  this.timeout(60_000);

  it('SoC within [min, max]; power within limits; the grid never gets more than the stored energy after losses; energy balances', () => {
    let charged = 0;
    let discharged = 0;
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e9 }),
          capacityKwh: fc.double({ min: 1, max: 500, noNaN: true }),
          maxChargeKw: fc.double({ min: 0, max: 250, noNaN: true }),
          maxDischargeKw: fc.double({ min: 0, max: 250, noNaN: true }),
          chargeEfficiency: fc.double({ min: 0.5, max: 1, noNaN: true }),
          dischargeEfficiency: fc.double({ min: 0.5, max: 1, noNaN: true }),
          lo: fc.double({ min: 0, max: 0.5, noNaN: true }),
          hi: fc.double({ min: 0.5, max: 1, noNaN: true }),
          init: fc.double({ min: 0, max: 1, noNaN: true }),
          degradationCostPerMwh: fc.double({ min: 0, max: 60, noNaN: true }),
          intervalMinutes: fc.constantFrom(5, 15, 60),
          strategy: fc.constantFrom('storage-arbitrage', 'truthful', 'markup'),
          prices: fc.array(fc.oneof(fc.double({ min: -200, max: 600, noNaN: true }), fc.constant(NaN)), { minLength: 1, maxLength: 96 }),
          overAward: fc.boolean(),
        }),
        (p) => {
          const init = p.lo + (p.hi - p.lo) * p.init;
          const g = group({
            count: 2,
            capacityKwh: p.capacityKwh,
            maxChargeKw: p.maxChargeKw,
            maxDischargeKw: p.maxDischargeKw,
            chargeEfficiency: p.chargeEfficiency,
            dischargeEfficiency: p.dischargeEfficiency,
            minSocFraction: p.lo,
            maxSocFraction: p.hi,
            initialSocFraction: init,
            degradationCostPerMwh: p.degradationCostPerMwh,
            strategy: p.strategy === 'markup' ? { id: 'markup', params: { markup: 0.1 } } : p.strategy,
          });
          const env = envFor(p.seed, 96, p.intervalMinutes);
          const rng = new RandomService(p.seed).stream('market', 'awards');
          for (const b of create(g, env)) {
            const min = b.battery.minSocKwh;
            const max = b.battery.maxSocKwh;
            for (let k = 0; k < env.clock.intervals; k++) {
              const iv = intervalAt(env.clock, k);
              const n = p.prices.length;
              const forecast = Array.from({ length: n }, (_, j) => p.prices[(k + j) % n]!);
              const segs = b.bid(iv, view(iv, forecast, k > 0 ? p.prices[(k - 1) % n] : undefined));
              for (const s of segs) {
                expect(s.quantityKw).to.be.greaterThan(0);
                expect(s.priceMwh).to.be.within(FLOOR, CAP);
              }
              const before = b.status().socKwh;
              // As a market might: any part of each side; sometimes (overAward) more than was bid.
              const scale = p.overAward ? 3 : 1;
              const buy = rng.next() * scale * (sum(segs, 'buy') + (p.overAward ? p.maxChargeKw : 0));
              const sell = rng.next() * scale * (sum(segs, 'sell') + (p.overAward ? p.maxDischargeKw : 0));
              b.settle({ interval: iv, buyKw: buy, sellKw: sell, priceMwh: 50, bidAccepted: segs.length > 0 });
              const obs = b.observe() as StorageObservation;
              const soc = b.status().socKwh;
              const applied = buy - sell - obs.deviationKw;
              const dt = iv.durationH;
              expect(obs.socKwh).to.equal(soc);
              expect(soc).to.be.within(min - 1e-9, max + 1e-9);
              expect(applied).to.be.within(-p.maxDischargeKw - 1e-9, p.maxChargeKw + 1e-9);
              if (applied < 0) {
                expect(-applied * dt, 'no more out than stored after losses').to.be.at.most((before - min) * p.dischargeEfficiency + 1e-9);
                expect(soc).to.be.closeTo(before + (applied / p.dischargeEfficiency) * dt, 1e-9 * Math.max(1, p.capacityKwh));
                discharged++;
              } else {
                expect(soc).to.be.closeTo(before + applied * p.chargeEfficiency * dt, 1e-9 * Math.max(1, p.capacityKwh));
                if (applied > 0) charged++;
              }
              expect(obs.state).to.equal(applied > 1e-3 ? 'charging' : applied < -1e-3 ? 'discharging' : 'idle');
            }
          }
        },
      ),
      { numRuns: 80 },
    );
    expect(charged).to.be.greaterThan(0);
    expect(discharged).to.be.greaterThan(0);
  });
});

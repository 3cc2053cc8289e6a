import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { initialTransition, transition } from 'xstate';
import { RandomService } from '../../core/rng.ts';
import { MS_PER_HOUR, parseSimTime, simTime } from '../../core/time.ts';
import { busId, hours, kwh } from '../../core/units.ts';
import { evKind } from '../../agents/ev/index.ts';
import type { EvObservation, EvRuntime } from '../../agents/ev/runtime.ts';
import { type EvGroup, evGroupSchema } from '../../agents/ev/schema.ts';
import { evLifecycle, evMachine } from '../../agents/ev/machine.ts';
import { applyEvAward, drawSession, type EvCar, type EvLimits, evLimits, evLimitsInto, uncontrolledKw, uncontrolledSocKwh } from '../../agents/ev/session.ts';
import { batteryFromFractions, maxChargeKw } from '../../agents/physics/battery.ts';
import { chargeableHours, chargingSlackHours, departureFeasibleSocKwh, evCharging, gridEnergyNeededKwh, maxV2gDischargeKw, minChargeKwNow } from '../../agents/physics/ev.ts';
import { HOME_SESSIONS } from '../../agents/physics/evSessions.ts';
import type { AgentEnv } from '../../agents/types.ts';
import { type ClockSpec, intervalAt, type MarketInterval } from '../../core/clock.ts';
import { DEFAULT_WEATHER, Environment } from '../../agents/environment.ts';
import type { BidSegment } from '../../market/types.ts';
import type { MarketView } from '../../strategies/types.ts';
import { branded } from '../helpers/units.ts';

const START = parseSimTime('2026-07-01T00:00:00Z')!;
const CAP = 3000;
const FLOOR = -500;

function envFor(seed: number, days: number, gateClosureMinutes = 5, intervalMinutes = 15): AgentEnv {
  const random = new RandomService(seed);
  const site = { latitude: 52.37, longitude: 4.9, zone: SiteZone.fixed(2) };
  const clock: ClockSpec = { start: START, intervalMinutes, intervals: Math.round((days * 24 * 60) / intervalMinutes), gateClosureMinutes };
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

const group = (over: Partial<Record<string, unknown>> = {}): EvGroup => evGroupSchema.parse({ kind: 'ev', idPrefix: 'ev', ...over });
const create = (g: EvGroup, env: AgentEnv): EvRuntime[] => evKind.create(g, env) as EvRuntime[];

const sum = (segs: readonly BidSegment[], side: 'buy' | 'sell', pred: (s: BidSegment) => boolean = () => true): number =>
  segs.reduce((t, s) => (s.side === side && pred(s) ? t + s.quantityKw : t), 0);

// A 60 kWh car, 7.4 kW charger, η 0.9, reserve 20 %, target 90 % (54 kWh).
function car(v2g: boolean, chargerKw = 7.4): EvCar {
  const battery = batteryFromFractions({
    capacityKwh: 60,
    minSocFraction: 0.2,
    maxSocFraction: 0.9,
    maxChargeKw: chargerKw,
    maxDischargeKw: v2g ? chargerKw : 0,
    chargeEfficiency: 0.9,
    dischargeEfficiency: 0.9,
    degradationCostPerMwh: 35,
  });
  return { battery, charging: evCharging(battery, battery.maxChargeKw, battery.maxSocKwh), chargerKw, v2gCapable: v2g };
}

describe('agents/ev: the machine decides (pure transitions)', () => {
  const [start] = initialTransition(evMachine, { v2gCapable: true });
  const at = (state: string, v2gCapable: boolean) => evMachine.resolveState({ value: state, context: { v2gCapable } });

  it('starts away; ARRIVE plugs it in (plugged-idle)', () => {
    expect(start.value).to.equal('away');
    const [next] = transition(evMachine, start, { type: 'ARRIVE' });
    expect(next.value).to.equal('plugged-idle');
  });

  it('charging → full on FULL; full → away on DEPART', () => {
    const [full] = transition(evMachine, at('charging', false), { type: 'FULL' });
    expect(full.value).to.equal('full');
    expect(transition(evMachine, full, { type: 'DEPART' })[0].value).to.equal('away');
  });

  it('cannot charge while away: CHARGE, FULL and DISCHARGE leave an away car away', () => {
    for (const event of [{ type: 'CHARGE' }, { type: 'FULL' }, { type: 'DISCHARGE', socKwh: 50, floorKwh: 10 }] as const) {
      expect(transition(evMachine, at('away', true), event)[0].value).to.equal('away');
    }
  });

  it('discharges only when V2G-capable and above its floor (reserve and departure-feasible SoC)', () => {
    const d = (socKwh: number, floorKwh: number) => ({ type: 'DISCHARGE', socKwh, floorKwh }) as const;
    expect(transition(evMachine, at('plugged-idle', true), d(30, 20))[0].value).to.equal('discharging');
    expect(transition(evMachine, at('full', true), d(54, 20))[0].value).to.equal('discharging');
    expect(transition(evMachine, at('plugged-idle', false), d(30, 20))[0].value, 'not V2G-capable').to.equal('plugged-idle');
    expect(transition(evMachine, at('plugged-idle', true), d(20, 20))[0].value, 'at the floor').to.equal('plugged-idle');
    expect(transition(evMachine, at('charging', true), d(15, 20))[0].value, 'below the floor').to.equal('charging');
  });

  it('faulted ignores everything but REPAIR, which brings it back away', () => {
    const faulted = transition(evMachine, at('charging', true), { type: 'FAULT' })[0];
    expect(faulted.value).to.equal('faulted');
    expect(transition(evMachine, faulted, { type: 'ARRIVE' })[0].value).to.equal('faulted');
    expect(transition(evMachine, faulted, { type: 'REPAIR' })[0].value).to.equal('away');
  });

  it('evLifecycle: no event when unchanged or faulted; ARRIVE first from away; DEPART to away', () => {
    expect(evLifecycle('charging', 'charging')).to.equal(undefined);
    expect(evLifecycle('faulted', 'charging')).to.equal(undefined);
    expect(evLifecycle('away', 'charging')?.type).to.equal('ARRIVE');
    expect(evLifecycle('full', 'away')?.type).to.equal('DEPART');
    expect(evLifecycle('charging', 'full')?.type).to.equal('FULL');
    expect(evLifecycle('plugged-idle', 'discharging', { socKwh: 40, floorKwh: 12 })).to.deep.equal({ type: 'DISCHARGE', aboveFloor: true });
    expect(evLifecycle('plugged-idle', 'discharging', { socKwh: 12, floorKwh: 12 })).to.deep.equal({ type: 'DISCHARGE', aboveFloor: false });
    expect(evLifecycle('plugged-idle', 'discharging')).to.deep.equal({ type: 'DISCHARGE', aboveFloor: false });
  });

  it('DISCHARGE with the comparison made (aboveFloor) moves the machine exactly as with the SoC and floor it was made from', () => {
    fc.assert(
      fc.property(fc.constantFrom('plugged-idle', 'charging', 'full', 'away', 'discharging', 'faulted'), fc.boolean(), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (state, v2g, socKwh, floorKwh) => {
        const numbers = transition(evMachine, at(state, v2g), { type: 'DISCHARGE', socKwh, floorKwh })[0].value;
        const event = evLifecycle('plugged-idle', 'discharging', { socKwh, floorKwh })!;
        const flag = transition(evMachine, at(state, v2g), event)[0].value;
        expect(flag).to.equal(numbers);
      }),
    );
  });
});

describe('agents/ev: interval physics by hand', () => {
  it('limits: 30 kWh, 4 h left, 15 min → must 0, max 7.4 kW; with 3 h left the must-run appears', () => {
    const c = car(false);
    // Flat out adds 6.66 kWh/h: from 30 kWh the 54 kWh target needs 3.6 h.
    const l = evLimits(c, 30, 4, 0.25);
    expect(l.mustChargeKw).to.equal(0);
    expect(l.maxChargeKw).to.be.closeTo(7.4, 1e-12);
    expect(l.slackHours).to.be.closeTo(4 - 24 / 6.66, 1e-12);
    expect(l.neededKwh).to.be.closeTo(24 / 0.9, 1e-12);
    expect(l.maxDischargeKw).to.equal(0);
    // 3 h left: later 2.75 h give 18.315 kWh, so 5.685 kWh now: 5.685 / (0.9 · 0.25) = 25.27 → clipped to 7.4.
    expect(evLimits(c, 30, 3, 0.25).mustChargeKw).to.be.closeTo(7.4, 1e-12);
    // 3.7 h left: later 3.45 h give 22.977 kWh, need 1.023 kWh now: 1.023/0.225 = 4.5467 → 4.547 (rounded up to the watt).
    expect(evLimits(c, 30, 3.7, 0.25).mustChargeKw).to.equal(4.547);
  });

  it('a car that leaves 6 min into the interval bids averages over the interval: 7.4 · 0.1/0.25 = 2.96 kW at most', () => {
    const l = evLimits(car(false), 50, 0.1, 0.25);
    expect(l.chargeH).to.be.closeTo(0.1, 1e-12);
    expect(l.maxChargeKw).to.be.closeTo(2.96, 1e-12);
    // Needs 4 kWh in 0.1 h: impossible, so must = max.
    expect(l.mustChargeKw).to.be.closeTo(2.96, 1e-12);
  });

  it('V2G limit keeps reserve and departure target: 40 kWh with 8 h left may give 7.4 kW; 20 kWh (the reserve) none', () => {
    const c = car(true);
    expect(evLimits(c, 40, 8, 0.25).maxDischargeKw).to.be.closeTo(7.4, 1e-12);
    expect(evLimits(c, 12, 8, 0.25).maxDischargeKw).to.equal(0);
    // 2 h left: floor after the step = 54 − 6.66·1.75 = 42.345; from 43 kWh: (0.655 · 0.9)/0.25 = 2.358 kW.
    expect(evLimits(c, 43, 2, 0.25).maxDischargeKw).to.be.closeTo(((43 - 42.345) * 0.9) / 0.25, 1e-9);
    expect(evLimits(c, 43, 2, 0.25).floorKwh).to.be.closeTo(42.345, 1e-9);
  });

  it('applying awards: charge clipped to the charger, discharge refused without V2G and clipped at the floor', () => {
    const plain = car(false);
    const a = applyEvAward(plain, 30, 10, 4, 0.25);
    expect(a.appliedKw).to.be.closeTo(7.4, 1e-12);
    expect(a.socKwh).to.be.closeTo(30 + 7.4 * 0.9 * 0.25, 1e-12);
    expect(applyEvAward(plain, 30, -5, 4, 0.25).appliedKw).to.equal(0);
    const v2g = car(true);
    expect(applyEvAward(v2g, 43, -7, 2, 0.25).appliedKw).to.be.closeTo(-((43 - 42.345) * 0.9) / 0.25, 1e-9);
    // Leaving 6 min in: an award of 2 kW average is 5 kW for 0.1 h.
    const part = applyEvAward(plain, 50, 2, 0.1, 0.25);
    expect(part.appliedKw).to.be.closeTo(2, 1e-12);
    expect(part.socKwh).to.be.closeTo(50 + 5 * 0.9 * 0.1, 1e-12);
  });

  it('uncontrolled charging: plugged in at 17:40 in the 17:30 interval, flat out for 5 min → 7.4/3 kW average', () => {
    const t0 = START + 17.5 * MS_PER_HOUR;
    const c = car(false);
    const kwAvg = uncontrolledKw(c, 30, t0 + 10 * 60_000, t0 + 10 * MS_PER_HOUR, t0, t0 + 15 * 60_000);
    expect(kwAvg).to.be.closeTo(7.4 * (5 / 15), 1e-12);
    expect(uncontrolledSocKwh(c, 30, kwAvg, 0.25)).to.be.closeTo(30 + (7.4 * 0.9 * 5) / 60, 1e-12);
    // Near the target it takes only the room: 53.9 kWh → 54 in the interval (0.1/0.9/0.25 = 0.444 kW average).
    const top = uncontrolledKw(c, 53.9, t0 - MS_PER_HOUR, t0 + 10 * MS_PER_HOUR, t0, t0 + 15 * 60_000);
    expect(top).to.be.closeTo(0.1 / 0.9 / 0.25, 1e-12);
    expect(uncontrolledSocKwh(c, 53.9, top, 0.25)).to.be.closeTo(54, 1e-12);
    expect(uncontrolledKw(c, 54, t0 - MS_PER_HOUR, t0 + 10 * MS_PER_HOUR, t0, t0 + 15 * 60_000)).to.equal(0);
  });

  it('sessions never overlap: a session arrives no earlier than the previous departure', () => {
    const rng = new RandomService(3).stream('x', 'ev-session');
    const s = drawSession(rng, HOME_SESSIONS, simTime(START), 40, START + 30 * MS_PER_HOUR, SiteZone.fixed(0));
    expect(s.arrival).to.be.at.least(START + 30 * MS_PER_HOUR);
    expect(s.departure - s.arrival).to.be.at.least(HOME_SESSIONS.minDwellHours * MS_PER_HOUR);
  });
});

describe('agents/ev: runtime', () => {
  it('draws per car and purpose: ev-1 is the same car whether the group has 1 or 5 members', () => {
    const one = create(group({ count: 1, id: 'ev-1' }), envFor(11, 1))[0]!.status();
    const five = create(group({ count: 5 }), envFor(11, 1))[0]!.status();
    expect(five.session).to.deep.equal(one.session);
    expect(five.car.chargerKw).to.equal(one.car.chargerKw);
  });

  it('bids nothing while away, and an award while away is not applied but reported as deviation', () => {
    const env = envFor(5, 2);
    const [ev] = create(group({ sessions: 'workplace', chargerKw: 11 }), env);
    // Workplace: away at midnight.
    const i0 = intervalAt(env.clock, 0);
    expect(ev!.bid(i0, view(i0, [50]))).to.deep.equal([]);
    ev!.settle({ interval: i0, buyKw: 5, sellKw: 0, priceMwh: 50, bidAccepted: true });
    const obs = ev!.observe() as EvObservation;
    expect(obs.state).to.equal('away');
    expect(obs.socKwh).to.equal(undefined);
    expect(obs.deviationKw).to.equal(5);
    expect(ev!.status().socKwh).to.equal(ev!.status().car.battery.maxSocKwh);
  });

  it('a faulted charge point bids nothing and takes no award', () => {
    const env = envFor(9, 1);
    const [ev] = create(group({ sessions: 'home', chargerKw: 7.4 }), env);
    ev!.lifecycle.send({ type: 'FAULT' });
    const i0 = intervalAt(env.clock, 0);
    expect(ev!.bid(i0, view(i0, [50]))).to.deep.equal([]);
    const before = ev!.status().socKwh;
    ev!.settle({ interval: i0, buyKw: 7.4, sellKw: 0, priceMwh: 50, bidAccepted: true });
    expect(ev!.status().socKwh).to.equal(before);
    expect((ev!.observe() as EvObservation).deviationKw).to.equal(7.4);
    expect(ev!.observe().state).to.equal('faulted');
  });

  it('a new session every day over a week, each starting from what the last one left', () => {
    const days = 7;
    const env = envFor(21, days);
    const [ev] = create(group({ chargerKw: 7.4 }), env);
    let departures = 0;
    for (let k = 0; k < env.clock.intervals; k++) {
      const iv = intervalAt(env.clock, k);
      const segs = ev!.bid(iv, view(iv, [50, 60, 70]));
      ev!.settle({ interval: iv, buyKw: sum(segs, 'buy'), sellKw: 0, priceMwh: 50, bidAccepted: segs.length > 0 });
      if (ev!.observe().unmetDepartureKwh !== undefined) departures++;
    }
    expect(departures).to.be.within(days - 1, days + 1);
  });
});

/** Parameters of one random run. */
const runArb = fc.record({
  seed: fc.integer({ min: 0, max: 1e9 }),
  days: fc.integer({ min: 1, max: 3 }),
  sessions: fc.constantFrom('home', 'workplace'),
  chargerKw: fc.option(fc.constantFrom(1.4, 3.7, 7.4, 11, 22), { nil: undefined }),
  v2gShare: fc.constantFrom(0, 0.5, 1),
  capacityKwh: fc.double({ min: 20, max: 100, noNaN: true }),
  maxChargeKw: fc.double({ min: 1, max: 22, noNaN: true }),
  chargeEfficiency: fc.double({ min: 0.8, max: 1, noNaN: true }),
  dischargeEfficiency: fc.double({ min: 0.8, max: 1, noNaN: true }),
  minSocFraction: fc.double({ min: 0, max: 0.4, noNaN: true }),
  maxSocFraction: fc.double({ min: 0.6, max: 1, noNaN: true }),
  gateClosureMinutes: fc.constantFrom(0, 5, 30),
  prices: fc.array(fc.oneof(fc.double({ min: -100, max: 400, noNaN: true }), fc.constant(NaN)), { minLength: 96, maxLength: 96 }),
  awardSeed: fc.integer({ min: 0, max: 1e9 }),
});

type RunParams = typeof runArb extends fc.Arbitrary<infer T> ? T : never;

interface Departure {
  readonly unmet: number;
  readonly socAtDeparture: number;
  readonly feasible: boolean;
  readonly expectedShortfall: number;
}

/**
 * Drives a group of cars interval by interval as a market might: bid, award a random
 * part of each side (with `capFirst`, every segment at the cap in full), settle, observe.
 * Checks the per-interval invariants and returns every departure with its feasibility.
 */
function drive(p: RunParams, capFirst: boolean, seen = { discharged: 0, charged: 0 }): Departure[] {
  const env = envFor(p.seed, p.days, p.gateClosureMinutes);
  const g = group({
    count: 4,
    sessions: p.sessions,
    chargerKw: p.chargerKw,
    v2gShare: p.v2gShare,
    battery: {
      capacityKwh: p.capacityKwh,
      maxChargeKw: p.maxChargeKw,
      maxDischargeKw: p.maxChargeKw,
      chargeEfficiency: p.chargeEfficiency,
      dischargeEfficiency: p.dischargeEfficiency,
      minSocFraction: p.minSocFraction,
      maxSocFraction: p.maxSocFraction,
    },
  });
  const cars = create(g, env);
  const rng = new RandomService(p.awardSeed).stream('market', 'awards');
  const out: Departure[] = [];
  for (let k = 0; k < env.clock.intervals; k++) {
    const iv = intervalAt(env.clock, k);
    const forecast = Array.from({ length: 96 }, (_, j) => p.prices[(k + j) % 96]!);
    const mv = view(iv, forecast, k > 0 ? p.prices[(k - 1) % 96] : undefined);
    for (const ev of cars) {
      const before = ev.status();
      const segs = ev.bid(iv, mv);
      const c = before.car;
      if (!before.plugged && before.session.arrival > iv.start) expect(segs, 'bids nothing while away').to.deep.equal([]);
      for (const s of segs) {
        expect(s.quantityKw).to.be.at.least(0);
        expect(s.priceMwh).to.be.within(FLOOR, CAP);
      }
      const buyAll = sum(segs, 'buy');
      const buyCap = sum(segs, 'buy', (s) => s.priceMwh >= CAP);
      const sellAll = sum(segs, 'sell');
      let buy = capFirst ? buyCap + rng.next() * (buyAll - buyCap) : rng.next() * buyAll;
      const sell = rng.next() * sellAll;
      // Now and then the market awards an agent that did not bid at all: it must not be applied.
      if (segs.length === 0 && rng.next() < 0.05) buy = 3;
      ev.settle({ interval: iv, buyKw: buy, sellKw: sell, priceMwh: 50, bidAccepted: segs.length > 0 });
      const obs = ev.observe() as EvObservation;
      const after = ev.status();
      const applied = buy - sell - obs.deviationKw;
      const b = c.battery;
      if (obs.state === 'away') {
        expect(obs.socKwh, 'no SoC while away').to.equal(undefined);
        expect(Math.abs(applied), 'no charging while away').to.be.below(1e-12);
      } else expect(obs.socKwh).to.be.a('number');
      expect(applied, 'within the charger').to.be.at.most(b.maxChargeKw + 1e-9);
      expect(applied, 'within the V2G limit').to.be.at.least(-b.maxDischargeKw - 1e-9);
      if (!c.v2gCapable) expect(applied).to.be.at.least(-1e-12);
      if (applied < -1e-9) seen.discharged++;
      if (applied > 1e-9) seen.charged++;
      const soc = obs.socKwh ?? after.socKwh;
      expect(soc).to.be.within(0, b.maxSocKwh + 1e-9);
      if (applied < -1e-12) expect(soc, 'V2G keeps the reserve').to.be.at.least(b.minSocKwh - 1e-9);
      if (obs.unmetDepartureKwh !== undefined) {
        const s = before.session;
        // The first interval it could bid in: plugged in by its gate.
        let first = 0;
        while (intervalAt(env.clock, first).gateClosure < s.arrival) first++;
        const hoursPlugged = (s.departure - intervalAt(env.clock, first).start) / MS_PER_HOUR;
        const arrived = before.arrivalSocKwh;
        const target = c.charging.targetSocKwh;
        const feasible = arrived >= departureFeasibleSocKwh(c.charging, hours(hoursPlugged)) - 1e-9;
        const expectedShortfall = Math.max(0, target - arrived - c.charging.maxChargeKw * c.charging.chargeEfficiency * Math.max(0, hoursPlugged));
        expect(obs.unmetDepartureKwh).to.be.closeTo(Math.max(0, target - obs.socKwh!), 1e-12);
        out.push({ unmet: obs.unmetDepartureKwh, socAtDeparture: obs.socKwh!, feasible, expectedShortfall });
      }
    }
  }
  return out;
}

describe('agents/ev: invariants over random cars, prices and awards (fast-check)', function () {
  this.timeout(120_000);

  it('SoC within bounds, no charging while away, power within charger and V2G limits', () => {
    const seen = { discharged: 0, charged: 0 };
    fc.assert(
      fc.property(runArb, (p) => {
        drive(p, false, seen);
      }),
      { numRuns: 40 },
    );
    expect(seen.charged).to.be.greaterThan(0);
    expect(seen.discharged, 'V2G happened').to.be.greaterThan(0);
  });

  it('awarded its cap bids, a car reaches its target whenever the session was feasible; otherwise it misses by exactly the shortfall', () => {
    let feasible = 0;
    let infeasible = 0;
    fc.assert(
      fc.property(runArb, (p) => {
        for (const d of drive(p, true)) {
          if (d.feasible) {
            feasible++;
            expect(d.unmet, 'feasible session met').to.be.below(1e-6);
          } else {
            infeasible++;
            expect(d.unmet, 'shortfall of an infeasible session').to.be.closeTo(d.expectedShortfall, 1e-6);
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(feasible).to.be.greaterThan(0);
    expect(infeasible, 'some sessions were out of reach').to.be.greaterThan(0);
  });
});

describe('agents/ev: limits rewritten in place equal fresh ones (fast-check)', () => {
  // The formula as it was written before the runtime reused one limits object per car.
  function referenceLimits(c: EvCar, socKwh: number, hoursLeft: number, dt: number): EvLimits {
    const h = chargeableHours(hours(hoursLeft), hours(dt));
    const share = dt > 0 ? h / dt : 0;
    const maxCharge = h > 0 ? maxChargeKw(c.battery, kwh(socKwh), h) * share : 0;
    const mustRaw = minChargeKwNow(c.charging, kwh(socKwh), hours(hoursLeft), hours(dt)) * share;
    const must = mustRaw > 0 ? Math.ceil(mustRaw * 1000 - 1e-6) / 1000 : 0;
    const floor = Math.max(c.battery.minSocKwh, departureFeasibleSocKwh(c.charging, hours(Math.max(0, hoursLeft - dt))));
    return {
      chargeH: h,
      maxChargeKw: Math.max(maxCharge, must),
      mustChargeKw: must,
      maxDischargeKw: c.v2gCapable ? maxV2gDischargeKw(c.charging, c.battery, kwh(socKwh), hours(hoursLeft), hours(dt)) : 0,
      floorKwh: floor,
      slackHours: chargingSlackHours(c.charging, kwh(socKwh), hours(hoursLeft)),
      neededKwh: gridEnergyNeededKwh(c.charging, kwh(socKwh)),
    };
  }

  it('one object reused over a random sequence of cars and states holds exactly what the reference computes each time', () => {
    const step = fc.record({
      v2g: fc.boolean(),
      chargerKw: fc.double({ min: 1, max: 22, noNaN: true }),
      soc: fc.double({ min: 0, max: 60, noNaN: true }),
      hoursLeft: fc.double({ min: -1, max: 30, noNaN: true }),
      dt: fc.constantFrom(0.25, 0.5, 1, 24),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 20 }), (steps) => {
        const out = { chargeH: NaN, maxChargeKw: NaN, mustChargeKw: NaN, maxDischargeKw: NaN, floorKwh: NaN, slackHours: NaN, neededKwh: NaN };
        for (const s of steps) {
          const c = car(s.v2g, s.chargerKw);
          expect(evLimitsInto(out, c, s.soc, s.hoursLeft, s.dt)).to.deep.equal(referenceLimits(c, s.soc, s.hoursLeft, s.dt));
          expect(evLimits(c, s.soc, s.hoursLeft, s.dt)).to.deep.equal(referenceLimits(c, s.soc, s.hoursLeft, s.dt));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('agents/ev: machine events only on lifecycle changes', () => {
  it('a parked car sends no events; a day of charging sends a handful', () => {
    const env = envFor(4, 1);
    const [ev] = create(group({ chargerKw: 7.4 }), env);
    for (let k = 0; k < env.clock.intervals; k++) {
      const iv = intervalAt(env.clock, k);
      const segs = ev!.bid(iv, view(iv, [50]));
      ev!.settle({ interval: iv, buyKw: sum(segs, 'buy'), sellKw: 0, priceMwh: 50, bidAccepted: true });
    }
    expect(ev!.lifecycle.eventsSent).to.be.within(2, 12);
  });
});

describe('agents/ev: spill curtailment of its V2G discharge (engine/interval/curtail.ts)', () => {
  /**
   * Two fleets built alike (same seed): fleet A settles the market's award and then has part of
   * its discharge curtailed; fleet B is awarded exactly what A ended up exporting. Curtailing must
   * leave A where B is — same SoC, same state, same metered power — interval after interval.
   */
  it('curtailing x kW of a discharge leaves the car as if it had been awarded x kW less discharge; only a plugged-in, discharging car offers any (fast-check)', () => {
    let curtailed = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e9 }), (seed, awardSeed) => {
        const g = group({ count: 4, sessions: 'home', chargerKw: 11, v2gShare: 1 });
        const a = create(g, envFor(seed, 2));
        const b = create(g, envFor(seed, 2));
        const env = envFor(seed, 2);
        const rng = new RandomService(awardSeed).stream('market', 'awards');
        for (let k = 0; k < env.clock.intervals; k++) {
          const iv = intervalAt(env.clock, k);
          const prices = Array.from({ length: 96 }, (_, j) => 40 + 200 * Math.sin((k + j) / 7) ** 2);
          const mv = view(iv, prices, prices[0]);
          a.forEach((ca, c) => {
            const cb = b[c]!;
            const segs = ca.bid(iv, mv);
            expect(cb.bid(iv, mv)).to.deep.equal(segs);
            const buy = rng.next() < 0.5 ? rng.next() * sum(segs, 'buy') : 0;
            const sell = buy === 0 ? rng.next() * sum(segs, 'sell') : 0;
            ca.settle({ interval: iv, buyKw: buy, sellKw: sell, priceMwh: 50, bidAccepted: segs.length > 0 });
            let o = ca.observe() as EvObservation;
            const exported = o.generatedKw ?? 0;
            // Offered: its whole export, while it discharges and stays plugged in; nothing otherwise.
            if (o.curtailableKw !== undefined) {
              expect(o.curtailableKw).to.equal(exported);
              expect(exported).to.be.above(0);
              expect(o.unmetDepartureKwh, 'not in the interval it leaves').to.equal(undefined);
            } else expect(exported === 0 || o.unmetDepartureKwh !== undefined, `${ca.id} ${iv.index}`).to.equal(true);
            let net = buy - sell;
            if (o.curtailableKw !== undefined && rng.next() < 0.6) {
              const cut = rng.next() < 0.3 ? o.curtailableKw : rng.next() * o.curtailableKw;
              ca.curtail!(cut, iv);
              curtailed++;
              o = ca.observe() as EvObservation;
              expect(o.generatedKw ?? 0).to.be.closeTo(exported - cut, 1e-9);
              expect(o.deviationKw, 'the curtailed kW are its deviation from the award').to.be.closeTo(-sell + exported - cut, 1e-9);
              net = -(o.generatedKw ?? 0);
            } else net = (o.consumedKw ?? 0) - (o.generatedKw ?? 0);
            cb.settle({ interval: iv, buyKw: Math.max(0, net), sellKw: Math.max(0, -net), priceMwh: 50, bidAccepted: segs.length > 0 });
            const ob = cb.observe() as EvObservation;
            expect(ca.status().socKwh).to.be.closeTo(cb.status().socKwh, 1e-9);
            expect(o.state).to.equal(ob.state);
            expect(ca.lifecycle.value).to.equal(cb.lifecycle.value);
            expect(o.consumedKw ?? 0).to.be.closeTo(ob.consumedKw ?? 0, 1e-9);
            expect(o.generatedKw ?? 0).to.be.closeTo(ob.generatedKw ?? 0, 1e-9);
          });
        }
      }),
      { numRuns: 12 },
    );
    expect(curtailed, 'the runs curtailed some discharge').to.be.above(20);
  });
});

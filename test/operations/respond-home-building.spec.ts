import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { RandomService } from '../../core/rng.ts';
import { MS_PER_HOUR, parseSimTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { buildingKind } from '../../agents/building/index.ts';
import { buildingGroupSchema } from '../../agents/building/schema.ts';
import { buildingTargetState } from '../../agents/building/machine.ts';
import { respondBuilding } from '../../agents/building/respond.ts';
import type { BuildingAgent } from '../../agents/building/runtime.ts';
import { homeKind } from '../../agents/home/index.ts';
import { homeGroupSchema } from '../../agents/home/schema.ts';
import { homeTargetState } from '../../agents/home/machine.ts';
import { respondHome } from '../../agents/home/respond.ts';
import type { HomeAgent } from '../../agents/home/runtime.ts';
import { cutByNeed, type NeedShare, protectedKw } from '../../agents/flexibility/shed.ts';
import type { AgentEnv, AgentRuntime, OperatorCommand } from '../../agents/types.ts';
import { type ClockSpec, intervalAt, type MarketInterval } from '../../core/clock.ts';
import { Environment, weatherSchema } from '../../agents/environment.ts';
import type { BidSegment } from '../../market/types.ts';
import type { MarketView } from '../../strategies/types.ts';
import { branded } from '../helpers/units.ts';

const START = parseSimTime('2026-07-01T00:00:00Z')!; // a Wednesday, local 02:00 (UTC+2)
const CAP = 3000;
const Q = 0.001;
const ask = (value: number) => ({ type: 'DISPATCH_SETPOINT' as const, value });

const need = (name: string, kw: number, priceMwh: number, isProtected: boolean): NeedShare => ({ name, kw, priceMwh, protected: isProtected });

describe('operations: what a need list can shed (agents/flexibility/shed.ts)', () => {
  it('protectedKw: every need up to the last protected one in price order, in whole quanta', () => {
    const needs = [need('base', 1, 3000, true), need('x', 2, 200, false), need('keep', 0.5, 3000, true), need('y', 1, 50, false)];
    expect(protectedKw(needs, Q)).to.equal(1.5);
    // A protected need priced below an unprotected one drags that one in.
    expect(protectedKw([need('x', 2, 200, false), need('keep', 0.5, 100, true)], Q)).to.equal(2.5);
    expect(protectedKw([need('x', 2, 200, false)], Q)).to.equal(0);
  });

  it('cutByNeed: a smaller purchase loses the cheapest needs first', () => {
    const needs = [need('base', 1, 3000, true), need('x', 2, 200, false), need('y', 1, 50, false)];
    expect(Array.from(cutByNeed(needs, 4, 2.5, Q))).to.deep.equal([0, 0.5, 1]);
  });
});

describe('operations: a home answers commands from its needs and its room (agents/home/respond.ts)', () => {
  // Base 0.5 and the HVAC that keeps the band (1.0) at the cap; flexible load, two comfort blocks, pre-cooling.
  const needs = [
    need('base', 0.5, CAP, true),
    need('hvac-keep', 1.0, CAP, true),
    need('hvac', 0.8, 400, false),
    need('base-flex', 0.2, 200, false),
    need('hvac', 0.8, 100, false),
    need('precondition', 1.0, 0, false),
  ];
  const room = { mode: 'cool' as const, indoorC: 24.6, band: { lowC: 20, highC: 25 } };

  it('sheds cheapest first — pre-cooling, then comfort margin — and never more than asked', () => {
    const r = respondHome({ faulted: false, needs, quantumKw: Q, room }, ask(-1.2), 4.3);
    expect(r).to.deep.equal({ optIn: true, reason: 'sheds 1.00 kW of pre-conditioning, 0.20 kW of HVAC comfort margin', deliverKw: -1.2 });
  });

  it('down to what keeps the room in its band and the base load: 4.3 − 1.5 = 2.8 kW at most', () => {
    const r = respondHome({ faulted: false, needs, quantumKw: Q, room }, ask(-10), 4.3);
    expect(r.optIn).to.equal(true);
    expect(r.deliverKw).to.be.closeTo(-2.8, 1e-9);
    expect(r.reason).to.equal('sheds 1.60 kW of HVAC comfort margin, 1.00 kW of pre-conditioning, 0.20 kW of flexible load; no more: 1.50 kW keeps the room in its band, the base load and due appliances');
  });

  it('declines at its comfort limit, saying the temperature, when only the protected needs are bought', () => {
    const r = respondHome({ faulted: false, needs, quantumKw: Q, room }, ask(-1), 1.5);
    expect(r).to.deep.equal({ optIn: false, reason: 'at comfort limit: 24.6 °C (band 20–25 °C); 1.00 kW of cooling keeps it inside', deliverKw: 0 });
    const noHvac = respondHome({ faulted: false, needs: [need('base', 0.5, CAP, true)], quantumKw: Q }, ask(-1), 0.5);
    expect(noHvac.reason).to.equal('nothing flexible left: 0.50 kW of base load and appliance runs due now must be served');
    expect(respondHome({ faulted: false, needs, quantumKw: Q, room }, ask(-1), -2).reason).to.match(/not buying/);
    expect(respondHome({ faulted: true, needs, quantumKw: Q, room }, ask(-1), 4.3).reason).to.match(/faulted/);
  });

  it('a commanded reduction puts a home in curtailed, whatever else the interval did', () => {
    expect(homeTargetState(0, 2, -0.5)).to.equal('curtailed');
    expect(homeTargetState(0, 2)).to.equal('pre-conditioning');
    expect(homeTargetState(0, 0, -0.0005)).to.equal('normal');
    expect(buildingTargetState(true, 0, -1)).to.equal('curtailed');
    expect(buildingTargetState(true, 0)).to.equal('occupied');
  });
});

describe('operations: a building answers within its contract and comfort limits (agents/building/respond.ts)', () => {
  const needs = [need('base', 5, CAP, true), need('hvac', 6, CAP, true), need('hvac-relax', 2.5, 212.5, false), need('dimming', 1.5, 337.5, false), need('precondition', 3, 0, false)];
  const room = { mode: 'cool' as const, indoorC: 23.9, band: { lowC: 21, highC: 24 } };
  const base = { faulted: false, contractKw: 4, comfortMode: true, needs, quantumKw: Q, room };

  it('sheds pre-cooling, setpoint relaxation and dimming, never more than its contract', () => {
    const r = respondBuilding(base, ask(-10), 18);
    expect(r.deliverKw).to.be.closeTo(-4, 1e-9);
    expect(r.reason).to.equal('sheds 3.00 kW of pre-conditioning, 1.00 kW of HVAC setpoint relaxation; no more: contract 4 kW');
    const big = respondBuilding({ ...base, contractKw: 10 }, ask(-10), 18);
    expect(big.deliverKw).to.be.closeTo(-7, 1e-9); // 18 − 11 protected
  });

  it('declines at its comfort limit while occupied, without a contract always', () => {
    expect(respondBuilding(base, ask(-3), 11)).to.deep.equal({ optIn: false, reason: 'at comfort limit: 23.9 °C (occupied band 21–24 °C); its curtailable share is already off', deliverKw: 0 });
    expect(respondBuilding({ ...base, contractKw: undefined }, ask(-3), 18).reason).to.equal('no curtailment contract: not enrolled in the program');
    expect(respondBuilding({ ...base, comfortMode: false }, ask(-3), 11).reason).to.match(/^unoccupied: nothing curtailable/);
  });
});

function envFor(seed: number, intervals: number): AgentEnv {
  const random = new RandomService(seed);
  const site = { latitude: 52.37, longitude: 4.9, zone: SiteZone.fixed(2) };
  const clock: ClockSpec = { start: START, intervalMinutes: 15, intervals, gateClosureMinutes: 5 };
  return { random, site, environment: new Environment(site, weatherSchema.parse({ temperature: 'heatwave', sky: 'clear' }), random), clock, defaultBus: busId('main'), reportStrategyFault: () => {} } as AgentEnv;
}

function marketAt(env: AgentEnv, interval: MarketInterval, last: number | undefined): MarketView {
  const w = env.environment.at(interval.start, interval.durationH);
  return branded<MarketView>(Object.freeze({
    interval: Object.freeze({ index: interval.index, start: interval.start, durationH: interval.durationH }),
    priceCapMwh: CAP,
    priceFloorMwh: -500,
    quantumKw: Q,
    lastPriceMwh: last,
    priceForecastMwh: Object.freeze([]),
    conditions: Object.freeze({ outdoorC: w.outdoorC, ghiWm2: w.ghiWm2 }),
  }));
}

/** What a market gives a curve at clearing price p: buy segments above p, sell segments below, whole; in quanta. */
function award(segs: readonly BidSegment[], p: number): { buyKw: number; sellKw: number } {
  let buy = 0;
  let sell = 0;
  for (const s of segs) {
    const q = Math.round(s.quantityKw / Q) * Q;
    if (s.side === 'buy' && s.priceMwh > p) buy += q;
    if (s.side === 'sell' && s.priceMwh < p) sell += q;
  }
  return { buyKw: buy, sellKw: sell };
}

/**
 * Runs agents interval by interval as the engine does with an operator: bid, the market's
 * award, a command of random size, the commitment taken off the purchase first and then as
 * injection, settle. Calls `check` after each settle.
 */
function runCommanded(agents: readonly AgentRuntime[], env: AgentEnv, draws: ReadonlyArray<readonly [number, number]>, check: (a: AgentRuntime, iv: MarketInterval, committedKw: number) => void): void {
  for (let k = 0; k < draws.length; k++) {
    const iv = intervalAt(env.clock, k);
    const [price, size] = draws[k]!;
    const mv = marketAt(env, iv, k > 0 ? draws[k - 1]![0] : undefined);
    for (const a of agents) {
      const segs = a.bid(iv, mv);
      let { buyKw, sellKw } = award(segs, price);
      const command: OperatorCommand = { eventId: `e${k}`, program: 'test', issuer: 'dso', target: a.id, type: 'DISPATCH_SETPOINT', notifiedAt: iv.start, intervalStart: iv.start, durationMinutes: 15, value: -size * 20 };
      const r = a.responder!.respond(command, buyKw - sellKw, iv);
      expect(r.deliverKw).to.be.within(command.value - 1e-12, 0);
      const change = Math.round(r.deliverKw / Q); // quanta, as the engine rounds
      const fromBuy = Math.max(change, -Math.round(buyKw / Q));
      buyKw += fromBuy * Q;
      sellKw -= (change - fromBuy) * Q;
      a.settle({ interval: iv, buyKw, sellKw, priceMwh: price, bidAccepted: true, ...(change !== 0 ? { commandedKw: change * Q } : {}) });
      check(a, iv, change * Q);
    }
  }
}

describe('operations: commanded homes and buildings keep their comfort (runtimes, interval by interval)', () => {
  const intervals = 96;
  // Prices, and command sizes in 5 % steps of 20 kW (integers: fast-check's doubles favour extremes like 1e-300).
  const draws = fc.array(fc.tuple(fc.double({ min: -100, max: 2999, noNaN: true }), fc.integer({ min: 0, max: 20 }).map((x) => x / 20)), { minLength: intervals, maxLength: intervals });

  it('homes: the room stays in its band, no base load is shed, appliances finish by their deadlines, commanded means curtailed', function () {
    this.timeout(60_000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.double({ min: 1.5, max: 4, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), draws, (seed, r, sFrac, ds) => {
        const env = envFor(seed, intervals);
        const low = 20;
        const high = 25;
        const ratedElectricKw = (1.25 * ((38 - high) / r + 0.5 + 4)) / 3;
        const g = homeGroupSchema.parse({
          kind: 'home',
          idPrefix: 'h',
          count: 3,
          strategy: 'truthful',
          hvac: { rCPerKw: r, cKwhPerC: 10, copCooling: 3, ratedElectricKw, paramSigma: 0, band: { lowC: low, highC: high }, setpointC: low + sFrac * (high - low), internalGainsKw: 0.5, solarApertureM2: 4 },
          pv: { share: 0.5 },
          appliances: [{ energyKwh: 1, powerKw: 1.2, earliestStartHour: { min: 17, max: 20 }, windowHours: { min: 1, max: 8 } }],
        });
        const homes = homeKind.create(g, env) as HomeAgent[];
        runCommanded(homes, env, ds, (a, iv, committed) => {
          const h = a as HomeAgent;
          const o = h.observe();
          expect(o.indoorTempC!, `${h.id} at ${new Date(iv.start).toISOString()}`).to.be.within(low, high);
          expect(o.unservedKwh).to.equal(0);
          if (committed < -0.001) expect(o.state).to.equal('curtailed');
          for (const slot of h.inspect().slots) if (slot.job && slot.job.deadline <= iv.end) expect(slot.state.phase).to.equal('done');
        });
      }),
      { numRuns: 6 },
    );
  });

  it('buildings: the occupied band holds while occupied, a cut never exceeds the contract, commanded means curtailed', function () {
    this.timeout(60_000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 40 }).map((x) => x / 2), draws, (seed, contract, ds) => {
        const env = envFor(seed, intervals);
        const g = buildingGroupSchema.parse({
          kind: 'building',
          idPrefix: 'b',
          count: 2,
          strategy: 'truthful',
          hvac: { ratedElectricKw: 20, paramSigma: 0 },
          comfort: { occupiedBand: { lowC: 21, highC: 24 }, unoccupiedBand: { lowC: 10, highC: 25 }, startupHours: 3 },
          curtailable: { contractKw: contract, relaxC: 1.5, maxDimming: 0.3 },
        });
        const bs = buildingKind.create(g, env) as BuildingAgent[];
        runCommanded(bs, env, ds, (a, iv, committed) => {
          const o = a.observe();
          expect(-committed).to.be.at.most(contract + 1e-9);
          const local = new Date(iv.start + 2.125 * MS_PER_HOUR);
          if (local.getUTCHours() >= 8 && local.getUTCHours() < 17) expect(o.indoorTempC!, `${a.id} at ${local.toISOString()}`).to.be.within(21, 24);
          expect(o.unservedKwh).to.equal(0);
          if (committed < -0.001) expect(o.state).to.equal('curtailed');
        });
      }),
      { numRuns: 6 },
    );
  });
});

/**
 * Issue 14, defect 13: an EV's `view.demand` must split need from want by the physics.
 * A value at the price cap is a need (docs/strategies.md): only the energy that cannot
 * be postponed — what flat-out charging after this interval would miss — is valued there.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { RandomService } from '../../core/rng.ts';
import { MS_PER_HOUR, parseSimTime } from '../../core/time.ts';
import { busId, hours, kw, kwh, pricePerMwh } from '../../core/units.ts';
import { evKind } from '../../agents/ev/index.ts';
import type { EvRuntime } from '../../agents/ev/runtime.ts';
import { type EvGroup, evGroupSchema } from '../../agents/ev/schema.ts';
import { type EvCar, evLimits } from '../../agents/ev/session.ts';
import { batteryFromFractions } from '../../agents/physics/battery.ts';
import { evCharging } from '../../agents/physics/ev.ts';
import type { AgentEnv } from '../../agents/types.ts';
import { type ClockSpec, intervalAt, type MarketInterval } from '../../core/clock.ts';
import { DEFAULT_WEATHER, Environment } from '../../agents/environment.ts';
import type { BidSegment } from '../../market/types.ts';
import { evDemand } from '../../strategies/ev/demand.ts';
import { createStrategy } from '../../strategies/registry.ts';
import type { MarketView } from '../../strategies/types.ts';
import { branded } from '../helpers/units.ts';

const CAP = 3000;
const START = parseSimTime('2026-07-01T00:00:00Z')!;
// 16 intervals of forecast, cheap to dear.
const FORECAST = Array.from({ length: 16 }, (_, i) => 10 * (i + 1));

function market(durationH = 0.25, forecast: readonly number[] = FORECAST): MarketView {
  return branded<MarketView>(Object.freeze({
    interval: { index: 0, start: 0, durationH },
    priceCapMwh: CAP,
    priceFloorMwh: -500,
    quantumKw: 0.001,
    lastPriceMwh: undefined,
    priceForecastMwh: Object.freeze([...forecast]),
    conditions: { outdoorC: 20, ghiWm2: 0 },
  }));
}

// A lossless 60 kWh car, target 54 kWh (90 %), charger `chargerKw`.
function car(chargerKw: number, efficiency = 1): EvCar {
  const battery = batteryFromFractions({
    capacityKwh: 60, minSocFraction: 0.2, maxSocFraction: 0.9, maxChargeKw: chargerKw, maxDischargeKw: 0,
    chargeEfficiency: efficiency, dischargeEfficiency: efficiency, degradationCostPerMwh: 0,
  });
  return { battery, charging: evCharging(battery, battery.maxChargeKw, battery.maxSocKwh), chargerKw, v2gCapable: false };
}

/** The demand an EV at `socKwh` with `hoursLeft` to departure reports (the agent's own limits). */
function demandOf(c: EvCar, socKwh: number, hoursLeft: number, m: MarketView) {
  const l = evLimits(c, socKwh, hoursLeft, m.interval.durationH);
  return evDemand({
    agentId: 'ev-1', kind: 'ev', socKwh: kwh(socKwh), targetSocKwh: c.charging.targetSocKwh, minSocKwh: c.battery.minSocKwh,
    hoursToDeparture: hours(hoursLeft), slackHours: hours(l.slackHours), neededKwh: kwh(l.neededKwh),
    mustChargeKw: kw(l.mustChargeKw), maxChargeKw: kw(l.maxChargeKw), maxDischargeKw: kw(0), v2gCapable: false,
    chargerKw: kw(c.chargerKw), chargeEfficiency: c.battery.chargeEfficiency, dischargeEfficiency: c.battery.dischargeEfficiency,
    degradationCostPerMwh: pricePerMwh(0),
  }, m);
}

const needKw = (d: readonly { kw: number; valueMwh: number }[]): number => d.filter((s) => s.valueMwh >= CAP).reduce((t, s) => t + s.kw, 0);

describe('EV view.demand: needs and wants from the physics (issue 14, defect 13)', () => {
  it('10 kWh short, 7 kW charger, 15-min intervals, 4 h plugged: needs 0 kW now; all 7 kW is a want at ev-slack\'s price', () => {
    // slack = 4 − 10/7 = 2.571 h; f = 1 − 2.571/4 = 0.357 → ⌈0.357·16⌉ = 6th cheapest = 60; no urgency (slack ≥ 1 h).
    expect(demandOf(car(7), 44, 4, market())).to.deep.equal([{ kw: 7, valueMwh: 60 }]);
  });

  it('the same car with 1.5 h left: 7 · 1.25 h = 8.75 kWh later, so 1.25 kWh must come now = 5 kW need at the cap, 2 kW want', () => {
    const d = demandOf(car(7), 44, 1.5, market());
    expect(d).to.have.length(2);
    expect(d[0]).to.deep.equal({ kw: 5, valueMwh: CAP });
    expect(d[1]!.kw).to.be.closeTo(2, 1e-9);
    // slack = 1.5 − 10/7 = 1/14 h: base = ⌈(1 − (1/14)/1.5)·6⌉ = 6th cheapest of 6 = 60; urgency 1 − 1/14 = 13/14.
    expect(d[1]!.valueMwh).to.be.closeTo(60 + (CAP - 60) * (13 / 14), 1e-9);
    expect(d[1]!.valueMwh).to.be.below(CAP);
  });

  it('property: need ≤ charger (to the watt), and need > 0 exactly when charging flat out after this interval would miss the target', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 22, noNaN: true }),
        fc.double({ min: 0.8, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 54, noNaN: true }),
        fc.double({ min: 0.01, max: 12, noNaN: true }),
        fc.constantFrom(0.25, 0.5, 1),
        (chargerKw, eta, soc, hoursLeft, dt) => {
          const c = car(chargerKw, eta);
          const d = demandOf(c, soc, hoursLeft, market(dt));
          const need = needKw(d);
          expect(need).to.be.at.most(chargerKw + 0.001);
          const reachableIfPostponed = soc + chargerKw * eta * Math.max(0, hoursLeft - dt) >= 54 - 1e-9;
          if (need > 0) expect(reachableIfPostponed, 'need > 0 although postponing still reaches the target').to.equal(false);
          if (!reachableIfPostponed && soc < 54 - 1e-9) expect(need).to.be.greaterThan(0);
          // Need and want together are everything it can take now.
          const total = d.reduce((t, s) => t + s.kw, 0);
          expect(total).to.be.closeTo(evLimits(c, soc, hoursLeft, dt).maxChargeKw, 1e-9);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// Through the real agent: a truthful EV bids its view.demand as it is, so its cap-priced bids are its needs.
function envFor(seed: number): AgentEnv {
  const random = new RandomService(seed);
  const site = { latitude: 52.37, longitude: 4.9, zone: SiteZone.fixed(2) };
  const clock: ClockSpec = { start: START, intervalMinutes: 15, intervals: 96 * 2, gateClosureMinutes: 5 };
  return { random, site, environment: new Environment(site, DEFAULT_WEATHER, random), clock, defaultBus: busId('main'), reportStrategyFault: () => {} } as AgentEnv;
}

const agentView = (iv: MarketInterval): MarketView => ({ ...market(iv.durationH), interval: { index: iv.index, start: iv.start, durationH: iv.durationH } });

describe('EV agent: a truthful car bids at the cap only what it cannot postpone', () => {
  it('over two days of home sessions, a cap-priced bid appears only when flat out after this interval would miss the target', () => {
    const env = envFor(7);
    const g: EvGroup = evGroupSchema.parse({ kind: 'ev', idPrefix: 'ev', count: 6, sessions: 'home', chargerKw: 7.4, strategy: 'truthful' });
    const cars = evKind.create(g, env) as EvRuntime[];
    let flexibleBids = 0;
    for (let k = 0; k < env.clock.intervals; k++) {
      const iv = intervalAt(env.clock, k);
      for (const ev of cars) {
        const st = ev.status();
        const segs: readonly BidSegment[] = ev.bid(iv, agentView(iv));
        const atCap = segs.filter((s) => s.side === 'buy' && s.priceMwh >= CAP).reduce((t, s) => t + s.quantityKw, 0);
        if (segs.some((s) => s.side === 'buy' && s.priceMwh < CAP)) flexibleBids++;
        if (atCap > 0 && st.plugged) {
          const c = st.car.charging;
          const hoursLeft = (st.session.departure - iv.start) / MS_PER_HOUR;
          const later = c.maxChargeKw * c.chargeEfficiency * Math.max(0, hoursLeft - iv.durationH);
          expect(st.socKwh! + later, `${ev.id} at interval ${k}`).to.be.below(c.targetSocKwh);
        }
        // Charge what it bid (a market at 50 takes every bid above it).
        const buy = segs.filter((s) => s.side === 'buy' && s.priceMwh >= 50).reduce((t, s) => t + s.quantityKw, 0);
        ev.settle({ interval: iv, buyKw: buy, sellKw: 0, priceMwh: 50, bidAccepted: segs.length > 0 });
      }
    }
    expect(flexibleBids).to.be.greaterThan(0);
  });
});

describe('ev-uncontrolled: the dumb-charging reference that truthful used to be', () => {
  it('bids everything it can take now at the cap, even with hours of slack (4 h left, 7 kW, 10 kWh short → 7 kW at 3000)', () => {
    const s = createStrategy('ev-uncontrolled');
    const c = car(7);
    const l = evLimits(c, 44, 4, 0.25);
    const view = { agentId: 'ev-1', kind: 'ev', demand: demandOf(c, 44, 4, market()), supply: [], maxChargeKw: l.maxChargeKw };
    expect(s.bid(view as never, market())).to.deep.equal([{ side: 'buy', priceMwh: CAP, quantityKw: 7 }]);
  });
});

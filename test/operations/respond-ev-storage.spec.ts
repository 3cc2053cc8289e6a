import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { MS_PER_HOUR, parseSimTime } from '../../core/time.ts';
import { hours, kw, kwh } from '../../core/units.ts';
import { respondEv, type EvCommandState } from '../../agents/ev/respond.ts';
import { applyEvAward, type EvCar, evLimits } from '../../agents/ev/session.ts';
import { batteryFromFractions, HOME_BATTERY, maxChargeKw, maxDischargeKw, stepBattery } from '../../agents/physics/battery.ts';
import { departureFeasibleSocKwh, evCharging, isDepartureFeasible } from '../../agents/physics/ev.ts';
import { respondStorage } from '../../agents/storage/respond.ts';

const T0 = parseSimTime('2026-07-01T16:00:00Z')!; // 18:00 local (UTC+2)
const DT = 0.25;
const Q = 0.001;
const ask = (value: number) => ({ type: 'DISPATCH_SETPOINT' as const, value });

function car(p: { capacityKwh?: number; chargerKw?: number; v2g?: boolean; minFrac?: number; maxFrac?: number; etaC?: number; etaD?: number } = {}): EvCar {
  const chargerKw = p.chargerKw ?? 11;
  const v2g = p.v2g ?? true;
  const battery = batteryFromFractions({
    capacityKwh: p.capacityKwh ?? 60,
    minSocFraction: p.minFrac ?? 0.2,
    maxSocFraction: p.maxFrac ?? 0.9,
    maxChargeKw: chargerKw,
    maxDischargeKw: v2g ? chargerKw : 0,
    chargeEfficiency: p.etaC ?? 0.9,
    dischargeEfficiency: p.etaD ?? 0.9,
    degradationCostPerMwh: 35,
  });
  return { battery, charging: evCharging(battery, kw(chargerKw), battery.maxSocKwh), chargerKw, v2gCapable: v2g };
}

const state = (c: EvCar, socKwh: number, hoursLeft: number, over: Partial<EvCommandState> = {}): EvCommandState => ({
  car: c,
  plugged: true,
  inMarket: true,
  faulted: false,
  socKwh,
  departure: T0 + hoursLeft * MS_PER_HOUR,
  zone: SiteZone.fixed(2),
  quantumKw: Q,
  ...over,
});

describe('operations: an EV answers commands from its state (agents/ev/respond.ts)', () => {
  it('V2G car with slack: stops charging and discharges up to its V2G limit, never more than asked', () => {
    const c = car(); // 60 kWh, target 54, reserve 12, 11 kW both ways, η 0.9
    // 30 kWh, 10 h left: nothing must run now; floor max(12, 54 − 9.9 × 9.75 < 0) = 12 kWh; V2G limit min(11, 18 × 0.9 / 0.25) = 11 kW.
    const r = respondEv(state(c, 30, 10), ask(-30), 7, T0, DT);
    expect(r.optIn).to.equal(true);
    expect(r.deliverKw).to.be.closeTo(-18, 1e-9); // 7 kW of charging and 11 kW of discharge
    expect(r.reason).to.match(/reduces charging by 7\.00 kW; discharges 11\.00 kW \(V2G\)/);
    expect(r.reason).to.match(/no more: V2G limit 11\.00 kW/);
    const small = respondEv(state(c, 30, 10), ask(-2.5), 7, T0, DT);
    expect(small.deliverKw).to.be.closeTo(-2.5, 1e-9);
  });

  it('reduces charging only down to its must-run power (7.4 kW charger, 28 kWh, 4 h left: 4.556 kW)', () => {
    const c = car({ chargerKw: 7.4 });
    // must = (54 − 7.4 × 0.9 × 3.75 − 28) / (0.9 × 0.25) = 1.025 / 0.225 = 4.5556 kW, rounded up to the watt.
    expect(evLimits(c, 28, 4, DT).mustChargeKw).to.equal(4.556);
    const r = respondEv(state(c, 28, 4), ask(-10), 7.4, T0, DT);
    expect(r.optIn).to.equal(true);
    expect(r.deliverKw).to.be.closeTo(-(7.4 - 4.556), 1e-9);
    expect(r.reason).to.match(/keeping its must-run 4\.56 kW \(needs 28\.9 kWh before 22:00\)/);
  });

  it('declines with the energy and the time it needs when charging is at its must-run', () => {
    const c = car();
    // 10 kWh, 4 h left: it must charge flat out (11 kW); needs (54 − 10) / 0.9 = 48.9 kWh before 22:00 local.
    const r = respondEv(state(c, 10, 4), ask(-5), 11, T0, DT);
    expect(r).to.deep.equal({ optIn: false, reason: 'needs 48.9 kWh before 22:00: cannot reduce below 11.0 kW', deliverKw: 0 });
  });

  it('declines by state: away, plugged in after the gate, faulted, at its V2G floor, not V2G-capable', () => {
    const c = car();
    expect(respondEv(state(c, 30, 10, { plugged: false }), ask(-5), 0, T0, DT).reason).to.equal('not plugged in');
    expect(respondEv(state(c, 30, 10, { inMarket: false }), ask(-5), 0, T0, DT).reason).to.match(/after the gate closed/);
    expect(respondEv(state(c, 30, 10, { faulted: true }), ask(-5), 0, T0, DT).reason).to.match(/faulted/);
    const atFloor = respondEv(state(c, 12, 10), ask(-5), 0, T0, DT);
    expect(atFloor.optIn).to.equal(false);
    expect(atFloor.reason).to.equal('SoC 12.0 kWh at its floor 12.0 kWh (reserve and departure at 04:00): cannot discharge');
    const noV2g = respondEv(state(car({ v2g: false }), 30, 10), ask(-5), 0, T0, DT);
    expect(noV2g.reason).to.equal('not charging, and not V2G-capable: nothing to reduce');
    expect(respondEv(state(c, 30, 10), { type: 'CHARGE_STATE_SETPOINT', value: 40 }, 0, T0, DT).optIn).to.equal(false);
  });

  it('property: under any command an EV never discharges below its departure-feasible SoC or its reserve, never cuts below its must-run, never gives more than asked', () => {
    fc.assert(
      fc.property(
        fc.record({
          capacityKwh: fc.double({ min: 20, max: 120, noNaN: true }),
          chargerKw: fc.constantFrom(3.7, 7.4, 11, 22),
          v2g: fc.boolean(),
          minFrac: fc.double({ min: 0, max: 0.4, noNaN: true }),
          maxFrac: fc.double({ min: 0.5, max: 1, noNaN: true }),
          etaC: fc.double({ min: 0.8, max: 1, noNaN: true }),
          etaD: fc.double({ min: 0.8, max: 1, noNaN: true }),
        }),
        fc.double({ min: 0, max: 1, noNaN: true }), // SoC as a fraction of capacity
        fc.double({ min: 0, max: 24, noNaN: true }), // hours to departure
        fc.constantFrom(0.25, 0.5, 1),
        fc.double({ min: -1, max: 1, noNaN: true }), // planned net as a fraction of the charger
        fc.double({ min: -60, max: 0, noNaN: true }), // the command
        (p, socFrac, hoursLeft, dt, plannedFrac, value) => {
          const c = car(p);
          const soc = socFrac * c.battery.capacityKwh;
          const l = evLimits(c, soc, hoursLeft, dt);
          // What the market could have scheduled: within the car's limits for the interval.
          const planned = Math.round((plannedFrac >= 0 ? plannedFrac * l.maxChargeKw : plannedFrac * l.maxDischargeKw) / Q) * Q;
          const r = respondEv(state(c, soc, hoursLeft), ask(value), planned, T0, dt);
          expect(r.deliverKw).to.be.at.most(0);
          expect(r.deliverKw).to.be.at.least(value - 1e-12);
          if (!r.optIn) expect(r.deliverKw).to.equal(0);
          const after = planned + r.deliverKw;
          // Never below the must-run power it was planned at or above.
          if (planned >= l.mustChargeKw) expect(after).to.be.at.least(l.mustChargeKw - 1e-9);
          // The award applied through the battery: a commanded discharge keeps SoC at or above the floor.
          const step = applyEvAward(c, soc, after, hoursLeft, dt);
          if (r.deliverKw < 0 && step.appliedKw < 0) {
            const floor = Math.max(c.battery.minSocKwh, departureFeasibleSocKwh(c.charging, hours(Math.max(0, hoursLeft - dt))));
            expect(step.socKwh).to.be.at.least(floor - 1e-9);
            expect(step.socKwh).to.be.at.least(c.battery.minSocKwh - 1e-9);
          }
          // What it committed is what the battery does: the command is honoured physically (up to a quantum).
          if (r.optIn) expect(step.appliedKw - applyEvAward(c, soc, planned, hoursLeft, dt).appliedKw).to.be.closeTo(r.deliverKw, Q + 1e-9);
          // A departure that was reachable stays reachable.
          if (isDepartureFeasible(c.charging, kwh(soc), hours(hoursLeft)) && planned >= l.mustChargeKw && hoursLeft > dt) {
            expect(isDepartureFeasible(c.charging, kwh(step.socKwh), hours(hoursLeft - dt)), `SoC ${step.socKwh}`).to.equal(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('operations: a battery answers commands from its state (agents/storage/respond.ts)', () => {
  const b = HOME_BATTERY; // 13.5 kWh, reserve 1.35, 5 kW, η √0.9

  it('stops charging, then discharges up to its inverter limit', () => {
    const r = respondStorage({ battery: b, socKwh: 5, faulted: false, quantumKw: Q }, ask(-10), 2, DT);
    expect(r.optIn).to.equal(true);
    expect(r.deliverKw).to.be.closeTo(-7, 1e-9);
    expect(r.reason).to.equal('reduces charging by 2.00 kW; discharges 5.00 kW from SoC 5.0 kWh; no more: inverter limit 5.00 kW');
  });

  it('near its reserve it gives what the reserve allows, at it nothing', () => {
    // (1.5 − 1.35) × √0.9 / 0.25 = 0.5692 kW, floored to the watt.
    const near = respondStorage({ battery: b, socKwh: 1.5, faulted: false, quantumKw: Q }, ask(-3), 0, DT);
    expect(near.deliverKw).to.be.closeTo(-0.569, 1e-9);
    expect(near.reason).to.match(/no more: the reserve 1\.4 kWh allows 0\.57 kW/);
    const at = respondStorage({ battery: b, socKwh: 1.35, faulted: false, quantumKw: Q }, ask(-3), 0, DT);
    expect(at).to.deep.equal({ optIn: false, reason: 'SoC 1.4 kWh at its reserve 1.4 kWh: cannot discharge', deliverKw: 0 });
    expect(respondStorage({ battery: b, socKwh: 5, faulted: true, quantumKw: Q }, ask(-3), 0, DT).reason).to.match(/faulted/);
  });

  it('property: SoC stays within its bounds and the battery does exactly what it committed', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -30, max: 0, noNaN: true }),
        fc.constantFrom(0.25, 1),
        (socFrac, plannedFrac, value, dt) => {
          const soc = b.minSocKwh + socFrac * (b.maxSocKwh - b.minSocKwh);
          const planned = Math.round((plannedFrac >= 0 ? plannedFrac * maxChargeKw(b, kwh(soc), hours(dt)) : plannedFrac * maxDischargeKw(b, kwh(soc), hours(dt))) / Q) * Q;
          const r = respondStorage({ battery: b, socKwh: soc, faulted: false, quantumKw: Q }, ask(value), planned, dt);
          expect(r.deliverKw).to.be.within(value - 1e-12, 0);
          const step = stepBattery(b, kwh(soc), kw(planned + r.deliverKw), hours(dt));
          expect(step.socKwh).to.be.within(b.minSocKwh - 1e-9, b.maxSocKwh + 1e-9);
          expect(step.gridKw - stepBattery(b, kwh(soc), kw(planned), hours(dt)).gridKw).to.be.closeTo(r.deliverKw, Q + 1e-9);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

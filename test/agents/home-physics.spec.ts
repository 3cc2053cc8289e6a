import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { RandomService } from '../../core/rng.ts';
import { MS_PER_HOUR, parseSimTime, type SimTime } from '../../core/time.ts';
import { celsius, hours, kw, kwh } from '../../core/units.ts';
import { allocateByPrice } from '../../agents/flexibility/allocate.ts';
import { addJob, applianceValueMwh, baselineRunKw, drawDailyJob, EMPTY_SLOT, promote, runKwNow, type ApplianceSpec } from '../../agents/home/appliances.ts';
import { clampSetpointC, COMFORT_INSET_C, comfortBlockValues, ComfortCurve, comfortCurve, Room, violationDegH, type HvacUnit } from '../../agents/physics/hvac.ts';
import { NeedList } from '../../agents/flexibility/needs.ts';
import { latestStart, stepAppliance, WAITING, type ApplianceJob } from '../../agents/physics/appliance.ts';
import { HOME_HVAC, HOME_RC, hvacToReachC, nextIndoorC, type ComfortBand } from '../../agents/physics/thermal.ts';

const at = (hhmm: string): SimTime => parseSimTime(`2026-07-01T${hhmm}:00Z`)!;
const band = (lowC: number, highC: number): ComfortBand => ({ lowC: celsius(lowC), highC: celsius(highC) });
const coolUnit: HvacUnit = { rc: HOME_RC, hvac: HOME_HVAC, mode: 'cool' };

describe('agents/physics/hvac: Room agrees with physics/thermal', () => {
  const unitArb = fc.record({
    r: fc.double({ min: 0.5, max: 5, noNaN: true }),
    c: fc.double({ min: 2, max: 40, noNaN: true }),
    rated: fc.double({ min: 0.5, max: 15, noNaN: true }),
    copH: fc.double({ min: 0, max: 5, noNaN: true }),
    copC: fc.double({ min: 0, max: 5, noNaN: true }),
    mode: fc.constantFrom('cool' as const, 'heat' as const),
  });
  it('electricToReach = hvacToReachC(…, mode).electricKw and endC = nextIndoorC, over random rooms and targets', () => {
    fc.assert(
      fc.property(
        unitArb,
        fc.double({ min: 5, max: 35, noNaN: true }),
        fc.double({ min: -15, max: 45, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 5, max: 35, noNaN: true }),
        fc.constantFrom(0.25, 0.5, 1),
        (u, indoor, outdoor, gains, target, dt) => {
          const unit: HvacUnit = { rc: { rCPerKw: u.r, cKwhPerC: u.c }, hvac: { ratedElectricKw: kw(u.rated), copHeating: u.copH, copCooling: u.copC }, mode: u.mode };
          const room = new Room(unit).step(dt);
          const cond = { indoorC: celsius(indoor), outdoorC: celsius(outdoor), gainsKw: kw(gains) };
          const ref = hvacToReachC(unit.rc, unit.hvac, cond, celsius(target), hours(dt), u.mode);
          const e = room.electricToReach(indoor, outdoor, gains, target);
          expect(e).to.be.closeTo(ref.electricKw, 1e-9 * Math.max(1, ref.electricKw));
          expect(room.endC(indoor, outdoor, gains, e)).to.be.closeTo(nextIndoorC(unit.rc, cond, ref.thermalKw, hours(dt)), 1e-9);
        },
      ),
    );
  });

  it('a step of 0 h changes nothing and asks for no power', () => {
    const room = new Room(coolUnit).step(0);
    expect(room.electricToReach(25, 35, 1, 22)).to.equal(0);
    expect(room.endC(25, 35, 1, 3)).to.equal(25);
  });
});

describe('agents/physics/hvac: the comfort curve', () => {
  it('by hand: band 20–24, S 22.4, indoor 22.5, outdoor 30, 15 min, one block', () => {
    // a = e^(−0.25/20) = 0.98758; free-floating end = 30 − 7.5·a = 22.593 (inside: keep = 0).
    // Reaching 22.4: T_ss = (22.4 − 22.5·a)/(1 − a) = 14.449; Q = (14.449 − 30)/2 = −7.775 kW thermal → 3.110 kW electric.
    // The far target 20.02 needs more than 5.6 kW: precondition = 5.6 − 3.110.
    const room = new Room(coolUnit).step(0.25);
    const c = comfortCurve(room, band(20, 24), 22.4, 22.5, 30, 0, new ComfortCurve(1));
    expect(c.keepKw).to.equal(0);
    expect(c.blocksKw[0]).to.be.closeTo(3.110020833, 1e-6);
    expect(c.setpointKw).to.be.closeTo(3.110020833, 1e-6);
    expect(c.preconditionKw).to.be.closeTo(5.6 - 3.110020833, 1e-6);
  });

  it('keep + blocks + precondition is the power to reach the far target, every piece ≥ 0 and within the rating', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 16, max: 22, noNaN: true }),
        fc.double({ min: 1, max: 8, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 10, max: 32, noNaN: true }),
        fc.double({ min: -10, max: 42, noNaN: true }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('cool' as const, 'heat' as const),
        (low, width, sFrac, indoor, outdoor, blocks, mode) => {
          const b = band(low, low + width);
          const unit: HvacUnit = { ...coolUnit, mode };
          const room = new Room(unit).step(0.25);
          const c = comfortCurve(room, b, low + sFrac * width, indoor, outdoor, 0.5, new ComfortCurve(blocks));
          const pieces = [c.keepKw, ...c.blocksKw, c.preconditionKw];
          for (const p of pieces) expect(p).to.be.at.least(0);
          const total = pieces.reduce((s, p) => s + p, 0);
          const far = mode === 'cool' ? b.lowC + COMFORT_INSET_C : b.highC - COMFORT_INSET_C;
          expect(total).to.be.closeTo(Math.max(c.setpointKw, room.electricToReach(indoor, outdoor, 0.5, far)), 1e-9);
          expect(total).to.be.at.most(HOME_HVAC.ratedElectricKw + 1e-12);
        },
      ),
    );
  });

  it('serving the keep power from inside the band ends inside the band when the unit can hold the edge', () => {
    fc.assert(
      fc.property(fc.double({ min: 20, max: 24, noNaN: true }), fc.double({ min: 24, max: 38, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }), (indoor, outdoor, gains) => {
        // Holding 24 °C against 38 °C and 3 kW of gains takes (38 − 24)/2 + 3 = 10 kW thermal < 14 kW.
        const room = new Room(coolUnit).step(0.25);
        const c = comfortCurve(room, band(20, 24), 22, indoor, outdoor, gains, new ComfortCurve(3));
        const end = room.endC(indoor, outdoor, gains, c.keepKw);
        expect(end).to.be.at.most(24);
      }),
    );
  });

  it('block values fall from the edge towards the setpoint; setpoints are kept inside the band', () => {
    expect(comfortBlockValues(40, 600, 3)).to.deep.equal([600 - 560 / 6, 600 - 560 / 2, 600 - (560 * 5) / 6]);
    expect(clampSetpointC(band(20, 24), 30)).to.equal(24 - COMFORT_INSET_C);
    expect(clampSetpointC(band(20, 24), 10)).to.equal(20 + COMFORT_INSET_C);
  });

  it('violation degree-hours: trapezoid of the two ends, 0 inside the band', () => {
    expect(violationDegH(band(20, 24), 21, 23.9, 0.25)).to.equal(0);
    expect(violationDegH(band(20, 24), 24, 25, 0.25)).to.equal(0.125);
    expect(violationDegH(band(20, 24), 19, 18, 0.5)).to.equal(0.75);
  });
});

describe('agents/home/appliances: daily jobs', () => {
  const spec: ApplianceSpec = { energyKwh: 1.5, powerKw: 2, earliestStartHour: { min: 19, max: 22 }, windowHours: { min: 0.5, max: 10 }, valueMwh: { min: 20, max: 300 } };
  const step = 15 * 60_000;

  it('earliest start on the interval grid, deadline at least one run after it, two draws per job', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const rng = new RandomService(seed).stream('h', 'appliance-days');
        const job = drawDailyJob(spec, rng, at('00:00'), at('00:00'), step, SiteZone.fixed(0));
        expect((job.earliestStart - at('00:00')) % step).to.equal(0);
        expect(job.earliestStart).to.be.within(at('19:00'), at('22:00'));
        expect(job.deadline - job.earliestStart).to.be.at.least(0.75 * MS_PER_HOUR - 1e-6);
        expect(latestStart(job)).to.be.at.least(job.earliestStart);
        const twin = new RandomService(seed).stream('h', 'appliance-days');
        twin.next();
        twin.next();
        expect(rng.next()).to.equal(twin.next());
      }),
    );
  });

  const job: ApplianceJob = { energyKwh: kwh(1.5), powerKw: kw(2), earliestStart: at('19:00'), deadline: at('23:00') };

  it('runs only inside its window; value rises as the slack shrinks, the cap at the latest start', () => {
    expect(runKwNow(job, WAITING, at('18:45'), 0.25)).to.equal(0);
    expect(runKwNow(job, WAITING, at('19:00'), 0.25)).to.equal(2);
    // latest start 22:15; slack at the earliest start 3.25 h.
    expect(applianceValueMwh(job, WAITING, at('19:00'), 0.25, 3000, 20, 300)).to.equal(20);
    expect(applianceValueMwh(job, WAITING, at('20:45'), 0.25, 3000, 20, 300)).to.be.closeTo(300 - 280 * (1.5 / 3.25), 1e-9);
    expect(applianceValueMwh(job, WAITING, at('22:00'), 0.25, 3000, 20, 300)).to.be.closeTo(300 - 280 * (0.25 / 3.25), 1e-9);
    expect(applianceValueMwh(job, WAITING, at('22:15'), 0.25, 3000, 20, 300)).to.equal(3000);
    const running = stepAppliance(job, WAITING, at('20:00'), true, hours(0.25)).state;
    expect(applianceValueMwh(job, running, at('20:15'), 0.25, 3000, 20, 300)).to.equal(3000);
    // The last quarter-hour of a 45-minute run draws 2 kW; after it, nothing.
    expect(runKwNow(job, { phase: 'running', doneKwh: kwh(1.0), startedAt: at('20:00') }, at('20:30'), 0.25)).to.equal(2);
  });

  it('baseline: started at its earliest start, the run spread over the intervals it overlaps', () => {
    expect(baselineRunKw(job, at('18:45'), 0.25)).to.equal(0);
    expect(baselineRunKw(job, at('19:00'), 0.25)).to.equal(2);
    expect(baselineRunKw(job, at('19:30'), 0.25)).to.equal(2);
    expect(baselineRunKw(job, at('19:45'), 0.25)).to.equal(0);
    const odd: ApplianceJob = { ...job, energyKwh: kwh(1.25) }; // 37.5 min
    expect(baselineRunKw(odd, at('19:30'), 0.25)).to.be.closeTo(1, 1e-12);
  });

  it('slots: a day job waits behind a running one; a second unstarted one displaces it as missed', () => {
    const j2: ApplianceJob = { ...job, earliestStart: at('21:00') };
    const j3: ApplianceJob = { ...job, earliestStart: at('22:00') };
    let r = addJob(EMPTY_SLOT, job);
    expect(r.slot.job).to.equal(job);
    const running = { ...r.slot, state: stepAppliance(job, WAITING, at('20:00'), true, hours(0.25)).state };
    r = addJob(running, j2);
    expect(r.slot.next).to.equal(j2);
    expect(r.missedKwh).to.equal(0);
    r = addJob(r.slot, j3);
    expect(r.slot.next).to.equal(j3);
    expect(r.missedKwh).to.equal(1.5);
    expect(promote(r.slot)).to.equal(r.slot); // still running
    const done = { ...r.slot, state: { phase: 'done' as const, finishedAt: at('20:45') } };
    expect(promote(done)).to.deep.equal({ job: j3, state: WAITING, next: undefined });
  });
});

describe('agents/flexibility/allocate: the award split by bid price', () => {
  const split = (prices: number[], kws: number[], ind: number[], bought: number, quantum = 0.001): { out: number[]; left: number } => {
    const out = new Float64Array(prices.length);
    const left = allocateByPrice(prices, kws, ind, prices.length, bought, new Int32Array(prices.length), out, quantum);
    return { out: [...out], left };
  };

  it('by hand: highest price first, partial at the margin', () => {
    expect(split([3000, 100, 200], [1, 2, 3], [0, 0, 0], 5)).to.deep.equal({ out: [1, 1, 3], left: 0 });
    expect(split([3000, 100, 200], [1, 2, 3], [0, 0, 0], 7)).to.deep.equal({ out: [1, 2, 3], left: 1 });
  });

  it('an indivisible need gets all or nothing; what it leaves goes on down', () => {
    expect(split([3000, 200, 100], [1, 2, 3], [0, 1, 0], 2.5)).to.deep.equal({ out: [1, 0, 1.5], left: 0 });
  });

  it('segments rounded by the market count as fully awarded', () => {
    // Bids of 0.1736, 0.0194 and 0.0194 kW are awarded 0.174 + 0.019 + 0.019 = 0.212 kW.
    const r = split([3000, 200, 100], [0.1736, 0.0194, 0.0194], [0, 0, 0], 0.212);
    expect(r.out).to.deep.equal([0.1736, 0.0194, 0.0194]);
  });

  it('property: never more than bought (up to rounding), and every need ≤ its kW', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -500, max: 3000, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 20 }), fc.double({ min: 0, max: 50, noNaN: true }), (needs, bought) => {
        const r = split(needs.map((n) => n[0]), needs.map((n) => n[1]), needs.map((n) => (n[2] ? 1 : 0)), bought, 0);
        const total = r.out.reduce((s, x) => s + x, 0);
        expect(total + r.left).to.be.closeTo(bought, 1e-9 * Math.max(1, bought));
        r.out.forEach((x, i) => expect(x).to.be.within(0, needs[i]![1] + 1e-12));
      }),
    );
  });

  it('NeedList: sorted by value (stable), bid prices read when the curve matches, values otherwise', () => {
    const list = new NeedList<'a' | 'b'>(['a', 'b'], 8);
    list.push(0, 1, 100, true);
    list.push(1, 2, 300, true);
    list.push(0, 0, 999, true); // 0 kW: left out
    list.push(1, 3, 100, false);
    list.sortByValue();
    const v = list.demandView();
    expect(v.demand).to.deep.equal([{ kw: 2, valueMwh: 300 }, { kw: 1, valueMwh: 100 }, { kw: 3, valueMwh: 100 }]);
    expect(v.needs).to.deep.equal(['b', 'a', 'b']);
    expect(Object.isFrozen(v.demand)).to.equal(true);
    expect(list.takeBidPrices([{ side: 'buy', priceMwh: 50, quantityKw: 2 }, { side: 'sell', priceMwh: 0, quantityKw: 9 }, { side: 'buy', priceMwh: 60, quantityKw: 1 }, { side: 'buy', priceMwh: 70, quantityKw: 3 }])).to.equal(true);
    expect([0, 1, 2].map((i) => list.priceMwh(i))).to.deep.equal([50, 60, 70]);
    expect(list.takeBidPrices([{ side: 'buy', priceMwh: 50, quantityKw: 6 }])).to.equal(false);
    expect([0, 1, 2].map((i) => list.priceMwh(i))).to.deep.equal([300, 100, 100]);
  });
});

/**
 * Pre-positioning V2G cars before a forecast import overload (`prePosition: { cars: true }`,
 * agents/ev/setpoint.ts): the operator sends the V2G-capable cars behind the branch a
 * CHARGE_STATE_SETPOINT planned on their charge points' ratings; each car answers from its own
 * session (plugged in? leaving before the event's end? what its departure needs?) and, having
 * opted in, charges to its commitment through its bids, then discharges on the operator's command.
 *
 * By hand on one car behind a one-branch feeder, interval by interval, with the real operator and
 * the car's real functions (the ones its runtime calls: `answerEvSetpoint`, `steerEvLimits`,
 * `evLimits`, `followEvSchedule` with no schedule — its must-charge at the price cap —,
 * `respondEv`, `applyEvAward`); the market clears bids at the cap whole. The runtime wiring is
 * covered end to end by evPrePositionScenario.spec.ts. Each case also runs with the cars off.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { feederHeadTopology } from '../helpers/feederHead.ts';
import { agentEnv, marketAt } from '../helpers/agentMarket.ts';
import { MS_PER_HOUR, parseSimTime } from '../../core/time.ts';
import { type ClockSpec, intervalAt, type MarketInterval } from '../../core/clock.ts';
import { agentId, kw } from '../../core/units.ts';
import { batteryFromFractions } from '../../agents/physics/battery.ts';
import { departureFeasibleSocKwh, evCharging } from '../../agents/physics/ev.ts';
import { applyEvAward, type EvCar, evLimits } from '../../agents/ev/session.ts';
import { respondEv } from '../../agents/ev/respond.ts';
import { answerEvSetpoint, eventFloorKwh, steerEvLimits } from '../../agents/ev/setpoint.ts';
import { followEvSchedule } from '../../agents/ev/runtime.ts';
import { type ChargeStateSetpoint, setpointOf } from '../../agents/chargeStateSetpoint.ts';
import { coveredFraction, shareOf } from '../../agents/operations/prePosition.ts';
import { type CommandRecord, Operator, operatorSchema } from '../../agents/operations/operator.ts';
import type { CommandResponder, OperatorCommand } from '../../agents/types.ts';
import { storageKind } from '../../agents/storage/index.ts';
import type { StorageRuntime } from '../../agents/storage/runtime.ts';
import { storageGroupSchema } from '../../agents/storage/schema.ts';

const START = parseSimTime('2026-01-14T00:00:00Z')!;
const DAY = 96;
const CLOCK: ClockSpec = { start: START, intervalMinutes: 15, intervals: 3 * DAY, gateClosureMinutes: 5 };
const DT = 0.25;
const LIMIT = 100; // kW; the operator aims at 98 (2 % headroom)
const at = (day: number, h: number): number => START + (day * 24 + h) * MS_PER_HOUR;
const indexAt = (t: number): number => Math.round((t - START) / (DT * MS_PER_HOUR));

/** A 40 kWh car, reserve 8 kWh (20 %), departure target 36 (90 %), 10 kW charger and V2G inverter, η = 1: every number by hand. */
function carOf(v2gCapable = true, eta = 1, chargerKw = 10, capacityKwh = 40): EvCar {
  const battery = batteryFromFractions({ capacityKwh, minSocFraction: 0.2, maxSocFraction: 0.9, maxChargeKw: chargerKw, maxDischargeKw: v2gCapable ? chargerKw : 0, chargeEfficiency: eta, dischargeEfficiency: eta, degradationCostPerMwh: 0 });
  return { battery, charging: evCharging(battery, kw(chargerKw), battery.maxSocKwh), chargerKw, v2gCapable };
}

/**
 * One car plugged in from `arrival` until `departure` (UTC = local here), as its runtime runs it:
 * it answers commands from its state, bids its must-charge (its departure's, and a setpoint's
 * before the event) at the cap, and applies what it was awarded and commanded.
 */
class HandCar implements CommandResponder {
  soc: number;
  setpoint: ChargeStateSetpoint | undefined;
  constructor(
    readonly car: EvCar,
    socKwh: number,
    readonly arrival: number,
    readonly departure: number,
  ) {
    this.soc = socKwh;
  }
  plugged(t: number): boolean {
    return t >= this.arrival && t < this.departure;
  }
  private state(t: number) {
    return { car: this.car, plugged: this.plugged(t), inMarket: this.plugged(t), faulted: false, socKwh: this.soc, departure: this.departure, zone: SiteZone.fixed(0), quantumKw: 0.001 };
  }
  respond(command: OperatorCommand, plannedNetKw: number, interval: MarketInterval) {
    if (command.type === 'CHARGE_STATE_SETPOINT') return answerEvSetpoint(this.state(interval.start), command, interval);
    return respondEv(this.state(interval.start), command, plannedNetKw, interval.start, interval.durationH);
  }
  accept(command: OperatorCommand, response: { socKwh?: number }) {
    this.setpoint = setpointOf(command, response.socKwh!);
  }
  /** The kW it buys at the cap this interval (what clears). */
  bidKw(interval: MarketInterval): number {
    if (!this.plugged(interval.start)) return 0;
    const l = { ...evLimits(this.car, this.soc, (this.departure - interval.start) / MS_PER_HOUR, DT) };
    if (this.setpoint && interval.start < this.setpoint.endMs) steerEvLimits(this.setpoint, this.car, this.soc, interval.start, DT, 0.001, l);
    const segs = followEvSchedule(0, l, marketAt(ENV, interval));
    return segs.reduce((s, x) => s + (x.side === 'buy' ? x.quantityKw : -x.quantityKw), 0);
  }
  settle(interval: MarketInterval, netKw: number): number {
    if (!this.plugged(interval.start)) return 0;
    const step = applyEvAward(this.car, this.soc, netKw, (this.departure - interval.start) / MS_PER_HOUR, DT);
    this.soc = step.socKwh;
    return step.appliedKw;
  }
}

const ENV = agentEnv(START, 1, CLOCK.intervals, { temperature: 'mild', sky: 'clear' });

interface Trace {
  /** SoC at the end of each interval, from `from`. */
  readonly soc: number[];
  readonly setpoints: CommandRecord[];
  readonly commands: CommandRecord[];
  /** Per interval, the flow left over the limit after the dispatch, kW. */
  readonly overKw: number[];
}

/**
 * Yesterday the street drew `baseKw`, and `peakKw` from 18:00 to 19:00: the look-ahead forecasts the same today.
 * Today, from 17:00 until 07:00 the next morning, the same flows happen, plus the cars' (and a battery's) trades.
 */
function runEvening(cars: readonly HandCar[], cfg: Record<string, unknown>, baseKw = 80, peakKw = 108, battery?: StorageRuntime): Trace {
  const op = new Operator(operatorSchema.parse({ id: 'dso', lookaheadIntervals: 8, v2g: true, ...cfg }), CLOCK.intervals, DAY);
  const topology = feederHeadTopology(LIMIT);
  const flowAt = (t: number): number => {
    const h = ((t % DAY) * DT) % 24;
    return h >= 18 && h < 19 ? peakKw : baseKw;
  };
  for (let t = 0; t < DAY; t++) op.recordMetered(t, [{ id: 'head', flowKw: flowAt(t) }]);
  const parties = cars.map((c, i) => ({ id: agentId(`ev-${i + 1}`), busIndex: 1, responder: c, canCharge: true, car: c.car.battery, reachable: () => true }));
  const all = battery ? [...parties, { id: agentId(battery.id), busIndex: 1, responder: battery.responder, canCharge: true, storage: battery.storageRating!, reachable: () => true }] : parties;
  const trace: Trace = { soc: [], setpoints: [], commands: [], overKw: [] };
  for (let t = indexAt(at(1, 17)); t < indexAt(at(2, 7)); t++) {
    const interval = intervalAt(CLOCK, t);
    const net = Float64Array.from(cars.map((c) => c.bidKw(interval)));
    const batteryNet = battery ? battery.bid(interval, marketAt(ENV, interval)).reduce((s, x) => s + (x.priceMwh >= 3000 && x.side === 'buy' ? x.quantityKw : x.priceMwh <= -500 && x.side === 'sell' ? -x.quantityKw : 0), 0) : 0;
    const nets = battery ? Float64Array.of(...net, batteryNet) : net;
    const load = flowAt(t) + nets.reduce((s, x) => s + x, 0);
    const out = op.dispatch(interval, topology, ['head'], all, nets, Float64Array.of(load, -load));
    trace.setpoints.push(...out.setpoints);
    trace.commands.push(...out.commands);
    let after = flowAt(t);
    cars.forEach((c, i) => (after += c.settle(interval, nets[i]!)));
    if (battery) {
      const b = nets[cars.length]!;
      battery.settle({ interval, buyKw: Math.max(0, b), sellKw: Math.max(0, -b), priceMwh: 90, bidAccepted: true });
      after += b;
    }
    trace.overKw.push(Math.max(0, after - LIMIT));
    op.recordMetered(t, [{ id: 'head', flowKw: after }]);
    trace.soc.push(cars[0]!.soc);
  }
  return trace;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000 + 0;
/** Intervals from 17:00: 18:00 is the 5th (index 4), 19:00 the 9th. */
const I18 = 4;

describe('operations: pre-positioning V2G cars before a forecast import overload (prePosition.cars)', () => {
  it("the car's answer by hand: a floor above what its departure needs after the event, charged to by the start; opt-outs with their reasons", () => {
    const car = carOf();
    const iv = intervalAt(CLOCK, indexAt(at(1, 17)));
    const cmd = { value: 18, socBound: 'at-least' as const, intervalStart: at(1, 18), durationMinutes: 60 };
    const s = { car, plugged: true, faulted: false, socKwh: 16, departure: at(2, 7), zone: SiteZone.fixed(0) };
    // 12 h from 19:00 to 07:00 at 10 kW fill 120 kWh: its departure needs nothing kept back, the floor is the reserve, 8.
    expect(eventFloorKwh(car, at(2, 7), at(1, 19))).to.equal(8);
    // Asked 18 − 8 = 10 kWh above the reserve: 8 + 10 = 18; from 16 it charges 2 kWh in the 45 min left (7.5 kWh possible).
    expect(answerEvSetpoint(s, cmd, iv)).to.deep.equal({ optIn: true, reason: 'charges from SoC 16.00 to 18.00 kWh before the event; can give 10.00 kWh over it, keeping 8.00 kWh for its departure at 07:00', deliverKw: 0, socKwh: 18, shiftKwh: 2, floorKwh: 8 });
    // Leaving at 21:00 (2 h after the event) with a 36 kWh target: 36 − 10 × 2 = 16 kept back → aims at 16 + 10 = 26, reaches 16 + 7.5 = 23.5.
    const early = answerEvSetpoint({ ...s, departure: at(1, 21) }, cmd, iv);
    expect([early.optIn, early.socKwh, early.floorKwh, early.shiftKwh]).to.deep.equal([true, 23.5, 16, 7.5]);
    expect(early.reason).to.equal('charges from SoC 16.00 to 23.50 kWh before the event; can give 7.50 kWh over it, keeping 16.00 kWh for its departure at 21:00; no more: 10.00 kW for the 0.75 h left');
    // The operator counts 7.5 of the 10 kWh it asked: 3/4 of the share.
    expect(coveredFraction(shareOf(Float64Array.of(10, 10, 10, 10), 1, car.battery, false, DT), car.battery, 23.5, 16)).to.equal(0.75);
    // Opt-outs.
    expect(answerEvSetpoint({ ...s, departure: at(1, 18.5) }, cmd, iv).reason).to.equal('leaves at 18:30, before the event ends at 19:00');
    expect(answerEvSetpoint({ ...s, plugged: false }, cmd, iv).reason).to.equal('not plugged in');
    expect(answerEvSetpoint({ ...s, car: carOf(false) }, cmd, iv).reason).to.equal('not V2G-capable: no inverter to discharge over the event');
    expect(answerEvSetpoint({ ...s, faulted: true }, cmd, iv).reason).to.equal('charge point faulted: out of service');
    // Leaving at 20:00 from 16 kWh: 36 − 10 = 26 kept back; 16 + 7.5 = 23.5 reachable: nothing to spare.
    expect(answerEvSetpoint({ ...s, departure: at(1, 20) }, cmd, iv)).to.deep.equal({
      optIn: false,
      reason: 'departure need: it needs 20.00 kWh more by 20:00, so keeps SoC at or above 26.00 kWh through the event and can reach only 23.50 kWh by its start: nothing to spare',
      deliverKw: 0,
    });
    expect(answerEvSetpoint(s, { ...cmd, socBound: 'at-most' }, iv).optIn).to.equal(false);
    expect(answerEvSetpoint(s, { ...cmd, value: 40 }, iv).reason).to.equal('SoC at least 40.00 kWh lies outside its bounds [8.00, 36.00] kWh');
  });

  it('by hand: a car plugged 17:00–07:00 needing 20 kWh, an import overload 18:00–19:00 → at least 18 kWh, charged by 18:00, 10 kW discharged on command, 36 kWh at departure', () => {
    // Yesterday the head carried 80 kW, and 108 from 18:00 to 19:00 (10 over the 98 target). At 17:00 the look-ahead sees it
    // 4 intervals ahead (lead 4). Share at PTDF 1: min(10 kW charger, 10) × 4 × 0.25 = 10 kWh → 8 + 10 = 18 kWh.
    // Headroom before it: (98 − 80) × 3 × 0.25 = 13.5 kWh ≥ the 10 kWh its worst case would buy: not scaled down.
    const on = runEvening([new HandCar(carOf(), 16, at(1, 17), at(2, 7))], { prePosition: { leadIntervals: 4, cars: true } });
    expect(on.setpoints.map((s) => [s.command.type, s.command.socBound, r3(s.command.value), s.response, s.socKwh, s.shiftKwh, s.floorKwh])).to.deep.equal([['CHARGE_STATE_SETPOINT', 'at-least', 18, 'opt-in', 18, 2, 8]]);
    expect([on.setpoints[0]!.command.notifiedAt, on.setpoints[0]!.command.intervalStart, on.setpoints[0]!.command.durationMinutes]).to.deep.equal([at(1, 17), at(1, 18), 60]);
    // 17:00 idle (the setpoint arrives after it cleared); 17:15, 17:30, 17:45: 2/0.75 = 2.667 kW (rounded up to the watt) → 18.
    // 18:00–19:00: 10 kW V2G on command, 2.5 kWh each, down to its reserve 8. Then it waits until it must charge.
    expect(on.soc.slice(0, 9).map(r3)).to.deep.equal([16, 16.667, 17.334, 18, 15.5, 13, 10.5, 8, 8]);
    expect(on.commands.filter((c) => c.response === 'opt-in').map((c) => r3(c.deliverKw))).to.deep.equal([-10, -10, -10, -10]);
    expect(on.overKw.slice(I18, I18 + 4)).to.deep.equal([0, 0, 0, 0]);
    // Its departure need is met: 36 kWh at 07:00 (its must-charge, bought at the cap, from 04:12 on).
    expect(r3(on.soc.at(-1)!)).to.equal(36);
    // Cars off: it holds 16, gives 10 kW three times (16 → 8.5) and 2 kW in the last (0.5 kWh above its reserve): 6 kW over the limit.
    const off = runEvening([new HandCar(carOf(), 16, at(1, 17), at(2, 7))], { prePosition: { leadIntervals: 4 } });
    expect(off.setpoints).to.deep.equal([]);
    expect(off.soc.slice(0, 9).map(r3)).to.deep.equal([16, 16, 16, 16, 13.5, 11, 8.5, 8, 8]);
    expect(off.overKw.slice(I18, I18 + 4).map(r3)).to.deep.equal([0, 0, 0, 6]);
    expect(r3(off.soc.at(-1)!)).to.equal(36);
  });

  it('by hand: a car away when the event is prepared (17:00) is asked again once it plugs in (17:30) and charges in the interval left: 6.5 kWh to give over the event instead of 4', () => {
    // Yesterday 60 kW, and 108 from 18:00 to 19:00 (10 over the 98 target). At 17:00 the car is away: it declines, and the
    // event stays pending for it. At 17:15 it is still away: not asked again in the record (nothing sent). At 17:30 it is
    // plugged in at 12 kWh and two intervals remain: the headroom left before the event is 17:45's, (98 − 60) × 0.25 =
    // 9.5 kWh, so its share is 8 + min(10, 9.5) = 17.5 kWh; its charger reaches 12 + 10 × 0.25 = 14.5 kWh by 18:00 (17:45
    // only: the setpoint arrives after 17:30 cleared), which it commits to, floor 8 (its departure at 07:00 is far).
    const car = () => new HandCar(carOf(), 12, at(1, 17.5), at(2, 7));
    const on = runEvening([car()], { prePosition: { leadIntervals: 4, cars: true } }, 60);
    expect(on.setpoints.map((s) => [new Date(s.command.notifiedAt).toISOString().slice(11, 16), r3(s.command.value), s.response, s.reason, s.socKwh])).to.deep.equal([
      ['17:00', 18, 'opt-out', 'not plugged in', undefined],
      ['17:30', 17.5, 'opt-in', 'charges from SoC 12.00 to 14.50 kWh before the event; can give 6.50 kWh over it, keeping 8.00 kWh for its departure at 07:00; no more: 10.00 kW for the 0.25 h left', 14.5],
    ]);
    // One car, one event: the answer at 17:30 revises the setpoint of 17:00 under its event id (the grid room counts it once).
    expect(on.setpoints.map((s) => [s.command.eventId, s.away, s.reAsked])).to.deep.equal([
      [on.setpoints[0]!.command.eventId, true, undefined],
      [on.setpoints[0]!.command.eventId, undefined, true],
    ]);
    // SoC from 17:00: away 12, 12, then 12 (17:30 cleared before), 14.5 by 18:00; 10 kW on command: 12, 9.5, then 1.5 kWh (6 kW), 8.
    // Over the 100 kW limit: 108 − 10, 108 − 10, 108 − 6 = 2, 108 − 0 = 8.
    expect(on.soc.slice(0, 9).map(r3)).to.deep.equal([12, 12, 12, 14.5, 12, 9.5, 8, 8, 8]);
    expect(on.overKw.slice(I18, I18 + 4).map(r3)).to.deep.equal([0, 0, 2, 8]);
    // Asked only at preparation (before this change: it was never asked again), or with cars off: 4 kWh over the event.
    const off = runEvening([car()], { prePosition: { leadIntervals: 4 } }, 60);
    expect(off.soc.slice(0, 9).map(r3)).to.deep.equal([12, 12, 12, 12, 9.5, 8, 8, 8, 8]);
    expect(off.overKw.slice(I18, I18 + 4).map(r3)).to.deep.equal([0, 2, 8, 8]);
  });

  it('a car away when the event is prepared whose site then stops taking commands (its energy manager crashed: the grid room gives it no responder) is not sent the setpoint when it plugs in, as it would not be a candidate at preparation', () => {
    // Yesterday 60 kW, 108 from 18:00 to 19:00; at 17:00 the car is away (asked, declines, pending), from 17:15 it takes
    // no commands (engine: crashes.isolated), at 17:30 it plugs in. Before: at 17:15 it was sent a setpoint, logged
    // opt-out 'this agent takes no operator commands' and counted in prePosition.responses.
    const op = new Operator(operatorSchema.parse({ id: 'dso', lookaheadIntervals: 8, v2g: true, prePosition: { leadIntervals: 4, cars: true } }), CLOCK.intervals, DAY);
    const topology = feederHeadTopology(LIMIT);
    const flowAt = (t: number): number => (((t % DAY) * DT) % 24 >= 18 && ((t % DAY) * DT) % 24 < 19 ? 108 : 60);
    for (let t = 0; t < DAY; t++) op.recordMetered(t, [{ id: 'head', flowKw: flowAt(t) }]);
    const car = new HandCar(carOf(), 12, at(1, 17.5), at(2, 7));
    const party: { id: ReturnType<typeof agentId>; busIndex: number; responder: CommandResponder | undefined; canCharge: true; car: EvCar['battery']; reachable: () => boolean } = { id: agentId('ev-1'), busIndex: 1, responder: car, canCharge: true, car: car.car.battery, reachable: () => true };
    const setpoints: CommandRecord[] = [];
    for (let t = indexAt(at(1, 17)); t < indexAt(at(1, 18)); t++) {
      if (t > indexAt(at(1, 17))) party.responder = undefined;
      const interval = intervalAt(CLOCK, t);
      const out = op.dispatch(interval, topology, ['head'], [party], Float64Array.of(0), Float64Array.of(flowAt(t), -flowAt(t)));
      setpoints.push(...out.setpoints);
      op.recordMetered(t, [{ id: 'head', flowKw: flowAt(t) }]);
    }
    expect(setpoints.map((s) => [new Date(s.command.notifiedAt).toISOString().slice(11, 16), s.response, s.reason])).to.deep.equal([['17:00', 'opt-out', 'not plugged in']]);
  });

  it('a car still away is asked without touching its link: reachable() (the comms-loss draw, agents/operations/gridRoom.ts comms) only for the commands sent, at preparation and once it plugs in (holds)', () => {
    const op = new Operator(operatorSchema.parse({ id: 'dso', lookaheadIntervals: 8, v2g: true, prePosition: { leadIntervals: 4, cars: true } }), CLOCK.intervals, DAY);
    const topology = feederHeadTopology(LIMIT);
    const flowAt = (t: number): number => (((t % DAY) * DT) % 24 >= 18 && ((t % DAY) * DT) % 24 < 19 ? 108 : 60);
    for (let t = 0; t < DAY; t++) op.recordMetered(t, [{ id: 'head', flowKw: flowAt(t) }]);
    const car = new HandCar(carOf(), 12, at(1, 17.5), at(2, 7));
    const draws: string[] = [];
    let now = '';
    const party = { id: agentId('ev-1'), busIndex: 1, responder: car, canCharge: true as const, car: car.car.battery, reachable: () => (draws.push(now), true) };
    for (let t = indexAt(at(1, 17)); t < indexAt(at(1, 17.75)); t++) {
      const interval = intervalAt(CLOCK, t);
      now = new Date(interval.start).toISOString().slice(11, 16);
      op.dispatch(interval, topology, ['head'], [party], Float64Array.of(0), Float64Array.of(flowAt(t), -flowAt(t)));
      op.recordMetered(t, [{ id: 'head', flowKw: flowAt(t) }]);
    }
    // 17:00 the setpoint it declines (away); 17:15 still away: polled, no draw; 17:30 plugged in: the setpoint it takes.
    expect(draws).to.deep.equal(['17:00', '17:30']);
  });

  it('property: a car arriving at a random time with a random SoC is asked at most once after it plugs in, only with two intervals left, commits once, and is never worse for the branch than with cars off', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.double({ min: 8, max: 30, noNaN: true }), fc.integer({ min: 40, max: 95 }), (quarters, soc, baseKw) => {
        const car = () => new HandCar(carOf(), soc, at(1, 17 + quarters / 4), at(2, 7));
        const on = runEvening([car()], { prePosition: { leadIntervals: 4, cars: true } }, baseKw);
        const off = runEvening([car()], { prePosition: { leadIntervals: 4 } }, baseKw);
        const intervalMs = DT * MS_PER_HOUR;
        for (const sp of on.setpoints) expect(sp.command.intervalStart - sp.command.notifiedAt).to.be.at.least(2 * intervalMs);
        expect(on.setpoints.filter((sp) => sp.response === 'opt-in').length).to.be.at.most(1);
        // Logged: the first ask, and the one answer after it plugged in, at most.
        expect(on.setpoints.length).to.be.at.most(2);
        if (on.setpoints.length === 2) expect(on.setpoints[0]!.reason).to.equal('not plugged in');
        // Before the event the pre-charge stays within the headroom; over it the branch is never worse off.
        for (let k = 0; k < I18; k++) expect(on.overKw[k]!, `before, interval ${k}`).to.be.at.most(off.overKw[k]! + 1e-9);
        const over = (t: Trace) => t.overKw.slice(I18, I18 + 4).reduce((a, b) => a + b, 0);
        expect(over(on)).to.be.at.most(over(off) + 1e-9);
        for (const x of on.soc) expect(x).to.be.within(8 - 1e-9, 36 + 1e-9);
      }),
      { numRuns: 60, seed: 41 },
    );
  });

  it("an opt-out: a car leaving at 18:30 declines (it would not be there) and the operator's share passes whole to the battery after it", () => {
    const leaving = new HandCar(carOf(), 16, at(1, 17), at(1, 18.5));
    const env = agentEnv(START, 1, CLOCK.intervals, { temperature: 'mild', sky: 'clear' });
    const bat = () => storageKind.create(storageGroupSchema.parse({ kind: 'storage', idPrefix: 'bat', capacityKwh: 20, minSocFraction: 0.1, maxSocFraction: 1, maxChargeKw: 10, maxDischargeKw: 10, chargeEfficiency: 1, dischargeEfficiency: 1, degradationCostPerMwh: 0, initialSocFraction: 0.1 }), env)[0] as StorageRuntime;
    const on = runEvening([leaving], { prePosition: { leadIntervals: 4, cars: true } }, 80, 108, bat());
    // The car first (scenario order, same PTDF), then the battery: the battery is given the whole 10 kWh (2 + 10 = 12 kWh).
    expect(on.setpoints.map((s) => [s.command.target, r3(s.command.value), s.response, s.reason])).to.deep.equal([
      ['ev-1', 18, 'opt-out', 'leaves at 18:30, before the event ends at 19:00'],
      ['bat-1', 12, 'opt-in', 'charges from SoC 2.00 to 9.50 kWh before the event and holds at least that until its end; no more: charging at its inverter limit 10.00 kW for the 0.75 h left'],
    ]);
    // The car is untouched by the setpoint: it charges flat out for its 18:30 departure (16 + 2.5 per interval), as with cars off.
    const off = runEvening([new HandCar(carOf(), 16, at(1, 17), at(1, 18.5))], { prePosition: { leadIntervals: 4 } }, 80, 108, bat());
    expect(on.soc.map(r3)).to.deep.equal(off.soc.map(r3));
    expect(on.soc.slice(0, 4).map(r3)).to.deep.equal([18.5, 21, 23.5, 26]);
    // Had the operator counted on the car, the battery would have been sent nothing (the car's share covers the whole excess).
    expect(coveredFraction(shareOf(Float64Array.of(10, 10, 10, 10), 1, carOf().battery, false, DT), carOf().battery, 18, 8)).to.equal(1);
  });

  it('property: a car under a random setpoint and random V2G commands keeps its SoC in bounds, balances its energy every interval, and meets its departure need whenever that was reachable without the setpoint', () => {
    let optIns = 0;
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 36, noNaN: true }), // SoC at 17:00
        fc.double({ min: 0.5, max: 14, noNaN: true }), // hours from 17:00 to departure
        fc.integer({ min: 2, max: 12 }), // event start, intervals after 17:00
        fc.integer({ min: 1, max: 8 }), // event length, intervals
        fc.double({ min: 8, max: 36, noNaN: true }), // setpoint
        fc.double({ min: 0, max: 15, noNaN: true }), // V2G asked each interval of the event, kW
        fc.double({ min: 0.85, max: 1, noNaN: true }), // η
        fc.constantFrom(3.7, 7.4, 11),
        (soc0, stayH, k0, len, value, askKw, eta, chargerKw) => {
          const car = carOf(true, eta, chargerKw);
          const b = car.battery;
          const soc = Math.max(b.minSocKwh, Math.min(b.maxSocKwh, soc0));
          const departure = at(1, 17) + Math.round(stayH * 4) * DT * MS_PER_HOUR;
          const c = new HandCar(car, soc, at(1, 17), departure);
          const first = intervalAt(CLOCK, indexAt(at(1, 17)));
          const command: OperatorCommand = { eventId: 'e', program: 'p', issuer: 'dso', target: agentId('ev-1'), type: 'CHARGE_STATE_SETPOINT', notifiedAt: first.start, intervalStart: first.start + k0 * DT * MS_PER_HOUR, durationMinutes: len * 15, value, socBound: 'at-least' };
          const r = c.respond(command, 0, first);
          if (r.optIn) {
            optIns++;
            c.accept(command, r);
            expect(r.floorKwh).to.be.at.least(b.minSocKwh);
            expect(departure).to.be.at.least(command.intervalStart + len * 15 * 60_000);
          }
          const reachableWithout = soc >= departureFeasibleSocKwh(car.charging, (departure - at(1, 17)) / MS_PER_HOUR as never) - 1e-9;
          for (let t = indexAt(at(1, 17)); at(1, 17) + (t - indexAt(at(1, 17))) * DT * MS_PER_HOUR < departure; t++) {
            const interval = intervalAt(CLOCK, t);
            let net = c.bidKw(interval);
            if (interval.start === command.intervalStart && r.optIn) expect(c.soc).to.be.at.least(r.socKwh! - 1e-6); // held at the start
            const inEvent = interval.start >= command.intervalStart && interval.start < command.intervalStart + len * 15 * 60_000;
            if (inEvent && askKw > 0) {
              const answer = c.respond({ ...command, type: 'DISPATCH_SETPOINT', value: -askKw, intervalStart: interval.start, durationMinutes: 15 }, net, interval);
              if (answer.optIn) net += answer.deliverKw;
            }
            const before = c.soc;
            const applied = c.settle(interval, net);
            const h = Math.min(DT, (departure - interval.start) / MS_PER_HOUR);
            expect(c.soc).to.be.within(b.minSocKwh - 1e-9, b.maxSocKwh + 1e-9);
            // Energy balance: the cells move η_c × what it drew, or what it fed in / η_d (interval averages over the plugged hours).
            const p = (applied * DT) / h;
            expect(c.soc - before).to.be.closeTo(p >= 0 ? p * h * eta : (p * h) / eta, 1e-9);
          }
          if (reachableWithout) expect(c.soc).to.be.at.least(b.maxSocKwh - 1e-6);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
    // The runs exercise commitments, not only opt-outs.
    expect(optIns).to.be.greaterThan(40);
  });
});

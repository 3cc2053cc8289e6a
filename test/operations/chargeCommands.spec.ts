/**
 * Charge commands (`charge: true`): where more consumption relieves a branch — a feeder exporting
 * its PV at noon runs its head in reverse — the operator asks batteries and cars to charge, or
 * charge more, or stop discharging; homes and offices are not asked (they take reductions only).
 * By hand on small numbers, then on a street that exports more than its transformer carries.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import { feederHeadTopology } from '../helpers/feederHead.ts';
import fc from 'fast-check';
import { respondStorage } from '../../agents/storage/respond.ts';
import { respondEv, type EvCommandState } from '../../agents/ev/respond.ts';
import { respondHome } from '../../agents/home/respond.ts';
import { respondBuilding } from '../../agents/building/respond.ts';
import { batteryFromFractions, HOME_BATTERY, maxChargeKw } from '../../agents/physics/battery.ts';
import { evCharging } from '../../agents/physics/ev.ts';
import type { EvCar } from '../../agents/ev/session.ts';
import { askedIncreaseKw, requestedChangeKw } from '../../agents/commandResponse.ts';
import type { CommandResponder, OperatorCommand } from '../../agents/types.ts';
import { deliver, type DispatchParty, Operator, operatorSchema } from '../../agents/operations/operator.ts';
import { settleDrCommand } from '../../agents/operations/drSettlement.ts';
import { intervalAt } from '../../core/clock.ts';
import { MS_PER_HOUR, parseSimTime } from '../../core/time.ts';
import { agentId, hours, kw, kwh } from '../../core/units.ts';

const DT = 0.25;
const Q = 0.001;
const ask = (value: number) => ({ type: 'DISPATCH_SETPOINT' as const, value });
const r6 = (x: number): number => Math.round(x * 1e6) / 1e6 + 0;

describe('operations: charge commands, answered by the agents (agents/*/respond.ts)', () => {
  it('what a charge command asks: a setpoint above zero; caps and reductions ask none', () => {
    expect(askedIncreaseKw(ask(4))).to.equal(4);
    expect(askedIncreaseKw(ask(-4))).to.equal(0);
    expect(askedIncreaseKw({ type: 'IMPORT_CAPACITY_LIMIT', value: 4 })).to.equal(0);
    expect(requestedChangeKw(ask(4), 1)).to.equal(4);
    expect(requestedChangeKw(ask(-4), 1)).to.equal(-4);
  });

  it('a battery charges up to its inverter limit and no fuller than its maximum SoC after losses', () => {
    const s = { battery: HOME_BATTERY, socKwh: 5, faulted: false, quantumKw: Q };
    // 5 kW inverter, room (13.5 − 5) / (√0.9 × 0.25) = 35.8 kW: the inverter binds. Planned 1 kW: 4 kW more at most.
    expect(respondStorage(s, ask(10), 1, DT)).to.deep.equal({ optIn: true, reason: 'charges 5.00 kW from SoC 5.0 kWh; no more: inverter limit 5.00 kW', deliverKw: 4 });
    expect(respondStorage(s, ask(2.5), 1, DT).deliverKw).to.equal(2.5);
    // Discharging 3 kW: asked 5, it stops discharging (3) and charges 2.
    expect(respondStorage(s, ask(5), -3, DT)).to.deep.equal({ optIn: true, reason: 'reduces discharging by 3.00 kW; charges 2.00 kW from SoC 5.0 kWh', deliverKw: 5 });
    // Nearly full: 13 kWh leaves (13.5 − 13) / (√0.9 × 0.25) = 2.108 kW, floored to the watt.
    const nearlyFull = respondStorage({ ...s, socKwh: 13 }, ask(5), 0, DT);
    expect(nearlyFull.deliverKw).to.equal(Math.floor((0.5 / (Math.sqrt(0.9) * 0.25)) * 1000) / 1000);
    expect(nearlyFull.reason).to.match(/no more: full at 13\.5 kWh allows 2\.11 kW/);
    expect(respondStorage({ ...s, socKwh: 13.5 }, ask(5), 0, DT)).to.deep.equal({ optIn: false, reason: 'SoC 13.5 kWh at its maximum 13.5 kWh: cannot charge', deliverKw: 0 });
    expect(respondStorage({ ...s, faulted: true }, ask(5), 0, DT).optIn).to.equal(false);
  });

  it('a car charges more up to its charger and its maximum SoC, stopping V2G first; unplugged it declines', () => {
    const battery = batteryFromFractions({ capacityKwh: 60, minSocFraction: 0.2, maxSocFraction: 0.9, maxChargeKw: 11, maxDischargeKw: 11, chargeEfficiency: 0.9, dischargeEfficiency: 0.9, degradationCostPerMwh: 35 });
    const car: EvCar = { battery, charging: evCharging(battery, kw(11), battery.maxSocKwh), chargerKw: 11, v2gCapable: true };
    const t0 = parseSimTime('2026-07-01T10:00:00Z')!;
    const state = (socKwh: number, over: Partial<EvCommandState> = {}): EvCommandState => ({ car, plugged: true, inMarket: true, faulted: false, socKwh, departure: t0 + 6 * MS_PER_HOUR, zone: SiteZone.fixed(2), quantumKw: Q, ...over });
    // 30 kWh, charging 4 kW: up to 11 kW, so 7 more.
    expect(respondEv(state(30), ask(20), 4, t0, DT)).to.deep.equal({ optIn: true, reason: 'charges 11.00 kW; no more: charging limit 11.00 kW now', deliverKw: 7 });
    // Discharging 5 kW (V2G): asked 6, it stops discharging and charges 1.
    expect(respondEv(state(30), ask(6), -5, t0, DT)).to.deep.equal({ optIn: true, reason: 'stops discharging 5.00 kW (V2G); charges 1.00 kW', deliverKw: 6 });
    // At 53.5 kWh of a 54 kWh maximum: (54 − 53.5) / (0.9 × 0.25) = 2.222 kW.
    expect(respondEv(state(53.5), ask(11), 0, t0, DT).deliverKw).to.equal(2.222);
    expect(respondEv(state(54), ask(11), 0, t0, DT)).to.deep.equal({ optIn: false, reason: 'SoC 54.0 kWh: full, cannot charge', deliverKw: 0 });
    expect(respondEv(state(30, { plugged: false }), ask(11), 0, t0, DT).reason).to.equal('not plugged in');
  });

  it('a home exporting its PV curtails the export, down to none, never buying more; offices take reductions only', () => {
    const home = { faulted: false, needs: [], quantumKw: Q };
    expect(respondHome(home, ask(3), -2)).to.deep.equal({ optIn: true, reason: 'curtails its PV export by 2.00 kW; no more: its whole export is 2.00 kW', deliverKw: 2 });
    expect(respondHome(home, ask(1.5), -2)).to.deep.equal({ optIn: true, reason: 'curtails its PV export by 1.50 kW', deliverKw: 1.5 });
    expect(respondHome(home, ask(3), 0.4)).to.deep.equal({ optIn: false, reason: 'not exporting (net 0.40 kW): no PV export to curtail', deliverKw: 0 });
    const office = respondBuilding({ faulted: false, contractKw: 4, comfortMode: false, needs: [], quantumKw: Q } as never, ask(3), -2);
    expect(office).to.deep.equal({ optIn: false, reason: 'asked to consume 3.00 kW more: this building takes only reductions', deliverKw: 0 });
  });

  it('property: a battery commits whole quanta, never more than asked, and the charge it commits keeps SoC within its maximum', () => {
    fc.assert(
      fc.property(fc.double({ min: 1.35, max: 13.5, noNaN: true }), fc.double({ min: 0.001, max: 20, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (soc, asked, planned) => {
        const r = respondStorage({ battery: HOME_BATTERY, socKwh: soc, faulted: false, quantumKw: Q }, ask(asked), planned, DT);
        if (!r.optIn) return;
        expect(r.deliverKw).to.be.greaterThan(0);
        expect(r.deliverKw).to.be.at.most(asked + 1e-12);
        expect(Math.abs(r.deliverKw / Q - Math.round(r.deliverKw / Q))).to.be.below(1e-6);
        expect(planned + r.deliverKw).to.be.at.most(maxChargeKw(HOME_BATTERY, kwh(soc), hours(DT)) + 1e-9);
      }),
      { numRuns: 300 },
    );
  });
});

describe('operations: the operator relieves a reverse flow with charge commands (Operator.dispatch)', () => {
  // grid ─head (60 kW)─ street: the street exports its PV through the head, which then runs in reverse.
  const topology = feederHeadTopology(60, 'street');
  const interval = intervalAt({ start: Date.parse('2026-06-21T10:00:00Z') as never, intervalMinutes: 15, intervals: 8, gateClosureMinutes: 5 }, 0);
  const takes = (kwMore: number): CommandResponder => ({ respond: (c) => ({ optIn: true, reason: 'charges', deliverKw: Math.min(kwMore, c.value) }) });
  const party = (responder: CommandResponder, canCharge: boolean): DispatchParty => ({ id: agentId(canCharge ? 'battery' : 'home'), busIndex: 1, responder, reachable: () => true, ...(canCharge ? { canCharge: true } : {}) });
  const dispatch = (cfg: Record<string, unknown>, parties: DispatchParty[], netKw: number[]) => {
    const op = new Operator(operatorSchema.parse({ id: 'dso', ...cfg }), 8, 96);
    const net = Float64Array.from(netKw);
    const injection = new Float64Array(2);
    parties.forEach((p, i) => (injection[p.busIndex]! -= net[i]!));
    return { out: op.dispatch(interval, topology, ['head'], parties, net, injection), net };
  };

  it('90 kW of export through a 60 kW head (58.8 with 2 % headroom): 31.2 kW of charging asked of the batteries, none of the home', () => {
    // The home exports 100 kW, two batteries charge 5 kW each: the street exports 90.
    const parties = [party(takes(99), false), party(takes(20), true), party(takes(20), true)];
    const { out, net } = dispatch({ charge: true }, parties, [-100, 5, 5]);
    // The first battery is asked for all 31.2 and gives 20; the second for the 11.2 left.
    expect(out.commands.map((c) => [c.party, c.command.type, r6(c.command.value), r6(c.deliverKw)])).to.deep.equal([
      [1, 'DISPATCH_SETPOINT', 31.2, 20],
      [2, 'DISPATCH_SETPOINT', 11.2, 11.2],
    ]);
    expect(Array.from(net, r6)).to.deep.equal([-100, 25, 16.2]);
    expect(out.overloads.map((o) => [o.branch, r6(o.excessKw), r6(o.remainingKw)])).to.deep.equal([['head', 31.2, 0]]);
  });

  it('with curtailExport, exporting homes are asked after the batteries (what a battery takes is stored, curtailed PV is lost)', () => {
    const homeAnswers: CommandResponder = { respond: (c) => ({ optIn: true, reason: 'curtails', deliverKw: Math.min(c.value, 100) }) };
    const parties = [party(homeAnswers, false), party(takes(20), true)];
    // 100 kW exported, 5 charging: 95 through the head, 36.2 over 58.8. The battery (listed second) first: 20; the home then curtails 16.2.
    const both = dispatch({ charge: true, curtailExport: true }, parties, [-100, 5]);
    expect(both.out.commands.map((c) => [c.party, r6(c.command.value), r6(c.deliverKw)])).to.deep.equal([
      [1, 36.2, 20],
      [0, 16.2, 16.2],
    ]);
    // Curtailment alone: only the home is asked. A home importing is not asked at all.
    expect(dispatch({ curtailExport: true }, parties, [-100, 5]).out.commands.map((c) => [c.party, r6(c.deliverKw)])).to.deep.equal([[0, 36.2]]);
    expect(dispatch({ curtailExport: true }, [party(homeAnswers, false), party(homeAnswers, false)], [-100, 3]).out.commands.map((c) => c.party)).to.deep.equal([0]);
  });

  it('without charge: true (the default) the reverse flow is only recorded as a shortfall', () => {
    const { out } = dispatch({}, [party(takes(99), false), party(takes(20), true)], [-100, 5]);
    expect(out.commands).to.deep.equal([]);
    expect(r6(out.overloads[0]!.remainingKw)).to.equal(35);
  });

  it('a forward overload still asks for reductions, never for charging', () => {
    const reduces: CommandResponder = { respond: (c) => ({ optIn: true, reason: 'sheds', deliverKw: Math.max(c.value, -50) }) };
    const { out } = dispatch({ charge: true }, [{ ...party(reduces, true) }], [80]);
    expect(out.commands.map((c) => r6(c.command.value))).to.deep.equal([-21.2]);
  });

  it('deliver holds a charge answer to the contract: at most what was asked, never a reduction', () => {
    const c: OperatorCommand = { eventId: 'e', program: 'p', issuer: 'dso', target: agentId('b'), type: 'DISPATCH_SETPOINT', notifiedAt: interval.start, intervalStart: interval.start, durationMinutes: 15, value: 4 };
    const answer = (deliverKw: number): CommandResponder => ({ respond: () => ({ optIn: true, reason: '', deliverKw }) });
    expect(deliver(c, party(answer(9), true), 0, 0, interval, 'head', 'dso')).to.include({ requestedKw: 4, deliverKw: 4 });
    expect(deliver(c, party(answer(-3), true), 0, 0, interval, 'head', 'dso').deliverKw).to.equal(0);
  });

  it('refuses charge commands and export curtailment with import caps (a cap cannot ask for more consumption)', () => {
    expect(operatorSchema.safeParse({ id: 'dso', charge: true, command: 'import-limit' }).success).to.equal(false);
    expect(operatorSchema.safeParse({ id: 'dso', curtailExport: true, command: 'import-limit' }).success).to.equal(false);
  });
});

describe('operations: a charge command is measured as actual − baseline (settleDrCommand, negated)', () => {
  it('committed 2 kWh more, consumed 1.5 kWh more than the baseline: 1.5 credited, 0.5 short', () => {
    const terms = { eventPriceMwh: 300, shortfallPenaltyMwh: 100 };
    // Baseline 1 kW, actual 2.5 kW over an hour: 1.5 kWh more consumed, of 2 committed (sense −1: both negated).
    const s = settleDrCommand(-1, -2.5, 2, 1, terms);
    expect([s.deliveredKwh, s.creditedKwh, s.pay.toString(), s.penalty.toString()]).to.deep.equal([1.5, 1.5, '0.45', '0.05']);
  });
});

/**
 * An operator that caps imports (`command: import-limit`: OpenADR's IMPORT_CAPACITY_LIMIT, the
 * dimming §14a EnWG allows): the cap it sends, what each kind of agent answers to a cap (the
 * reduction down to it, never a discharge), and the heatwave scenario's sweep of setpoints against
 * caps (scenarios/sweeps/heatwave-setpoints-vs-caps.yaml).
 */
import { SiteZone } from '../../core/siteZone.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { feederHeadTopology } from '../helpers/feederHead.ts';
import fc from 'fast-check';
import { askedReductionKw, requestedChangeKw } from '../../agents/commandResponse.ts';
import { respondBuilding } from '../../agents/building/respond.ts';
import { respondEv, type EvCommandState } from '../../agents/ev/respond.ts';
import { evCharging } from '../../agents/physics/ev.ts';
import { batteryFromFractions, HOME_BATTERY } from '../../agents/physics/battery.ts';
import { respondHome } from '../../agents/home/respond.ts';
import { respondStorage } from '../../agents/storage/respond.ts';
import { deliver, type DispatchParty, Operator, operatorSchema } from '../../agents/operations/operator.ts';
import type { CommandResponder, OperatorCommand } from '../../agents/types.ts';
import { intervalAt } from '../../core/clock.ts';
import { MS_PER_HOUR, parseSimTime } from '../../core/time.ts';
import { agentId, kw } from '../../core/units.ts';
import { planBatch } from '../../batch/plan.ts';
import { loadScenarioFile, parseScenario } from '../../engine/scenario/load.ts';
import { type Row, runAndRead as runAndReadFiles } from '../helpers/runOutputs.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { expectBooksClosed, expectEventsReconcile, expectWithinLimitOrShortfall, runAndRead, type RunOutputs } from './outputs.ts';

const Q = 0.001;
const DT = 0.25;
const cap = (value: number) => ({ type: 'IMPORT_CAPACITY_LIMIT' as const, value });

describe('operations: what an import limit asks (agents/commandResponse.ts)', () => {
  it('the reduction down to the cap, none when already below it, never a discharge; a setpoint asks its value; a charge-state setpoint is declined', () => {
    expect(askedReductionKw(cap(3), 7, 'x')).to.equal(4);
    expect(askedReductionKw(cap(9), 7, 'x')).to.equal(0);
    expect(askedReductionKw(cap(0), -2, 'x')).to.equal(0); // exporting: already under any cap ≥ 0
    expect(askedReductionKw(cap(-5), 7, 'x')).to.equal(7); // a cap below zero counts as zero
    expect(askedReductionKw({ type: 'DISPATCH_SETPOINT', value: -4 }, 7, 'x')).to.equal(4);
    expect(askedReductionKw({ type: 'CHARGE_STATE_SETPOINT', value: 40 }, 7, 'home')).to.deep.equal({ optIn: false, reason: 'CHARGE_STATE_SETPOINT is not supported by this home', deliverKw: 0 });
    expect(requestedChangeKw(cap(3), 7)).to.equal(-4);
    expect(requestedChangeKw({ type: 'CHARGE_STATE_SETPOINT', value: 40 }, 7)).to.equal(0);
    fc.assert(
      fc.property(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.double({ min: -1e4, max: 1e4, noNaN: true }), (value, planned) => {
        const asked = askedReductionKw(cap(value), planned, 'x') as number;
        expect(asked).to.be.at.least(0);
        // Met in full, a cap leaves the agent at the cap (at zero when it is negative), or where it was if already below.
        const c = Math.max(0, value);
        expect(planned - asked).to.be.closeTo(planned <= c ? planned : c, 1e-9);
      }),
      { numRuns: 500 },
    );
  });
});

describe('operations: each kind answers an import limit (agents/*/respond.ts)', () => {
  const T0 = parseSimTime('2026-07-01T16:00:00Z')!;
  const v2gCar = (() => {
    const battery = batteryFromFractions({ capacityKwh: 60, minSocFraction: 0.2, maxSocFraction: 0.9, maxChargeKw: 11, maxDischargeKw: 11, chargeEfficiency: 0.9, dischargeEfficiency: 0.9, degradationCostPerMwh: 35 });
    return { battery, charging: evCharging(battery, kw(11), battery.maxSocKwh), chargerKw: 11, v2gCapable: true };
  })();
  const ev = (socKwh: number, hoursLeft: number): EvCommandState => ({ car: v2gCar, plugged: true, inMarket: true, faulted: false, socKwh, departure: T0 + hoursLeft * MS_PER_HOUR, zone: SiteZone.fixed(2), quantumKw: Q });

  it('a V2G car charging 7 kW: capped at 3 kW it charges 3, at 0 it stops, and never discharges for a cap; above its charging it declines', () => {
    // 30 kWh, 10 h left: nothing must run now, so all 7 kW of charging can go (the same car gives 18 kW, with V2G, to a setpoint of −30).
    const three = respondEv(ev(30, 10), cap(3), 7, T0, DT);
    expect(three).to.deep.equal({ optIn: true, reason: 'reduces charging by 4.00 kW', deliverKw: -4 });
    const zero = respondEv(ev(30, 10), cap(0), 7, T0, DT);
    expect(zero).to.deep.equal({ optIn: true, reason: 'reduces charging by 7.00 kW', deliverKw: -7 });
    expect(respondEv(ev(30, 10), { type: 'DISPATCH_SETPOINT', value: -30 }, 7, T0, DT).deliverKw).to.be.closeTo(-18, 1e-9);
    expect(respondEv(ev(30, 10), cap(9), 7, T0, DT)).to.deep.equal({ optIn: false, reason: 'already within the import limit: net 7.00 kW, limit 9.00 kW', deliverKw: 0 });
  });

  it('a car that must charge keeps its must-run power under a cap (7.4 kW charger, 28 kWh, 4 h left: 4.556 kW)', () => {
    const battery = batteryFromFractions({ capacityKwh: 60, minSocFraction: 0.2, maxSocFraction: 0.9, maxChargeKw: 7.4, maxDischargeKw: 7.4, chargeEfficiency: 0.9, dischargeEfficiency: 0.9, degradationCostPerMwh: 35 });
    const car = { battery, charging: evCharging(battery, kw(7.4), battery.maxSocKwh), chargerKw: 7.4, v2gCapable: true };
    const r = respondEv({ ...ev(28, 4), car }, cap(2), 7.4, T0, DT);
    expect(r.optIn).to.equal(true);
    expect(r.deliverKw).to.be.closeTo(-(7.4 - 4.556), 1e-9);
    expect(r.reason).to.match(/^reduces charging by 2\.84 kW, keeping its must-run 4\.56 kW/);
  });

  it('a battery charging 2 kW stops charging under a cap of 0 and does not discharge; one discharging is already within it', () => {
    const s = { battery: HOME_BATTERY, socKwh: 5, faulted: false, quantumKw: Q };
    expect(respondStorage(s, cap(0), 2, DT)).to.deep.equal({ optIn: true, reason: 'reduces charging by 2.00 kW', deliverKw: -2 });
    expect(respondStorage(s, cap(0), -3, DT)).to.deep.equal({ optIn: false, reason: 'already within the import limit: net -3.00 kW, limit 0.00 kW', deliverKw: 0 });
  });

  it('a home sheds down to the cap, cheapest first, and no further than its comfort band; an office within its contract', () => {
    const need = (name: string, kwNeed: number, priceMwh: number, isProtected: boolean) => ({ name, kw: kwNeed, priceMwh, protected: isProtected });
    const needs = [need('base', 0.5, 3000, true), need('hvac-keep', 1.0, 3000, true), need('hvac', 0.8, 400, false), need('base-flex', 0.2, 200, false), need('hvac', 0.8, 100, false), need('precondition', 1.0, 0, false)];
    const room = { mode: 'cool' as const, indoorC: 24.6, band: { lowC: 20, highC: 25 } };
    // 4.3 kW planned, capped at 3.1: 1.2 kW to shed, as a setpoint of −1.2 would ask.
    expect(respondHome({ faulted: false, needs, quantumKw: Q, room }, cap(3.1), 4.3)).to.deep.equal({ optIn: true, reason: 'sheds 1.00 kW of pre-conditioning, 0.20 kW of HVAC comfort margin', deliverKw: -1.2 });
    // Capped at 0: only down to the 1.5 kW that keeps the room in its band and the base load.
    expect(respondHome({ faulted: false, needs, quantumKw: Q, room }, cap(0), 4.3).deliverKw).to.be.closeTo(-2.8, 1e-9);
    const office = [need('base', 5, 3000, true), need('hvac', 6, 3000, true), need('hvac-relax', 2.5, 212.5, false), need('dimming', 1.5, 337.5, false), need('precondition', 3, 0, false)];
    const b = respondBuilding({ faulted: false, contractKw: 4, comfortMode: true, needs: office, quantumKw: Q, room: { mode: 'cool', indoorC: 23.9, band: { lowC: 21, highC: 24 } } }, cap(5), 18);
    expect(b.deliverKw).to.be.closeTo(-4, 1e-9); // 13 kW to reach the cap; its contract allows 4
  });
});

describe('operations: an operator that caps imports (Operator.dispatch with command: import-limit)', () => {
  // grid ─head (100 kW)─ a: loads at a load the head (limit 100, headroom 2 %: 98).
  const topology = feederHeadTopology(100);
  const interval = intervalAt({ start: Date.parse('2026-07-01T17:00:00Z') as never, intervalMinutes: 15, intervals: 8, gateClosureMinutes: 5 }, 0);
  const gives = (kwGiven: number): CommandResponder => ({ respond: () => ({ optIn: true, reason: 'sure', deliverKw: kwGiven }) });
  const party = (responder: CommandResponder): DispatchParty => ({ id: agentId('x'), busIndex: 1, responder, reachable: () => true });
  const run = (cfg: Record<string, unknown>, answers: number[], netKw: number[]) => {
    const op = new Operator(operatorSchema.parse({ id: 'dso', command: 'import-limit', ...cfg }), 8, 96);
    const net = Float64Array.from(netKw);
    const injection = Float64Array.of(net.reduce((a, b) => a + b, 0), -net.reduce((a, b) => a + b, 0));
    return { out: op.dispatch(interval, topology, ['head'], answers.map((a) => party(gives(a))), net, injection), net };
  };
  const r6 = (x: number): number => Math.round(x * 1e6) / 1e6 + 0;

  it('caps each agent at the import that removes the remaining excess, and holds answers to the cap', () => {
    // 120 kW: 22 over 98. The first agent (40 kW) is capped at 18 and gives 10; the second at 40 − 12 = 28 and offers 15: held to 12.
    const { out, net } = run({}, [-10, -15, -5], [40, 40, 40]);
    expect(out.commands.map((c) => [c.party, c.command.type, r6(c.command.value), r6(c.requestedKw), r6(c.deliverKw)])).to.deep.equal([
      [0, 'IMPORT_CAPACITY_LIMIT', 18, -22, -10],
      [1, 'IMPORT_CAPACITY_LIMIT', 28, -12, -12],
    ]);
    expect(Array.from(net, r6)).to.deep.equal([30, 28, 40]);
  });

  it('never caps below minimumImportKw (§14a: 4.2 kW) nor asks for a discharge, with or without v2g', () => {
    // Floor 35: each 40 kW agent can give only 5 of the 22 over; after all three the head carries 105 kW, 5 over its limit.
    const floor = run({ minimumImportKw: 35 }, [-50, -50, -50], [40, 40, 40]).out;
    expect(floor.commands.map((c) => [r6(c.command.value), r6(c.deliverKw)])).to.deep.equal([[35, -5], [35, -5], [35, -5]]);
    expect(floor.overloads[0]!.remainingKw).to.be.closeTo(5, 1e-9);
    // An agent importing 4 kW is capped at 0 (not asked to export); one at 3 kW under a 4.2 floor is not asked at all.
    const small = run({ v2g: true }, [-50, -50], [4, 120]).out;
    expect(small.commands.map((c) => [r6(c.command.value), r6(c.requestedKw)])).to.deep.equal([[0, -4], [98, -22]]); // 124 kW: 26 over; 4 from the first, the other 22 from the second
    const under = run({ minimumImportKw: 4.2 }, [-50, -50], [3, 120]).out;
    expect(under.commands.map((c) => c.party)).to.deep.equal([1]);
  });

  it('deliver holds an answer to what the cap asks: at most planned − cap, never the other way', () => {
    const command: OperatorCommand = { eventId: 'e', program: 'p', issuer: 'dso', target: agentId('x'), type: 'IMPORT_CAPACITY_LIMIT', notifiedAt: interval.start, intervalStart: interval.start, durationMinutes: 15, value: 2 };
    const r = deliver(command, party(gives(-9)), 0, 5, interval, 'head', 'dso');
    expect([r.response, r.requestedKw, r.deliverKw]).to.deep.equal(['opt-in', -3, -3]);
    expect(deliver(command, party(gives(-1)), 0, 5, interval, 'head', 'dso').deliverKw).to.equal(-1);
  });
});

describe('operations acceptance: scenarios/sweeps/heatwave-setpoints-vs-caps.yaml (setpoints, caps, caps no lower than 4.2 kW)', function () {
  this.timeout(180_000);
  const runs = new Map<string, RunOutputs>();
  before(async () => {
    const plan = planBatch(join(REPO_ROOT, 'scenarios/sweeps/heatwave-setpoints-vs-caps.yaml'));
    expect(plan.runs.map((r) => [r.variant, r.error])).to.deep.equal([
      ['setpoints', undefined],
      ['caps', undefined],
      ['caps-14a', undefined],
    ]);
    for (const r of plan.runs) runs.set(r.variant!, await runAndRead(parseScenario(r.text, r.file), `gridbid-ops-${r.variant}-`));
  });
  after(() => {
    for (const o of runs.values()) o.cleanup();
  });
  const commandsOf = (o: RunOutputs) => o.events.filter((e) => e.type === 'IMPORT_CAPACITY_LIMIT' || e.type === 'DISPATCH_SETPOINT');

  it('caps: only import limits, each answered within what it asks; the books close; the feeder head stays within its limit or the shortfall is recorded', () => {
    for (const variant of ['caps', 'caps-14a']) {
      const out = runs.get(variant)!;
      const commands = commandsOf(out);
      expect(commands.length, variant).to.be.greaterThan(100);
      expect(commands.every((e) => e.type === 'IMPORT_CAPACITY_LIMIT' && /\(import limit \d+\.\d\d kW\)/.test(e.detail!)), variant).to.equal(true);
      expectBooksClosed(out);
      expect(expectEventsReconcile(out), variant).to.be.greaterThan(100);
      expect(expectWithinLimitOrShortfall(out, ['feeder-head']), variant).to.equal(out.summary.kpis.overloadIntervals);
    }
  });

  it('no agent is asked to export: every cap is ≥ 0 (≥ 4.2 kW with the floor), and an agent facing the market ends its commitment at or above zero', () => {
    for (const [variant, floorKw] of [['caps', 0], ['caps-14a', 4.2]] as const) {
      const out = runs.get(variant)!;
      let n = 0;
      const via = new Map(out.agents.map((r) => [`${r.interval_start}|${r.agent_id}`, r.via]));
      for (const e of commandsOf(out)) {
        const capKw = Number(/\(import limit (-?\d+\.\d\d) kW\)/.exec(e.detail!)![1]);
        expect(capKw, `${variant} ${e.interval_start} ${e.target}`).to.be.at.least(floorKw);
        if (e.response !== 'opt-in' || !(Number(e.delivered_kw) < 0) || via.get(`${e.interval_start}|${e.target}`) !== '') continue;
        const award = out.award.get(`${e.interval_start}|${e.target}`)!;
        expect(award + Number(e.delivered_kw), `${variant} ${e.interval_start} ${e.target}: position ${award} kW, committed ${e.delivered_kw}`).to.be.at.least(-1e-9);
        n++;
      }
      expect(n, variant).to.be.greaterThan(50);
    }
  });

  it('the figures the sweep file quotes are these runs’: caps commit what setpoints commit for a sixth of the asking; the 4.2 kW floor leaves 14 intervals overloaded', () => {
    const dr = (v: string) => runs.get(v)!.summary.kpis.operations.demandResponse.dso;
    const k = (v: string) => runs.get(v)!.summary.kpis;
    for (const v of ['setpoints', 'caps']) {
      expect([k(v).overloadIntervals, k(v).operations.overloadIntervalsWithoutOperator, dr(v).committedKwh, dr(v).responses['opt-in']], v).to.deep.equal([0, 48, 773.959, 963]);
    }
    expect([dr('setpoints').askedKwh, dr('caps').askedKwh]).to.deep.equal([6940.531, 1110.448]);
    expect([k('caps-14a').overloadIntervals, commandsOf(runs.get('caps-14a')!).length, dr('caps-14a').committedKwh, dr('caps-14a').shortfallKwh]).to.deep.equal([14, 2986, 1093.255, 29.691]);
    // The prose: the sweep file's comment and the README's paragraph.
    const n = (x: number): string => Math.round(x).toLocaleString('en-US');
    const sweep = readFileSync(join(REPO_ROOT, 'scenarios/sweeps/heatwave-setpoints-vs-caps.yaml'), 'utf8').replace(/\n# /g, ' ');
    expect(sweep).to.contain(`commit the same ${n(dr('caps').committedKwh)} kWh from the same homes (${dr('caps').responses['opt-in']} opt-ins)`);
    expect(sweep).to.contain(`(${k('caps').operations.overloadIntervalsWithoutOperator} overloaded intervals without the operator, ${k('caps').overloadIntervals} with it)`);
    expect(sweep).to.contain(`the caps ask ${n(dr('caps').askedKwh)} kWh in all against ${n(dr('setpoints').askedKwh)}`);
    expect(sweep).to.contain(`${n(commandsOf(runs.get('caps-14a')!).length)} commands spread over homes, offices and EVs commit ${n(dr('caps-14a').committedKwh)} kWh, and ${k('caps-14a').overloadIntervals} intervals stay overloaded (${n(dr('caps-14a').shortfallKwh)} kWh short)`);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').replace(/\n/g, ' ');
    expect(readme).to.contain(`caps commit the same ${n(dr('caps').committedKwh)} kWh as setpoints while asking ${n(dr('caps').askedKwh)} kWh in all instead of ${n(dr('setpoints').askedKwh)}, and with the 4.2 kW floor no home importing less can be capped, so ${k('caps-14a').overloadIntervals} intervals stay overloaded`);
  });
});

describe('operations acceptance: import limits on the communication plane (scenarios/cyber-replay.yaml with caps)', function () {
  this.timeout(60_000);
  let o: { summary: { kpis: Record<string, any>; books: { closed: boolean } }; messages: Row[]; events: Row[] };
  before(async () => {
    const s = loadScenarioFile(join(REPO_ROOT, 'scenarios/cyber-replay.yaml'));
    const operations = s.config.operations!.map((op) => ({ ...op, command: 'import-limit' as const }));
    o = await runAndReadFiles({ ...s, config: { ...s.config, operations } }, (f) => ({ summary: f.summary(), messages: f.rows('messages.csv'), events: f.rows('events.csv') }));
  });

  it('caps travel signed like setpoints: every genuine one verified, every attack still rejected, the books close', () => {
    const c = o.summary.kpis.comms;
    expect([c.attacksRejected, c.attacksAccepted, c.rejectedCommands]).to.deep.equal([5, 0, 0]);
    expect(o.summary.books.closed).to.equal(true);
    expect(o.events.filter((e) => e.type === 'DISPATCH_SETPOINT')).to.deep.equal([]);
    expect(o.events.filter((e) => e.type === 'IMPORT_CAPACITY_LIMIT').length).to.be.greaterThan(100);
    const genuine = o.messages.filter((m) => m.type === 'curtail' && m.from === 'dso' && /T\d\d:(00|15|30|45):00Z$/.test(m.sent_at!));
    expect(genuine.length).to.be.greaterThan(100);
    for (const m of genuine) expect(['delivered', 'late']).to.include(m.status);
  });
});

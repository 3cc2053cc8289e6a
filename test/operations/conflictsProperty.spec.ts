/**
 * Property: two operators with overlapping feeders commanding batteries and V2G cars in one
 * interval (agents/operations/conflicts.ts), on the real grid room, the real operators and the
 * devices' real answers (agents/storage/respond.ts, agents/ev/respond.ts). Random limits, loads
 * (imports and reverse flows), device states, operator terms and order produce random command
 * sequences; whatever they are:
 * - each device ends at its schedule plus the commitments it answered (it obeys the resolved
 *   commands), within what its inverter, charger and state of charge allow this interval (a
 *   battery stepped at it stays within its SoC bounds, unclipped);
 * - its commitments in one interval all go one way: no kW promised to one operator is taken back
 *   for another;
 * - every command that met another operator's commitment has its COMMAND_CONFLICT row, declined
 *   exactly when it asked the other way; no other command has one;
 * - settled at any metered outcome, the operators credit no more than the devices delivered in
 *   all, and their delivered energies add up to the devices' (nothing counted twice).
 */
import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { intervalAt } from '../../core/clock.ts';
import { RandomService } from '../../core/rng.ts';
import { GridRoom, type RoomParty } from '../../agents/operations/gridRoom.ts';
import { operatorSchema } from '../../agents/operations/operator.ts';
import { networkFromConfig } from '../../network/schema.ts';
import { TopologyCache } from '../../network/topology.ts';
import { respondStorage } from '../../agents/storage/respond.ts';
import { respondEv } from '../../agents/ev/respond.ts';
import { evLimits, type EvCar } from '../../agents/ev/session.ts';
import { evCharging } from '../../agents/physics/ev.ts';
import { type BatteryParams, maxChargeKw, maxDischargeKw, stepBattery } from '../../agents/physics/battery.ts';
import { hours, kw, kwh } from '../../core/units.ts';
import type { CommandResponder } from '../../agents/types.ts';
import type { Grid } from '../../market/clear.ts';
import type { ClearingResult } from '../../market/types.ts';

const spec = { start: Date.parse('2026-07-01T17:00:00Z') as never, intervalMinutes: 15, intervals: 96, gateClosureMinutes: 5 };
const interval = intervalAt(spec, 0);
const DT = 0.25;
const QUANTUM = 0.001;
const branch = (id: string, from: string, to: string, limitKw: number) => ({ id, kind: 'line' as const, from, to, reactancePu: 0.04, resistancePu: 0, limitKw, inService: true, tapRatio: 1, phaseShiftDeg: 0 });
const params = (capacityKwh: number, limitKw: number, eta: number): BatteryParams => ({ capacityKwh, minSocKwh: 0.1 * capacityKwh, maxSocKwh: 0.95 * capacityKwh, maxChargeKw: limitKw, maxDischargeKw: limitKw, chargeEfficiency: eta, dischargeEfficiency: eta, degradationCostPerMwh: 0 }) as unknown as BatteryParams;

interface Device {
  readonly kind: 'storage' | 'ev';
  readonly bus: 'feeder' | 'street';
  readonly capacityKwh: number;
  readonly limitKw: number;
  readonly eta: number;
  /** SoC as a fraction of the span [min, max], and the schedule as a fraction of what it may trade (− discharge, + charge). */
  readonly socFraction: number;
  readonly plannedFraction: number;
  /** A car's hours to departure, and the SoC it wants then (fraction of capacity). */
  readonly hoursLeft: number;
  readonly targetFraction: number;
  /** What the meter then shows, as a fraction of the commitment it kept (1: as committed). */
  readonly keptFraction: number;
}

const device: fc.Arbitrary<Device> = fc.record({
  kind: fc.constantFrom('storage' as const, 'ev' as const),
  bus: fc.constantFrom('feeder' as const, 'street' as const, 'street' as const, 'street' as const),
  capacityKwh: fc.integer({ min: 10, max: 60 }),
  limitKw: fc.integer({ min: 2, max: 11 }),
  eta: fc.constantFrom(1, 0.95, 0.9),
  socFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  plannedFraction: fc.double({ min: -1, max: 1, noNaN: true }),
  hoursLeft: fc.double({ min: 0.5, max: 12, noNaN: true }),
  targetFraction: fc.double({ min: 0.3, max: 0.95, noNaN: true }),
  keptFraction: fc.constantFrom(1, 1, 0.5, 0, 1.5, -0.5),
});

const operator = (id: string, watch: string) =>
  fc.record({
    command: fc.constantFrom('setpoint' as const, 'setpoint' as const, 'import-limit' as const),
    v2g: fc.constantFrom(true, true, false),
    charge: fc.constantFrom(true, true, false),
    headroomPct: fc.constantFrom(0, 2, 5),
    feeder: fc.boolean(),
  }).map((o) => ({ id, watch: [watch], headroomPct: o.headroomPct, ...(o.feeder && watch === 'line' ? { buses: ['street'] } : {}), command: o.command, v2g: o.v2g, charge: o.charge && o.command === 'setpoint', eventPriceMwh: 300, shortfallPenaltyMwh: 100 }));

/** A device's answer from its state, and the range of net consumption (kW) it can reach this interval. */
function build(d: Device): { responder: CommandResponder; socKwh: number; battery: BatteryParams; range: [number, number]; plannedKw: number } {
  const b = params(d.capacityKwh, d.limitKw, d.eta);
  const socKwh = b.minSocKwh + d.socFraction * (b.maxSocKwh - b.minSocKwh);
  const q = (x: number) => Math.round(x / QUANTUM) * QUANTUM;
  if (d.kind === 'storage') {
    const lo = -maxDischargeKw(b, kwh(socKwh), hours(DT));
    const hi = maxChargeKw(b, kwh(socKwh), hours(DT));
    const plannedKw = Math.min(hi, Math.max(lo, q(d.plannedFraction >= 0 ? d.plannedFraction * hi : -d.plannedFraction * lo)));
    return { responder: { respond: (c, planned, at) => respondStorage({ battery: b, socKwh, faulted: false, quantumKw: QUANTUM }, c, planned, at.durationH) }, socKwh, battery: b, range: [lo, hi], plannedKw };
  }
  const car: EvCar = { battery: b, charging: evCharging(b, kw(d.limitKw), kwh(d.targetFraction * d.capacityKwh)), chargerKw: d.limitKw, v2gCapable: true };
  const departure = interval.start + d.hoursLeft * 3_600_000;
  const l = evLimits(car, socKwh, d.hoursLeft, DT);
  const lo = l.mustChargeKw > 0 ? l.mustChargeKw : -l.maxDischargeKw;
  const hi = l.maxChargeKw;
  const plannedKw = Math.min(hi, Math.max(lo, q(lo + ((d.plannedFraction + 1) / 2) * (hi - lo))));
  const state = { car, plugged: true, inMarket: true, faulted: false, socKwh, departure, zone: SiteZone.fixed(0), quantumKw: QUANTUM };
  return { responder: { respond: (c, planned, at) => respondEv(state, c, planned, at.start, at.durationH) }, socKwh, battery: b, range: [lo, hi], plannedKw };
}

describe('operations: two operators, random commands to batteries and cars (property)', () => {
  it('devices obey the resolved commands within their limits; one direction per device; every conflict reported; nothing credited twice', () => {
    fc.assert(
      fc.property(
        fc.array(device, { minLength: 1, maxLength: 4 }),
        fc.record({ tx: fc.integer({ min: 5, max: 30 }), line: fc.integer({ min: 5, max: 30 }), feederKw: fc.integer({ min: -10, max: 60 }), streetKw: fc.integer({ min: -60, max: 60 }) }),
        operator('tx-op', 'transformer'),
        operator('line-op', 'line'),
        fc.boolean(),
        (devices, grid0, txOp, lineOp, lineFirst) => {
          const network = networkFromConfig({ baseKva: 1000, buses: [{ id: 'grid', reference: true }, { id: 'feeder' }, { id: 'street' }], branches: [branch('transformer', 'grid', 'feeder', grid0.tx), branch('line', 'feeder', 'street', grid0.line)] as never });
          const grid = { network, solver: undefined as never, topologies: new TopologyCache() } as Grid;
          const busIndex = (id: string) => grid.topologies.get(network).busIds.indexOf(id as never);
          const built = devices.map(build);
          const parties: RoomParty[] = [
            ...devices.map((d, k) => ({ id: `${d.kind}-${k + 1}`, kind: d.kind, busIndex: busIndex(d.bus), responder: built[k]!.responder })),
            { id: 'feeder-load', kind: 'home', busIndex: busIndex('feeder'), responder: undefined },
            { id: 'street-load', kind: 'home', busIndex: busIndex('street'), responder: undefined },
          ];
          const planned = [...built.map((b) => b.plannedKw), grid0.feederKw, grid0.streetKw];
          const counterfactual = { netKw: planned.map((x) => new Float64Array(96).fill(x)), overloadIntervals: 0 };
          const ops = (lineFirst ? [lineOp, txOp] : [txOp, lineOp]).map((o) => operatorSchema.parse(o));
          const room = new GridRoom(grid, ops, [], parties, 96, 96, () => true, new RandomService(1), counterfactual);
          const netKw = Float64Array.from(planned);
          const out = room.operate(interval, grid, netKw, new Uint8Array(planned.length).fill(1));

          const conflicts = new Map(out.events.filter((e) => e.type === 'COMMAND_CONFLICT').map((e) => [e.detail.split(':')[0]!.split(' ')[1]!, e]));
          const optIns = new Map<number, Array<{ operator: string; kw: number }>>();
          let expectedConflicts = 0;
          for (const r of out.records) {
            const earlier = (optIns.get(r.party) ?? []).filter((c) => c.operator !== r.command.issuer);
            const row = conflicts.get(r.command.eventId);
            if (earlier.length === 0) expect(row, `${r.command.eventId}: a conflict row without a conflict`).to.equal(undefined);
            else {
              expectedConflicts++;
              expect(row, `${r.command.eventId} to ${r.command.target} met ${JSON.stringify(earlier)}: no COMMAND_CONFLICT row`).to.not.equal(undefined);
              const committed = earlier.reduce((s, c) => s + c.kw, 0);
              const other = r.requestedKw !== 0 && Math.sign(r.requestedKw) !== Math.sign(committed);
              expect(row!.response, `${r.command.eventId}: ${row!.detail}`).to.equal(other ? 'declined' : 'answered');
              if (other) expect(r.response).to.equal('opt-out');
              for (const c of earlier) expect(row!.detail).to.include(c.operator);
            }
            if (r.response === 'opt-in' && r.deliverKw !== 0) {
              let list = optIns.get(r.party);
              if (!list) optIns.set(r.party, (list = []));
              list.push({ operator: r.command.issuer, kw: r.deliverKw });
            }
          }
          expect(conflicts.size).to.equal(expectedConflicts);

          devices.forEach((d, k) => {
            const commitments = optIns.get(k) ?? [];
            const sum = commitments.reduce((s, c) => s + c.kw, 0);
            // Obeys: its schedule plus what it answered; one way only.
            expect(netKw[k]!, `${d.kind}-${k + 1}`).to.be.closeTo(built[k]!.plannedKw + sum, 1e-9);
            expect(Math.abs(sum)).to.be.closeTo(commitments.reduce((s, c) => s + Math.abs(c.kw), 0), 1e-9);
            const [lo, hi] = built[k]!.range;
            expect(netKw[k]!, `${d.kind}-${k + 1} within [${lo}, ${hi}]`).to.be.within(lo - 1e-6, hi + 1e-6);
            if (d.kind === 'storage') {
              const step = stepBattery(built[k]!.battery, kwh(built[k]!.socKwh), kw(netKw[k]!), hours(DT));
              expect(step.gridKw).to.be.closeTo(netKw[k]!, 1e-6);
              expect(step.socKwh).to.be.within(built[k]!.battery.minSocKwh - 1e-9, built[k]!.battery.maxSocKwh + 1e-9);
            }
          });

          // The meter: each device keeps a fraction of its commitments (more, less, none, the other way).
          const metered = Float64Array.from(planned.map((p, k) => (k < devices.length ? p + (netKw[k]! - p) * devices[k]!.keptFraction : p)));
          room.measure(interval, grid, { flows: [] } as unknown as ClearingResult, metered, out.records, []);
          const dr = (room.summary() as { demandResponse: Record<string, { deliveredKwh: number; creditedKwh: number }> }).demandResponse;
          let deliveredByDevices = 0;
          let deliverable = 0;
          optIns.forEach((commitments, k) => {
            const sense = commitments[0]!.kw > 0 ? -1 : 1;
            const delivered = sense * (planned[k]! - metered[k]!) * DT;
            deliveredByDevices += delivered;
            deliverable += Math.max(0, Math.min(delivered, commitments.reduce((s, c) => s + Math.abs(c.kw), 0) * DT));
          });
          const sum = (f: 'deliveredKwh' | 'creditedKwh') => Object.values(dr).reduce((s, o) => s + o[f], 0);
          // (the summary rounds each operator's figures to 1e-3 kWh)
          expect(sum('deliveredKwh')).to.be.closeTo(deliveredByDevices, 2e-3);
          expect(sum('creditedKwh')).to.be.at.most(deliverable + 2e-3);
        },
      ),
      { numRuns: 600 },
    );
  });
});

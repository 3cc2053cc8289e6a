/**
 * Two operators commanding one device (agents/operations/conflicts.ts, the grid room's turn):
 * numbers a person can check by hand, on the real grid room, the real operators and the real
 * battery answer (agents/storage/respond.ts, setpoint.ts); only the schedule is set by hand.
 *
 *   grid ─transformer (20 kW)─ feeder ─line (24 kW)─ street:   a 26 kW load and a battery at street
 *
 * `feeder-op` watches the line (its feeder: street), `tx-op` the transformer (every bus); no headroom.
 */
import { expect } from 'chai';
import { intervalAt } from '../../core/clock.ts';
import { RandomService } from '../../core/rng.ts';
import { GridRoom, type GridEvent, type RoomParty } from '../../agents/operations/gridRoom.ts';
import { operatorSchema } from '../../agents/operations/operator.ts';
import { networkFromConfig } from '../../network/schema.ts';
import { TopologyCache } from '../../network/topology.ts';
import { respondStorage } from '../../agents/storage/respond.ts';
import { answerSetpoint } from '../../agents/storage/setpoint.ts';
import type { BatteryParams } from '../../agents/physics/battery.ts';
import type { CommandResponder } from '../../agents/types.ts';
import type { Grid } from '../../market/clear.ts';
import type { ClearingResult } from '../../market/types.ts';
import { sharedFeeders } from '../../agents/operations/conflicts.ts';

const spec = { start: Date.parse('2026-07-01T17:00:00Z') as never, intervalMinutes: 15, intervals: 96, gateClosureMinutes: 5 };
const interval = intervalAt(spec, 0);
const branch = (id: string, from: string, to: string, limitKw: number) => ({ id, kind: 'line' as const, from, to, reactancePu: 0.04, resistancePu: 0, limitKw, inService: true, tapRatio: 1, phaseShiftDeg: 0 });

/** A battery that answers by its real rules from a SoC the test sets; it records the setpoint it accepted. */
function battery(socKwh: number, maxKw = 10): CommandResponder & { accepted: string[] } {
  const params = { capacityKwh: 40, minSocKwh: 4, maxSocKwh: 40, maxChargeKw: maxKw, maxDischargeKw: maxKw, chargeEfficiency: 1, dischargeEfficiency: 1, degradationCostPerMwh: 0 } as unknown as BatteryParams;
  const accepted: string[] = [];
  return {
    accepted,
    respond: (command, plannedNetKw, at) => (command.type === 'CHARGE_STATE_SETPOINT' ? answerSetpoint(params, socKwh, false, command, at) : respondStorage({ battery: params, socKwh, faulted: false, quantumKw: 0.001 }, command, plannedNetKw, at.durationH)),
    accept: (command) => void accepted.push(`${command.issuer}:${command.eventId}`),
  };
}

interface Case {
  readonly operators: ReadonlyArray<Record<string, unknown>>;
  readonly branches: ReadonlyArray<ReturnType<typeof branch>>;
  /** The battery (at street), and sites that take no commands, with their planned net consumption (kW, − for an export). */
  readonly battery: CommandResponder;
  readonly sites: ReadonlyArray<{ readonly id: string; readonly bus: string; readonly kw: number }>;
}

function room(c: Case) {
  const network = networkFromConfig({ baseKva: 1000, buses: [{ id: 'grid', reference: true }, { id: 'feeder' }, { id: 'street' }], branches: c.branches as never });
  const grid = { network, solver: undefined as never, topologies: new TopologyCache() } as Grid;
  const busIndex = (id: string) => grid.topologies.get(network).busIds.indexOf(id as never);
  const parties: RoomParty[] = [{ id: 'battery-1', kind: 'storage', busIndex: busIndex('street'), responder: c.battery }, ...c.sites.map((x) => ({ id: x.id, kind: 'home', busIndex: busIndex(x.bus), responder: undefined }))];
  // The counterfactual (the run without operators): the battery idles, the sites draw their schedule.
  const counterfactual = { netKw: [new Float64Array(96), ...c.sites.map((x) => new Float64Array(96).fill(x.kw))], overloadIntervals: 0 };
  const r = new GridRoom(grid, c.operators.map((o) => operatorSchema.parse(o)), [], parties, 96, 96, () => true, new RandomService(1), counterfactual);
  return { r, grid };
}

/** One interval: the operators' turn on the schedule, then the meter with the battery at `batteryActualKw` (what it committed, when undefined). */
function run(c: Case, batteryActualKw?: number) {
  const { r, grid } = room(c);
  const netKw = Float64Array.from([0, ...c.sites.map((x) => x.kw)]);
  const op = r.operate(interval, grid, netKw, new Uint8Array(netKw.length).fill(1));
  const metered = Float64Array.from([batteryActualKw ?? netKw[0]!, ...c.sites.map((x) => x.kw)]);
  const m = r.measure(interval, grid, { flows: [] } as unknown as ClearingResult, metered, op.records, []);
  const dr = (r.summary() as { demandResponse: Record<string, Record<string, unknown>> }).demandResponse;
  return { op, m, dr, events: [...op.events, ...m.events] };
}
const row = (e: GridEvent) => [e.issuer, e.target, e.type, e.requestedKw === undefined ? '' : +e.requestedKw.toFixed(3), e.response, e.deliveredKw === undefined ? '' : +e.deliveredKw.toFixed(3)];

const nested = (first: 'feeder-op' | 'tx-op'): Case => {
  const feederOp = { id: 'feeder-op', watch: ['line'], buses: ['street'], headroomPct: 0, eventPriceMwh: 300, shortfallPenaltyMwh: 100 };
  const txOp = { id: 'tx-op', watch: ['transformer'], headroomPct: 0, eventPriceMwh: 300, shortfallPenaltyMwh: 100 };
  return { operators: first === 'feeder-op' ? [feederOp, txOp] : [txOp, feederOp], branches: [branch('transformer', 'grid', 'feeder', 20), branch('line', 'feeder', 'street', 24)], sites: [{ id: 'load', bus: 'street', kw: 26 }], battery: battery(30) };
};

describe('operations: two operators command one battery (agents/operations/conflicts.ts)', () => {
  it('nested, feeder-op first: the line is 2 kW over and the transformer 6; the battery gives feeder-op 2 kW and tx-op the 4 that remain, a COMMAND_CONFLICT row says so', () => {
    const { events } = run(nested('feeder-op'));
    const commands = events.filter((e) => e.type === 'DISPATCH_SETPOINT' || e.type === 'COMMAND_CONFLICT' || e.type.startsWith('OVERLOAD'));
    expect(commands.map(row)).to.deep.equal([
      ['feeder-op', 'battery-1', 'DISPATCH_SETPOINT', -2, 'opt-in', -2],
      ['feeder-op', 'line', 'OVERLOAD_RELIEVED', 2, 'within-limit', 2],
      // tx-op sees the transformer at 24 kW after feeder-op's 2 kW: 4 over. The battery answers from −2 kW: 4 more (device −6).
      ['tx-op', 'battery-1', 'DISPATCH_SETPOINT', -4, 'opt-in', -4],
      ['tx-op', 'battery-1', 'COMMAND_CONFLICT', -4, 'answered', -4],
      ['tx-op', 'transformer', 'OVERLOAD_RELIEVED', 4, 'within-limit', 4],
    ]);
    expect(commands[3]!.detail).to.equal(
      "DISPATCH_SETPOINT tx-op-1: battery-1 committed -2.000 kW to feeder-op earlier this interval (listed earlier in operations: first call); kept: feeder-op's; tx-op's command answered from what remained: -4.000 kW (device -6.000 kW in all)",
    );
  });

  it('delivered as committed (6 kW over ¼ h = 1.5 kWh): feeder-op is credited 0.5 kWh and pays 0.15, tx-op 1 kWh and 0.3; 1.5 kWh in all, not 3', () => {
    const { dr, m } = run(nested('feeder-op'));
    expect([dr['feeder-op']!.committedKwh, dr['feeder-op']!.deliveredKwh, dr['feeder-op']!.creditedKwh, dr['feeder-op']!.payments, dr['feeder-op']!.penalties]).to.deep.equal([0.5, 0.5, 0.5, '0.15', '0']);
    expect([dr['tx-op']!.committedKwh, dr['tx-op']!.deliveredKwh, dr['tx-op']!.creditedKwh, dr['tx-op']!.payments, dr['tx-op']!.penalties]).to.deep.equal([1, 1, 1, '0.3', '0']);
    expect(dr['tx-op']!.conflicts).to.deep.equal({ answered: 1, declined: 0 });
    expect(dr['feeder-op']!.conflicts).to.deep.equal({ answered: 0, declined: 0 });
    // The battery receives what the operators pay: 0.45 in all.
    expect(m.drPaid.toFixed()).to.equal('0.45');
    expect([...m.drCost.values()].map((x) => x.toFixed())).to.deep.equal(['-0.45']);
    const deltas = m.events.filter((e) => e.type === 'REPORT:DELTA_USAGE');
    expect(deltas.map((e) => [e.target, e.deliveredKw])).to.deep.equal([
      ['feeder-op', 2],
      ['tx-op', 4],
    ]);
    expect(deltas[0]!.detail).to.equal('actual -6.000 kW; committed 2.000 kW; its share 0.333 of the delivery of 6.000 kW committed to feeder-op, tx-op; credited 2.000 kW; paid 0.15; penalty 0');
  });

  it('short by 1.5 kW (it discharges 4.5): the 1.125 kWh delivered splits 1 : 2 — feeder-op 0.375 kWh (pays 0.1125, charges 0.0125), tx-op 0.75 (0.225, 0.025); before, both were credited in full and no shortfall charged', () => {
    const { dr, m } = run(nested('feeder-op'), -4.5);
    expect([dr['feeder-op']!.deliveredKwh, dr['feeder-op']!.creditedKwh, dr['feeder-op']!.payments, dr['feeder-op']!.penalties]).to.deep.equal([0.375, 0.375, '0.1125', '0.0125']);
    expect([dr['tx-op']!.deliveredKwh, dr['tx-op']!.creditedKwh, dr['tx-op']!.payments, dr['tx-op']!.penalties]).to.deep.equal([0.75, 0.75, '0.225', '0.025']);
    // 1.125 kWh credited at 300/MWh (0.3375) less 0.375 kWh short at 100/MWh (0.0375).
    expect(m.drPaid.toFixed()).to.equal('0.3');
  });

  it('swapped (tx-op listed first): tx-op has the first call and takes all 6 kW, which also bring the line within limit; feeder-op asks nothing and there is no conflict', () => {
    const { events, dr } = run(nested('tx-op'));
    expect(events.filter((e) => e.type === 'DISPATCH_SETPOINT' || e.type === 'COMMAND_CONFLICT').map(row)).to.deep.equal([['tx-op', 'battery-1', 'DISPATCH_SETPOINT', -6, 'opt-in', -6]]);
    expect([dr['tx-op']!.committedKwh, dr['tx-op']!.payments, dr['feeder-op']!.committedKwh, dr['feeder-op']!.payments]).to.deep.equal([1.5, '0.45', 0, '0']);
    // Either order: the device moves 6 kW, both branches are within limit, and 0.45 is paid for 1.5 kWh.
  });

  it('the other way: a charge command after a discharge committed to another operator is declined, naming it; the second operator records its shortfall', () => {
    // grid ─transformer (15 kW)─ feeder ─line (25 kW)─ street. A 50 kW load at feeder, the street exports 30 kW (PV):
    // the transformer imports 20 (5 over), the line carries 30 towards feeder (5 over, reverse). The battery at street
    // relieves the transformer by discharging and the line by charging: it cannot do both.
    const c = (first: 'tx-op' | 'line-op'): Case => {
      const txOp = { id: 'tx-op', watch: ['transformer'], headroomPct: 0 };
      const lineOp = { id: 'line-op', watch: ['line'], buses: ['street'], headroomPct: 0, charge: true, v2g: false };
      return { operators: first === 'tx-op' ? [txOp, lineOp] : [lineOp, txOp], branches: [branch('transformer', 'grid', 'feeder', 15), branch('line', 'feeder', 'street', 25)], sites: [{ id: 'load', bus: 'feeder', kw: 50 }, { id: 'pv', bus: 'street', kw: -30 }], battery: battery(30) };
    };
    const withPv = (k: Case) => run(k).op.events.filter((e) => e.type === 'DISPATCH_SETPOINT' || e.type === 'COMMAND_CONFLICT' || e.type.startsWith('OVERLOAD'));
    const txFirst = withPv(c('tx-op'));
    expect(txFirst.map(row)).to.deep.equal([
      ['tx-op', 'battery-1', 'DISPATCH_SETPOINT', -5, 'opt-in', -5],
      ['tx-op', 'transformer', 'OVERLOAD_RELIEVED', 5, 'within-limit', 5],
      // The line now carries 35 kW in reverse (10 over): line-op asks the battery to charge 10 kW, which would undo tx-op's 5.
      ['line-op', 'battery-1', 'DISPATCH_SETPOINT', 10, 'opt-out', 0],
      ['line-op', 'battery-1', 'COMMAND_CONFLICT', 10, 'declined', 0],
      ['line-op', 'line', 'OVERLOAD_SHORTFALL', 10, 'shortfall', 0],
    ]);
    expect(txFirst[2]!.detail).to.match(/committed -5\.000 kW to tx-op this interval: line-op's charge command of \+10\.000 kW would undo it, declined$/);
    expect(txFirst[3]!.detail).to.match(/kept: tx-op's; line-op's command declined$/);
    // Listed the other way round, line-op has the first call: the battery charges 5 kW and tx-op's discharge is declined.
    expect(withPv(c('line-op')).map(row)).to.deep.equal([
      ['line-op', 'battery-1', 'DISPATCH_SETPOINT', 5, 'opt-in', 5],
      ['line-op', 'line', 'OVERLOAD_RELIEVED', 5, 'within-limit', 5],
      ['tx-op', 'battery-1', 'DISPATCH_SETPOINT', -10, 'opt-out', 0],
      ['tx-op', 'battery-1', 'COMMAND_CONFLICT', -10, 'declined', 0],
      ['tx-op', 'transformer', 'OVERLOAD_SHORTFALL', 10, 'shortfall', 0],
    ]);
  });

  it('sharedFeeders: which operators may command the same device (no `buses`: every bus), in the order listed', () => {
    const ops = [{ id: 'tx-op' }, { id: 'feeder-op', buses: ['a', 'b'] }, { id: 'lateral-op', buses: ['c'] }, { id: 'desk', buses: ['b', 'c'] }];
    expect(sharedFeeders(ops, ['grid', 'a', 'b', 'c'])).to.deep.equal([
      { first: 'tx-op', second: 'feeder-op', buses: ['a', 'b'] },
      { first: 'tx-op', second: 'lateral-op', buses: ['c'] },
      { first: 'tx-op', second: 'desk', buses: ['b', 'c'] },
      { first: 'feeder-op', second: 'desk', buses: ['b'] },
      { first: 'lateral-op', second: 'desk', buses: ['c'] },
    ]);
    expect(sharedFeeders([{ id: 'x', buses: ['a'] }, { id: 'y', buses: ['b'] }], ['a', 'b'])).to.deep.equal([]);
  });
});

/**
 * The money of a device committed to two operators in one interval (agents/operations/conflicts.ts,
 * drSettlement.ts): its one measured delivery is split between them pro rata to their commitments,
 * and the split must neither create nor lose energy at the rounding to 1e-6 kWh. On the real grid
 * room, the real operators and the real battery answer; the meter is set by the test.
 *
 *   grid ─transformer─ feeder ─line─ street:   a load and a battery at street
 *
 * `feeder-op` watches the line (buses: street), `tx-op` the transformer (every bus). The battery
 * gives feeder-op what the line needs and tx-op what remains of the transformer's need.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { intervalAt } from '../../core/clock.ts';
import { money, type Money } from '../../core/money.ts';
import { RandomService } from '../../core/rng.ts';
import { GridRoom, type RoomParty } from '../../agents/operations/gridRoom.ts';
import { operatorSchema } from '../../agents/operations/operator.ts';
import { settleDrCommand, type DrSplit, type DrTerms } from '../../agents/operations/drSettlement.ts';
import { networkFromConfig } from '../../network/schema.ts';
import { TopologyCache } from '../../network/topology.ts';
import { respondStorage } from '../../agents/storage/respond.ts';
import type { BatteryParams } from '../../agents/physics/battery.ts';
import type { Grid } from '../../market/clear.ts';
import type { ClearingResult } from '../../market/types.ts';

const spec = { start: Date.parse('2026-07-01T17:00:00Z') as never, intervalMinutes: 15, intervals: 96, gateClosureMinutes: 5 };
const interval = intervalAt(spec, 0);
const DT = 0.25;
const branch = (id: string, from: string, to: string, limitKw: number) => ({ id, kind: 'line' as const, from, to, reactancePu: 0.04, resistancePu: 0, limitKw, inService: true, tapRatio: 1, phaseShiftDeg: 0 });
const PARAMS = { capacityKwh: 40, minSocKwh: 4, maxSocKwh: 40, maxChargeKw: 10, maxDischargeKw: 10, chargeEfficiency: 1, dischargeEfficiency: 1, degradationCostPerMwh: 0 } as unknown as BatteryParams;

interface Setting {
  readonly txLimitKw: number;
  readonly lineLimitKw: number;
  readonly loadKw: number;
  readonly terms: DrTerms;
  /** The feeder operator's prices; undefined: the same as tx-op's. */
  readonly feederTerms?: DrTerms;
  readonly feederFirst: boolean;
}

/** One interval: both operators' turn, then the meter with the battery at `batteryActualKw` (what it committed, when a function of the commitment). */
function run(s: Setting, batteryActualKw: (committedKw: number) => number) {
  const network = networkFromConfig({ baseKva: 1000, buses: [{ id: 'grid', reference: true }, { id: 'feeder' }, { id: 'street' }], branches: [branch('transformer', 'grid', 'feeder', s.txLimitKw), branch('line', 'feeder', 'street', s.lineLimitKw)] as never });
  const grid = { network, solver: undefined as never, topologies: new TopologyCache() } as Grid;
  const street = grid.topologies.get(network).busIds.indexOf('street' as never);
  const parties: RoomParty[] = [
    { id: 'battery-1', kind: 'storage', busIndex: street, responder: { respond: (c, planned, at) => respondStorage({ battery: PARAMS, socKwh: 30, faulted: false, quantumKw: 0.001 }, c, planned, at.durationH) } },
    { id: 'load', kind: 'home', busIndex: street, responder: undefined },
  ];
  const feederTerms = s.feederTerms ?? s.terms;
  const feederOp = { id: 'feeder-op', watch: ['line'], buses: ['street'], headroomPct: 0, eventPriceMwh: feederTerms.eventPriceMwh, shortfallPenaltyMwh: feederTerms.shortfallPenaltyMwh, penalty: feederTerms.penalty };
  const txOp = { id: 'tx-op', watch: ['transformer'], headroomPct: 0, eventPriceMwh: s.terms.eventPriceMwh, shortfallPenaltyMwh: s.terms.shortfallPenaltyMwh, penalty: s.terms.penalty };
  const ops = (s.feederFirst ? [feederOp, txOp] : [txOp, feederOp]).map((o) => operatorSchema.parse(o));
  // The counterfactual (the run without operators): the battery idles, the load draws its schedule.
  const counterfactual = { netKw: [new Float64Array(96), new Float64Array(96).fill(s.loadKw)], overloadIntervals: 0 };
  const room = new GridRoom(grid, ops, [], parties, 96, 96, () => true, new RandomService(1), counterfactual);
  const netKw = Float64Array.from([0, s.loadKw]);
  const op = room.operate(interval, grid, netKw, new Uint8Array(2).fill(1));
  const optIns = op.records.filter((r) => r.response === 'opt-in' && r.deliverKw !== 0);
  const committedKw = optIns.reduce((x, r) => x + r.deliverKw, 0);
  const actualKw = batteryActualKw(committedKw);
  const m = room.measure(interval, grid, { flows: [] } as unknown as ClearingResult, Float64Array.from([actualKw, s.loadKw]), op.records, []);
  const dr = (room.summary() as { demandResponse: Record<string, { payments: string; penalties: string }> }).demandResponse;
  return { optIns, actualKw, committedKw, m, dr };
}

const byOperator = (dr: Record<string, { payments: string; penalties: string }>, f: 'payments' | 'penalties'): Money => Object.values(dr).reduce((x, o) => x.plus(money(o[f])), money(0));

describe('operations: the money of one delivery split between two operators', () => {
  it('by hand: 2 + 4 kW committed, 4.500002 kW discharged over ¼ h = 1.1250005 kWh; rounded once that is 1.125001 kWh (0.3375003 at 300/MWh), and the two shares add up to it: 0.375000 + 0.750001, not 0.375000 + 0.750000', () => {
    const s: Setting = { txLimitKw: 20, lineLimitKw: 24, loadKw: 26, terms: { eventPriceMwh: 300, shortfallPenaltyMwh: 100 }, feederFirst: true };
    const { optIns, dr, m } = run(s, () => -4.500002);
    expect(optIns.map((r) => [r.command.issuer, r.deliverKw])).to.deep.equal([
      ['feeder-op', -2],
      ['tx-op', -4],
    ]);
    // One operator for both commitments (1.5 kWh) would pay 1.125001 kWh × 0.3 = 0.3375003 and charge
    // (1.5 − 1.1250005 = 0.3749995 → 0.374999 kWh) × 0.1 = 0.0374999: net 0.3000004 to the battery.
    const alone = settleDrCommand(0, -4.500002, 1.5, DT, s.terms);
    expect([alone.pay.toFixed(), alone.penalty.toFixed()]).to.deep.equal(['0.3375003', '0.0374999']);
    // feeder-op (first, ⅓): 1.1250005 / 3 = 0.37500017 → 0.375000 kWh credited (0.1125), 0.12499983 → 0.125000 short (0.0125).
    expect([dr['feeder-op']!.payments, dr['feeder-op']!.penalties]).to.deep.equal(['0.1125', '0.0125']);
    // tx-op (⅔) the rest of the rounded whole: 1.125001 − 0.375000 = 0.750001 kWh (0.2250003); 0.374999 − 0.125000 = 0.249999 short (0.0249999).
    expect([dr['tx-op']!.payments, dr['tx-op']!.penalties]).to.deep.equal(['0.2250003', '0.0249999']);
    expect(m.drPaid.toFixed()).to.equal(alone.pay.minus(alone.penalty).toFixed());
  });

  it('property: with the same terms, the two operators together pay and charge exactly what one operator would for the device\'s whole commitment and delivery, under either penalty rule and in either order', () => {
    fc.assert(
      fc.property(
        fc.record({
          txLimitKw: fc.integer({ min: 10, max: 26 }),
          lineLimitKw: fc.integer({ min: 10, max: 28 }),
          loadKw: fc.integer({ min: 20000, max: 30000 }).map((x) => x / 1000),
          price: fc.integer({ min: 1, max: 9999 }).map((x) => x / 7),
          penaltyPrice: fc.integer({ min: 0, max: 9999 }).map((x) => x / 3),
          rule: fc.constantFrom('baseline' as const, 'commitment' as const),
          feederFirst: fc.boolean(),
        }),
        // What the battery does: a fraction of its commitment (under, exact, over, none, the other way), plus sub-meter noise.
        fc.double({ min: -0.5, max: 1.5, noNaN: true }),
        fc.integer({ min: -999, max: 999 }).map((x) => x * 1e-7),
        (g, kept, noise) => {
          const terms: DrTerms = { eventPriceMwh: g.price, shortfallPenaltyMwh: g.penaltyPrice, penalty: g.rule };
          const s: Setting = { txLimitKw: g.txLimitKw, lineLimitKw: g.lineLimitKw, loadKw: g.loadKw, terms, feederFirst: g.feederFirst };
          const { optIns, actualKw, committedKw, dr, m } = run(s, (c) => c * kept + noise);
          const committedKwh = optIns.reduce((x, r) => x + Math.abs(r.deliverKw) * DT, 0);
          const alone = settleDrCommand(0, actualKw, committedKwh, DT, terms, committedKw);
          expect(byOperator(dr, 'payments').toFixed(), 'paid').to.equal(alone.pay.toFixed());
          expect(byOperator(dr, 'penalties').toFixed(), 'charged').to.equal(alone.penalty.toFixed());
          expect(m.drPaid.toFixed(), 'the books: what the operators paid').to.equal(alone.pay.minus(alone.penalty).toFixed());
        },
      ),
      { numRuns: 400 },
    );
  });

  it('property (settleDrCommand): 2–4 commitments, each at its own operator\'s prices, take consecutive parts of the one delivery; their credited and short kWh add up to the device\'s rounded once, each is paid at its own price exactly, and none is credited more than it committed (to the 1e-6 kWh)', () => {
    const micro = (m: Money) => m.times(1e6).toNumber();
    fc.assert(
      fc.property(
        fc.array(fc.record({ kwh: fc.integer({ min: 1, max: 5_000_000 }).map((x) => x / 1e6), price: fc.integer({ min: 0, max: 99_999 }).map((x) => x / 13), penaltyPrice: fc.integer({ min: 0, max: 99_999 }).map((x) => x / 7) }), { minLength: 2, maxLength: 4 }),
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.constantFrom('baseline' as const, 'commitment' as const),
        fc.double({ min: -30, max: 30, noNaN: true }),
        (commitments, baselineKw, actualKw, rule, levelKw) => {
          const durationH = 0.25;
          const totalKwh = commitments.reduce((x, c) => x + c.kwh, 0);
          let beforeKwh = 0;
          const parts = commitments.map((c) => {
            const split: DrSplit = { beforeKwh, totalKwh };
            beforeKwh += c.kwh;
            const terms: DrTerms = { eventPriceMwh: c.price, shortfallPenaltyMwh: c.penaltyPrice, penalty: rule };
            const s = settleDrCommand(baselineKw, actualKw, c.kwh, durationH, terms, levelKw, split);
            const credited = money(s.creditedKwh);
            expect(s.pay.toFixed(), 'paid at its own price').to.equal(credited.times(money(c.price)).div(1000).toFixed());
            expect(s.creditedKwh).to.be.at.most(c.kwh + 1e-6);
            expect(s.creditedKwh).to.be.at.least(0);
            return { credited, short: c.penaltyPrice === 0 ? undefined : s.penalty.div(money(c.penaltyPrice)).times(1000) };
          });
          // One command for all of it, at any one price: what the device is credited and short, rounded once.
          const alone = settleDrCommand(baselineKw, actualKw, totalKwh, durationH, { eventPriceMwh: 1000, shortfallPenaltyMwh: 1000, penalty: rule }, levelKw);
          expect(micro(parts.reduce((x, p) => x.plus(p.credited), money(0)))).to.equal(micro(alone.pay));
          if (parts.every((p) => p.short !== undefined)) expect(micro(parts.reduce((x, p) => x.plus(p.short!), money(0)))).to.equal(micro(alone.penalty));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a command counted in the other way (an opt-out that did not reach its operator on a communication plane counts as an opt-in: engine/interval/comms.ts) is settled on its own, and takes no share of the delivery the device made for the first operator', () => {
    // grid ─transformer (15 kW)─ feeder ─line (25 kW)─ street: a 50 kW load at feeder, 30 kW PV at street (conflicts.spec.ts,
    // "the other way"): tx-op gets −5 kW, line-op's charge command of +10 is declined (an opt-out).
    const network = networkFromConfig({ baseKva: 1000, buses: [{ id: 'grid', reference: true }, { id: 'feeder' }, { id: 'street' }], branches: [branch('transformer', 'grid', 'feeder', 15), branch('line', 'feeder', 'street', 25)] as never });
    const grid = { network, solver: undefined as never, topologies: new TopologyCache() } as Grid;
    const bus = (id: string) => grid.topologies.get(network).busIds.indexOf(id as never);
    const parties: RoomParty[] = [
      { id: 'battery-1', kind: 'storage', busIndex: bus('street'), responder: { respond: (c, planned, at) => respondStorage({ battery: PARAMS, socKwh: 30, faulted: false, quantumKw: 0.001 }, c, planned, at.durationH) } },
      { id: 'load', kind: 'home', busIndex: bus('feeder'), responder: undefined },
      { id: 'pv', kind: 'home', busIndex: bus('street'), responder: undefined },
    ];
    const ops = [
      { id: 'tx-op', watch: ['transformer'], headroomPct: 0, eventPriceMwh: 300, shortfallPenaltyMwh: 100 },
      { id: 'line-op', watch: ['line'], buses: ['street'], headroomPct: 0, charge: true, v2g: false, eventPriceMwh: 300, shortfallPenaltyMwh: 100 },
    ].map((o) => operatorSchema.parse(o));
    const counterfactual = { netKw: [new Float64Array(96), new Float64Array(96).fill(50), new Float64Array(96).fill(-30)], overloadIntervals: 0 };
    const room = new GridRoom(grid, ops, [], parties, 96, 96, () => true, new RandomService(1), counterfactual);
    const op = room.operate(interval, grid, Float64Array.from([0, 50, -30]), new Uint8Array(3).fill(1));
    expect(op.records.map((r) => [r.command.issuer, r.response, r.requestedKw, r.deliverKw])).to.deep.equal([
      ['tx-op', 'opt-in', -5, -5],
      ['line-op', 'opt-out', 10, 0],
    ]);
    // The plane: line-op never heard the opt-out, so it counts the battery as committed to +10 kW (comms.ts, silence is consent).
    const counted = op.records.map((r) => (r.response === 'opt-out' ? { ...r, response: 'opt-in' as const, deliverKw: r.requestedKw } : r));
    // The battery did what it committed to tx-op: −5 kW against its idle counterfactual, 1.25 kWh.
    room.measure(interval, grid, { flows: [] } as unknown as ClearingResult, Float64Array.from([-5, 50, -30]), counted, []);
    const dr = (room.summary() as { demandResponse: Record<string, { creditedKwh: number; payments: string; penalties: string }> }).demandResponse;
    // tx-op: 1.25 kWh delivered as committed, paid 0.375, no penalty (as with one operator). Split by magnitude (5 : 10) with
    // line-op's counted +10, it was credited a third (0.125) and charged the rest short.
    expect([dr['tx-op']!.creditedKwh, dr['tx-op']!.payments, dr['tx-op']!.penalties]).to.deep.equal([1.25, '0.375', '0']);
    // line-op: the battery charged nothing of its 2.5 kWh: 2.5 kWh short at 100/MWh, as one operator would charge a counted opt-in not delivered.
    expect([dr['line-op']!.creditedKwh, dr['line-op']!.payments, dr['line-op']!.penalties]).to.deep.equal([0, '0', '0.25']);
  });

  it('operators with different baselines each measure their part against their own (a design call, docs/markets.md): tx-op on the counterfactual is credited its third of the 6 kW, feeder-op on a 10-of-10 without a clean prior day measures nothing and settles nothing', () => {
    const network = networkFromConfig({ baseKva: 1000, buses: [{ id: 'grid', reference: true }, { id: 'feeder' }, { id: 'street' }], branches: [branch('transformer', 'grid', 'feeder', 20), branch('line', 'feeder', 'street', 24)] as never });
    const grid = { network, solver: undefined as never, topologies: new TopologyCache() } as Grid;
    const street = grid.topologies.get(network).busIds.indexOf('street' as never);
    const parties: RoomParty[] = [
      { id: 'battery-1', kind: 'storage', busIndex: street, responder: { respond: (c, planned, at) => respondStorage({ battery: PARAMS, socKwh: 30, faulted: false, quantumKw: 0.001 }, c, planned, at.durationH) } },
      { id: 'load', kind: 'home', busIndex: street, responder: undefined },
    ];
    const ops = [
      { id: 'feeder-op', watch: ['line'], buses: ['street'], headroomPct: 0, eventPriceMwh: 300, shortfallPenaltyMwh: 100, baseline: 'ten-of-ten' },
      { id: 'tx-op', watch: ['transformer'], headroomPct: 0, eventPriceMwh: 300, shortfallPenaltyMwh: 100, baseline: 'counterfactual' },
    ].map((o) => operatorSchema.parse(o));
    const counterfactual = { netKw: [new Float64Array(96), new Float64Array(96).fill(26)], overloadIntervals: 0 };
    const room = new GridRoom(grid, ops, [], parties, 96, 96, () => true, new RandomService(1), counterfactual);
    const op = room.operate(interval, grid, Float64Array.from([0, 26]), new Uint8Array(2).fill(1));
    const m = room.measure(interval, grid, { flows: [] } as unknown as ClearingResult, Float64Array.from([-6, 26]), op.records, []);
    const dr = (room.summary() as { demandResponse: Record<string, { deliveredKwh: number; unmeasuredKwh: number; payments: string }> }).demandResponse;
    // tx-op committed 4 of the 6 kW: ⅔ of the 1.5 kWh the counterfactual measures, 1 kWh, 0.3.
    expect([dr['tx-op']!.deliveredKwh, dr['tx-op']!.payments]).to.deep.equal([1, '0.3']);
    // feeder-op's 0.5 kWh is not measured (no 10-of-10 baseline on the first day): nobody pays for it.
    expect([dr['feeder-op']!.deliveredKwh, dr['feeder-op']!.unmeasuredKwh, dr['feeder-op']!.payments]).to.deep.equal([0, 0.5, '0']);
    expect(m.drPaid.toFixed()).to.equal('0.3');
  });
});

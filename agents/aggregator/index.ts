/**
 * `kind: aggregator` — a portfolio of members (homes, buildings, EVs, storage).
 * Members give their curves to the aggregator, not to the market; the aggregator
 * bids one curve per bus (so nodal prices stay right), and after clearing splits
 * each bus's award among the members there consistently with their own curves at
 * the cleared price (`splitAward`), then settles with them under its contract.
 * The market sees only the aggregator; a member sees only its own allocation.
 * Like PowerMatcher's concentrator: an agent upward, a small market downward.
 */
import * as z from 'zod';
import { agentId, type BusId } from '../../core/units.ts';
import { aggregateCurves } from '../../market/aggregate.ts';
import { strategyFor, strategyRefSchema } from '../../strategies/registry.ts';
import type { AggregatorView } from '../../strategies/aggregator/view.ts';
import type { ValueSegment } from '../../strategies/types.ts';
import type { AggregatorRuntime, BusBid, IntermediaryKindModule, MemberCurve } from '../types.ts';
import { contractSchema } from './contract.ts';
import { aggregatorMachine } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';

/** Every aggregator's machine: shared snapshots and steps (agents/lifecycle.ts). */
const AGGREGATOR_MODEL = new MachineModel(aggregatorMachine);

import { splitAmongMembers } from './split.ts';

export const aggregatorGroupSchema = z.strictObject({
  kind: z.literal('aggregator'),
  /** The aggregator's id; members name it in their `aggregator:` key. */
  id: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits and _ . : - only'),
  count: z.literal(1).default(1),
  contract: contractSchema.default({ type: 'pass-through', feePerKwh: 0.01 }),
  /** How it bids its members' aggregate curve at each bus (default: truthful). */
  strategy: strategyRefSchema.optional(),
});
export type AggregatorGroup = z.infer<typeof aggregatorGroupSchema>;

export type { AggregatorView } from '../../strategies/aggregator/view.ts';

export const aggregatorKind: IntermediaryKindModule<AggregatorGroup, AggregatorRuntime> = {
  role: 'aggregator',
  kind: 'aggregator',
  groupSchema: aggregatorGroupSchema,
  machine: aggregatorMachine,
  create(group, env) {
    const strategy = strategyFor<AggregatorView>(group.strategy, 'truthful', env.reportStrategyFault, { agentId: group.id, random: env.random, lpSolver: env.lpSolver });
    const lifecycle = new Lifecycle(AGGREGATOR_MODEL);
    // Every transition of the machine changes its state, so "can" means "the lifecycle moves".
    const send = (type: 'CURVES' | 'NO_CURVES' | 'AWARDED' | 'NOT_AWARDED'): void => {
      if (lifecycle.can({ type })) lifecycle.send({ type });
    };
    return {
      role: 'aggregator',
      id: agentId(group.id),
      kind: 'aggregator',
      lifecycle,
      contract: group.contract,
      bid(_interval, curves, market) {
        if (lifecycle.value === 'faulted') return [];
        const bids: BusBid[] = [];
        for (const [bus, list] of byBus(curves)) {
          // On a feeder that prices reactive power, one curve per power factor: the clearing draws each class's tan φ
          // with its kW, so the kvar of what clears is the members' (split.ts gives each class's award to its members).
          for (const [kvarPerKw, members] of byPowerFactor(list)) {
            const aggregate = aggregateCurves(members.map((c) => ({ memberId: c.memberId, segments: c.segments })));
            const demand: ValueSegment[] = [];
            const supply: ValueSegment[] = [];
            for (const s of aggregate) (s.side === 'buy' ? demand : supply).push({ kw: s.quantityKw, valueMwh: s.priceMwh });
            const view: AggregatorView = Object.freeze({
              agentId: group.id,
              kind: 'aggregator',
              bus,
              members: members.length,
              demand: Object.freeze(demand),
              supply: Object.freeze(supply),
              ...(kvarPerKw !== undefined ? { kvarPerKw } : {}),
            });
            const segments = strategy.bid(view, market(bus));
            if (segments.length > 0) bids.push(kvarPerKw !== undefined ? { bus, segments, kvarPerKw } : { bus, segments });
          }
        }
        send(bids.length > 0 ? 'CURVES' : 'NO_CURVES');
        return bids;
      },
      awarded(interval, anything, awards) {
        send(anything ? 'AWARDED' : 'NOT_AWARDED');
        // Its strategy learns what its own bid at each bus cleared (learning strategies).
        if (strategy.observe && awards) for (const a of awards) strategy.observe({ interval, bus: a.bus, buyKw: a.buyKw, sellKw: a.sellKw, priceMwh: a.priceMwh, ...(a.kvarPerKw !== undefined ? { kvarPerKw: a.kvarPerKw } : {}) });
      },
      // Day-ahead: its portfolio as it is, one aggregate curve per bus (docs/markets.md, "Aggregators and retailers day-ahead").
      dayAhead: (curves, rules) =>
        lifecycle.value === 'faulted'
          ? []
          : byBus(curves)
              .map(([bus, list]) => ({ bus, segments: aggregateCurves(list.map((c) => ({ memberId: c.memberId, segments: c.segments })), rules) }))
              .filter((b) => b.segments.length > 0),
      allocate: (interval, curves, awards, rules) => (awards.length === 0 ? [] : splitAmongMembers(curves, awards, group.contract, rules, interval.durationH)),
      observe: () => ({ state: lifecycle.value, baselineKw: 0, unservedKwh: 0 }),
    };
  },
};

/**
 * One bus's members grouped by power factor (`MemberCurve.kvarPerKw`), classes by ascending tan φ; a single group
 * without a class where the members carry none (no feeder pricing reactive power: one bid per bus, as ever).
 */
function byPowerFactor(list: readonly MemberCurve[]): Array<[number | undefined, MemberCurve[]]> {
  if (list.every((c) => c.kvarPerKw === undefined)) return [[undefined, list as MemberCurve[]]];
  const m = new Map<number, MemberCurve[]>();
  for (const c of list) {
    const t = c.kvarPerKw ?? 0;
    let group = m.get(t);
    if (!group) m.set(t, (group = []));
    group.push(c);
  }
  return [...m].sort(([a], [b]) => a - b);
}

/** Members' curves grouped by bus, buses in id order. */
function byBus(curves: readonly MemberCurve[]): Array<[BusId, MemberCurve[]]> {
  const m = new Map<BusId, MemberCurve[]>();
  for (const c of curves) {
    let list = m.get(c.bus);
    if (!list) m.set(c.bus, (list = []));
    list.push(c);
  }
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

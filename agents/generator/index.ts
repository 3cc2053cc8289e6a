/**
 * `kind: generator` — bulk or distributed supply with an offer curve (segments of
 * kW at marginal cost), optionally shaped by an hourly availability profile.
 */
import { positivePowerKw, priceMwh } from '../../core/bounds.ts';
import * as z from 'zod';
import type { MarketInterval } from '../../core/clock.ts';
import { strategyFor } from '../../strategies/registry.ts';
import type { AgentViewBase } from '../../strategies/types.ts';
import { groupBaseShape, groupMembers } from '../group.ts';
import type { AgentKindModule, AgentRuntime } from '../types.ts';
import { generatorLifecycle, generatorMachine } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';

/** Every generator's machine: shared snapshots and steps (agents/lifecycle.ts). */
const GENERATOR_MODEL = new MachineModel(generatorMachine);

import { availableOffer, type OfferBlock } from './offer.ts';

export const generatorGroupSchema = z.strictObject({
  kind: z.literal('generator'),
  ...groupBaseShape,
  /** Offer curve: blocks of kW at a marginal cost in currency/MWh. */
  offers: z.array(z.strictObject({ kw: positivePowerKw(), priceMwh: priceMwh() })).min(1),
  /** Share of each block available in each UTC hour (24 values in [0, 1]): a solar or wind shape. An interval spanning hours gets their time-weighted mean. */
  availabilityByHour: z.array(z.number().min(0).max(1)).length(24).optional(),
  /**
   * Energy it can take back, blocks of kW at the most it pays for them (currency/MWh): a grid
   * connection whose upstream network absorbs the feeder's exports, a pump. Bid as demand, and
   * re-dispatch may move it below zero output along these (market/redispatch.ts).
   */
  takes: z.array(z.strictObject({ kw: positivePowerKw(), priceMwh: priceMwh() })).optional(),
});
export type GeneratorGroup = z.infer<typeof generatorGroupSchema>;

export interface GeneratorView extends AgentViewBase {
  readonly kind: 'generator';
  readonly outputKw: number;
}

export const generatorKind: AgentKindModule<GeneratorGroup> = {
  kind: 'generator',
  role: 'agent',
  groupSchema: generatorGroupSchema,
  machine: generatorMachine,
  create(group, env) {
    const strategy = strategyFor<GeneratorView>(group.strategy, 'truthful', env.reportStrategyFault);
    // What it takes back, most valuable first.
    const takes = Object.freeze((group.takes ?? []).map((b) => ({ kw: b.kw, valueMwh: b.priceMwh })).sort((a, b) => b.valueMwh - a.valueMwh));
    // The offer blocks and the profile in arrays of the plant's own: the schema parser's arrays come out PACKED or HOLEY
    // depending on whether its map() ran optimised, and realTime, which inlines availableOffer, deopted on the other
    // kind in the next run (measured). A Float64Array keeps the profile as plain numbers.
    const offers: OfferBlock[] = [];
    for (const b of group.offers) offers.push(b);
    const availability = group.availabilityByHour && Float64Array.from(group.availabilityByHour);
    return groupMembers(group, env.defaultBus).map((m): AgentRuntime => {
      const lifecycle = new Lifecycle(GENERATOR_MODEL);
      let outputKw = 0;
      const view = (interval: MarketInterval): GeneratorView =>
        Object.freeze({
          agentId: m.id,
          kind: 'generator',
          demand: takes,
          supply: Object.freeze(availableOffer(offers, availability, interval.start, interval.end)),
          outputKw,
        });
      return {
        id: m.id,
        kind: 'generator',
        bus: m.bus,
        lifecycle,
        bid: (interval, market) => (lifecycle.value === 'faulted' ? [] : strategy.bid(view(interval), market)),
        settle(award) {
          // A faulted plant produces nothing, whatever it was told.
          outputKw = lifecycle.value === 'faulted' ? 0 : award.sellKw - award.buyKw;
          const event = generatorLifecycle(lifecycle.value, outputKw);
          if (event) lifecycle.send(event);
        },
        observe: () => ({ state: lifecycle.value, baselineKw: 0, unservedKwh: 0, consumedKw: Math.max(0, -outputKw), generatedKw: Math.max(0, outputKw) }),
        regulation: (interval) =>
          lifecycle.value === 'faulted' ? { offers: [], takes: [] } : { offers: availableOffer(offers, availability, interval.start, interval.end), takes },
        // Day-ahead: its available offer at marginal cost, and what it takes back, in every delivery interval (a plant faulted at the gate offers nothing).
        dayAhead: (intervals) => ({
          curves:
            lifecycle.value === 'faulted'
              ? []
              : intervals.map((iv) => ({
                  interval: iv.index,
                  segments: [
                    ...availableOffer(offers, availability, iv.start, iv.end).map((o) => ({ side: 'sell' as const, priceMwh: o.valueMwh, quantityKw: o.kw })),
                    ...takes.map((t) => ({ side: 'buy' as const, priceMwh: t.valueMwh, quantityKw: t.kw })),
                  ],
                })),
        }),
      };
    });
  },
};

/**
 * `kind: home` — a household: a base load that follows a standard residential
 * profile (scaled per home, with seeded noise), of which a share is price-responsive.
 */
import { createActor } from 'xstate';
import { z } from 'zod';
import { createStrategy } from '../../strategies/registry.ts';
import type { AgentViewBase, ValueSegment } from '../../strategies/types.ts';
import { groupBaseShape, groupMembers } from '../group.ts';
import { MS_PER_HOUR, type SimTime, simTime } from '../../core/time.ts';
import { annualKwhToMeanKw, dayTypeOf, drawHomeScale, drawLoadNoise, residentialShapeFactor } from '../physics/loadProfile.ts';
import { localHourOfDay } from '../physics/localTime.ts';
import type { AgentKindModule, AgentRuntime } from '../types.ts';
import { type HomePlan, homeLifecycle, homeMachine, type HomeState, INITIAL_HOME_STATE, stepHome } from './machine.ts';
import { baseLoadValuation, flexibleBlockValues } from './valuation.ts';

export const homeGroupSchema = z.strictObject({
  kind: z.literal('home'),
  ...groupBaseShape,
  baseLoad: z
    .strictObject({
      /** Average annual consumption of the group, kWh/a (e.g. 3500 for a European household). */
      annualKwh: z.number().positive().default(3500),
      /** Spread of consumption among homes: log-normal ln-sd of the per-home scale. */
      homeScaleSigma: z.number().min(0).max(2).default(0.35),
      /** Interval-to-interval noise: sd of the multiplicative N(1, sd) factor. */
      noiseSd: z.number().min(0).max(1).default(0.2),
    })
    .default({ annualKwh: 3500, homeScaleSigma: 0.35, noiseSd: 0.2 }),
  flexibility: z
    .strictObject({
      /** Share of the base load that responds to price, 0–1. */
      share: z.number().min(0).max(1).default(0.2),
      /** Willingness to pay for the flexible share, currency/MWh: blocks spread over [min, max]. */
      valueMwh: z.strictObject({ min: z.number(), max: z.number() }).default({ min: 50, max: 250 }),
      blocks: z.int().min(1).max(20).default(3),
    })
    .default({ share: 0.2, valueMwh: { min: 50, max: 250 }, blocks: 3 }),
});
export type HomeGroup = z.infer<typeof homeGroupSchema>;

export interface HomeView extends AgentViewBase {
  readonly kind: 'home';
  readonly desiredKw: number;
  readonly inelasticKw: number;
}

export const homeKind: AgentKindModule<HomeGroup> = {
  kind: 'home',
  role: 'agent',
  groupSchema: homeGroupSchema,
  machine: homeMachine,
  create(group, env) {
    const strategy = createStrategy(group.strategy ?? 'truthful');
    const meanKw = annualKwhToMeanKw(group.baseLoad.annualKwh);
    const { share } = group.flexibility;
    // The profile's shape is the same for every home of the group in an interval: compute it once.
    let shapeAt = NaN;
    let shape = 0;
    const shapeFactor = (t: SimTime): number => {
      if (t !== shapeAt) {
        shapeAt = t;
        shape = residentialShapeFactor(localHourOfDay(t, env.site.utcOffsetHours), dayTypeOf(t, env.site.utcOffsetHours));
      }
      return shape;
    };
    return groupMembers(group, env.defaultBus).map((m): AgentRuntime => {
      const profileRng = env.random.stream(m.id, 'base-load');
      const scale = drawHomeScale(env.random.stream(m.id, 'home-scale'), group.baseLoad.homeScaleSigma);
      const values = flexibleBlockValues(group.flexibility.valueMwh.min, group.flexibility.valueMwh.max, group.flexibility.blocks, env.random.stream(m.id, 'willingness-to-pay').next());
      const actor = createActor(homeMachine).start();
      let plan: HomePlan = { desiredKw: 0, inelasticKw: 0 };
      let state: HomeState = INITIAL_HOME_STATE;
      return {
        id: m.id,
        kind: 'home',
        bus: m.bus,
        actor,
        bid(interval, market) {
          // Draw every interval, faulted or not, so a fault never shifts later draws.
          const noise = drawLoadNoise(profileRng, group.baseLoad.noiseSd);
          const load = Math.max(0, meanKw * scale * shapeFactor(simTime(interval.start + (interval.durationH * MS_PER_HOUR) / 2)) * noise);
          plan = { desiredKw: load, inelasticKw: load * (1 - share) };
          if (actor.getSnapshot().value === 'faulted') return [];
          const demand: ValueSegment[] = baseLoadValuation(load, share, values, market.priceCapMwh);
          const view: HomeView = Object.freeze({ agentId: m.id, kind: 'home', demand: Object.freeze(demand), supply: [], desiredKw: load, inelasticKw: plan.inelasticKw });
          return strategy.bid(view, market);
        },
        settle(award) {
          state = stepHome(state, plan, award.buyKw, award.interval.durationH);
          const event = homeLifecycle(actor.getSnapshot().value, plan, award.buyKw);
          if (event) actor.send(event);
        },
        observe() {
          return { state: actor.getSnapshot().value, baselineKw: plan.desiredKw, unservedKwh: (state.unservedKw * env.clock.intervalMinutes) / 60 };
        },
      };
    });
  },
};

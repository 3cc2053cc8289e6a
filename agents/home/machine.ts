/**
 * A home's lifecycle. One event per interval, CLEARED, carries what the home
 * planned to consume and what the market gave it; the physics update is a pure
 * function (`stepHome`) applied by `assign`, and the state follows from it:
 * - normal: it consumes what it wanted;
 * - curtailed: it consumes less than it wanted (priced out, or load shed);
 * - faulted: out of service (a FAULT event) until REPAIR.
 */
import { assign, setup } from 'xstate';

export interface HomeContext {
  /** Power drawn from the grid in the last interval, kW. */
  readonly consumptionKw: number;
  /** Flexible consumption given up because of price in the last interval, kW. */
  readonly sheddedFlexibleKw: number;
  /** Inelastic need not served in the last interval, kW (involuntary load shed). */
  readonly unservedKw: number;
  readonly energyKwh: number;
  readonly unservedKwh: number;
}

export interface HomePlan {
  readonly desiredKw: number;
  readonly inelasticKw: number;
}

export type HomeEvent =
  | { readonly type: 'CLEARED'; readonly plan: HomePlan; readonly boughtKw: number; readonly durationH: number }
  | { readonly type: 'FAULT' }
  | { readonly type: 'REPAIR' };

/** Tolerance for "got less than it wanted": one watt. */
const SHORTFALL_KW = 1e-3;

/** The physics of one interval (pure): what was consumed, given up and not served. */
export function stepHome(ctx: HomeContext, plan: HomePlan, boughtKw: number, durationH: number): HomeContext {
  const consumption = Math.min(boughtKw, plan.desiredKw);
  const unserved = Math.max(0, plan.inelasticKw - consumption);
  return {
    consumptionKw: consumption,
    sheddedFlexibleKw: Math.max(0, plan.desiredKw - consumption - unserved),
    unservedKw: unserved,
    energyKwh: ctx.energyKwh + consumption * durationH,
    unservedKwh: ctx.unservedKwh + unserved * durationH,
  };
}

export const INITIAL_HOME_CONTEXT: HomeContext = Object.freeze({ consumptionKw: 0, sheddedFlexibleKw: 0, unservedKw: 0, energyKwh: 0, unservedKwh: 0 });

export const homeMachine = setup({
  types: { context: {} as HomeContext, events: {} as HomeEvent },
  actions: {
    consume: assign(({ context, event }) => (event.type === 'CLEARED' ? stepHome(context, event.plan, event.boughtKw, event.durationH) : {})),
  },
  guards: {
    shortOfPlan: ({ event }) => event.type === 'CLEARED' && event.boughtKw < event.plan.desiredKw - SHORTFALL_KW,
  },
}).createMachine({
  id: 'home',
  context: INITIAL_HOME_CONTEXT,
  initial: 'normal',
  states: {
    normal: {
      on: {
        CLEARED: [{ guard: 'shortOfPlan', target: 'curtailed', actions: 'consume' }, { actions: 'consume' }],
        FAULT: 'faulted',
      },
    },
    curtailed: {
      on: {
        CLEARED: [{ guard: 'shortOfPlan', actions: 'consume' }, { target: 'normal', actions: 'consume' }],
        FAULT: 'faulted',
      },
    },
    faulted: {
      entry: assign({ consumptionKw: 0 }),
      on: { REPAIR: 'normal' },
    },
  },
});

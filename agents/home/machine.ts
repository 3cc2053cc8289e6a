/**
 * A home's lifecycle. The machine owns the states a person would name and which
 * moves between them are legal; the numbers (consumption, comfort) live in plain
 * data updated by pure functions (`stepHome`). The runtime sends an event only
 * when the lifecycle changes, so a quiet home costs no machine work at all
 * (DESIGN.md §1: at most one or two machine events per agent per interval).
 * - normal: it consumes what it wants;
 * - curtailed: it consumes less than it wants (priced out, or load shed);
 * - faulted: out of service until repaired.
 */
import { setup } from 'xstate';

export type HomeEvent = { readonly type: 'CURTAIL' } | { readonly type: 'RESTORE' } | { readonly type: 'FAULT' } | { readonly type: 'REPAIR' };

export const homeMachine = setup({
  types: { events: {} as HomeEvent },
}).createMachine({
  id: 'home',
  initial: 'normal',
  states: {
    normal: { on: { CURTAIL: 'curtailed', FAULT: 'faulted' } },
    curtailed: { on: { RESTORE: 'normal', FAULT: 'faulted' } },
    faulted: { on: { REPAIR: 'normal' } },
  },
});

/** The home's physical state: plain data, replaced (never mutated) each interval. */
export interface HomeState {
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

export const INITIAL_HOME_STATE: HomeState = Object.freeze({ consumptionKw: 0, sheddedFlexibleKw: 0, unservedKw: 0, energyKwh: 0, unservedKwh: 0 });

/** Tolerance for "got less than it wanted": one watt. */
export const SHORTFALL_KW = 1e-3;

/** The physics of one interval (pure): what was consumed, given up and not served. */
export function stepHome(s: HomeState, plan: HomePlan, boughtKw: number, durationH: number): HomeState {
  const consumption = Math.min(boughtKw, plan.desiredKw);
  const unserved = Math.max(0, plan.inelasticKw - consumption);
  return {
    consumptionKw: consumption,
    sheddedFlexibleKw: Math.max(0, plan.desiredKw - consumption - unserved),
    unservedKw: unserved,
    energyKwh: s.energyKwh + consumption * durationH,
    unservedKwh: s.unservedKwh + unserved * durationH,
  };
}

/** The lifecycle event an interval's outcome calls for, if any. */
export function homeLifecycle(state: string, plan: HomePlan, boughtKw: number): HomeEvent | undefined {
  const short = boughtKw < plan.desiredKw - SHORTFALL_KW;
  if (state === 'normal' && short) return { type: 'CURTAIL' };
  if (state === 'curtailed' && !short) return { type: 'RESTORE' };
  return undefined;
}

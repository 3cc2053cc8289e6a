/**
 * An electric car's lifecycle as its owner would tell it:
 * - away: driving or parked elsewhere; not plugged in, cannot charge;
 * - plugged-idle: plugged in, neither charging nor discharging this interval;
 * - charging / discharging (V2G): taking from or giving to the grid this interval;
 * - full: plugged in at its departure target (its charge limit);
 * - faulted: the charge point is out of service until repaired.
 *
 * The machine owns which moves are legal; the numbers (SoC, session, limits) live
 * in plain data beside it (`session.ts`). The runtime sends an event only when the
 * lifecycle changes (`evLifecycle`), so a parked car costs no machine work.
 * DISCHARGE is guarded: only a V2G-capable car whose SoC is above its discharge
 * floor (reserve and departure-feasible SoC) may discharge.
 */
import { setup } from 'xstate';

export type EvState = 'away' | 'plugged-idle' | 'charging' | 'discharging' | 'full' | 'faulted';

export type EvEvent =
  | { readonly type: 'ARRIVE' }
  | { readonly type: 'DEPART' }
  | { readonly type: 'CHARGE' }
  | { readonly type: 'IDLE' }
  | { readonly type: 'FULL' }
  /** SoC at the start of the discharge and the floor it may not go below (both kWh). */
  | { readonly type: 'DISCHARGE'; readonly socKwh: number; readonly floorKwh: number }
  /**
   * The same comparison already made (socKwh > floorKwh): what the runtime sends. An event
   * of strings and booleans only, so the lifecycle shares its step across cars
   * (agents/lifecycle.ts) instead of running XState's `transition` for every discharge.
   */
  | { readonly type: 'DISCHARGE'; readonly aboveFloor: boolean }
  | { readonly type: 'FAULT' }
  | { readonly type: 'REPAIR' };

export interface EvContext {
  readonly v2gCapable: boolean;
}

export const evMachine = setup({
  types: { context: {} as EvContext, input: {} as { v2gCapable: boolean }, events: {} as EvEvent },
  guards: {
    canDischarge: ({ context, event }) => event.type === 'DISCHARGE' && context.v2gCapable && ('aboveFloor' in event ? event.aboveFloor : event.socKwh > event.floorKwh),
  },
}).createMachine({
  id: 'ev',
  context: ({ input }) => ({ v2gCapable: input.v2gCapable }),
  initial: 'away',
  states: {
    away: { on: { ARRIVE: 'plugged-idle', FAULT: 'faulted' } },
    'plugged-idle': {
      on: { CHARGE: 'charging', DISCHARGE: { target: 'discharging', guard: 'canDischarge' }, FULL: 'full', DEPART: 'away', FAULT: 'faulted' },
    },
    charging: {
      on: { IDLE: 'plugged-idle', FULL: 'full', DISCHARGE: { target: 'discharging', guard: 'canDischarge' }, DEPART: 'away', FAULT: 'faulted' },
    },
    discharging: { on: { CHARGE: 'charging', IDLE: 'plugged-idle', FULL: 'full', DEPART: 'away', FAULT: 'faulted' } },
    full: {
      on: { CHARGE: 'charging', IDLE: 'plugged-idle', DISCHARGE: { target: 'discharging', guard: 'canDischarge' }, DEPART: 'away', FAULT: 'faulted' },
    },
    faulted: { on: { REPAIR: 'away' } },
  },
});

/** What the physics says the car is doing (the lifecycle the machine should be in). */
export type EvMode = Exclude<EvState, 'faulted'>;

const ARRIVE: EvEvent = Object.freeze({ type: 'ARRIVE' });
const DEPART: EvEvent = Object.freeze({ type: 'DEPART' });
const CHARGE: EvEvent = Object.freeze({ type: 'CHARGE' });
const IDLE: EvEvent = Object.freeze({ type: 'IDLE' });
const FULL: EvEvent = Object.freeze({ type: 'FULL' });
const DISCHARGE_ABOVE_FLOOR: EvEvent = Object.freeze({ type: 'DISCHARGE', aboveFloor: true });
const DISCHARGE_AT_FLOOR: EvEvent = Object.freeze({ type: 'DISCHARGE', aboveFloor: false });

/**
 * The event that moves the machine from `state` to `mode`, if any (undefined when it
 * is already there, or faulted: only REPAIR leaves that). From away, any plugged
 * mode starts with ARRIVE (the next call moves on from plugged-idle). A DISCHARGE
 * carries whether the SoC before the step (`discharge.socKwh`) was above the floor it
 * was held to (`discharge.floorKwh`; no `discharge`: SoC 0 against an infinite floor, not above).
 */
export function evLifecycle(state: string, mode: EvMode, discharge?: { readonly socKwh: number; readonly floorKwh: number }): EvEvent | undefined {
  if (state === mode || state === 'faulted') return undefined;
  if (mode === 'away') return DEPART;
  if (state === 'away') return ARRIVE;
  switch (mode) {
    case 'plugged-idle':
      return IDLE;
    case 'charging':
      return CHARGE;
    case 'full':
      return FULL;
    case 'discharging':
      return (discharge?.socKwh ?? 0) > (discharge?.floorKwh ?? Infinity) ? DISCHARGE_ABOVE_FLOOR : DISCHARGE_AT_FLOOR;
  }
}

/**
 * A commercial building's lifecycle. The machine owns the states its facility
 * manager would name; temperatures, loads and the curtailment contract live in
 * plain data stepped by pure functions (`curve.ts`). Events are sent only when the
 * lifecycle changes (at most a few a day per building).
 * - unoccupied: outside business hours (setback band, comfort not counted);
 * - occupied: people in, comfort band in force;
 * - curtailed: consuming less than it wants (its curtailable share priced out, or
 *   load shed), occupied or not;
 * - faulted: out of service until repaired (FAULT and REPAIR come from outside).
 */
import { setup } from 'xstate';

export type BuildingEvent =
  | { readonly type: 'OCCUPY' }
  | { readonly type: 'VACATE' }
  | { readonly type: 'CURTAIL' }
  /** Back to full service; `occupied` says which state that is. */
  | { readonly type: 'RESTORE'; readonly occupied: boolean }
  | { readonly type: 'FAULT' }
  | { readonly type: 'REPAIR' };

export type BuildingStateValue = 'unoccupied' | 'occupied' | 'curtailed' | 'faulted';

export const buildingMachine = setup({
  types: { events: {} as BuildingEvent },
  guards: {
    restoresOccupied: ({ event }) => event.type === 'RESTORE' && event.occupied,
  },
}).createMachine({
  id: 'building',
  initial: 'unoccupied',
  states: {
    unoccupied: { on: { OCCUPY: 'occupied', CURTAIL: 'curtailed', FAULT: 'faulted' } },
    occupied: { on: { VACATE: 'unoccupied', CURTAIL: 'curtailed', FAULT: 'faulted' } },
    curtailed: { on: { RESTORE: [{ guard: 'restoresOccupied', target: 'occupied' }, { target: 'unoccupied' }], FAULT: 'faulted' } },
    faulted: { on: { REPAIR: 'unoccupied' } },
  },
});

/** Tolerance for "got less than it wanted": one watt. */
export const BUILDING_SHORTFALL_KW = 1e-3;

const EVENTS = Object.freeze({
  OCCUPY: Object.freeze({ type: 'OCCUPY' }) as BuildingEvent,
  VACATE: Object.freeze({ type: 'VACATE' }) as BuildingEvent,
  CURTAIL: Object.freeze({ type: 'CURTAIL' }) as BuildingEvent,
  RESTORE_OCCUPIED: Object.freeze({ type: 'RESTORE', occupied: true }) as BuildingEvent,
  RESTORE_UNOCCUPIED: Object.freeze({ type: 'RESTORE', occupied: false }) as BuildingEvent,
});

/**
 * The state an interval's outcome puts a working building in: curtailed (wanted power
 * not consumed, kW, above a watt, or consumption lowered by an operator's command,
 * `commandedKw` < −1 W) over occupied/unoccupied (people in this interval).
 */
export function buildingTargetState(occupied: boolean, shortKw: number, commandedKw = 0): Exclude<BuildingStateValue, 'faulted'> {
  if (shortKw > BUILDING_SHORTFALL_KW || commandedKw < -BUILDING_SHORTFALL_KW) return 'curtailed';
  return occupied ? 'occupied' : 'unoccupied';
}

/** The one lifecycle event an interval's outcome calls for, if any (pure, allocation-free). Faulted stays faulted. */
export function buildingLifecycle(state: string, occupied: boolean, shortKw: number, commandedKw = 0): BuildingEvent | undefined {
  if (state === 'faulted') return undefined;
  const target = buildingTargetState(occupied, shortKw, commandedKw);
  if (target === state) return undefined;
  if (target === 'curtailed') return EVENTS.CURTAIL;
  if (state === 'curtailed') return occupied ? EVENTS.RESTORE_OCCUPIED : EVENTS.RESTORE_UNOCCUPIED;
  return target === 'occupied' ? EVENTS.OCCUPY : EVENTS.VACATE;
}

/**
 * A home's lifecycle. The machine owns the states a person would name and which
 * moves between them are legal; the numbers (consumption, temperature, appliance
 * progress) live in plain data stepped by pure functions (`physics/hvac.ts`, `appliances.ts`, `flexibility/allocate.ts`). The runtime
 * sends an event only when the lifecycle changes, so a quiet home costs no machine
 * work at all (DESIGN.md §1: at most one or two machine events per agent per interval).
 * - normal: it consumes what it wants;
 * - pre-conditioning: its HVAC runs beyond the setpoint, ahead of an expected price
 *   peak, to bank comfort;
 * - curtailed: it consumes less than it wants (priced out, or load shed);
 * - faulted: out of service until repaired (FAULT and REPAIR come from outside:
 *   an operator, a test, a fault model).
 */
import { setup } from 'xstate';

export type HomeEvent =
  | { readonly type: 'CURTAIL' }
  | { readonly type: 'PRECONDITION' }
  | { readonly type: 'RESTORE' }
  | { readonly type: 'FAULT' }
  | { readonly type: 'REPAIR' };

export type HomeStateValue = 'normal' | 'pre-conditioning' | 'curtailed' | 'faulted';

export const homeMachine = setup({
  types: { events: {} as HomeEvent },
}).createMachine({
  id: 'home',
  initial: 'normal',
  states: {
    normal: { on: { CURTAIL: 'curtailed', PRECONDITION: 'pre-conditioning', FAULT: 'faulted' } },
    'pre-conditioning': { on: { RESTORE: 'normal', CURTAIL: 'curtailed', FAULT: 'faulted' } },
    curtailed: { on: { RESTORE: 'normal', PRECONDITION: 'pre-conditioning', FAULT: 'faulted' } },
    faulted: { on: { REPAIR: 'normal' } },
  },
});

/** Tolerance for "got less than it wanted" and "pre-conditioned": one watt. */
export const SHORTFALL_KW = 1e-3;

const CURTAIL: HomeEvent = Object.freeze({ type: 'CURTAIL' });
const PRECONDITION: HomeEvent = Object.freeze({ type: 'PRECONDITION' });
const RESTORE: HomeEvent = Object.freeze({ type: 'RESTORE' });

/**
 * The state an interval's outcome puts a working home in: curtailed when an operator's
 * command lowered its consumption (`commandedKw` < −1 W), else pre-conditioning (HVAC
 * power consumed beyond the setpoint, kW) over curtailed (wanted power not consumed —
 * base load, HVAC to the setpoint, appliances that had to run — kW) over normal.
 */
export function homeTargetState(shortKw: number, preconditionKw: number, commandedKw = 0): Exclude<HomeStateValue, 'faulted'> {
  if (commandedKw < -SHORTFALL_KW) return 'curtailed';
  if (preconditionKw > SHORTFALL_KW) return 'pre-conditioning';
  return shortKw > SHORTFALL_KW ? 'curtailed' : 'normal';
}

/**
 * The lifecycle event an interval's outcome calls for, if any (pure; plain numbers, so
 * the hot path allocates nothing). A faulted home stays faulted whatever it was
 * awarded: only REPAIR ends a fault.
 */
export function homeLifecycle(state: string, shortKw: number, preconditionKw: number, commandedKw = 0): HomeEvent | undefined {
  if (state === 'faulted') return undefined;
  const target = homeTargetState(shortKw, preconditionKw, commandedKw);
  if (target === state) return undefined;
  return target === 'pre-conditioning' ? PRECONDITION : target === 'curtailed' ? CURTAIL : RESTORE;
}

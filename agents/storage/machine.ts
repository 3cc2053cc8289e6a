/**
 * A stationary battery's lifecycle: idle (neither charging nor discharging this
 * interval), charging, discharging, faulted (out of service until repaired).
 * Events only when the lifecycle changes (`storageLifecycle`); SoC and limits
 * live in plain data beside the machine (`physics/battery.ts`).
 */
import { setup } from 'xstate';

export type StorageState = 'idle' | 'charging' | 'discharging' | 'faulted';

export type StorageEvent =
  | { readonly type: 'CHARGE' }
  | { readonly type: 'DISCHARGE' }
  | { readonly type: 'IDLE' }
  | { readonly type: 'FAULT' }
  | { readonly type: 'REPAIR' };

export const storageMachine = setup({
  types: { events: {} as StorageEvent },
}).createMachine({
  id: 'storage',
  initial: 'idle',
  states: {
    idle: { on: { CHARGE: 'charging', DISCHARGE: 'discharging', FAULT: 'faulted' } },
    charging: { on: { IDLE: 'idle', DISCHARGE: 'discharging', FAULT: 'faulted' } },
    discharging: { on: { IDLE: 'idle', CHARGE: 'charging', FAULT: 'faulted' } },
    faulted: { on: { REPAIR: 'idle' } },
  },
});

/** Below this grid power (kW, magnitude) the battery counts as idle: one watt. */
export const IDLE_KW = 1e-3;

const CHARGE: StorageEvent = Object.freeze({ type: 'CHARGE' });
const DISCHARGE: StorageEvent = Object.freeze({ type: 'DISCHARGE' });
const IDLE: StorageEvent = Object.freeze({ type: 'IDLE' });

/** The lifecycle event for an interval in which the battery moved `appliedKw` (+ charge, − discharge), if any. */
export function storageLifecycle(state: string, appliedKw: number): StorageEvent | undefined {
  if (state === 'faulted') return undefined;
  const next: StorageState = appliedKw > IDLE_KW ? 'charging' : appliedKw < -IDLE_KW ? 'discharging' : 'idle';
  if (next === state) return undefined;
  return next === 'charging' ? CHARGE : next === 'discharging' ? DISCHARGE : IDLE;
}

/**
 * A generator's lifecycle: idle (not dispatched), dispatched (producing), faulted
 * (unavailable until repaired). Events are sent only when the lifecycle changes;
 * the output figures live in plain data beside the machine.
 */
import { setup } from 'xstate';

export type GeneratorEvent = { readonly type: 'DISPATCH' } | { readonly type: 'STOP' } | { readonly type: 'FAULT' } | { readonly type: 'REPAIR' };

export const generatorMachine = setup({
  types: { events: {} as GeneratorEvent },
}).createMachine({
  id: 'generator',
  initial: 'idle',
  states: {
    idle: { on: { DISPATCH: 'dispatched', FAULT: 'faulted' } },
    dispatched: { on: { STOP: 'idle', FAULT: 'faulted' } },
    faulted: { on: { REPAIR: 'idle' } },
  },
});

/** The lifecycle event an award calls for, if any. */
export function generatorLifecycle(state: string, soldKw: number): GeneratorEvent | undefined {
  if (state === 'idle' && soldKw > 0) return { type: 'DISPATCH' };
  if (state === 'dispatched' && soldKw <= 0) return { type: 'STOP' };
  return undefined;
}

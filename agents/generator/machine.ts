/**
 * A generator's lifecycle: idle (not dispatched), dispatched (producing), faulted
 * (unavailable until repaired). One event per interval, CLEARED, carries its award.
 */
import { assign, setup } from 'xstate';

export interface GeneratorContext {
  readonly outputKw: number;
  readonly energyKwh: number;
}

export type GeneratorEvent =
  | { readonly type: 'CLEARED'; readonly sellKw: number; readonly durationH: number }
  | { readonly type: 'FAULT' }
  | { readonly type: 'REPAIR' };

export const generatorMachine = setup({
  types: { context: {} as GeneratorContext, events: {} as GeneratorEvent },
  actions: {
    produce: assign(({ context, event }) => {
      if (event.type !== 'CLEARED') return {};
      return { outputKw: event.sellKw, energyKwh: context.energyKwh + event.sellKw * event.durationH };
    }),
  },
  guards: {
    dispatched: ({ event }) => event.type === 'CLEARED' && event.sellKw > 0,
  },
}).createMachine({
  id: 'generator',
  context: { outputKw: 0, energyKwh: 0 },
  initial: 'idle',
  states: {
    idle: {
      on: {
        CLEARED: [{ guard: 'dispatched', target: 'dispatched', actions: 'produce' }, { actions: 'produce' }],
        FAULT: 'faulted',
      },
    },
    dispatched: {
      on: {
        CLEARED: [{ guard: 'dispatched', actions: 'produce' }, { target: 'idle', actions: 'produce' }],
        FAULT: 'faulted',
      },
    },
    faulted: {
      entry: assign({ outputKw: 0 }),
      on: { REPAIR: 'idle' },
    },
  },
});

/**
 * A retailer's lifecycle, interval by interval, against its customers' actual use:
 * - balanced: it bought what its customers used (within one watt);
 * - short: its customers used more than it bought (it pays for balancing energy);
 * - long: it bought more than they used (it sells the surplus back at the balancing price);
 * - faulted: out of the market (its customers are not supplied through it).
 * Events are sent only when the lifecycle changes.
 */
import { setup } from 'xstate';

export type RetailerEvent = { readonly type: 'BALANCED' } | { readonly type: 'SHORT' } | { readonly type: 'LONG' } | { readonly type: 'FAULT' } | { readonly type: 'REPAIR' };

export const retailerMachine = setup({ types: { events: {} as RetailerEvent } }).createMachine({
  id: 'retailer',
  initial: 'balanced',
  states: {
    balanced: { on: { SHORT: 'short', LONG: 'long', FAULT: 'faulted' } },
    short: { on: { BALANCED: 'balanced', LONG: 'long', FAULT: 'faulted' } },
    long: { on: { BALANCED: 'balanced', SHORT: 'short', FAULT: 'faulted' } },
    faulted: { on: { REPAIR: 'balanced' } },
  },
});

/** The event an interval's position calls for (imbalance in kW, positive = short). */
export function retailerLifecycle(imbalanceKw: number): RetailerEvent {
  return Math.abs(imbalanceKw) <= 1e-3 ? { type: 'BALANCED' } : imbalanceKw > 0 ? { type: 'SHORT' } : { type: 'LONG' };
}

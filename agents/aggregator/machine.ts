/**
 * An aggregator's lifecycle, as its members and the market see it:
 * - idle: no member offered anything this interval;
 * - bidding: it holds its members' curves and bids them;
 * - dispatched: the market awarded it something, which it has split among its members;
 * - faulted: it lost its link to the market (members fall back to nothing).
 * Events are sent only when the lifecycle changes.
 */
import { setup } from 'xstate';

export type AggregatorEvent =
  | { readonly type: 'CURVES' }
  | { readonly type: 'NO_CURVES' }
  | { readonly type: 'AWARDED' }
  | { readonly type: 'NOT_AWARDED' }
  | { readonly type: 'FAULT' }
  | { readonly type: 'REPAIR' };

export const aggregatorMachine = setup({ types: { events: {} as AggregatorEvent } }).createMachine({
  id: 'aggregator',
  initial: 'idle',
  states: {
    idle: { on: { CURVES: 'bidding', FAULT: 'faulted' } },
    bidding: { on: { AWARDED: 'dispatched', NOT_AWARDED: 'idle', NO_CURVES: 'idle', FAULT: 'faulted' } },
    dispatched: { on: { CURVES: 'bidding', NO_CURVES: 'idle', FAULT: 'faulted' } },
    faulted: { on: { REPAIR: 'idle' } },
  },
});

/**
 * The distribution operator's control room, per feeder:
 * - monitoring: every watched branch within its limit in the schedule and the forecast;
 * - alert: an overload is forecast within the look-ahead (an event is announced);
 * - dispatching: it has commanded flexibility this interval to keep a branch within its limit;
 * - faulted: it lost its view of the grid.
 * Events are sent only when the lifecycle changes.
 */
import { setup } from 'xstate';

export type OperationsEvent =
  | { readonly type: 'CLEAR' }
  | { readonly type: 'FORECAST_OVERLOAD' }
  | { readonly type: 'DISPATCH' }
  | { readonly type: 'FAULT' }
  | { readonly type: 'REPAIR' };

export const operationsMachine = setup({ types: { events: {} as OperationsEvent } }).createMachine({
  id: 'operations',
  initial: 'monitoring',
  states: {
    monitoring: { on: { FORECAST_OVERLOAD: 'alert', DISPATCH: 'dispatching', FAULT: 'faulted' } },
    alert: { on: { CLEAR: 'monitoring', DISPATCH: 'dispatching', FAULT: 'faulted' } },
    dispatching: { on: { CLEAR: 'monitoring', FORECAST_OVERLOAD: 'alert', FAULT: 'faulted' } },
    faulted: { on: { REPAIR: 'monitoring' } },
  },
});

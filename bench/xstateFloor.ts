/**
 * The XState event floor: a bare machine per agent receiving one event per
 * interval. Simulations are compared against it because one machine event per
 * agent per interval is the engine's budget (DESIGN.md §1, hot path).
 */
import { assign, createActor, setup } from 'xstate';

const bare = setup({ types: { context: {} as { n: number }, events: {} as { type: 'TICK'; kw: number } } }).createMachine({
  context: { n: 0 },
  initial: 'on',
  states: { on: { on: { TICK: { actions: assign(({ context, event }) => ({ n: context.n + event.kw })) } } } },
});

/** Creates `agents` actors and sends each one event per interval; returns the wall time in ms. */
export function xstateFloorMs(agents: number, intervals: number): number {
  const t0 = performance.now();
  const actors = Array.from({ length: agents }, () => createActor(bare).start());
  for (let t = 0; t < intervals; t++) for (const a of actors) a.send({ type: 'TICK', kw: 1 });
  return performance.now() - t0;
}

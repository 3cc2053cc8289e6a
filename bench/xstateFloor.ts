/**
 * The XState event floor: what one machine event per agent per interval costs at the
 * least, the engine's budget (DESIGN.md §1, hot path). Simulations are compared
 * against it, measured in the same run.
 *
 * The floor is a truly bare machine: one state, no context, no actions, a TICK event
 * with a targetless transition. Each agent is an actor, created and started inside the
 * timing (the engine starts its actors too), and receives exactly one event per
 * interval. Anything the engine does beyond that (bids, clearing, physics, books,
 * outputs) is what the ratio measures.
 *
 * `xstateAssignFloorMs` is the floor the benches used before issue 16: each actor has a
 * context and runs an `assign` on every event. It is slower than the bare floor (about
 * 1.4–2.4× here), so ratios against it flatter the engine; it is kept only as a labelled
 * comparison row.
 */
import { assign, createActor, createMachine, setup } from 'xstate';

const bare = createMachine({ initial: 'on', states: { on: { on: { TICK: {} } } } });

const withAssign = setup({ types: { context: {} as { n: number }, events: {} as { type: 'TICK'; kw: number } } }).createMachine({
  context: { n: 0 },
  initial: 'on',
  states: { on: { on: { TICK: { actions: assign(({ context, event }) => ({ n: context.n + event.kw })) } } } },
});

/** Creates `agents` bare actors and sends each one event per interval; returns the wall time in ms. */
export function xstateFloorMs(agents: number, intervals: number): number {
  const t0 = performance.now();
  const actors = Array.from({ length: agents }, () => createActor(bare).start());
  for (let t = 0; t < intervals; t++) for (const a of actors) a.send({ type: 'TICK' });
  return performance.now() - t0;
}

/** The pre-issue-16 floor: as `xstateFloorMs`, but each actor has a context and assigns to it on every event. */
export function xstateAssignFloorMs(agents: number, intervals: number): number {
  const t0 = performance.now();
  const actors = Array.from({ length: agents }, () => createActor(withAssign).start());
  for (let t = 0; t < intervals; t++) for (const a of actors) a.send({ type: 'TICK', kw: 1 });
  return performance.now() - t0;
}

/**
 * An agent's lifecycle machine, run through XState's pure API: each agent holds only its
 * machine's current snapshot, and every event goes through `transition(machine, snapshot,
 * event)`, XState's own step function (the same `macrostep` a started actor runs). No
 * actor per agent: an actor brings its own actor system, mailbox and observers, ~3.5 kB
 * and a dozen closures per agent, where a snapshot is one pointer (issue 16: 100,000 and
 * 1,000,000 agents).
 *
 * What every agent of a kind shares lives in one `MachineModel` per machine:
 * - the initial snapshot, one per distinct input (snapshots are immutable values, so agents
 *   starting alike share one);
 * - the answer of each (snapshot, event) pair already stepped: XState guards and `assign`
 *   are pure functions of the snapshot's context and the event, so the next snapshot is a
 *   function of the snapshot (its state and context) and the event's content alone. Agents
 *   of a kind then point at a handful of shared snapshots, and an event is two map lookups
 *   instead of a `transition` call (which builds an inert actor and its system each time,
 *   ~8 µs). Only events whose fields are all strings and booleans are shared (numbers are
 *   measurements, ever new: an EV's DISCHARGE carries its SoC), at most
 *   `MAX_STEPS_PER_SNAPSHOT` from one snapshot; other events, and steps that return actions
 *   to run, are stepped afresh every time. The steps hang off their snapshot weakly: a
 *   snapshot no agent can reach any more takes its steps with it.
 *
 * Actions: `transition` returns the actions to execute rather than running them; `send`
 * runs each one that has an `exec` (custom actions; `assign` is already folded into the
 * snapshot). The engine's machines have none today.
 *
 * Errors: a guard or action that throws makes `send` throw, with the snapshot left as it
 * was; the engine isolates the agent as crashed (as an actor's error observer did).
 */
import { type AnyMachineSnapshot, type AnyStateMachine, type EventFromLogic, initialTransition, type InputFrom, type SnapshotFrom, transition } from 'xstate';

/** Keys an event (or an input) by its content when every field is a string or a boolean; undefined otherwise. */
function contentKey(value: object | undefined): string | undefined {
  if (value === undefined) return '';
  let key = '';
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (typeof v === 'string') key += `${k}\u0000s${v}\u0001`;
    else if (typeof v === 'boolean') key += `${k}\u0000${v ? 't' : 'f'}\u0001`;
    else return undefined;
  }
  return key;
}

/** A step's actions, run in order (those without `exec` are XState built-ins already applied by `transition`). */
function runActions(actions: ReadonlyArray<{ readonly exec?: ((info: never, params: never) => void) | undefined; readonly info: unknown; readonly params: unknown }>): void {
  for (const a of actions) a.exec?.(a.info as never, a.params as never);
}

/** The key of snapshots without a context, in `MachineModel.canonical`. */
const NO_CONTEXT = {};

/** Shared steps from one snapshot beyond which it steps afresh: a bound for events carrying ever new strings. */
export const MAX_STEPS_PER_SNAPSHOT = 64;

/** What every agent of one machine shares: the machine, its initial snapshots, its memoized steps. */
export class MachineModel<M extends AnyStateMachine> {
  private readonly initials = new Map<string, SnapshotFrom<M>>();
  /** Snapshot → event content → next snapshot. */
  private readonly steps = new WeakMap<SnapshotFrom<M>, Map<string, SnapshotFrom<M>>>();
  /**
   * Context → state value → the one shared snapshot in that state with that context. A cycle
   * (away → plugged-idle → … → away) would otherwise reach a new, equal snapshot every lap, and
   * agents with different histories would each step theirs afresh: only plain snapshots (a
   * string value, active, no children, no history) are kept, and those are equal exactly when
   * their value and context are.
   */
  private readonly canonical = new WeakMap<object, Map<string, SnapshotFrom<M>>>();

  constructor(readonly machine: M) {}

  /** How many steps from `snapshot` it shares. */
  sharedStepsFrom(snapshot: SnapshotFrom<M>): number {
    return this.steps.get(snapshot)?.size ?? 0;
  }

  /** The snapshot an agent starts in (shared by every agent with the same primitive-valued input); runs its initial actions. */
  initial(input?: InputFrom<M>): SnapshotFrom<M> {
    const key = contentKey(input as object | undefined);
    const shared = key === undefined ? undefined : this.initials.get(key);
    if (shared) return shared;
    const [snapshot, actions] = (initialTransition as (m: M, i?: InputFrom<M>) => [SnapshotFrom<M>, Parameters<typeof runActions>[0]])(this.machine, input);
    if (actions.length > 0) runActions(actions);
    else if (key !== undefined) this.initials.set(key, snapshot);
    return snapshot;
  }

  /** The snapshot `event` takes `snapshot` to (XState's `transition`), its actions run. Throws what a guard or action throws. */
  next(snapshot: SnapshotFrom<M>, event: EventFromLogic<M>): SnapshotFrom<M> {
    const steps = this.steps;
    const key = contentKey(event);
    const known = key === undefined ? undefined : steps.get(snapshot)?.get(key);
    if (known) return known;
    let [nextSnapshot, actions] = transition(this.machine, snapshot, event) as unknown as [SnapshotFrom<M>, Parameters<typeof runActions>[0]];
    if (actions.length > 0) runActions(actions);
    else if (key !== undefined) {
      nextSnapshot = this.canonicalOf(nextSnapshot);
      let from = steps.get(snapshot);
      if (!from) steps.set(snapshot, (from = new Map()));
      if (from.size < MAX_STEPS_PER_SNAPSHOT) from.set(key, nextSnapshot);
    }
    return nextSnapshot;
  }

  /** The shared snapshot equal to `snapshot` (itself when it is the first of its kind, or not a plain one). */
  private canonicalOf(snapshot: SnapshotFrom<M>): SnapshotFrom<M> {
    const s = snapshot as AnyMachineSnapshot;
    const context = s.context === undefined ? NO_CONTEXT : (s.context as unknown);
    if (typeof s.value !== 'string' || s.status !== 'active' || typeof context !== 'object' || context === null) return snapshot;
    for (const _ in s.children) return snapshot;
    for (const _ in s.historyValue) return snapshot;
    let byValue = this.canonical.get(context);
    if (!byValue) this.canonical.set(context, (byValue = new Map()));
    const known = byValue.get(s.value);
    if (known) return known;
    byValue.set(s.value, snapshot);
    return snapshot;
  }
}

/**
 * One agent's lifecycle: its machine's current snapshot, stepped by `send`. What an agent
 * runtime and the engine read (`value`, `can`) and send (FAULT, REPAIR, the lifecycle's
 * own events), and nothing else.
 */
export class Lifecycle<M extends AnyStateMachine> {
  private current: SnapshotFrom<M>;
  /** Events sent so far (handled or not): the hot-path budget is one or two per agent per interval, most intervals none. */
  eventsSent = 0;

  constructor(
    readonly model: MachineModel<M>,
    input?: InputFrom<M>,
  ) {
    this.current = model.initial(input);
  }

  /** The machine's current snapshot (immutable; possibly shared with other agents of the kind). */
  get snapshot(): SnapshotFrom<M> {
    return this.current;
  }

  /** The current state value, e.g. 'normal', 'curtailed', 'faulted'. */
  get value(): StateValueOf<M> {
    return (this.current as AnyMachineSnapshot).value as StateValueOf<M>;
  }

  /** Whether `event` would be handled in the current state (XState's `snapshot.can`). */
  can(event: EventFromLogic<M>): boolean {
    return (this.current as AnyMachineSnapshot).can(event);
  }

  /** Steps the machine by `event` (an event no state handles changes nothing). Throws what a guard or action throws, the state unchanged. */
  send(event: EventFromLogic<M>): void {
    this.eventsSent++;
    this.current = this.model.next(this.current, event);
  }
}

/** A machine's state value type (a string for the agents' flat machines). */
export type StateValueOf<M extends AnyStateMachine> = SnapshotFrom<M> extends { readonly value: infer V } ? V : never;

/** Any agent's lifecycle, as the engine sees it (faults and repairs, the state for reports). */
export type AnyLifecycle = Lifecycle<AnyStateMachine>;

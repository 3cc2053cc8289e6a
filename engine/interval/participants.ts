/**
 * Who takes part in a run, as the interval's phases see them: every agent and
 * intermediary in scenario order, and how each reaches the market.
 */
import type { AgentRuntime, AggregatorRuntime } from '../../agents/types.ts';
import type { RetailerRuntime } from '../../agents/retailer/index.ts';
import type { Rng } from '../../core/rng.ts';
import type { SimTime } from '../../core/time.ts';
import type { AgentId, BusId } from '../../core/units.ts';

/** Who a row of the outputs is: an agent, or an intermediary trading for others (bus ''). */
export interface Party {
  readonly id: AgentId;
  readonly kind: string;
  readonly bus: BusId;
  readonly role: 'agent' | 'aggregator' | 'retailer';
  /** The intermediary an agent trades through (its aggregator or retailer id); '' when it faces the market itself. */
  readonly via: string;
}

/** How an agent reaches the market: itself, through its aggregator (index), or as a retailer's customer. */
export type Route = { readonly type: 'market' } | { readonly type: 'member'; readonly aggregator: number } | { readonly type: 'customer' };

export type Participant =
  | {
      readonly role: 'agent';
      readonly runtime: AgentRuntime;
      readonly route: Route;
      readonly latency: { readonly min: number; readonly max: number; readonly rng: Rng } | undefined;
    }
  | { readonly role: 'aggregator'; readonly runtime: AggregatorRuntime }
  | { readonly role: 'retailer'; readonly runtime: RetailerRuntime };

export type AgentParticipant = Extract<Participant, { role: 'agent' }>;

export interface AgentFault {
  readonly agentId: string;
  readonly kind: string;
  readonly at: SimTime;
  /**
   * Where it failed: while bidding (a site then runs on its own control for the rest of the run;
   * an intermediary is left out), answering an operator's command, taking its award, or running
   * on its own control (the agent is left out for the rest of the run), or in its strategy (the
   * agent bid its kind's default for that interval). `Crashes` says what each means.
   */
  readonly phase: 'bid' | 'command' | 'settle' | 'own-control' | 'strategy';
  readonly message: string;
}

/**
 * Isolation of failing agents (docs/markets.md, "Crashed agents"), in two degrees, both for the
 * rest of the run and reported:
 *
 * - A site (an agent with devices) whose code throws while bidding has lost its energy manager,
 *   not its devices: `ownControl[i]`. It sends no more bids and takes no more commands, but its
 *   devices fall back to their local control as a site without a position does
 *   (engine/interval/noPosition.ts): its meter reads what they draw and its deviation from its zero
 *   position settles at the imbalance price.
 * - A site whose code throws while answering a command, taking its award or running on its own
 *   control, and an intermediary that throws anywhere, is one the engine can no longer model:
 *   `crashed[i]`. It is left out: no bids, no consumption, its meter reads zero. Its real load is
 *   unknown and no estimate is made of it.
 *
 * `isolated[i]` is set for both: the agent trades and is commanded no more.
 */
export class Crashes {
  /** Left out of the run: the engine can no longer model it (its meter reads zero). */
  readonly crashed: Uint8Array;
  /** Its bidding code crashed: its devices run on their own control, metered and settled. */
  readonly ownControl: Uint8Array;
  /** Either: it bids nothing, is sent no prices and takes no commands. */
  readonly isolated: Uint8Array;
  /** How many sites are on their own control now (`ownControl` less those left out since): 0 in the common case, so no pass over the parties is needed. */
  ownControlCount = 0;
  faults: AgentFault[] = [];
  now: SimTime;

  /**
   * `start`: the run's first instant. `now` starts there, not at 0: a 0 made the field a small integer that the
   * first interval's start (ms since 1970) turned into a double, a new hidden class for Crashes, and code that had
   * seen the old one (the run state holding it, realTime) was thrown away in the next run (measured).
   */
  constructor(private readonly parts: readonly Participant[], start: SimTime) {
    this.crashed = new Uint8Array(parts.length);
    this.ownControl = new Uint8Array(parts.length);
    this.isolated = new Uint8Array(parts.length);
    this.now = start;
  }

  /**
   * Isolates party i after a throw in `phase` (see the class): a site's first throw while bidding puts it
   * on its own control; any other throw (or an intermediary's) leaves it out, also after its own control.
   * Each change is one fault; a party already left out is not reported again. A throw of a site on its own
   * control while it settles (its award, a shed, a curtailment) is reported as `own-control`: where it was.
   */
  crash(i: number, phase: AgentFault['phase'], err: unknown): void {
    if (this.crashed[i]) return;
    const p = this.parts[i]!;
    if (phase === 'settle' && this.ownControl[i]) phase = 'own-control';
    if (phase === 'bid' && p.role === 'agent') {
      if (this.ownControl[i]) return;
      this.ownControl[i] = 1;
      this.ownControlCount++;
    } else {
      this.crashed[i] = 1;
      if (this.ownControl[i]) this.ownControlCount--;
    }
    this.isolated[i] = 1;
    const a = p.runtime;
    this.faults.push({ agentId: a.id, kind: a.kind, at: this.now, phase, message: err instanceof Error ? err.message : String(err) });
  }

  /** Whether site i runs on its own control after its bidding code crashed (and has not been left out since). */
  onOwnControl(i: number): boolean {
    return this.ownControl[i] === 1 && this.crashed[i] === 0;
  }
}

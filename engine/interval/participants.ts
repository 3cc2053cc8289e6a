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
   * Where it failed: while bidding, answering an operator's command or taking its award (the
   * agent is isolated for the rest of the run), or in its strategy (the agent bid its kind's
   * default for that interval).
   */
  readonly phase: 'bid' | 'command' | 'settle' | 'strategy';
  readonly message: string;
}

/**
 * Isolation of failing agents: once an agent throws while bidding, answering a command or
 * taking its award it is marked crashed (it stops: no bids, no consumption) and reported.
 */
export class Crashes {
  readonly crashed: Uint8Array;
  faults: AgentFault[] = [];
  now: SimTime;

  /**
   * `start`: the run's first instant. `now` starts there, not at 0: a 0 made the field a small integer that the
   * first interval's start (ms since 1970) turned into a double, a new hidden class for Crashes, and code that had
   * seen the old one (the run state holding it, realTime) was thrown away in the next run (measured).
   */
  constructor(private readonly parts: readonly Participant[], start: SimTime) {
    this.crashed = new Uint8Array(parts.length);
    this.now = start;
  }

  crash(i: number, phase: AgentFault['phase'], err: unknown): void {
    if (this.crashed[i]) return;
    this.crashed[i] = 1;
    const a = this.parts[i]!.runtime;
    this.faults.push({ agentId: a.id, kind: a.kind, at: this.now, phase, message: err instanceof Error ? err.message : String(err) });
  }
}

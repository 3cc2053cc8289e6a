/**
 * Everything physical about the grid during a run, beside the market: which
 * network is in force (faults take branches out or derate them), the flows the
 * agents' actual injections make, the operators' commands and the agents' reports,
 * and demand-response settlement against a baseline.
 *
 * Flows in flows.csv are physical: PTDF × the metered net injections of every site
 * (generators after re-dispatch included), which balance, so no reference bus absorbs
 * anything; shadow prices are the market's.
 *
 * Demand-response payments are a money stage of their own: the operator pays each
 * opted-in agent for what it delivered against its baseline (up to its commitment) and
 * charges a penalty for what it committed and did not deliver; `measure` returns the
 * amounts per agent, so the books check that the operator pays what the agents receive.
 */
import type { Counterfactual } from './counterfactual.ts';
import type { AgentObservation, OperatorCommand } from '../types.ts';
import { type BusinessDayOf, eventDayOf, tenOfTenBaseline } from './baseline.ts';
import { type DrSplit, settleDrCommand } from './drSettlement.ts';
import { DrCommandLog } from './drCommandLog.ts';
import { type SimTime } from '../../core/time.ts';
import type { Rng, RandomService } from '../../core/rng.ts';
import { type Money, ZERO } from '../../core/money.ts';
import type { Grid } from '../../market/clear.ts';
import type { ClearingResult } from '../../market/types.ts';
import type { BranchFlow } from '../../network/types.ts';
import { dcFlowsKw, isOverLimit } from '../../network/flows.ts';
import type { Network } from '../../network/types.ts';
import { findIslandedBuses, withBranchInService } from '../../network/validate.ts';
import type { FeederLimits } from '../../network/radial.ts';
import { formatSimTime } from '../../core/time.ts';
import { SelfHealing, type SwitchingEvent } from './selfHealing.ts';
import type { MarketInterval } from '../../core/clock.ts';
import { type Fault, inForce, matchesAgent, timeOf } from './faults.ts';
import { conflictDetail, DeviceCommitments, type Meeting } from './conflicts.ts';
import { decline } from '../commandResponse.ts';
import { CHARGING_KINDS, type CommandRecord, deliver, type DispatchParty, Operator, type OperatorConfig, type ReportedFlexibility } from './operator.ts';

/** One row of events.csv. */
export interface GridEvent {
  readonly at: SimTime;
  readonly issuer: string;
  readonly target: string;
  readonly type: string;
  readonly requestedKw?: number;
  readonly response: string;
  readonly deliveredKw?: number;
  readonly detail: string;
}

export interface RoomParty {
  readonly id: string;
  /** Agent kind (customers are every kind but generators), for reliability counts. */
  readonly kind?: string;
  readonly busIndex: number;
  readonly responder: DispatchParty['responder'];
  /** A battery's registered ratings (`AgentRuntime.storageRating`): it may be sent pre-positioning setpoints. */
  readonly storage?: DispatchParty['storage'];
  /** A V2G-capable car's registered ratings (`AgentRuntime.v2gRating`): it may be sent pre-positioning setpoints (`prePosition.cars`). */
  readonly car?: DispatchParty['car'];
}

export type { Counterfactual } from './counterfactual.ts';

/** One operator's demand-response figures over the run (kWh at the agents' meters, or at the branch for the overloads). */
interface DrTotals {
  /** Σ excess over limit × (1 − headroom) on its branches × Δt: the energy it needed removed. */
  requestedKwh: number;
  /** Σ excess it could not remove, above the limit itself × Δt. */
  shortfallKwh: number;
  /**
   * Σ metered flow over the limit × Δt on its branches: what they physically carried beyond it,
   * whatever the dispatch expected (commands late or not in force, agents off their schedule).
   */
  meteredOverKwh: number;
  /** Σ |requested change| × Δt: every agent is asked for the whole remaining excess, so asks overlap. */
  askedKwh: number;
  committedKwh: number;
  /** Σ (baseline − actual) × Δt over opted-in commands: measured, may exceed the commitment (baseline error). */
  deliveredKwh: number;
  /** Σ min(delivered, committed) × Δt, ≥ 0: what is paid (no credit beyond the commitment). */
  creditedKwh: number;
  /** Σ committed × Δt where there was no baseline to measure against (not settled). */
  unmeasuredKwh: number;
  responses: Record<CommandRecord['response'], number>;
  payments: Money;
  penalties: Money;
  /**
   * With more than one operator only: its commands that met another operator's commitment or setpoint at a device
   * (agents/operations/conflicts.ts), answered from what remained or declined.
   */
  conflicts?: { answered: number; declined: number };
  /**
   * With `prePosition` only: its CHARGE_STATE_SETPOINTs, one per device and event, their answers (each setpoint's last:
   * with `cars`, `away` for a car that was not plugged in when asked and did not answer again, plugged in, before the
   * event; only a car can be away), and the cell energy the batteries committed to move ahead of the events, kWh. The
   * answers add up to the setpoints.
   */
  prePosition?: { setpoints: number; responses: Record<CommandRecord['response'], number> & { away?: number }; shiftedKwh: number };
}

export type { DrCommand } from './drCommandLog.ts';

/** A link without trouble (shared: asked for every agent's bid every interval). */
const LINK_UP = Object.freeze({ delivered: true, delayMinutes: 0 });
const NO_DAYS: ReadonlySet<number> = new Set();

/** The seeded stream a comms-loss fault draws from, per message channel: bids keep the original stream name. */
type Channel = 'bids' | 'commands' | 'reports';

export class GridRoom {
  readonly operators: Operator[];
  private readonly commsRng = new Map<string, Rng>();
  /**
   * Every party's metered net kW per interval, party-major (`[i * intervals + t]`: one array
   * for the run), NaN where unknown. Each interval writes one value per party; a command's
   * 10-of-10 baseline reads its party's few days back from a view of the party's row, no copy
   * (interval-major, every command copied its party's column out of the whole run's array: an
   * interval's worth of cache misses per command, which grew with the agents).
   */
  private readonly history: Float64Array;
  private readonly intervals: number;
  /** The days a party had a DR event in, for parties that had one (most never do). */
  private readonly eventDays = new Map<number, Set<number>>();
  /** Per party: the first interval of its current event (consecutive commanded intervals), and its last commanded interval. */
  private readonly eventStartOf = new Map<number, number>();
  private readonly lastEventOf = new Map<number, number>();
  private readonly dr = new Map<string, DrTotals>();
  private started = new Set<number>();
  private ended = new Set<number>();
  private overloadIntervals = 0;
  /** Every opted-in command's initial DR settlement, kept for the final settlement from the MDMS (`keepDrCommands`), as columns of numbers. */
  private drCommands: DrCommandLog | undefined;

  constructor(
    private readonly base: Grid | undefined,
    operators: readonly OperatorConfig[],
    private readonly faults: readonly Fault[],
    private readonly parties: readonly RoomParty[],
    intervals: number,
    private readonly intervalsPerDay: number,
    /** The run's calendar, for 10-of-10 baselines' day matching. */
    private readonly businessDay: BusinessDayOf,
    private readonly random: RandomService,
    private readonly counterfactual: Counterfactual | undefined,
    /** On a LinDistFlow feeder: islands are run (demand unserved), and an operator may self-heal (agents/operations/selfHealing.ts). */
    private readonly feeder?: { readonly limits: FeederLimits; readonly selfHealing?: { readonly operator: string; readonly restoreAfterMinutes: number } },
  ) {
    if (base && feeder?.selfHealing) this.healing = new SelfHealing(base.network, feeder.limits, feeder.selfHealing.restoreAfterMinutes * 60_000);
    // A flow forecast reads yesterday's flow at the same wall-clock time (the baselines' day matching, one rule).
    const sameWallClock = businessDay.sameWallClock;
    const yesterdayOf = sameWallClock === undefined ? undefined : (k: number): number => sameWallClock(k, 1);
    this.operators = operators.map((c) => new Operator(c, intervals, intervalsPerDay, yesterdayOf));
    this.commitments = operators.length > 1 ? new DeviceCommitments() : undefined;
    this.intervals = intervals;
    this.history = new Float64Array(parties.length * intervals).fill(NaN);
    this.operatorConfigs = operators;
    this.resetTotals();
  }

  private readonly operatorConfigs: readonly OperatorConfig[];

  /** Every operator's demand-response totals at zero. */
  private resetTotals(): void {
    const operators = this.operatorConfigs;
    for (const o of operators) {
      this.dr.set(o.id, {
        requestedKwh: 0,
        shortfallKwh: 0,
        meteredOverKwh: 0,
        askedKwh: 0,
        committedKwh: 0,
        deliveredKwh: 0,
        creditedKwh: 0,
        unmeasuredKwh: 0,
        responses: { 'opt-in': 0, 'opt-out': 0, lost: 0, rejected: 0, failed: 0 },
        payments: ZERO,
        penalties: ZERO,
        ...(operators.length > 1 ? { conflicts: { answered: 0, declined: 0 } } : {}),
        ...(o.prePosition ? { prePosition: { setpoints: 0, responses: { 'opt-in': 0, 'opt-out': 0, ...(o.prePosition.cars ? { away: 0 } : {}), lost: 0, rejected: 0, failed: 0 }, shiftedKwh: 0 } } : {}),
      });
    }
  }

  /**
   * The warm-up is over (engine/warmUp.ts): what `summary` reports — demand-response totals, overloaded
   * intervals, reliability counts — starts from zero at the reported `start`. What the operators learn from
   * carries on: the metered history and event days (10-of-10 baselines), their look-ahead's flows, commitments
   * and setpoints in force. (Faults cannot fall in the warm-up, `validate` refuses them, so no island or
   * restoration is under way here.)
   */
  startReporting(): void {
    this.resetTotals();
    this.overloadIntervals = 0;
    const rel = this.reliability;
    rel.customerInterruptions = 0;
    rel.customerMinutes = 0;
    rel.unservedKwh = 0;
    rel.customers.clear();
  }

  private readonly healing: SelfHealing | undefined;
  /** With more than one operator: what each device committed to which operator (agents/operations/conflicts.ts). */
  private readonly commitments: DeviceCommitments | undefined;
  /** Reliability (islanded customers) on feeders: per party, interrupted in the previous interval? */
  private readonly interrupted = new Set<number>();
  private readonly reliability = { customerInterruptions: 0, customerMinutes: 0, unservedKwh: 0, customers: new Set<number>() };

  /**
   * From now on, keep each opted-in command's DR settlement (what `measure` paid) and what
   * its baseline was built from, so a final settlement can settle it again from the MDMS's
   * reads (engine/settlementRun.ts). Runs on a communication plane call it; others keep nothing.
   */
  keepDrCommands(): DrCommandLog {
    return (this.drCommands ??= new DrCommandLog(
      this.operators.map((o) => ({ id: o.config.id, terms: o.config })),
      (party) => this.eventDays.get(party),
      this.businessDay,
    ));
  }

  /** The grid in force at `t` (outages and deratings applied), and the events of faults starting or ending now. */
  gridAt(t: SimTime): { grid: Grid | undefined; events: GridEvent[] } {
    const events: GridEvent[] = [];
    if (!this.base) return { grid: undefined, events };
    let network: Network = this.base.network;
    const outages: Array<{ branch: string; at: SimTime }> = [];
    this.faults.forEach((f, k) => {
      if (f.type !== 'line-outage' && f.type !== 'derating') return;
      const on = inForce(f.at, f.until, t);
      if (on && !this.started.has(k)) {
        this.started.add(k);
        events.push({ at: t, issuer: 'fault', target: f.branch, type: f.type === 'line-outage' ? 'LINE_OUTAGE' : 'DERATING', response: 'topology-recomputed', detail: f.type === 'derating' ? `limit now ${this.deratedLimitKw(f.branch, t)} kW` : 'branch out of service; market re-cleared on the remaining network' });
      }
      if (!on && this.started.has(k) && !this.ended.has(k) && f.until !== undefined && t >= timeOf(f.until)) {
        this.ended.add(k);
        events.push({ at: t, issuer: 'fault', target: f.branch, type: f.type === 'line-outage' ? 'LINE_RESTORED' : 'DERATING_ENDED', response: 'topology-recomputed', detail: '' });
        if (f.type === 'line-outage' && this.healing) {
          const sw: SwitchingEvent[] = [];
          this.healing.repaired(f.branch, timeOf(f.at), sw);
          for (const e of sw) events.push({ at: t, issuer: this.feeder!.selfHealing!.operator, target: e.target, type: e.type, response: 'switched', detail: e.detail });
        }
      }
      if (!on) return;
      if (f.type === 'line-outage') outages.push({ branch: f.branch, at: timeOf(f.at) });
      network =
        f.type === 'line-outage'
          ? withBranchInService(network, f.branch, false, { allowIslands: this.feeder !== undefined })
          : // Deratings in force together: the tightest holds, whatever their order in the list.
            Object.freeze({ ...network, branches: Object.freeze(network.branches.map((b) => (b.id === f.branch ? Object.freeze({ ...b, limitKw: Math.min(b.limitKw, f.limitKw) }) : b))) });
    });
    if (this.healing && outages.length > 0) {
      const sw: SwitchingEvent[] = [];
      network = this.healing.apply(t, network, outages, sw);
      for (const e of sw) events.push({ at: t, issuer: this.feeder!.selfHealing!.operator, target: e.target, type: e.type, response: 'switched', detail: e.detail });
    }
    return { grid: network === this.base.network ? this.base : { ...this.base, network }, events };
  }

  /** A branch's limit at `t` under the deratings then in force: the tightest of them and its rating. */
  private deratedLimitKw(branch: string, t: SimTime): number {
    let limit = this.base!.network.branches.find((b) => b.id === branch)!.limitKw;
    for (const f of this.faults) if (f.type === 'derating' && f.branch === branch && inForce(f.at, f.until, t)) limit = Math.min(limit, f.limitKw);
    return limit;
  }

  /**
   * Is a party's link up for one message now? Lost or delayed per the comms-loss faults,
   * seeded per party and channel: commands and reports draw from their own streams, so a
   * run with operators loses the same bids as the same run without them (the counterfactual).
   */
  comms(party: number, t: SimTime, channel: Channel = 'bids'): { delivered: boolean; delayMinutes: number; cause?: string } {
    if (this.faults.length === 0) return LINK_UP; // (no party lookup per agent and interval when nothing is injected)
    const id = this.parties[party]!.id;
    for (const f of this.faults) {
      if (f.type !== 'comms-loss' || !inForce(f.from, f.until, t) || !matchesAgent(f.agents, id)) continue;
      const key = `${party}\u0001${channel}`;
      let rng = this.commsRng.get(key);
      if (!rng) this.commsRng.set(key, (rng = this.random.stream(id, channel === 'bids' ? 'comms-loss' : `comms-loss-${channel}`)));
      if (rng.next() >= f.probability) continue;
      return f.mode === 'lost' ? { delivered: false, delayMinutes: 0, cause: 'lost' } : { delivered: true, delayMinutes: f.delayMinutes, cause: `delayed ${f.delayMinutes} min` };
    }
    return LINK_UP;
  }

  /** Whether a party is made to crash (an injected fault) at `t`. */
  crashes(party: number, t: SimTime): boolean {
    if (this.faults.length === 0) return false;
    const id = this.parties[party]!.id;
    // A loop, not faults.some(closure): this runs for every agent every interval.
    for (const f of this.faults) if (f.type === 'agent-crash' && f.agent === id && t >= timeOf(f.at)) return true;
    return false;
  }

  /**
   * The operators' turn, between the market and the agents' physics: commands and
   * their answers. `netKw` (per party, planned net consumption) is updated in place to
   * what the agents committed; returns the commanded change per party (kW) and events.
   * Isolated agents (`crashed[i]` ≠ 0: the engine passes `Crashes.isolated`, sites on their own control
   * after a crash included) are commanded by nobody; their planned draw is in `netKw` all the same.
   */
  operate(
    interval: MarketInterval,
    grid: Grid,
    netKw: Float64Array,
    agentRole: Uint8Array,
    crashed?: Uint8Array,
    /** On a communication plane: per party, the newest flexibility REPORT received (`DispatchParty.reported`); undefined for a party that does not report. */
    reported?: (party: number) => ReportedFlexibility | null | undefined,
  ): { commandedKw: Float64Array; records: CommandRecord[]; setpoints: CommandRecord[]; events: GridEvent[] } {
    const commandedKw = new Float64Array(netKw.length);
    const events: GridEvent[] = [];
    const records: CommandRecord[] = [];
    const setpoints: CommandRecord[] = [];
    const topology = grid.topologies.get(grid.network);
    const branchIds = Array.from(topology.branchOf, (b) => grid.network.branches[b]!.id);
    // The planned schedule's injections (generation at the reference bus covering whatever the agents' plans leave open).
    const injection = this.injections(topology.busCount, netKw);
    // Several operators: a device's answers pass the conflict rule first (agents/operations/conflicts.ts); what each
    // command met is kept by event id for its COMMAND_CONFLICT row.
    const screen = this.commitments;
    screen?.begin(interval.start);
    const meetings = new Map<string, Meeting>();
    const screened = (r: NonNullable<DispatchParty['responder']>, i: number): DispatchParty['responder'] => ({
      respond: (command, plannedNetKw, at) => {
        const m = screen!.meeting(i, command, plannedNetKw);
        if (m) meetings.set(command.eventId, m);
        return m?.declined ? decline(m.declined.reason) : r.respond(command, plannedNetKw, at);
      },
      ...(r.accept ? { accept: (command, response, at) => r.accept!(command, response, at) } : {}),
    });
    const dispatchParties: DispatchParty[] = this.parties.map((p, i) => ({
      id: p.id as DispatchParty['id'],
      busIndex: p.busIndex,
      responder: agentRole[i] && !crashed?.[i] && p.responder ? (screen ? screened(p.responder, i) : p.responder) : undefined,
      ...(p.kind !== undefined && CHARGING_KINDS.has(p.kind) ? { canCharge: true } : {}),
      ...(p.storage ? { storage: p.storage } : {}),
      ...(p.car ? { car: p.car } : {}),
      reachable: () => this.comms(i, interval.start, 'commands').delivered,
      ...(reported && reported(i) !== undefined ? { reported: () => reported(i) ?? null } : {}),
    }));
    for (const op of this.operators) {
      const before = Float64Array.from(netKw);
      const out = op.dispatch(interval, topology, branchIds, dispatchParties, netKw, injection);
      for (let i = 0; i < netKw.length; i++) commandedKw[i]! += netKw[i]! - before[i]!;
      for (const c of out.commands) {
        records.push(c);
        events.push({
          at: interval.start,
          issuer: c.command.issuer,
          target: c.command.target,
          type: c.command.type,
          requestedKw: c.requestedKw,
          response: c.response,
          deliveredKw: c.deliverKw,
          detail: `${c.command.program} ${c.command.eventId} for ${c.branch}${c.command.type === 'IMPORT_CAPACITY_LIMIT' ? ` (import limit ${c.command.value.toFixed(2)} kW)` : ''}: ${c.reason}`,
        });
        this.noteConflict(interval, op.config.id, c, meetings, events);
        if (c.response === 'opt-in' && c.deliverKw !== 0) {
          let days = this.eventDays.get(c.party);
          if (!days) this.eventDays.set(c.party, (days = new Set()));
          // The customer's local day (a run not starting at local midnight does not cut one in two).
          days.add(eventDayOf(this.businessDay, this.intervalsPerDay, interval.index));
          // An event is a run of consecutive commanded intervals: it starts where the previous one did not continue.
          const last = this.lastEventOf.get(c.party);
          if (last === undefined || interval.index - last > 1) this.eventStartOf.set(c.party, interval.index);
          this.lastEventOf.set(c.party, interval.index);
        }
        const t = this.dr.get(op.config.id)!;
        // Magnitudes: a reduction asks and commits less consumption, a charge command more.
        t.askedKwh += Math.abs(c.requestedKw) * interval.durationH;
        t.responses[c.response]++;
        if (c.response === 'opt-in') t.committedKwh += Math.abs(c.deliverKw) * interval.durationH;
      }
      for (const o of out.overloads) {
        const t = this.dr.get(op.config.id)!;
        t.requestedKwh += o.excessKw * interval.durationH;
        t.shortfallKwh += o.remainingKw * interval.durationH;
        events.push({
          at: interval.start,
          issuer: o.operator,
          target: o.branch,
          type: o.remainingKw > 1e-6 ? 'OVERLOAD_SHORTFALL' : 'OVERLOAD_RELIEVED',
          requestedKw: o.excessKw,
          response: o.remainingKw > 1e-6 ? 'shortfall' : 'within-limit',
          deliveredKw: o.excessKw - o.remainingKw,
          detail: o.remainingKw > 1e-6 ? `the commanded flexibility left ${o.remainingKw.toFixed(3)} kW over the ${o.limitKw} kW limit` : `the commitments bring the scheduled flow within ${o.limitKw} kW`,
        });
      }
      for (const n of out.notices) {
        events.push({ at: interval.start, issuer: n.operator, target: n.branch, type: 'EVENT_NOTICE', requestedKw: n.forecastExcessKw, response: 'announced', detail: `overload forecast for interval ${n.forInterval}` });
      }
      const pre = this.dr.get(op.config.id)!.prePosition;
      for (const c of out.setpoints) {
        setpoints.push(c);
        const k = c.command;
        const from = Math.round((k.intervalStart - interval.start) / (interval.durationH * 3_600_000)) + interval.index;
        const intervals = Math.round(k.durationMinutes / (interval.durationH * 60));
        // No kW this interval (requested_kw and delivered_kw stay empty): the setpoint, kWh, and the event it prepares for.
        events.push({
          at: interval.start,
          issuer: k.issuer,
          target: k.target,
          type: k.type,
          response: c.response,
          detail: `${k.program} ${k.eventId} for ${c.branch}: SoC ${k.socBound ?? 'at-least'} ${k.value.toFixed(3)} kWh by interval ${from} for ${intervals} interval${intervals === 1 ? '' : 's'}: ${c.reason}${c.socKwh !== undefined ? ` (commits ${c.socKwh.toFixed(3)} kWh, moves ${(c.shiftKwh ?? 0).toFixed(3)} kWh)` : ''}`,
        });
        this.noteConflict(interval, op.config.id, c, meetings, events);
        if (pre) {
          // A car asked again for an event it was away for (`reAsked`, the same event id) is one setpoint: its answer replaces `away`.
          if (c.reAsked) pre.responses.away! -= 1;
          else pre.setpoints++;
          if (c.away) pre.responses.away! += 1;
          else pre.responses[c.response]++;
          if (c.response === 'opt-in') pre.shiftedKwh += c.shiftKwh ?? 0;
        }
      }
    }
    return { commandedKw, records, setpoints, events };
  }

  /**
   * With several operators: a command that met another operator's commitment or setpoint at its device gets a
   * COMMAND_CONFLICT row after its own (naming both operators, the device and what was kept) and counts in the
   * issuer's `conflicts`; an opted-in answer is then recorded as the device's commitment to the issuer.
   */
  private noteConflict(interval: MarketInterval, operator: string, c: CommandRecord, meetings: ReadonlyMap<string, Meeting>, events: GridEvent[]): void {
    const screen = this.commitments;
    if (!screen) return;
    const m = meetings.get(c.command.eventId);
    if (m) {
      const totalKw = screen.commitments(c.party).reduce((s, x) => s + x.kw, 0) + (c.response === 'opt-in' ? c.deliverKw : 0);
      const setpoint = c.command.type === 'CHARGE_STATE_SETPOINT';
      events.push({
        at: interval.start,
        issuer: operator,
        target: c.command.target,
        type: 'COMMAND_CONFLICT',
        ...(setpoint ? {} : { requestedKw: c.requestedKw, deliveredKw: c.deliverKw }),
        response: m.declined ? 'declined' : 'answered',
        detail: `${c.command.type} ${c.command.eventId}: ${conflictDetail(m, operator, c.command.target, c.response, c.deliverKw, totalKw)}`,
      });
      const t = this.dr.get(operator)!.conflicts!;
      if (m.declined) t.declined++;
      else t.answered++;
    }
    if (c.response === 'opt-in') screen.record(c.party, operator, c.command, c.deliverKw, c.socKwh);
  }

  /**
   * The flexibility each reporting agent (kind in `kinds`: DER, storage, EVs) on an operator's
   * feeder tells its operator before the dispatch: with what the market has it doing
   * (`netKw`, planned net consumption), the largest change of net consumption it would commit
   * to — its own answer to a command asking for everything (answers are pure functions of the
   * agent's state), 0 when it would decline. Crashed agents and intermediaries report nothing.
   */
  flexibilityReports(grid: Grid, netKw: Float64Array, agentRole: Uint8Array, crashed: Uint8Array | undefined, interval: MarketInterval, kinds: ReadonlySet<string>): Array<{ party: number; kind: string; plannedNetKw: number; availableKw: number }> {
    const out: Array<{ party: number; kind: string; plannedNetKw: number; availableKw: number }> = [];
    const busIds = grid.topologies.get(grid.network).busIds;
    this.parties.forEach((p, i) => {
      if (!p.responder || !agentRole[i] || crashed?.[i] || p.kind === undefined || !kinds.has(p.kind)) return;
      if (!this.operators.some((o) => o.serves(busIds[p.busIndex]!))) return;
      const probe: OperatorCommand = { eventId: 'report-probe', program: 'report', issuer: '', target: p.id as DispatchParty['id'], type: 'DISPATCH_SETPOINT', notifiedAt: interval.start, intervalStart: interval.start, durationMinutes: interval.durationH * 60, value: -1e9 };
      let availableKw = 0;
      try {
        const r = p.responder.respond(probe, netKw[i]!, interval);
        availableKw = r.optIn && Number.isFinite(r.deliverKw) ? Math.min(0, r.deliverKw) : 0;
      } catch {
        availableKw = 0; // an agent that throws here is isolated when it answers the real command
      }
      out.push({ party: i, kind: p.kind, plannedNetKw: netKw[i]!, availableKw });
    });
    return out;
  }

  /** A forged command (fault injection): delivered to its target, which must refuse it. */
  forged(interval: MarketInterval, f: Extract<Fault, { type: 'forged-command' }>, party: number, netKw: number, operatorOf: string | undefined): GridEvent {
    const p = this.parties[party]!;
    const record = deliver(
      { eventId: `forged-${f.issuer}`, program: 'unknown', issuer: f.issuer, target: p.id as DispatchParty['id'], type: 'DISPATCH_SETPOINT', notifiedAt: interval.start, intervalStart: interval.start, durationMinutes: interval.durationH * 60, value: f.valueKw },
      { id: p.id as DispatchParty['id'], busIndex: p.busIndex, responder: p.responder, reachable: () => true },
      party,
      netKw,
      interval,
      '',
      operatorOf,
      false, // a forgery never carries the operator's signature, whatever issuer it names
    );
    return { at: interval.start, issuer: f.issuer, target: p.id, type: 'DISPATCH_SETPOINT', requestedKw: f.valueKw, response: record.response, deliveredKw: record.deliverKw, detail: record.reason };
  }

  /**
   * After the agents did what they did (`netKw`: metered net withdrawal per party, NaN for
   * intermediaries): physical flows, reports of the commanded agents (baseline, delta usage,
   * state of charge) and DR settlement — per agent, what it is paid (−) or charged (+), and
   * what the operators paid out in all (net of penalties).
   */
  measure(
    interval: MarketInterval,
    grid: Grid | undefined,
    result: ClearingResult,
    netKw: Float64Array,
    records: readonly CommandRecord[],
    observations: readonly AgentObservation[],
  ): { flows: readonly BranchFlow[]; events: GridEvent[]; drCost: Map<number, Money>; drPaid: Money } {
    for (let i = 0; i < netKw.length; i++) if (!Number.isNaN(netKw[i]!)) this.history[i * this.intervals + interval.index] = netKw[i]!;
    if (grid && this.feeder) this.countInterruptions(interval, grid.network, result, observations);
    const events: GridEvent[] = [];
    const drCost = new Map<number, Money>();
    let drPaid: Money = ZERO;
    const flows = grid ? this.physicalFlows(grid, result, netKw) : result.flows;
    // The operators learn from what the branches carried, not from the schedule (their look-ahead), less the relief of
    // their commands that were in force (`records`: on a plane a command may have been late or lost).
    if (grid && records.length > 0) {
      const inForce = new Map<string, number>();
      for (const r of records) inForce.set(r.command.eventId, r.response === 'opt-in' ? r.deliverKw : 0);
      for (const op of this.operators) op.reliefInForce(interval.index, (id) => inForce.get(id));
    }
    if (grid) for (const op of this.operators) op.recordMetered(interval.index, flows);
    if (grid) this.reportMeteredOverloads(interval, flows, events);
    // A device committed to several operators this interval delivered one change: each is settled on its part (conflicts.ts),
    // the commitments taking consecutive parts in the order they were made (`before`: the commitments settled so far, kWh).
    const shared = this.commitments ? sharedCommitments(records, interval.durationH) : undefined;
    const before = shared ? new Map<number, number>() : undefined;
    for (const r of records) {
      if (r.response !== 'opt-in') continue;
      const i = r.party;
      const op = this.operators.find((o) => o.config.id === r.command.issuer)!;
      const group = commitmentGroup(i, r.deliverKw);
      const together = shared?.get(group);
      const actual = netKw[i]!;
      const cf = this.counterfactual?.netKw[i]![interval.index];
      const ten = tenOfTenBaseline(this.historyOf(i), this.eventDays.get(i) ?? NO_DAYS, this.intervalsPerDay, interval.index, this.eventStartOf.get(i) ?? interval.index, this.businessDay);
      const baseline = op.config.baseline === 'counterfactual' && cf !== undefined ? cf : ten.baselineKw;
      // A reduction is measured as baseline − actual; a charge command (more consumption) as actual − baseline.
      const sense = r.deliverKw > 0 ? -1 : 1;
      const committed = Math.abs(r.deliverKw) * interval.durationH;
      const level = together ? together.levelKw : r.plannedKw + r.deliverKw;
      let split: DrSplit | undefined;
      if (together) {
        const beforeKwh = before!.get(group) ?? 0;
        before!.set(group, beforeKwh + committed);
        split = { beforeKwh, totalKwh: together.totalKwh };
      }
      const share = split ? committed / split.totalKwh : 1;
      const s = settleDrCommand(sense * baseline, sense * actual, committed, interval.durationH, op.config, sense * level, split);
      const { measured, pay, penalty, net } = s;
      const delivered = s.deliveredKwh;
      const credited = s.creditedKwh;
      const t = this.dr.get(op.config.id)!;
      t.deliveredKwh += delivered;
      t.creditedKwh += credited;
      if (!measured) t.unmeasuredKwh += committed;
      t.payments = t.payments.plus(pay);
      t.penalties = t.penalties.plus(penalty);
      if (!net.isZero()) drCost.set(i, (drCost.get(i) ?? ZERO).plus(net));
      // Kept as the numbers `s` was settled from (agents/operations/drCommandLog.ts settles them again when read).
      this.drCommands?.add({ interval: interval.index, durationH: interval.durationH, party: i, operator: this.operators.indexOf(op), counterfactualKw: op.config.baseline === 'counterfactual' ? cf : undefined, eventStart: this.eventStartOf.get(i) ?? interval.index, committedKwh: committed, committedLevelKw: level, ...(split ? { split } : {}), sense, baselineKw: baseline, actualKw: actual });
      drPaid = drPaid.minus(net);
      const sent = this.comms(i, interval.start, 'reports').delivered ? 'received' : 'lost';
      const base = { at: interval.start, issuer: this.parties[i]!.id, target: r.command.issuer };
      events.push({ ...base, type: 'REPORT:BASELINE', requestedKw: r.requestedKw, response: sent, deliveredKw: baseline, detail: `${op.config.baseline} baseline ${fmt(baseline)} kW; counterfactual ${fmt(cf)} kW; 10-of-10 ${fmt(ten.baselineKw)} kW (${ten.daysUsed} days, adjustment ${fmt(ten.adjustment)})` });
      events.push({
        ...base,
        type: 'REPORT:DELTA_USAGE',
        requestedKw: r.deliverKw,
        response: sent,
        deliveredKw: measured ? sense * (baseline - actual) * share : NaN,
        detail: `actual ${fmt(actual)} kW; committed ${fmt(-r.deliverKw)} kW${sense < 0 ? ' (more consumption)' : ''}; ${together ? `its share ${fmt(share)} of the delivery of ${fmt(together.committedKw)} kW committed to ${together.operators.join(', ')}; ` : ''}${measured ? `credited ${fmt(credited / interval.durationH)} kW; paid ${pay.toFixed()}; penalty ${penalty.toFixed()}` : 'no baseline: not settled'}`,
      });
      const soc = observations[i]?.socKwh;
      if (soc !== undefined) events.push({ ...base, type: 'REPORT:STORAGE_CHARGE_LEVEL', response: sent, detail: `${soc.toFixed(3)} kWh` });
    }
    return { flows, events, drCost, drPaid };
  }

  /**
   * A watched branch that physically carried more than its limit gets an `OVERLOAD_METERED` row
   * per operator watching it, whatever the dispatch expected: the dispatch's OVERLOAD_RELIEVED /
   * OVERLOAD_SHORTFALL rows are about the schedule with the agents' commitments, and on a
   * communication plane a command can arrive late or not at all, or an agent can deviate, so
   * without this row events.csv said "relieved" for an interval flows.csv shows over its limit.
   */
  private reportMeteredOverloads(interval: MarketInterval, flows: readonly BranchFlow[], events: GridEvent[]): void {
    for (const op of this.operators) {
      for (const f of flows) {
        if (f.inService === false || !isOverLimit(f.flowKw, f.limitKw)) continue;
        if (op.config.watch && !op.config.watch.includes(f.id)) continue;
        const overKw = Math.abs(f.flowKw) - f.limitKw;
        this.dr.get(op.config.id)!.meteredOverKwh += overKw * interval.durationH;
        events.push({ at: interval.start, issuer: op.config.id, target: f.id, type: 'OVERLOAD_METERED', requestedKw: overKw, response: 'over-limit', deliveredKw: Math.abs(f.flowKw), detail: `the branch carried ${Math.abs(f.flowKw).toFixed(3)} kW, ${overKw.toFixed(3)} kW over its ${f.limitKw} kW limit` });
      }
    }
  }

  /** PTDF × the metered injections per bus (they balance), with the market's shadow prices; counts an overloaded interval. */
  private physicalFlows(grid: Grid, result: ClearingResult, netKw: Float64Array): BranchFlow[] {
    const topology = grid.topologies.get(grid.network);
    const flowsKw = dcFlowsKw(topology, this.injections(topology.busCount, netKw));
    const shadow = new Map(result.flows.map((f) => [f.id, f.shadowPriceMwh]));
    const byBranch = new Map<number, number>();
    for (let l = 0; l < topology.branchCount; l++) byBranch.set(topology.branchOf[l]!, l);
    let overloaded = false;
    const flows = grid.network.branches.map((b, k): BranchFlow => {
      const l = byBranch.get(k);
      if (l === undefined) return { id: b.id, flowKw: 0, limitKw: 0, shadowPriceMwh: 0, inService: false };
      if (isOverLimit(flowsKw[l]!, b.limitKw)) overloaded = true;
      return { id: b.id, flowKw: flowsKw[l]!, limitKw: b.limitKw, shadowPriceMwh: shadow.get(b.id) ?? 0 };
    });
    if (overloaded) this.overloadIntervals++;
    return flows;
  }

  /**
   * Customers (agents other than generators) at buses without supply this interval: interruptions
   * (SAIFI-style: a customer counts again only after its supply came back), customer-minutes,
   * and unserved energy = what they would have consumed (their no-flexibility baseline) × Δt.
   */
  /** One party's metered history indexed by interval (for its 10-of-10 baseline): a view of its row, not a copy. */
  private historyOf(party: number): Float64Array {
    return this.history.subarray(party * this.intervals, (party + 1) * this.intervals);
  }

  private countInterruptions(interval: MarketInterval, network: Network, result: ClearingResult, observations: readonly AgentObservation[]): void {
    const dark = new Set(findIslandedBuses(network.buses, network.branches, network.referenceBus));
    if (result.feeder) this.healing?.record(network, result.feeder.netKw, result.feeder.netKvar);
    const now = new Set<number>();
    this.parties.forEach((p, i) => {
      if (p.busIndex < 0 || p.kind === 'generator' || p.kind === undefined) return;
      if (!dark.has(network.buses[p.busIndex]!.id)) return;
      now.add(i);
      this.reliability.customers.add(i);
      if (!this.interrupted.has(i)) this.reliability.customerInterruptions++;
      this.reliability.customerMinutes += interval.durationH * 60;
      this.reliability.unservedKwh += (observations[i]?.baselineKw ?? 0) * interval.durationH;
    });
    this.interrupted.clear();
    for (const i of now) this.interrupted.add(i);
  }

  summary(): Record<string, unknown> {
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    const customers = this.parties.filter((p) => p.busIndex >= 0 && p.kind !== undefined && p.kind !== 'generator').length;
    const rel = this.reliability;
    return {
      ...(this.feeder
        ? {
            reliability: {
              customers,
              customersInterrupted: rel.customers.size,
              customerInterruptions: rel.customerInterruptions,
              customerMinutesInterrupted: r3(rel.customerMinutes),
              saifi: customers > 0 ? r3(rel.customerInterruptions / customers) : 0,
              saidiMinutes: customers > 0 ? r3(rel.customerMinutes / customers) : 0,
              unservedKwh: r3(rel.unservedKwh),
              restorations: (this.healing?.restorations ?? []).map((r) => ({
                branch: r.branch,
                faultAt: formatSimTime(r.faultAt),
                restoredAt: r.restoredAt === undefined ? null : formatSimTime(r.restoredAt),
                restorationMinutes: r.restoredAt === undefined ? null : (r.restoredAt - r.faultAt) / 60_000,
                ties: r.ties,
                unservedBuses: r.unserved,
              })),
            },
          }
        : {}),
      overloadIntervals: this.overloadIntervals,
      ...(this.counterfactual
        ? { overloadIntervalsWithoutOperator: this.counterfactual.overloadIntervals, overloadIntervalsAvoided: this.counterfactual.overloadIntervals - this.overloadIntervals }
        : {}),
      demandResponse: Object.fromEntries(
        [...this.dr].map(([id, t]) => [
          id,
          {
            requestedKwh: r3(t.requestedKwh),
            shortfallKwh: r3(t.shortfallKwh),
            meteredOverKwh: r3(t.meteredOverKwh),
            askedKwh: r3(t.askedKwh),
            committedKwh: r3(t.committedKwh),
            deliveredKwh: r3(t.deliveredKwh),
            creditedKwh: r3(t.creditedKwh),
            unmeasuredKwh: r3(t.unmeasuredKwh),
            responses: { ...t.responses },
            payments: t.payments.toFixed(),
            penalties: t.penalties.toFixed(),
            ...(t.conflicts ? { conflicts: { ...t.conflicts } } : {}),
            ...(t.prePosition ? { prePosition: { setpoints: t.prePosition.setpoints, responses: { ...t.prePosition.responses }, shiftedKwh: r3(t.prePosition.shiftedKwh) } } : {}),
          },
        ]),
      ),
    };
  }

  /** Net injection per topology bus from the parties' net withdrawal (NaN: no site). */
  private injections(busCount: number, netKw: Float64Array): Float64Array {
    const out = new Float64Array(busCount);
    for (let i = 0; i < netKw.length; i++) if (!Number.isNaN(netKw[i]!) && this.parties[i]!.busIndex >= 0) out[this.parties[i]!.busIndex]! -= netKw[i]!;
    return out;
  }
}

/** The group of a device's commitments in an interval that share one delivery: the device's, one direction (a charge command, or a reduction). */
const commitmentGroup = (party: number, deliverKw: number): number => 2 * party + (deliverKw > 0 ? 1 : 0);

/**
 * Devices that opted in to more than one operator's command in one interval (only possible with several operators):
 * per group (`commitmentGroup`), the magnitude of all their commitments together, kW and kWh (summed in the order of
 * `records`, as the grid room settles them, so that the last one's part ends at the total exactly), the net consumption
 * they add up to, and to whom. The conflict rule keeps a device's commitments one way (agents/operations/conflicts.ts),
 * so magnitudes add; a command counted in the other way all the same (an opt-out that did not reach its operator on a
 * communication plane counts as an opt-in: engine/interval/comms.ts) is settled on its own against the baseline, as one
 * operator would settle it, and does not take a share of a delivery made the other way.
 */
function sharedCommitments(records: readonly CommandRecord[], durationH: number): Map<number, { committedKw: number; totalKwh: number; levelKw: number; operators: string[] }> {
  const by = new Map<number, { committedKw: number; totalKwh: number; levelKw: number; operators: string[] }>();
  for (const r of records) {
    if (r.response !== 'opt-in' || r.deliverKw === 0) continue;
    const key = commitmentGroup(r.party, r.deliverKw);
    const g = by.get(key);
    const kwh = Math.abs(r.deliverKw) * durationH;
    if (g === undefined) by.set(key, { committedKw: Math.abs(r.deliverKw), totalKwh: 0 + kwh, levelKw: r.plannedKw + r.deliverKw, operators: [r.command.issuer] });
    else {
      g.committedKw += Math.abs(r.deliverKw);
      g.totalKwh += kwh;
      g.levelKw += r.deliverKw;
      g.operators.push(r.command.issuer);
    }
  }
  for (const [key, g] of by) if (g.operators.length < 2) by.delete(key);
  return by;
}

const fmt = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(3));

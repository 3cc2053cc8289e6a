/**
 * Everything physical about the grid during a run, beside the market: which
 * network is in force (faults take branches out or derate them), the flows the
 * agents' actual injections make, the operators' commands and the agents' reports,
 * and demand-response settlement against a baseline.
 *
 * Flows in flows.csv are physical: PTDF × the agents' net injections after every
 * deviation (retail customers' own use, commands), with the reference bus taking
 * what the market did not schedule; shadow prices are the market's.
 */
import type { AgentObservation } from '../agents/types.ts';
import { deliveredKwh, tenOfTenBaseline } from '../agents/operations/baseline.ts';
import { type SimTime } from '../core/time.ts';
import type { Rng, RandomService } from '../core/rng.ts';
import { type Money, money, ZERO } from '../core/money.ts';
import type { Grid } from '../market/clear.ts';
import type { BranchFlow, ClearingResult } from '../market/types.ts';
import { dcFlowsKw } from '../network/flows.ts';
import type { Network } from '../network/types.ts';
import { withBranchInService } from '../network/validate.ts';
import type { MarketInterval } from './clock.ts';
import { type Fault, inForce, matchesAgent, timeOf } from './faults.ts';
import { type CommandRecord, deliver, type DispatchParty, Operator, type OperatorConfig } from './operations.ts';

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
  readonly busIndex: number;
  readonly responder: DispatchParty['responder'];
}

/** Net consumption per party and interval of the same run without operators: the counterfactual. */
export interface Counterfactual {
  readonly netKw: readonly Float64Array[];
  readonly overloadIntervals: number;
}

interface DrTotals {
  requestedKwh: number;
  committedKwh: number;
  deliveredKwh: number;
  payments: Money;
  penalties: Money;
}

export class GridRoom {
  readonly operators: Operator[];
  private readonly commsRng = new Map<number, Rng>();
  private readonly history: Float64Array[];
  private readonly eventDays: Array<Set<number>>;
  private readonly eventStartOf = new Map<number, number>();
  private readonly dr = new Map<string, DrTotals>();
  private started = new Set<number>();
  private ended = new Set<number>();
  private overloadIntervals = 0;

  constructor(
    private readonly base: Grid | undefined,
    operators: readonly OperatorConfig[],
    private readonly faults: readonly Fault[],
    private readonly parties: readonly RoomParty[],
    intervals: number,
    private readonly intervalsPerDay: number,
    private readonly random: RandomService,
    private readonly counterfactual: Counterfactual | undefined,
  ) {
    this.operators = operators.map((c) => new Operator(c, intervals, intervalsPerDay));
    this.history = parties.map(() => new Float64Array(intervals).fill(NaN));
    this.eventDays = parties.map(() => new Set<number>());
    for (const o of operators) this.dr.set(o.id, { requestedKwh: 0, committedKwh: 0, deliveredKwh: 0, payments: ZERO, penalties: ZERO });
  }

  /** The grid in force at `t` (outages and deratings applied), and the events of faults starting or ending now. */
  gridAt(t: SimTime): { grid: Grid | undefined; events: GridEvent[] } {
    const events: GridEvent[] = [];
    if (!this.base) return { grid: undefined, events };
    let network: Network = this.base.network;
    this.faults.forEach((f, k) => {
      if (f.type !== 'line-outage' && f.type !== 'derating') return;
      const on = inForce(f.at, f.until, t);
      if (on && !this.started.has(k)) {
        this.started.add(k);
        events.push({ at: t, issuer: 'fault', target: f.branch, type: f.type === 'line-outage' ? 'LINE_OUTAGE' : 'DERATING', response: 'topology-recomputed', detail: f.type === 'derating' ? `limit now ${f.limitKw} kW` : 'branch out of service; market re-cleared on the remaining network' });
      }
      if (!on && this.started.has(k) && !this.ended.has(k) && f.until !== undefined && t >= timeOf(f.until)) {
        this.ended.add(k);
        events.push({ at: t, issuer: 'fault', target: f.branch, type: f.type === 'line-outage' ? 'LINE_RESTORED' : 'DERATING_ENDED', response: 'topology-recomputed', detail: '' });
      }
      if (!on) return;
      network =
        f.type === 'line-outage'
          ? withBranchInService(network, f.branch, false)
          : Object.freeze({ ...network, branches: Object.freeze(network.branches.map((b) => (b.id === f.branch ? Object.freeze({ ...b, limitKw: f.limitKw }) : b))) });
    });
    return { grid: network === this.base.network ? this.base : { ...this.base, network }, events };
  }

  /** Is a party's link up for one message now? Lost or delayed per the comms-loss faults (seeded per party). */
  comms(party: number, t: SimTime): { delivered: boolean; delayMinutes: number; cause?: string } {
    const id = this.parties[party]!.id;
    for (const f of this.faults) {
      if (f.type !== 'comms-loss' || !inForce(f.from, f.until, t) || !matchesAgent(f.agents, id)) continue;
      let rng = this.commsRng.get(party);
      if (!rng) this.commsRng.set(party, (rng = this.random.stream(id, 'comms-loss')));
      if (rng.next() >= f.probability) continue;
      return f.mode === 'lost' ? { delivered: false, delayMinutes: 0, cause: 'lost' } : { delivered: true, delayMinutes: f.delayMinutes, cause: `delayed ${f.delayMinutes} min` };
    }
    return { delivered: true, delayMinutes: 0 };
  }

  /** Whether a party is made to crash (an injected fault) at `t`. */
  crashes(party: number, t: SimTime): boolean {
    const id = this.parties[party]!.id;
    return this.faults.some((f) => f.type === 'agent-crash' && f.agent === id && t >= timeOf(f.at));
  }

  /**
   * The operators' turn, between the market and the agents' physics: commands and
   * their answers. `netKw` (per party, planned net consumption) is updated in place to
   * what the agents committed; returns the commanded change per party (kW) and events.
   */
  operate(interval: MarketInterval, grid: Grid, netKw: Float64Array, agentRole: Uint8Array): { commandedKw: Float64Array; records: CommandRecord[]; events: GridEvent[] } {
    const commandedKw = new Float64Array(netKw.length);
    const events: GridEvent[] = [];
    const records: CommandRecord[] = [];
    const topology = grid.topologies.get(grid.network);
    const branchIds = Array.from(topology.branchOf, (b) => grid.network.branches[b]!.id);
    const injection = this.injections(topology.busCount, netKw, agentRole);
    const reach = this.parties.map((_, i) => (agentRole[i] ? this.comms(i, interval.start).delivered : false));
    const dispatchParties: DispatchParty[] = this.parties.map((p, i) => ({ id: p.id as DispatchParty['id'], busIndex: p.busIndex, responder: agentRole[i] ? p.responder : undefined, reachable: reach[i]! }));
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
          requestedKw: c.command.value,
          response: c.response,
          deliveredKw: c.deliverKw,
          detail: `${c.command.program} ${c.command.eventId} for ${c.branch}: ${c.reason}`,
        });
        if (c.response === 'opt-in' && c.deliverKw < 0) {
          this.eventDays[c.party]!.add(Math.floor(interval.index / this.intervalsPerDay));
          if (!this.eventStartOf.has(c.party) || interval.index - this.eventStartOf.get(c.party)! > 1) this.eventStartOf.set(c.party, interval.index);
        }
        const t = this.dr.get(op.config.id)!;
        t.requestedKwh += -c.command.value * interval.durationH;
        if (c.response === 'opt-in') t.committedKwh += -c.deliverKw * interval.durationH;
      }
      for (const o of out.overloads) {
        events.push({
          at: interval.start,
          issuer: o.operator,
          target: o.branch,
          type: o.remainingKw > 1e-6 ? 'OVERLOAD_SHORTFALL' : 'OVERLOAD_RELIEVED',
          requestedKw: o.excessKw,
          response: o.remainingKw > 1e-6 ? 'shortfall' : 'within-limit',
          deliveredKw: o.excessKw - o.remainingKw,
          detail: o.remainingKw > 1e-6 ? `the commanded flexibility left ${o.remainingKw.toFixed(3)} kW over the ${o.limitKw} kW limit` : `flow brought within ${o.limitKw} kW`,
        });
      }
      for (const n of out.notices) {
        events.push({ at: interval.start, issuer: n.operator, target: n.branch, type: 'EVENT_NOTICE', requestedKw: n.forecastExcessKw, response: 'announced', detail: `overload forecast for interval ${n.forInterval}` });
      }
    }
    return { commandedKw, records, events };
  }

  /** A forged command (fault injection): delivered to its target, which must refuse it. */
  forged(interval: MarketInterval, f: Extract<Fault, { type: 'forged-command' }>, party: number, netKw: number, operatorOf: string | undefined): GridEvent {
    const p = this.parties[party]!;
    const record = deliver(
      { eventId: `forged-${f.issuer}`, program: 'unknown', issuer: f.issuer, target: p.id as DispatchParty['id'], type: 'DISPATCH_SETPOINT', notifiedAt: interval.start, intervalStart: interval.start, durationMinutes: interval.durationH * 60, value: f.valueKw },
      { id: p.id as DispatchParty['id'], busIndex: p.busIndex, responder: p.responder, reachable: true },
      party,
      netKw,
      interval,
      '',
      operatorOf,
    );
    return { at: interval.start, issuer: f.issuer, target: p.id, type: 'DISPATCH_SETPOINT', requestedKw: f.valueKw, response: record.response, deliveredKw: record.deliverKw, detail: record.reason };
  }

  /**
   * After the agents took their (commanded) awards: physical flows, reports of the
   * commanded agents (baseline, delta usage, state of charge) and DR settlement.
   */
  measure(
    interval: MarketInterval,
    grid: Grid,
    result: ClearingResult,
    netKw: Float64Array,
    agentRole: Uint8Array,
    records: readonly CommandRecord[],
    observations: readonly AgentObservation[],
  ): { flows: BranchFlow[]; events: GridEvent[] } {
    for (let i = 0; i < netKw.length; i++) if (agentRole[i]) this.history[i]![interval.index] = netKw[i]!;
    const topology = grid.topologies.get(grid.network);
    const flowsKw = dcFlowsKw(topology, this.injections(topology.busCount, netKw, agentRole));
    const shadow = new Map(result.flows.map((f) => [f.id, f.shadowPriceMwh]));
    const byBranch = new Map<number, number>();
    for (let l = 0; l < topology.branchCount; l++) byBranch.set(topology.branchOf[l]!, l);
    let overloaded = false;
    const flows = grid.network.branches.map((b, k): BranchFlow => {
      const l = byBranch.get(k);
      if (l === undefined) return { id: b.id, flowKw: 0, limitKw: 0, shadowPriceMwh: 0, inService: false };
      if (Math.abs(flowsKw[l]!) > b.limitKw * (1 + 1e-7) + 1e-9) overloaded = true;
      return { id: b.id, flowKw: flowsKw[l]!, limitKw: b.limitKw, shadowPriceMwh: shadow.get(b.id) ?? 0 };
    });
    if (overloaded) this.overloadIntervals++;
    const events: GridEvent[] = [];
    for (const r of records) {
      if (r.response !== 'opt-in') continue;
      const i = r.party;
      const op = this.operators.find((o) => o.config.id === r.command.issuer)!;
      const actual = netKw[i]!;
      const cf = this.counterfactual?.netKw[i]![interval.index];
      const ten = tenOfTenBaseline(this.history[i]!, this.eventDays[i]!, this.intervalsPerDay, interval.index, this.eventStartOf.get(i) ?? interval.index);
      const baseline = op.config.baseline === 'counterfactual' && cf !== undefined ? cf : ten.baselineKw;
      const delivered = Number.isNaN(baseline) ? 0 : deliveredKwh(baseline, actual, interval.durationH);
      const committed = -r.deliverKw * interval.durationH;
      const t = this.dr.get(op.config.id)!;
      t.deliveredKwh += delivered;
      const pay = money(Math.max(0, delivered).toFixed(6)).times(money(op.config.eventPriceMwh)).div(1000);
      const penalty = money(Math.max(0, committed - Math.max(0, delivered)).toFixed(6)).times(money(op.config.shortfallPenaltyMwh)).div(1000);
      t.payments = t.payments.plus(pay);
      t.penalties = t.penalties.plus(penalty);
      const reach = this.comms(i, interval.start);
      const sent = reach.delivered ? 'received' : 'lost';
      const base = { at: interval.start, issuer: this.parties[i]!.id, target: r.command.issuer };
      events.push({ ...base, type: 'REPORT:BASELINE', requestedKw: r.command.value, response: sent, deliveredKw: baseline, detail: `${op.config.baseline} baseline ${fmt(baseline)} kW; counterfactual ${fmt(cf)} kW; 10-of-10 ${fmt(ten.baselineKw)} kW (${ten.daysUsed} days, adjustment ${fmt(ten.adjustment)})` });
      events.push({ ...base, type: 'REPORT:DELTA_USAGE', requestedKw: r.deliverKw, response: sent, deliveredKw: Number.isNaN(baseline) ? 0 : baseline - actual, detail: `actual ${fmt(actual)} kW; paid ${pay.toFixed()}; penalty ${penalty.toFixed()}` });
      const soc = observations[i]?.socKwh;
      if (soc !== undefined) events.push({ ...base, type: 'REPORT:STORAGE_CHARGE_LEVEL', response: sent, detail: `${soc.toFixed(3)} kWh` });
    }
    return { flows, events };
  }

  summary(): Record<string, unknown> {
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    return {
      overloadIntervals: this.overloadIntervals,
      ...(this.counterfactual
        ? { overloadIntervalsWithoutOperator: this.counterfactual.overloadIntervals, overloadIntervalsAvoided: this.counterfactual.overloadIntervals - this.overloadIntervals }
        : {}),
      demandResponse: Object.fromEntries(
        [...this.dr].map(([id, t]) => [
          id,
          { requestedKwh: r3(t.requestedKwh), committedKwh: r3(t.committedKwh), deliveredKwh: r3(t.deliveredKwh), payments: t.payments.toFixed(), penalties: t.penalties.toFixed() },
        ]),
      ),
    };
  }

  /** Net injection per topology bus from the parties' net consumption (agents only; the reference absorbs the rest). */
  private injections(busCount: number, netKw: Float64Array, agentRole: Uint8Array): Float64Array {
    const out = new Float64Array(busCount);
    for (let i = 0; i < netKw.length; i++) if (agentRole[i] && this.parties[i]!.busIndex >= 0) out[this.parties[i]!.busIndex]! -= netKw[i]!;
    return out;
  }
}

const fmt = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(3));

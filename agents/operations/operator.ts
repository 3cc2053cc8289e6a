/**
 * The distribution operator's control room (`operations:` in a scenario): after
 * the market clears, each operator checks the physical flows of the schedule on
 * the branches it watches, and where a branch would run over its limit it commands
 * flexibility downstream — reductions, and with `v2g` discharges from EVs and
 * batteries; or, with `command: import-limit`, caps on the agents' imports — until the flow
 * is back under the limit less a headroom, or no one is left to ask (the shortfall is recorded). It also looks ahead from the flows the branches
 * physically carried less the relief of its own commands (the same interval yesterday, else the
 * last interval) and announces coming overloads; with `prePosition` it also has the batteries behind a
 * branch charged (or emptied) before a forecast overload, by CHARGE_STATE_SETPOINTs
 * (`prePosition` below, the share rule in prePosition.ts).
 *
 * Commands are OpenADR-shaped (agents/types.ts `OperatorCommand`), carry their issuer,
 * and are answered by the agents themselves (`CommandResponder`), which opt in or out
 * with a reason following from their state. An agent acts only on commands from the
 * operator of its own feeder; anything else is rejected and logged.
 *
 * Which agent first: the one whose kW moves the overloaded flow most (|PTDF|), then
 * scenario order. Each agent is asked once per interval, for the most any overloaded watched
 * branch needs from it among those its kW moves at least as much (two branches in series share
 * the agents behind both). Pure arithmetic on plain arrays; the only state is the operator's
 * lifecycle machine and its memory of the metered flows.
 */
import { costMwh } from '../../core/bounds.ts';
import { floorToQuantum, requestedChangeKw } from '../commandResponse.ts';
import * as z from 'zod';
import type { CommandResponder, OperatorCommand } from '../types.ts';
import { operationsMachine } from './machine.ts';
import { Lifecycle, MachineModel } from '../lifecycle.ts';
import type { AgentId } from '../../core/units.ts';
import { ptdfOf } from '../../network/ptdf.ts';
import type { Topology } from '../../network/topology.ts';
import type { MarketInterval } from '../../core/clock.ts';
import { MS_PER_HOUR } from '../../core/time.ts';
import { answerKwh, coveredFraction, headroomKwh, shareOf, type StorageRating, withinBudget } from './prePosition.ts';

export const operatorSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits and _ . : - only'),
  /** Buses of its feeder (default: every bus): agents there take its commands. */
  buses: z.array(z.string().min(1)).optional(),
  /** Branches it keeps within limits (default: every branch with a limit). */
  watch: z.array(z.string().min(1)).optional(),
  program: z.string().min(1).default('distribution-flexibility'),
  /** Payment per delivered MWh of demand response, currency/MWh. */
  eventPriceMwh: costMwh().default(300),
  /** Penalty per MWh an opted-in agent committed but did not deliver. */
  shortfallPenaltyMwh: costMwh().default(100),
  /**
   * What a shortfall is measured against (agents/operations/drSettlement.ts): `baseline`, the
   * commitment less what was delivered against the baseline; or `commitment`, only consumption
   * beyond the committed level (schedule + command), so that an agent doing what it committed
   * pays none where its schedule sits above the baseline (a rebound after an earlier event).
   */
  penalty: z.enum(['baseline', 'commitment']).default('baseline'),
  /** Aim this far below a limit, percent. */
  headroomPct: z.number().min(0).max(50).default(2),
  /** How many intervals ahead it forecasts overloads and announces events. */
  lookaheadIntervals: z.int().min(0).max(96).default(8),
  /** May it command EVs and batteries to discharge (V2G), not only to consume less? */
  v2g: z.boolean().default(true),
  /**
   * May it command EVs and batteries to charge (or charge more, or stop discharging) where more
   * consumption relieves a branch: a reverse flow, such as a feeder exporting its PV at noon?
   * Charge commands are setpoints above zero; homes and offices decline them.
   */
  charge: z.boolean().default(false),
  /**
   * May it ask homes exporting their PV to curtail the export (down to none), where less
   * injection relieves a branch? Also a setpoint above zero; batteries and cars are asked first
   * (with `charge`), since what they take is stored and curtailed PV is lost.
   */
  curtailExport: z.boolean().default(false),
  /**
   * What it commands: a change of net consumption (`setpoint`: OpenADR's DISPATCH_SETPOINT), or a
   * cap on an agent's import (`import-limit`: IMPORT_CAPACITY_LIMIT, the dimming of controllable
   * devices that Germany's §14a EnWG gives distribution operators). A cap never asks for a
   * discharge, so `v2g` does not apply to it.
   */
  command: z.enum(['setpoint', 'import-limit']).default('setpoint'),
  /** With `import-limit` only: no agent's import is capped below this, kW (§14a EnWG guarantees 4.2 kW); default 0. */
  minimumImportKw: z.number().min(0).max(1e6).optional(),
  /** The baseline delivered energy is measured and paid against. */
  baseline: z.enum(['counterfactual', 'ten-of-ten']).default('counterfactual'),
  /**
   * Pre-position storage before a forecast overload (agents/operations/prePosition.ts): when the
   * look-ahead forecasts an overload on a watched branch that starts `leadIntervals` or fewer
   * intervals ahead (and at least 2, so one market interval is left to act in), it sends each
   * battery whose kW moves the branch a CHARGE_STATE_SETPOINT, once per event: a SoC to reach
   * (with `v2g`, before an import overload) or to stay under (with `charge`, before a reverse
   * flow) by the event's start: the flow the look-ahead forecasts without its own commands, which
   * is what the batteries must cover. Off by default. With `cars: true` (needs `v2g`) the V2G-capable
   * cars behind the branch are sent floors too, before import overloads, in the same dispatch order;
   * each answers from its own session (agents/ev/setpoint.ts) and is counted on only for what it
   * commits above the floor its departure needs. Off by default.
   */
  prePosition: z.strictObject({ leadIntervals: z.int().min(2).max(96).default(4), cars: z.boolean().default(false) }).optional(),
  /** Self-healing (FLISR, agents/operations/selfHealing.ts) on a lindistflow feeder: restore around a faulted line through normally-open ties this long after the fault. */
  selfHealing: z.strictObject({ restoreAfterMinutes: z.number().min(0).max(24 * 60).default(5) }).optional(),
}).superRefine((o, ctx) => {
  // A floor on caps means nothing to setpoints: say so rather than ignore it.
  if (o.minimumImportKw !== undefined && o.command !== 'import-limit') ctx.addIssue({ code: 'custom', path: ['minimumImportKw'], message: 'applies only with command: import-limit (this operator sends setpoints)' });
  if (o.charge && o.command === 'import-limit') ctx.addIssue({ code: 'custom', path: ['charge'], message: 'charge commands are setpoints: they need command: setpoint (an import cap cannot ask for more consumption)' });
  if (o.curtailExport && o.command === 'import-limit') ctx.addIssue({ code: 'custom', path: ['curtailExport'], message: 'export curtailment is a setpoint: it needs command: setpoint (an import cap cannot limit an export)' });
  if (o.prePosition !== undefined) {
    if (o.command === 'import-limit') ctx.addIssue({ code: 'custom', path: ['prePosition'], message: 'pre-positioned batteries are discharged or charged by setpoints: it needs command: setpoint (an import cap never asks for a discharge)' });
    else if (!o.v2g && !o.charge) ctx.addIssue({ code: 'custom', path: ['prePosition'], message: 'needs v2g: true (to discharge what batteries stored before an import overload) or charge: true (to fill the room they kept before a reverse flow)' });
    if (o.prePosition.cars && !o.v2g) ctx.addIssue({ code: 'custom', path: ['prePosition', 'cars'], message: 'needs v2g: true (cars are pre-positioned to discharge over an import overload, which only V2G commands ask)' });
    if (o.prePosition.leadIntervals > o.lookaheadIntervals) ctx.addIssue({ code: 'custom', path: ['prePosition', 'leadIntervals'], message: `must not exceed lookaheadIntervals (${o.lookaheadIntervals}): the operator sees no overload further ahead` });
  }
});
export const operationsSchema = z.array(operatorSchema);
export type OperatorConfig = z.infer<typeof operatorSchema>;

/** Excess flow (kW) below which an overload counts as removed. */
const FLOW_TOLERANCE_KW = 1e-6;

/** The agent kinds that store energy and so can take a charge command. */
export const CHARGING_KINDS: ReadonlySet<string> = new Set(['storage', 'ev']);

/** Every operator's machine: shared snapshots and steps (agents/lifecycle.ts). */
const OPERATIONS_MODEL = new MachineModel(operationsMachine);

export interface DispatchParty {
  readonly id: AgentId;
  readonly busIndex: number;
  readonly responder: CommandResponder | undefined;
  /** Can it take more energy on command (a battery, a car: `CHARGING_KINDS`)? Only these are sent charge commands. */
  readonly canCharge?: boolean;
  /** A stationary battery's registered ratings: these are sent CHARGE_STATE_SETPOINTs (`prePosition`). */
  readonly storage?: StorageRating;
  /** A V2G-capable car's registered charge-point ratings (`AgentRuntime.v2gRating`): sent CHARGE_STATE_SETPOINTs with `prePosition.cars`, before import overloads. */
  readonly car?: StorageRating;
  /**
   * Does a message reach the party now (no comms loss)? Asked once per command sent, so a
   * seeded loss is drawn only for messages that exist.
   */
  reachable(): boolean;
  /**
   * Present for an agent that reports its flexibility to the operator (DER, storage and EVs on a
   * communication plane, engine/interval/comms.ts): the newest REPORT the operator has received
   * from it, `null` when none has arrived yet. The operator then plans on the report, not on the
   * agent's answer (which comes back later, over the plane): it counts on what the report says the
   * agent can give of what it asks, and does not dispatch an agent it has never heard from. With
   * an up-to-date report that is exactly the answer, so only a stale report changes the dispatch.
   * Absent (every party with `comms: ideal`): the operator plans on the answer, as before.
   */
  reported?(): ReportedFlexibility | null;
}

/** A REPORT's content as the operator uses it: the agent's flexibility for one interval. */
export interface ReportedFlexibility {
  /** The interval index the report was made for (older than the one dispatched: the report is stale). */
  readonly interval: number;
  /** The agent's planned net consumption when it reported, kW. */
  readonly plannedNetKw: number;
  /** The largest change of net consumption it could commit to then, kW (≤ 0), in whole `quantumKw`. */
  readonly availableKw: number;
  /** The market's quantity step: commitments are whole steps. */
  readonly quantumKw: number;
}

export interface CommandRecord {
  readonly command: OperatorCommand;
  readonly party: number;
  /** The change of net consumption the command asked of the agent, kW (≤ 0): a setpoint's value, or what brings the import down to a cap. */
  readonly requestedKw: number;
  /** `failed`: the agent threw while answering (the engine isolates it). */
  readonly response: 'opt-in' | 'opt-out' | 'rejected' | 'lost' | 'failed';
  readonly reason: string;
  /** Committed change of net consumption, kW (≤ 0). */
  readonly deliverKw: number;
  /** The agent's net consumption the command was planned on (its schedule), kW: with `deliverKw`, the level it committed to. */
  readonly plannedKw: number;
  readonly branch: string;
  /** Set when the operator planned this command on a REPORT (`DispatchParty.reported`): the report's interval and the change it counted on, kW (≤ 0). */
  readonly report?: { readonly interval: number; readonly expectedKw: number };
  /** A CHARGE_STATE_SETPOINT's answer (`deliverKw` is 0): the SoC committed to, and the cell energy moved to get there, kWh. */
  readonly socKwh?: number;
  readonly shiftKwh?: number;
  /** A car's answer: the SoC it keeps over the event for its departure, kWh (`CommandResponse.floorKwh`). */
  readonly floorKwh?: number;
  /** A CHARGE_STATE_SETPOINT declined only because the device is away (`CommandResponse.away`): asked again before the event. */
  readonly away?: true;
  /**
   * A car's answer when asked again, plugged in, for an event it was away for (`askWaitingCars`): the event's setpoint
   * revised to what the event still needs, under the event id of its first ask, so the grid room counts the car once
   * per event (its first answer was `away`).
   */
  readonly reAsked?: true;
}

/**
 * An event being pre-positioned for: its branch (index, id), its direction and target, what it still needs per
 * interval over the target (kW), and the headroom before it left for the devices' own trades (branch kWh): `budget`
 * now, of the `initialBudget` the forecast gave when it was prepared, `committedKwh` of it taken by the commitments.
 */
interface PreparedEvent {
  readonly branch: number;
  readonly branchId: string;
  readonly dir: number;
  readonly targetKw: number;
  /** Start of the event's first interval (virtual ms). */
  readonly startMs: number;
  readonly remaining: Float64Array;
  readonly initialBudget: number;
  budget: number;
  committedKwh: number;
}

/** A prepared event and the cars that were away when asked, in dispatch order. */
interface WaitingCars {
  readonly event: PreparedEvent;
  /** `eventId`: the id of the setpoint it declined, reused when it is asked again. */
  cars: Array<{ readonly i: number; readonly s: number; readonly rating: StorageRating; readonly eventId: string }>;
}

export interface OverloadRecord {
  readonly operator: string;
  readonly branch: string;
  readonly limitKw: number;
  /** Flow over limit × (1 − headroom) before commands, and what remained after, kW. */
  readonly excessKw: number;
  readonly remainingKw: number;
}

export interface NoticeRecord {
  readonly operator: string;
  readonly branch: string;
  /** The interval index an overload is forecast for, and by how much. */
  readonly forInterval: number;
  readonly forecastExcessKw: number;
}

export interface DispatchOutcome {
  readonly commands: readonly CommandRecord[];
  /** CHARGE_STATE_SETPOINTs sent ahead of forecast overloads (`prePosition`) and their answers: no change this interval. */
  readonly setpoints: readonly CommandRecord[];
  readonly overloads: readonly OverloadRecord[];
  readonly notices: readonly NoticeRecord[];
}

export class Operator {
  readonly lifecycle: Lifecycle<typeof operationsMachine>;
  /** Physical flow per branch id and interval (for the look-ahead). */
  private readonly history = new Map<string, Float64Array>();
  private eventSeq = 0;
  private readonly announced = new Set<string>();
  /** Per branch id and interval, the flow change its commands made (the look-ahead takes it back out of the metered flow; allocated for a branch once a command moved it). */
  private readonly relief = new Map<string, Float64Array>();
  /**
   * The commands of the last dispatch that moved a branch, as answered (kW, at their bus) with the interval's PTDF: on a
   * communication plane some arrive late or never, and `reliefInForce` then takes their relief back to what was in force.
   */
  private answered: { index: number; branchIds: readonly string[]; factors: Float64Array; busCount: number; commands: Array<{ eventId: string; busIndex: number; deliverKw: number }> } | undefined;
  /** Events already pre-positioned for, `branch@first interval`. */
  private readonly prePositioned = new Set<string>();
  /** Per branch id, the interval the event last pre-positioned for ends before: the next is prepared only after it (a battery holds one setpoint). */
  private readonly preparedUntil = new Map<string, number>();
  /**
   * Per party, the end (virtual ms) of the event of the setpoint of this operator it opted in to: it is sent no
   * other until then. A device steers toward one setpoint at a time, and a second (for another branch) replaced
   * the first without a word (agents/operations/conflicts.ts, which declines another operator's the same way).
   */
  private readonly holdsSetpointUntil = new Map<number, number>();
  /** Prepared events with cars that were away when asked (`CommandRecord.away`): asked again while they could still prepare. */
  private waitingCars: WaitingCars[] = [];

  constructor(
    readonly config: OperatorConfig,
    private readonly intervals: number,
    private readonly intervalsPerDay: number,
    /** The same wall-clock interval yesterday, at a site whose clock changes within the run (core/sameWallClock.ts); else `k − intervalsPerDay`. */
    private readonly yesterdayOf?: (interval: number) => number,
  ) {
    this.lifecycle = new Lifecycle(OPERATIONS_MODEL);
  }

  /** Whether an agent at this bus is on this operator's feeder. */
  serves(bus: string): boolean {
    return this.config.buses === undefined || this.config.buses.includes(bus);
  }

  /**
   * Commands flexibility until every watched branch is within limit × (1 − headroom), or
   * no one is left to ask. Mutates `netKw` (planned net consumption per party) and
   * `injectionKw` (per topology bus) to what the agents committed.
   */
  dispatch(interval: MarketInterval, topology: Topology, branchIds: readonly string[], parties: readonly DispatchParty[], netKw: Float64Array, injectionKw: Float64Array): DispatchOutcome {
    const { factors, busCount } = ptdfOf(topology);
    const flows = new Float64Array(topology.branchCount);
    for (let l = 0; l < topology.branchCount; l++) {
      let f = 0;
      for (let k = 0; k < busCount; k++) f += factors[l * busCount + k]! * injectionKw[k]!;
      flows[l] = f;
    }
    // The schedule's own flows, before any command: what the look-ahead learns from.
    const scheduled = Float64Array.from(flows);
    // What the operator believes the flows are: the same as `flows` except where it counted on a
    // reported flexibility the agent then did not give (`DispatchParty.reported`).
    const believed = Float64Array.from(flows);
    const commands: CommandRecord[] = [];
    const overloads: OverloadRecord[] = [];
    const headroom = 1 - this.config.headroomPct / 100;
    const asked = new Set<number>();
    this.answered = undefined;
    for (let l = 0; l < topology.branchCount; l++) {
      const limit = topology.limitKw[l]!;
      if (!Number.isFinite(limit)) continue;
      const branchId = branchIds[l]!;
      if (this.config.watch && !this.config.watch.includes(branchId)) continue;
      const target = limit * headroom;
      const excess = Math.abs(believed[l]!) - target;
      if (excess <= FLOW_TOLERANCE_KW) continue;
      const dir = Math.sign(believed[l]!);
      // Candidates: agents whose lower consumption (higher injection) pushes this flow down; where higher consumption does
      // (downstream of a reverse flow: a feeder exporting its PV), with `charge` those that store energy and with
      // `curtailExport` those exporting now. Most effective first; among equals, storing before curtailing (curtailed PV is lost).
      const candidates: Array<{ i: number; s: number; spills: number }> = [];
      parties.forEach((p, i) => {
        if (!p.responder || asked.has(i) || !this.serves(topology.busIds[p.busIndex]!)) return;
        const s = factors[l * busCount + p.busIndex]!;
        if (dir * s < -1e-9) candidates.push({ i, s, spills: 0 });
        else if (dir * s > 1e-9) {
          if (this.config.charge && p.canCharge === true) candidates.push({ i, s, spills: 0 });
          else if (this.config.curtailExport && p.canCharge !== true && netKw[i]! < -1e-9) candidates.push({ i, s, spills: 1 });
        }
      });
      candidates.sort((a, b) => Math.abs(b.s) - Math.abs(a.s) || a.spills - b.spills || a.i - b.i);
      let remaining = excess;
      for (const { i, s } of candidates) {
        if (remaining <= FLOW_TOLERANCE_KW) break;
        const p = parties[i]!;
        asked.add(i);
        // More consumption here relieves the branch (a charge command), or less does (a reduction).
        const up = dir * s > 0;
        // Ask for the whole remaining excess through this agent, but never for a discharge without V2G; as a cap, never
        // below the guaranteed minimum import (an agent importing no more than that cannot help).
        // An agent is asked once per interval (`asked`): where it also relieves another watched branch still over its
        // target, ask it for the most any of them needs from it, or the next branch would find it already asked.
        const needKw = Math.max(remaining / Math.abs(s), this.otherNeedKw(l, p.busIndex, Math.abs(s), up, believed, topology, branchIds, factors, busCount, headroom));
        let value = up ? needKw : -needKw;
        const capped = !up && this.config.command === 'import-limit';
        if (capped) value = Math.min(0, Math.max(this.config.minimumImportKw ?? 0, netKw[i]! + value) - netKw[i]!);
        else if (!up && !this.config.v2g) value = Math.max(value, -Math.max(0, netKw[i]!));
        // A reporting agent: the operator counts on what its newest report says it can give, in whole quanta (it is not
        // dispatched at all while no report has arrived). Asked, like everyone, for the whole remaining excess. Reports
        // say what it can give downward only: for a charge command the operator counts on the answer.
        const report = up ? undefined : p.reported?.();
        let expectedKw: number | undefined;
        if (report !== undefined) {
          if (report === null) continue;
          const availableKw = report.plannedNetKw === netKw[i] ? report.availableKw : Math.min(0, report.plannedNetKw + report.availableKw - netKw[i]!);
          expectedKw = -floorToQuantum(Math.min(-value, -availableKw), report.quantumKw);
        }
        if (Math.abs(value) < 1e-9 || (!up && value > 0)) continue;
        const command: OperatorCommand = {
          eventId: `${this.config.id}-${++this.eventSeq}`,
          program: this.config.program,
          issuer: this.config.id,
          target: p.id,
          type: capped ? 'IMPORT_CAPACITY_LIMIT' : 'DISPATCH_SETPOINT',
          notifiedAt: interval.start,
          intervalStart: interval.start,
          durationMinutes: interval.durationH * 60,
          value: capped ? netKw[i]! + value : value,
        };
        const answered = deliver(command, p, i, netKw[i]!, interval, branchId, this.config.id);
        const record = expectedKw === undefined ? answered : { ...answered, report: { interval: report!.interval, expectedKw } };
        commands.push(record);
        // The operator counts on what the report promised, or else on the answer (kW more injection at the agent's bus).
        const counted = expectedKw === undefined ? (record.response === 'opt-in' ? -record.deliverKw : 0) : -expectedKw;
        if (counted !== 0) {
          for (let m = 0; m < topology.branchCount; m++) believed[m]! += factors[m * busCount + p.busIndex]! * counted;
          remaining = Math.abs(believed[l]!) - target;
        }
        if (record.response !== 'opt-in' || record.deliverKw === 0) continue;
        const change = -record.deliverKw; // kW more injection at the agent's bus (less, for a charge command)
        (this.answered ??= { index: interval.index, branchIds, factors, busCount, commands: [] }).commands.push({ eventId: command.eventId, busIndex: p.busIndex, deliverKw: record.deliverKw });
        netKw[i]! += record.deliverKw;
        injectionKw[p.busIndex]! += change;
        for (let m = 0; m < topology.branchCount; m++) flows[m]! += factors[m * busCount + p.busIndex]! * change;
      }
      overloads.push({ operator: this.config.id, branch: branchId, limitKw: limit, excessKw: excess, remainingKw: Math.max(0, Math.abs(flows[l]!) - limit) });
    }
    this.recordRelief(interval.index, topology, branchIds, flows, scheduled);
    const { notices, forecasts } = this.lookAhead(interval, topology, branchIds, headroom, scheduled);
    const setpoints = this.config.prePosition ? this.prePosition(interval, topology, branchIds, parties, netKw, headroom, forecasts, factors, busCount) : [];
    const lifecycle = commands.some((c) => c.response === 'opt-in') ? 'DISPATCH' : notices.length > 0 ? 'FORECAST_OVERLOAD' : 'CLEAR';
    if (this.lifecycle.can({ type: lifecycle })) this.lifecycle.send({ type: lifecycle });
    return { commands, setpoints, overloads, notices };
  }

  /** The flow change (kW) this interval's commands made on each watched branch, kept for the look-ahead. */
  private recordRelief(index: number, topology: Topology, branchIds: readonly string[], flows: Float64Array, scheduled: Float64Array): void {
    for (let l = 0; l < topology.branchCount; l++) {
      const id = branchIds[l]!;
      if (flows[l] === scheduled[l] && !this.relief.has(id)) continue;
      let r = this.relief.get(id);
      if (!r) this.relief.set(id, (r = new Float64Array(this.intervals)));
      r[index] = flows[l]! - scheduled[l]!;
    }
  }

  /**
   * Takes the relief its commands made in interval `index` (`recordRelief`, as answered) back to what was in force,
   * once the interval has run: `inForceKw(eventId)` is a command's commitment in the end (0, or undefined, when it was
   * never in force). On a communication plane a command acts from its delivery on, pro rata, and not at all when lost;
   * counting the relief of a lost command, the look-ahead forecast the flow without its commands as the metered flow
   * plus a relief that never came (about twice the excess with every command lost: test/comms/lostCommandOverload.spec.ts).
   * Without a plane every command is in force as answered: nothing changes.
   */
  reliefInForce(index: number, inForceKw: (eventId: string) => number | undefined): void {
    const a = this.answered;
    if (a === undefined || a.index !== index || a.commands.every((c) => inForceKw(c.eventId) === c.deliverKw)) return;
    const { factors, busCount, branchIds } = a;
    for (let l = 0; l < branchIds.length; l++) {
      const r = this.relief.get(branchIds[l]!);
      if (!r) continue;
      let f = 0;
      for (const c of a.commands) f -= factors[l * busCount + c.busIndex]! * (inForceKw(c.eventId) ?? 0);
      r[index] = f;
    }
  }

  /**
   * Pre-positioning (`prePosition`, agents/operations/prePosition.ts): for each watched branch whose
   * forecast shows an overload starting 2 to `leadIntervals` intervals ahead, not yet pre-positioned
   * for, a CHARGE_STATE_SETPOINT to each battery on its feeder whose kW moves the branch — most
   * effective first, each given its share of what the earlier ones' commitments left — covering the
   * run of overloaded intervals in the horizon. The batteries answer now and act in their bids.
   */
  private prePosition(interval: MarketInterval, topology: Topology, branchIds: readonly string[], parties: readonly DispatchParty[], netKw: Float64Array, headroom: number, forecasts: ReadonlyMap<number, Float64Array>, factors: Float64Array, busCount: number): CommandRecord[] {
    const out: CommandRecord[] = this.askWaitingCars(interval, parties, netKw, forecasts);
    const lead = this.config.prePosition!.leadIntervals;
    for (const [l, forecast] of forecasts) {
      const target = topology.limitKw[l]! * headroom;
      const over = (k: number): number => Math.abs(forecast[k]!) - target;
      // The first run of overloaded intervals that starts 2 or more intervals ahead: one forecast for the next
      // interval (or running on from it) is the real-time dispatch's, with no market interval left to prepare in.
      const overAt = (k: number): boolean => k >= 1 && over(k) > FLOW_TOLERANCE_KW;
      let first = 2;
      while (first < forecast.length && !(overAt(first) && !(overAt(first - 1) && Math.sign(forecast[first - 1]!) === Math.sign(forecast[first]!)))) first++;
      if (first >= forecast.length || first > lead) continue;
      const branchId = branchIds[l]!;
      const key = `${branchId}@${interval.index + first}`;
      if (this.prePositioned.has(key) || interval.index < (this.preparedUntil.get(branchId) ?? 0)) continue;
      this.prePositioned.add(key);
      const dir = Math.sign(forecast[first]!);
      let last = first;
      while (last + 1 < forecast.length && over(last + 1) > FLOW_TOLERANCE_KW && Math.sign(forecast[last + 1]!) === dir) last++;
      this.preparedUntil.set(branchId, interval.index + last + 1);
      const remaining = new Float64Array(last - first + 1);
      for (let k = first; k <= last; k++) remaining[k - first] = over(k);
      // A reverse flow (dir · PTDF > 0 at the bus: more consumption there relieves it) needs room, with `charge`; a forward one energy, with `v2g`.
      // Cars (`cars`) only before an import overload: each is asked for energy to discharge, never for room.
      const cars = this.config.prePosition!.cars;
      const candidates: Array<{ i: number; s: number; reverse: boolean; rating: StorageRating }> = [];
      parties.forEach((p, i) => {
        const rating = p.storage ?? (cars ? p.car : undefined);
        if (!rating || !p.responder || !this.serves(topology.busIds[p.busIndex]!)) return;
        if ((this.holdsSetpointUntil.get(i) ?? 0) > interval.start) return;
        const s = dir * factors[l * busCount + p.busIndex]!;
        if (s < -1e-9 && this.config.v2g) candidates.push({ i, s: -s, reverse: false, rating });
        else if (s > 1e-9 && this.config.charge && p.storage) candidates.push({ i, s, reverse: true, rating });
      });
      candidates.sort((a, b) => b.s - a.s || a.i - b.i);
      // What the batteries may trade before the event without overloading the branch themselves (branch kWh).
      const budget = headroomKwh(forecast, first, dir, target, interval.durationH);
      const event: PreparedEvent = { branch: l, branchId, dir, targetKw: target, startMs: interval.start + first * interval.durationH * MS_PER_HOUR, remaining, initialBudget: budget, budget, committedKwh: 0 };
      const away: WaitingCars['cars'] = [];
      for (const c of candidates) {
        const record = this.askForShare(event, c, parties, netKw, interval);
        if (record === undefined || record === 'away') continue;
        out.push(record);
        if (record.away) away.push({ i: c.i, s: c.s, rating: c.rating, eventId: record.command.eventId });
      }
      if (away.length > 0) this.waitingCars.push({ event, cars: away });
    }
    return out;
  }

  /**
   * Sends candidate `c` a CHARGE_STATE_SETPOINT for its share of what `event` still needs, unless nothing is left for
   * it (undefined), and takes its answer off the event. With `reAskOf` (the event id of the setpoint a car declined
   * while away) the car is polled first without a record: while it is still away nothing is sent or logged (`'away'`:
   * the event stays pending for it); once plugged in it is sent the setpoint under that id (`reAsked`), so that one
   * car and one event stay one setpoint in events.csv and in the KPIs.
   */
  private askForShare(event: PreparedEvent, c: { i: number; s: number; reverse: boolean; rating: StorageRating }, parties: readonly DispatchParty[], netKw: Float64Array, interval: MarketInterval, reAskOf?: string): CommandRecord | 'away' | undefined {
    const { i, s, reverse, rating } = c;
    const p = parties[i]!;
    const share = withinBudget(shareOf(event.remaining, s, rating, reverse, interval.durationH), rating, s, event.budget);
    // Nothing for this one (its inverter or SoC span gives nothing, or nothing is left): the next may still have a share.
    if (!(share.energyKwh > 1e-9)) return undefined;
    const command: OperatorCommand = {
      eventId: '',
      program: this.config.program,
      issuer: this.config.id,
      target: p.id,
      type: 'CHARGE_STATE_SETPOINT',
      notifiedAt: interval.start,
      intervalStart: event.startMs,
      durationMinutes: event.remaining.length * interval.durationH * 60,
      value: share.socKwh,
      socBound: share.bound,
    };
    if (reAskOf !== undefined) {
      let stillAway = false;
      try {
        stillAway = p.responder?.respond(command, netKw[i]!, interval).away === true;
      } catch {
        // Answered for the record below, where a throw is reported as such.
      }
      if (stillAway) return 'away';
    }
    const delivered = deliver({ ...command, eventId: reAskOf ?? `${this.config.id}-${++this.eventSeq}` }, p, i, netKw[i]!, interval, event.branchId, this.config.id);
    const record: CommandRecord = reAskOf === undefined ? delivered : { ...delivered, reAsked: true };
    if (record.response !== 'opt-in' || record.socKwh === undefined) return record;
    this.holdsSetpointUntil.set(i, command.intervalStart + command.durationMinutes * 60_000);
    const committedKwh = answerKwh(share.bound, record.shiftKwh ?? 0, rating) * s;
    event.committedKwh += committedKwh;
    event.budget = Math.max(0, event.budget - committedKwh);
    // A car counts only above the floor it keeps for its departure (its answer says which).
    const f = coveredFraction(share, rating, record.socKwh, record.floorKwh);
    for (let t = 0; t < event.remaining.length; t++) event.remaining[t] = Math.max(0, event.remaining[t]! - f * share.shareKw[t]! * s);
    return record;
  }

  /**
   * The cars that were away when an event was prepared, asked again while two or more intervals remain before it (a
   * setpoint sent in the interval just before arrives after it cleared, with nothing left to charge in): one that has
   * plugged in answers (and is logged) as at preparation, from what the event still needs; one still away is not
   * logged again. An event stays pending for a car that plugs in later, as an OpenADR event does for a VEN that
   * connects (before, a car away when the event was prepared, hours ahead, was never asked again). The headroom it
   * may charge in is what the forecast leaves in the intervals still ahead, less all that the devices that opted in
   * committed to move (as if none of it had moved yet), and never more than was left at preparation.
   */
  private askWaitingCars(interval: MarketInterval, parties: readonly DispatchParty[], netKw: Float64Array, forecasts: ReadonlyMap<number, Float64Array>): CommandRecord[] {
    if (this.waitingCars.length === 0) return [];
    const out: CommandRecord[] = [];
    const intervalMs = interval.durationH * MS_PER_HOUR;
    this.waitingCars = this.waitingCars.filter((w) => Math.round((w.event.startMs - interval.start) / intervalMs) >= 2);
    for (const w of this.waitingCars) {
      const e = w.event;
      const forecast = forecasts.get(e.branch);
      const first = Math.round((e.startMs - interval.start) / intervalMs);
      const ahead = forecast === undefined || forecast.length <= first ? 0 : headroomKwh(forecast, first, e.dir, e.targetKw, interval.durationH);
      e.budget = Math.max(0, Math.min(e.initialBudget, ahead) - e.committedKwh);
      w.cars = w.cars.filter((c) => {
        if ((this.holdsSetpointUntil.get(c.i) ?? 0) > interval.start) return false;
        // Taking no commands now (its site's energy manager crashed): not a candidate, as at preparation; no longer waited for.
        if (!parties[c.i]!.responder) return false;
        const record = this.askForShare(e, { ...c, reverse: false }, parties, netKw, interval, c.eventId);
        // Still away: kept for the next interval; nothing left for it: no longer waited for.
        if (record === 'away' || record === undefined) return record === 'away';
        out.push(record);
        return record.away === true;
      });
    }
    this.waitingCars = this.waitingCars.filter((w) => w.cars.length > 0);
    return out;
  }

  /**
   * The largest change (kW, ≥ 0) an agent at `bus` would need to make, in the direction `up` (more consumption) or
   * not, to bring another watched branch than `l` that is over its target back to it, by the flows the operator believes.
   * Only branches its kW moves at least as much as `l` (`sensitivity`, its |PTDF| on `l`): a branch it barely moves
   * is left to the agents that move it more, rather than asking this one for many kW per kW of relief.
   */
  private otherNeedKw(l: number, bus: number, sensitivity: number, up: boolean, believed: Float64Array, topology: Topology, branchIds: readonly string[], factors: Float64Array, busCount: number, headroom: number): number {
    let need = 0;
    for (let m = 0; m < topology.branchCount; m++) {
      const limit = topology.limitKw[m]!;
      if (m === l || !Number.isFinite(limit) || (this.config.watch && !this.config.watch.includes(branchIds[m]!))) continue;
      const excess = Math.abs(believed[m]!) - limit * headroom;
      const ds = Math.sign(believed[m]!) * factors[m * busCount + bus]!;
      if (excess <= FLOW_TOLERANCE_KW || Math.abs(ds) < sensitivity - 1e-9 || ds > 0 !== up) continue;
      need = Math.max(need, excess / Math.abs(ds));
    }
    return need;
  }

  /**
   * Records what the branches physically carried in an interval, after the agents did what
   * they did (the metered flows, engine/gridRoom.ts `measure`): the look-ahead learns from
   * these, never from a schedule the agents then departed from.
   */
  recordMetered(interval: number, flows: ReadonlyArray<{ readonly id: string; readonly flowKw: number }>): void {
    for (const f of flows) {
      let h = this.history.get(f.id);
      if (!h) this.history.set(f.id, (h = new Float64Array(this.intervals).fill(NaN)));
      h[interval] = f.flowKw;
    }
  }

  /**
   * Forecast overloads ahead and announce each once: the same interval yesterday as metered less
   * the relief of this operator's commands then, else the last interval's (persistence), else —
   * the run's first interval — the schedule now.
   */
  private lookAhead(interval: MarketInterval, topology: Topology, branchIds: readonly string[], headroom: number, scheduled: Float64Array): { notices: NoticeRecord[]; forecasts: Map<number, Float64Array> } {
    const out: NoticeRecord[] = [];
    const forecasts = new Map<number, Float64Array>();
    for (let l = 0; l < topology.branchCount; l++) {
      const limit = topology.limitKw[l]!;
      const id = branchIds[l]!;
      if (!Number.isFinite(limit) || (this.config.watch && !this.config.watch.includes(id))) continue;
      const h = this.history.get(id);
      // The flow as it would have been without this operator's commands (metered − their relief): an overload it
      // relieved yesterday comes again today unless it acts again, so it is forecast (and announced) again.
      const relief = this.relief.get(id);
      const uncontrolled = (t: number): number => h![t]! - (relief?.[t] ?? 0);
      const previous = interval.index > 0 && h !== undefined ? uncontrolled(interval.index - 1) : undefined;
      const present = previous !== undefined && !Number.isNaN(previous) ? previous : scheduled[l]!;
      // forecast[k]: k intervals ahead (index 0 unused). Pre-positioning follows an event past the horizon it announces,
      // up to a day ahead, where yesterday's flow says how long it lasts (NaN beyond what yesterday knows).
      // Kept (for `prePosition`) only where it is used: without it nothing is allocated per branch and interval.
      const horizon = this.config.prePosition ? Math.max(this.config.lookaheadIntervals, this.intervalsPerDay) : this.config.lookaheadIntervals;
      const last = Math.min(horizon, this.intervals - 1 - interval.index);
      const forecast = this.config.prePosition ? new Float64Array(Math.max(0, last) + 1) : undefined;
      if (forecast) forecasts.set(l, forecast);
      for (let k = 1; k <= last; k++) {
        const t = interval.index + k;
        // Yesterday on the wall clock: 23 or 25 hours back across a daylight-saving change.
        const yesterday = this.yesterdayOf ? this.yesterdayOf(t) : t - this.intervalsPerDay;
        const known = h !== undefined && yesterday >= 0 && !Number.isNaN(h[yesterday]!);
        const f = known ? uncontrolled(yesterday) : k <= this.config.lookaheadIntervals ? present : NaN;
        if (forecast) forecast[k] = f;
        if (k > this.config.lookaheadIntervals) continue;
        const excess = Math.abs(f) - limit * headroom;
        const key = `${id}@${t}`;
        if (excess > FLOW_TOLERANCE_KW && !this.announced.has(key)) {
          this.announced.add(key);
          out.push({ operator: this.config.id, branch: id, forInterval: t, forecastExcessKw: excess });
        }
      }
    }
    return { notices: out, forecasts };
  }
}

/**
 * Delivers a command to an agent: lost when it is unreachable; rejected when the issuer
 * is not the operator of the agent's feeder (`expectedIssuer`, from the caller's
 * `serves`) or the command is not `authentic` (a forgery that names the right operator
 * but is not signed by it); else the agent's own answer. An answer is held to the
 * contract: at most what was asked, never the other way, a finite number; an agent
 * that throws while answering is reported `failed` (the engine isolates it).
 */
export function deliver(
  command: OperatorCommand,
  p: DispatchParty,
  i: number,
  plannedNetKw: number,
  interval: MarketInterval,
  branch: string,
  expectedIssuer: string | undefined,
  authentic = true,
): CommandRecord {
  const requestedKw = requestedChangeKw(command, plannedNetKw);
  const record = (response: CommandRecord['response'], reason: string, deliverKw = 0): CommandRecord => ({ command, party: i, requestedKw, response, reason, deliverKw, plannedKw: plannedNetKw, branch });
  if (!p.reachable()) return record('lost', 'communication lost: the command never arrived');
  if (expectedIssuer === undefined || command.issuer !== expectedIssuer) {
    return record('rejected', `forged or foreign command: '${command.issuer}' is not the operator of this agent's feeder (${expectedIssuer === undefined ? 'it has none' : `that is '${expectedIssuer}'`})`);
  }
  if (!authentic) return record('rejected', `forged command: it names '${command.issuer}' but does not carry its signature`);
  if (!p.responder) return record('opt-out', 'this agent takes no operator commands');
  let r: ReturnType<CommandResponder['respond']>;
  try {
    r = p.responder.respond(command, plannedNetKw, interval);
  } catch (err) {
    return record('failed', `the agent threw while answering: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (r.optIn && !Number.isFinite(r.deliverKw)) return record('opt-out', `answered an invalid commitment (${r.deliverKw} kW): taken as a refusal`);
  if (command.type === 'CHARGE_STATE_SETPOINT') {
    if (!r.optIn) return r.away === true ? { ...record('opt-out', r.reason), away: true } : record('opt-out', r.reason);
    if (typeof r.socKwh !== 'number' || !Number.isFinite(r.socKwh)) return record('opt-out', `answered an invalid state of charge (${String(r.socKwh)} kWh): taken as a refusal`);
    // It acts on it in its coming bids; an agent that throws here fails like one that throws answering.
    try {
      p.responder.accept?.(command, r, interval);
    } catch (err) {
      return record('failed', `the agent threw while taking the setpoint: ${err instanceof Error ? err.message : String(err)}`);
    }
    const floor = typeof r.floorKwh === 'number' && Number.isFinite(r.floorKwh) ? { floorKwh: r.floorKwh } : {};
    return { ...record('opt-in', r.reason), socKwh: r.socKwh, shiftKwh: Math.max(0, r.shiftKwh ?? 0), ...floor };
  }
  // An agent never delivers more than asked, nor moves the other way.
  const held = requestedKw > 0 ? Math.min(requestedKw, Math.max(0, r.deliverKw)) : Math.max(requestedKw, Math.min(0, r.deliverKw));
  return r.optIn ? record('opt-in', r.reason, held) : record('opt-out', r.reason);
}

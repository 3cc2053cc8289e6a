/**
 * Phase 5, commands: the operators' turn between the market and the agents' physics.
 * Where the planned schedule would overload a branch, an operator commands flexibility
 * (curtailment, V2G); agents answer by their state. A command changes what the agent
 * will actually do — its setpoint — never its market position: the difference is a
 * deviation the real-time market re-dispatches and prices (imbalance.ts).
 *
 * Also here: scenario faults that act on agents directly (equipment FAULT / REPAIR events)
 * and forged commands (delivered, and refused by their targets).
 */
import { appendAll } from '../../core/arrays.ts';
import { inForce, timeOf, type Fault } from '../../agents/operations/faults.ts';
import type { MarketInterval } from '../../core/clock.ts';
import { simTime } from '../../core/time.ts';
import type { Grid } from '../../market/clear.ts';
import type { CommandRecord, ReportedFlexibility } from '../../agents/operations/operator.ts';
import type { GridEvent, GridRoom } from '../../agents/operations/gridRoom.ts';
import type { IntervalLedger } from './ledger.ts';
import type { Crashes, Participant, Party } from './participants.ts';
import { zerosIn } from '../../core/typedArrays.ts';

/**
 * Equipment faults and repairs that happen at the start of `interval`: FAULT / REPAIR to the
 * agents' machines (an agent whose machine throws on it is isolated as crashed). A fault is in
 * force in the intervals whose start lies in [at, until), as a line outage is: FAULT at the first
 * of them, REPAIR at the first after them, so an `at` or `until` between two interval starts acts
 * at the next one (an exact match alone would never fault, or never repair, the agent).
 */
export function applyAgentFaults(faults: readonly Fault[], interval: MarketInterval, parts: readonly Participant[], indexOf: ReadonlyMap<string, number>, crashes: Crashes): GridEvent[] {
  const events: GridEvent[] = [];
  for (const f of faults) {
    if (f.type !== 'agent-fault') continue;
    const i = indexOf.get(f.agent);
    if (i === undefined || crashes.crashed[i]) continue;
    const now = inForce(f.at, f.until, interval.start);
    const before = interval.index > 0 && inForce(f.at, f.until, simTime(interval.start - (interval.end - interval.start)));
    const event = now && !before ? 'FAULT' : before && !now ? 'REPAIR' : undefined;
    if (!event) continue;
    const lifecycle = parts[i]!.runtime.lifecycle;
    try {
      if (lifecycle.can({ type: event })) lifecycle.send({ type: event });
    } catch (err) {
      crashes.crash(i, 'settle', err);
    }
    events.push({
      at: interval.start,
      issuer: 'fault',
      target: f.agent,
      type: event === 'FAULT' ? 'AGENT_FAULT' : 'AGENT_REPAIR',
      response: String(lifecycle.value),
      detail: event === 'FAULT' ? 'equipment failure: the agent stops trading until repaired' : 'repaired',
    });
  }
  return events;
}

/**
 * Runs the operators on the planned schedule (every agent's position: its award, share
 * or retail take) and writes the committed changes, in whole quanta, to
 * `ledger.commandedQuanta`. Agents that fail while answering are isolated. Returns the
 * command records (for DR settlement) and events.
 */
export function operatorCommands(
  room: GridRoom,
  grid: Grid | undefined,
  interval: MarketInterval,
  ledger: IntervalLedger,
  agentRole: Uint8Array,
  crashes: Crashes,
  faults: readonly Fault[],
  parties: readonly Party[],
  indexOf: ReadonlyMap<string, number>,
  /**
   * On a communication plane: sends the agents' flexibility reports for the planned schedule
   * (`netKw`) and returns, per party, the newest report the operator has received when it
   * dispatches (engine/interval/comms.ts `reports`). Absent with `comms: ideal`.
   */
  telemetry?: (grid: Grid, netKw: Float64Array) => (party: number) => ReportedFlexibility | null | undefined,
  /**
   * An earlier call's `plannedKw` no one reads any more, whose buffer the planned schedule is
   * written to when it has room (engine/simulation.ts `reuseIntervalArrays`, issue 16).
   */
  plannedKwInto?: Float64Array,
  /**
   * Per party, what a site without a position will draw on its own control, kW, in whole quanta
   * (NaN elsewhere; engine/interval/noPosition.ts): its planned schedule instead of its position, 0,
   * as the operator plans on what each site will do, and a site with no schedule still draws.
   */
  ownControlKw?: Float64Array,
): { records: readonly CommandRecord[]; events: GridEvent[]; plannedKw: Float64Array | undefined } {
  const n = agentRole.length;
  const quantumKw = ledger.quantumKw;
  /** Planned net consumption of an agent (NaN for others), kW. */
  const planned = (i: number): number => (!agentRole[i] ? NaN : ownControlKw !== undefined && !Number.isNaN(ownControlKw[i]!) ? ownControlKw[i]! : ledger.positionQuanta(i) * quantumKw);
  const events: GridEvent[] = [];
  let records: readonly CommandRecord[] = [];
  // The schedule as an array only where operators dispatch on it (a forged command reads one agent's).
  let netKw: Float64Array | undefined;
  if (grid && room.operators.length > 0) {
    netKw = zerosIn(n, plannedKwInto);
    for (let i = 0; i < n; i++) netKw[i] = planned(i);
    // Isolated agents (crashed: left out or on their own control) take no commands; the schedule counts what the latter draw.
    const op = room.operate(interval, grid, netKw, agentRole, crashes.isolated, telemetry?.(grid, netKw));
    records = op.records;
    appendAll(events, op.events);
    for (const r of records) if (r.response === 'failed') crashes.crash(r.party, 'command', r.reason);
    for (const r of op.setpoints) if (r.response === 'failed') crashes.crash(r.party, 'command', r.reason);
    for (let i = 0; i < n; i++) {
      const change = Math.round(op.commandedKw[i]! / quantumKw);
      if (change === 0 || crashes.isolated[i]) continue;
      ledger.commandedQuanta[i] = change;
      netKw[i]! += change * quantumKw;
    }
  }
  for (const f of faults) {
    if (f.type !== 'forged-command' || timeOf(f.at) < interval.start || timeOf(f.at) >= interval.end) continue;
    const target = indexOf.get(f.target);
    if (target === undefined) continue;
    const operatorOf = room.operators.find((o) => o.serves(parties[target]!.bus))?.config.id;
    events.push(room.forged(interval, f, target, netKw ? netKw[target]! : planned(target), operatorOf));
  }
  return { records, events, plannedKw: netKw };
}

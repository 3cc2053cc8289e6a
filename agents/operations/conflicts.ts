/**
 * Commands from more than one operator to one device. Operators' feeders (`buses`) may overlap or
 * nest — a transformer's operator and a feeder's, a DSO and a flexibility desk — and each commands
 * the devices on its own feeder, so one battery can be asked by two in the same interval. The rule
 * (README "Operators and faults"), deterministic and never silent:
 *
 * 1. Operators take their turn in each interval in the order of `operations:` (the first listed has
 *    the first call on a device). The device answers a later one from its schedule *with* the earlier
 *    commitments (the grid room passes it the updated plan), so it never commits the same kW twice:
 *    a battery that discharges 3 kW for the first of two operators can give the second at most its
 *    inverter limit less those 3 kW.
 * 2. A command the other way from what the device already committed to another operator in this
 *    interval (a charge command after a discharge or reduction, a reduction or cap after a charge
 *    command) is declined, naming that operator: obeying it would undo a commitment the first operator
 *    counted on to keep its branch within limit, without its knowing. The second operator sees the
 *    opt-out and asks the next device, or records its shortfall.
 * 3. A device that holds one operator's CHARGE_STATE_SETPOINT declines another operator's until that
 *    setpoint's event has ended: it steers toward one state of charge at a time, and a later setpoint
 *    would replace the earlier one under the first operator's feet.
 * 4. Every such meeting is reported (the grid room writes a `COMMAND_CONFLICT` row naming both
 *    operators, the device and what was kept, and counts it in the later operator's KPIs); and a
 *    device committed to several operators in one interval has its one measured delivery split
 *    among them pro rata to their commitments (drSettlement.ts `share`), so no kWh is paid twice.
 *
 * Commands of one operator never meet here: it asks a device once per interval (operator.ts) and
 * plans its own setpoints. The state is this interval's commitments and the setpoints held; no I/O.
 */
import { requestedChangeKw } from '../commandResponse.ts';
import type { OperatorCommand } from '../types.ts';

/** One opted-in change of net consumption a device committed to an operator this interval, kW (< 0: less consumption). */
export interface Commitment {
  readonly operator: string;
  readonly kw: number;
}

/** A CHARGE_STATE_SETPOINT a device opted in to, until its event's end (virtual ms). */
export interface HeldSetpoint {
  readonly operator: string;
  readonly eventId: string;
  readonly bound: 'at-least' | 'at-most';
  readonly socKwh: number;
  readonly endMs: number;
}

/** What another operator's command met at a device: the commitments before it and the setpoint it holds. */
export interface Meeting {
  /** Other operators' commitments this interval, in the order they were made. */
  readonly earlier: readonly Commitment[];
  /** Another operator's setpoint the device holds now. */
  readonly held?: HeldSetpoint;
  /** Why the device declines the command (rules 2 and 3), and whose commitment it keeps; undefined: it answers it (rule 1). */
  readonly declined?: { readonly reason: string; readonly kept: string };
}

const kw = (x: number): string => `${x > 0 ? '+' : ''}${x.toFixed(3)} kW`;

export class DeviceCommitments {
  private readonly now = new Map<number, Commitment[]>();
  private readonly held = new Map<number, HeldSetpoint>();

  /** A new interval starting at `startMs`: commitments were the last interval's; setpoints whose event has ended are let go. */
  begin(startMs: number): void {
    this.now.clear();
    for (const [party, h] of this.held) if (startMs >= h.endMs) this.held.delete(party);
  }

  /**
   * What `command` (from `command.issuer`) meets at `party`, planning `plannedNetKw` with the earlier
   * commitments: undefined when nothing of another operator's (the usual case, and always with one
   * operator). Pure: the grid room asks before the device answers.
   */
  meeting(party: number, command: Pick<OperatorCommand, 'issuer' | 'type' | 'value' | 'socBound'>, plannedNetKw: number): Meeting | undefined {
    const earlier = (this.now.get(party) ?? []).filter((c) => c.operator !== command.issuer);
    const h = this.held.get(party);
    const held = h !== undefined && h.operator !== command.issuer ? h : undefined;
    if (earlier.length === 0 && held === undefined) return undefined;
    const base = { earlier, ...(held ? { held } : {}) };
    if (command.type === 'CHARGE_STATE_SETPOINT') {
      if (held) return { ...base, declined: { kept: held.operator, reason: `holds ${held.operator}'s CHARGE_STATE_SETPOINT ${held.eventId} (SoC ${held.bound} ${held.socKwh.toFixed(3)} kWh until its event ends): one setpoint at a time, ${command.issuer}'s declined` } };
      return base;
    }
    const committed = earlier.reduce((s, c) => s + c.kw, 0);
    const asked = requestedChangeKw(command, plannedNetKw);
    if (committed !== 0 && asked !== 0 && Math.sign(asked) !== Math.sign(committed)) {
      const whom = earlier.map((c) => `${kw(c.kw)} to ${c.operator}`).join(', ');
      return { ...base, declined: { kept: earlier.map((c) => c.operator).join(', '), reason: `committed ${whom} this interval: ${command.issuer}'s ${asked > 0 ? 'charge command' : 'reduction'} of ${kw(asked)} would undo it, declined` } };
    }
    return base;
  }

  /** A device's opted-in answer to an operator: a change this interval, or a setpoint it now holds. */
  record(party: number, operator: string, command: Pick<OperatorCommand, 'type' | 'eventId' | 'socBound' | 'intervalStart' | 'durationMinutes'>, deliverKw: number, socKwh?: number): void {
    if (command.type === 'CHARGE_STATE_SETPOINT') {
      if (socKwh !== undefined) this.held.set(party, { operator, eventId: command.eventId, bound: command.socBound ?? 'at-least', socKwh, endMs: command.intervalStart + command.durationMinutes * 60_000 });
      return;
    }
    if (deliverKw === 0) return;
    let list = this.now.get(party);
    if (!list) this.now.set(party, (list = []));
    list.push({ operator, kw: deliverKw });
  }

  /** This interval's commitments of a device, in the order they were made. */
  commitments(party: number): readonly Commitment[] {
    return this.now.get(party) ?? [];
  }
}

/** The `detail` of a COMMAND_CONFLICT row: whom the device met, and what was kept. */
export function conflictDetail(m: Meeting, issuer: string, device: string, response: string, deliverKw: number, totalKw: number): string {
  const parts: string[] = [];
  if (m.earlier.length > 0) parts.push(`${device} committed ${m.earlier.map((c) => `${kw(c.kw)} to ${c.operator}`).join(', ')} earlier this interval (listed earlier in operations: first call)`);
  if (m.held) parts.push(`${device} holds ${m.held.operator}'s setpoint ${m.held.eventId} (SoC ${m.held.bound} ${m.held.socKwh.toFixed(3)} kWh)`);
  if (m.declined !== undefined) parts.push(`kept: ${m.declined.kept}'s; ${issuer}'s command declined`);
  else if (m.earlier.length > 0) parts.push(`kept: ${m.earlier.map((c) => c.operator).join(', ')}'s; ${issuer}'s command answered from what remained: ${response === 'opt-in' ? `${kw(deliverKw)} (device ${kw(totalKw)} in all)` : response}`);
  else parts.push(`kept: ${m.held!.operator}'s setpoint, which its bids steer back to; ${issuer}'s command answered (${response} ${kw(deliverKw)})`);
  return parts.join('; ');
}

/**
 * Pairs of operators whose feeders share buses (an operator without `buses` serves every bus of
 * `busIds`), in the order of `operations:`, with the shared buses: where both may command one device,
 * the rule above applies and the first has the first call. `gridbid validate` says so. Pure.
 * With `reaches` (operator's index → the buses whose kW moves a branch it watches, `reachedBuses`), a bus
 * counts for an operator only where it reaches it too: an operator asks only devices that move a watched
 * branch (operator.ts), so two operators on separate radial feeders, both serving every bus, never meet.
 */
export function sharedFeeders(operators: ReadonlyArray<{ readonly id: string; readonly buses?: readonly string[] | undefined }>, busIds: readonly string[], reaches?: (operator: number) => ReadonlySet<string>): Array<{ readonly first: string; readonly second: string; readonly buses: readonly string[] }> {
  const out: Array<{ first: string; second: string; buses: string[] }> = [];
  const feeder = (o: (typeof operators)[number]): ReadonlySet<string> => {
    const k = operators.indexOf(o);
    const reached = reaches?.(k);
    return new Set((o.buses ?? busIds).filter((b) => reached === undefined || reached.has(b)));
  };
  for (let a = 0; a < operators.length; a++) {
    const fa = feeder(operators[a]!);
    for (let b = a + 1; b < operators.length; b++) {
      const buses = busIds.filter((x) => fa.has(x) && feeder(operators[b]!).has(x));
      if (buses.length > 0) out.push({ first: operators[a]!.id, second: operators[b]!.id, buses });
    }
  }
  return out;
}

/**
 * The buses whose kW moves a branch `watch` lists (all branches: undefined), by the network's PTDF
 * (`factors`, branch-major over `busCount` buses, as network/ptdf.ts gives them): the only buses whose devices
 * an operator watching them may ask (operator.ts: |sensitivity| > 1e-9). On the network as given: a
 * reconfiguration in the run (self-healing, a fault) may change it. Pure.
 */
export function reachedBuses(watch: readonly string[] | undefined, branchIds: readonly string[], busIds: readonly string[], factors: Float64Array, busCount: number): ReadonlySet<string> {
  const out = new Set<string>();
  branchIds.forEach((id, l) => {
    if (watch && !watch.includes(id)) return;
    for (let k = 0; k < busCount; k++) if (Math.abs(factors[l * busCount + k]!) > 1e-9) out.add(busIds[k]!);
  });
  return out;
}

/**
 * Helpers every kind's command responder shares (`agents/<kind>/respond.ts`): what a
 * command asks, the shape of a refusal, and commitments in whole market quanta.
 */
import type { CommandResponse, OperatorCommand } from './types.ts';

/** An opt-out with its reason; commits nothing. */
export const decline = (reason: string): CommandResponse => ({ optIn: false, reason, deliverKw: 0 });

/**
 * A magnitude floored to whole quanta (with 1e-9 quanta of slack against round-off), so
 * the engine's rounding of the change to the market's quantum never pushes an agent
 * past what it committed to. 0 for anything not > 0.
 */
export function floorToQuantum(kw: number, quantumKw: number): number {
  if (!(kw > 0)) return 0;
  return quantumKw > 0 ? Math.floor(kw / quantumKw + 1e-9) * quantumKw : kw;
}

/**
 * The reduction of net consumption a command asks of an agent that plans `plannedNetKw`
 * (+ consumption), kW (≥ 0), or a refusal for a command its kind does not take
 * (`CHARGE_STATE_SETPOINT`). A `DISPATCH_SETPOINT` of a reduction (a change, ≤ 0) asks for its
 * value; one above zero is a charge command, which only storage and cars take (`askedIncreaseKw`):
 * any other kind declines it here. An `IMPORT_CAPACITY_LIMIT` asks for what brings the import
 * down to its value (a cap, kW), never for a discharge: a cap below zero counts as zero.
 */
export function askedReductionKw(command: Pick<OperatorCommand, 'value' | 'type'>, plannedNetKw: number, what: string): number | CommandResponse {
  // A setpoint above zero asks for more consumption (a charge command): only storage and cars take those (`askedIncreaseKw`).
  if (command.type === 'DISPATCH_SETPOINT' && command.value > 0) return decline(`asked to consume ${command.value.toFixed(2)} kW more: this ${what} takes only reductions`);
  if (command.type === 'DISPATCH_SETPOINT') return -Math.min(0, command.value);
  if (command.type === 'IMPORT_CAPACITY_LIMIT') return Math.max(0, plannedNetKw - Math.max(0, command.value));
  return decline(`${command.type} is not supported by this ${what}`);
}

/**
 * The increase of net consumption a charge command asks (a `DISPATCH_SETPOINT` above zero: charge,
 * or charge more, to relieve a reverse flow), kW; 0 for any other command.
 */
export function askedIncreaseKw(command: Pick<OperatorCommand, 'value' | 'type'>): number {
  return command.type === 'DISPATCH_SETPOINT' && command.value > 0 ? command.value : 0;
}

/**
 * The change of net consumption (kW) a command asks of an agent planning `plannedNetKw`: ≤ 0 for
 * a reduction or a cap, > 0 for a charge command; 0 for a command no agent takes.
 */
export function requestedChangeKw(command: Pick<OperatorCommand, 'value' | 'type'>, plannedNetKw: number): number {
  const up = askedIncreaseKw(command);
  if (up > 0) return up;
  const asked = askedReductionKw(command, plannedNetKw, '');
  return typeof asked === 'number' ? -asked : 0;
}

/** Why an agent declines a command that asks nothing of it. */
export function nothingAsked(command: Pick<OperatorCommand, 'value' | 'type'>, plannedNetKw: number): string {
  return command.type === 'IMPORT_CAPACITY_LIMIT' ? `already within the import limit: net ${plannedNetKw.toFixed(2)} kW, limit ${command.value.toFixed(2)} kW` : 'nothing asked';
}

/**
 * A battery's state-of-charge setpoint (OpenADR's CHARGE_STATE_SETPOINT): an operator that
 * forecasts an overload asks it to reach at least a SoC by the event's start (to discharge over
 * an import overload) or to hold at most one (to keep room for a reverse flow), until the event
 * ends. Two pure functions: the battery's answer from its state, and, once it opted in, how it
 * steers its bids in each market interval before the event so the market buys or sells what it
 * needs (the books clear as usual; nothing is forced after clearing).
 *
 * Rules of the answer (`answerSetpoint`):
 * - a faulted battery declines; a setpoint outside [min SoC, max SoC] is declined as stated;
 * - one it already satisfies (at least 6 kWh, holding 8) is taken at once: it holds it;
 * - otherwise it commits to as near as its inverter gets it in the market intervals left before
 *   the event (those after this one): charging at most `maxChargeKw` × η_c × hours, discharging
 *   at most `maxDischargeKw` / η_d × hours of cell energy. Partly reachable is a partial
 *   commitment (the operator counts on what is committed), like a DISPATCH_SETPOINT's answer;
 *   with no interval left, or no charge (discharge) path at all, it declines.
 *
 * Steering (`steerBySetpoint`, shared with V2G cars: agents/chargeStateSetpoint.ts): in each
 * interval before the event it must buy (sell) an even share of what is missing at the price cap
 * (floor), and trades no further the wrong way; from the event's start real-time commands take over.
 */
import type { MarketInterval } from '../../core/clock.ts';
import { MS_PER_HOUR } from '../../core/time.ts';
import type { BatteryParams } from '../physics/battery.ts';
import { decline } from '../commandResponse.ts';
import type { CommandResponse, OperatorCommand } from '../types.ts';
import { SOC_TOLERANCE_KWH, socOutsideBounds } from '../chargeStateSetpoint.ts';
export { type ChargeStateSetpoint, type SetpointSteer, setpointOf, steerBySetpoint } from '../chargeStateSetpoint.ts';

const fmt = (x: number): string => x.toFixed(2);

/** The battery's answer to a CHARGE_STATE_SETPOINT sent during `interval` (pure; see the rules above). */
export function answerSetpoint(b: BatteryParams, socKwh: number, faulted: boolean, command: Pick<OperatorCommand, 'value' | 'socBound' | 'intervalStart'>, interval: MarketInterval): CommandResponse {
  if (faulted) return decline('faulted: out of service');
  const target = command.value;
  const atLeast = (command.socBound ?? 'at-least') === 'at-least';
  const word = atLeast ? 'at least' : 'at most';
  const outside = socOutsideBounds(b, target, word);
  if (outside !== undefined) return decline(outside);
  const gap = atLeast ? target - socKwh : socKwh - target;
  if (gap <= SOC_TOLERANCE_KWH) {
    return { optIn: true, reason: `holds SoC ${word} ${fmt(target)} kWh (it has ${fmt(socKwh)} kWh) until the event's end`, deliverKw: 0, socKwh: target, shiftKwh: 0 };
  }
  // The market intervals it can still trade in before the event: those after this one (this one has cleared).
  const hoursLeft = Math.max(0, (command.intervalStart - interval.end) / MS_PER_HOUR);
  const cellKwhPerHour = atLeast ? b.maxChargeKw * b.chargeEfficiency : b.maxDischargeKw / b.dischargeEfficiency;
  if (!(cellKwhPerHour > 0)) return decline(atLeast ? 'cannot charge (no charge path)' : 'cannot discharge (no discharge path)');
  if (!(hoursLeft > 0)) return decline(`no market interval left before the event to ${atLeast ? 'charge' : 'discharge'} ${fmt(gap)} kWh (SoC ${fmt(socKwh)} kWh)`);
  const shift = Math.min(gap, cellKwhPerHour * hoursLeft);
  const reach = atLeast ? socKwh + shift : socKwh - shift;
  const how = atLeast ? `charges from SoC ${fmt(socKwh)} to ${fmt(reach)} kWh` : `discharges from SoC ${fmt(socKwh)} to ${fmt(reach)} kWh`;
  const short = shift < gap - SOC_TOLERANCE_KWH ? `; no more: ${atLeast ? 'charging' : 'discharging'} at its inverter limit ${fmt(atLeast ? b.maxChargeKw : b.maxDischargeKw)} kW for the ${fmt(hoursLeft)} h left` : '';
  return { optIn: true, reason: `${how} before the event and holds ${word} that until its end${short}`, deliverKw: 0, socKwh: reach, shiftKwh: shift };
}

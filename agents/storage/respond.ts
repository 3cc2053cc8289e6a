/**
 * A battery's answer to an operator's `DISPATCH_SETPOINT` (agents/types.ts), or to an
 * `IMPORT_CAPACITY_LIMIT` as the reduction down to the cap (agents/commandResponse.ts): a pure
 * function of its state.
 *
 * Rules (the request is a change of net consumption, ≤ 0; a setpoint above zero is a charge
 * command, `chargeOnCommand` below):
 * - a faulted battery declines;
 * - otherwise it can go from what the market has it doing (`plannedNetKw`, + charging)
 *   down to its largest discharge this interval, `maxDischargeKw` of physics/battery.ts:
 *   the inverter limit, and no deeper than its reserve SoC after losses;
 * - it commits to min(|asked|, planned + that discharge), rounded down to the market's
 *   quantum: never more than asked, never the other way. At its reserve it declines
 *   with its SoC ("SoC 1.4 kWh at its reserve 1.4 kWh: cannot discharge").
 *
 * The runtime applies the changed award through `stepBattery`, which clips anything
 * past the same limits, so SoC stays within [min, max] whatever it is awarded.
 */
import { hours, kwh } from '../../core/units.ts';
import { type BatteryParams, maxChargeKw, maxDischargeKw } from '../physics/battery.ts';
import { askedIncreaseKw, askedReductionKw, decline, floorToQuantum, nothingAsked } from '../commandResponse.ts';
import type { CommandResponse, OperatorCommand } from '../types.ts';

export interface StorageCommandState {
  readonly battery: BatteryParams;
  readonly socKwh: number;
  readonly faulted: boolean;
  /** The market's quantity step, kW. */
  readonly quantumKw: number;
}

export function respondStorage(s: StorageCommandState, command: Pick<OperatorCommand, 'value' | 'type'>, plannedNetKw: number, dtH: number): CommandResponse {
  const up = askedIncreaseKw(command);
  if (up > 0) return chargeOnCommand(s, up, plannedNetKw, dtH);
  const asked = askedReductionKw(command, plannedNetKw, 'battery');
  if (typeof asked !== 'number') return asked;
  if (s.faulted) return decline('faulted: out of service');
  if (!(asked > 0)) return decline(nothingAsked(command, plannedNetKw));
  const b = s.battery;
  const discharge: number = maxDischargeKw(b, kwh(s.socKwh), hours(dtH));
  const give = floorToQuantum(Math.min(asked, plannedNetKw + discharge), s.quantumKw);
  if (!(give > 0)) {
    if (!(b.maxDischargeKw > 0)) return decline('cannot discharge (no discharge path)');
    if (s.socKwh <= b.minSocKwh + 1e-9) return decline(`SoC ${s.socKwh.toFixed(1)} kWh at its reserve ${(+b.minSocKwh).toFixed(1)} kWh: cannot discharge`);
    return decline(`already discharging at its limit ${discharge.toFixed(2)} kW (SoC ${s.socKwh.toFixed(1)} kWh)`);
  }
  const after = plannedNetKw - give;
  const parts: string[] = [];
  if (plannedNetKw > 0) parts.push(`reduces charging by ${Math.min(give, plannedNetKw).toFixed(2)} kW`);
  if (after < 0) parts.push(`discharges ${(-after).toFixed(2)} kW from SoC ${s.socKwh.toFixed(1)} kWh`);
  if (give < asked - 1e-9) {
    parts.push(discharge < b.maxDischargeKw - 1e-9 ? `no more: the reserve ${(+b.minSocKwh).toFixed(1)} kWh allows ${discharge.toFixed(2)} kW` : `no more: inverter limit ${(+b.maxDischargeKw).toFixed(2)} kW`);
  }
  return { optIn: true, reason: parts.join('; '), deliverKw: -give };
}

/**
 * A charge command (more consumption, to relieve a reverse flow): from what the market has it
 * doing up to its largest charge this interval (`maxChargeKw`: the inverter limit, and no fuller
 * than its maximum SoC after losses); it commits to min(asked, that − planned), in whole quanta.
 */
function chargeOnCommand(s: StorageCommandState, asked: number, plannedNetKw: number, dtH: number): CommandResponse {
  if (s.faulted) return decline('faulted: out of service');
  const b = s.battery;
  const charge: number = maxChargeKw(b, kwh(s.socKwh), hours(dtH));
  const take = floorToQuantum(Math.min(asked, charge - plannedNetKw), s.quantumKw);
  if (!(take > 0)) {
    if (s.socKwh >= b.maxSocKwh - 1e-9) return decline(`SoC ${s.socKwh.toFixed(1)} kWh at its maximum ${(+b.maxSocKwh).toFixed(1)} kWh: cannot charge`);
    return decline(`already charging at its limit ${charge.toFixed(2)} kW (SoC ${s.socKwh.toFixed(1)} kWh)`);
  }
  const after = plannedNetKw + take;
  const parts: string[] = [];
  if (plannedNetKw < 0) parts.push(`reduces discharging by ${Math.min(take, -plannedNetKw).toFixed(2)} kW`);
  if (after > 0) parts.push(`charges ${after.toFixed(2)} kW from SoC ${s.socKwh.toFixed(1)} kWh`);
  if (take < asked - 1e-9) parts.push(charge < b.maxChargeKw - 1e-9 ? `no more: full at ${(+b.maxSocKwh).toFixed(1)} kWh allows ${charge.toFixed(2)} kW` : `no more: inverter limit ${(+b.maxChargeKw).toFixed(2)} kW`);
  return { optIn: true, reason: parts.join('; '), deliverKw: take };
}

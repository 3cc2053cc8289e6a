/**
 * A V2G-capable car's side of an operator's CHARGE_STATE_SETPOINT (`prePosition` with `cars`):
 * the operator knows only the registered ratings of the car's V2G charge point; the car (its
 * charge point's energy manager) knows its session — plugged in or not, its departure, the
 * energy its departure needs — and answers from it. Pure functions over plain numbers.
 *
 * The setpoint (`at least` S kWh by the event's start T0, until its end T1) is the operator's
 * share planned on the ratings: S − reserve is the cell energy it hopes to discharge over the
 * event. A car may discharge only down to its event floor, F = max(reserve, the SoC from which
 * flat-out charging after T1 still meets its departure target: `departureFeasibleSocKwh`), the
 * floor the V2G dispatch holds it to in real time (`maxV2gDischargeKw`). So to have that energy
 * to give it aims at F + (S − reserve), within its maximum SoC and what its charger adds in the
 * market intervals left before T0, and it tells the operator F: the operator counts on the
 * committed SoC less F, never on more than the car can give without missing its departure.
 *
 * Rules of the answer (`answerEvSetpoint`), each opt-out with its reason:
 * - faulted; not plugged in now (its arrival SoC is not known until it arrives); not V2G-capable
 *   (no inverter); a ceiling (`at-most`: cars are sent floors only); a value outside its SoC bounds;
 * - leaves before the event's end (it would not be there to discharge: hh:mm local time);
 * - departure need: what it can reach by T0 is at or below F (it must keep all it has, and more,
 *   for its departure);
 * - otherwise it opts in with the SoC it commits to hold at T0 (min(F + S − reserve, max SoC,
 *   reachable); at least its SoC now, held) and `floorKwh` F. A partial commitment, as a battery's.
 *
 * Steering (`steerEvLimits`) before T0 is the battery's (agents/chargeStateSetpoint.ts
 * `steerBySetpoint`) on the car's limits: the even share of what is missing becomes part of its
 * must-charge (bought at the price cap by every EV bid path: ev-slack, the valuation curves, a
 * day-ahead schedule), and it sells no V2G below the commitment. Charging earlier only helps its
 * departure, so the departure need stays reachable throughout.
 */
import type { SiteZone } from '../../core/siteZone.ts';
import { MS_PER_HOUR } from '../../core/time.ts';
import { hours } from '../../core/units.ts';
import { departureFeasibleSocKwh } from '../physics/ev.ts';
import { decline } from '../commandResponse.ts';
import { SOC_TOLERANCE_KWH, socOutsideBounds, steerBySetpoint, type ChargeStateSetpoint } from '../chargeStateSetpoint.ts';
import type { CommandResponse, OperatorCommand } from '../types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import { localClock } from './respond.ts';
import type { EvCar, EvLimits } from './session.ts';

/** What the car knows of itself when a setpoint arrives. */
export interface EvSetpointState {
  readonly car: EvCar;
  readonly plugged: boolean;
  readonly faulted: boolean;
  readonly socKwh: number;
  /** Departure of the current session, ms (UTC), and the site's offset for telling it. */
  readonly departure: number;
  readonly zone: SiteZone;
}

const fmt = (x: number): string => x.toFixed(2);

/**
 * The SoC (kWh) a car may not discharge below over an event ending at `endMs`: its reserve, or
 * what flat-out charging from then on needs to meet its departure target, whichever is more.
 * @example car 60 kWh (reserve 12, target 54), 7.4 kW, η_c 0.9, event ends 12 h before departure:
 *   54 − 7.4 × 0.9 × 12 < 12 → 12 kWh
 */
export function eventFloorKwh(car: EvCar, departure: number, endMs: number): number {
  return Math.max(car.battery.minSocKwh, departureFeasibleSocKwh(car.charging, hours(Math.max(0, (departure - endMs) / MS_PER_HOUR))));
}

/** The car's answer to a CHARGE_STATE_SETPOINT sent during `interval` (pure; see the rules above). */
export function answerEvSetpoint(s: EvSetpointState, command: Pick<OperatorCommand, 'value' | 'socBound' | 'intervalStart' | 'durationMinutes'>, interval: MarketInterval): CommandResponse {
  if (s.faulted) return decline('charge point faulted: out of service');
  // Away: the operator asks again while it could still charge before the event (Operator.prePosition).
  if (!s.plugged) return { ...decline('not plugged in'), away: true };
  const b = s.car.battery;
  if (!s.car.v2gCapable || !(b.maxDischargeKw > 0)) return decline('not V2G-capable: no inverter to discharge over the event');
  if ((command.socBound ?? 'at-least') !== 'at-least') return decline('a car takes only an at-least setpoint (energy to discharge), not a ceiling');
  const target = command.value;
  const outside = socOutsideBounds(b, target, 'at least');
  if (outside !== undefined) return decline(outside);
  const endMs = command.intervalStart + command.durationMinutes * 60_000;
  const at = localClock(s.departure, s.zone);
  if (s.departure < endMs) return decline(`leaves at ${at}, before the event ends at ${localClock(endMs, s.zone)}`);
  const floor = eventFloorKwh(s.car, s.departure, endMs);
  const goal = Math.min(b.maxSocKwh, floor + Math.max(0, target - b.minSocKwh));
  // The market intervals it can still charge in before the event: those after this one (this one has cleared).
  const hoursLeft = Math.max(0, (command.intervalStart - interval.end) / MS_PER_HOUR);
  const reachable = Math.min(b.maxSocKwh, s.socKwh + b.maxChargeKw * b.chargeEfficiency * hoursLeft);
  const commit = Math.max(s.socKwh, Math.min(goal, reachable));
  if (!(commit - floor > SOC_TOLERANCE_KWH)) {
    return decline(`departure need: it needs ${fmt(Math.max(0, s.car.charging.targetSocKwh - s.socKwh))} kWh more by ${at}, so keeps SoC at or above ${fmt(floor)} kWh through the event and can reach only ${fmt(reachable)} kWh by its start: nothing to spare`);
  }
  const shift = Math.max(0, commit - s.socKwh);
  const how = shift > SOC_TOLERANCE_KWH ? `charges from SoC ${fmt(s.socKwh)} to ${fmt(commit)} kWh before the event` : `holds SoC ${fmt(commit)} kWh (it has ${fmt(s.socKwh)} kWh)`;
  const short = commit < goal - SOC_TOLERANCE_KWH ? `; no more: ${fmt(b.maxChargeKw)} kW for the ${fmt(hoursLeft)} h left` : '';
  return {
    optIn: true,
    reason: `${how}; can give ${fmt(commit - floor)} kWh over it, keeping ${fmt(floor)} kWh for its departure at ${at}${short}`,
    deliverKw: 0,
    socKwh: commit,
    shiftKwh: shift,
    floorKwh: floor,
  };
}

/**
 * Bends a plugged car's limits for the interval starting at `intervalStart` (`evLimitsInto`'s
 * output, rewritten in place) by a setpoint it opted in to: before the event its must-charge is at
 * least the setpoint's even share of what is missing, and its V2G discharge is held above the
 * commitment. Returns whether it changed anything (false from the event's start on).
 */
export function steerEvLimits(sp: ChargeStateSetpoint, car: EvCar, socKwh: number, intervalStart: number, dtH: number, quantumKw: number, l: { -readonly [K in keyof EvLimits]: EvLimits[K] }): boolean {
  const steer = steerBySetpoint(sp, car.battery, socKwh, intervalStart, dtH, quantumKw, l.maxChargeKw, l.maxDischargeKw);
  if (!steer) return false;
  l.mustChargeKw = Math.max(l.mustChargeKw, steer.mustKw);
  l.maxChargeKw = Math.max(l.maxChargeKw, l.mustChargeKw);
  l.maxDischargeKw = Math.min(l.maxDischargeKw, steer.dischargeKw);
  return true;
}

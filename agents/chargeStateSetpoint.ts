/**
 * A CHARGE_STATE_SETPOINT an agent that stores energy opted in to (a battery, agents/storage/setpoint.ts;
 * a V2G car, agents/ev/setpoint.ts), and how it steers the agent's bids before the event: shared by
 * both kinds, which answer the setpoint each from their own state. Pure.
 *
 * Steering (`steerBySetpoint`), in an interval before the event with n intervals left to it
 * (this one included): below an `at-least` floor it must buy (bid at the price cap) an even
 * share of what is missing, (floor − SoC) / (η_c · n · Δt) kW, rounded up to the market's
 * quantum, and may sell nothing; at or above it, it may sell only down to the floor. Above an
 * `at-most` ceiling it must sell (at the price floor) (SoC − ceiling) · η_d / (n · Δt) kW; at or
 * below it, it may buy only up to the ceiling. Whatever is left of its limits stays its
 * strategy's. Recomputed every interval from the SoC it actually has, so a short award is made
 * up later. From the event's start its operator's real-time commands take over; the setpoint
 * expires at the event's end.
 */
import { MS_PER_HOUR } from '../core/time.ts';
import type { BatteryParams } from './physics/battery.ts';
import type { OperatorCommand } from './types.ts';

/** A setpoint an agent opted in to: the SoC it committed to, and the event's virtual times (ms). */
export interface ChargeStateSetpoint {
  readonly bound: 'at-least' | 'at-most';
  readonly socKwh: number;
  readonly startMs: number;
  readonly endMs: number;
}

/** SoC slack (kWh) within which a setpoint counts as met. */
export const SOC_TOLERANCE_KWH = 1e-9;

const fmt = (x: number): string => x.toFixed(2);

/**
 * Why a setpoint of `target` kWh (`word`: 'at least' or 'at most') cannot be taken by a battery of
 * these bounds, or undefined when it lies within them: one rule and one message for batteries and cars.
 */
export function socOutsideBounds(b: Pick<BatteryParams, 'minSocKwh' | 'maxSocKwh'>, target: number, word: string): string | undefined {
  if (Number.isFinite(target) && target >= b.minSocKwh - SOC_TOLERANCE_KWH && target <= b.maxSocKwh + SOC_TOLERANCE_KWH) return undefined;
  return `SoC ${word} ${Number.isFinite(target) ? fmt(target) : String(target)} kWh lies outside its bounds [${fmt(b.minSocKwh)}, ${fmt(b.maxSocKwh)}] kWh`;
}

/** What a setpoint makes of a battery's bid in one interval: a must-trade and the limits left for its strategy. */
export interface SetpointSteer {
  /** Bought at the price cap (> 0) or sold at the price floor (< 0) whatever the price, kW. */
  readonly mustKw: number;
  /** What is left for the strategy, kW (≥ 0). */
  readonly chargeKw: number;
  readonly dischargeKw: number;
}

/**
 * The bid constraints of a setpoint in the interval starting at `intervalStart` (see the module
 * comment), given the most it can charge and discharge now (`chargeNowKw`, `dischargeNowKw`,
 * physics/battery.ts). Undefined outside the steering window (from the event's start on).
 */
export function steerBySetpoint(sp: ChargeStateSetpoint, b: BatteryParams, socKwh: number, intervalStart: number, dtH: number, quantumKw: number, chargeNowKw: number, dischargeNowKw: number): SetpointSteer | undefined {
  if (!(intervalStart < sp.startMs) || !(dtH > 0)) return undefined;
  const n = Math.max(1, Math.round((sp.startMs - intervalStart) / (dtH * MS_PER_HOUR)));
  const up = (x: number): number => (quantumKw > 0 ? Math.ceil(x / quantumKw - 1e-9) * quantumKw : x);
  if (sp.bound === 'at-least') {
    const missing = sp.socKwh - socKwh;
    if (missing > SOC_TOLERANCE_KWH) {
      const must = Math.min(chargeNowKw, up(missing / (b.chargeEfficiency * n * dtH)));
      return { mustKw: must, chargeKw: Math.max(0, chargeNowKw - must), dischargeKw: 0 };
    }
    return { mustKw: 0, chargeKw: chargeNowKw, dischargeKw: Math.min(dischargeNowKw, Math.max(0, ((socKwh - sp.socKwh) * b.dischargeEfficiency) / dtH)) };
  }
  const excess = socKwh - sp.socKwh;
  if (excess > SOC_TOLERANCE_KWH) {
    const must = Math.min(dischargeNowKw, up((excess * b.dischargeEfficiency) / (n * dtH)));
    return { mustKw: -must, chargeKw: 0, dischargeKw: Math.max(0, dischargeNowKw - must) };
  }
  return { mustKw: 0, chargeKw: Math.min(chargeNowKw, Math.max(0, (sp.socKwh - socKwh) / (b.chargeEfficiency * dtH))), dischargeKw: dischargeNowKw };
}

/** The setpoint of an accepted command: the SoC committed and the event's times. */
export function setpointOf(command: Pick<OperatorCommand, 'socBound' | 'intervalStart' | 'durationMinutes'>, committedSocKwh: number): ChargeStateSetpoint {
  return { bound: command.socBound ?? 'at-least', socKwh: committedSocKwh, startMs: command.intervalStart, endMs: command.intervalStart + command.durationMinutes * 60_000 };
}

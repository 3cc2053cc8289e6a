/**
 * EV charging feasibility: how much energy a plugged-in EV still needs, the lowest SoC
 * from which its departure target is still reachable, the least charging power that
 * keeps it reachable, its slack, and what is left unmet at departure.
 *
 * The battery itself (SoC update, limits, V2G discharge) is `battery.ts`; this module
 * adds the departure deadline. Times are hours left until departure (`hoursLeft`,
 * departure − now in hours), powers grid-side kW, energies kWh of SoC.
 *
 * Departure inside a step: when Δt > hoursLeft, the car only charges for hoursLeft.
 * Use `chargeableHours(hoursLeft, Δt)` as the duration of the SoC update; the interval's
 * average grid power is then p · chargeableHours / Δt.
 *
 * Pure; no allocation except where a small object is returned.
 */
import type { Hours, Kw, Kwh } from '../../core/units.ts';
import { hours, kw, kwh } from '../../core/units.ts';
import type { BatteryParams } from './battery.ts';
import { maxDischargeKw } from './battery.ts';

/** What one charging session asks of the car and what the charger allows. */
export interface EvCharging {
  /** SoC wanted at departure, kWh (≤ the battery's max SoC). */
  readonly targetSocKwh: Kwh;
  /** Effective grid-side charging limit, kW: min(charger, on-board charger). */
  readonly maxChargeKw: Kw;
  /** η_c of the charge path (charger plus battery), in (0, 1]. */
  readonly chargeEfficiency: number;
}

/** The session view of a battery plugged into a charger of `chargerKw`. */
export function evCharging(battery: BatteryParams, chargerKw: Kw, targetSocKwh: Kwh): EvCharging {
  return {
    targetSocKwh: kwh(Math.min(targetSocKwh, battery.maxSocKwh)),
    maxChargeKw: kw(Math.max(0, Math.min(chargerKw, battery.maxChargeKw))),
    chargeEfficiency: battery.chargeEfficiency,
  };
}

/** Hours of the step during which the car is still plugged in: min(Δt, hoursLeft), ≥ 0. */
export function chargeableHours(hoursLeft: Hours, dtHours: Hours): Hours {
  return hours(Math.max(0, Math.min(dtHours, hoursLeft)));
}

/** SoC still missing for the target, kWh (battery side), ≥ 0. */
export function energyNeededKwh(ev: EvCharging, socKwh: Kwh): Kwh {
  return kwh(Math.max(0, ev.targetSocKwh - socKwh));
}

/** Grid-side energy still to buy for the target, kWh: missing SoC / η_c. */
export function gridEnergyNeededKwh(ev: EvCharging, socKwh: Kwh): Kwh {
  return kwh(energyNeededKwh(ev, socKwh) / ev.chargeEfficiency);
}

/**
 * Departure-feasible SoC: the lowest SoC (kWh) from which the target is still reached by
 * charging flat out until departure, target − maxChargeKw · η_c · hoursLeft, not below 0.
 * At hoursLeft ≤ 0 it is the target itself. Example: target 40 kWh, 7.4 kW, η_c 0.9,
 * 4 h left → 40 − 26.64 = 13.36 kWh.
 */
export function departureFeasibleSocKwh(ev: EvCharging, hoursLeft: Hours): Kwh {
  const h = Math.max(0, hoursLeft);
  return kwh(Math.max(0, ev.targetSocKwh - ev.maxChargeKw * ev.chargeEfficiency * h));
}

/** True when the target is still reachable from `socKwh` (with 1e-9 kWh tolerance for round-off). */
export function isDepartureFeasible(ev: EvCharging, socKwh: Kwh, hoursLeft: Hours): boolean {
  return socKwh >= departureFeasibleSocKwh(ev, hoursLeft) - 1e-9;
}

/**
 * Least grid-side charging power (kW) for this step that keeps the target reachable:
 * at the end of the step SoC must be ≥ the departure-feasible SoC for the hours then left.
 * With h = chargeableHours(hoursLeft, Δt):
 *   p = max(0, target − maxChargeKw·η_c·max(0, hoursLeft − Δt) − SoC) / (η_c · h),
 * clipped to [0, maxChargeKw] (the clip binds only when the session is already
 * infeasible, and then p = maxChargeKw is the best possible). 0 when nothing is needed
 * or the car has left. Charging at this power every step from a feasible state reaches
 * the target exactly at departure (tested).
 */
export function minChargeKwNow(ev: EvCharging, socKwh: Kwh, hoursLeft: Hours, dtHours: Hours): Kw {
  const h = chargeableHours(hoursLeft, dtHours);
  if (!(h > 0)) return kw(0);
  const laterKwh = ev.maxChargeKw * ev.chargeEfficiency * Math.max(0, hoursLeft - dtHours);
  const mustAddKwh = ev.targetSocKwh - laterKwh - socKwh;
  if (!(mustAddKwh > 0)) return kw(0);
  return kw(Math.min(ev.maxChargeKw, mustAddKwh / (ev.chargeEfficiency * h)));
}

/**
 * Slack, hours: how long charging can still wait before it must run flat out,
 * hoursLeft − needed / (maxChargeKw · η_c). Negative when the target is already out of
 * reach (its magnitude is the hours missing); −Infinity when energy is needed but the
 * charger gives 0 kW; hoursLeft when nothing is needed.
 */
export function chargingSlackHours(ev: EvCharging, socKwh: Kwh, hoursLeft: Hours): Hours {
  const need = energyNeededKwh(ev, socKwh);
  if (need === 0) return hoursLeft;
  const rate = ev.maxChargeKw * ev.chargeEfficiency;
  return hours(rate > 0 ? hoursLeft - need / rate : -Infinity);
}

/** Energy short of the target when the car leaves, kWh (≥ 0): the KPI "EV energy unmet at departure". */
export function unmetKwhAtDeparture(ev: EvCharging, socAtDepartureKwh: Kwh): Kwh {
  return kwh(Math.max(0, ev.targetSocKwh - socAtDepartureKwh));
}

/**
 * Largest V2G discharge (grid-side kW, a magnitude ≥ 0) for this step that keeps both the
 * battery reserve and the departure target: SoC after the step must stay ≥
 * max(minSocKwh, departure-feasible SoC with hoursLeft − Δt left). 0 when the battery
 * cannot discharge (maxDischargeKw = 0) or the car leaves during the step.
 */
export function maxV2gDischargeKw(
  ev: EvCharging,
  battery: BatteryParams,
  socKwh: Kwh,
  hoursLeft: Hours,
  dtHours: Hours,
): Kw {
  if (!(dtHours > 0) || hoursLeft <= dtHours) return kw(0);
  const floor = Math.max(battery.minSocKwh, departureFeasibleSocKwh(ev, hours(hoursLeft - dtHours)));
  const spare = socKwh - floor;
  if (!(spare > 0)) return kw(0);
  return kw(Math.min(maxDischargeKw(battery, socKwh, dtHours), (spare * battery.dischargeEfficiency) / dtHours));
}

/**
 * An electric car's answer to an operator's `DISPATCH_SETPOINT` (agents/types.ts), or to an
 * `IMPORT_CAPACITY_LIMIT` as the reduction down to the cap (agents/commandResponse.ts):
 * a pure function of the car's state, so it can be tested alone and the runtime only
 * passes its numbers in.
 *
 * Rules (the request is a change of net consumption, ≤ 0; a setpoint above zero is a charge
 * command, `chargeOnCommand` below):
 * - only a car that is plugged in, in this interval's market (plugged in by the gate)
 *   and not faulted can act; any other declines, saying which;
 * - it reduces charging only down to its must-run power — the least charging that keeps
 *   its departure target reachable (`minChargeKwNow`, through `evLimits`); a car whose
 *   planned charging is already at or below it declines ("needs 14.2 kWh before 07:30:
 *   cannot reduce below 7.1 kW");
 * - it discharges (V2G) only when it is V2G-capable and has nothing it must charge now,
 *   and at most `maxV2gDischargeKw`: the SoC after the interval stays at or above both its
 *   reserve and the departure-feasible SoC for the hours then left;
 * - so the lowest net power it can take is its floor: the must-run power when that is
 *   above 0, else minus its V2G limit (0 without V2G). It commits to
 *   min(|asked|, planned − floor), rounded down to the market's quantum: never more than
 *   asked, never the other way.
 *
 * The runtime applies the changed award through `applyEvAward`, which holds the same
 * floor again, so the invariant holds even for an award it did not commit to.
 */
import type { SiteZone } from '../../core/siteZone.ts';
import { askedIncreaseKw, askedReductionKw, decline, floorToQuantum, nothingAsked } from '../commandResponse.ts';
import type { OperatorCommand, CommandResponse } from '../types.ts';
import { MS_PER_HOUR } from '../../core/time.ts';
import { localHourOfDay } from '../physics/localTime.ts';
import { type EvCar, evLimits } from './session.ts';

export interface EvCommandState {
  readonly car: EvCar;
  /** Plugged in now. */
  readonly plugged: boolean;
  /** Plugged in by this interval's gate closure: it bid, and takes its award. */
  readonly inMarket: boolean;
  readonly faulted: boolean;
  readonly socKwh: number;
  /** Departure of the current session (ms, UTC), and the site's offset for telling it in local time. */
  readonly departure: number;
  readonly zone: SiteZone;
  /** The market's quantity step, kW (commitments are whole steps). */
  readonly quantumKw: number;
}

/** `hh:mm` of a UTC instant in local time. */
export function localClock(t: number, zone: SiteZone): string {
  const h = localHourOfDay(t as Parameters<typeof localHourOfDay>[0], zone);
  const minutes = Math.round(h * 60) % (24 * 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * The car's answer to one command for the interval starting at `intervalStart` (ms) and
 * lasting `dtH` hours, given what the market has it doing (`plannedNetKw`, + charging).
 */
export function respondEv(s: EvCommandState, command: Pick<OperatorCommand, 'value' | 'type'>, plannedNetKw: number, intervalStart: number, dtH: number): CommandResponse {
  const up = askedIncreaseKw(command);
  const asked = up > 0 ? 0 : askedReductionKw(command, plannedNetKw, 'charge point');
  if (typeof asked !== 'number') return asked;
  if (s.faulted) return decline('charge point faulted: out of service');
  if (!s.plugged) return decline('not plugged in');
  if (!s.inMarket) return decline('plugged in after the gate closed: its charging is not scheduled this interval');
  const hoursLeft = (s.departure - intervalStart) / MS_PER_HOUR;
  if (up > 0) return chargeOnCommand(s, up, plannedNetKw, hoursLeft, dtH);
  if (!(asked > 0)) return decline(nothingAsked(command, plannedNetKw));
  const l = evLimits(s.car, s.socKwh, hoursLeft, dtH);
  const at = localClock(s.departure, s.zone);
  const floorKw = l.mustChargeKw > 0 ? l.mustChargeKw : -l.maxDischargeKw;
  const room = plannedNetKw - floorKw;
  const give = floorToQuantum(Math.min(asked, room), s.quantumKw);
  if (!(give > 0)) {
    if (l.mustChargeKw > 0) return decline(`needs ${l.neededKwh.toFixed(1)} kWh before ${at}: cannot reduce below ${l.mustChargeKw.toFixed(1)} kW`);
    if (!s.car.v2gCapable) return decline(plannedNetKw > 0 ? 'cannot reduce: charging at its least' : 'not charging, and not V2G-capable: nothing to reduce');
    if (hoursLeft <= dtH) return decline(`leaves at ${at}, within this interval: cannot discharge`);
    return decline(`SoC ${s.socKwh.toFixed(1)} kWh at its floor ${l.floorKwh.toFixed(1)} kWh (reserve and departure at ${at}): cannot discharge`);
  }
  const after = plannedNetKw - give;
  const parts: string[] = [];
  const cut = Math.min(give, Math.max(0, plannedNetKw) - Math.max(0, after));
  if (cut > 0) parts.push(l.mustChargeKw > 0 ? `reduces charging by ${cut.toFixed(2)} kW, keeping its must-run ${l.mustChargeKw.toFixed(2)} kW (needs ${l.neededKwh.toFixed(1)} kWh before ${at})` : `reduces charging by ${cut.toFixed(2)} kW`);
  if (after < 0) parts.push(`discharges ${(-after).toFixed(2)} kW (V2G), keeping SoC at or above ${l.floorKwh.toFixed(1)} kWh for ${at}`);
  if (parts.length === 0) parts.push(`changes its net consumption by ${(-give).toFixed(2)} kW`);
  if (give < asked - 1e-9) {
    parts.push(l.mustChargeKw > 0 ? `no lower: must-run ${l.mustChargeKw.toFixed(2)} kW` : s.car.v2gCapable ? `no more: V2G limit ${l.maxDischargeKw.toFixed(2)} kW now` : 'no more: not V2G-capable');
  }
  return { optIn: true, reason: parts.join('; '), deliverKw: -give };
}

/**
 * A charge command (more consumption, to relieve a reverse flow): a car charges more, up to its
 * largest charge this interval (`evLimits` `maxChargeKw`: the charger, and no fuller than its
 * maximum SoC), stopping any V2G discharge first; it commits to min(asked, that − planned), in
 * whole quanta. Charging early only helps its departure target.
 */
function chargeOnCommand(s: EvCommandState, asked: number, plannedNetKw: number, hoursLeft: number, dtH: number): CommandResponse {
  const l = evLimits(s.car, s.socKwh, hoursLeft, dtH);
  const take = floorToQuantum(Math.min(asked, l.maxChargeKw - plannedNetKw), s.quantumKw);
  if (!(take > 0)) return decline(l.maxChargeKw > 0 ? `already charging at its limit ${l.maxChargeKw.toFixed(2)} kW` : `SoC ${s.socKwh.toFixed(1)} kWh: full, cannot charge`);
  const after = plannedNetKw + take;
  const parts: string[] = [];
  if (plannedNetKw < 0) parts.push(`stops discharging ${Math.min(take, -plannedNetKw).toFixed(2)} kW (V2G)`);
  if (after > 0) parts.push(`charges ${after.toFixed(2)} kW`);
  if (take < asked - 1e-9) parts.push(`no more: charging limit ${l.maxChargeKw.toFixed(2)} kW now`);
  return { optIn: true, reason: parts.join('; '), deliverKw: take };
}

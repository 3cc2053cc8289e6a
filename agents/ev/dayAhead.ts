/**
 * An EV's day-ahead bids (market/dayAhead/types.ts `EvBid`): one intertemporal bid per
 * plug-in session that overlaps the delivery day, from the sessions the car already knows
 * (its calendar), so it buys its charge where the day is cheapest instead of a load profile.
 * A pure function: the runtime passes its sessions and SoC and keeps its state.
 *
 * Rules (our simplifications, stated where they bite):
 * - window: the intervals the car is plugged in for whole (start ≥ arrival, end ≤ departure);
 * - SoC at the window's start: a car arriving in the day comes back with its target minus
 *   the trip's use (it left full, as planned); a car plugged in when the day starts has at
 *   least what keeps its departure reachable (and its present SoC, when it is plugged now);
 * - need: to its target when it leaves within the day; when it leaves after the day, the
 *   least that keeps the departure reachable after the window (the rest is the next day's);
 * - never more than the window can deliver at the charger's limit, so the bid is feasible;
 * - V2G allowed (maxDischargeKw > 0) exactly when the car can do V2G.
 */
import { MS_PER_HOUR } from '../../core/time.ts';
import { hours } from '../../core/units.ts';
import type { EvBid } from '../../market/dayAhead/types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import { departureFeasibleSocKwh } from '../physics/ev.ts';
import { arrivalSocKwh, type EvCar, type EvSession } from './session.ts';

export type EvDayAheadBid = Omit<EvBid, 'id' | 'agentId' | 'bus'>;

/** Cell-side margin kept below what the window can deliver, kWh: a bid at the edge of feasibility must not fail on round-off. */
const FEASIBILITY_MARGIN_KWH = 1e-6;

export function evDayAheadBids(
  car: EvCar,
  sessions: readonly EvSession[],
  intervals: readonly MarketInterval[],
  /** The SoC now, when the car is plugged in for the first of `sessions`; else undefined. */
  pluggedSocKwh: number | undefined,
): EvDayAheadBid[] {
  if (intervals.length === 0) return [];
  const b = car.battery;
  const target = b.maxSocKwh;
  const dayStart = intervals[0]!.start;
  const dayEnd = intervals[intervals.length - 1]!.end;
  const bids: EvDayAheadBid[] = [];
  sessions.forEach((s, k) => {
    const window = intervals.filter((iv) => iv.start >= s.arrival && iv.end <= s.departure);
    if (window.length === 0) return;
    const first = window[0]!;
    const last = window[window.length - 1]!;
    let initial = arrivalSocKwh(target, s.needKwh);
    if (s.arrival < dayStart) {
      if (k === 0 && pluggedSocKwh !== undefined) initial = pluggedSocKwh;
      initial = Math.max(initial, departureFeasibleSocKwh(car.charging, hours((s.departure - first.start) / MS_PER_HOUR)));
    }
    initial = Math.min(initial, target);
    const wanted = s.departure > dayEnd ? departureFeasibleSocKwh(car.charging, hours((s.departure - last.end) / MS_PER_HOUR)) - initial : target - initial;
    const deliverable = window.reduce((e, iv) => e + b.maxChargeKw * b.chargeEfficiency * iv.durationH, 0) - FEASIBILITY_MARGIN_KWH;
    const need = Math.max(0, Math.min(wanted, deliverable, target - initial));
    bids.push({
      kind: 'ev',
      firstInterval: first.index,
      lastInterval: last.index,
      capacityKwh: b.capacityKwh,
      // A car that arrives below its V2G reserve is not made to bid an infeasible SoC.
      minSocKwh: Math.min(b.minSocKwh, initial),
      maxSocKwh: target,
      maxChargeKw: b.maxChargeKw,
      maxDischargeKw: car.v2gCapable ? b.maxDischargeKw : 0,
      chargeEfficiency: b.chargeEfficiency,
      dischargeEfficiency: b.dischargeEfficiency,
      initialSocKwh: initial,
      energyNeededKwh: need,
      degradationCostPerMwh: b.degradationCostPerMwh,
    });
  });
  return bids;
}

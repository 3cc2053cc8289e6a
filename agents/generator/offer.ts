/**
 * Generator physics: what it can offer in an interval. Pure functions.
 */
import { MS_PER_HOUR, type SimTime } from '../../core/time.ts';
import type { ValueSegment } from '../../strategies/types.ts';

export interface OfferBlock {
  readonly kw: number;
  readonly priceMwh: number;
}

/**
 * The profile's share over `[startMs, endMs)`: the UTC hour's value when the interval lies
 * within one hour (every interval of 60 minutes or less that starts on the hour's grid), else
 * each hour's value weighted by the time the interval spends in it — a 12-hour interval from
 * midnight is the mean of hours 0–11, not hour 0's value.
 */
export function availabilityOver(availabilityByHour: ArrayLike<number>, startMs: number, endMs: number): number {
  const first = Math.floor(startMs / MS_PER_HOUR);
  const hourOf = (h: number): number => availabilityByHour[((h % 24) + 24) % 24]!;
  if (endMs <= (first + 1) * MS_PER_HOUR) return hourOf(first);
  let weighted = 0;
  for (let h = first; h * MS_PER_HOUR < endMs; h++) weighted += hourOf(h) * (Math.min(endMs, (h + 1) * MS_PER_HOUR) - Math.max(startMs, h * MS_PER_HOUR));
  return weighted / (endMs - startMs);
}

/**
 * The offer curve for the interval `[t, endMs)`: each block's kW scaled by the
 * interval's availability (a solar or wind profile; 1 for dispatchable plant), ordered
 * by marginal cost (the merit order), ties kept in the order written.
 */
export function availableOffer(blocks: readonly OfferBlock[], availabilityByHour: ArrayLike<number> | undefined, t: SimTime, endMs: number): ValueSegment[] {
  const availability = availabilityByHour ? availabilityOver(availabilityByHour, t, endMs) : 1;
  // A loop into a literal, not map().filter(): map() inlined by TurboFan (here inside the engine's realTime) returns a
  // HOLEY array where the builtin returns a PACKED one, and the filter() after it deopted realTime on the new map (measured).
  const curve: ValueSegment[] = [];
  for (const b of blocks) {
    const kw = b.kw * availability;
    if (kw > 0) curve.push({ kw, valueMwh: b.priceMwh });
  }
  return curve.sort((a, b) => a.valueMwh - b.valueMwh);
}

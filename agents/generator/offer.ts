/**
 * Generator physics: what it can offer in an interval. Pure functions.
 */
import { hourOfDayUtc, type SimTime } from '../../core/time.ts';
import type { ValueSegment } from '../../strategies/types.ts';

export interface OfferBlock {
  readonly kw: number;
  readonly priceMwh: number;
}

/**
 * The offer curve for an interval starting at `t`: each block's kW scaled by the
 * hour's availability (a solar or wind profile; 1 for dispatchable plant), ordered
 * by marginal cost (the merit order), ties kept in the order written.
 */
export function availableOffer(blocks: readonly OfferBlock[], availabilityByHour: ArrayLike<number> | undefined, t: SimTime): ValueSegment[] {
  const availability = availabilityByHour ? availabilityByHour[Math.floor(hourOfDayUtc(t))]! : 1;
  // A loop into a literal, not map().filter(): map() inlined by TurboFan (here inside the engine's realTime) returns a
  // HOLEY array where the builtin returns a PACKED one, and the filter() after it deopted realTime on the new map (measured).
  const curve: ValueSegment[] = [];
  for (const b of blocks) {
    const kw = b.kw * availability;
    if (kw > 0) curve.push({ kw, valueMwh: b.priceMwh });
  }
  return curve.sort((a, b) => a.valueMwh - b.valueMwh);
}

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
export function availableOffer(blocks: readonly OfferBlock[], availabilityByHour: readonly number[] | undefined, t: SimTime): ValueSegment[] {
  const availability = availabilityByHour ? availabilityByHour[Math.floor(hourOfDayUtc(t))]! : 1;
  return blocks
    .map((b) => ({ kw: b.kw * availability, valueMwh: b.priceMwh }))
    .filter((s) => s.kw > 0)
    .sort((a, b) => a.valueMwh - b.valueMwh);
}

/** Total capacity of an offer curve, kW. */
export const offeredKw = (curve: readonly ValueSegment[]): number => curve.reduce((s, c) => s + c.kw, 0);

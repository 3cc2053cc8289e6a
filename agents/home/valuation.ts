/**
 * What a home's consumption is worth to it, interval by interval: pure functions
 * that turn its physical needs into a valuation curve, and an award back into
 * what each need received.
 *
 * The curve, highest value first:
 * - the inelastic part of the base load at the price cap (the value of lost load:
 *   the home would pay anything up to the cap rather than go dark);
 * - the price-responsive share of the base load (laundry, dishwashing, a pool
 *   pump, comfort lighting …) in equal blocks whose values are spread between a
 *   low and a high willingness to pay.
 */
import type { ValueSegment } from '../../strategies/types.ts';

export interface FlexibleValues {
  /** Willingness to pay per block, currency/MWh, highest first. */
  readonly valuesMwh: readonly number[];
}

/**
 * Per-home block values: evenly spaced in [minMwh, maxMwh], shifted by `u` ∈ [0, 1)
 * (one draw per home) so that many homes together give a smooth demand curve
 * rather than steps at the same few prices.
 */
export function flexibleBlockValues(minMwh: number, maxMwh: number, blocks: number, u: number): number[] {
  const width = (maxMwh - minMwh) / blocks;
  return Array.from({ length: blocks }, (_, k) => maxMwh - width * (k + u));
}

/** The base-load valuation curve: inelastic part at the cap, flexible share in blocks. */
export function baseLoadValuation(loadKw: number, flexibleShare: number, valuesMwh: readonly number[], capMwh: number): ValueSegment[] {
  const flexibleKw = loadKw * flexibleShare;
  const out: ValueSegment[] = [{ kw: loadKw - flexibleKw, valueMwh: capMwh }];
  const block = valuesMwh.length > 0 ? flexibleKw / valuesMwh.length : 0;
  for (const v of valuesMwh) out.push({ kw: block, valueMwh: v });
  return out;
}

export interface ServedLoad {
  /** Of the inelastic part, kW served. */
  readonly inelasticKw: number;
  /** Of the flexible share, kW served. */
  readonly flexibleKw: number;
}

/**
 * Splits a purchase over the home's needs, most valuable first: the market awards
 * whole segments above the clearing price, so this is what each need received.
 */
export function allocatePurchase(boughtKw: number, inelasticKw: number): ServedLoad {
  const inelastic = Math.min(boughtKw, inelasticKw);
  return { inelasticKw: inelastic, flexibleKw: Math.max(0, boughtKw - inelastic) };
}

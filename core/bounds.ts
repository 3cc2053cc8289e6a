/**
 * The largest numbers the engine reads, so every value in a scenario or case is one it can
 * represent and compute with exactly (issue 14, defect 7). Each bound comes with its
 * reason; validation reports a value past it with its path and the bound.
 *
 * - Power: quantities become whole quanta in the order book and one segment holds at most
 *   2^48 quanta (`MAX_SEGMENT_QUANTA`, market/segment.ts), so sums stay exact below 2^53.
 *   1e9 kW (1 TW: all the world's generation) is 1e14 quanta at the finest quantum allowed.
 * - Price: 1e7 per MWh is ~500 times the highest cap of any real market, and keeps
 *   price × energy far inside exact float range for welfare and money.
 * - Tick and quantum: cap / tick must be an exact integer count (≤ 1e13 < 2^53), and 1e9 kW /
 *   quantum ≤ 1e14 < 2^48: hence the smallest tick 1e-6 and the smallest quantum 1e-5 kW.
 */
import { z } from 'zod';

export const MAX_POWER_KW = 1e9;
export const MAX_ENERGY_KWH = 1e10;
export const MAX_PRICE_MWH = 1e7;
export const MIN_PRICE_TICK_MWH = 1e-6;
export const MIN_QUANTUM_KW = 1e-5;
/** The largest quantum: a megawatt. */
export const MAX_QUANTUM_KW = 1e3;

/** A power in kW, 0 ≤ kW ≤ `MAX_POWER_KW`. */
export const powerKw = () => z.number().min(0).max(MAX_POWER_KW);
/** A power in kW, 0 < kW ≤ `MAX_POWER_KW`. */
export const positivePowerKw = () => z.number().positive().max(MAX_POWER_KW);
/** An energy in kWh, 0 < kWh ≤ `MAX_ENERGY_KWH`. */
export const positiveEnergyKwh = () => z.number().positive().max(MAX_ENERGY_KWH);
/** A price or value per MWh within ±`MAX_PRICE_MWH`. */
export const priceMwh = () => z.number().min(-MAX_PRICE_MWH).max(MAX_PRICE_MWH);
/** A non-negative cost per MWh, ≤ `MAX_PRICE_MWH`. */
export const costMwh = () => z.number().min(0).max(MAX_PRICE_MWH);
export const priceTickMwh = () => z.number().min(MIN_PRICE_TICK_MWH).max(MAX_PRICE_MWH);
export const quantumKw = () => z.number().min(MIN_QUANTUM_KW).max(MAX_QUANTUM_KW);
/** A { min, max } range of values per MWh, min ≤ max. */
export const priceRangeMwh = (what: string) =>
  z.strictObject({ min: priceMwh(), max: priceMwh() }).refine((r) => r.min <= r.max, { message: `${what}: min must not exceed max` });

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
 * - Time: an interval lasts at most a day (as a scenario's `intervalMinutes` ≤ 1440), and a
 *   day-ahead horizon holds at most a leap year of 15-minute intervals (35,136): its LP has a
 *   few rows per bid and interval, and interval numbers stay far inside exact integers.
 * - Energy: 1e10 kWh is ten hours of `MAX_POWER_KW`.
 * - Thermal envelopes: resistance ≤ 1e3 °C/kW (a home's is ~2) and capacitance ≤ 1e7 kWh/°C
 *   (a million m² of offices is ~5e4): the RC step's powers and temperatures stay finite.
 */
import * as z from 'zod';

export const MAX_POWER_KW = 1e9;
export const MAX_ENERGY_KWH = 1e10;
export const MAX_PRICE_MWH = 1e7;
export const MIN_PRICE_TICK_MWH = 1e-6;
export const MIN_QUANTUM_KW = 1e-5;
/** The largest quantum: a megawatt. */
export const MAX_QUANTUM_KW = 1e3;

export const MAX_INTERVAL_H = 24;
export const MAX_HORIZON_INTERVALS = 366 * 96;

/**
 * A number whose sign and meaning a later check decides (with its own message), bounded here
 * in size only: |x| ≤ `max`.
 */
export const magnitude = (max: number) => z.number().min(-max).max(max);
/** A whole interval number, 0 ≤ n ≤ `MAX_HORIZON_INTERVALS` × 100 (a century of 15-minute intervals). */
export const intervalNumber = () => z.int().min(-MAX_HORIZON_INTERVALS * 100).max(MAX_HORIZON_INTERVALS * 100);
export const MAX_R_C_PER_KW = 1e3;
export const MAX_C_KWH_PER_C = 1e7;
/** Envelope resistance, °C/kW: 0 < R ≤ `MAX_R_C_PER_KW`. */
export const thermalResistance = () => z.number().positive().max(MAX_R_C_PER_KW);
/** Envelope capacitance, kWh/°C: 0 < C ≤ `MAX_C_KWH_PER_C`. */
export const thermalCapacitance = () => z.number().positive().max(MAX_C_KWH_PER_C);
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

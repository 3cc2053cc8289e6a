/**
 * A smart meter at a connection point: for each interval it records the energy
 * imported from and exported to the grid, and the voltage when the network model
 * gives one. Net power over an interval is split into import (consumption) and
 * export (injection) — the meter never reports both for one interval because it
 * measures the connection point's net flow. Pure: a read is a function of the
 * interval and the measured power.
 */

export interface MeterRead {
  readonly meterId: string;
  /** Start of the interval, virtual ms. */
  readonly intervalStartMs: number;
  readonly intervalMs: number;
  readonly importKwh: number;
  readonly exportKwh: number;
  /** Voltage magnitude at the connection point, per unit, when known. */
  readonly voltagePu?: number;
}

/**
 * The read for a constant net power `netKw` over one interval (positive = import,
 * as awards are signed in gridbid). Example: 2 kW for 15 min → importKwh 0.5.
 */
export function meterRead(meterId: string, intervalStartMs: number, intervalMs: number, netKw: number, voltagePu?: number): MeterRead {
  const kwh = meterReadKwh(meterId, intervalMs, netKw);
  return {
    meterId,
    intervalStartMs,
    intervalMs,
    importKwh: Math.max(kwh, 0),
    exportKwh: Math.max(-kwh, 0),
    ...(voltagePu === undefined ? {} : { voltagePu }),
  };
}

/**
 * The net energy of `meterRead`'s read, kWh (positive = import; its `importKwh` is
 * `Math.max(kwh, 0)`, its `exportKwh` `Math.max(-kwh, 0)`): for a caller that keeps reads as
 * numbers. Throws as `meterRead` does on a non-finite power or an empty interval.
 */
export function meterReadKwh(meterId: string, intervalMs: number, netKw: number): number {
  if (!Number.isFinite(netKw)) throw new RangeError(`meter ${meterId}: net power must be finite, got ${netKw}`);
  if (!(intervalMs > 0)) throw new RangeError(`meter ${meterId}: interval must be > 0 ms, got ${intervalMs}`);
  // kW × hours, the hours first: the product the engine's meter phase forms (quanta × kW × durationH),
  // so a read equals the meter phase's figure to the last bit (for 15 min, × 0.25 exactly).
  return netKw * (intervalMs / 3_600_000);
}

/** A meter id per connection point; one meter per connection point. */
export const meterIdFor = (connectionPoint: string): string => `meter:${connectionPoint}`;

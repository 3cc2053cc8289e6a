/** Shared helpers for the tariff tests. */
import type { SimTime } from '../../core/time.ts';
import { MS_PER_HOUR, parseSimTime } from '../../core/time.ts';
import type { MarketPrice, MeterReading } from '../../tariffs/types.ts';

/** ISO-8601 → SimTime; throws on a typo so a test never runs on a wrong date. */
export function at(iso: string): SimTime {
  const t = parseSimTime(iso);
  if (t === undefined) throw new Error(`bad test time ${iso}`);
  return t;
}

/** Consecutive readings of `minutes` each from `startIso`: one per entry, import only. */
export function readings(startIso: string, minutes: number, importKwh: readonly number[], exportKwh: readonly number[] = []): MeterReading[] {
  const t0 = at(startIso);
  return importKwh.map((m, i) => ({
    start: (t0 + i * minutes * 60_000) as SimTime,
    durationH: minutes / 60,
    importKwh: m,
    exportKwh: exportKwh[i] ?? 0,
  }));
}

/** Hourly market prices (currency/MWh) from `startIso`. */
export function hourlyPrices(startIso: string, priceMwh: readonly number[]): MarketPrice[] {
  const t0 = at(startIso);
  return priceMwh.map((p, i) => ({ start: (t0 + i * MS_PER_HOUR) as SimTime, durationH: 1, priceMwh: p }));
}

/** `n` copies of `x`. */
export const times = (n: number, x: number): number[] => new Array<number>(n).fill(x);

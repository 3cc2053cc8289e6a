/**
 * Public price forecasts, one per bus, published with every interval's market
 * view. Methods (chosen in the scenario's `forecast:` section):
 * - `persistence`: every future interval at the last cleared price;
 * - `same-interval-yesterday`: each future interval at the price of the same
 *   interval one day earlier, where known, else the last cleared price.
 * Before any price is known the forecast is `initialPriceMwh` (NaN when unset:
 * strategies must cope with not knowing).
 */
import { z } from 'zod';

export const forecastSchema = z.strictObject({
  method: z.enum(['persistence', 'same-interval-yesterday']).default('same-interval-yesterday'),
  /** How far ahead each forecast reaches. */
  horizonHours: z.number().positive().max(24 * 7).default(24),
  /** The forecast before the first clearing, currency/MWh. */
  initialPriceMwh: z.number().optional(),
});
export type ForecastConfig = z.infer<typeof forecastSchema>;

export class PriceForecaster {
  /** history[bus][interval] = cleared price (NaN when none). */
  private readonly history: Float64Array[];
  private readonly last: Float64Array;
  private readonly horizon: number;

  constructor(
    buses: number,
    intervals: number,
    private readonly intervalsPerDay: number,
    intervalMinutes: number,
    private readonly config: ForecastConfig,
  ) {
    this.history = Array.from({ length: buses }, () => new Float64Array(intervals).fill(NaN));
    this.last = new Float64Array(buses).fill(config.initialPriceMwh ?? NaN);
    this.horizon = Math.max(1, Math.round((config.horizonHours * 60) / intervalMinutes));
  }

  /** Records the prices an interval cleared at (NaN where none was defined). */
  record(interval: number, busPrices: Float64Array): void {
    for (let b = 0; b < busPrices.length; b++) {
      const p = busPrices[b]!;
      this.history[b]![interval] = p;
      if (!Number.isNaN(p)) this.last[b] = p;
    }
  }

  /** The forecast for `horizon` intervals starting at `from`, at one bus. */
  forecast(bus: number, from: number): readonly number[] {
    const out = new Array<number>(this.horizon);
    const last = this.last[bus]!;
    const h = this.history[bus]!;
    for (let k = 0; k < this.horizon; k++) {
      let p = last;
      if (this.config.method === 'same-interval-yesterday') {
        const past = from + k - this.intervalsPerDay;
        if (past >= 0 && past < from && !Number.isNaN(h[past]!)) p = h[past]!;
      }
      out[k] = p;
    }
    return Object.freeze(out);
  }
}

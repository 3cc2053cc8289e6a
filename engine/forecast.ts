/**
 * Public price forecasts, one per bus, published with every interval's market
 * view. Methods (chosen in the scenario's `forecast:` section):
 * - `persistence`: every future interval at the last cleared price;
 * - `same-interval-yesterday`: each future interval at the price of the same
 *   interval one day earlier, where known, else the last cleared price.
 * Before any price is known the forecast is `initialPriceMwh` (NaN when unset:
 * strategies must cope with not knowing).
 *
 * `priorByHourMwh` (24 prices by UTC hour, e.g. a published day-ahead curve) stands in
 * for the history a run does not have: with `same-interval-yesterday` an interval whose
 * yesterday is unknown (the whole first day) is forecast at the prior of its UTC hour
 * instead of the last price; with `persistence` the prior is the forecast until the
 * first price clears. So a one-day study can still see its evening peak coming.
 */
import { z } from 'zod';

export const forecastSchema = z.strictObject({
  method: z.enum(['persistence', 'same-interval-yesterday']).default('same-interval-yesterday'),
  /** How far ahead each forecast reaches. */
  horizonHours: z.number().positive().max(24 * 7).default(24),
  /** The forecast before the first clearing, currency/MWh. */
  initialPriceMwh: z.number().optional(),
  /** Prior forecast by UTC hour (24 values, currency/MWh) where no history is known; see above. */
  priorByHourMwh: z.array(z.number()).length(24, { error: 'give 24 prices, one per UTC hour 0–23' }).optional(),
});
export type ForecastConfig = z.infer<typeof forecastSchema>;

export class PriceForecaster {
  /** history[bus][interval] = cleared price (NaN when none). */
  private readonly history: Float64Array[];
  private readonly last: Float64Array;
  private readonly horizon: number;
  /** The prior per interval index of the run (and a horizon beyond it), or undefined. */
  private readonly prior: Float64Array | undefined;
  /** Per bus: has a price cleared there yet? */
  private readonly known: Uint8Array;

  /** `startMs`: the run's first interval (UTC ms), to place the prior's hours. */
  constructor(
    buses: number,
    intervals: number,
    private readonly intervalsPerDay: number,
    intervalMinutes: number,
    private readonly config: ForecastConfig,
    startMs = 0,
  ) {
    this.history = Array.from({ length: buses }, () => new Float64Array(intervals).fill(NaN));
    this.last = new Float64Array(buses).fill(config.initialPriceMwh ?? NaN);
    this.known = new Uint8Array(buses);
    this.horizon = Math.max(1, Math.round((config.horizonHours * 60) / intervalMinutes));
    const byHour = config.priorByHourMwh;
    if (byHour) {
      this.prior = new Float64Array(intervals + this.horizon);
      const stepMs = intervalMinutes * 60_000;
      for (let j = 0; j < this.prior.length; j++) {
        const hourOfDay = Math.floor((((startMs + j * stepMs) % 86_400_000) + 86_400_000) % 86_400_000 / 3_600_000);
        this.prior[j] = byHour[hourOfDay]!;
      }
    }
  }

  /** Records the prices an interval cleared at (NaN where none was defined). */
  record(interval: number, busPrices: Float64Array): void {
    for (let b = 0; b < busPrices.length; b++) {
      const p = busPrices[b]!;
      this.history[b]![interval] = p;
      if (!Number.isNaN(p)) {
        this.last[b] = p;
        this.known[b] = 1;
      }
    }
  }

  /** The forecast for `horizon` intervals starting at `from`, at one bus. */
  forecast(bus: number, from: number): readonly number[] {
    const out = new Array<number>(this.horizon);
    const last = this.last[bus]!;
    const h = this.history[bus]!;
    const prior = this.prior;
    const yesterday = this.config.method === 'same-interval-yesterday';
    for (let k = 0; k < this.horizon; k++) {
      let p = last;
      if (yesterday) {
        const past = from + k - this.intervalsPerDay;
        if (past >= 0 && past < from && !Number.isNaN(h[past]!)) p = h[past]!;
        else if (prior) p = prior[from + k]!;
      } else if (prior && !this.known[bus]) p = prior[from + k]!;
      out[k] = p;
    }
    return Object.freeze(out);
  }
}

/**
 * Public price forecasts, one per bus, published with every interval's market
 * view. Methods (chosen in the scenario's `forecast:` section):
 * - `persistence`: every future interval at the last cleared price;
 * - `same-interval-yesterday`: each future interval at the price of the same
 *   interval one day earlier, where known, else the last cleared price. "The same
 *   interval" is the same wall-clock time on the local day before: 24 hours back, or
 *   23 / 25 across a daylight-saving change of the site's clock (core/sameWallClock.ts).
 * Before any price is known the forecast is `initialPriceMwh` (NaN when unset:
 * strategies must cope with not knowing).
 *
 * `priorByHourMwh` (24 prices by UTC hour, e.g. a published day-ahead curve) stands in
 * for the history a run does not have: with `same-interval-yesterday` an interval whose
 * yesterday is unknown (the whole first day) is forecast at the prior of its UTC hour
 * instead of the last price; with `persistence` the prior is the forecast until the
 * first price clears. So a one-day study can still see its evening peak coming.
 *
 * `perfect-foresight`, for upper-bound studies: each future interval at the price it
 * clears at in the same run. A run cannot see its own future, so `runScenario`
 * (engine/run.ts) runs the scenario twice with the same seed: a first pass forecasting
 * by `fallback` records every bus's cleared prices, and the second pass — whose outputs
 * are written — forecasts with them (`foresee`). It is an upper bound on what a forecast
 * can give, and only approximately perfect: agents acting on the better forecast move
 * prices themselves, so the second pass clears somewhat differently from the first (the
 * more so, the larger the flexible agents are in their market). Beyond the run's last
 * interval the last recorded day repeats. Without recorded prices (a `Simulation`
 * created directly, or the first pass) it forecasts by `fallback`.
 */
import { priceMwh } from '../core/bounds.ts';
import * as z from 'zod';

export const forecastSchema = z.strictObject({
  method: z.enum(['persistence', 'same-interval-yesterday', 'perfect-foresight']).default('same-interval-yesterday'),
  /** With `perfect-foresight`: the method of the first pass and of any run without recorded prices (default same-interval-yesterday). */
  fallback: z.enum(['persistence', 'same-interval-yesterday']).optional(),
  /** How far ahead each forecast reaches. */
  horizonHours: z.number().positive().max(24 * 7).default(24),
  /** The forecast before the first clearing, currency/MWh. */
  initialPriceMwh: priceMwh().optional(),
  /** Prior forecast by UTC hour (24 values, currency/MWh) where no history is known; see above. */
  priorByHourMwh: z.array(priceMwh()).length(24, { error: 'give 24 prices, one per UTC hour 0–23' }).optional(),
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
  /** `perfect-foresight`: the prices an earlier pass of the run cleared at, per bus and interval. */
  private foresight: readonly Float64Array[] | undefined;

  /** `startMs`: the run's first interval (UTC ms), to place the prior's hours. */
  constructor(
    buses: number,
    intervals: number,
    private readonly intervalsPerDay: number,
    intervalMinutes: number,
    private readonly config: ForecastConfig,
    startMs = 0,
    /**
     * `same-interval-yesterday` at a site whose clock changes within the run: the same wall-clock interval yesterday
     * (core/sameWallClock.ts, 23 or 25 hours back across the change); undefined: `interval − intervalsPerDay`.
     */
    private readonly yesterdayOf?: (interval: number) => number,
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

  /** With `perfect-foresight`, forecast with these prices (per bus, per interval of the run) instead of `fallback`. */
  foresee(prices: readonly Float64Array[]): void {
    this.foresight = prices;
  }

  /** The forecast for `horizon` intervals starting at `from`, at one bus. */
  forecast(bus: number, from: number): readonly number[] {
    const out = new Array<number>(this.horizon);
    const last = this.last[bus]!;
    const seen = this.config.method === 'perfect-foresight' ? this.foresight?.[bus] : undefined;
    if (seen && seen.length > 0) {
      const day = Math.min(this.intervalsPerDay, seen.length);
      for (let k = 0; k < this.horizon; k++) {
        const j = from + k;
        out[k] = seen[j < seen.length ? j : seen.length - day + ((j - seen.length) % day)]!;
      }
      return Object.freeze(out);
    }
    const h = this.history[bus]!;
    const prior = this.prior;
    const method = this.config.method === 'perfect-foresight' ? (this.config.fallback ?? 'same-interval-yesterday') : this.config.method;
    const yesterday = method === 'same-interval-yesterday';
    for (let k = 0; k < this.horizon; k++) {
      let p = last;
      if (yesterday) {
        const past = this.yesterdayOf ? this.yesterdayOf(from + k) : from + k - this.intervalsPerDay;
        if (past >= 0 && past < from && !Number.isNaN(h[past]!)) p = h[past]!;
        else if (prior) p = prior[from + k]!;
      } else if (prior && !this.known[bus]) p = prior[from + k]!;
      out[k] = p;
    }
    return Object.freeze(out);
  }
}

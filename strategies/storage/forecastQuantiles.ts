/**
 * Quantiles of a public price forecast (`MarketView.priceForecastMwh`), for the
 * storage and EV strategies and the storage valuation.
 *
 * Every agent at a bus receives the same frozen forecast array in an interval,
 * so the sorted known prices of its first `count` entries are computed once per
 * (array, count) and remembered in a WeakMap keyed by the array: 10,000 batteries
 * at one bus cost one sort per interval, not 10,000. The memo makes no difference
 * to results (same input, same output), so callers stay pure; it is released with
 * the array.
 *
 * Quantile convention (no interpolation): the k-th cheapest known price with
 * k = ⌈q · n⌉ clipped to [1, n]. For an EV that needs k intervals of charging among
 * n, q = k/n gives exactly the k-th cheapest — the highest price it would pay if it
 * charged in the k cheapest intervals. Example: [40, 10, 30, 20] at q = 0.25 → 10,
 * at 0.5 → 20, at 0.75 → 30, at 1 → 40.
 */

const EMPTY = new Float64Array(0);
const cache = new WeakMap<readonly number[], Map<number, Float64Array>>();
/** The last answer, checked before the maps: agents in a row ask the same (array, count) (an EV's valuation and its strategy, every battery). */
let lastForecast: readonly number[] | undefined;
let lastCount = -1;
let lastSorted: Float64Array = EMPTY;

/**
 * The known (non-NaN, finite) prices among `forecast[0 .. count)`, ascending.
 * `count` is clipped to [0, forecast.length]. Returns a shared array: do not modify it.
 */
export function sortedKnownPrices(forecast: readonly number[], count: number = forecast.length): Float64Array {
  const n = Math.max(0, Math.min(forecast.length, Math.floor(count)));
  if (n === 0) return EMPTY;
  if (forecast === lastForecast && n === lastCount) return lastSorted;
  let byCount = cache.get(forecast);
  if (!byCount) {
    byCount = new Map();
    cache.set(forecast, byCount);
  }
  let sorted = byCount.get(n);
  if (!sorted) {
    const buf = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const p = forecast[i]!;
      if (Number.isFinite(p)) buf[k++] = p;
    }
    sorted = buf.subarray(0, k).sort();
    byCount.set(n, sorted);
  }
  lastForecast = forecast;
  lastCount = n;
  lastSorted = sorted;
  return sorted;
}

/** The q-quantile (q ∈ [0, 1]) of ascending prices: the ⌈q·n⌉-th cheapest, the cheapest for q ≤ 0; NaN when empty. */
export function quantileOfSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const k = Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)));
  return sorted[k - 1]!;
}

/**
 * The price window an `mpc` plan looks at: the first entries of the public
 * forecast (`MarketView.priceForecastMwh`, the current interval first), with
 * unknown (NaN) entries filled by the last known price before them (leading ones
 * by the last cleared price, else the first known entry). Undefined when no price
 * is known at all. Pure.
 */
import type { MarketView } from '../types.ts';

export function forecastWindow(market: MarketView, hours: number): number[] | undefined {
  const f = market.priceForecastMwh;
  const n = Math.max(1, Math.min(f.length, Math.round(hours / market.interval.durationH)));
  const last = market.lastPriceMwh;
  let known = last !== undefined && Number.isFinite(last) ? last : NaN;
  if (Number.isNaN(known)) {
    for (let t = 0; t < n; t++) {
      if (Number.isFinite(f[t]!)) {
        known = f[t]!;
        break;
      }
    }
  }
  if (Number.isNaN(known)) return undefined;
  const out = new Array<number>(n);
  for (let t = 0; t < n; t++) {
    const p = f[t];
    if (p !== undefined && Number.isFinite(p)) known = p;
    out[t] = known;
  }
  return out;
}

/** The q-quantile of prices (the ⌈q·n⌉-th cheapest, as `forecastQuantiles.ts`); NaN when empty. */
export function quantile(prices: readonly number[], q: number): number {
  if (prices.length === 0) return NaN;
  const sorted = [...prices].sort((a, b) => a - b);
  const k = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length - 1e-9)));
  return sorted[k - 1]!;
}

/** Cheapest and dearest price after the first, NaN when the window has one interval. */
export function laterRange(prices: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let t = 1; t < prices.length; t++) {
    const p = prices[t]!;
    if (p < min) min = p;
    if (p > max) max = p;
  }
  return prices.length > 1 ? { min, max } : { min: NaN, max: NaN };
}

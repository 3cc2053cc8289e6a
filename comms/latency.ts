/**
 * Latency distributions of an application class: what one transmission attempt
 * adds on top of queueing and serialization (propagation, processing, the
 * head-end's polling). Pure: draws come from the `Rng` given, never a global.
 *
 * - `fixed`: always `ms`;
 * - `uniform`: uniform in [minMs, maxMs] (the default for published bounds);
 * - `lognormal`: median `medianMs`, log-space standard deviation `sigma`
 *   (a heavy right tail, as measured delays on shared networks usually have).
 */
import type { Rng } from '../core/rng.ts';

export type LatencyDistribution =
  | { readonly distribution: 'fixed'; readonly ms: number }
  | { readonly distribution: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly distribution: 'lognormal'; readonly medianMs: number; readonly sigma: number };

/** One draw, in ms (never negative for a valid distribution). */
export function drawLatencyMs(d: LatencyDistribution, rng: Rng): number {
  switch (d.distribution) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return rng.uniform(d.minMs, d.maxMs);
    case 'lognormal':
      return rng.logNormal(d.medianMs, d.sigma);
  }
}

/** P(latency ≤ ms): the cumulative distribution, for statistical tests and reports. */
export function latencyCdf(d: LatencyDistribution, ms: number): number {
  switch (d.distribution) {
    case 'fixed':
      return ms >= d.ms ? 1 : 0;
    case 'uniform':
      if (d.maxMs === d.minMs) return ms >= d.minMs ? 1 : 0;
      return Math.min(1, Math.max(0, (ms - d.minMs) / (d.maxMs - d.minMs)));
    case 'lognormal':
      if (ms <= 0) return 0;
      if (d.sigma === 0) return ms >= d.medianMs ? 1 : 0;
      return normalCdf(Math.log(ms / d.medianMs) / d.sigma);
  }
}

/** Standard normal CDF through erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Kolmogorov–Smirnov statistic D = sup |F_n(x) − F(x)| of a sample against a CDF.
 * With n draws, D > 1.358/√n rejects the distribution at the 5 % level.
 */
export function ksStatistic(sample: readonly number[], cdf: (x: number) => number): number {
  const xs = [...sample].sort((a, b) => a - b);
  const n = xs.length;
  let d = 0;
  xs.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  return d;
}

/**
 * What the public price forecast says a flexible need is worth now. Pure functions
 * of the forecast (currency/MWh, the current interval first, NaN where unknown).
 */

/**
 * The value of banking heat or cold now: the highest forecast price within
 * `lookaheadH` hours (the current interval excluded), each discounted by the share
 * of banked comfort still there when it comes, exp(−hours ahead / τ) for a room
 * with time constant τ = R·C. NaN when no price in the window is known.
 *
 *   value = max over k = 1 … ⌊lookahead/Δt⌋ of F[k] · exp(−k·Δt/τ)
 *
 * Example: F = [50, 60, 400], Δt = 0.25 h, τ = 20 h → max(60·e^−0.0125, 400·e^−0.025) = 390.12.
 */
export function discountedPeakMwh(forecast: readonly number[], dtH: number, tauH: number, lookaheadH: number): number {
  const n = Math.min(forecast.length - 1, Math.floor(lookaheadH / dtH + 1e-9));
  const r = Math.exp(-dtH / tauH);
  let keep = 1;
  let best = NaN;
  for (let k = 1; k <= n; k++) {
    keep *= r; // e^(−kΔt/τ), one exp per call
    const p = forecast[k]!;
    if (Number.isNaN(p)) continue;
    const v = p * keep;
    if (!(v <= best)) best = v;
  }
  return best;
}

/**
 * The cheapest known forecast price among the next `intervals` intervals (the current
 * one excluded): what waiting would cost. NaN when none of them is known or intervals < 1.
 */
export function cheapestAheadMwh(forecast: readonly number[], intervals: number): number {
  const n = Math.min(forecast.length - 1, intervals);
  let best = NaN;
  for (let k = 1; k <= n; k++) {
    const p = forecast[k]!;
    if (!Number.isNaN(p) && !(p >= best)) best = p;
  }
  return best;
}

/**
 * The value of banking comfort now, when the forecast shows a peak worth it and now is
 * among the intervals the bank must be filled in. With F the forecast (F[0] the price
 * expected now — or `lastPriceMwh` when F[0] is unknown), a = e^(−Δt/τ) the share of banked
 * comfort left after one interval, k* the interval of the best discounted peak
 * (`discountedPeakMwh`, value V = F[k*]·a^k*) and n the intervals the unit needs to fill the
 * bank (`bankFillIntervals`; ∞ when unknown):
 *
 * 1. it pays: V > F[0]·(1 + minSpread) — the peak, less what leaks away before it comes,
 *    beats the price now by the spread;
 * 2. now is one of the n best intervals to bank in: fewer than n intervals j before the
 *    peak (0 < j < k*) bank a unit of comfort still there at the peak more cheaply,
 *    F[j]·a^j < F[0] (a unit bought at j costs F[j]/a^(k*−j) per unit left at the peak,
 *    against F[0]/a^k* now). The bank holds only so much (the band beyond the setpoint),
 *    so cold bought early takes the place of cold bought later with less loss, and must be
 *    held at the cost of its losses until the peak; the home fills it as late as its unit
 *    allows, not as early as the look-ahead allows.
 *
 * V when both hold, else NaN. Without the spread test a flat forecast (persistence) would
 * read every interval as a coming peak and hold prices up by the home's own bids.
 * Examples (Δt 1 h, τ 10 h, spread 0.1): F = [100, 100, 300] with n = ∞ → 300·e^−0.2 = 245.62;
 * with n = 1 → NaN (the next hour banks it for 100 < 100·e^0.1); F = [100, 100, 100] → NaN.
 */
export function bankingValueMwh(
  forecast: readonly number[],
  lastPriceMwh: number | undefined,
  dtH: number,
  tauH: number,
  lookaheadH: number,
  minSpread: number,
  fillIntervals = Number.POSITIVE_INFINITY,
): number {
  const now = forecast.length > 0 && !Number.isNaN(forecast[0]!) ? forecast[0]! : (lastPriceMwh ?? NaN);
  if (Number.isNaN(now)) return NaN;
  const peak = discountedPeakMwh(forecast, dtH, tauH, lookaheadH);
  if (!(peak > now + minSpread * Math.abs(now))) return NaN;
  if (!(fillIntervals < forecast.length)) return peak;
  // k*: the first interval whose discounted price is the peak (as `discountedPeakMwh` finds it).
  const n = Math.min(forecast.length - 1, Math.floor(lookaheadH / dtH + 1e-9));
  const r = Math.exp(-dtH / tauH);
  let keep = 1;
  let kStar = 0;
  for (let k = 1; k <= n; k++) {
    keep *= r;
    if (forecast[k]! * keep === peak) {
      kStar = k;
      break;
    }
  }
  // Intervals before the peak that bank more cheaply than now; the unit needs `fillIntervals` of them.
  let cheaper = 0;
  keep = 1;
  for (let j = 1; j < kStar; j++) {
    keep *= r;
    const p = forecast[j]!;
    if (!Number.isNaN(p) && p * keep < now && ++cheaper >= fillIntervals) return NaN;
  }
  return peak;
}

/**
 * How many intervals the HVAC needs to fill the bank: to move the room from `indoorC` to the
 * far band edge (the lower when cooling) at its rating, each interval moving it by at least
 * what it does at that edge, (edge − S)·(1 − e^(−Δt/τ)), S the temperature the room settles at
 * with the unit at its rating. ∞ when S is not past the edge (the unit cannot fill it) or
 * unknown; 0 when the room is at or past the edge.
 * Example: cooling, indoor 23.5, band 21–26, S = 12, Δt 1 h, τ 10 h → 2.5 / (9·0.09516) = 2.92 → 3.
 */
export function bankFillIntervals(mode: 'cool' | 'heat', indoorC: number, band: { readonly lowC: number; readonly highC: number }, steadyAtRatingC: number | undefined, dtH: number, tauH: number): number {
  if (steadyAtRatingC === undefined || !Number.isFinite(steadyAtRatingC)) return Number.POSITIVE_INFINITY;
  const cool = mode === 'cool';
  const edge = cool ? band.lowC : band.highC;
  const depth = cool ? indoorC - edge : edge - indoorC;
  const perInterval = (cool ? edge - steadyAtRatingC : steadyAtRatingC - edge) * -Math.expm1(-dtH / tauH);
  if (!(perInterval > 0)) return Number.POSITIVE_INFINITY;
  if (!(depth > 0)) return 0;
  return Math.ceil(depth / perInterval - 1e-9);
}

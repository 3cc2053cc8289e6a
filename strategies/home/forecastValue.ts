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
 * The value of banking comfort now, when the forecast shows a peak worth it: the
 * discounted peak (`discountedPeakMwh`) if it exceeds the price expected now — F[0], or
 * `lastPriceMwh` when F[0] is unknown — by more than `minSpread` of its size; else NaN.
 * Without the spread test a flat forecast (persistence) would read every interval
 * as a coming peak and hold prices up by the home's own bids.
 * Example: F = [100, 100, 300], Δt = 0.25, τ = 20, spread 0.1 → 292.6 (> 110); F = [100, 100, 100] → NaN.
 */
export function bankingValueMwh(forecast: readonly number[], lastPriceMwh: number | undefined, dtH: number, tauH: number, lookaheadH: number, minSpread: number): number {
  const now = forecast.length > 0 && !Number.isNaN(forecast[0]!) ? forecast[0]! : (lastPriceMwh ?? NaN);
  if (Number.isNaN(now)) return NaN;
  const peak = discountedPeakMwh(forecast, dtH, tauH, lookaheadH);
  return peak > now + minSpread * Math.abs(now) ? peak : NaN;
}

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
 * the time to bank for it (issue 14, defect 15: pre-cool only when it pays). With F the
 * forecast (F[0] the price expected now — or `lastPriceMwh` when F[0] is unknown), a the
 * share of banked comfort left after one interval, e^(−Δt/τ), and k* the interval of the
 * best discounted peak (`discountedPeakMwh`, value V = F[k*]·a^k*):
 *
 * 1. it pays: V > F[0]·(1 + minSpread) — the peak, less what leaks away before it comes,
 *    beats the price now by the spread;
 * 2. not yet: no interval j before the peak (0 < j < k*) banks the same comfort cheaper,
 *    F[j] < F[0]·a^−j — a unit bought at j costs F[j]/a^(k*−j) per unit still there at
 *    the peak against F[0]/a^k* now, so on a flat stretch before a peak the home waits and
 *    cools as late as the price allows, losing least (the rating bounds each interval's bank).
 *
 * V when both hold, else NaN. Without the spread test a flat forecast (persistence) would
 * read every interval as a coming peak and hold prices up by the home's own bids.
 * Example (Δt 1 h, τ 10 h, spread 0.1, a two-price day of 100 then 400):
 *   F = [100, 400, 400] → V = 400·e^−0.1 = 361.93 > 110: bank (the last cheap hour);
 *   F = [100, 100, 400] → 100 < 100·e^0.1 = 110.52 at j = 1: wait (NaN);
 *   F = [100, 115, 115] → 115·e^−0.1 = 104.06 ≤ 110: never pays (NaN).
 */
export function bankingValueMwh(forecast: readonly number[], lastPriceMwh: number | undefined, dtH: number, tauH: number, lookaheadH: number, minSpread: number): number {
  const now = forecast.length > 0 && !Number.isNaN(forecast[0]!) ? forecast[0]! : (lastPriceMwh ?? NaN);
  if (Number.isNaN(now)) return NaN;
  const peak = discountedPeakMwh(forecast, dtH, tauH, lookaheadH);
  if (!(peak > now + minSpread * Math.abs(now))) return NaN;
  // k*: the first interval whose discounted price is the peak (as `discountedPeakMwh` finds it).
  const r = Math.exp(-dtH / tauH);
  let keep = 1;
  let kStar = 0;
  for (let k = 1; k < forecast.length; k++) {
    keep *= r;
    if (forecast[k]! * keep === peak) {
      kStar = k;
      break;
    }
  }
  // A cheaper place to bank before the peak: wait for it.
  let grow = 1;
  for (let j = 1; j < kStar; j++) {
    grow /= r; // a^−j
    const p = forecast[j]!;
    if (!Number.isNaN(p) && p < now * grow) return NaN;
  }
  return peak;
}

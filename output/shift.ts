/**
 * Energy moved against the no-flexibility baseline, for `summary.json`'s
 * `shiftedKwh`, `reboundKwh` and `baselineKwh`.
 *
 * Per interval t of length Δt, with B_t the agents' total baseline (the sum of their
 * reported `baselineKw`: what they would have consumed without responding to any
 * price — thermostats at their setpoints, appliances at their earliest start, EVs
 * flat out from arrival; 0 for batteries and plant) and D_t their total consumption
 * (the kW they bought in the market or took at their retail price, exports not netted:
 * a home with PV buys all it uses and sells all it makes):
 *
 *   shiftedKwh  = Σ_t max(0, B_t − D_t) · Δt   energy taken out of intervals (moved or given up)
 *   reboundKwh  = Σ_t max(0, D_t − B_t) · Δt   energy added to intervals (pre-cooling, deferred runs, charging later)
 *   baselineKwh = Σ_t B_t · Δt
 *
 * so that shiftedKwh − reboundKwh = baselineKwh − demandKwh: what is shifted and not
 * taken back later was given up. Totals over the population, not per agent: one home
 * pre-cooling while another curtails in the same interval is no shift for the grid.
 */
export class ShiftTally {
  shiftedKwh = 0;
  reboundKwh = 0;
  baselineKwh = 0;

  /** One interval: the population's baseline and consumption in kW, over `durationH` hours. */
  add(baselineKw: number, consumedKw: number, durationH: number): void {
    const gap = baselineKw - consumedKw;
    // Both sums every interval, as the formulas read (adding 0 changes neither): with only the
    // side the gap fell on, reboundKwh stayed the integer 0 until the first rebound mid-run, and
    // turning into a fraction then changed this object's hidden class under optimised code
    // (KpiAccumulator.add bailed out, "wrong map"). Now both are fractions from the first interval.
    this.shiftedKwh += Math.max(0, gap) * durationH;
    this.reboundKwh += Math.max(0, -gap) * durationH;
    this.baselineKwh += baselineKw * durationH;
  }
}

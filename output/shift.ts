/**
 * Energy moved against the no-flexibility baseline, for `summary.json`'s
 * `shiftedKwh`, `reboundKwh` and `baselineKwh`.
 *
 * Per interval t of length Δt, with B_t the agents' total baseline (the sum of their
 * reported `baselineKw`: what they would have consumed without responding to any
 * price — thermostats at their setpoints, appliances at their earliest start, EVs
 * flat out from arrival; 0 for batteries and plant) and D_t their total consumption
 * as their meters read it, gross (engine/interval/meter.ts: exports not netted, so a home's
 * load its own PV covers counts; the same D_t as summary.json's demandKwh and peakKw):
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
  /**
   * shiftedKwh, reboundKwh and baselineKwh, in that order. In an array, not three fields: fields
   * set to 0 start as small integers and became doubles in the first interval, which gave
   * ShiftTally a new hidden class during the first run; the next run's new tally then no longer
   * matched the class `KpiAccumulator.shift` had recorded, and V8 threw away the optimised
   * `KpiAccumulator.add` at the start of every second run (node --trace-opt --trace-deopt over two runs in one thread, as a batch worker runs them; issue 16).
   */
  private readonly sums = new Float64Array(3);

  get shiftedKwh(): number {
    return this.sums[0]!;
  }

  get reboundKwh(): number {
    return this.sums[1]!;
  }

  get baselineKwh(): number {
    return this.sums[2]!;
  }

  /** One interval: the population's baseline and consumption in kW, over `durationH` hours. */
  add(baselineKw: number, consumedKw: number, durationH: number): void {
    const gap = baselineKw - consumedKw;
    // Both sums every interval, as the formulas read (adding 0 changes neither).
    const sums = this.sums;
    sums[0] = sums[0]! + Math.max(0, gap) * durationH;
    sums[1] = sums[1]! + Math.max(0, -gap) * durationH;
    sums[2] = sums[2]! + baselineKw * durationH;
  }
}

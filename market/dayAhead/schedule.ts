/**
 * Battery schedules (storage, EV) from the LP to whole quanta, once, at the boundary.
 *
 * The LP's charge c_t and discharge d_t are real numbers; awards must be whole quanta
 * so every interval balances exactly. Rounding each interval alone would let the SoC
 * drift out of its bounds, so each schedule is rounded **along its SoC path**: interval
 * by interval, the direction the LP uses is rounded to whichever neighbouring whole
 * number of quanta brings the SoC (computed from the rounded schedule so far, with the
 * efficiencies) closest to the LP's SoC at that interval's end — preferring not to fall
 * below it, so a requirement the LP met stays met — among the choices that keep the SoC
 * within [min, max] and the power and time-sharing limits; the other direction is
 * rounded to the nearest. Idle always qualifies, so the SoC bounds hold exactly (to
 * `SOC_TOLERANCE_KWH` of float noise). The SoC reported is that of the rounded
 * schedule; it stays within a quantum-interval or two of the LP's, and a requirement
 * missed by the rounding is reported as a shortfall (at most that much).
 *
 * All batteries are rounded together, interval by interval, so that their net
 * withdrawal stays within what the interval's simple bids can balance (two batteries
 * trading only with each other must round to the same quanta).
 */
import type { BatteryBid, BatteryColumns } from './program.ts';

/** Float noise allowed on SoC bounds and requirements, kWh. */
export const SOC_TOLERANCE_KWH = 1e-9;

export interface RoundedBattery {
  /** Per horizon interval, whole quanta ≥ 0. */
  readonly chargeQuanta: Float64Array;
  readonly dischargeQuanta: Float64Array;
  /** Per horizon interval: SoC at its end, kWh. */
  readonly socKwh: Float64Array;
  readonly shortfallKwh: number;
  /** The bid's valuation of this schedule, currency (see StorageBid / EvBid). */
  readonly value: number;
}

/**
 * Rounds every battery's schedule, interval by interval, all batteries together: when
 * their rounded net withdrawal at an interval falls outside what the interval's simple
 * bids can balance (`netRangeQuanta(t)`: from −Σ buy quanta to +Σ sell quanta), batteries
 * move to their next-best admissible choice, one quantum at a time, in bid order, until
 * it fits. Returns undefined when no admissible choice fits (then no whole-quanta
 * balance exists near the LP's solution).
 */
export function roundBatteries(
  batteries: readonly BatteryBid[],
  cols: readonly BatteryColumns[],
  x: Float64Array,
  T: number,
  dtH: number,
  quantumKw: number,
  netRangeQuanta: (t: number) => readonly [number, number],
): RoundedBattery[] | { readonly failedInterval: number; readonly netQuanta: number } {
  const state = batteries.map((b) => new BatteryRounder(b, T, dtH, quantumKw));
  for (let t = 0; t < T; t++) {
    const options = state.map((r, i) => r.options(t, cols[i]!, x));
    const pick = options.map(() => 0);
    let net = 0;
    options.forEach((o) => (net += o.length > 0 ? o[0]!.net : 0));
    const [lo, hi] = netRangeQuanta(t);
    // Move batteries to their next admissible choice that shifts the net the right way.
    for (let pass = 0; (net > hi || net < lo) && pass < 4; pass++) {
      for (let i = 0; i < options.length && (net > hi || net < lo); i++) {
        const o = options[i]!;
        const cur = o[pick[i]!];
        if (!cur) continue;
        let bestK = -1;
        for (let k = 0; k < o.length; k++) {
          const d = o[k]!.net - cur.net;
          if ((net > hi && d < 0) || (net < lo && d > 0)) {
            if (bestK < 0 || Math.abs(o[k]!.net - cur.net) < Math.abs(o[bestK]!.net - cur.net)) bestK = k;
          }
        }
        if (bestK < 0) continue;
        const step = o[bestK]!.net - cur.net;
        // Do not overshoot past the range.
        if ((net > hi && net + step < lo) || (net < lo && net + step > hi)) continue;
        net += step;
        pick[i] = bestK;
      }
    }
    if (net > hi || net < lo) return { failedInterval: t, netQuanta: net };
    state.forEach((r, i) => r.take(t, options[i]![pick[i]!]));
  }
  return state.map((r) => r.finish());
}

interface Choice {
  readonly c: number;
  readonly d: number;
  readonly soc: number;
  readonly net: number;
}

/** One battery's rounding state along its SoC path. */
class BatteryRounder {
  private soc: number;
  private readonly chargeQuanta: Float64Array;
  private readonly dischargeQuanta: Float64Array;
  private readonly socKwh: Float64Array;
  private readonly upC: number;
  private readonly downD: number;
  private readonly maxC: number;
  private readonly maxD: number;

  constructor(
    private readonly b: BatteryBid,
    private readonly T: number,
    dtH: number,
    quantumKw: number,
  ) {
    const bid = b.bid;
    this.soc = bid.initialSocKwh;
    this.chargeQuanta = new Float64Array(T);
    this.dischargeQuanta = new Float64Array(T);
    this.socKwh = new Float64Array(T);
    this.upC = quantumKw * dtH * bid.chargeEfficiency; // SoC gained per quantum charged
    this.downD = (quantumKw * dtH) / bid.dischargeEfficiency; // SoC lost per quantum discharged
    this.maxC = Math.floor(bid.maxChargeKw / quantumKw + 1e-9);
    this.maxD = Math.floor(bid.maxDischargeKw / quantumKw + 1e-9);
    this.quantumKw = quantumKw;
  }

  private readonly quantumKw: number;

  /** Admissible choices at t, best first (outside its window: idle only). */
  options(t: number, cols: BatteryColumns, x: Float64Array): Choice[] {
    const { b, soc, upC, downD, maxC, maxD } = this;
    const bid = b.bid;
    if (t < b.from || t > b.to) return [{ c: 0, d: 0, soc, net: 0 }];
    const q = this.quantumKw;
    const cLp = cols.charge[t]! >= 0 ? Math.max(0, x[cols.charge[t]!]! / q) : 0;
    const dLp = cols.discharge[t]! >= 0 ? Math.max(0, x[cols.discharge[t]!]! / q) : 0;
    const target = x[cols.soc[t]!]!;
    const raw: Array<[number, number]> = [];
    if (cLp >= dLp) {
      const d = Math.min(maxD, Math.round(dLp));
      const c = (target - soc + d * downD) / upC;
      const hi = Math.ceil(c - 1e-9);
      for (const k of [hi, hi - 1, hi + 1, hi - 2]) raw.push([k, d]);
    } else {
      const c = Math.min(maxC, Math.round(cLp));
      const d = (soc + c * upC - target) / downD;
      const lo = Math.floor(d + 1e-9);
      for (const k of [lo, lo + 1, lo - 1, lo + 2]) raw.push([c, k]);
    }
    raw.push([0, 0]);
    const out: Array<Choice & { score: number }> = [];
    for (const [c, d] of raw) {
      if (c < 0 || d < 0 || c > maxC || d > maxD) continue;
      if (maxC > 0 && maxD > 0 && c / maxC + d / maxD > 1 + 1e-12) continue;
      const s = soc + c * upC - d * downD;
      if (s < bid.minSocKwh - SOC_TOLERANCE_KWH || s > bid.maxSocKwh + SOC_TOLERANCE_KWH) continue;
      if (out.some((o) => o.c === c && o.d === d)) continue;
      // Not falling below the LP's SoC comes first, then closeness.
      out.push({ c, d, soc: s, net: c - d, score: (s >= target - SOC_TOLERANCE_KWH ? 0 : 1e12) + Math.abs(s - target) });
    }
    out.sort((p, r) => p.score - r.score);
    return out;
  }

  take(t: number, choice: Choice | undefined): void {
    const ch = choice ?? { c: 0, d: 0, soc: this.soc, net: 0 };
    this.chargeQuanta[t] = ch.c;
    this.dischargeQuanta[t] = ch.d;
    this.soc = ch.soc;
    this.socKwh[t] = ch.soc;
  }

  finish(): RoundedBattery {
    const { b, soc, upC, downD, T } = this;
    const bid = b.bid;
    const shortfall = Math.max(0, b.targetKwh - soc);
    const shortfallKwh = shortfall > SOC_TOLERANCE_KWH ? shortfall : 0;
    let throughputKwh = 0;
    for (let t = 0; t < T; t++) throughputKwh += this.chargeQuanta[t]! * upC + this.dischargeQuanta[t]! * downD;
    const initialShortfall = Math.max(0, b.targetKwh - bid.initialSocKwh);
    const value = (b.terminalValueMwh * (soc - bid.initialSocKwh) + b.shortfallCostMwh * (initialShortfall - shortfallKwh) - (bid.degradationCostPerMwh ?? 0) * throughputKwh) / 1000;
    return { chargeQuanta: this.chargeQuanta, dischargeQuanta: this.dischargeQuanta, socKwh: this.socKwh, shortfallKwh, value };
  }
}

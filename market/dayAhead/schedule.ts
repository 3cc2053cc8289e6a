/**
 * Battery schedules (storage, EV) from the LP to whole quanta, once, at the boundary.
 *
 * The LP's charge c_t and discharge d_t are real numbers; awards must be whole quanta
 * so every interval balances exactly. Rounding each interval alone would let the SoC
 * drift out of its bounds, so the schedule is rounded **along the SoC path**: interval
 * by interval, the direction the LP uses is rounded to whichever neighbouring whole
 * number of quanta brings the SoC (computed from the rounded schedule so far, with the
 * efficiencies) closest to the LP's SoC at that interval's end — preferring not to fall
 * below it, so a requirement the LP met stays met — among the choices that keep the SoC
 * within [min, max] and the power and time-sharing limits; the other direction is
 * rounded to the nearest. Idle always qualifies, so the SoC bounds hold exactly (to
 * `SOC_TOLERANCE_KWH` of float noise). The SoC reported is that of the rounded
 * schedule; it stays within about one quantum-interval of the LP's.
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

export function roundBattery(b: BatteryBid, cols: BatteryColumns, x: Float64Array, T: number, dtH: number, quantumKw: number): RoundedBattery {
  const bid = b.bid;
  const q = quantumKw;
  const ec = bid.chargeEfficiency;
  const ed = bid.dischargeEfficiency;
  const upC = q * dtH * ec; // SoC gained per quantum charged
  const downD = (q * dtH) / ed; // SoC lost per quantum discharged
  const maxC = Math.floor(bid.maxChargeKw / q + 1e-9);
  const maxD = Math.floor(bid.maxDischargeKw / q + 1e-9);
  const chargeQuanta = new Float64Array(T);
  const dischargeQuanta = new Float64Array(T);
  const socKwh = new Float64Array(T);
  let soc = bid.initialSocKwh;
  for (let t = 0; t < b.from; t++) socKwh[t] = soc;
  const within = (s: number, c: number, d: number): boolean =>
    s >= bid.minSocKwh - SOC_TOLERANCE_KWH && s <= bid.maxSocKwh + SOC_TOLERANCE_KWH && c >= 0 && d >= 0 && c <= maxC && d <= maxD && (maxC === 0 || maxD === 0 || c / maxC + d / maxD <= 1 + 1e-12);
  for (let t = b.from; t <= b.to; t++) {
    const cLp = cols.charge[t]! >= 0 ? Math.max(0, x[cols.charge[t]!]! / q) : 0;
    const dLp = cols.discharge[t]! >= 0 ? Math.max(0, x[cols.discharge[t]!]! / q) : 0;
    const target = x[cols.soc[t]!]!;
    const candidates: Array<[number, number]> = [];
    if (cLp >= dLp) {
      const d = Math.min(maxD, Math.round(dLp));
      const c = (target - soc + d * downD) / upC;
      candidates.push([Math.ceil(c - 1e-9), d], [Math.floor(c + 1e-9), d], [Math.ceil(c - 1e-9) - 1, d]);
    } else {
      const c = Math.min(maxC, Math.round(cLp));
      const d = (soc + c * upC - target) / downD;
      candidates.push([c, Math.floor(d + 1e-9)], [c, Math.ceil(d - 1e-9)], [c, Math.floor(d + 1e-9) + 1]);
    }
    let chosen: [number, number] = [0, 0];
    let best = Infinity;
    for (const [c, d] of candidates) {
      const s = soc + c * upC - d * downD;
      if (!within(s, c, d)) continue;
      // Not falling below the LP's SoC comes first, then closeness.
      const score = (s >= target - SOC_TOLERANCE_KWH ? 0 : 1e12) + Math.abs(s - target);
      if (score < best) {
        best = score;
        chosen = [c, d];
      }
    }
    chargeQuanta[t] = chosen[0];
    dischargeQuanta[t] = chosen[1];
    soc = soc + chosen[0] * upC - chosen[1] * downD;
    socKwh[t] = soc;
  }
  for (let t = b.to + 1; t < T; t++) socKwh[t] = soc;
  const shortfallKwh = Math.max(0, b.targetKwh - soc);
  let throughputKwh = 0;
  for (let t = 0; t < T; t++) throughputKwh += chargeQuanta[t]! * upC + dischargeQuanta[t]! * downD;
  const initialShortfall = Math.max(0, b.targetKwh - bid.initialSocKwh);
  const value =
    (b.terminalValueMwh * (soc - bid.initialSocKwh) + b.shortfallCostMwh * (initialShortfall - (shortfallKwh > SOC_TOLERANCE_KWH ? shortfallKwh : 0)) - (bid.degradationCostPerMwh ?? 0) * throughputKwh) / 1000;
  return { chargeQuanta, dischargeQuanta, socKwh, shortfallKwh: shortfallKwh > SOC_TOLERANCE_KWH ? shortfallKwh : 0, value };
}

/**
 * HVAC control for one market interval on top of the RC model (`physics/thermal.ts`):
 * how many electric kW buy how much comfort.
 *
 * A unit works in one direction (`mode`): 'cool' pushes the room down, 'heat' up.
 * Against that direction lie two band edges: the *near* edge the room drifts
 * towards on its own (the upper edge when cooling) and the *far* edge the HVAC can
 * push it to (the lower edge when cooling). Targets are kept `COMFORT_INSET_C`
 * inside the edges, so a room that reaches a target is inside the band.
 *
 * The comfort curve of an interval, in electric kW, cumulative from the near edge:
 *
 *   keep         = P(near − inset)                      (stay inside the band)
 *   block k      = P(T_k) − P(T_{k−1}),  T_k = T_0 + (S − T_0)·k/B,  T_0 = near − inset
 *   precondition = P(far + inset) − P(S)                 (bank comfort beyond the setpoint)
 *
 * where P(T) is the electric kW that brings the room to T by the end of the step (0 when
 * it gets there on its own, clipped to the rating) and S the setpoint. P grows
 * monotonically from the near edge to the far one, so every piece is ≥ 0 and
 * keep + blocks + precondition = P(far + inset) ≤ rated.
 *
 * `Room` does the RC arithmetic of `physics/thermal.ts` (exact exponential step) with the
 * step factor a = exp(−Δt/RC) computed once per interval instead of once per call:
 * thousands of rooms ask for several targets every interval. Its results equal
 * `thermalKwToReachC`, `hvacToReachC` and `nextIndoorC` (tested).
 */
import type { ComfortBand, HvacParams, RcParams } from './thermal.ts';

/** How far inside the band edges targets sit, °C. */
export const COMFORT_INSET_C = 0.02;

export type HvacDirection = 'cool' | 'heat';

export interface HvacUnit {
  readonly rc: RcParams;
  readonly hvac: HvacParams;
  readonly mode: HvacDirection;
}

/** One room with its unit: the RC model's step for a fixed Δt, for many targets. */
export class Room {
  readonly rCPerKw: number;
  readonly tauH: number;
  readonly cop: number;
  readonly ratedKw: number;
  /** −1 when cooling, +1 when heating: the sign of the unit's thermal power. */
  readonly sign: number;
  private dtH = NaN;
  /** a = exp(−Δt/RC) and 1 − a, for the current step. */
  private a = 1;
  private oneMinusA = 0;

  constructor(readonly unit: HvacUnit) {
    this.rCPerKw = unit.rc.rCPerKw;
    this.tauH = unit.rc.rCPerKw * unit.rc.cKwhPerC;
    this.cop = unit.mode === 'cool' ? unit.hvac.copCooling : unit.hvac.copHeating;
    this.ratedKw = unit.hvac.ratedElectricKw;
    this.sign = unit.mode === 'cool' ? -1 : 1;
  }

  /** Sets the step length (hours); a no-op when it has not changed. Δt ≤ 0 means no time passes. */
  step(dtH: number): this {
    if (dtH !== this.dtH) {
      this.dtH = dtH;
      this.oneMinusA = dtH > 0 ? -Math.expm1(-dtH / this.tauH) : 0;
      this.a = 1 - this.oneMinusA;
    }
    return this;
  }

  /**
   * Electric kW (in [0, rated]) that brings the room from `indoorC` to `targetC` by the end
   * of the step, working only in the unit's direction; 0 when the room gets there on its
   * own, when its COP in that direction is 0, or when no time passes.
   */
  electricToReach(indoorC: number, outdoorC: number, gainsKw: number, targetC: number): number {
    if (!(this.oneMinusA > 0) || !(this.cop > 0)) return 0;
    const steady = (targetC - this.a * indoorC) / this.oneMinusA;
    const thermal = this.sign * ((steady - outdoorC) / this.rCPerKw - gainsKw);
    if (!(thermal > 0)) return 0;
    const e = thermal / this.cop;
    return e < this.ratedKw ? e : this.ratedKw;
  }

  /** Thermal kW into the room (heating > 0) for an electric input, clipped to [0, rated]. */
  thermalOf(electricKw: number): number {
    const e = electricKw > this.ratedKw ? this.ratedKw : electricKw > 0 ? electricKw : 0;
    return this.sign * e * this.cop;
  }

  /** Indoor temperature at the end of the step with this electric input (exact RC step). */
  endC(indoorC: number, outdoorC: number, gainsKw: number, electricKw: number): number {
    const steady = outdoorC + this.rCPerKw * (this.thermalOf(electricKw) + gainsKw);
    return steady + (indoorC - steady) * this.a;
  }
}

/** The band edge the room drifts towards (upper when cooling) and the one the HVAC pushes to. */
export const nearEdgeC = (mode: HvacDirection, band: ComfortBand): number => (mode === 'cool' ? band.highC : band.lowC);
export const farEdgeC = (mode: HvacDirection, band: ComfortBand): number => (mode === 'cool' ? band.lowC : band.highC);

/**
 * Comfort margin, °C: how far the room is from the near edge, positive inside the band
 * (e.g. cooling, band 20–24, indoor 23 → 1), negative when it is past that edge.
 */
export const comfortMarginC = (mode: HvacDirection, band: ComfortBand, indoorC: number): number =>
  mode === 'cool' ? band.highC - indoorC : indoorC - band.lowC;

/** A setpoint moved inside the band's inset targets (a setpoint outside the band means its edge). */
export function clampSetpointC(band: ComfortBand, setpointC: number): number {
  const lo = band.lowC + COMFORT_INSET_C;
  const hi = band.highC - COMFORT_INSET_C;
  return lo > hi ? (band.lowC + band.highC) / 2 : Math.min(hi, Math.max(lo, setpointC));
}

/** An interval's comfort curve, electric kW (reused from interval to interval by its owner). */
export class ComfortCurve {
  /** To end the step inside the band. */
  keepKw = 0;
  /** Each block from the near edge towards the setpoint. */
  readonly blocksKw: Float64Array;
  /** keep + Σ blocks: what holding (or reaching) the setpoint takes. */
  setpointKw = 0;
  /** Beyond the setpoint towards the far edge. */
  preconditionKw = 0;

  constructor(readonly blocks: number) {
    this.blocksKw = new Float64Array(blocks);
  }
}

/**
 * Fills `out` with the interval's comfort curve (see the file header); `room` must be set
 * to the step. The setpoint is clamped into the band's inset targets.
 * Example (cooling, R 2 °C/kW, C 10 kWh/°C, COP 2.5, 5.6 kW, band 20–24, S 22.4, indoor
 * 22.5, outdoor 30, no gains, 15 min, one block): the free-floating room would end at
 * 22.593 °C, inside the band, so keep = 0; reaching 22.4 takes 7.775 kW thermal =
 * 3.110 kW electric; the far target 20.02 would take more than the rating, so
 * precondition = 5.6 − 3.110 = 2.490 kW.
 */
export function comfortCurve(room: Room, band: ComfortBand, setpointC: number, indoorC: number, outdoorC: number, gainsKw: number, out: ComfortCurve): ComfortCurve {
  const cool = room.sign < 0;
  const inward = cool ? -COMFORT_INSET_C : COMFORT_INSET_C;
  const t0 = (cool ? band.highC : band.lowC) + inward;
  const s = clampSetpointC(band, setpointC);
  const keep = room.electricToReach(indoorC, outdoorC, gainsKw, t0);
  const b = out.blocks;
  let prev = keep;
  for (let k = 1; k <= b; k++) {
    const p = room.electricToReach(indoorC, outdoorC, gainsKw, t0 + ((s - t0) * k) / b);
    const cum = p > prev ? p : prev;
    out.blocksKw[k - 1] = cum - prev;
    prev = cum;
  }
  const far = room.electricToReach(indoorC, outdoorC, gainsKw, (cool ? band.lowC : band.highC) - inward);
  out.keepKw = keep;
  out.setpointKw = prev;
  out.preconditionKw = far > prev ? far - prev : 0;
  return out;
}

/**
 * Values of the comfort blocks, currency/MWh, from the near edge to the setpoint:
 * v_k = max − (max − min)·(k − ½)/B. The value of a block falls as the margin it buys grows.
 */
export function comfortBlockValues(minMwh: number, maxMwh: number, blocks: number): number[] {
  const out = new Array<number>(blocks);
  for (let k = 1; k <= blocks; k++) out[k - 1] = maxMwh - ((maxMwh - minMwh) * (k - 0.5)) / blocks;
  return out;
}

/**
 * Degree-hours outside `band` over a step from `startC` to `endC` lasting `dtH`:
 * the trapezoid of the two end violations. With constant inputs the temperature moves
 * monotonically within a step, so it is 0 exactly when both ends are inside the band.
 */
export function violationDegH(band: ComfortBand, startC: number, endC: number, dtH: number): number {
  const v0 = Math.max(0, band.lowC - startC, startC - band.highC);
  const v1 = Math.max(0, band.lowC - endC, endC - band.highC);
  return ((v0 + v1) / 2) * dtH;
}

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

/** Offsets of a room's numbers in its storage (`Room.v`). */
const R_RC = 0;
const R_TAU = 1;
const R_COP = 2;
const R_RATED = 3;
const R_SIGN = 4;
const R_DT = 5;
const R_A = 6;
const R_ONE_MINUS_A = 7;
/** Numbers a `Room` keeps (its optional storage must hold this many). */
export const ROOM_NUMBERS = 8;

/**
 * One room with its unit: the RC model's step for a fixed Δt, for many targets. Its numbers
 * live in one Float64Array (`storage`, e.g. a slice of its agent's block, or its own): as
 * object fields each would be a number boxed on its own, and a, 1 − a boxed at the first
 * step, away from the room, in the middle of the first interval's garbage.
 */
export class Room {
  private readonly v: Float64Array;

  constructor(
    readonly unit: HvacUnit,
    storage?: Float64Array,
  ) {
    if (storage && storage.length < ROOM_NUMBERS) throw new RangeError(`room storage: ${storage.length} numbers, ${ROOM_NUMBERS} needed`);
    const v = (this.v = storage ?? new Float64Array(ROOM_NUMBERS));
    v[R_RC] = unit.rc.rCPerKw;
    v[R_TAU] = unit.rc.rCPerKw * unit.rc.cKwhPerC;
    v[R_COP] = unit.mode === 'cool' ? unit.hvac.copCooling : unit.hvac.copHeating;
    v[R_RATED] = unit.hvac.ratedElectricKw;
    v[R_SIGN] = unit.mode === 'cool' ? -1 : 1;
    v[R_DT] = NaN;
    v[R_A] = 1;
    v[R_ONE_MINUS_A] = 0;
  }

  get rCPerKw(): number {
    return this.v[R_RC]!;
  }
  get tauH(): number {
    return this.v[R_TAU]!;
  }
  get cop(): number {
    return this.v[R_COP]!;
  }
  get ratedKw(): number {
    return this.v[R_RATED]!;
  }
  /** −1 when cooling, +1 when heating: the sign of the unit's thermal power. */
  get sign(): number {
    return this.v[R_SIGN]!;
  }
  /** a = exp(−Δt/RC) and 1 − a, for the current step. */
  private get a(): number {
    return this.v[R_A]!;
  }
  private get oneMinusA(): number {
    return this.v[R_ONE_MINUS_A]!;
  }

  /** Sets the step length (hours); a no-op when it has not changed. Δt ≤ 0 means no time passes. */
  step(dtH: number): this {
    const v = this.v;
    if (dtH !== v[R_DT]) {
      v[R_DT] = dtH;
      const oneMinusA = dtH > 0 ? -Math.expm1(-dtH / v[R_TAU]!) : 0;
      v[R_ONE_MINUS_A] = oneMinusA;
      v[R_A] = 1 - oneMinusA;
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

  /**
   * The temperature the room settles at with the unit at its rating (°C), for these outdoor
   * conditions: past the far band edge when the unit can hold that edge, short of it when not.
   */
  steadyAtRatingC(outdoorC: number, gainsKw: number): number {
    return outdoorC + this.rCPerKw * (this.thermalOf(this.ratedKw) + gainsKw);
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

/** Numbers a `ComfortCurve` of `blocks` blocks keeps (its optional storage must hold this many). */
export const comfortCurveNumbers = (blocks: number): number => 3 + blocks;

/**
 * An interval's comfort curve, electric kW (reused from interval to interval by its owner).
 * Its numbers live in one Float64Array (`storage`, e.g. a slice of its agent's block, or its
 * own): keep, setpoint, precondition, then the blocks.
 */
export class ComfortCurve {
  private readonly v: Float64Array;
  /** Each block from the near edge towards the setpoint. */
  readonly blocksKw: Float64Array;

  constructor(
    readonly blocks: number,
    storage?: Float64Array,
  ) {
    const n = comfortCurveNumbers(blocks);
    if (storage && storage.length < n) throw new RangeError(`comfort curve storage: ${storage.length} numbers, ${n} needed`);
    this.v = storage ?? new Float64Array(n);
    this.v.fill(0, 0, n);
    this.blocksKw = this.v.subarray(3, n);
  }

  /** To end the step inside the band. */
  get keepKw(): number {
    return this.v[0]!;
  }
  set keepKw(kw: number) {
    this.v[0] = kw;
  }
  /** keep + Σ blocks: what holding (or reaching) the setpoint takes. */
  get setpointKw(): number {
    return this.v[1]!;
  }
  set setpointKw(kw: number) {
    this.v[1] = kw;
  }
  /** Beyond the setpoint towards the far edge. */
  get preconditionKw(): number {
    return this.v[2]!;
  }
  set preconditionKw(kw: number) {
    this.v[2] = kw;
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

/**
 * Battery state of charge (stationary storage and EV batteries).
 *
 * SoC is stored energy in kWh (`socKwh`, the quantity `agents.csv` reports as
 * `soc_kwh`), bounded by [minSocKwh, maxSocKwh] inside [0, capacityKwh].
 * Power is grid-side, in kW, with gridbid's sign convention: positive = charging
 * (consumption), negative = discharging (injection). Over a step Δt with constant
 * grid-side power p:
 *
 *   charging    (p ≥ 0): ΔSoC = +p · η_c · Δt
 *   discharging (p < 0): ΔSoC = −|p| / η_d · Δt
 *
 * so the grid receives at most (SoC − min) · η_d kWh from a battery: losses are
 * paid out of the stored energy, never created.
 *
 * Invariants (property-tested): a SoC inside [min, max] stays inside after any
 * request, because `nextSocKwh` applies `clampGridKw` first; the clamped power lies
 * within [−maxDischargeKw, +maxChargeKw].
 *
 * Pure functions over plain numbers; nothing is mutated. Parameters are checked once,
 * where they enter (`batteryParamsProblems`); a step Δt ≤ 0 or NaN means no time
 * passes (no energy moves).
 */
import type { Hours, Kw, Kwh, PricePerMwh } from '../../core/units.ts';
import { kw, kwh, pricePerMwh } from '../../core/units.ts';

export interface BatteryParams {
  /** Nameplate usable capacity, kWh. */
  readonly capacityKwh: Kwh;
  /** Lowest SoC the battery may be discharged to (reserve), kWh, ≥ 0. */
  readonly minSocKwh: Kwh;
  /** Highest SoC it may be charged to, kWh, ≤ capacity. */
  readonly maxSocKwh: Kwh;
  /** Grid-side charging limit, kW (inverter or charger), ≥ 0. */
  readonly maxChargeKw: Kw;
  /** Grid-side discharging limit, kW, ≥ 0 (0 = cannot discharge, e.g. an EV without V2G). */
  readonly maxDischargeKw: Kw;
  /** η_c ∈ (0, 1]: fraction of grid energy that reaches the cells when charging. */
  readonly chargeEfficiency: number;
  /** η_d ∈ (0, 1]: fraction of cell energy that reaches the grid when discharging. */
  readonly dischargeEfficiency: number;
  /** Wear cost per MWh of cell throughput (|ΔSoC|, both directions), currency/MWh. */
  readonly degradationCostPerMwh: PricePerMwh;
}

/** One battery step: what actually happened after limits were applied. */
export interface BatteryStep {
  /** Grid-side power actually delivered, kW (the request clamped to feasibility). */
  readonly gridKw: Kw;
  /** SoC at the end of the step, kWh. */
  readonly socKwh: Kwh;
  /** Cell-side throughput |ΔSoC|, kWh. */
  readonly throughputKwh: Kwh;
  /** Wear cost of this step, currency. */
  readonly degradationCost: number;
}

/**
 * A home battery like the Tesla Powerwall 2 datasheet: 13.5 kWh usable, 5 kW continuous,
 * 90 % round-trip efficiency (so η_c = η_d = √0.9 ≈ 0.949). Reserve 10 % (our choice;
 * the product's default backup reserve is user-set). Degradation 20 currency/MWh of
 * throughput: ~150 /kWh pack cost (BloombergNEF's 2023 survey average was 139 $/kWh)
 * spread over 2 × 4000 equivalent full cycles of an LFP pack, i.e. 150 / 8000 per kWh;
 * our estimate, adjust per scenario.
 */
export const HOME_BATTERY: BatteryParams = Object.freeze({
  capacityKwh: kwh(13.5),
  minSocKwh: kwh(1.35),
  maxSocKwh: kwh(13.5),
  maxChargeKw: kw(5),
  maxDischargeKw: kw(5),
  chargeEfficiency: Math.sqrt(0.9),
  dischargeEfficiency: Math.sqrt(0.9),
  degradationCostPerMwh: pricePerMwh(20),
});

/** Builds parameters from SoC limits given as fractions of capacity (0.1 → 10 %). */
export function batteryFromFractions(p: {
  readonly capacityKwh: number;
  readonly minSocFraction: number;
  readonly maxSocFraction: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  readonly degradationCostPerMwh: number;
}): BatteryParams {
  return {
    capacityKwh: kwh(p.capacityKwh),
    minSocKwh: kwh(p.capacityKwh * p.minSocFraction),
    maxSocKwh: kwh(p.capacityKwh * p.maxSocFraction),
    maxChargeKw: kw(p.maxChargeKw),
    maxDischargeKw: kw(p.maxDischargeKw),
    chargeEfficiency: p.chargeEfficiency,
    dischargeEfficiency: p.dischargeEfficiency,
    degradationCostPerMwh: pricePerMwh(p.degradationCostPerMwh),
  };
}

/**
 * Largest grid-side charging power (kW, ≥ 0) that keeps SoC ≤ max at the end of the step:
 * min(maxChargeKw, (max − SoC) / (η_c · Δt)). 0 when SoC is already at or above max;
 * the rated limit when Δt ≤ 0.
 */
export function maxChargeKw(b: BatteryParams, socKwh: Kwh, dtHours: Hours): Kw {
  if (!(dtHours > 0)) return b.maxChargeKw;
  const room = b.maxSocKwh - socKwh;
  if (!(room > 0)) return kw(0);
  return kw(Math.min(b.maxChargeKw, room / (b.chargeEfficiency * dtHours)));
}

/**
 * Largest grid-side discharging power (kW, ≥ 0, a magnitude) that keeps SoC ≥ min:
 * min(maxDischargeKw, (SoC − min) · η_d / Δt). 0 when SoC is at or below min.
 */
export function maxDischargeKw(b: BatteryParams, socKwh: Kwh, dtHours: Hours): Kw {
  if (!(dtHours > 0)) return b.maxDischargeKw;
  const avail = socKwh - b.minSocKwh;
  if (!(avail > 0)) return kw(0);
  return kw(Math.min(b.maxDischargeKw, (avail * b.dischargeEfficiency) / dtHours));
}

/** Clamps a requested grid-side power (signed) into [−maxDischargeKw, +maxChargeKw] for this step; NaN → 0. */
export function clampGridKw(b: BatteryParams, socKwh: Kwh, requestedKw: Kw, dtHours: Hours): Kw {
  if (requestedKw > 0) return kw(Math.min(requestedKw, maxChargeKw(b, socKwh, dtHours)));
  if (requestedKw < 0) return kw(-Math.min(-requestedKw, maxDischargeKw(b, socKwh, dtHours)));
  return kw(0); // zero, or NaN
}

/** Signed SoC change for a grid-side power over Δt, no limits applied: p·η_c·Δt or p/η_d·Δt. */
export function socDeltaKwh(b: BatteryParams, gridKw: Kw, dtHours: Hours): Kwh {
  if (!(dtHours > 0)) return kwh(0);
  return kwh(gridKw >= 0 ? gridKw * b.chargeEfficiency * dtHours : (gridKw / b.dischargeEfficiency) * dtHours);
}

/**
 * SoC after a step. The request is first clamped to feasibility (`clampGridKw`), so a SoC
 * inside [min, max] stays inside; the result is also guarded against round-off at the
 * bounds. A SoC that starts outside the bounds (an EV arriving below its reserve) can
 * only move towards them. Example (η_c = η_d = 0.95, Δt = 1 h): 5 kWh charged at 4 kW →
 * 8.8 kWh; 8.8 kWh discharged at 4 kW → 8.8 − 4/0.95 = 4.5895 kWh.
 */
export function nextSocKwh(b: BatteryParams, socKwh: Kwh, requestedKw: Kw, dtHours: Hours): Kwh {
  const p = clampGridKw(b, socKwh, requestedKw, dtHours);
  const raw = socKwh + socDeltaKwh(b, p, dtHours);
  const lo = Math.min(b.minSocKwh, socKwh);
  const hi = Math.max(b.maxSocKwh, socKwh);
  return kwh(Math.min(hi, Math.max(lo, raw)));
}

/** Cell-side throughput |ΔSoC| (kWh) of a grid-side power over Δt, no limits applied. */
export function throughputKwh(b: BatteryParams, gridKw: Kw, dtHours: Hours): Kwh {
  return kwh(Math.abs(socDeltaKwh(b, gridKw, dtHours)));
}

/** Wear cost (currency) of a throughput in kWh: kWh / 1000 × cost per MWh. */
export function degradationCost(b: BatteryParams, throughput: Kwh): number {
  return (throughput / 1000) * b.degradationCostPerMwh;
}

/** Grid-side energy the battery can still deliver down to its reserve, kWh: (SoC − min) · η_d, ≥ 0. */
export function deliverableKwh(b: BatteryParams, socKwh: Kwh): Kwh {
  return kwh(Math.max(0, socKwh - b.minSocKwh) * b.dischargeEfficiency);
}

/** Grid-side energy needed to fill the battery to its max SoC, kWh: (max − SoC) / η_c, ≥ 0. */
export function chargeableKwh(b: BatteryParams, socKwh: Kwh): Kwh {
  return kwh(Math.max(0, b.maxSocKwh - socKwh) / b.chargeEfficiency);
}

/** Clamp, advance and cost one step in a single call (one small object out). */
export function stepBattery(b: BatteryParams, socKwh: Kwh, requestedKw: Kw, dtHours: Hours): BatteryStep {
  const gridKw = clampGridKw(b, socKwh, requestedKw, dtHours);
  const next = nextSocKwh(b, socKwh, gridKw, dtHours);
  const through = kwh(Math.abs(next - socKwh));
  return { gridKw, socKwh: next, throughputKwh: through, degradationCost: degradationCost(b, through) };
}

/** Problems with battery parameters, as messages (empty when valid). For scenario validation. */
export function batteryParamsProblems(b: BatteryParams): string[] {
  const out: string[] = [];
  const finite = (x: number): boolean => Number.isFinite(x);
  if (!(b.capacityKwh > 0 && finite(b.capacityKwh))) out.push(`capacityKwh must be > 0, got ${b.capacityKwh}`);
  if (!(b.minSocKwh >= 0 && b.minSocKwh <= b.maxSocKwh)) out.push(`need 0 ≤ minSocKwh ≤ maxSocKwh, got ${b.minSocKwh} and ${b.maxSocKwh}`);
  if (!(b.maxSocKwh <= b.capacityKwh)) out.push(`maxSocKwh ${b.maxSocKwh} exceeds capacityKwh ${b.capacityKwh}`);
  if (!(b.maxChargeKw >= 0 && finite(b.maxChargeKw))) out.push(`maxChargeKw must be ≥ 0, got ${b.maxChargeKw}`);
  if (!(b.maxDischargeKw >= 0 && finite(b.maxDischargeKw))) out.push(`maxDischargeKw must be ≥ 0, got ${b.maxDischargeKw}`);
  if (!(b.chargeEfficiency > 0 && b.chargeEfficiency <= 1)) out.push(`chargeEfficiency must be in (0, 1], got ${b.chargeEfficiency}`);
  if (!(b.dischargeEfficiency > 0 && b.dischargeEfficiency <= 1)) out.push(`dischargeEfficiency must be in (0, 1], got ${b.dischargeEfficiency}`);
  if (!(b.degradationCostPerMwh >= 0 && finite(b.degradationCostPerMwh))) out.push(`degradationCostPerMwh must be ≥ 0, got ${b.degradationCostPerMwh}`);
  return out;
}

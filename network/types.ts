/**
 * The electrical network a market clears on: buses joined by branches (lines,
 * transformers and the feeder head, each capacity-limited), with one reference bus.
 *
 * A `Network` is an immutable, validated value: build it with `createNetwork`
 * (network/validate.ts) or `networkFromConfig` (network/schema.ts); change it only
 * through functions returning a new one, such as `withBranchInService`.
 *
 * Units: power in kW, impedances in per unit on `baseKva`, angles in degrees.
 * The DC power flow uses only reactances (and, by choice of branch model, taps,
 * phase shifts or resistances); resistances and bus voltage limits are kept for a
 * later LinDistFlow voltage model, where radial feeders are the common case.
 */
import type { BusId } from '../core/units.ts';

export type BranchKind = 'line' | 'transformer' | 'feeder-head';

export interface Bus {
  readonly id: BusId;
  /** Exactly one bus of a network is the reference (angle 0, the slack of the DC flow). */
  readonly reference: boolean;
  /** Nominal voltage, kV; informational (LinDistFlow later). */
  readonly baseKv?: number;
  /** Voltage band, per unit; kept for LinDistFlow, not enforced by the DC model. */
  readonly vMinPu?: number;
  readonly vMaxPu?: number;
}

export interface Branch {
  readonly id: string;
  readonly kind: BranchKind;
  /** Positive flow runs from `from` to `to`. */
  readonly from: BusId;
  readonly to: BusId;
  /** Series reactance, per unit on the network's `baseKva`; > 0 (negative only for imported series compensation). */
  readonly reactancePu: number;
  /** Series resistance, per unit; ≥ 0. Unused by the DC flow unless the PowerModels branch model is chosen. */
  readonly resistancePu: number;
  /** Thermal (or transformer / feeder-head) limit, kW, applied in both directions; Infinity when none. */
  readonly limitKw: number;
  readonly inService: boolean;
  /** Off-nominal tap ratio (transformers); 1 when none. */
  readonly tapRatio: number;
  /** Phase shift, degrees (phase-shifting transformers); 0 when none. */
  readonly phaseShiftDeg: number;
  /** Limits on the angle difference θ_from − θ_to, degrees; ±Infinity when none. */
  readonly angleMinDeg: number;
  readonly angleMaxDeg: number;
}

export interface Network {
  readonly name: string;
  /** Base power of the per-unit impedances, kVA. */
  readonly baseKva: number;
  readonly buses: readonly Bus[];
  readonly branches: readonly Branch[];
  /** Id of the one bus with `reference: true`. */
  readonly referenceBus: BusId;
}

/**
 * How a branch's DC susceptance is formed (refcases README, pitfall 5):
 * - `matpower`: 1 / (x · tap), phase shifts applied (MATPOWER's `makeBdc`); with no tap or
 *   shift this is the textbook 1/x, the model used for native networks;
 * - `powermodels`: x / (r² + x²), taps and shifts ignored (PowerModels' DCPPowerModel,
 *   hence the PGLib baselines).
 */
export type BranchModel = 'matpower' | 'powermodels';

/** The flow on one branch at a dispatch, as a clearing reports it (network/flows.ts computes it). */
export interface BranchFlow {
  readonly id: string;
  /** Out-of-service branches are listed with flow 0 and limit 0. */
  readonly inService?: boolean;
  /** Positive from the branch's `from` bus to its `to` bus. */
  readonly flowKw: number;
  /** Thermal limit; Infinity when none. */
  readonly limitKw: number;
  /**
   * Marginal welfare of one more kW of limit, in currency/MWh: zero unless the
   * branch is at its limit. Non-negative; the direction is that of the flow.
   */
  readonly shadowPriceMwh: number;
}

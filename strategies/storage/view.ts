/**
 * What a stationary battery tells its strategy when it bids: its own state and
 * limits for the coming interval, computed by `agents/storage/`. Powers are
 * grid-side kW over the interval; energies kWh of SoC.
 */
import type { AgentViewBase } from '../types.ts';

export interface StorageView extends AgentViewBase {
  readonly kind: 'storage';
  readonly socKwh: number;
  readonly minSocKwh: number;
  readonly maxSocKwh: number;
  readonly capacityKwh: number;
  /** Most it can charge this interval without passing max SoC, kW (`maxChargeKw`). */
  readonly maxChargeKw: number;
  /** Most it can discharge this interval without passing min SoC, kW (`maxDischargeKw`). */
  readonly maxDischargeKw: number;
  /**
   * The rated grid-side limits, kW, whatever the SoC: what planning strategies (`mpc`)
   * assume for later intervals. Optional for views built by hand; the storage kind sets them.
   */
  readonly ratedChargeKw?: number;
  readonly ratedDischargeKw?: number;
  /** η_c and η_d, in (0, 1]. */
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  /** Wear per MWh of cell throughput (both directions), currency/MWh. */
  readonly degradationCostPerMwh: number;
}

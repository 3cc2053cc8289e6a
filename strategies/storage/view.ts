/**
 * What a stationary battery tells its strategy when it bids: its own state and
 * limits for the coming interval, computed by `agents/storage/`. Powers are
 * grid-side kW over the interval; energies kWh of SoC; both carry their units as
 * brands (core/units.ts), as in `EvView`.
 */
import type { Kw, Kwh, PricePerMwh } from '../../core/units.ts';
import type { AgentViewBase } from '../types.ts';

export interface StorageView extends AgentViewBase {
  readonly kind: 'storage';
  readonly socKwh: Kwh;
  readonly minSocKwh: Kwh;
  readonly maxSocKwh: Kwh;
  readonly capacityKwh: Kwh;
  /** Most it can charge this interval without passing max SoC, kW (`maxChargeKw`). */
  readonly maxChargeKw: Kw;
  /** Most it can discharge this interval without passing min SoC, kW (`maxDischargeKw`). */
  readonly maxDischargeKw: Kw;
  /**
   * The rated grid-side limits, kW, whatever the SoC: what planning strategies (`mpc`)
   * assume for later intervals. Optional for views built by hand; the storage kind sets them.
   */
  readonly ratedChargeKw?: Kw;
  readonly ratedDischargeKw?: Kw;
  /** η_c and η_d, in (0, 1]. */
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  /** Wear per MWh of cell throughput (both directions), currency/MWh. */
  readonly degradationCostPerMwh: PricePerMwh;
}

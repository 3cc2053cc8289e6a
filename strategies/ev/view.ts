/**
 * What an EV tells its strategy when it bids: its own physical state and
 * constraints for the coming interval, computed by the agent's physics
 * (`agents/ev/`). A strategy sees only this and the public `MarketView`.
 *
 * Powers are grid-side averages over the whole interval (what a bid segment
 * means), already reduced when the car leaves during the interval; energies are
 * kWh of battery SoC unless named grid-side. The numbers carry their units as
 * brands (`Kw`, `Kwh`, `Hours`, `PricePerMwh`): they read as plain numbers, and a
 * helper of yours that takes a `Kw` refuses a `Kwh`.
 */
import type { Hours, Kw, Kwh, PricePerMwh } from '../../core/units.ts';
import type { AgentViewBase } from '../types.ts';

export interface EvView extends AgentViewBase {
  readonly kind: 'ev';
  /** State of charge now, kWh. */
  readonly socKwh: Kwh;
  /** SoC wanted at departure (the car's charge limit), kWh. */
  readonly targetSocKwh: Kwh;
  /** Reserve V2G never discharges below, kWh. */
  readonly minSocKwh: Kwh;
  /** Hours from the interval's start to departure (> 0 while it bids). */
  readonly hoursToDeparture: Hours;
  /**
   * How long charging can still wait before it must run flat out, hours
   * (`chargingSlackHours`): negative when the target is out of reach.
   */
  readonly slackHours: Hours;
  /** Grid-side energy still to buy to reach the target, kWh. */
  readonly neededKwh: Kwh;
  /**
   * Least charging power this interval that keeps the target reachable
   * (`minChargeKwNow`, as an interval average, rounded up to the watt), kW.
   */
  readonly mustChargeKw: Kw;
  /** Most it can charge this interval (charger, battery room, time plugged), kW. */
  readonly maxChargeKw: Kw;
  /** Most it can discharge this interval above its reserve and departure-feasible SoC (0 without V2G), kW. */
  readonly maxDischargeKw: Kw;
  readonly v2gCapable: boolean;
  /** Charger limit, kW. */
  readonly chargerKw: Kw;
  /** η_c and η_d of the charge and discharge paths, in (0, 1]. */
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  /** Battery wear per MWh of cell throughput (both directions), currency/MWh. */
  readonly degradationCostPerMwh: PricePerMwh;
}

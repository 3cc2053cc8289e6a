/**
 * What a home shows its strategy each interval: its own valuation curve (so
 * `truthful` and `markup` work unchanged) and the physical state behind it, so a
 * strategy can re-price each need from the price forecast.
 *
 * Contract between a home and its strategy: `demand[i]` is one need of the home,
 * described by `needs[i]` and `slackH[i]` (the three arrays have the same length,
 * highest value first, every entry with kw > 0). A strategy that returns one buy
 * segment per demand entry, in the same order and with the same kW (as `truthful`,
 * `markup` and `home-forecast` do), gets its award split over the needs by its own
 * bid prices, exactly as the market awarded them; any other curve is split by the
 * home's values. Supply entries are rooftop PV.
 *
 * Powers (kW) and durations (hours) carry their units as brands (core/units.ts), as in
 * `EvView`; temperatures are plain °C numbers.
 */
import type { Hours, Kw } from '../../core/units.ts';
import type { AgentViewBase } from '../types.ts';

/**
 * What a demand entry is for:
 * - `base`: the inelastic part of the base load (bid at the cap);
 * - `base-flex`: a block of the price-responsive share of the base load;
 * - `appliance`: a shiftable appliance's run this interval (at the cap when it must run now);
 * - `hvac-keep`: HVAC power that keeps the room inside the comfort band (at the cap);
 * - `hvac`: HVAC power that moves the room from the band edge towards the setpoint, in blocks;
 * - `precondition`: HVAC power beyond the setpoint, towards the far edge of the band, banking comfort.
 */
export type HomeNeed = 'base' | 'base-flex' | 'appliance' | 'hvac-keep' | 'hvac' | 'precondition';

/** The room and its HVAC as a strategy sees them (homes and buildings). */
export interface HvacView {
  readonly mode: 'cool' | 'heat';
  /** Indoor temperature at the start of the interval, °C. */
  readonly indoorC: number;
  readonly outdoorC: number;
  readonly band: { readonly lowC: number; readonly highC: number };
  readonly setpointC: number;
  /**
   * Distance from the indoor temperature to the band edge the HVAC works against
   * (the upper edge when cooling), °C; negative outside the band.
   */
  readonly marginC: number;
  /** R·C, hours: how long banked comfort lasts (e-folding time). */
  readonly timeConstantH: Hours;
  /** Electric rating of the HVAC unit, kW. */
  readonly ratedKw: Kw;
}

export type HomeHvacView = HvacView;

export interface HomeView extends AgentViewBase {
  readonly kind: 'home';
  /** What the home wants now, kW: base load + HVAC to the setpoint + appliances that must run. */
  readonly desiredKw: Kw;
  /** Of that, what it bids at the price cap, kW. */
  readonly inelasticKw: Kw;
  /** What each `demand` entry is for (same order and length). */
  readonly needs: readonly HomeNeed[];
  /** Per `demand` entry: hours an appliance can still wait to start (0 when it must run now); NaN for other needs. */
  readonly slackH: readonly Hours[];
  /** Present when the home has HVAC. */
  readonly hvac: HomeHvacView | undefined;
  /** Rooftop PV output this interval, kW (0 without PV or at night); offered in `supply`. */
  readonly pvKw: Kw;
}

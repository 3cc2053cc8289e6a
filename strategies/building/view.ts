/**
 * What a building shows its strategy each interval: its valuation curve (for
 * `truthful` and `markup`) and the state behind it. The same contract as homes
 * (`strategies/home/view.ts`): `demand[i]` is one need described by `needs[i]`;
 * one buy segment per demand entry, same order and kW, lets the building split its
 * award by the strategy's prices. Powers carry their unit as a brand (`Kw`, core/units.ts).
 */
import type { Kw } from '../../core/units.ts';
import type { HvacView } from '../home/view.ts';
import type { AgentViewBase } from '../types.ts';

/**
 * What a demand entry is for:
 * - `base`: plugs and the lighting that may not be dimmed (at the cap);
 * - `hvac`: HVAC power that must be served: to the setpoint, less the contracted relaxation (at the cap);
 * - `hvac-relax`: the contractually curtailable HVAC power (setpoint relaxed within the comfort band);
 * - `dimming`: the contractually curtailable lighting;
 * - `precondition`: HVAC power beyond the setpoint, banking comfort (at 0: only free energy, unless a strategy re-prices it).
 */
export type BuildingNeed = 'base' | 'hvac' | 'hvac-relax' | 'dimming' | 'precondition';

export interface BuildingView extends AgentViewBase {
  readonly kind: 'building';
  /** What each `demand` entry is for (same order and length). */
  readonly needs: readonly BuildingNeed[];
  /** Occupied now (comfort counts), or about to be (start-up). */
  readonly occupied: boolean;
  readonly hvac: HvacView;
  /** Contracted curtailable power, kW, and how much of it is available this interval. */
  readonly contractKw: Kw;
  readonly curtailableKw: Kw;
  /** All the building wants now, kW, and what of it is bid at the cap. */
  readonly desiredKw: Kw;
  readonly inelasticKw: Kw;
}

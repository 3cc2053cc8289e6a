/**
 * The interval's phases that turn market data into positions, meters and money, by name.
 * A caller may wrap one (`SimulationOptions.phases`): the books test feeds a run a phase
 * that returns a tampered award and sees the books catch it.
 */
import { settleImbalance } from './imbalance.ts';
import { meterSites } from './meter.ts';
import { marketPositions } from './positions.ts';

export interface Phases {
  readonly positions: typeof marketPositions;
  readonly meter: typeof meterSites;
  readonly settleImbalance: typeof settleImbalance;
}

export const PHASES: Phases = Object.freeze({ positions: marketPositions, meter: meterSites, settleImbalance });

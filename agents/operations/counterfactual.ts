/**
 * The run without operators that demand response is measured against (engine/run.ts
 * makes it, the grid room reads it). Its own module so that the run API's declarations
 * do not pull in the operators' machine.
 */
export interface Counterfactual {
  /** Per party (the simulation's order), net consumption per interval, kW. */
  readonly netKw: readonly Float64Array[];
  /** Intervals in which some branch was over its limit. */
  readonly overloadIntervals: number;
}

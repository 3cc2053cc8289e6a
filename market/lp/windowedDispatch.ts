/**
 * The DC dispatch (market/lp/dispatch.ts) of a large order book through small LPs around
 * the prices, proved optimal for the whole book (the algorithm: market/lp/priceWindows.ts).
 *
 * Pure; the same inputs give the same result.
 */
import { dispatch, type DispatchOptions, type DispatchProblem, type DispatchResult } from './dispatch.ts';
import { simpleColumns, solveInWindows, windowedPays, type WindowTuning } from './priceWindows.ts';
import type { LpSolver } from './solver.ts';

export { WINDOWED_ABOVE_COLUMNS, WINDOWED_COLUMNS_PER_BUS, WINDOWED_DENSE_MIN_COLUMNS, type WindowTuning } from './priceWindows.ts';

/**
 * True when `problem` is a book of simple columns the windowed solve applies to and pays for
 * (`windowedPays`: above `aboveColumns` columns, or by default large or dense), with no fixed
 * load or constant cost of its own.
 */
export function windowable(problem: DispatchProblem, aboveColumns?: number): boolean {
  if (!windowedPays(problem.offers.count, problem.network.buses.length, aboveColumns)) return false;
  if (problem.groups || problem.fixedLoadKw || problem.constantCostPerH) return false;
  return simpleColumns(problem.offers);
}

/** `dispatch(problem)` for a large book of simple columns (see `windowable`), through small LPs. */
export function dispatchWindowed(problem: DispatchProblem, solver: LpSolver, opts: DispatchOptions = {}, tuning: WindowTuning = {}): DispatchResult {
  if (!windowable(problem, tuning.aboveColumns) || opts.duals === false) return dispatch(problem, solver, opts);
  const N = problem.network.buses.length;
  return solveInWindows<DispatchResult>(
    {
      offers: problem.offers,
      busCount: N,
      classCount: 1,
      solve: (offers, _classOf, fixed) => {
        if (!fixed) return dispatch(offers === problem.offers ? problem : { ...problem, offers }, solver, opts);
        return dispatch({ ...problem, offers, fixedLoadKw: fixed.kwByBusClass, constantCostPerH: -fixed.valuePerH }, solver, opts);
      },
      slotPriceMwh: (r, bus) => r.priceMwh[bus]!,
    },
    tuning,
  );
}

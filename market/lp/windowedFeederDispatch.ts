/**
 * The LinDistFlow dispatch of a radial feeder (market/lp/feederDispatch.ts) for a large or
 * dense order book, through small LPs around the prices, proved optimal for the whole book
 * (the algorithm: market/lp/priceWindows.ts).
 *
 * Here a column is measured against its bus's DLMP plus its power factor's share of the
 * reactive price, π_k + tan φ_j · ρ_k: a buy draws, and a sell injects, tan φ kvar with
 * each kW. So the slots are per bus, side and power factor (the distinct tan φ of the
 * book: one per agent kind at most), and the columns fixed in by a window are fixed loads
 * of kW and of their kvar.
 *
 * It pays from the same density as on the DC network (`WINDOWED_COLUMNS_PER_BUS`), and by more:
 * the LinDistFlow LP has twice the rows (a voltage-drop row per branch) and its whole-book time
 * grows as steeply with the columns a bus. On case33bw, 10,000 segments (~300 columns a bus)
 * took 84–103 ms whole against 19–26 ms for the DC LP, and 30,000 (~900 a bus) 724–752 ms.
 * Windowed against whole, books with two power factors on case33bw, case69 and case141, two
 * seeds each (2026-12-06): 0.04–0.11 at 600 columns a bus, 0.12–0.36 at 300, 0.32–0.44 at 200,
 * 0.48–0.69 at 150, 0.73–1.36 at 100 and 1.09–2.48 at 50, with equal welfare (to 4e-9 /h).
 *
 * Pure; the same inputs give the same result.
 */
import { dispatchFeeder, type FeederDispatchResult, type FeederProblem, modelsReactive } from './feederDispatch.ts';
import { simpleColumns, solveInWindows, windowedPays, type WindowTuning } from './priceWindows.ts';
import type { LpSolver } from './solver.ts';

/**
 * True when `problem` is a book of simple columns the windowed solve applies to and pays for
 * (`windowedPays` on the feeder's buses), on a feeder with every bus energised (an islanded
 * bus has no price to measure its columns against).
 */
export function feederWindowable(problem: FeederProblem, aboveColumns?: number): boolean {
  if (!windowedPays(problem.offers.count, problem.feeder.busCount, aboveColumns)) return false;
  if (problem.groups || problem.feeder.islanded.length > 0) return false;
  return simpleColumns(problem.offers);
}

/** `dispatchFeeder(problem)` for a large or dense book of simple columns (see `feederWindowable`), through small LPs. */
export function dispatchFeederWindowed(problem: FeederProblem, solver: LpSolver, tuning: WindowTuning = {}): FeederDispatchResult {
  if (!feederWindowable(problem, tuning.aboveColumns)) return dispatchFeeder(problem, solver);
  const { classOf, tanOfClass } = powerFactorClasses(problem.kvarPerKw, problem.offers.count);
  const C = tanOfClass.length;
  const N = problem.feeder.busCount;
  // The small LPs model reactive power exactly when the whole book's LP does (whatever columns they keep).
  const block = { ...problem.block, reactive: problem.block?.reactive ?? modelsReactive(problem) };
  return solveInWindows<FeederDispatchResult>(
    {
      offers: problem.offers,
      busCount: N,
      classCount: C,
      classOf,
      solve: (offers, cls, fixed) => {
        if (offers === problem.offers) return dispatchFeeder(problem, solver);
        const kvarPerKw = cls ? Float64Array.from(cls, (c) => tanOfClass[c]!) : undefined;
        const part: FeederProblem = { ...problem, offers, block, ...(kvarPerKw ? { kvarPerKw } : {}) };
        // A small LP's infeasibility is expected (a fixed load the feeder cannot carry: the window widens), so it is not diagnosed.
        if (!fixed) return dispatchFeeder(part, solver, { diagnose: false });
        const fixedLoadKw = problem.fixedLoadKw ? Float64Array.from(problem.fixedLoadKw) : new Float64Array(N);
        const fixedLoadKvar = problem.fixedLoadKvar ? Float64Array.from(problem.fixedLoadKvar) : new Float64Array(N);
        for (let k = 0; k < N; k++) {
          for (let c = 0; c < C; c++) {
            const kw = fixed.kwByBusClass[k * C + c]!;
            fixedLoadKw[k]! += kw;
            fixedLoadKvar[k]! += kw * tanOfClass[c]!;
          }
        }
        return dispatchFeeder({ ...part, fixedLoadKw, fixedLoadKvar, constantCostPerH: (problem.constantCostPerH ?? 0) - fixed.valuePerH }, solver, { diagnose: false });
      },
      slotPriceMwh: (r, bus, c) => {
        const tan = tanOfClass[c]!;
        return tan === 0 ? r.priceMwh[bus]! : r.priceMwh[bus]! + tan * r.feeder.reactivePriceMvarh[bus]!;
      },
    },
    tuning,
  );
}

/** The book's distinct tan φ (in order of first appearance) and each column's index among them; one class of 0 without `kvarPerKw`. */
function powerFactorClasses(kvarPerKw: Float64Array | undefined, count: number): { classOf: Int32Array | undefined; tanOfClass: number[] } {
  if (!kvarPerKw) return { classOf: undefined, tanOfClass: [0] };
  const index = new Map<number, number>();
  const tanOfClass: number[] = [];
  const classOf = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    const t = kvarPerKw[j]!;
    let c = index.get(t);
    if (c === undefined) index.set(t, (c = tanOfClass.push(t) - 1));
    classOf[j] = c;
  }
  return { classOf, tanOfClass };
}

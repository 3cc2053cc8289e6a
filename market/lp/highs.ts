/**
 * HiGHS (WebAssembly, npm `highs` 1.15) behind `LpSolver`: the default solver.
 *
 * Settings measured on this machine (TOOLCHAIN.md): typed-array sparse input
 * through the persistent Model API, presolve off (its bid-stack rules cost
 * seconds at 100k columns), serial dual simplex for normal sizes, interior point
 * with crossover (exact, basic duals) from `HIGHS_IPM_MIN_COLUMNS` columns, where
 * dual simplex crawls — unless the caller names the method (`LpSolveOptions.method`: the
 * day-ahead restricted LPs, where dual simplex took 36.8 s CPU against 78.2 s) or passes a
 * basis to start from (`startBasis`: dual simplex from it; `keepBasis` returns the optimal
 * one). A model with a quadratic term goes to HiGHS's QP solver.
 * Every model is disposed in `finally`: the wasm heap never shrinks.
 */
import loadHighsModule from 'highs';
import type { Highs, Model } from 'highs';
import { failedSolution, hasIntegerColumns, type LinearProgram, type LpSolution, type LpSolveOptions, type LpSolver } from './solver.ts';

// Under `nodenext` TypeScript types the default import as the CommonJS module object (loader on
// `.default`), while tsx hands over the loader itself: the one-line shim of TOOLCHAIN.md.
const highsModule = loadHighsModule as unknown as typeof loadHighsModule & { default?: typeof loadHighsModule };
const loadHighs = highsModule.default ?? highsModule;

/** From this many columns on, interior point with crossover beats dual simplex here (TOOLCHAIN.md: 100k bids 0.66 s vs 1.09 s). */
export const HIGHS_IPM_MIN_COLUMNS = 50_000;

let loading: Promise<LpSolver> | undefined;

/** The HiGHS solver; the WebAssembly module is loaded once per process. */
export function loadHighsSolver(): Promise<LpSolver> {
  loading ??= loadHighs().then((highs) => makeHighsSolver(highs));
  return loading;
}

function makeHighsSolver(highs: Highs): LpSolver {
  const ms = highs.constants.modelStatus;
  return {
    name: 'highs',
    nativeDuals: true,
    preferredFormulation: 'b-theta',
    solve(lp: LinearProgram, opts: LpSolveOptions = {}): LpSolution {
      if (lp.numCols === 0) return emptySolution(lp);
      let model: Model | undefined;
      try {
        model = highs.createModel(toModelData(highs, lp));
        model.options.set({ output_flag: false, presolve: 'off', ...solverOptions(lp, opts) });
        if (opts.startBasis && !hasIntegerColumns(lp) && !lp.hessianDiagonal) {
          // HiGHS checks the basis (counts, then the factorisation); one it refuses leaves a cold start, the same optimum.
          try {
            model.setBasis(opts.startBasis);
          } catch {
            model.setLogicalBasis();
          }
        }
        model.run();
        let status: number = model.getModelStatus();
        if (status === ms.unboundedOrInfeasible) status = disambiguate(highs, lp);
        if (status === ms.optimal) {
          const sol = model.getSolution();
          // A MIP has no duals: the caller re-solves the LP with the integers fixed for prices.
          if (hasIntegerColumns(lp)) return { status: 'optimal', message: '', objective: model.getObjectiveValue(), colValue: sol.colValue, rowValue: sol.rowValue };
          const basis = opts.keepBasis ? model.getBasis() : undefined;
          return { status: 'optimal', message: '', objective: model.getObjectiveValue(), colValue: sol.colValue, rowValue: sol.rowValue, rowDual: sol.rowDual, colDual: sol.colDual, ...(basis ? { basis } : {}) };
        }
        if (status === ms.infeasible) return failedSolution(lp, 'infeasible', 'HiGHS proved the problem infeasible');
        if (status === ms.unbounded) return failedSolution(lp, 'unbounded', 'HiGHS proved the problem unbounded');
        return failedSolution(lp, 'solver-error', `HiGHS stopped without an optimum (model status ${status}: ${statusName(highs, status)})`);
      } catch (err) {
        return failedSolution(lp, 'solver-error', `HiGHS failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        model?.dispose();
      }
    },
  };
}

function solverOptions(lp: LinearProgram, opts: LpSolveOptions): Record<string, string | number> {
  // Branch and bound to a proven optimum (no gap): the books and tests need the true MIP optimum.
  if (hasIntegerColumns(lp)) return { solver: 'choose', mip_rel_gap: 0, mip_abs_gap: 1e-9 };
  if (lp.hessianDiagonal) return { solver: 'choose' }; // the QP solver; simplex/ipm would drop the quadratic term
  if (opts.startBasis || opts.method === 'simplex') return { solver: 'simplex', simplex_strategy: 1 };
  if (opts.method === 'ipm') return { solver: 'ipm', run_crossover: 'on' };
  if (lp.numCols >= HIGHS_IPM_MIN_COLUMNS) return { solver: 'ipm', run_crossover: 'on' };
  return { solver: 'simplex', simplex_strategy: 1 };
}

export function toModelData(highs: Highs, lp: LinearProgram, withHessian = true): Parameters<Highs['createModel']>[0] & object {
  const h = withHessian ? lp.hessianDiagonal : undefined;
  let hessian;
  if (h) {
    const idx: number[] = [];
    const val: number[] = [];
    const starts = new Int32Array(lp.numCols + 1);
    for (let j = 0; j < lp.numCols; j++) {
      if (h[j] !== 0) {
        idx.push(j);
        val.push(h[j]!);
      }
      starts[j + 1] = idx.length;
    }
    hessian = { format: 'triangular' as const, dimension: lp.numCols, starts, indices: Int32Array.from(idx), values: Float64Array.from(val) };
  }
  return {
    sense: lp.sense === 'max' ? highs.constants.objectiveSense.maximize : highs.constants.objectiveSense.minimize,
    numCols: lp.numCols,
    numRows: lp.numRows,
    offset: lp.offset,
    colCost: lp.colCost,
    colLower: lp.colLower,
    colUpper: lp.colUpper,
    rowLower: lp.rowLower,
    rowUpper: lp.rowUpper,
    matrix: { format: 'csc', numRows: lp.numRows, numCols: lp.numCols, starts: lp.matrix.starts, indices: lp.matrix.rows, values: lp.matrix.values },
    ...(hessian ? { hessian } : {}),
    ...(hasIntegerColumns(lp) ? { integrality: Int32Array.from(lp.integrality!) } : {}),
  };
}

/** Status 9 (infeasible or unbounded): a zero objective tells which. */
function disambiguate(highs: Highs, lp: LinearProgram): number {
  const ms = highs.constants.modelStatus;
  const probe = highs.createModel(toModelData(highs, { ...lp, colCost: new Float64Array(lp.numCols) }, false));
  try {
    probe.options.set({ output_flag: false, presolve: 'off' });
    probe.run();
    return probe.getModelStatus() === ms.optimal ? ms.unbounded : ms.infeasible;
  } finally {
    probe.dispose();
  }
}

function statusName(highs: Highs, code: number): string {
  for (const [k, v] of Object.entries(highs.constants.modelStatus)) if (v === code) return k;
  return 'unknown';
}

function emptySolution(lp: LinearProgram): LpSolution {
  for (let i = 0; i < lp.numRows; i++) {
    if (lp.rowLower[i]! > 0 || lp.rowUpper[i]! < 0) return failedSolution(lp, 'infeasible', `row ${i} needs a non-zero activity but the problem has no variables`);
  }
  return { status: 'optimal', message: '', objective: lp.offset, colValue: new Float64Array(0), rowValue: new Float64Array(lp.numRows), rowDual: new Float64Array(lp.numRows), colDual: new Float64Array(0) };
}

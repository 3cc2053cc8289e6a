/**
 * `javascript-lp-solver` (jsLPSolver 1.0.3) behind `LpSolver`: the alternative
 * our users name, for small cases and as an independent cross-check of HiGHS.
 *
 * ## Formulation
 * jsLPSolver knows only variables ≥ 0 and constraints on sums. Each column is
 * rewritten before it gets there: a finite lower bound is shifted out (x = lo + y),
 * a column bounded only above is mirrored (x = hi − y), a finite upper bound becomes
 * a constraint row, and a free column (angles, `unrestricted` in jsLPSolver's terms)
 * is **split into positive and negative parts**, x = y⁺ − y⁻. Declaring free columns
 * `unrestricted` instead is wrong: measured here, jsLPSolver then returns an
 * "optimum" 11–17 % below the true one on meshed-network dispatch, silently
 * (a regression test keeps both formulations side by side).
 *
 * ## Prices
 * jsLPSolver returns no duals. They are derived by perturbation: for an equality row
 * (a balance) or an inequality at one of its bounds, the bound is moved by ε in the
 * direction that relaxes it (+ε for an equality), the problem re-solved, and
 * dual = Δobjective / Δbound, the same convention as HiGHS. The optimal value is
 * piecewise linear in the bound, so the slope is exact within a piece: ε =
 * `JSLP_DUAL_STEP` × the problem's largest finite bound keeps rounding noise small,
 * and a second solve with ε/16 checks that the long step did not cross a breakpoint
 * (if the two disagree, the short one is used). Two extra solves per active row —
 * with dispatch's PTDF form that is the one system balance plus the binding limits,
 * not one per bus. For a balance this is the one-sided price "cost of serving ε more
 * demand"; where HiGHS's duals are not unique (degenerate cases) the two solvers may
 * legitimately report different prices, while welfare and quantities agree. Measured
 * against HiGHS: ≈ 1e-5 $/MWh on PJM-5 and t_case9. Column duals are not derived.
 * Pass `{ duals: false }` for quantities only (one solve).
 *
 * ## Limits
 * It keeps a dense tableau (rows × columns doubles): the solver refuses, with status
 * 'solver-error' and a message, problems above `JSLP_MAX_TABLEAU_CELLS`, and
 * problems with a quadratic term (an LP solver only).
 */
import jsLpSolver from 'javascript-lp-solver';
import type { Model, SolveResult, SolverAPI } from 'javascript-lp-solver';
import { failedSolution, objectiveAt, rowActivities, type LinearProgram, type LpSolution, type LpSolveOptions, type LpSolver } from './solver.ts';

// Under `nodenext` TypeScript types the default import as the CommonJS module object (solver on
// `.default`), while tsx hands over the solver itself: the one-line shim of TOOLCHAIN.md.
const lpModule = jsLpSolver as unknown as SolverAPI & { default?: SolverAPI };
const solver: SolverAPI = lpModule.default ?? lpModule;

/**
 * Largest dense tableau accepted: (constraints + 1) × (variables + slacks + 1) doubles.
 * 5e6 cells is 40 MB and, measured here, a few seconds per solve; beyond it use HiGHS.
 */
export const JSLP_MAX_TABLEAU_CELLS = 5_000_000;

/** Relative step of the perturbation that derives duals (see the module comment). */
export const JSLP_DUAL_STEP = 1e-5;
/** The check step is this many times shorter. */
const JSLP_DUAL_CHECK_RATIO = 16;

/** Tolerance, relative to max(1, |bound|), for deciding that a row sits at a bound. */
const ACTIVE_TOLERANCE = 1e-7;

export const jslpSolver: LpSolver = {
  name: 'jslp',
  nativeDuals: false,
  preferredFormulation: 'ptdf',
  solve(lp: LinearProgram, opts: LpSolveOptions = {}): LpSolution {
    const base = solveWithJslp(lp);
    if (base.status !== 'optimal' || opts.duals === false) return base;
    return { ...base, rowDual: perturbationDuals(lp, base) };
  },
};

/**
 * One jsLPSolver solve, no duals.
 * @internal `freeColumns: 'unrestricted'` reproduces the wrong formulation, for the regression test only.
 */
export function solveWithJslp(lp: LinearProgram, opts: { freeColumns?: 'split' | 'unrestricted' } = {}): LpSolution {
  if (lp.hessianDiagonal && lp.hessianDiagonal.some((h) => h !== 0))
    return failedSolution(lp, 'solver-error', 'javascript-lp-solver solves linear programmes only; this problem has quadratic costs (use HiGHS, --solver highs)');
  const built = toJslpModel(lp, opts.freeColumns ?? 'split');
  if (typeof built === 'string') return failedSolution(lp, 'infeasible', built);
  const { model, columns, cells } = built;
  if (cells > JSLP_MAX_TABLEAU_CELLS)
    return failedSolution(
      lp,
      'solver-error',
      `too large for javascript-lp-solver: its dense tableau would need ${cells.toLocaleString('en-US')} cells, above its limit JSLP_MAX_TABLEAU_CELLS = ${JSLP_MAX_TABLEAU_CELLS.toLocaleString('en-US')} (use HiGHS, --solver highs)`,
    );
  let out: SolveResult;
  try {
    out = solver.Solve(model, 1e-9, false) as SolveResult;
  } catch (err) {
    return failedSolution(lp, 'solver-error', `javascript-lp-solver failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!out.feasible) return failedSolution(lp, 'infeasible', 'javascript-lp-solver found no feasible solution');
  if (out.bounded === false) return failedSolution(lp, 'unbounded', 'javascript-lp-solver found the problem unbounded');
  const x = new Float64Array(lp.numCols);
  const value = (name: string): number => {
    const v = out[name];
    return typeof v === 'number' ? v : 0;
  };
  for (let j = 0; j < lp.numCols; j++) {
    const c = columns[j]!;
    if (c.kind === 'fixed') x[j] = c.constant;
    else if (c.kind === 'free') x[j] = value(`p${j}`) - (opts.freeColumns === 'unrestricted' ? 0 : value(`n${j}`));
    else x[j] = c.constant + c.sign * value(`p${j}`);
  }
  const objective = objectiveAt(lp, x);
  if (!Number.isFinite(objective)) return failedSolution(lp, 'solver-error', 'javascript-lp-solver returned a non-finite objective');
  return { status: 'optimal', message: '', objective, colValue: x, rowValue: rowActivities(lp, x) };
}

interface ColumnMap {
  readonly kind: 'shift' | 'free' | 'fixed';
  /** x = constant + sign · y (shift), or x = y⁺ − y⁻ (free), or x = constant (fixed). */
  readonly constant: number;
  readonly sign: 1 | -1;
}

function toJslpModel(lp: LinearProgram, freeColumns: 'split' | 'unrestricted'): { model: Model; columns: ColumnMap[]; cells: number } | string {
  const columns: ColumnMap[] = [];
  const rowShift = new Float64Array(lp.numRows);
  const variables: Model['variables'] = {};
  const constraints: Model['constraints'] = {};
  const unrestricted: Record<string, boolean> = {};
  let nVars = 0;
  let nCons = 0;
  const { starts, rows, values } = lp.matrix;
  for (let j = 0; j < lp.numCols; j++) {
    const lo = lp.colLower[j]!;
    const hi = lp.colUpper[j]!;
    if (lo > hi) return `column ${j} has lower bound ${lo} above its upper bound ${hi}`;
    let map: ColumnMap;
    if (lo === hi) map = { kind: 'fixed', constant: lo, sign: 1 };
    else if (Number.isFinite(lo)) map = { kind: 'shift', constant: lo, sign: 1 };
    else if (Number.isFinite(hi)) map = { kind: 'shift', constant: hi, sign: -1 };
    else map = { kind: 'free', constant: 0, sign: 1 };
    columns.push(map);
    if (map.constant !== 0) for (let k = starts[j]!; k < starts[j + 1]!; k++) rowShift[rows[k]!]! += values[k]! * map.constant;
    if (map.kind === 'fixed') continue;
    const coef = (s: number): Record<string, number> => {
      const v: Record<string, number> = { obj: s * lp.colCost[j]! };
      for (let k = starts[j]!; k < starts[j + 1]!; k++) v[`r${rows[k]}`] = s * values[k]!;
      return v;
    };
    if (map.kind === 'free') {
      variables[`p${j}`] = coef(1);
      nVars++;
      if (freeColumns === 'unrestricted') unrestricted[`p${j}`] = true;
      else {
        variables[`n${j}`] = coef(-1);
        nVars++;
      }
    } else {
      const v = coef(map.sign);
      if (Number.isFinite(lo) && Number.isFinite(hi)) {
        v[`u${j}`] = 1;
        constraints[`u${j}`] = { max: hi - lo };
        nCons++;
      }
      variables[`p${j}`] = v;
      nVars++;
    }
  }
  for (let i = 0; i < lp.numRows; i++) {
    const lo = lp.rowLower[i]! - rowShift[i]!;
    const hi = lp.rowUpper[i]! - rowShift[i]!;
    if (lp.rowLower[i] === lp.rowUpper[i]) {
      constraints[`r${i}`] = { equal: lo };
      nCons += 2;
    } else {
      const c: { min?: number; max?: number } = {};
      if (Number.isFinite(lo)) c.min = lo;
      if (Number.isFinite(hi)) c.max = hi;
      if (c.min === undefined && c.max === undefined) continue;
      constraints[`r${i}`] = c;
      nCons += c.min !== undefined && c.max !== undefined ? 2 : 1;
    }
  }
  const model: Model = { optimize: 'obj', opType: lp.sense, constraints, variables, options: { presolve: false }, ...(freeColumns === 'unrestricted' ? { unrestricted } : {}) };
  return { model, columns, cells: (nCons + 1) * (nVars + nCons + 1) };
}

function perturbationDuals(lp: LinearProgram, base: LpSolution): Float64Array {
  let scale = 1;
  const widen = (v: number): void => {
    if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  };
  lp.rowLower.forEach(widen);
  lp.rowUpper.forEach(widen);
  lp.colLower.forEach(widen);
  lp.colUpper.forEach(widen);
  const big = JSLP_DUAL_STEP * scale;
  const duals = new Float64Array(lp.numRows);
  for (let i = 0; i < lp.numRows; i++) {
    const lo = lp.rowLower[i]!;
    const hi = lp.rowUpper[i]!;
    const v = base.rowValue[i]!;
    let dir: 1 | -1;
    if (lo === hi) dir = 1;
    else if (Number.isFinite(hi) && Math.abs(v - hi) <= ACTIVE_TOLERANCE * Math.max(1, Math.abs(hi))) dir = 1;
    else if (Number.isFinite(lo) && Math.abs(v - lo) <= ACTIVE_TOLERANCE * Math.max(1, Math.abs(lo))) dir = -1;
    else continue;
    const slope = (step: number): number => {
      const rowLower = lp.rowLower.slice();
      const rowUpper = lp.rowUpper.slice();
      if (lo === hi || step < 0) rowLower[i] = lo + step;
      if (lo === hi || step > 0) rowUpper[i] = hi + step;
      const moved = solveWithJslp({ ...lp, rowLower, rowUpper });
      return moved.status === 'optimal' ? (moved.objective - base.objective) / step : NaN;
    };
    // The optimal value is piecewise linear in the bound: a long step reads the slope with
    // little rounding noise, unless it crosses a breakpoint; a short step checks it did not.
    const long = slope(dir * big);
    const short = slope((dir * big) / JSLP_DUAL_CHECK_RATIO);
    const agree = Math.abs(long - short) <= 1e-6 * Math.max(1, Math.abs(long)) + (1e-11 * Math.max(1, Math.abs(base.objective)) * JSLP_DUAL_CHECK_RATIO) / big;
    duals[i] = agree || Number.isNaN(short) ? long : short;
  }
  return duals;
}

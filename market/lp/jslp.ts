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
 * jsLPSolver returns no duals, so a second solve gets them from the **dual programme**
 * (`dualProgram`: one multiplier per finite row or column bound, one equality per
 * column), solved by the same solver. Its optimum is a consistent set of duals —
 * complementary slackness holds with any primal optimum, degenerate cases included,
 * which one-sided perturbations (re-solving with +ε demand per bus) do not guarantee —
 * and strong duality is checked: primal and dual optima must agree within
 * `JSLP_DUALITY_GAP`, else the result is a 'solver-error'. Where prices are not unique
 * the two solvers may report different (equally valid) ones; welfare and quantities
 * agree. Pass `{ duals: false }` for quantities only (one solve).
 *
 * ## Limits
 * It keeps a dense tableau (rows × columns doubles): the solver refuses, with status
 * 'solver-error' and a message, problems above `JSLP_MAX_TABLEAU_CELLS`, and
 * problems with a quadratic term (an LP solver only).
 */
import jsLpSolver from 'javascript-lp-solver';
import type { Model, SolveResult, SolverAPI } from 'javascript-lp-solver';
import { failedSolution, hasIntegerColumns, objectiveAt, rowActivities, type LinearProgram, type LpSolution, type LpSolveOptions, type LpSolver } from './solver.ts';

// Under `nodenext` TypeScript types the default import as the CommonJS module object (solver on
// `.default`), while tsx hands over the solver itself: the one-line shim of TOOLCHAIN.md.
const lpModule = jsLpSolver as unknown as SolverAPI & { default?: SolverAPI };
const solver: SolverAPI = lpModule.default ?? lpModule;

/**
 * Largest dense tableau accepted: (constraints + 1) × (variables + slacks + 1) doubles.
 * 5e6 cells is 40 MB and, measured here, a few seconds per solve; beyond it use HiGHS.
 */
export const JSLP_MAX_TABLEAU_CELLS = 5_000_000;

const tooLargeMessage = (cells: number): string =>
  `too large for javascript-lp-solver: its dense tableau would need ${cells > 1e12 ? `more than ${cells.toExponential(1)}` : cells.toLocaleString('en-US')} cells, above its limit JSLP_MAX_TABLEAU_CELLS = ${JSLP_MAX_TABLEAU_CELLS.toLocaleString('en-US')} (use HiGHS, --solver highs)`;

/** Largest accepted |primal − dual optimum|, relative to max(1, |optimum|): beyond it the solve is a numerical failure. */
export const JSLP_DUALITY_GAP = 1e-7;

export const jslpSolver: LpSolver = {
  name: 'jslp',
  nativeDuals: false,
  preferredFormulation: 'ptdf',
  tooLarge(rows: number, columns: number): string | undefined {
    // A lower bound of the tableau solveWithJslp would build: every row is at least one constraint, every column a variable.
    const cells = (rows + 1) * (columns + rows + 1);
    return cells > JSLP_MAX_TABLEAU_CELLS ? tooLargeMessage(cells) : undefined;
  },
  solve(lp: LinearProgram, opts: LpSolveOptions = {}): LpSolution {
    if (hasIntegerColumns(lp)) return failedSolution(lp, 'solver-error', 'javascript-lp-solver is not used for integer columns here: clear block orders and shiftable loads with HiGHS');
    // Above the limit the whole programme is not retried scaled (it can hang), but its dual programme is, when it fails.
    const first = solveAndPrice(lp, opts, lp.numCols > JSLP_RESCALED_RETRY_MAX_COLUMNS);
    if (first.status === 'optimal' || lp.numCols > JSLP_RESCALED_RETRY_MAX_COLUMNS || (lp.hessianDiagonal && lp.hessianDiagonal.some((h) => h !== 0))) return first;
    // jsLPSolver has no scaling of its own and pivots with an absolute tolerance: where it fails, the
    // programme scaled (see `equilibrate`) pivots elsewhere. Solved first as given, so that every
    // programme it already solved keeps its answer.
    const second = solvedScaled(lp, (scaledLp) => solveAndPrice(scaledLp, opts));
    if (!second) return first;
    const { solution, scaled, x, rowValue } = second;
    return {
      status: 'optimal',
      message: solution.message,
      objective: objectiveAt(lp, x),
      colValue: x,
      rowValue,
      ...(solution.rowDual && solution.colDual
        ? { rowDual: Float64Array.from(solution.rowDual, (y, i) => y * scaled.rowScale[i]!), colDual: Float64Array.from(solution.colDual, (d, j) => d / scaled.colScale[j]!) }
        : {}),
    };
  },
};

/**
 * Largest programme (columns) that gets the scaled second attempt. jsLPSolver's phase 1 can loop
 * for ever (its Bland fallback has no exit), and scaled programmes of mid-size feeders did: of 300
 * random feeders of 2–30 buses (2026-12-06), the first attempt failed 29; retried scaled without a
 * limit, 4 of them hung (> 8 s; 76–124 columns). With this limit 20 are solved, 9 still fail and
 * none hangs; on 4,400 random feeders of 2–14 buses no retry hung. A failure is a clearing problem
 * the run reports; a hang is a run that never ends.
 */
export const JSLP_RESCALED_RETRY_MAX_COLUMNS = 64;

/** jsLPSolver's precision (the tolerance `solveWithJslp` gives its `Solve`). */
const JSLP_PRECISION = 1e-9;

/** Passes of geometric scaling (each brings every row's and column's non-zeros closer to a geometric mean of 1). */
const SCALING_PASSES = 4;

/**
 * The programme with rows and columns scaled by powers of two (exact in binary: no rounding),
 * so that each row's and column's non-zeros have a geometric mean near 1: a'_ij = r_i a_ij s_j,
 * x = s x', cost' = c s, column bounds / s, row bounds × r. The objective is unchanged.
 *
 * Used where the programme as given fails. Why: jsLPSolver pivots with an absolute tolerance and
 * no scaling of its own. A LinDistFlow
 * voltage-drop row, w_k − w_i + 2 r c P_k = 0, has a P coefficient of 2e-5 next to the ±1 of
 * w (r = 0.0097 p.u., c = 1 kW / 1000 kVA); pivoting on it, jsLPSolver's phase 1 handed its
 * phase 2 a basis with a basic variable at −1.5e8 and the dual programme came back
 * "unbounded": every interval of a 2-bus feeder (audit W-fuzz seed 125) was a clearing
 * problem, and 222 of 2000 random feeders failed. Scaled, the drop row reads w'_k − w'_i + P_k = 0.
 * Not the first attempt: scaled, other programmes fail (case118's PTDF form comes back
 * "infeasible"), so it is the second.
 */
export function equilibrate(lp: LinearProgram): { lp: LinearProgram; rowScale: Float64Array; colScale: Float64Array } {
  const { starts, rows, values } = lp.matrix;
  const rowScale = new Float64Array(lp.numRows).fill(1);
  const colScale = new Float64Array(lp.numCols).fill(1);
  const lo = new Float64Array(Math.max(lp.numRows, lp.numCols));
  const hi = new Float64Array(lo.length);
  const pow2 = (min: number, max: number): number => (max > 0 ? 2 ** -Math.round(Math.log2(Math.sqrt(min * max))) : 1);
  // An entry below jsLPSolver's precision relative to its row's largest (a marginal-loss step of 4e-11 beside the
  // balance row's ±1) is noise to the solver and must not set the row's scale: counted, it scaled a feeder's balance
  // row by 2^19 instead of 2^11, and the scaled dual programme came back with a wrong optimum (fuzz --feeder seed 10197).
  const rowMax = new Float64Array(lp.numRows);
  for (let k = 0; k < values.length; k++) rowMax[rows[k]!] = Math.max(rowMax[rows[k]!]!, Math.abs(values[k]!));
  const counts = (k: number): boolean => Math.abs(values[k]!) >= JSLP_PRECISION * rowMax[rows[k]!]!;
  for (let pass = 0; pass < SCALING_PASSES; pass++) {
    lo.fill(Infinity, 0, lp.numRows);
    hi.fill(0, 0, lp.numRows);
    for (let j = 0; j < lp.numCols; j++) {
      for (let k = starts[j]!; k < starts[j + 1]!; k++) {
        const a = Math.abs(values[k]!) * colScale[j]!;
        if (a === 0 || !counts(k)) continue;
        const i = rows[k]!;
        if (a < lo[i]!) lo[i] = a;
        if (a > hi[i]!) hi[i] = a;
      }
    }
    for (let i = 0; i < lp.numRows; i++) rowScale[i] = pow2(lo[i]!, hi[i]!);
    for (let j = 0; j < lp.numCols; j++) {
      let min = Infinity;
      let max = 0;
      for (let k = starts[j]!; k < starts[j + 1]!; k++) {
        const a = Math.abs(values[k]!) * rowScale[rows[k]!]!;
        if (a === 0 || !counts(k)) continue;
        if (a < min) min = a;
        if (a > max) max = a;
      }
      colScale[j] = pow2(min, max);
    }
  }
  const scaledValues = new Float64Array(values.length);
  for (let j = 0; j < lp.numCols; j++) for (let k = starts[j]!; k < starts[j + 1]!; k++) scaledValues[k] = values[k]! * rowScale[rows[k]!]! * colScale[j]!;
  const scaled: LinearProgram = {
    ...lp,
    colCost: Float64Array.from(lp.colCost, (c, j) => c * colScale[j]!),
    colLower: Float64Array.from(lp.colLower, (b, j) => b / colScale[j]!),
    colUpper: Float64Array.from(lp.colUpper, (b, j) => b / colScale[j]!),
    rowLower: Float64Array.from(lp.rowLower, (b, i) => b * rowScale[i]!),
    rowUpper: Float64Array.from(lp.rowUpper, (b, i) => b * rowScale[i]!),
    matrix: { starts, rows, values: scaledValues },
  };
  return { lp: scaled, rowScale, colScale };
}

/** Largest accepted bound violation of a rescued (scaled) solution, relative to max(1, |bound|). */
const SCALED_FEASIBILITY = 1e-7;

function withinBounds(v: Float64Array, lower: Float64Array, upper: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) {
    const lo = lower[i]!;
    const hi = upper[i]!;
    if (v[i]! < lo - SCALED_FEASIBILITY * Math.max(1, Math.abs(lo)) || v[i]! > hi + SCALED_FEASIBILITY * Math.max(1, Math.abs(hi))) return false;
  }
  return true;
}

/**
 * One solve and, unless told otherwise, its prices from the dual programme; with `dualRetry`, a dual
 * programme jsLPSolver fails on is solved again scaled (`solveDualScaled`).
 */
function solveAndPrice(lp: LinearProgram, opts: LpSolveOptions, dualRetry = false): LpSolution {
  const base = solveWithJslp(lp);
  if (base.status !== 'optimal' || opts.duals === false) return base;
  return dualsByDualProgramme(lp, base, dualRetry);
}

/**
 * The dual programme solved scaled (`equilibrate`), its point back in the caller's units and held to
 * its bounds; undefined where that fails too. For programmes above `JSLP_RESCALED_RETRY_MAX_COLUMNS`,
 * whose primal is not retried scaled: on 700 random LinDistFlow feeders of 6–30 buses with 30–150 offers
 * (audit A-dafeeder), jsLPSolver found the dual programme "infeasible" in 50 of the 580 above 64 columns,
 * every one feasible for HiGHS (an absolute pivot tolerance against entries of r, x, tan φ and polygon
 * sides spanning orders of magnitude); scaled, 47 solve (46 to HiGHS's prices within 1e-6, one to other
 * optimal prices), 3 still fail, and none took more than 0.4 s (the hang of `JSLP_RESCALED_RETRY_MAX_COLUMNS`
 * is the scaled primal's phase 1; its 124-column programme's dual solves scaled). Strong duality is still
 * checked (`dualsByDualProgramme`), so a wrong scaled optimum is refused, never published.
 */
function solveDualScaled(dual: LinearProgram): LpSolution | undefined {
  const s = solvedScaled(dual, solveWithJslp);
  return s && { status: 'optimal', message: '', objective: objectiveAt(dual, s.x), colValue: s.x, rowValue: s.rowValue };
}

/**
 * `lp` scaled (`equilibrate`) and solved by `solve`, its point back in `lp`'s units and held to `lp`'s bounds
 * (the scaled solve's tolerances are in scaled units); undefined where the solve or the bounds fail.
 */
function solvedScaled(
  lp: LinearProgram,
  solve: (scaledLp: LinearProgram) => LpSolution,
): { solution: LpSolution; scaled: ReturnType<typeof equilibrate>; x: Float64Array; rowValue: Float64Array } | undefined {
  const scaled = equilibrate(lp);
  const solution = solve(scaled.lp);
  if (solution.status !== 'optimal') return undefined;
  const x = Float64Array.from(solution.colValue, (v, j) => v * scaled.colScale[j]!);
  const rowValue = rowActivities(lp, x);
  if (!withinBounds(x, lp.colLower, lp.colUpper) || !withinBounds(rowValue, lp.rowLower, lp.rowUpper)) return undefined;
  return { solution, scaled, x, rowValue };
}

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
  if (cells > JSLP_MAX_TABLEAU_CELLS) return failedSolution(lp, 'solver-error', tooLargeMessage(cells));
  let out: SolveResult;
  try {
    out = solver.Solve(model, JSLP_PRECISION, false) as SolveResult;
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

/**
 * The dual programme of a maximisation (min over row and bound multipliers, all ≥ 0):
 *
 *   min  offset + Σ_i (ru_i yU_i − rl_i yL_i) + Σ_j (cu_j zU_j − cl_j zL_j)
 *   s.t. Σ_i a_ij (yU_i − yL_i) + zU_j − zL_j = c_j        for every column j
 *
 * with a multiplier only for a finite bound (and none for a zero lower bound: the row is
 * then "≥ c_j"). row dual = yU − yL, column dual = zU − zL: HiGHS's convention
 * (∂objective/∂active bound).
 * @internal exported for tests
 */
export function dualProgram(lp: LinearProgram): { dual: LinearProgram; rowUpper: Int32Array; rowLower: Int32Array; colUpper: Int32Array; colLower: Int32Array; slackLower: Uint8Array } {
  const m = lp.numRows;
  const n = lp.numCols;
  // Rows of A (the dual's columns for yU/yL): transpose the CSC matrix.
  const { starts, rows, values } = lp.matrix;
  const rowCount = new Int32Array(m + 1);
  for (let k = 0; k < rows.length; k++) rowCount[rows[k]! + 1]!++;
  for (let i = 0; i < m; i++) rowCount[i + 1]! += rowCount[i]!;
  const rowCols = new Int32Array(rows.length);
  const rowVals = new Float64Array(rows.length);
  const fill = rowCount.slice(0, m);
  for (let j = 0; j < n; j++) {
    for (let k = starts[j]!; k < starts[j + 1]!; k++) {
      const at = fill[rows[k]!]!++;
      rowCols[at] = j;
      rowVals[at] = values[k]!;
    }
  }
  const cost: number[] = [];
  const colStarts: number[] = [0];
  const colRows: number[] = [];
  const colVals: number[] = [];
  const index = { rowUpper: new Int32Array(m).fill(-1), rowLower: new Int32Array(m).fill(-1), colUpper: new Int32Array(n).fill(-1), colLower: new Int32Array(n).fill(-1) };
  const addColumn = (c: number, entries: Array<[number, number]>): number => {
    cost.push(c);
    for (const [r, v] of entries) {
      colRows.push(r);
      colVals.push(v);
    }
    colStarts.push(colRows.length);
    return cost.length - 1;
  };
  for (let i = 0; i < m; i++) {
    const entries = (sign: number): Array<[number, number]> => {
      const e: Array<[number, number]> = [];
      for (let k = rowCount[i]!; k < rowCount[i + 1]!; k++) e.push([rowCols[k]!, sign * rowVals[k]!]);
      return e;
    };
    if (Number.isFinite(lp.rowUpper[i]!)) index.rowUpper[i] = addColumn(lp.rowUpper[i]!, entries(1));
    if (Number.isFinite(lp.rowLower[i]!)) index.rowLower[i] = addColumn(-lp.rowLower[i]!, entries(-1));
  }
  // A lower bound of 0 has a multiplier of zero cost: instead of a column, the column's
  // equality becomes "≥ c_j" (its slack is zL_j). Bid stacks are all such columns.
  const slackLower = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    if (Number.isFinite(lp.colUpper[j]!)) index.colUpper[j] = addColumn(lp.colUpper[j]!, [[j, 1]]);
    if (lp.colLower[j] === 0) slackLower[j] = 1;
    else if (Number.isFinite(lp.colLower[j]!)) index.colLower[j] = addColumn(-lp.colLower[j]!, [[j, -1]]);
  }
  const k = cost.length;
  const dual: LinearProgram = {
    sense: 'min',
    numCols: k,
    numRows: n,
    offset: lp.offset,
    colCost: Float64Array.from(cost),
    colLower: new Float64Array(k),
    colUpper: new Float64Array(k).fill(Infinity),
    rowLower: Float64Array.from(lp.colCost),
    rowUpper: Float64Array.from(lp.colCost, (c, j) => (slackLower[j] ? Infinity : c)),
    matrix: { starts: Int32Array.from(colStarts), rows: Int32Array.from(colRows), values: Float64Array.from(colVals) },
  };
  return { dual, ...index, slackLower };
}

/** Duals from solving the dual programme; checks strong duality. */
function dualsByDualProgramme(lp: LinearProgram, primal: LpSolution, dualRetry: boolean): LpSolution {
  if (lp.sense !== 'max') return { ...primal, message: 'javascript-lp-solver: duals are derived for maximisations only' };
  const { dual, rowUpper, rowLower, colUpper, colLower, slackLower } = dualProgram(lp);
  const first = solveWithJslp(dual);
  const sol = first.status !== 'optimal' && dualRetry ? (solveDualScaled(dual) ?? first) : first;
  if (sol.status !== 'optimal') return failedSolution(lp, 'solver-error', `javascript-lp-solver could not solve the dual programme for prices (${sol.status}: ${sol.message})`);
  const gap = Math.abs(sol.objective - primal.objective);
  if (gap > JSLP_DUALITY_GAP * Math.max(1, Math.abs(primal.objective)))
    return failedSolution(lp, 'solver-error', `javascript-lp-solver's primal (${primal.objective}) and dual (${sol.objective}) optima differ: a numerical failure`);
  const y = sol.colValue;
  const pick = (idx: number): number => (idx >= 0 ? y[idx]! : 0);
  const rowDual = Float64Array.from({ length: lp.numRows }, (_, i) => pick(rowUpper[i]!) - pick(rowLower[i]!));
  const colDual = Float64Array.from({ length: lp.numCols }, (_, j) => pick(colUpper[j]!) - (slackLower[j] ? sol.rowValue[j]! - lp.colCost[j]! : pick(colLower[j]!)));
  return { ...primal, rowDual, colDual };
}

/**
 * The one small interface every LP solver sits behind, and the plain-data linear
 * programme it solves. Dispatch builds a `LinearProgram`; a solver returns an
 * `LpSolution` whose status says whether to trust it. Solvers never throw on an
 * optimisation outcome (infeasible, unbounded, too large): those are statuses.
 *
 *   optimise (max or min)   offset + Σ_j c_j x_j + ½ Σ_j h_j x_j²
 *   subject to              rowLower ≤ A x ≤ rowUpper,   colLower ≤ x ≤ colUpper
 *
 * Dual convention, for every solver: `rowDual[i]` is ∂(optimal objective)/∂(the
 * active bound of row i) and `colDual[j]` the same for column j's active bound, in
 * the objective's own sense (HiGHS's convention, measured: for a maximisation with
 * row `inject − withdraw = load`, the dual is −price). Zero for inactive bounds.
 */

export type LpSense = 'max' | 'min';

/** Compressed sparse columns: column j's entries are at starts[j] … starts[j+1]−1. */
export interface CscMatrix {
  readonly starts: Int32Array;
  readonly rows: Int32Array;
  readonly values: Float64Array;
}

export interface LinearProgram {
  readonly sense: LpSense;
  readonly numCols: number;
  readonly numRows: number;
  readonly offset: number;
  readonly colCost: Float64Array;
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
  readonly matrix: CscMatrix;
  /** Diagonal quadratic term h (½ h_j x_j²); concave for a maximisation (h ≤ 0), convex for a minimisation. */
  readonly hessianDiagonal?: Float64Array;
  /**
   * Per column, 1 = integer, 0 = continuous (absent: an LP). Only HiGHS solves such a
   * mixed-integer programme (branch and bound, no duals); javascript-lp-solver reports
   * 'solver-error'.
   */
  readonly integrality?: Uint8Array | undefined;
}

/** Whether the programme has an integer column. */
export function hasIntegerColumns(lp: LinearProgram): boolean {
  return lp.integrality !== undefined && lp.integrality.some((v) => v !== 0);
}

export type LpStatus = 'optimal' | 'infeasible' | 'unbounded' | 'solver-error';

export interface LpSolution {
  readonly status: LpStatus;
  /** Why, when the status is not 'optimal'; a short note (or '') otherwise. */
  readonly message: string;
  /** Includes `offset`; NaN unless optimal. */
  readonly objective: number;
  readonly colValue: Float64Array;
  readonly rowValue: Float64Array;
  /** Present when the solver computed duals (see the module comment for the sign). */
  readonly rowDual?: Float64Array;
  readonly colDual?: Float64Array;
  /** The optimal basis, when asked for (`keepBasis`) and the solver has one (HiGHS; not javascript-lp-solver). */
  readonly basis?: LpBasis;
}

/**
 * A simplex basis: per column and per row, one of `BASIS_LOWER` (nonbasic at its lower
 * bound), `BASIS_BASIC` or `BASIS_UPPER` (HiGHS's codes). A valid basis has exactly
 * `numRows` basic entries.
 */
export interface LpBasis {
  readonly colStatus: Int32Array;
  readonly rowStatus: Int32Array;
}
export const BASIS_LOWER = 0;
export const BASIS_BASIC = 1;
export const BASIS_UPPER = 2;

export interface LpSolveOptions {
  /** Compute duals (default true). Solvers without native duals may take extra solves for them. */
  readonly duals?: boolean;
  /**
   * The algorithm, when the caller knows its programme better than the solver's size rule
   * (HiGHS: dual simplex or interior point with crossover; both give an exact basic optimum).
   * Ignored by solvers with one algorithm.
   */
  readonly method?: 'simplex' | 'ipm';
  /** A basis to start from (a warm start; implies simplex). A solver that cannot use it starts cold: the optimum is the same. */
  readonly startBasis?: LpBasis;
  /** Return the optimal basis in `LpSolution.basis` (for a later warm start). */
  readonly keepBasis?: boolean;
}

export type SolverName = 'highs' | 'jslp';

/**
 * How dispatch writes the network: voltage angles and nodal balances, or PTDF rows
 * (market/lp/dispatch.ts), or a radial feeder's LinDistFlow block (market/lp/feederDispatch.ts).
 */
export type LpFormulation = 'b-theta' | 'ptdf' | 'lindistflow';

export interface LpSolver {
  readonly name: SolverName;
  /** True when duals come from the solver itself; false when derived (e.g. by perturbation). */
  readonly nativeDuals: boolean;
  /** The network formulation this solver handles best (dispatch uses it unless told otherwise). */
  readonly preferredFormulation: LpFormulation;
  /** Synchronous; never throws on an optimisation outcome. */
  solve(lp: LinearProgram, opts?: LpSolveOptions): LpSolution;
  /**
   * Why a programme of at least `rows` constrained rows and `columns` columns is too large
   * for this solver, or undefined. Asked before the programme is built (a PTDF for 10,000
   * buses is 800 MB), so a refusal costs nothing.
   */
  tooLarge?(rows: number, columns: number): string | undefined;
}

/** A failed solution of the right shape: NaN objective, zero values, no duals. */
export function failedSolution(lp: LinearProgram, status: Exclude<LpStatus, 'optimal'>, message: string): LpSolution {
  return { status, message, objective: NaN, colValue: new Float64Array(lp.numCols), rowValue: new Float64Array(lp.numRows) };
}

/** Row activities A x. */
export function rowActivities(lp: LinearProgram, x: Float64Array): Float64Array {
  const out = new Float64Array(lp.numRows);
  const { starts, rows, values } = lp.matrix;
  for (let j = 0; j < lp.numCols; j++) {
    const xj = x[j]!;
    if (xj === 0) continue;
    for (let k = starts[j]!; k < starts[j + 1]!; k++) out[rows[k]!]! += values[k]! * xj;
  }
  return out;
}

/** The objective at x, offset included. */
export function objectiveAt(lp: LinearProgram, x: Float64Array): number {
  let v = lp.offset;
  for (let j = 0; j < lp.numCols; j++) {
    const xj = x[j]!;
    v += lp.colCost[j]! * xj;
    if (lp.hessianDiagonal) v += 0.5 * lp.hessianDiagonal[j]! * xj * xj;
  }
  return v;
}

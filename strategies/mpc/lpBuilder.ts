/**
 * A small builder for the planning LPs of `strategies/mpc/`: rows first, then
 * columns with their entries, then one `LinearProgram` in CSC form for any
 * `LpSolver` (market/lp/solver.ts). Plain data; nothing is solved here.
 */
import type { LinearProgram, LpSense } from '../../market/lp/solver.ts';

export class LpBuilder {
  private readonly cost: number[] = [];
  private readonly lower: number[] = [];
  private readonly upper: number[] = [];
  private readonly starts: number[] = [0];
  private readonly rows: number[] = [];
  private readonly values: number[] = [];
  private readonly rowLower: number[] = [];
  private readonly rowUpper: number[] = [];

  /** Adds a row `lo ≤ a·x ≤ hi`; returns its index. */
  row(lo: number, hi: number): number {
    this.rowLower.push(lo);
    this.rowUpper.push(hi);
    return this.rowLower.length - 1;
  }

  /** Adds a column with objective coefficient `cost`, bounds [lo, hi] and entries (row, value); returns its index. */
  col(cost: number, lo: number, hi: number, entries: ReadonlyArray<readonly [number, number]>): number {
    this.cost.push(cost);
    this.lower.push(lo);
    this.upper.push(Math.max(lo, hi));
    for (const [r, v] of entries) {
      if (v === 0) continue;
      this.rows.push(r);
      this.values.push(v);
    }
    this.starts.push(this.rows.length);
    return this.cost.length - 1;
  }

  build(sense: LpSense, offset = 0): LinearProgram {
    return {
      sense,
      numCols: this.cost.length,
      numRows: this.rowLower.length,
      offset,
      colCost: Float64Array.from(this.cost),
      colLower: Float64Array.from(this.lower),
      colUpper: Float64Array.from(this.upper),
      rowLower: Float64Array.from(this.rowLower),
      rowUpper: Float64Array.from(this.rowUpper),
      matrix: { starts: Int32Array.from(this.starts), rows: Int32Array.from(this.rows), values: Float64Array.from(this.values) },
    };
  }
}

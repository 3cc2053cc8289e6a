/**
 * A linear programme under construction: columns and rows appended in any order,
 * coefficients as (row, column, value) triplets, turned into the solver's
 * compressed-column `LinearProgram` once at the end. Blocks of a programme (the
 * offers, a network model for one interval, the next interval's copy) append to
 * the same builder and remember where their rows and columns are.
 *
 * Growable typed arrays; `build` sorts the triplets by column with a counting sort
 * and adds duplicates together. Not for hot loops that rebuild the same LP: it is
 * the plain way to write one.
 */
import type { LinearProgram, LpSense } from './solver.ts';

class F64 {
  data: Float64Array;
  length = 0;
  constructor(capacity = 64) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

class I32 {
  data: Int32Array;
  length = 0;
  constructor(capacity = 64) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

export class LpBuilder {
  private readonly colLower: F64;
  private readonly colUpper = new F64();
  private readonly colCost = new F64();
  private readonly rowLower = new F64();
  private readonly rowUpper = new F64();
  private readonly tRow: I32;
  private readonly tCol: I32;
  private readonly tVal: F64;

  constructor(capacity: { cols?: number; nonzeros?: number } = {}) {
    this.colLower = new F64(capacity.cols ?? 64);
    this.tRow = new I32(capacity.nonzeros ?? 256);
    this.tCol = new I32(capacity.nonzeros ?? 256);
    this.tVal = new F64(capacity.nonzeros ?? 256);
  }

  get numCols(): number {
    return this.colLower.length;
  }
  get numRows(): number {
    return this.rowLower.length;
  }

  /** A column with bounds and objective coefficient; returns its index. */
  addColumn(lower: number, upper: number, cost = 0): number {
    this.colUpper.push(upper);
    this.colCost.push(cost);
    return this.colLower.push(lower);
  }

  /** A row `lower ≤ Σ a x ≤ upper`; returns its index. */
  addRow(lower: number, upper: number): number {
    this.rowUpper.push(upper);
    return this.rowLower.push(lower);
  }

  /** Adds `value` to the coefficient of column `col` in row `row` (zeros are skipped). */
  add(row: number, col: number, value: number): void {
    if (value === 0) return;
    this.tRow.push(row);
    this.tCol.push(col);
    this.tVal.push(value);
  }

  /** Moves a row's bounds by `delta` (e.g. a fixed load on a balance row). */
  shiftRow(row: number, delta: number): void {
    this.rowLower.data[row]! += delta;
    this.rowUpper.data[row]! += delta;
  }

  /** The compressed-column programme; the builder stays usable. */
  build(sense: LpSense, offset = 0, hessianDiagonal?: Float64Array): LinearProgram {
    const n = this.numCols;
    const nnz = this.tVal.length;
    const tRow = this.tRow.data;
    const tCol = this.tCol.data;
    const tVal = this.tVal.data;
    const starts = new Int32Array(n + 1);
    for (let t = 0; t < nnz; t++) starts[tCol[t]! + 1]!++;
    for (let j = 0; j < n; j++) starts[j + 1]! += starts[j]!;
    const fill = starts.slice(0, n);
    const order = new Int32Array(nnz);
    for (let t = 0; t < nnz; t++) order[fill[tCol[t]!]!++] = t;
    const rows = new Int32Array(nnz);
    const values = new Float64Array(nnz);
    const outStarts = new Int32Array(n + 1);
    let p = 0;
    for (let j = 0; j < n; j++) {
      outStarts[j] = p;
      const from = starts[j]!;
      const to = starts[j + 1]!;
      // Rows ascending within the column (insertion sort: columns are short), duplicates summed.
      const first = p;
      for (let k = from; k < to; k++) {
        const t = order[k]!;
        const r = tRow[t]!;
        const v = tVal[t]!;
        let q = p;
        while (q > first && rows[q - 1]! > r) q--;
        if (q > first && rows[q - 1] === r) {
          values[q - 1]! += v;
          continue;
        }
        // Mostly in order already (blocks add a column's rows ascending): shift only when it is not.
        if (q < p) {
          rows.copyWithin(q + 1, q, p);
          values.copyWithin(q + 1, q, p);
        }
        rows[q] = r;
        values[q] = v;
        p++;
      }
    }
    outStarts[n] = p;
    return {
      sense,
      numCols: n,
      numRows: this.numRows,
      offset,
      colCost: this.colCost.view().slice(),
      colLower: this.colLower.view().slice(),
      colUpper: this.colUpper.view().slice(),
      rowLower: this.rowLower.view().slice(),
      rowUpper: this.rowUpper.view().slice(),
      matrix: { starts: outStarts, rows: rows.subarray(0, p), values: values.subarray(0, p) },
      ...(hessianDiagonal ? { hessianDiagonal } : {}),
    };
  }
}

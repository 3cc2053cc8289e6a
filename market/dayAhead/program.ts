/**
 * The day-ahead programme: every interval of the horizon in one LP, built in named
 * steps — `aggregateSimpleBids` (book segments → columns), `buildProgram` (rows, columns,
 * bounds, matrix and objective) — for `clearDayAhead` to solve and read back.
 *
 *   maximise   Σ_t Δt Σ_j ±p_j y_jt                       (simple columns: + buy value, − sell cost)
 *              + Σ_storage [ V_T (s_T − s_0) − V_need/η_c u − deg Σ_t Δt (η_c c_t + d_t/η_d) ]
 *              + Σ_ev      [ − V_need/η_c u − deg Σ_t Δt (η_c c_t + d_t/η_d) ] + constant
 *   subject to, every interval t: the network block's rows (bus balances, branch limits),
 *                 an injection entering with +1, a withdrawal (buy, charge) with −1;
 *              storage/EV, every interval t of its window:
 *                 s_t − s_{t−1} − η_c Δt c_t + Δt/η_d d_t = 0   (s_{−1} = initial SoC: moves to the bound)
 *                 c_t / C + d_t / D ≤ 1                          (time sharing; when both can be > 0)
 *                 min ≤ s_t ≤ max, 0 ≤ c_t ≤ C, 0 ≤ d_t ≤ D
 *              the requirement:  s_last + u ≥ target,  0 ≤ u ≤ target − min(…)
 *              ramp g, t ≥ 1:    −down ≤ Σ_{j∈g} y_jt − Σ_{j∈g} y_j,t−1 ≤ up   (t = 0 from initialKw)
 *              integer bids (binary z per option: a block has one, a shiftable load one per start):
 *                 Σ_options z ≤ 1,  z_child ≤ z_parent (linked blocks),
 *                 each option withdrawing (or injecting) its fixed kW profile when z = 1,
 *                 worth its value (block: ±price × energy; shiftable: value × energy) in the objective
 *
 * Units: columns in kW (and kWh for SoC), objective in currency/MWh × kWh = currency/1000,
 * so the dual of a balance row is −price × Δt (price = −dual / Δt, currency/MWh).
 * The constant makes the objective equal welfare relative to idle intertemporal bids.
 */
import type { BusId } from '../../core/units.ts';
import type { CscMatrix, LinearProgram } from '../lp/solver.ts';
import type { OrderBook } from '../types.ts';
import type { DayAheadHorizon, EvBid, GeneratorRamp, StorageBid } from './types.ts';

/** One interval's network as the programme places it (market/lp/networkBlock.ts `NetworkBlock`, or a copper plate). */
export interface IntervalGrid {
  readonly numRows: number;
  readonly numCols: number;
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
  readonly columns: CscMatrix;
  readonly injectionStarts: Int32Array;
  readonly injectionRows: Int32Array;
  readonly injectionValues: Float64Array;
}

/** A single node: one balance row, every bus injecting into it. */
export function copperPlate(busCount: number): IntervalGrid {
  return {
    numRows: 1,
    numCols: 0,
    rowLower: new Float64Array(1),
    rowUpper: new Float64Array(1),
    colLower: new Float64Array(0),
    colUpper: new Float64Array(0),
    columns: { starts: new Int32Array(1), rows: new Int32Array(0), values: new Float64Array(0) },
    injectionStarts: Int32Array.from({ length: busCount + 1 }, (_, k) => k),
    injectionRows: new Int32Array(busCount),
    injectionValues: new Float64Array(busCount).fill(1),
  };
}

/** Simple segments of one interval as LP columns: one per (grid bus, side, price tick, ramp group). */
export interface SimpleColumns {
  readonly count: number;
  readonly gridBus: Int32Array;
  readonly isBuy: Uint8Array;
  readonly priceTicks: Float64Array;
  readonly quanta: Float64Array;
  /** Ramp limit index, −1 for none. */
  readonly ramp: Int32Array;
  /** Per book segment: its column, −1 for a zero-quantity segment. */
  readonly columnOf: Int32Array;
  /**
   * Per column, 1 = the fixed acceptances of one bus and side merged by price bands
   * (market/dayAhead/priceBands.ts): bounds [0, Q] like any column, so that the restricted LP
   * stays feasible where the grid cannot carry them all; a restricted optimum is certified only
   * with it at Q. Absent: no such column.
   */
  readonly fixed?: Uint8Array;
}

/**
 * Segments at one grid bus, side, price tick and ramp group become one column (their
 * quanta added): the LP cannot tell them apart, and read-back shares a column's award
 * pro rata, as `clearNetwork` does. Exact: no information the LP uses is lost.
 */
export function aggregateSimpleBids(book: OrderBook, gridBusOf: Int32Array, rampOfBid: (bidIndex: number) => number): SimpleColumns {
  const n = book.size;
  const columnOf = new Int32Array(n).fill(-1);
  // A numeric key per (ramp group, grid bus, side, tick): far faster than strings at a million segments.
  let minTick = Infinity;
  let maxTick = -Infinity;
  let maxBus = 0;
  for (let i = 0; i < n; i++) {
    const t = book.priceTicks[i]!;
    if (t < minTick) minTick = t;
    if (t > maxTick) maxTick = t;
  }
  for (let k = 0; k < gridBusOf.length; k++) maxBus = Math.max(maxBus, gridBusOf[k]!);
  const span = maxTick - minTick + 1;
  const buses = maxBus + 1;
  const key = new Map<number, number>();
  const gridBus: number[] = [];
  const isBuy: number[] = [];
  const ticks: number[] = [];
  const quanta: number[] = [];
  const ramp: number[] = [];
  let lastBid = -1;
  let lastRamp = -1;
  for (let i = 0; i < n; i++) {
    const q = book.quantityQuanta[i]!;
    if (!(q > 0)) continue;
    const bus = gridBusOf[book.busIndex[i]!]!;
    const buy = book.isBuy[i]!;
    const b = book.bidIndex[i]!;
    if (b !== lastBid) {
      lastBid = b;
      lastRamp = rampOfBid(b);
    }
    const g = buy ? -1 : lastRamp;
    const k = (((g + 1) * buses + bus) * 2 + buy) * span + (book.priceTicks[i]! - minTick);
    let c = key.get(k);
    if (c === undefined) {
      c = gridBus.length;
      key.set(k, c);
      gridBus.push(bus);
      isBuy.push(buy);
      ticks.push(book.priceTicks[i]!);
      quanta.push(0);
      ramp.push(g);
    }
    quanta[c]! += q;
    columnOf[i] = c;
  }
  return {
    count: gridBus.length,
    gridBus: Int32Array.from(gridBus),
    isBuy: Uint8Array.from(isBuy),
    priceTicks: Float64Array.from(ticks),
    quanta: Float64Array.from(quanta),
    ramp: Int32Array.from(ramp),
    columnOf,
  };
}

/** A storage or EV bid as the programme sees it (an EV's window as horizon positions). */
export interface BatteryBid {
  readonly bid: StorageBid | EvBid;
  readonly gridBus: number;
  /** Horizon positions of its window, inclusive. */
  readonly from: number;
  readonly to: number;
  /** SoC it must reach at the end of `to`, kWh, and what a kWh short costs (currency/MWh of cell energy). */
  readonly targetKwh: number;
  readonly shortfallCostMwh: number;
  /** Value of cell energy left at the end (storage), currency/MWh. */
  readonly terminalValueMwh: number;
}

/** Where one battery bid's columns are: −1 where it has none. */
export interface BatteryColumns {
  readonly charge: Int32Array;
  readonly discharge: Int32Array;
  readonly soc: Int32Array;
  readonly shortfall: number;
}

/**
 * A block order or shiftable load as the programme sees it: a choice among options (a
 * block: one, accept or not; a shiftable load: one per start interval), at most one
 * taken (binary columns).
 */
export interface IntegerBid {
  readonly gridBus: number;
  /** Each option: from its first horizon position, net withdrawal kW per position (− injection), whole quanta. */
  readonly options: readonly { readonly from: number; readonly netKw: readonly number[] }[];
  /** Objective per option taken: currency/MWh × kWh (as the other columns). */
  readonly value: number;
  /** Index of the parent block among the programme's integer bids, −1 for none. */
  readonly parent: number;
}

export interface ProgramInput {
  readonly horizon: DayAheadHorizon;
  readonly priceTickMwh: number;
  readonly quantumKw: number;
  readonly buses: readonly BusId[];
  readonly grid: IntervalGrid;
  readonly simple: readonly SimpleColumns[];
  readonly batteries: readonly BatteryBid[];
  readonly ramps: readonly GeneratorRamp[];
  readonly integers?: readonly IntegerBid[];
}

export interface ProgramLayout {
  /** Per interval: first row of its grid block, first column of its simple columns, first column of its grid's own columns. */
  readonly gridRow: Int32Array;
  readonly simpleCol: Int32Array;
  readonly gridCol: Int32Array;
  readonly batteries: readonly BatteryColumns[];
  /** Per integer bid: the binary column of each option. */
  readonly integers: readonly Int32Array[];
}

export interface DayAheadProgram {
  readonly lp: LinearProgram;
  readonly layout: ProgramLayout;
}

/** Builds the whole-horizon programme (constraints and objective). Pure. */
export function buildProgram(input: ProgramInput): DayAheadProgram {
  const { horizon, grid, simple, batteries, ramps } = input;
  const T = horizon.intervalCount;
  const dt = horizon.durationH;
  const tick = input.priceTickMwh;
  const q = input.quantumKw;
  const lp = new CscBuilder();

  // Rows: the grid blocks, interval after interval.
  const gridRow = new Int32Array(T);
  for (let t = 0; t < T; t++) gridRow[t] = lp.addRows(grid.rowLower, grid.rowUpper);
  // Rows: batteries (dynamics, time sharing, requirement).
  const dynRow: Int32Array[] = [];
  const shareRow: Int32Array[] = [];
  const needRow: number[] = [];
  for (const b of batteries) {
    const len = b.to - b.from + 1;
    const dyn = new Int32Array(len);
    const share = new Int32Array(len).fill(-1);
    const bid = b.bid;
    const sharing = bid.maxChargeKw > 0 && bid.maxDischargeKw > 0;
    for (let k = 0; k < len; k++) {
      // s_t − s_{t−1} − … = 0; for the first, s_t − … = initial.
      dyn[k] = lp.addRow(k === 0 ? bid.initialSocKwh : 0, k === 0 ? bid.initialSocKwh : 0);
      if (sharing) share[k] = lp.addRow(-Infinity, 1);
    }
    dynRow.push(dyn);
    shareRow.push(share);
    needRow.push(b.targetKwh > bid.minSocKwh ? lp.addRow(b.targetKwh, Infinity) : -1);
  }
  // Rows: ramps.
  const rampRow: Int32Array[] = ramps.map((r) => {
    const rows = new Int32Array(T).fill(-1);
    for (let t = 0; t < T; t++) {
      if (t === 0 && r.initialKw === undefined) continue;
      const base = t === 0 ? r.initialKw! : 0;
      rows[t] = lp.addRow(base - r.rampDownKw, base + r.rampUpKw);
    }
    return rows;
  });

  // Columns: per interval, the simple columns then the grid's own.
  const simpleCol = new Int32Array(T);
  const gridCol = new Int32Array(T);
  const { injectionStarts, injectionRows, injectionValues } = grid;
  for (let t = 0; t < T; t++) {
    const cols = simple[t]!;
    const r0 = gridRow[t]!;
    simpleCol[t] = lp.numCols;
    for (let c = 0; c < cols.count; c++) {
      const buy = cols.isBuy[c] === 1;
      const dir = buy ? -1 : 1;
      const price = cols.priceTicks[c]! * tick;
      const Q = cols.quanta[c]! * q;
      lp.beginColumn(0, Q, (buy ? price : -price) * dt);
      const bus = cols.gridBus[c]!;
      for (let p = injectionStarts[bus]!; p < injectionStarts[bus + 1]!; p++) lp.entry(r0 + injectionRows[p]!, dir * injectionValues[p]!);
      const g = cols.ramp[c]!;
      if (g >= 0) {
        const rows = rampRow[g]!;
        if (rows[t]! >= 0) lp.entry(rows[t]!, 1);
        if (t + 1 < T && rows[t + 1]! >= 0) lp.entry(rows[t + 1]!, -1);
      }
    }
    gridCol[t] = lp.numCols;
    for (let k = 0; k < grid.numCols; k++) {
      lp.beginColumn(grid.colLower[k]!, grid.colUpper[k]!, 0);
      for (let p = grid.columns.starts[k]!; p < grid.columns.starts[k + 1]!; p++) lp.entry(r0 + grid.columns.rows[p]!, grid.columns.values[p]!);
    }
  }

  // Columns: batteries.
  let offset = 0;
  const batteryCols: BatteryColumns[] = batteries.map((b, i) => {
    const bid = b.bid;
    const ec = bid.chargeEfficiency;
    const ed = bid.dischargeEfficiency;
    const deg = bid.degradationCostPerMwh ?? 0;
    const charge = new Int32Array(T).fill(-1);
    const discharge = new Int32Array(T).fill(-1);
    const soc = new Int32Array(T).fill(-1);
    const dyn = dynRow[i]!;
    const share = shareRow[i]!;
    const len = b.to - b.from + 1;
    const inj = (t: number, dir: number): void => {
      for (let p = injectionStarts[b.gridBus]!; p < injectionStarts[b.gridBus + 1]!; p++) lp.entry(gridRow[t]! + injectionRows[p]!, dir * injectionValues[p]!);
    };
    for (let k = 0; k < len; k++) {
      const t = b.from + k;
      if (bid.maxChargeKw > 0) {
        charge[t] = lp.beginColumn(0, bid.maxChargeKw, -deg * ec * dt);
        inj(t, -1);
        lp.entry(dyn[k]!, -ec * dt);
        if (share[k]! >= 0) lp.entry(share[k]!, 1 / bid.maxChargeKw);
      }
      if (bid.maxDischargeKw > 0) {
        discharge[t] = lp.beginColumn(0, bid.maxDischargeKw, (-deg * dt) / ed);
        inj(t, 1);
        lp.entry(dyn[k]!, dt / ed);
        if (share[k]! >= 0) lp.entry(share[k]!, 1 / bid.maxDischargeKw);
      }
      const last = k === len - 1;
      soc[t] = lp.beginColumn(bid.minSocKwh, bid.maxSocKwh, last ? b.terminalValueMwh : 0);
      lp.entry(dyn[k]!, 1);
      if (k + 1 < len) lp.entry(dyn[k + 1]!, -1);
      if (last && needRow[i]! >= 0) lp.entry(needRow[i]!, 1);
    }
    let shortfall = -1;
    if (needRow[i]! >= 0) {
      shortfall = lp.beginColumn(0, b.targetKwh - bid.minSocKwh, -b.shortfallCostMwh);
      lp.entry(needRow[i]!, 1);
    }
    // Constant: the value of the initial SoC, so an idle battery adds nothing; the need counts as met from a full shortfall.
    offset += -b.terminalValueMwh * bid.initialSocKwh + b.shortfallCostMwh * Math.max(0, b.targetKwh - bid.initialSocKwh);
    return { charge, discharge, soc, shortfall };
  });
  // Integer bids: one binary column per option, at most one option, a child only with its parent.
  const integers = input.integers ?? [];
  const choiceRow = integers.map((b) => (b.options.length > 1 ? lp.addRow(-Infinity, 1) : -1));
  const linkRow = integers.map((b) => (b.parent >= 0 ? lp.addRow(-Infinity, 0) : -1));
  const integerCols: Int32Array[] = integers.map((b, i) =>
    Int32Array.from(b.options, (o) => {
      const j = lp.beginColumn(0, 1, b.value, true);
      for (let k = 0; k < o.netKw.length; k++) {
        const kw = o.netKw[k]!;
        if (kw === 0) continue;
        const r0 = gridRow[o.from + k]!;
        for (let p = injectionStarts[b.gridBus]!; p < injectionStarts[b.gridBus + 1]!; p++) lp.entry(r0 + injectionRows[p]!, -kw * injectionValues[p]!);
      }
      if (choiceRow[i]! >= 0) lp.entry(choiceRow[i]!, 1);
      if (linkRow[i]! >= 0) lp.entry(linkRow[i]!, 1);
      return j;
    }),
  );
  // The parent's column enters its children's link rows (a parent is a block: one option, one column).
  integers.forEach((b, i) => {
    if (b.parent >= 0) lp.addEntryTo(integerCols[b.parent]![0]!, linkRow[i]!, -1);
  });
  return { lp: lp.build('max', offset), layout: { gridRow, simpleCol, gridCol, batteries: batteryCols, integers: integerCols } };
}

/** Columns appended one at a time into growing typed arrays (compressed sparse columns). */
class CscBuilder {
  numCols = 0;
  private numRows = 0;
  private nnz = 0;
  private rowLower: Float64Array<ArrayBuffer> = new Float64Array(1024);
  private rowUpper: Float64Array<ArrayBuffer> = new Float64Array(1024);
  private colLower = new Float64Array(1024);
  private colUpper = new Float64Array(1024);
  private colCost = new Float64Array(1024);
  private starts = new Int32Array(1025);
  private rows = new Int32Array(4096);
  private values = new Float64Array(4096);
  private integer: number[] = [];
  /** Entries added to an already closed column (a parent block's link rows), merged at build. */
  private late: Array<[number, number, number]> = [];

  addRow(lower: number, upper: number): number {
    if (this.numRows === this.rowLower.length) {
      this.rowLower = grow(this.rowLower);
      this.rowUpper = grow(this.rowUpper);
    }
    this.rowLower[this.numRows] = lower;
    this.rowUpper[this.numRows] = upper;
    return this.numRows++;
  }

  /** Appends rows with these bounds; returns the first. */
  addRows(lower: Float64Array, upper: Float64Array): number {
    const first = this.numRows;
    for (let i = 0; i < lower.length; i++) this.addRow(lower[i]!, upper[i]!);
    return first;
  }

  /** Starts a column; its entries follow with `entry`. Returns its index. */
  beginColumn(lower: number, upper: number, cost: number, integer = false): number {
    const j = this.numCols++;
    if (integer) this.integer.push(j);
    if (j === this.colLower.length) {
      this.colLower = grow(this.colLower);
      this.colUpper = grow(this.colUpper);
      this.colCost = grow(this.colCost);
      const s = new Int32Array(this.colLower.length + 1);
      s.set(this.starts);
      this.starts = s;
    }
    this.colLower[j] = lower;
    this.colUpper[j] = upper;
    this.colCost[j] = cost;
    this.starts[j] = this.nnz;
    return j;
  }

  entry(row: number, value: number): void {
    if (this.nnz === this.rows.length) {
      const r = new Int32Array(this.rows.length * 2);
      r.set(this.rows);
      this.rows = r;
      this.values = grow(this.values);
    }
    this.rows[this.nnz] = row;
    this.values[this.nnz++] = value;
  }

  /** An entry of column j, which may be closed already. */
  addEntryTo(col: number, row: number, value: number): void {
    this.late.push([col, row, value]);
  }

  build(sense: 'max', offset: number): LinearProgram {
    for (const [col, row, value] of this.late.sort((a, b) => b[0] - a[0])) this.insertEntry(col, row, value);
    this.late = [];
    const n = this.numCols;
    const starts = this.starts.slice(0, n + 1);
    starts[n] = this.nnz;
    return {
      sense,
      numCols: n,
      numRows: this.numRows,
      offset,
      colCost: this.colCost.slice(0, n),
      colLower: this.colLower.slice(0, n),
      colUpper: this.colUpper.slice(0, n),
      rowLower: this.rowLower.slice(0, this.numRows),
      rowUpper: this.rowUpper.slice(0, this.numRows),
      matrix: { starts, rows: this.rows.slice(0, this.nnz), values: this.values.slice(0, this.nnz) },
      ...(this.integer.length > 0 ? { integrality: integralityOf(n, this.integer) } : {}),
    };
  }

  /** Inserts an entry at the end of column `col`'s entries, shifting the later ones (rare: linked blocks only). */
  private insertEntry(col: number, row: number, value: number): void {
    this.entry(0, 0); // grow if needed; overwritten below
    const at = col + 1 < this.numCols ? this.starts[col + 1]! : this.nnz - 1;
    this.rows.copyWithin(at + 1, at, this.nnz - 1);
    this.values.copyWithin(at + 1, at, this.nnz - 1);
    this.rows[at] = row;
    this.values[at] = value;
    for (let j = col + 1; j < this.numCols; j++) this.starts[j]! += 1;
  }
}

function integralityOf(n: number, cols: readonly number[]): Uint8Array {
  const out = new Uint8Array(n);
  for (const j of cols) out[j] = 1;
  return out;
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Where the MDMS puts a valid read as it arrives: a matrix of meters × intervals, one column
 * per interval start (its reads of every meter, by the meter's handle), each a Float64Array of
 * import, export and voltage side by side and a Uint8Array of states. A plane delivers an
 * interval's reads of 10,000 meters together, in no meter order: writing them into one column
 * (240 kB) touches memory that stays in cache, where appending each to its own meter's series
 * (metering/readColumns.ts) touched four cold arrays per read. The VEE rules read a meter's
 * series in time order, so a query first moves the reads that arrived since the last one into
 * their meters' `ReadColumns` (`flush`), meter by meter and column by column in time order:
 * neighbouring meters share cache lines in every column, and each meter's series is appended.
 * A column then keeps only its states (1 byte a meter), which still find duplicates.
 *
 * A column is keyed by its interval start exactly (not by an index computed from it), so two
 * reads share a cell only when their starts are equal — the duplicate rule `ReadColumns`
 * applies. Pure data structure: no validation (the MDMS validates before inserting).
 */
import { ReadColumns } from './readColumns.ts';
import { grown } from '../core/typedArrays.ts';

/** A cell's state. */
const EMPTY = 0;
/** Holds a read not yet moved into its meter's `ReadColumns`. */
const PENDING = 1;
/** Its read is in its meter's `ReadColumns` (the cell still answers "already held"). */
const MOVED = 2;

class IntervalColumn {
  /** Per handle: EMPTY, PENDING or MOVED. */
  state: Uint8Array<ArrayBuffer>;
  /** Per handle h: import kWh at 3h, export kWh at 3h + 1, voltage pu at 3h + 2 (NaN: none). */
  values: Float64Array<ArrayBuffer>;
  pending = 0;

  constructor(
    readonly startMs: number,
    capacity: number,
  ) {
    this.state = new Uint8Array(capacity);
    this.values = new Float64Array(3 * capacity);
  }

  grow(rows: number): void {
    this.state = grown(this.state, rows);
    this.values = grown(this.values, 3 * rows);
  }

  /** Drops the values once every read has moved: only the states are still needed (to find duplicates). */
  release(): void {
    this.values = NO_VALUES;
  }
}

const NO_VALUES = new Float64Array(0);
/** Meters per block of `flush` (a block's series: 64 × 4 columns of a day's 96 reads, 200 kB, stay in the second-level cache). */
const FLUSH_BLOCK = 64;

export class ReadMatrix {
  private readonly columns = new Map<number, IntervalColumn>();
  /** The column of the last insert: an interval's reads arrive together. */
  private last: IntervalColumn | undefined;
  /** Columns holding reads not yet moved (`flush`). */
  private readonly withPending: IntervalColumn[] = [];
  /** 1 + the highest handle ever inserted. */
  private rows = 0;
  /** `flush`'s columns of the meters of one block (by handle − the block's first). */
  private readonly targets: (ReadColumns | undefined)[] = new Array(FLUSH_BLOCK).fill(undefined);

  /**
   * `rowsHint`: how many meters a new column makes room for (it grows for a higher handle).
   */
  constructor(private rowsHint = 16) {}

  /** Meters a new column makes room for, at least (the sender's meter count, when it knows it). */
  expectRows(rows: number): void {
    if (rows > this.rowsHint) this.rowsHint = rows;
  }

  /**
   * Puts the read of meter `handle` starting at `t`; false (nothing changed) when one with that
   * start is already held for that meter. `voltagePu` NaN: none given.
   */
  insert(handle: number, t: number, importKwh: number, exportKwh: number, voltagePu: number): boolean {
    let col = this.last;
    // SameValueZero, as the Map's keys: −0 and 0 are one interval start.
    if (col === undefined || !(col.startMs === t)) {
      col = this.columns.get(t);
      if (col === undefined) {
        col = new IntervalColumn(t, Math.max(this.rowsHint, handle + 1));
        this.columns.set(t, col);
      }
      this.last = col;
    }
    if (handle >= col.state.length) col.grow(Math.max(handle + 1, 2 * col.state.length));
    if (col.state[handle] !== EMPTY) return false;
    if (col.values.length === 0) col.values = new Float64Array(3 * col.state.length);
    col.state[handle] = PENDING;
    const o = 3 * handle;
    const v = col.values;
    v[o] = importKwh;
    v[o + 1] = exportKwh;
    v[o + 2] = voltagePu;
    if (col.pending++ === 0) this.withPending.push(col);
    if (handle >= this.rows) this.rows = handle + 1;
    return true;
  }

  /** Are there reads not yet moved into their meters' columns? */
  get hasPending(): boolean {
    return this.withPending.length > 0;
  }

  /**
   * Moves every pending read into its meter's `ReadColumns` (`columnsOf(handle)`, asked once per
   * meter with pending reads, in handle order), in ascending interval start per meter.
   */
  flush(columnsOf: (handle: number) => ReadColumns): void {
    const cols = this.withPending.splice(0).sort((a, b) => a.startMs - b.startMs);
    if (cols.length === 0) return;
    const states = cols.map((c) => c.state);
    const values = cols.map((c) => c.values);
    const starts = cols.map((c) => c.startMs);
    const m = cols.length;
    const targets = this.targets;
    // A block of meters at a time, column by column inside it: a block's cells of a column are
    // one run of memory, and its meters' series stay in cache across the columns. Meter by meter
    // over every column (a day: 96 arrays read at one stride each) missed the cache on every read.
    for (let base = 0; base < this.rows; base += FLUSH_BLOCK) {
      const end = Math.min(base + FLUSH_BLOCK, this.rows);
      // The block's meters with a pending read, asked for their columns in handle order.
      for (let h = base; h < end; h++) {
        let target: ReadColumns | undefined;
        for (let j = 0; j < m; j++) {
          const s = states[j]!;
          if (h < s.length && s[h] === PENDING) {
            target = columnsOf(h);
            break;
          }
        }
        targets[h - base] = target;
      }
      for (let j = 0; j < m; j++) {
        const s = states[j]!;
        const v = values[j]!;
        const t = starts[j]!;
        const stop = Math.min(end, s.length);
        for (let h = base; h < stop; h++) {
          if (s[h] !== PENDING) continue;
          s[h] = MOVED;
          const o = 3 * h;
          targets[h - base]!.insertFields(t, v[o]!, v[o + 1]!, v[o + 2]!);
        }
      }
    }
    targets.fill(undefined);
    for (const c of cols) {
      c.pending = 0;
      c.release();
    }
  }
}

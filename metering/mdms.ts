/**
 * The meter data management system: the head-end hands it reads as they arrive
 * over the communication plane; it checks their integrity (HMAC, when it holds the
 * meters' keys), validates them, stores the valid ones, and answers billing,
 * baseline and settlement queries from the validated-and-estimated series (VEE
 * rules in vee.ts). Every rejected read is kept with its reason, so a run can report
 * what was refused and why.
 */
import type { MeterRead } from './meter.ts';
import { ReadColumns } from './readColumns.ts';
import { ReadMatrix } from './readMatrix.ts';
import { invalidFields, invalidReason, likeDayMs, QUALITY_CODE, type ReadQuality, type RejectionReason, type ValidatedColumns, type ValidatedInterval, validatedColumns, type VeeRules } from './vee.ts';
import { MeterSealTable, readIntact, type SealedRead } from '../comms/security/meterMac.ts';

export interface Rejection {
  readonly read: MeterRead;
  readonly reason: RejectionReason;
}

export interface EnergyTotals {
  readonly importKwh: number;
  readonly exportKwh: number;
  /** How many intervals of each quality went into the totals (`missing` ones count as zero energy). */
  readonly intervals: Readonly<Record<ReadQuality, number>>;
}

export interface MdmsOptions {
  readonly rules: VeeRules;
  /** The meters' HMAC keys. With it, a read without a valid MAC is rejected (`tampered` or `unsealed`); without it, MACs are not checked. */
  readonly macKey?: (meterId: string) => Buffer | undefined;
  /** Reads a meter is expected to send (the run's intervals): its columns are sized for them once, not grown by copies. */
  readonly readsPerMeter?: number;
}

export class Mdms {
  /**
   * Valid reads as they arrive, by meter handle × interval (readMatrix.ts); moved into `store`
   * before any query (`settle`).
   */
  private readonly arrived = new ReadMatrix();
  /** Each meter's valid reads as columns in time order (readColumns.ts), for the VEE rules: no object per read. */
  private readonly store = new Map<string, ReadColumns>();
  private readonly rejections: Rejection[] = [];

  constructor(private readonly options: MdmsOptions) {}

  /** Takes one read; returns undefined when stored, else the reason it was rejected. */
  ingest(read: MeterRead | SealedRead): RejectionReason | undefined {
    this.memo?.clear();
    const reason = this.check(read);
    if (reason) return this.reject(read, reason);
    // The first read of an interval stays; a later one is a duplicate.
    return this.arrived.insert(this.meterHandle(read.meterId), read.intervalStartMs, read.importKwh, read.exportKwh, read.voltagePu ?? NaN) ? undefined : this.reject(read, 'duplicate');
  }

  /**
   * A handle for `meterId` to pass to `ingestSealed` (the same number each time it is asked):
   * a sender of millions of reads names each meter once, not by its id text per read.
   */
  meterHandle(meterId: string): number {
    let h = this.handles.get(meterId);
    if (h === undefined) {
      h = this.handleIds.length;
      this.handles.set(meterId, h);
      this.handleIds.push(meterId);
      this.handleColumns.push(undefined);
      this.handleSeals.push(-1);
      this.arrived.expectRows(h + 1);
    }
    return h;
  }

  private readonly handles = new Map<string, number>();
  private readonly handleIds: string[] = [];
  /** Per handle: its meter's columns in `store` (once it has a valid read) and its prepared key (once asked). */
  private readonly handleColumns: (ReadColumns | undefined)[] = [];
  private readonly handleSeals: number[] = [];
  /** The keys of the meters with handles, by their index in the table (`handleSeals`; −1: not asked yet, or no key). */
  private readonly seals = new MeterSealTable();

  /**
   * `ingest` of a sealed read of meter `handle` (`meterHandle`) given as its fields and its MAC's
   * 8 words at `mac[macOffset]` (comms/security/meterMac.ts `sealFields`; `voltagePu` NaN: none):
   * the same checks in the same order (key, MAC over every field, validity, duplicate) and the
   * same verdicts, without a read object — one is made only for a rejected read, to keep with
   * its reason.
   */
  ingestSealed(handle: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number, mac: Int32Array, macOffset: number): RejectionReason | undefined {
    this.memo?.clear();
    let reason: RejectionReason | undefined;
    if (this.options.macKey) {
      let seal = this.handleSeals[handle]!;
      if (seal < 0) {
        const meterId = this.handleIds[handle]!;
        const raw = this.options.macKey(meterId);
        // A meter without a key is asked again next time (its key may be registered later).
        if (raw) this.handleSeals[handle] = seal = this.seals.add(meterId, raw);
      }
      if (seal < 0) reason = 'unknown-meter';
      else if (!this.seals.intact(seal, intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu, mac, macOffset)) reason = 'tampered';
    }
    reason ??= invalidFields(intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu === voltagePu ? voltagePu : undefined, this.options.rules);
    if (!reason) {
      if (this.arrived.insert(handle, intervalStartMs, importKwh, exportKwh, voltagePu)) return undefined;
      reason = 'duplicate';
    }
    // The meter's id only now (a stored read never needs it).
    const meterId = this.handleIds[handle]!;
    const read: MeterRead = voltagePu === voltagePu ? { meterId, intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu } : { meterId, intervalStartMs, intervalMs, importKwh, exportKwh };
    return this.reject(read, reason);
  }

  /**
   * A read on its way to this MDMS, told as it is sent, whose bytes will not change until it is
   * delivered (or lost): the MAC this MDMS will compute for exactly these fields, under its own
   * key for the meter, is computed ahead, batched with the other reads told before the next
   * check (comms/security/meterMac.ts `MeterSealTable.expect`: four at a time), and kept in the
   * meter's row. Nothing is decided here: the read is checked when it is delivered
   * (`ingestSealed`), where the MAC computed ahead is used only if the delivered fields are bit
   * for bit those it was computed for (any other read is checked from scratch). So each verdict
   * is the MAC over the fields received compared with the MAC received, and the verdicts, in
   * their order, are the same as without this call. Nothing is computed for a meter whose key
   * has not been asked yet (before its first delivered read).
   */
  expectSealed(handle: number, intervalStartMs: number, intervalMs: number, importKwh: number, exportKwh: number, voltagePu: number): void {
    if (!this.options.macKey) return;
    const seal = this.handleSeals[handle]!;
    if (seal >= 0) this.seals.expect(seal, intervalStartMs, intervalMs, importKwh, exportKwh, voltagePu);
  }

  /** How many delivered reads were checked with a MAC computed ahead (`expectSealed`), for tests and profiles. */
  get checkedWithMacAhead(): number {
    return this.seals.checkedAhead;
  }

  /** How many delivered reads were checked against the MAC their meter's seal computed under the same key object (comms/security/meterMac.ts, twins), for tests and profiles. */
  get checkedWithSealersMac(): number {
    return this.seals.checkedWithSeal;
  }

  private reject(read: MeterRead | SealedRead, reason: RejectionReason): RejectionReason {
    this.rejections.push({ read: stripMac(read), reason });
    return reason;
  }

  /** Why `read` is refused on its own (integrity, then validity); duplicates are found on insert. */
  private check(read: MeterRead | SealedRead): RejectionReason | undefined {
    if (this.options.macKey) {
      const key = this.options.macKey(read.meterId);
      if (!key) return 'unknown-meter';
      if (!('mac' in read)) return 'unsealed';
      if (!readIntact(read, key)) return 'tampered';
    }
    return invalidReason(read, this.options.rules);
  }

  get rejected(): readonly Rejection[] {
    return this.rejections;
  }

  meters(): string[] {
    this.settle();
    return [...this.store.keys()].sort();
  }

  /** Moves the reads arrived since the last query into their meters' columns (readMatrix.ts). */
  private settle(): void {
    if (!this.arrived.hasPending) return;
    this.arrived.flush((handle) => {
      let columns = this.handleColumns[handle];
      if (columns === undefined) {
        const meterId = this.handleIds[handle]!;
        this.store.set(meterId, (columns = this.newColumns()));
        this.handleColumns[handle] = columns;
      }
      return columns;
    });
  }

  /**
   * A meter's columns, carved with those of the next meters from one buffer (`SLAB_METERS` meters
   * a buffer): 10,000 meters' columns as 40 buffers, not 40,000.
   */
  private newColumns(): ReadColumns {
    const size = 4 * ReadColumns.rows(this.options.readsPerMeter ?? 16);
    if (this.slabUsed + size > this.slab.length) {
      this.slab = new Float64Array(SLAB_METERS * size);
      this.slabUsed = 0;
    }
    const columns = new ReadColumns(this.options.readsPerMeter, this.slab.subarray(this.slabUsed, this.slabUsed + size));
    this.slabUsed += size;
    return columns;
  }

  private slab = new Float64Array(0);
  private slabUsed = 0;

  /**
   * Room for one kept validated series of `n` intervals, carved with the next meters' from one
   * buffer of qualities and one of numbers (`SLAB_METERS` series a buffer): the run end keeps
   * every meter's series, 10,000 meters' as 80 buffers, not 20,000. Garbage once `sharingSeries` ends.
   */
  private seriesRoom(n: number): { quality: Uint8Array<ArrayBuffer>; values: Float64Array<ArrayBuffer> } {
    if (this.roomUsed + n > this.roomQuality.length) {
      const size = Math.max(n, SLAB_METERS * n);
      this.roomQuality = new Uint8Array(size);
      this.roomValues = new Float64Array(3 * size);
      this.roomUsed = 0;
    }
    const at = this.roomUsed;
    this.roomUsed += n;
    return { quality: this.roomQuality.subarray(at, at + n), values: this.roomValues.subarray(3 * at, 3 * (at + n)) };
  }

  private roomQuality = new Uint8Array(0);
  private roomValues = new Float64Array(0);
  private roomUsed = 0;

  /**
   * The validated series of a meter over [fromMs, toMs). Inside `sharingSeries`, the same array for
   * the same question.
   */
  series(meterId: string, fromMs: number, toMs: number): readonly ValidatedInterval[] {
    const columns = this.seriesColumns(meterId, fromMs, toMs);
    const kept = this.memo?.get(meterId);
    if (kept && kept.fromMs === fromMs && kept.toMs === toMs) return (kept.intervals ??= columns.intervals());
    return columns.intervals();
  }

  /**
   * `series` as columns (vee.ts `ValidatedColumns`): the same values, no object per interval.
   * Inside `sharingSeries`, a window inside the one computed last for the meter is cut from it.
   */
  seriesColumns(meterId: string, fromMs: number, toMs: number): ValidatedColumns {
    const step = this.options.rules.intervalMs;
    const count = Math.max(0, Math.ceil((toMs - fromMs) / step));
    const memo = this.memo;
    if (memo) {
      const hit = memo.get(meterId);
      if (hit) {
        const columns = hit.columns;
        if (hit.fromMs === fromMs && hit.toMs === toMs) return columns;
        // An interval's value does not depend on the window asked (vee.ts): a window on the same grid inside the kept one is a slice of it.
        const offset = (fromMs - hit.fromMs) / step;
        if (Number.isInteger(offset) && offset >= 0 && offset + count <= columns.count) return columns.slice(offset, offset + count);
      }
    }
    this.settle();
    const reads = this.store.get(meterId) ?? EMPTY;
    if (!memo) return validatedColumns(reads, fromMs, count, this.options.rules);
    // Kept for the next questions: the window widened (on its grid) to every read the meter holds, so the
    // run end's questions — each retail day's bill, then the run's settlement and figures — compute it once.
    let from = fromMs;
    let n = count;
    if (reads.count > 0) {
      const first = reads.times[0]!;
      const last = reads.times[reads.count - 1]!;
      if (first < from) {
        const k = Math.ceil((from - first) / step);
        from -= k * step;
        n += k;
      }
      if (last >= from + n * step) n = Math.floor((last - from) / step) + 1;
      // Reads far apart (a clock years off) would make the span huge: then only the window asked.
      if (n > 2 * Math.max(count, reads.count)) {
        from = fromMs;
        n = count;
      }
    }
    const wide = validatedColumns(reads, from, n, this.options.rules, this.seriesRoom(n));
    const wideTo = from + n * step;
    // The exact question is answered by the same arrays next time (`series`); the widened window serves the rest.
    memo.set(meterId, from === fromMs && wideTo === toMs ? { fromMs, toMs, columns: wide } : { fromMs: from, toMs: wideTo, columns: wide });
    const offset = (fromMs - from) / step;
    return offset === 0 && count === n ? wide : wide.slice(offset, offset + count);
  }

  /**
   * Runs `read` with each meter's last series kept: the run end asks for every meter's series
   * over the same window four times (bills, final settlement, the report's aggregate, the
   * summary), ~10,000 × 96 interval objects each time at evening-peak × 13, and the bills ask for
   * each retail day of it first (`series` computes the whole span once and cuts the days). The series are
   * forgotten when `read` returns (they are as large as the reads), and whenever a read is
   * ingested meanwhile.
   */
  sharingSeries<T>(read: () => T): T {
    const outer = this.memo;
    this.memo = new Map();
    try {
      return read();
    } finally {
      this.memo = outer;
      if (!outer) {
        // The kept series' buffers go with them.
        this.roomQuality = new Uint8Array(0);
        this.roomValues = new Float64Array(0);
        this.roomUsed = 0;
      }
    }
  }

  private memo: Map<string, { readonly fromMs: number; readonly toMs: number; readonly columns: ValidatedColumns; intervals?: ValidatedInterval[] }> | undefined;

  /** Billing: energy imported and exported over [fromMs, toMs), with the quality mix behind it. */
  energy(meterId: string, fromMs: number, toMs: number): EnergyTotals {
    // Counted in locals, not by the quality's name in a record: every meter's series passes here at run end.
    let actual = 0;
    let interpolated = 0;
    let estimated = 0;
    let missing = 0;
    let importKwh = 0;
    let exportKwh = 0;
    const s = this.seriesColumns(meterId, fromMs, toMs);
    const { quality, importKwh: imports, exportKwh: exports } = s;
    for (let k = 0; k < quality.length; k++) {
      const q = quality[k];
      if (q === QUALITY_CODE.actual) actual++;
      else if (q === QUALITY_CODE.interpolated) interpolated++;
      else if (q === QUALITY_CODE.estimated) estimated++;
      else {
        missing++; // counts as zero energy
        continue;
      }
      importKwh += imports[k]!;
      exportKwh += exports[k]!;
    }
    return { importKwh, exportKwh, intervals: { actual, interpolated, estimated, missing } };
  }

  /** Settlement: net energy (import − export) of one interval, or undefined when missing. */
  netKwh(meterId: string, intervalStartMs: number): number | undefined {
    const [v] = this.series(meterId, intervalStartMs, intervalStartMs + this.options.rules.intervalMs);
    return v && v.quality !== 'missing' ? v.importKwh! - v.exportKwh! : undefined;
  }

  /**
   * DR baseline: mean net power (kW) in the same interval of the `days` previous
   * days, over the days that are not missing (a plain N-day average; undefined when
   * every day is missing). Days are local days of the rules' `zone`, as VEE's like days
   * (vee.ts `likeDayMs`): the same wall-clock time on each.
   */
  baselineKw(meterId: string, intervalStartMs: number, days = 10): number | undefined {
    const hours = this.options.rules.intervalMs / 3_600_000;
    const values: number[] = [];
    for (let d = 1; d <= days; d++) {
      const net = this.netKwh(meterId, likeDayMs(intervalStartMs, d, this.options.rules.zone));
      if (net !== undefined) values.push(net / hours);
    }
    return values.length === 0 ? undefined : values.reduce((s, x) => s + x, 0) / values.length;
  }
}

const EMPTY = new ReadColumns();
const SLAB_METERS = 256;

/** The read without its MAC (built field by field: an object rest is a slow runtime call, and every read of a run passes here). */
function stripMac(r: MeterRead | SealedRead): MeterRead {
  if (!('mac' in r)) return r;
  return r.voltagePu === undefined
    ? { meterId: r.meterId, intervalStartMs: r.intervalStartMs, intervalMs: r.intervalMs, importKwh: r.importKwh, exportKwh: r.exportKwh }
    : { meterId: r.meterId, intervalStartMs: r.intervalStartMs, intervalMs: r.intervalMs, importKwh: r.importKwh, exportKwh: r.exportKwh, voltagePu: r.voltagePu };
}

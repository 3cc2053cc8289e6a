/**
 * The opted-in commands a grid room settled, kept for the final settlement from the MDMS
 * (engine/settlementRun.ts) on a communication plane: columns of numbers, one entry per
 * command, from which each `DrCommand` is made again when the final settlement reads it.
 *
 * Why columns: an operator that commands every home every interval opts in ~100,000 commands
 * per 1,000 homes and day, all kept to the run's end. As objects (a `DrCommand` with its
 * initial `DrSettlement` of three decimals) that was ~0.6 KB each and, with the garbage
 * collector's headroom over it, most of such a run's memory; as columns it is 80 bytes.
 *
 * Nothing is lost: the initial settlement is a pure function of numbers kept here
 * (`settleDrCommand` of the baseline and actual the meter phase measured, the commitment, the
 * operator's terms), so it is settled again, exactly, when a command is read; the decimals are
 * the same to the last digit. A party's event days are the grid room's growing set, read when
 * the command is: days the set gained after the command are never earlier than the command's
 * own day, and a 10-of-10 baseline looks only at earlier days.
 */
import { type DrSettlement, type DrSplit, type DrTerms, settleDrCommand } from './drSettlement.ts';
import type { BusinessDayOf } from './baseline.ts';

/** One opted-in command as the grid room settled it, with what a re-settlement needs. */
export interface DrCommand {
  readonly interval: number;
  readonly durationH: number;
  readonly party: number;
  readonly operator: string;
  readonly terms: DrTerms;
  /** The counterfactual baseline (kW) when the operator settles against it; undefined: 10-of-10 from the meter history. */
  readonly counterfactualKw: number | undefined;
  /** First interval of the party's event, and the days it had events on (the 10-of-10 skips them; the set grows over the run, only earlier days matter). */
  readonly eventStart: number;
  readonly eventDays: ReadonlySet<number>;
  /** The run's calendar, for the 10-of-10's day matching. */
  readonly businessDay: BusinessDayOf;
  readonly committedKwh: number;
  /** The net consumption committed to (schedule + commitment), kW: the `commitment` penalty rule's measure. */
  readonly committedLevelKw: number;
  /** Its part of the device's delivery in the interval (`settleDrCommand`'s `split`); absent: the device committed to this operator alone. */
  readonly split?: DrSplit;
  /** 1: a reduction, measured as baseline − actual; −1: a charge command, measured as actual − baseline (`settleDrCommand` of both negated). */
  readonly sense: 1 | -1;
  /** The initial settlement, from the meter phase. */
  readonly initial: DrSettlement;
}

/** One opted-in command as the meter phase settled it: what `DrCommand` holds, with the baseline and actual its initial settlement came from. */
export interface DrCommandEntry {
  readonly interval: number;
  readonly durationH: number;
  readonly party: number;
  /** Index of the operator in the log's `operators`. */
  readonly operator: number;
  readonly counterfactualKw: number | undefined;
  readonly eventStart: number;
  readonly committedKwh: number;
  readonly committedLevelKw: number;
  /** `DrCommand.split`; absent or undefined: none. */
  readonly split?: DrSplit | undefined;
  readonly sense: 1 | -1;
  /** The baseline (kW, NaN: none) and metered actual (kW) the initial settlement measured against. */
  readonly baselineKw: number;
  readonly actualKw: number;
}

const NO_DAYS: ReadonlySet<number> = new Set();

export class DrCommandLog implements Iterable<DrCommand> {
  private count = 0;
  private capacity = 0;
  private intervals = new Int32Array(0);
  private partyOf = new Int32Array(0);
  private operatorOf = new Uint16Array(0);
  private sense = new Int8Array(0);
  /** 1 where the command carries a counterfactual baseline (which may itself be NaN), 0 where it does not. */
  private hasCounterfactual = new Uint8Array(0);
  private eventStart = new Int32Array(0);
  private durationH = new Float64Array(0);
  private counterfactualKw = new Float64Array(0);
  private committedKwh = new Float64Array(0);
  private committedLevelKw = new Float64Array(0);
  /** A split command's commitments before it and all together, kWh (NaN: not split). */
  private beforeKwh = new Float64Array(0);
  private totalKwh = new Float64Array(0);
  private baselineKw = new Float64Array(0);
  private actualKw = new Float64Array(0);

  /**
   * @param operators each operator's id and terms, in the order entries name them
   * @param eventDaysOf the days a party had a DR event in (the grid room's set, growing over the run)
   * @param businessDay the run's calendar (the grid room's)
   */
  constructor(
    private readonly operators: ReadonlyArray<{ readonly id: string; readonly terms: DrTerms }>,
    private readonly eventDaysOf: (party: number) => ReadonlySet<number> | undefined,
    private readonly businessDay: BusinessDayOf,
  ) {
    if (operators.length > 0xffff) throw new RangeError(`DrCommandLog: ${operators.length} operators, at most 65,535`);
  }

  get length(): number {
    return this.count;
  }

  add(e: DrCommandEntry): void {
    if (this.count === this.capacity) this.grow(Math.max(1024, 2 * this.capacity));
    const k = this.count++;
    this.intervals[k] = e.interval;
    this.partyOf[k] = e.party;
    this.operatorOf[k] = e.operator;
    this.sense[k] = e.sense;
    this.hasCounterfactual[k] = e.counterfactualKw === undefined ? 0 : 1;
    this.eventStart[k] = e.eventStart;
    this.durationH[k] = e.durationH;
    this.counterfactualKw[k] = e.counterfactualKw ?? Number.NaN;
    this.committedKwh[k] = e.committedKwh;
    this.committedLevelKw[k] = e.committedLevelKw;
    this.beforeKwh[k] = e.split?.beforeKwh ?? Number.NaN;
    this.totalKwh[k] = e.split?.totalKwh ?? Number.NaN;
    this.baselineKw[k] = e.baselineKw;
    this.actualKw[k] = e.actualKw;
  }

  /** The `k`-th command, with its initial settlement settled again from the kept figures (the same decimals). */
  at(k: number): DrCommand {
    if (!(k >= 0 && k < this.count)) throw new RangeError(`DrCommandLog: no command ${k} of ${this.count}`);
    const op = this.operators[this.operatorOf[k]!]!;
    const sense = this.sense[k] as 1 | -1;
    const durationH = this.durationH[k]!;
    const committedKwh = this.committedKwh[k]!;
    const committedLevelKw = this.committedLevelKw[k]!;
    const party = this.partyOf[k]!;
    const totalKwh = this.totalKwh[k]!;
    const split = Number.isNaN(totalKwh) ? undefined : { beforeKwh: this.beforeKwh[k]!, totalKwh };
    return {
      interval: this.intervals[k]!,
      durationH,
      party,
      operator: op.id,
      terms: op.terms,
      counterfactualKw: this.hasCounterfactual[k] ? this.counterfactualKw[k]! : undefined,
      eventStart: this.eventStart[k]!,
      eventDays: this.eventDaysOf(party) ?? NO_DAYS,
      businessDay: this.businessDay,
      committedKwh,
      committedLevelKw,
      // Only where the device shared its delivery with another operator's command: a lone command reads as before.
      ...(split ? { split } : {}),
      sense,
      // The meter phase's call (agents/operations/gridRoom.ts `measure`), on the same numbers.
      initial: settleDrCommand(sense * this.baselineKw[k]!, sense * this.actualKw[k]!, committedKwh, durationH, op.terms, sense * committedLevelKw, split),
    };
  }

  /** Whose command the `k`-th is, without settling it (who may read whose meter, and what): party, operator id, interval and its length. */
  partyAt(k: number): { readonly party: number; readonly operator: string; readonly interval: number; readonly durationH: number } {
    return { party: this.partyOf[k]!, operator: this.operators[this.operatorOf[k]!]!.id, interval: this.intervals[k]!, durationH: this.durationH[k]! };
  }

  *[Symbol.iterator](): Iterator<DrCommand> {
    for (let k = 0; k < this.count; k++) yield this.at(k);
  }

  private grow(capacity: number): void {
    const more = <T extends Int32Array | Uint16Array | Int8Array | Uint8Array | Float64Array>(xs: T, make: (n: number) => T): T => {
      const out = make(capacity);
      out.set(xs.subarray(0, this.count) as never);
      return out;
    };
    this.intervals = more(this.intervals, (n) => new Int32Array(n));
    this.partyOf = more(this.partyOf, (n) => new Int32Array(n));
    this.operatorOf = more(this.operatorOf, (n) => new Uint16Array(n));
    this.sense = more(this.sense, (n) => new Int8Array(n));
    this.hasCounterfactual = more(this.hasCounterfactual, (n) => new Uint8Array(n));
    this.eventStart = more(this.eventStart, (n) => new Int32Array(n));
    this.durationH = more(this.durationH, (n) => new Float64Array(n));
    this.counterfactualKw = more(this.counterfactualKw, (n) => new Float64Array(n));
    this.committedKwh = more(this.committedKwh, (n) => new Float64Array(n));
    this.committedLevelKw = more(this.committedLevelKw, (n) => new Float64Array(n));
    this.beforeKwh = more(this.beforeKwh, (n) => new Float64Array(n));
    this.totalKwh = more(this.totalKwh, (n) => new Float64Array(n));
    this.baselineKw = more(this.baselineKw, (n) => new Float64Array(n));
    this.actualKw = more(this.actualKw, (n) => new Float64Array(n));
    this.capacity = capacity;
  }
}

/**
 * One interval's positions and money, per party, as the phases fill them in (plain
 * typed arrays, one slot per party in scenario order; no objects per party).
 *
 * Quantities are whole quanta of `rules.quantumKw`, + withdrawal (buy, consumption),
 * − injection; prices currency/MWh on the tick (NaN: none); money in whole settlement
 * units (`unit` = quantum × Δt × tick / 1000, exact integers in floats) plus exact
 * decimals where amounts are not on that grid (fees, retail charges, DR payments).
 *
 * The stages (docs/markets.md):
 * - day-ahead:  `daQuanta` at `daPriceMwh`                 → `daUnits`
 * - real-time:  `buyQuanta − sellQuanta` (the position)    → `rtUnits` (on `daQuanta`'s difference
 *               at `priceMwh` when there is a day-ahead position)
 * - imbalance:  `imbalanceQuanta` = actual − position at `imbalancePriceMwh` → `imbalanceUnits`
 * For parties facing the market the units are market money; for aggregator members the
 * same stages are what they pay their aggregator (pass-through), plus fees in `costExtra`;
 * retail customers pay their retailer what their meter and tariff say (`costExtra`).
 */
import type { Money, MoneyUnit } from '../../core/money.ts';
import type { BusId } from '../../core/units.ts';

/** An intermediary's position at one bus (aggregators and retailers bid one curve per bus). */
export interface BusPosition {
  readonly party: number;
  readonly bus: BusId;
  readonly busIndex: number;
  /** Real-time position, quanta. */
  buyQuanta: number;
  sellQuanta: number;
  /** Its real-time payment for this bus, units (its bid's). */
  rtUnits: number;
  /** Day-ahead position (net) and payment, quanta and units; for an aggregator, Σ of its members' day-ahead shares here. */
  daQuanta: number;
  daUnits: number;
  daSharedQuanta: number;
  /** Σ of what its members or customers at this bus actually did (net, quanta), and their positions from it (members' shares). */
  actualQuanta: number;
  sharedQuanta: number;
  /** actual − (buy − sell), settled at the bus's imbalance price. */
  imbalanceQuanta: number;
  imbalanceUnits: number;
}

export class IntervalLedger {
  readonly daQuanta: Float64Array;
  readonly daPriceMwh: Float64Array;
  readonly daUnits: Float64Array;
  readonly buyQuanta: Float64Array;
  readonly sellQuanta: Float64Array;
  /** The real-time (or retail) price each party faced. */
  readonly priceMwh: Float64Array;
  readonly rtUnits: Float64Array;
  /** Commanded change of net withdrawal, quanta (the setpoint is position + this). */
  readonly commandedQuanta: Float64Array;
  /** Metered: net withdrawal and its gross parts, quanta; NaN for intermediaries. */
  readonly actualQuanta: Float64Array;
  readonly consumedQuanta: Float64Array;
  readonly generatedQuanta: Float64Array;
  /** Injection the operator curtailed because re-dispatch could not place it (engine/interval/curtail.ts), quanta ≥ 0; already taken off actual and generated. */
  readonly curtailedQuanta: Float64Array;
  /** Consumption the operator shed because re-dispatch could not cover it (engine/interval/shed.ts), quanta ≥ 0; already taken off actual and consumed. */
  readonly shedQuanta: Float64Array;
  /** actual − position (for intermediaries: their members'/customers' actual − position); NaN where none. */
  readonly imbalanceQuanta: Float64Array;
  readonly imbalancePriceMwh: Float64Array;
  readonly imbalanceUnits: Float64Array;
  /** Amounts off the unit grid: a member's fee (+), an aggregator's fee income (−), a customer's retail charge (+), a retailer's revenue is not here (it is not market money). */
  readonly costExtra: Array<Money | undefined>;
  /** Demand-response settlement with the operator: + pays (penalty), − receives. */
  readonly drCost: Array<Money | undefined>;
  /** Intermediaries' positions per bus. */
  readonly busPositions: BusPosition[] = [];

  constructor(
    readonly parties: number,
    /** Money per (quantum × tick) in this interval. */
    readonly unit: MoneyUnit,
    readonly quantumKw: number,
    /**
     * An earlier interval's ledger, finished with (no one reads it any more): its arrays are
     * taken over and reset instead of allocated anew (`SimulationOptions.reuseIntervalArrays`).
     */
    reuse?: IntervalLedger,
  ) {
    const n = parties;
    const zeros = (a: Float64Array | undefined): Float64Array => (a !== undefined && a.length === n ? a.fill(0) : new Float64Array(n));
    const nans = (a: Float64Array | undefined): Float64Array => (a !== undefined && a.length === n ? a.fill(NaN) : new Float64Array(n).fill(NaN));
    this.daQuanta = zeros(reuse?.daQuanta);
    this.daPriceMwh = nans(reuse?.daPriceMwh);
    this.daUnits = zeros(reuse?.daUnits);
    this.buyQuanta = zeros(reuse?.buyQuanta);
    this.sellQuanta = zeros(reuse?.sellQuanta);
    this.priceMwh = nans(reuse?.priceMwh);
    this.rtUnits = zeros(reuse?.rtUnits);
    this.commandedQuanta = zeros(reuse?.commandedQuanta);
    this.actualQuanta = nans(reuse?.actualQuanta);
    this.consumedQuanta = zeros(reuse?.consumedQuanta);
    this.generatedQuanta = zeros(reuse?.generatedQuanta);
    this.curtailedQuanta = zeros(reuse?.curtailedQuanta);
    this.shedQuanta = zeros(reuse?.shedQuanta);
    this.imbalanceQuanta = nans(reuse?.imbalanceQuanta);
    this.imbalancePriceMwh = nans(reuse?.imbalancePriceMwh);
    this.imbalanceUnits = zeros(reuse?.imbalanceUnits);
    // Cleared, not allocated: `new Array(n)` of a few hundred thousand slots is a large object of the
    // old generation every interval (two per interval, most of the constructor's time at scale).
    // A new array is filled with undefined too: left empty it is an array of small integers until the first amount is
    // stored, a kind a reused (cleared) array never has, and checkBooks, optimised on one kind, deopted on the other (measured).
    this.costExtra = reuse !== undefined && reuse.costExtra.length === n ? reuse.costExtra.fill(undefined) : new Array<Money | undefined>(n).fill(undefined);
    this.drCost = reuse !== undefined && reuse.drCost.length === n ? reuse.drCost.fill(undefined) : new Array<Money | undefined>(n).fill(undefined);
  }

  /** Real-time net position, quanta. */
  positionQuanta(i: number): number {
    return this.buyQuanta[i]! - this.sellQuanta[i]!;
  }

  /** What a party pays (+) or receives (−) in units over every stage (before `costExtra`). */
  costUnits(i: number): number {
    return this.daUnits[i]! + this.rtUnits[i]! + this.imbalanceUnits[i]!;
  }

  /** The intermediary's position at a bus, created on first use. */
  busPosition(party: number, bus: BusId, busIndex: number): BusPosition {
    for (const p of this.busPositions) if (p.party === party && p.busIndex === busIndex) return p;
    const p: BusPosition = { party, bus, busIndex, buyQuanta: 0, sellQuanta: 0, rtUnits: 0, daQuanta: 0, daUnits: 0, daSharedQuanta: 0, actualQuanta: 0, sharedQuanta: 0, imbalanceQuanta: 0, imbalanceUnits: 0 };
    this.busPositions.push(p);
    return p;
  }
}

/** Whole units of a price in ticks (0 where the price is undefined: nothing is paid at no price). */
export const ticksOf = (priceMwh: number, tickMwh: number): number => (Number.isNaN(priceMwh) ? 0 : Math.round(priceMwh / tickMwh));

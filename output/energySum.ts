/**
 * Energy over a run, summed exactly and rounded once. The engine's energies are whole quanta
 * of the market's `quantumKw` held for an interval of `durationH`: a sum of such products in
 * floating point carries noise (0.001 × 0.25 is not a binary fraction), and rounding that sum
 * to the Wh splits exact ties either way (457.2625 kWh printed as 457.263 for consumption and
 * 457.262 for the same generation). Here the quanta are added as integers — in a plain number
 * while the sum is a safe integer, as long as the quantum and the interval stay the same
 * (always, within a run) — and turned into kWh in decimal: quanta × quantumKw (the exact decimal
 * its shortest string denotes) × the interval's whole milliseconds ÷ 3,600,000 (a 5-minute
 * interval is 1/12 h, which no float or finite decimal holds), then rounded once to 0.001 kWh
 * half-even, as core/money.ts rounds energy. The one division keeps 60 significant digits: a
 * sum that ends on a tie is a finite decimal and stays exact, one that does not is nowhere near one.
 */
import { Decimal } from 'decimal.js';
import { type Money, money, ZERO } from '../core/money.ts';

const MS_PER_HOUR = 3_600_000;

export class EnergySum {
  /** What earlier quantum-hours (or an overflowing run of quanta) came to, kWh, exact. */
  private settled: Money = ZERO;
  /** Whole quanta at `quantumKw` × `durationH` not yet in `settled`. */
  private quanta = 0;
  private quantumKw = NaN;
  private durationH = NaN;

  /** Adds `quanta` (a whole number, ± ) held at `quantumKw` for `durationH` hours. */
  add(quanta: number, quantumKw: number, durationH: number): void {
    if (quanta === 0) return;
    if (!Number.isInteger(quanta)) throw new RangeError(`energy must be whole quanta, got ${quanta}`);
    if (quantumKw !== this.quantumKw || durationH !== this.durationH) {
      this.settle();
      this.quantumKw = quantumKw;
      this.durationH = durationH;
    }
    const sum = this.quanta + quanta;
    if (Number.isSafeInteger(sum)) {
      this.quanta = sum;
      return;
    }
    this.settle();
    this.quanta = quanta;
  }

  /** The exact sum, kWh. */
  kwh(): Money {
    return this.quanta === 0 ? this.settled : this.settled.plus(this.pending());
  }

  /** The sum on the watt-hour (0.001 kWh), half-even, as a number for summary.json; `divisor` first divides it exactly (2 for a half-sum). */
  roundedKwh(divisor = 1): number {
    const r = this.kwh().div(divisor).toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN).toNumber();
    return r === 0 ? 0 : r; // no −0 in a file
  }

  private pending(): Money {
    // The interval's length in whole milliseconds (clock steps are), recovered from its hours.
    const ms = Math.round(this.durationH * MS_PER_HOUR);
    return money(this.quanta).times(money(this.quantumKw)).times(ms).div(MS_PER_HOUR);
  }

  private settle(): void {
    if (this.quanta !== 0) this.settled = this.settled.plus(this.pending());
    this.quanta = 0;
  }
}

/** x kW (a whole number of quanta of `quantumKw`) on the watt, half-even, as a number: exact where `quanta × quantumKw` in floating point is not. */
export const exactKw = (quanta: number, quantumKw: number): number => {
  const r = money(quanta).times(money(quantumKw)).toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN).toNumber();
  return r === 0 ? 0 : r;
};

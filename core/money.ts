/**
 * Money is exact: decimal.js values, never floats. Numbers from configuration
 * (ticks, quanta) enter through their shortest decimal string, so 0.001 is
 * exactly one thousandth.
 */
import { Decimal } from 'decimal.js';

/** A private Decimal constructor with enough precision that settlement sums never round. */
export const Money = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Money = Decimal;

export const ZERO: Money = new Money(0);

/** The exact decimal a JavaScript number literal denotes (its shortest round-trip string). */
export const money = (x: number | string): Money => new Money(typeof x === 'number' ? String(x) : x);

/** Fixed-point text without exponent, trailing zeros trimmed: stable for files. */
export const formatMoney = (m: Money): string => {
  const s = m.toFixed();
  return s === '-0' ? '0' : s;
};

/**
 * Exact money as whole multiples of a decimal unit. Settlement amounts are
 * quanta × ticks × (quantumKw · durationH · priceTickMwh / 1000): an integer times
 * a fixed decimal unit. Keeping the integer and the unit, and writing the product
 * as text by shifting the decimal point, is exact and far cheaper than a Decimal
 * per amount on the hot path (one per agent per interval). Values whose integer
 * product is not a safe integer fall back to decimal.js.
 */
export class MoneyUnit {
  /** unit = coefficient × 10^-scale, coefficient a safe integer. */
  private readonly coefficient: number;
  private readonly scale: number;

  constructor(readonly unit: Money) {
    this.scale = Math.max(0, unit.decimalPlaces());
    const c = unit.times(new Money(10).pow(this.scale));
    this.coefficient = c.isInteger() && c.abs().lte(Number.MAX_SAFE_INTEGER) ? c.toNumber() : NaN;
  }

  /** n × unit as a Decimal (n an integer). */
  toMoney(n: number): Money {
    return n === 0 ? ZERO : money(n).times(this.unit);
  }

  /** n × unit as an integer count of 10^-`scale` (for writers that print digits themselves), or NaN when that is not a safe integer. */
  scaled(n: number): number {
    const m = n * this.coefficient;
    return Number.isSafeInteger(m) ? m : NaN;
  }

  /** Decimal places of the unit: `scaled(n)` × 10^-decimals = n × unit. */
  get decimals(): number {
    return this.scale;
  }

  /** n × unit as fixed-point text, identical to `formatMoney(toMoney(n))`. */
  format(n: number): string {
    const m = n * this.coefficient;
    if (!Number.isSafeInteger(m)) return formatMoney(this.toMoney(n));
    if (m === 0) return '0';
    const neg = m < 0;
    let digits = String(Math.abs(m));
    if (this.scale > 0) {
      if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
      const cut = digits.length - this.scale;
      let frac = digits.slice(cut);
      let end = frac.length;
      while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
      frac = frac.slice(0, end);
      digits = frac.length > 0 ? `${digits.slice(0, cut)}.${frac}` : digits.slice(0, cut);
    }
    return neg ? `-${digits}` : digits;
  }
}

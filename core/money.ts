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

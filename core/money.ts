/**
 * Money is exact: decimal.js values, never floats. The one money module: market
 * settlement, bills and the ledgers all use the `Money` constructor below.
 *
 * Numbers from configuration (ticks, quanta) enter through their shortest decimal
 * string, so 0.001 is exactly one thousandth. Bills apply their rounding rules once,
 * where data enters (`energyKwh`, `rate`, `perKwhFromPerMwh`, `roundPowerKw`); metered energy
 * enters exact, built in decimals from the meter's whole quanta (`quantaKwh`):
 *
 * | quantity | quantum | rounding |
 * |---|---|---|
 * | energy (import, export), kWh | 0.001 kWh (1 Wh) | half-even |
 * | retail rates: currency per kWh, per kW, per day | 1e-7 currency per unit | half-even |
 * | market prices, currency per MWh | 1e-4 currency/MWh, then ÷ 1000 exactly (= 1e-7 per kWh) | half-even |
 * | peak demand (average import power over a demand window, from the unrounded energy), kW | 0.001 kW (1 W) | half-even |
 * | fixed charge for a part of a day (days × rate per day), currency | 1e-18 (tariffs/bill.ts `fixedLine`: 22/24 of a day is a repeating decimal) | half-even |
 * | bill total | 0.01 currency (the cent) | **half-up** (ties away from zero) |
 *
 * Half-even on the way in removes float noise (`0.1 + 0.2` kWh is 0.300 kWh) without
 * bias, except at a tie, where the noise would decide: so metered energy is never a
 * float product (`quantaKwh` says why), and a number given as kWh should be its decimal.
 * Nothing in between is rounded (60 significant digits, far more than any bill or
 * settlement uses, so every sum and product is exact); a bill's total is rounded
 * once, at the end, half-up as printed bills are, so a person redoing a bill by hand
 * gets the same cent (2.675 → 2.68, −0.345 → −0.35). Line items are kept exact; the
 * bill shows the rounding as its own amount.
 */
import { Decimal } from 'decimal.js';

/** The private Decimal constructor all money uses: enough precision that sums and products never round, never exponent notation in `toString`. */
export const Money = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Money = Decimal;

export const ZERO: Money = new Money(0);

/** The exact decimal a JavaScript number literal denotes (its shortest round-trip string). */
export const money = (x: number | string): Money => new Money(typeof x === 'number' ? String(x) : x);

/**
 * Decimals money is written with at most. Only a repeating decimal has more: settlement amounts
 * of 5-, 10- and 20-minute intervals are thirds of a decimal unit (`MoneyUnit`), written rounded
 * half-even here (there are no ties: a third is 0.333… or 0.666…).
 */
export const MONEY_DECIMALS = 20;

/** Fixed-point text without exponent, trailing zeros trimmed, at most `MONEY_DECIMALS` decimals: stable for files. */
export const formatMoney = (m: Money): string => {
  const s = (m.decimalPlaces() > MONEY_DECIMALS ? m.toDecimalPlaces(MONEY_DECIMALS) : m).toFixed();
  return s === '-0' ? '0' : s;
};

/** `digits` (a non-negative integer's text) × 10^-scale as fixed-point text, trailing zeros trimmed. */
function fixedText(digits: string, scale: number, negative: boolean): string {
  if (digits === '0') return '0';
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    const cut = digits.length - scale;
    let frac = digits.slice(cut);
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
    frac = frac.slice(0, end);
    digits = frac.length > 0 ? `${digits.slice(0, cut)}.${frac}` : digits.slice(0, cut);
  }
  return negative ? `-${digits}` : digits;
}

/**
 * Exact money as whole multiples of a unit. Settlement amounts are
 * quanta × ticks × (quantumKw · durationH · priceTickMwh / 1000): an integer times
 * a fixed unit. Keeping the integer and the unit, and writing the product
 * as text by shifting the decimal point, is exact and far cheaper than a Decimal
 * per amount on the hot path (one per agent per interval). Values whose integer
 * product is not a safe integer fall back to decimal.js.
 *
 * The unit is a decimal `numerator` divided by `divisor` (1 or 3): an interval's hours,
 * minutes / 60, are a finite decimal only when its minutes are a multiple of 3, and are
 * (minutes / 20) / 3 otherwise (`forInterval`). An amount of 5, 10 or 20 minutes is then exact
 * as n × numerator / 3, and written exactly when that is a finite decimal (12 kW at 78/MWh for
 * 20 minutes: 0.312), else rounded to `MONEY_DECIMALS` decimals (one unit of 1 W at a tick of
 * 0.01/MWh for 20 minutes: 0.00000000333333333333). The books compare whole units, exactly.
 */
export class MoneyUnit {
  /** numerator = coefficient × 10^-scale, coefficient a safe integer (NaN when not). */
  private readonly coefficient: number;
  private readonly scale: number;
  /** The unit as a Decimal: numerator / divisor (for a divisor of 3, to 60 significant digits). */
  readonly unit: Money;

  constructor(
    readonly numerator: Money,
    readonly divisor: 1 | 3 = 1,
  ) {
    this.unit = divisor === 1 ? numerator : numerator.div(divisor);
    this.scale = Math.max(0, numerator.decimalPlaces());
    const c = numerator.times(new Money(10).pow(this.scale));
    this.coefficient = c.isInteger() && c.abs().lte(Number.MAX_SAFE_INTEGER) ? c.toNumber() : NaN;
  }

  /** The settlement unit of an interval: quantumKw × minutes / 60 h × priceTickMwh / 1000, exact. */
  static forInterval(quantumKw: number, minutes: number, priceTickMwh: number): MoneyUnit {
    const perHour = money(quantumKw).times(money(priceTickMwh)).div(1000);
    return minutes % 3 === 0 ? new MoneyUnit(perHour.times(minutes).div(60)) : new MoneyUnit(perHour.times(minutes).div(20), 3);
  }

  /** n × unit as a Decimal (n an integer). */
  toMoney(n: number): Money {
    return n === 0 ? ZERO : this.divisor === 1 ? money(n).times(this.unit) : money(n).times(this.numerator).div(this.divisor);
  }

  /** n × unit as an integer count of 10^-`scale` (for writers that print digits themselves), or NaN when that is not a safe integer (or not an integer: a third). */
  scaled(n: number): number {
    const m = n * this.coefficient;
    if (!Number.isSafeInteger(m)) return NaN;
    return this.divisor === 1 ? m : m % 3 === 0 ? m / 3 : NaN;
  }

  /** Decimal places of the numerator: `scaled(n)` × 10^-decimals = n × unit. */
  get decimals(): number {
    return this.scale;
  }

  /** n × unit as fixed-point text, identical to `formatMoney(toMoney(n))`. */
  format(n: number): string {
    const m = n * this.coefficient;
    if (!Number.isSafeInteger(m)) return formatMoney(this.toMoney(n));
    if (this.divisor === 1 || m % 3 === 0) return fixedText(String(Math.abs(this.divisor === 1 ? m : m / 3)), this.scale, m < 0);
    // A third of a decimal: m × 10^(MONEY_DECIMALS − scale) / 3, rounded to the nearest (no ties: the remainder is 1 or 2).
    if (this.scale > MONEY_DECIMALS) return formatMoney(this.toMoney(n));
    const x = BigInt(Math.abs(m)) * 10n ** BigInt(MONEY_DECIMALS - this.scale);
    const q = x / 3n + (x % 3n === 2n ? 1n : 0n);
    return fixedText(q.toString(), MONEY_DECIMALS, m < 0);
  }
}

const checkFinite = (x: number, what: string): void => {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`${what} must be a finite number, got ${String(x)}`);
};

/**
 * kWh → exact kWh on the watt-hour (3 decimals), half-even. A number enters through its
 * shortest decimal string (0.1025 is a tie, → 0.102); a Decimal as it is. Throws a RangeError
 * on a non-finite number.
 */
export function energyKwh(x: number | Money): Money {
  if (typeof x === 'number') checkFinite(x, 'energy (kWh)');
  else if (!x.isFinite()) throw new RangeError(`energy (kWh) must be finite, got ${x.toString()}`);
  return new Money(x).toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN);
}

const MS_PER_H = 3_600_000;

/**
 * The exact energy of a meter's whole quanta over an interval, kWh, unrounded:
 * quanta × quantumKw × intervalMs, divided by 3 600 000 last. Metered energy is built
 * here, in decimals, never as the float product `quanta * quantumKw * durationH`: that
 * product's last bits would decide the half-even rounding at a Wh tie (410 × 0.001 kW ×
 * 0.25 h is 0.1025 kWh, → 0.102; the float 0.10250000000000001 rounds to 0.103). A tie is
 * exact here, and a value that does not terminate (5-minute intervals: ÷ 12) is kept to 60
 * significant digits, far closer than any tie. `energyKwh` of it is the billed kWh.
 */
export function quantaKwh(quanta: number, quantumKw: number | Money, intervalMs: number): Money {
  if (!Number.isInteger(quanta)) throw new RangeError(`quanta must be an integer, got ${String(quanta)}`);
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new RangeError(`interval must be a positive whole number of ms, got ${String(intervalMs)}`);
  if (quanta === 0) return ZERO;
  const q = typeof quantumKw === 'number' ? money(quantumKw) : quantumKw;
  return new Money(quanta).times(q).times(intervalMs).div(MS_PER_H);
}

/** A tariff rate (currency per kWh, per kW or per day) → exact, on 1e-7, half-even. Throws a RangeError on a non-finite number. */
export function rate(x: number): Money {
  checkFinite(x, 'rate');
  return new Money(x).toDecimalPlaces(7, Decimal.ROUND_HALF_EVEN);
}

/** A market price in currency/MWh → currency/kWh: rounded to 1e-4 /MWh (half-even), then divided by 1000 exactly. */
export function perKwhFromPerMwh(priceMwh: number): Money {
  checkFinite(priceMwh, 'market price (currency/MWh)');
  return new Money(priceMwh).toDecimalPlaces(4, Decimal.ROUND_HALF_EVEN).div(1000);
}

/** Average power, kW → on the watt (3 decimals), half-even. */
export function roundPowerKw(x: Money): Money {
  return x.toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN);
}

/** A bill total: to the cent, half-up (ties away from zero). */
export function roundToCent(x: Money): Money {
  return x.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Σ of amounts, exact. */
export function sum(xs: Iterable<Money>): Money {
  let s = ZERO;
  for (const x of xs) s = s.plus(x);
  return s;
}

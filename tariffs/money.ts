/**
 * Exact numbers for bills, and the one place where plain input numbers become
 * `Decimal`s. The rounding rules, applied once, where data enters:
 *
 * | quantity | quantum | rounding |
 * |---|---|---|
 * | energy (import, export), kWh | 0.001 kWh (1 Wh) | half-even |
 * | retail rates: currency per kWh, per kW, per day | 1e-7 currency per unit | half-even |
 * | market prices, currency per MWh | 1e-4 currency/MWh, then ÷ 1000 exactly (= 1e-7 per kWh) | half-even |
 * | peak demand, kW | 0.001 kW (1 W) | half-even |
 * | bill total | 0.01 currency (the cent) | **half-up** (ties away from zero) |
 *
 * Half-even on the way in removes float noise (`0.1 + 0.2` kWh is 0.300 kWh) without
 * bias; nothing in between is rounded (40 significant digits, far more than any bill
 * uses, so every sum and product is exact); the total is rounded once, at the end,
 * half-up as printed bills are, so a person redoing a bill by hand gets the same cent
 * (2.675 → 2.68, −0.345 → −0.35). Line items are kept exact; the bill shows the
 * rounding as its own amount.
 */
import { Decimal } from 'decimal.js';

/** The `Decimal` constructor bills use: 40 significant digits, never exponent notation in `toString`. */
export const Dec: Decimal.Constructor = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});

export const ZERO: Decimal = new Dec(0);

const checkFinite = (x: number, what: string): void => {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`${what} must be a finite number, got ${String(x)}`);
};

/** kWh → Decimal kWh on the watt-hour (3 decimals), half-even. */
export function energyKwh(x: number): Decimal {
  checkFinite(x, 'energy (kWh)');
  return new Dec(x).toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN);
}

/** A tariff rate (currency per kWh, per kW or per day) → Decimal on 1e-7, half-even. */
export function rate(x: number): Decimal {
  checkFinite(x, 'rate');
  return new Dec(x).toDecimalPlaces(7, Decimal.ROUND_HALF_EVEN);
}

/** A market price in currency/MWh → currency/kWh: rounded to 1e-4 /MWh (half-even), then divided by 1000 exactly. */
export function perKwhFromPerMwh(priceMwh: number): Decimal {
  checkFinite(priceMwh, 'market price (currency/MWh)');
  return new Dec(priceMwh).toDecimalPlaces(4, Decimal.ROUND_HALF_EVEN).div(1000);
}

/** Average power → Decimal kW on the watt (3 decimals), half-even. */
export function powerKw(x: Decimal): Decimal {
  return x.toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN);
}

/** The bill total: to the cent, half-up (ties away from zero). */
export function roundToCent(x: Decimal): Decimal {
  return x.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Σ of Decimals, exact. */
export function sum(xs: Iterable<Decimal>): Decimal {
  let s = ZERO;
  for (const x of xs) s = s.plus(x);
  return s;
}

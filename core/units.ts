/**
 * Units as branded types: zero runtime cost, but a `Kw` cannot be passed where a
 * `Kwh` or a `PricePerMwh` is expected. Brands are applied where data enters
 * (scenario parsing, solver read-back) through the constructors below; arithmetic
 * inside pure functions works on plain numbers and re-brands its results.
 *
 * Conventions used throughout gridbid:
 * - power in kW, energy in kWh, prices in currency per MWh, durations in hours;
 * - a positive award is consumption (a buy), a negative one injection (a sell).
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type Kw = Brand<number, 'kW'>;
export type Kwh = Brand<number, 'kWh'>;
export type Hours = Brand<number, 'h'>;
export type PricePerMwh = Brand<number, 'currency/MWh'>;
export type Celsius = Brand<number, '°C'>;

export type AgentId = Brand<string, 'AgentId'>;
export type BusId = Brand<string, 'BusId'>;

export const kw = (x: number): Kw => x as Kw;
export const kwh = (x: number): Kwh => x as Kwh;
export const hours = (x: number): Hours => x as Hours;
export const pricePerMwh = (x: number): PricePerMwh => x as PricePerMwh;
export const celsius = (x: number): Celsius => x as Celsius;
export const agentId = (s: string): AgentId => s as AgentId;
export const busId = (s: string): BusId => s as BusId;
/** A price that may be unknown (no clearing yet). */
export const optionalPrice = (x: number | undefined): PricePerMwh | undefined => x as PricePerMwh | undefined;
/** A series of prices (a forecast), branded at once: no copy. */
export const pricesPerMwh = (xs: readonly number[]): readonly PricePerMwh[] => xs as readonly PricePerMwh[];
/** A series of durations, branded at once: no copy. */
export const hoursEach = (xs: readonly number[]): readonly Hours[] => xs as readonly Hours[];

/** Energy delivered by a constant power over a duration. */
export const energyKwh = (power: Kw, duration: Hours): Kwh => kwh(power * duration);

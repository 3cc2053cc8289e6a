/**
 * The one check of a bid segment, shared by the order book (market/orderBook.ts, where
 * bids enter the market) and the strategy guard (strategies/guard.ts, where a strategy's
 * answer is checked before it becomes a bid): a segment the guard lets through is one the
 * book accepts. Pure; builds a reason string only for an invalid segment.
 */
import type { RejectionCode } from './types.ts';

/** Bounds a segment must respect: the market's price cap and floor (currency/MWh) and quantity step (kW). */
export interface SegmentLimits {
  readonly priceCapMwh: number;
  readonly priceFloorMwh: number;
  readonly quantumKw: number;
}

export interface SegmentProblem {
  readonly code: RejectionCode;
  readonly reason: string;
}

/**
 * Largest quantity of one segment, in quanta (about 281 GW at a 1 W quantum): sums of
 * a book's quanta stay far below 2^53, so clearing and settlement stay exact.
 */
export const MAX_SEGMENT_QUANTA = 2 ** 48;

/**
 * Why segment `k` of a curve is invalid, or undefined: an object with side 'buy' or
 * 'sell', a finite price within [floor, cap] and a finite quantity from 0 to
 * MAX_SEGMENT_QUANTA quanta. Checked in that order; the first problem is reported.
 * @example segmentProblem({ side: 'buy', priceMwh: 40, quantityKw: -1 }, 0, limits)
 *   // → { code: 'negative-quantity', reason: 'segment 0: quantity must be ≥ 0 kW, got -1' }
 */
export function segmentProblem(segment: unknown, k: number, limits: SegmentLimits): SegmentProblem | undefined {
  if (segment === null || typeof segment !== 'object') return { code: 'malformed-segment', reason: `${segmentAt(k)} is not an object, got ${segment === null ? 'null' : typeof segment}` };
  const s = segment as { readonly side?: unknown; readonly priceMwh?: unknown; readonly quantityKw?: unknown };
  if (s.side !== 'buy' && s.side !== 'sell') return { code: 'invalid-side', reason: `${segmentAt(k)}: side must be 'buy' or 'sell', got ${JSON.stringify(s.side)}` };
  if (typeof s.priceMwh !== 'number' || !Number.isFinite(s.priceMwh)) return { code: 'non-finite-price', reason: `${segmentAt(k)}: price must be a finite number, got ${shown(s.priceMwh)}` };
  if (typeof s.quantityKw !== 'number' || !Number.isFinite(s.quantityKw))
    return { code: 'non-finite-quantity', reason: `${segmentAt(k)}: quantity must be a finite number, got ${shown(s.quantityKw)}` };
  if (s.quantityKw < 0) return { code: 'negative-quantity', reason: `${segmentAt(k)}: quantity must be ≥ 0 kW, got ${s.quantityKw}` };
  if (s.quantityKw / limits.quantumKw > MAX_SEGMENT_QUANTA)
    return { code: 'quantity-too-large', reason: `${segmentAt(k)}: quantity ${s.quantityKw} kW exceeds ${MAX_SEGMENT_QUANTA * limits.quantumKw} kW, the most one segment may hold` };
  if (s.priceMwh > limits.priceCapMwh) return { code: 'price-above-cap', reason: `${segmentAt(k)}: price ${s.priceMwh} is above the cap ${limits.priceCapMwh}` };
  if (s.priceMwh < limits.priceFloorMwh) return { code: 'price-below-floor', reason: `${segmentAt(k)}: price ${s.priceMwh} is below the floor ${limits.priceFloorMwh}` };
  return undefined;
}

/**
 * True exactly when `segmentProblem(segment, k, limits)` is undefined (test/market/segment.spec.ts
 * checks the two agree on arbitrary input): the same checks as one boolean expression, no
 * object or string built, for the order book's hot path, which asks `segmentProblem` for the
 * reason only once a segment fails. A NaN fails every comparison, so the comparisons with cap,
 * floor and 0 reject NaN; `Number.isFinite` rejects ±Infinity even against an infinite cap.
 */
export function isValidSegment(segment: unknown, limits: SegmentLimits): boolean {
  if (segment === null || typeof segment !== 'object') return false;
  const s = segment as { readonly side?: unknown; readonly priceMwh?: unknown; readonly quantityKw?: unknown };
  const p = s.priceMwh;
  const q = s.quantityKw;
  return (s.side === 'buy' || s.side === 'sell') && typeof p === 'number' && typeof q === 'number' && isValidPriceQuantity(p, q, limits);
}

/**
 * `isValidSegment` for a segment whose side is known to be valid, from its price and
 * quantity (packed segments, market/packedCurves.ts): finite, quantity from 0 to
 * MAX_SEGMENT_QUANTA quanta, price within [floor, cap].
 */
export function isValidPriceQuantity(p: number, q: number, limits: SegmentLimits): boolean {
  return Number.isFinite(p) && Number.isFinite(q) && q >= 0 && !(q / limits.quantumKw > MAX_SEGMENT_QUANTA) && !(p > limits.priceCapMwh) && !(p < limits.priceFloorMwh);
}

/**
 * A value as a reason quotes it: a number as it prints (NaN, Infinity), anything else with its
 * type, so a price read as the string '50' is not reported as "got 50", which reads as a valid price.
 */
function shown(x: unknown): string {
  if (typeof x === 'number' || x === undefined || x === null) return String(x);
  if (typeof x === 'string') return `string ${JSON.stringify(x)}`;
  if (typeof x === 'object') return Array.isArray(x) ? 'an array' : 'an object';
  if (typeof x === 'function') return 'a function';
  return `${typeof x} ${String(x)}`; // boolean, bigint, symbol
}

/** Names a segment in a reason (built only on a problem: no string per valid segment). */
const segmentAt = (k: number): string => `segment ${k}`;

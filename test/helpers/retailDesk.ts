/**
 * A retail desk with one customer for the desk's tests (engine/retail.ts RetailDesk): party 0 at bus
 * `main` on one tariff, a day of 15-minute intervals from 2026-07-01, the default market rules.
 */
import { parseSimTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { type BidSegment, DEFAULT_RULES } from '../../market/types.ts';
import { parseTariffs } from '../../tariffs/schema.ts';

export const deskClock = { start: parseSimTime('2026-07-01T00:00:00Z')!, intervalMinutes: 15, intervals: 96, gateClosureMinutes: 5 };

/** A desk with one customer (party 0) on `tariff` (its scenario form, without an id). */
export function deskWith(tariff: Record<string, unknown>): RetailDesk {
  const t = parseTariffs([{ id: 't', ...tariff }]);
  if (!t.ok) throw new Error(JSON.stringify(t.issues));
  return new RetailDesk([t.value[0]!], new Map([['t', 1]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: 't' }], 1, deskClock, DEFAULT_RULES);
}

export const buy = (quantityKw: number, priceMwh: number): BidSegment => ({ side: 'buy', quantityKw, priceMwh });
export const sell = (quantityKw: number, priceMwh: number): BidSegment => ({ side: 'sell', quantityKw, priceMwh });

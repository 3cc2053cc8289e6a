/**
 * Small order books for auction and aggregation tests, built through the real
 * `buildOrderBook` (validation + ticks/quanta) so tests see what the engine sees.
 */
import { busId, agentId, type BusId } from '../../core/units.ts';
import { buildOrderBook } from '../../market/orderBook.ts';
import { DEFAULT_RULES, type Bid, type MarketRules, type OrderBook, type PriceRule, type Side } from '../../market/types.ts';

/** One segment, one bid: `bus` defaults to the first bus. */
export interface Seg {
  readonly side: Side;
  readonly price: number;
  readonly kw: number;
  readonly bus?: string;
}

export const buy = (price: number, kw: number, bus?: string): Seg => (bus === undefined ? { side: 'buy', price, kw } : { side: 'buy', price, kw, bus });
export const sell = (price: number, kw: number, bus?: string): Seg => (bus === undefined ? { side: 'sell', price, kw } : { side: 'sell', price, kw, bus });

export interface BookOptions {
  readonly rules?: Partial<MarketRules>;
  readonly priceRule?: PriceRule;
  readonly buses?: readonly string[];
  readonly durationH?: number;
}

/** Builds a book with one single-segment bid per `Seg`, in order; fails the test on any rejection. */
export function makeBook(segs: readonly Seg[], opts: BookOptions = {}): OrderBook {
  const rules: MarketRules = { ...DEFAULT_RULES, ...opts.rules, ...(opts.priceRule ? { priceRule: opts.priceRule } : {}) };
  const buses: BusId[] = (opts.buses ?? ['n1']).map(busId);
  const bids: Bid[] = segs.map((s, k) => ({
    id: `b${k}`,
    agentId: agentId(`a${k}`),
    bus: busId(s.bus ?? buses[0]!),
    interval: 0,
    segments: [{ side: s.side, priceMwh: s.price, quantityKw: s.kw }],
  }));
  const { book, rejections } = buildOrderBook(bids, { interval: 0, durationH: opts.durationH ?? 1, rules, buses, isKnownAgent: () => true });
  if (rejections.length > 0) throw new Error(`test book has rejections: ${rejections.map((r) => r.reason).join('; ')}`);
  return book;
}

/** Awards in kW, in book order. */
export function awardsKw(book: OrderBook, awardedQuanta: Float64Array): number[] {
  // Divide by quanta per kW (1000) rather than multiply by 0.001: the nearest double to the decimal.
  const perKw = Math.round(1 / book.rules.quantumKw);
  return Array.from(awardedQuanta, (q) => q / perKw);
}

/** Σ awarded quanta of one side. */
export function sideTotal(book: OrderBook, awardedQuanta: Float64Array, side: Side): number {
  let s = 0;
  for (let i = 0; i < book.size; i++) if ((book.isBuy[i] === 1) === (side === 'buy')) s += awardedQuanta[i]!;
  return s;
}

export const PRICE_RULES: readonly PriceRule[] = ['partial-block', 'marginal-offer', 'marginal-bid', 'midpoint'];

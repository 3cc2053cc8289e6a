/**
 * `npm run bench -- auction`: the single-node double auction against the cost of
 * sorting as many prices natively (Float64Array.prototype.sort, no comparator),
 * measured interleaved in the same run. Target: clearing 1e6 segments in at most 2×
 * the sort.
 */
import { RandomService } from '../core/rng.ts';
import { agentId, busId } from '../core/units.ts';
import { doubleAuctionWith } from '../market/auction.ts';
import { OrderBookBuilder } from '../market/orderBook.ts';
import { DEFAULT_RULES, type BidSegment, type OrderBook, type Side } from '../market/types.ts';
import { measurePair, type BenchRow, type BenchSuite } from './harness.ts';

const SEGMENTS_PER_BID = 10;

/**
 * A book of `n` segments in bids of 10 (half the bids buy, half sell): bid prices ~ N(70, 40),
 * offers ~ N(50, 40) currency/MWh clipped to [floor, cap] on the 0.01 tick, quantities
 * log-normal around 3 kW on the 1 W quantum, so the curves cross well inside the book.
 */
function randomBook(n: number, seed: number): OrderBook {
  const rng = new RandomService(seed).stream('bench', `auction-${n}`);
  const rules = DEFAULT_RULES;
  const buses = [busId('n1')];
  const builder = new OrderBookBuilder({ interval: 0, durationH: 1, rules, buses, isKnownAgent: () => true }, n);
  for (let b = 0; b * SEGMENTS_PER_BID < n; b++) {
    const side: Side = b % 2 === 0 ? 'buy' : 'sell';
    const segments: BidSegment[] = [];
    for (let k = 0; k < SEGMENTS_PER_BID && b * SEGMENTS_PER_BID + k < n; k++) {
      const p = rng.clippedNormal(side === 'buy' ? 70 : 50, 40, rules.priceFloorMwh, rules.priceCapMwh);
      segments.push({ side, priceMwh: Math.round(p * 100) / 100, quantityKw: Math.round(rng.logNormal(3, 0.8) * 1000) / 1000 });
    }
    const rejected = builder.add({ id: `b${b}`, agentId: agentId(`a${b}`), bus: buses[0]!, interval: 0, segments });
    if (rejected) throw new Error(`bench book: ${rejected.reason}`);
  }
  return builder.build();
}

async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const n of [1e4, 1e5, 1e6]) {
    const book = randomBook(n, 42);
    const prices = Float64Array.from(book.priceTicks, (t) => t / 100);
    const rounds = n >= 1e6 ? 9 : n >= 1e5 ? 15 : 31;
    const baseline = { name: `sort ${n} prices`, fn: (a: Float64Array) => a.sort() };
    const setup = () => prices.slice();
    for (const method of ['auto', 'sort'] as const) {
      const { candidate, baseline: base } = measurePair({ name: 'doubleAuction', fn: () => doubleAuctionWith(book, method) }, baseline, { setup, rounds });
      const auto = method === 'auto';
      rows.push({
        suite: 'auction',
        case: `${auto ? 'doubleAuction' : 'sort path (forced)'} ${n.toExponential(0)} segments`,
        ms: candidate.medianMs,
        baseline: `Float64Array sort ${n.toExponential(0)}`,
        baselineMs: base.medianMs,
        ...(auto && n === 1e6 ? { target: { max: 2, of: 'ratio' as const } } : {}),
        note: auto
          ? 'book built beforehand, untimed (the engine builds it as bids arrive)'
          : 'packed-key Float64Array sort instead of tick buckets, for comparison',
      });
    }
  }
  return rows;
}

export const suite: BenchSuite = { name: 'auction', run };

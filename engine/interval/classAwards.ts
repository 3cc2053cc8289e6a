/**
 * Phase 4, on a feeder whose LP prices reactive power: what each aggregator's bids cleared, one award per bid. There
 * an aggregator bids its members at a bus per power factor (agents/aggregator `byPowerFactor`), and each bid's award
 * goes to the members of its class (agents/aggregator/split.ts), at the price the clearing weighed their buys against.
 * Pure.
 */
import type { AggregatorBusAward } from '../../agents/types.ts';
import type { ReactiveSettlement } from '../../market/reactiveSettlement.ts';
import type { Settlement } from '../../market/settlement.ts';
import type { OrderBook } from '../../market/types.ts';
import type { PartyBid } from './collectBids.ts';

/**
 * Per aggregator (party index), its awards in bid order: bus, class (`kvarPerKw`), quanta bought and sold, the bus
 * price, and for a class drawing kvar under a reactive price the price its members' buys are split at (`splitPriceMwh`).
 *
 * Why that price: the LP cleared a buy of tan φ against DLMP + tan φ × ρ, not the DLMP; split at the DLMP, an award
 * where ρ < 0 (absorbing vars is worth something) would exceed what the members take there and be left with the
 * aggregator. The clearing accepts an award within a tick of its price (market/clearNetwork.ts `unsupportedAward`)
 * and both prices reach here rounded to the tick, so the members' levels down to that price less 1.5 + tan φ / 2
 * ticks may take the award, in merit order: the levels above are served first, so a truthful curve's award goes to the
 * segments the clearing took, and only an award beyond the members' curves (a learning strategy's) is left over.
 */
export function aggregatorClassAwards(book: OrderBook, settlement: Settlement, busPriceMwh: Float64Array, stage: ReactiveSettlement | undefined, tickMwh: number): Map<number, AggregatorBusAward[]> {
  const out = new Map<number, AggregatorBusAward[]>();
  const busOf = new Map<string, number>(book.buses.map((b, k) => [b, k]));
  for (let b = 0; b < book.bids.length; b++) {
    const bid = book.bids[b] as PartyBid;
    const t = bid.kvarPerKw;
    if (t === undefined) continue;
    const k = busOf.get(bid.bus)!;
    const priceMwh = busPriceMwh[k]!;
    let list = out.get(bid.party);
    if (!list) out.set(bid.party, (list = []));
    const rho = stage ? stage.priceTicks[k]! : 0;
    const award = { bus: bid.bus, buyQuanta: settlement.buyQuanta[b]!, sellQuanta: settlement.sellQuanta[b]!, priceMwh, kvarPerKw: t };
    if (t === 0 || rho === 0 || Number.isNaN(priceMwh)) list.push(award);
    else list.push({ ...award, splitPriceMwh: Math.floor(Math.round(priceMwh / tickMwh) + t * rho - (1.5 + t / 2)) * tickMwh });
  }
  return out;
}

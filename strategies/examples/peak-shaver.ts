/**
 * An example of your own strategy, as a scenario would load it:
 *
 *   agents:
 *     - kind: home
 *       count: 50
 *       strategy: { module: ../strategies/examples/peak-shaver.ts, params: { ceilingMwh: 150 } }
 *
 * It bids the agent's own valuation, but refuses to pay more than `ceilingMwh` for any
 * energy the agent could do without (its demand valued below the price cap), and offers
 * its supply at cost. It sees only what its agent may see: its own view and the public
 * market view, both frozen. It returns bid segments; it must not throw (if it does, or
 * returns nonsense, gridbid reports it and bids the kind's default for that interval).
 */
import type { AgentViewBase, MarketView, Strategy } from 'gridbid';

export interface PeakShaverParams {
  /** Highest price paid for flexible demand, currency/MWh. */
  readonly ceilingMwh?: number;
}

export default function peakShaver(params: PeakShaverParams): Strategy {
  const ceiling = params.ceilingMwh ?? 150;
  return {
    id: 'peak-shaver',
    bid(view: AgentViewBase, market: MarketView) {
      const buys = view.demand.map((d) => ({
        side: 'buy' as const,
        quantityKw: d.kw,
        // Needs (valued at the cap) keep their value; wants are capped at the ceiling.
        priceMwh: d.valueMwh >= market.priceCapMwh ? market.priceCapMwh : Math.min(d.valueMwh, ceiling),
      }));
      const sells = view.supply.map((s) => ({ side: 'sell' as const, quantityKw: s.kw, priceMwh: Math.max(market.priceFloorMwh, s.valueMwh) }));
      return [...buys, ...sells].filter((s) => s.quantityKw > 0);
    },
  };
}

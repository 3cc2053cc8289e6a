/**
 * Truthful bidding: every agent bids its own valuation curve as it is — demand at
 * its value, supply at its marginal cost. In a uniform-price market with many
 * small agents this is (close to) a dominant strategy, which makes it the
 * reference the other strategies are compared with.
 */
import type { BidSegment } from '../market/types.ts';
import type { AgentViewBase, MarketView, Strategy } from './types.ts';

function clamp(p: number, market: MarketView): number {
  return p > market.priceCapMwh ? market.priceCapMwh : p < market.priceFloorMwh ? market.priceFloorMwh : p;
}

/**
 * The agent's own curve, shaded by `markup` m of each value's magnitude: demand at v − m·|v|,
 * supply at c + m·|c| (for positive values v·(1 − m) and c·(1 + m)). By magnitude, because
 * c·(1 + m) of a negative cost is below the cost: a plant costing −10 /MWh with a 10 % markup
 * offered at −11 and sold at a loss.
 */
export function valuationBids(view: AgentViewBase, market: MarketView, markup = 0): BidSegment[] {
  const out: BidSegment[] = [];
  for (const s of view.demand) if (s.kw > 0) out.push({ side: 'buy', priceMwh: clamp(s.valueMwh - markup * Math.abs(s.valueMwh), market), quantityKw: s.kw });
  for (const s of view.supply) if (s.kw > 0) out.push({ side: 'sell', priceMwh: clamp(s.valueMwh + markup * Math.abs(s.valueMwh), market), quantityKw: s.kw });
  return out;
}

export const truthful: Strategy = {
  id: 'truthful',
  bid: (view, market) => valuationBids(view, market),
};

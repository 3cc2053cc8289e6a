/**
 * `ev-uncontrolled`: a car that charges flat out from the moment it plugs in until
 * its target, whatever the price — it bids everything it can take now
 * (`maxChargeKw`) at the price cap. The reference "dumb charging" population of a
 * study (the evening peak), and what `truthful` did on an EV before its valuation
 * split need from want (`strategies/ev/demand.ts`). Pure.
 */
import type { BidSegment } from '../../market/types.ts';
import type { Strategy, StrategyFactory } from '../types.ts';
import type { EvView } from './view.ts';

export const evUncontrolled: Strategy<EvView> = {
  id: 'ev-uncontrolled',
  bid(view, market): readonly BidSegment[] {
    return view.maxChargeKw > 0 ? [{ side: 'buy', priceMwh: market.priceCapMwh, quantityKw: view.maxChargeKw }] : [];
  },
};

/** Registry entry (`strategies/registry.ts`). */
export const evUncontrolledFactory: StrategyFactory = {
  params: undefined,
  kinds: ['ev'],
  create: () => evUncontrolled as unknown as Strategy,
};

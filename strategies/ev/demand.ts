/**
 * An EV's own valuation (`view.demand`), split by the physics into a need and a want:
 *
 * 1. need — `mustChargeKw` at the price cap: the least power this interval that keeps
 *    the departure target reachable with the charger flat out for the rest of the
 *    plugged time (`minChargeKwNow`). It is 0 while charging can still be postponed
 *    by an interval, so a car with hours of slack needs nothing now;
 * 2. want — the rest it can take now, `maxChargeKw − mustChargeKw`, valued at the
 *    flexible price of `ev-slack` with its default parameters (`evSlackPrices`): the
 *    ⌈f·n⌉-th cheapest forecast price of the n intervals left, f = 1 − slack/hoursLeft,
 *    rising linearly to the cap over the last hour of slack. It stays below the cap
 *    (a want) unless the forecast itself is at the cap.
 *
 * So `truthful` on an EV bids what `ev-slack` bids for charging (without V2G), and a
 * plug-in can read "value at the cap" as "must buy now".
 */
import type { EvView } from './view.ts';
import { evSlackParams, evSlackPrices } from './slack.ts';
import type { MarketView, ValueSegment } from '../types.ts';

const DEFAULTS = evSlackParams.parse({});

/** The demand curve (highest value first) of an EV whose other view fields are `view`. */
export function evDemand(view: Omit<EvView, 'demand' | 'supply'>, market: MarketView): readonly ValueSegment[] {
  const need = view.mustChargeKw > 0 ? Math.min(view.mustChargeKw, view.maxChargeKw) : 0;
  const flexible = view.maxChargeKw - need;
  const out: ValueSegment[] = [];
  if (need > 0) out.push({ kw: need, valueMwh: market.priceCapMwh });
  if (flexible > 0) out.push({ kw: flexible, valueMwh: evSlackPrices(view, market, DEFAULTS).wtpMwh });
  return Object.freeze(out);
}

/**
 * The aggregator as a market to its members (PowerMatcher's concentrator, downward):
 * each bus's award is split among the members there by their own curves at the
 * cleared price (`splitAward`), and each share is priced under the contract. Pure.
 *
 * Money, `pass-through` contract, per member and interval (units of the market's
 * settlement unit, exact):
 *
 *   member pays = share × price(bus) + (actual − share) × imbalance price(bus) + fee × (bought + sold kWh)
 *
 * — as if it had traded itself — and the aggregator pays the market
 *
 *   award × price + (Σ members' actual − award) × imbalance price.
 *
 * When the split gives the members less than the award (an award beyond what their
 * curves take at the price: a learning strategy, a negative markup), the difference
 * (award − Σ shares) is the aggregator's own position: bought at the price and, since no
 * member takes it, settled back at the imbalance price. So every interval, exactly:
 *
 *   market payment + fee income = members' payments + own-position cost,
 *   own-position cost = (award − Σ shares) × (price − imbalance price).
 */
import { type SideKw, splitAward } from '../../market/aggregate.ts';
import type { MarketRules } from '../../market/types.ts';
import type { AggregatorBusAward, MemberCurve, MemberShare } from '../types.ts';
import { type AggregatorContract, memberFee } from './contract.ts';

/**
 * Splits every bus award among the members that bid there. Members without a share
 * (no curve at a bus with an award, or nothing taken) get none. Shares are whole quanta
 * and never more than a member offered at the price or better.
 */
export function splitAmongMembers(curves: readonly MemberCurve[], awards: readonly AggregatorBusAward[], contract: AggregatorContract, rules: MarketRules, durationH: number): MemberShare[] {
  const q = rules.quantumKw;
  const out: MemberShare[] = [];
  for (const award of awards) {
    // A bid per power factor (a feeder pricing reactive power) is split among the members of its class only, at the
    // price the clearing weighed their buys against (DLMP + tan φ × reactive price): the members whose curves take it there.
    const cls = award.kvarPerKw;
    const list = curves.filter((c) => c.bus === award.bus && (cls === undefined || (c.kvarPerKw ?? 0) === cls));
    if (list.length === 0) continue;
    const ticks = Number.isNaN(award.priceMwh) ? 0 : Math.round(award.priceMwh / rules.priceTickMwh);
    const members = list.map((c) => ({ memberId: c.memberId, segments: c.segments }));
    const price = Number.isNaN(award.priceMwh) ? 0 : award.priceMwh;
    const buyAt = award.splitPriceMwh === undefined || Number.isNaN(award.splitPriceMwh) ? price : award.splitPriceMwh;
    // Sells draw no kvar (unity), so the clearing weighed them against the DLMP alone: each side at its own price.
    const split =
      buyAt === price
        ? splitAward(members, { buyKw: award.buyQuanta * q, sellKw: award.sellQuanta * q, priceMwh: price }, rules)
        : bothSides(splitAward(members, { buyKw: award.buyQuanta * q, sellKw: 0, priceMwh: buyAt }, rules), splitAward(members, { buyKw: 0, sellKw: award.sellQuanta * q, priceMwh: price }, rules));
    for (const c of list) {
      const share = split.get(c.memberId);
      if (!share) continue;
      const buy = Math.round(share.buyKw / q);
      const sell = Math.round(share.sellKw / q);
      out.push({ member: c.member, bus: c.bus, buyQuanta: buy, sellQuanta: sell, energyUnits: (buy - sell) * ticks, fee: memberFee(contract, buy + sell, q, durationH) });
    }
  }
  return out;
}

/** Each member's buy share from `buys` and sell share from `sells` (two splits of one award, each side at its own price). */
function bothSides(buys: Map<string, SideKw>, sells: Map<string, SideKw>): Map<string, SideKw> {
  const out = new Map<string, SideKw>();
  for (const [id, b] of buys) out.set(id, { buyKw: b.buyKw, sellKw: sells.get(id)?.sellKw ?? 0 });
  return out;
}

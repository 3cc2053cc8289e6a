/**
 * The final settlement's books (engine/settlementRun.ts): pure, each identity recomputed
 * along its own path from the settlement's statements; an empty list when they close.
 */
import { type Money, money, ZERO } from '../core/money.ts';
import type { BookViolation } from './interval/books.ts';
import type { FinalSettlement, SettlementParties } from './settlementRun.ts';
import { type OperatorDrTotals, operatorDrTotals } from './settlementDrTotals.ts';

/**
 * The final settlement's books, each along its own path (empty when everything holds):
 * - `final:energy`: per interval, Σ sites' Δ kWh + the account's kWh = 0 (the physical sum
 *   is zero, proven by the initial books);
 * - `final:imbalance`: per interval, what the sites trading themselves and the
 *   intermediaries pay the market = what the reconciliation account received;
 * - `final:aggregator` / `final:retailer`: each intermediary's adjustment at a bus = Σ of
 *   its members' or customers' Δ × the bus's imbalance price (members pay it exactly that);
 * - `final:demandResponse`: per operator, Σ of its agents' adjustments = its own final − initial
 *   net, each recomputed from the DR rule.
 */
export function checkFinalBooks(
  fs: FinalSettlement,
  parties: SettlementParties,
  roleOf: (party: number) => 'aggregator' | 'retailer' | 'agent',
  /** Its demand response per operator, when the caller has summed it already for the run's figures (one pass over the commands). */
  dr: ReadonlyMap<string, OperatorDrTotals> = operatorDrTotals(fs.demandResponse),
): BookViolation[] {
  const out: BookViolation[] = [];
  const byInterval = new Map<number, { delta: Money; accountKwh: Money; toMarket: Money; accountMoney: Money }>();
  const at = (k: number) => {
    let e = byInterval.get(k);
    if (!e) byInterval.set(k, (e = { delta: ZERO, accountKwh: ZERO, toMarket: ZERO, accountMoney: ZERO }));
    return e;
  };
  const owed = new Map<string, Money>();
  for (const s of fs.sites) {
    const e = at(s.interval);
    e.delta = e.delta.plus(s.deltaKwh);
    if (s.paysTo < 0) e.toMarket = e.toMarket.plus(s.amount);
    else {
      const key = `${s.interval}\u0001${s.paysTo}\u0001${s.bus}`;
      const price = Number.isNaN(s.priceMwh) ? ZERO : money(s.priceMwh).div(1000);
      owed.set(key, (owed.get(key) ?? ZERO).plus(s.deltaKwh.times(price)));
      // A member pays its aggregator exactly Δ × price; a customer pays through its bill.
      if (parties.routeOf[s.party] === 1 && !s.amount.equals(s.deltaKwh.times(price))) out.push({ interval: s.interval, identity: 'final:aggregator', detail: `${parties.ids[s.party]} pays ${s.amount.toFixed()} for ${s.deltaKwh.toFixed()} kWh at ${s.priceMwh}/MWh` });
    }
  }
  for (const m of fs.intermediaries) {
    at(m.interval).toMarket = at(m.interval).toMarket.plus(m.amount);
    const key = `${m.interval}\u0001${m.party}\u0001${m.bus}`;
    const expected = owed.get(key) ?? ZERO;
    owed.delete(key);
    if (!expected.equals(m.amount)) out.push({ interval: m.interval, identity: roleOf(m.party) === 'aggregator' ? 'final:aggregator' : 'final:retailer', detail: `${parties.ids[m.party]} settles ${m.amount.toFixed()} with the market at bus ${m.bus}; its sites' adjustments come to ${expected.toFixed()}` });
  }
  for (const [key, v] of owed) if (!v.isZero()) out.push({ interval: Number(key.split('\u0001')[0]), identity: 'final:retailer', detail: `adjustments of ${v.toFixed()} owed through intermediary ${key.split('\u0001')[1]} that settled nothing with the market` });
  for (const a of fs.account) {
    const e = at(a.interval);
    e.accountKwh = e.accountKwh.plus(a.kwh);
    e.accountMoney = e.accountMoney.plus(a.amount);
  }
  for (const [k, e] of byInterval) {
    if (!e.delta.plus(e.accountKwh).isZero()) out.push({ interval: k, identity: 'final:energy', detail: `settled − physical ${e.delta.toFixed()} kWh, the reconciliation account holds ${e.accountKwh.toFixed()} kWh` });
    if (!e.toMarket.equals(e.accountMoney)) out.push({ interval: k, identity: 'final:imbalance', detail: `the parties pay the market ${e.toMarket.toFixed()} in adjustments, the reconciliation account received ${e.accountMoney.toFixed()}` });
  }
  // The operator's side recomputed by the DR rule (engine/settlementDrTotals.ts), against its agents' adjustments.
  for (const [id, o] of dr) {
    const operatorPaysMore = o.operatorFinal.minus(o.operatorInitial);
    if (!o.agents.neg().equals(operatorPaysMore)) out.push({ interval: -1, identity: 'final:demandResponse', detail: `${id} pays ${operatorPaysMore.toFixed()} more in the final settlement, its agents receive ${o.agents.neg().toFixed()} more` });
  }
  return out;
}

/**
 * The pay-as-bid oracle (audit Z-pabnet): under `market.pricing: pay-as-bid` each party trading itself pays, in real
 * time, its bids' money with each bid's self-trade netted — its own awarded buys and sells trade with each other first,
 * at no money, highest buys with lowest sells while they cross, and the rest settles at each segment's own price
 * (docs/markets.md, "Pay-as-bid"). The outputs carry no bids, so the fuzzer runs a pay-as-bid scenario with a positions
 * phase that records each interval's book and awards (`PayAsBidRecorder`: the real phase runs unchanged), recomputes
 * every bid's money here — a third implementation, quantum lists in BigInt, apart from market/settlement.ts and
 * engine/interval/payAsBidRecompute.ts — and checks each agents.csv row's cost against it:
 *   cost = paid for its bids − q_DA × p_RT + q_DA × p_DA + (actual − q_RT) × p_imb (+ kvar × ρ on a feeder pricing it).
 * Before the netting, a home with PV paid its gross load at its bids (seed 20433 of the tariff mode: 7,533/MWh of its net).
 */
import { Decimal as D } from 'decimal.js';
import type { Phases } from '../../engine/interval/phases.ts';
import { marketPositions } from '../../engine/interval/positions.ts';
import type { ScenarioConfig } from '../../engine/scenario/schema.ts';
import type { RunFiles } from './check.ts';

const Decimal = D.clone({ precision: 80 });
type Decimal = InstanceType<typeof Decimal>;

/** Records, per engine interval index and agent id, what its bids pay under pay-as-bid with self-trade netting. */
export class PayAsBidRecorder {
  /** Interval index → agent id → money (currency, exact). */
  readonly paid = new Map<number, Map<string, Decimal>>();
  /** Bids whose own buys and sells both cleared and crossed (the netting at work). */
  selfTrades = 0;

  readonly positions: Phases['positions'] = (ledger, book, result, settlement, partyBus, isIntermediary, busIndex) => {
    marketPositions(ledger, book, result, settlement, partyBus, isIntermediary, busIndex);
    const minutes = Math.round(book.durationH * 60);
    // Money of one quantum for the interval at one tick: quantumKw × h × tick / 1000.
    const unit = new Decimal(book.rules.quantumKw).times(minutes).div(60).times(book.rules.priceTickMwh).div(1000);
    const perBid = new Map<number, { buys: Array<[bigint, bigint]>; sells: Array<[bigint, bigint]> }>();
    for (let s = 0; s < book.size; s++) {
      const q = result.awardedQuanta[s]!;
      if (q === 0) continue;
      const b = book.bidIndex[s]!;
      let e = perBid.get(b);
      if (!e) perBid.set(b, (e = { buys: [], sells: [] }));
      (book.isBuy[s] ? e.buys : e.sells).push([BigInt(book.priceTicks[s]!), BigInt(q)]);
    }
    const byAgent = new Map<string, Decimal>();
    for (const [b, { buys, sells }] of perBid) {
      buys.sort((x, y) => (y[0] > x[0] ? 1 : y[0] < x[0] ? -1 : 0)); // highest first
      sells.sort((x, y) => (x[0] > y[0] ? 1 : x[0] < y[0] ? -1 : 0)); // lowest first
      let units = 0n;
      for (const [p, q] of buys) units += p * q;
      for (const [p, q] of sells) units -= p * q;
      // Pair: each paired quantum's buy and sell prices leave the sum (traded with itself at no money).
      let i = 0;
      let j = 0;
      let bq = buys[0]?.[1] ?? 0n;
      let sq = sells[0]?.[1] ?? 0n;
      let paired = false;
      while (i < buys.length && j < sells.length && buys[i]![0] >= sells[j]![0]) {
        const m = bq < sq ? bq : sq;
        units -= m * (buys[i]![0] - sells[j]![0]);
        paired = true;
        bq -= m;
        sq -= m;
        if (bq === 0n && ++i < buys.length) bq = buys[i]![1];
        if (sq === 0n && ++j < sells.length) sq = sells[j]![1];
      }
      if (paired) this.selfTrades++;
      const id = book.bids[b]!.agentId as string;
      byAgent.set(id, (byAgent.get(id) ?? new Decimal(0)).plus(unit.times(units.toString())));
    }
    this.paid.set(book.interval, byAgent);
  };
}

/**
 * Each agents.csv row of a party trading itself (not an aggregator, a retailer, their members or customers, nor the
 * feeder's losses accounts), its cost
 * against the recorded pay-as-bid money (see the module comment). The reported intervals are the last the engine ran
 * (a warm-up's come first); at most five problems.
 */
export function checkPayAsBidCosts(run: RunFiles, config: ScenarioConfig, rec: PayAsBidRecorder): string[] {
  if (config.market.pricing !== 'pay-as-bid') return [];
  const hours = new Decimal(config.intervalMinutes).div(60);
  const stepMs = config.intervalMinutes * 60_000;
  const startMs = Date.parse(run.summary.start);
  const indices = [...rec.paid.keys()];
  if (indices.length === 0) return ['pay-as-bid: the positions phase recorded no interval'];
  const offset = Math.max(...indices) - (run.summary.intervals - 1);
  const problems: string[] = [];
  for (const r of run.agents) {
    // The feeder's losses stage (kinds dso and upstream) is no bid: settled at the substation's price, test/fuzz/feederChecks.ts.
    if (r.via !== '' || r.actual_kw === '' || r.kind === 'aggregator' || r.kind === 'retailer' || r.kind === 'dso' || r.kind === 'upstream' || r.cost === '') continue;
    const k = offset + (Date.parse(r.interval_start!) - startMs) / stepMs;
    const paid = rec.paid.get(k)?.get(r.agent_id!) ?? new Decimal(0);
    const award = new Decimal(r.award_kw!);
    const dev = new Decimal(r.actual_kw!).minus(award);
    const imb = r.imbalance_price === '' || r.imbalance_price === undefined ? new Decimal(0) : dev.times(r.imbalance_price);
    const da = new Decimal(r.da_kw === '' || r.da_kw === undefined ? 0 : r.da_kw);
    const rtPrice = r.rt_price === '' || r.rt_price === undefined ? (r.price === '' ? 0 : r.price!) : r.rt_price;
    const daMoney = da.isZero() ? new Decimal(0) : da.times(r.da_price === '' ? 0 : r.da_price!).minus(da.times(rtPrice));
    const kvar = r.kvar === undefined || r.kvar === '' ? new Decimal(0) : new Decimal(r.kvar);
    const reactive = kvar.isZero() ? new Decimal(0) : kvar.times(r.reactive_price === '' ? 0 : r.reactive_price!);
    const expected = paid.plus(daMoney.plus(imb).plus(reactive).times(hours).div(1000));
    if (expected.minus(r.cost!).abs().gt('1e-18')) problems.push(`${r.interval_start} ${r.agent_id} (${r.state}): pay-as-bid cost ${r.cost} ≠ its bids' money with self-trade netted ${paid.toString()} + day-ahead, imbalance${reactive.isZero() ? '' : ', reactive'} = ${expected.toString()}`);
  }
  return problems.slice(0, 5);
}

/**
 * Phase 9b, the intermediaries' own books for the interval: what each aggregator paid
 * the market and took from its members, and what each retailer earned from its
 * customers' meters and paid the market. Bookkeeping over the ledger; exact.
 */
import { type Money, ZERO } from '../../core/money.ts';
import type { AggregatorLedger, RetailerLedger } from './outcome.ts';
import type { IntervalLedger } from './ledger.ts';
import { ticksOf } from './ledger.ts';
import type { Party } from './participants.ts';
import type { PartyReactive } from './reactive.ts';
import { reactiveMoneyOf } from '../../market/reactiveSettlement.ts';

export function intermediaryLedgers(
  ledger: IntervalLedger,
  parties: readonly Party[],
  viaOf: Int32Array,
  rtBusPriceMwh: Float64Array,
  imbalanceBusPriceMwh: Float64Array,
  tickMwh: number,
  durationH: number,
  /** Per bus, the day-ahead prices when the interval has a day-ahead stage. */
  daBusPriceMwh?: Float64Array,
  /** On a feeder whose clearing priced reactive power: the parties' reactive money (reactive.ts), market and members'. */
  reactive?: PartyReactive,
): { aggregators: AggregatorLedger[]; retailers: RetailerLedger[] } {
  const unit = ledger.unit;
  const n = parties.length;
  // Per intermediary (few), not per party: a Float64Array of every party each interval was off-heap memory, and an
  // array of every party for the extras 3 MB per warm run of 4000 homes (issue 16, measured).
  const memberUnits = new Map<number, number>();
  const extras = new Map<number, Money>();
  // Members' reactive money (in their costExtra beside their fees): what they pay for their kvar, not fee income.
  const memberReactive = new Map<number, bigint>();
  for (let i = 0; i < n; i++) {
    const a = viaOf[i]!;
    if (a < 0) continue;
    memberUnits.set(a, (memberUnits.get(a) ?? 0) + ledger.costUnits(i));
    const x = ledger.costExtra[i];
    if (x) extras.set(a, (extras.get(a) ?? ZERO).plus(x));
    if (reactive) {
      const r = reactive.microTicks[i]!;
      if (r !== 0n) memberReactive.set(a, (memberReactive.get(a) ?? 0n) + r);
    }
  }
  const reactiveOf = (microTicks: bigint | undefined): Money => (reactive && microTicks ? reactiveMoneyOf(reactive.stage, microTicks) : ZERO);
  const aggregators: AggregatorLedger[] = [];
  const retailers: RetailerLedger[] = [];
  const kwh = (quanta: number): number => quanta * ledger.quantumKw * durationH;
  for (let a = 0; a < n; a++) {
    const p = parties[a]!;
    if (p.role === 'aggregator') {
      let ownQ = 0;
      let ownUnits = 0;
      let spreadUnits = 0;
      for (const pos of ledger.busPositions) {
        if (pos.party !== a) continue;
        const held = pos.buyQuanta - pos.sellQuanta - pos.sharedQuanta;
        const rtTicks = ticksOf(rtBusPriceMwh[pos.busIndex]!, tickMwh);
        ownQ += held;
        ownUnits += held * (rtTicks - ticksOf(imbalanceBusPriceMwh[pos.busIndex]!, tickMwh));
        // What its bids paid in real time (on the day-ahead difference) beyond its net award at the bus price, which its
        // members are charged by: under pay-as-bid the spread it bears; under uniform pricing exactly 0.
        spreadUnits += pos.rtUnits + (pos.daQuanta - pos.buyQuanta + pos.sellQuanta) * rtTicks;
        if (daBusPriceMwh) {
          const daHeld = pos.daQuanta - pos.daSharedQuanta;
          ownUnits += daHeld * (ticksOf(daBusPriceMwh[pos.busIndex]!, tickMwh) - ticksOf(rtBusPriceMwh[pos.busIndex]!, tickMwh));
        }
      }
      // Its kvar bought in the market, and what its members paid it for theirs; the difference is its own position's.
      const marketReactive = reactive?.microTicks[a] ?? 0n;
      const membersReactive = memberReactive.get(a) ?? 0n;
      const fees = (extras.get(a) ?? ZERO).minus(reactiveOf(membersReactive));
      aggregators.push({
        id: p.id,
        marketPayment: unit.toMoney(ledger.costUnits(a)).plus(reactiveOf(marketReactive)),
        memberPayments: unit.toMoney(memberUnits.get(a) ?? 0).plus(extras.get(a) ?? ZERO),
        feeIncome: fees,
        ownPositionKwh: kwh(ownQ),
        ownPositionQuanta: ownQ,
        ownPositionCost: unit.toMoney(ownUnits).plus(reactiveOf(marketReactive - membersReactive)),
        payAsBidSpread: unit.toMoney(spreadUnits),
      });
    } else if (p.role === 'retailer') {
      const imbalanceQuanta = Number.isNaN(ledger.imbalanceQuanta[a]!) ? 0 : ledger.imbalanceQuanta[a]!;
      retailers.push({
        id: p.id,
        revenue: extras.get(a) ?? ZERO,
        marketCost: unit.toMoney(ledger.daUnits[a]! + ledger.rtUnits[a]!).plus(reactiveOf(reactive?.microTicks[a])),
        imbalanceCost: unit.toMoney(ledger.imbalanceUnits[a]!),
        imbalanceKwh: kwh(imbalanceQuanta),
        imbalanceQuanta,
      });
    }
  }
  return { aggregators, retailers };
}

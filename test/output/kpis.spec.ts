/**
 * output/kpis.ts by hand: one quarter-hour on one bus, small enough to redo on paper, run
 * through the real settlement, day-ahead bookkeeping and books, then through KpiAccumulator.
 *
 * Parties (quantum 1 W, a quarter-hour, 1 kW for 15 min at 60 /MWh = 0.015):
 * - H, a home: day-ahead +10 kW at 50, real-time award 12 kW at 60, metered 13 kW;
 * - P, a home with PV: real-time award buys 2 kW (its load) and sells 3 kW (its panels), at 60;
 *   metered 2 kW consumed, 3 kW generated (net −1 kW: its PV covers its load and exports 1 kW);
 * - G, a generator: day-ahead −10 kW at 50, real-time award −11 kW at 60, metered −12 kW
 *   (it regulated up the 1 kW H used beyond its position, at the imbalance price 70).
 *
 * Each stage settles (docs/markets.md): day-ahead q_DA·p_DA; real time (q_RT − q_DA)·p_RT;
 * imbalance (actual − q_RT)·p_imb, per party:
 *   H: 10 × 50 = 0.125 day-ahead; (12 − 10) × 60 = 0.03 real-time; (13 − 12) × 70 = 0.0175 imbalance
 *   P: (−1 − 0) × 60 = −0.015 real-time (it sold 1 kW net)
 *   G: −10 × 50 = −0.125; (−11 + 10) × 60 = −0.015; (−12 + 11) × 70 = −0.0175
 * (each × 0.25 h ÷ 1000). So the real-time stage: buyers (H) paid 0.03, sellers (P, G) received
 * 0.03, rent 0. The clearing's settlement values whole segment awards: buys (12 + 2) kW × 60 =
 * 0.21 — counting the day-ahead 10 kW again and P's 2 kW load its own panels cover.
 */
import { expect } from 'chai';
import { ZERO } from '../../core/money.ts';
import { busId } from '../../core/units.ts';
import { checkBooks } from '../../engine/interval/books.ts';
import { applyDayAhead, type DayAheadPosition } from '../../engine/interval/dayAhead.ts';
import { IntervalLedger, ticksOf } from '../../engine/interval/ledger.ts';
import type { IntervalOutcome } from '../../engine/interval/outcome.ts';
import type { Party } from '../../engine/interval/participants.ts';
import { settle } from '../../market/settlement.ts';
import type { ClearingResult } from '../../market/types.ts';
import { KpiAccumulator } from '../../output/kpis.ts';
import { buy, makeBook, sell } from '../helpers/auctionBooks.ts';

const KW = 1000; // quanta per kW (quantum 0.001 kW)
const BUS = [busId('n1')];
const P_DA = 50;
const P_RT = 60;
const P_IMB = 70;

/** The hand interval, with or without the day-ahead stage. */
function handInterval(withDayAhead: boolean): IntervalOutcome {
  // Bids in party order: H buys 12; P buys 2 and sells 3; G sells (11 awarded).
  const book = makeBook([buy(100, 12), buy(100, 2), sell(0, 3), sell(P_RT, 20)], { durationH: 0.25 });
  const partyOfBid = [0, 1, 1, 2];
  const result: ClearingResult = {
    interval: 0,
    status: 'cleared',
    message: '',
    mechanism: 'double-auction',
    awardedQuanta: Float64Array.of(12 * KW, 2 * KW, 3 * KW, 11 * KW),
    busPriceMwh: Float64Array.of(P_RT),
    flows: [],
    welfare: 0,
  };
  const settlement = settle(book, result);
  const tick = book.rules.priceTickMwh;
  const parties: Party[] = [
    { id: 'H', kind: 'home', bus: BUS[0]!, role: 'agent', via: '' },
    { id: 'P', kind: 'home', bus: BUS[0]!, role: 'agent', via: '' },
    { id: 'G', kind: 'generator', bus: BUS[0]!, role: 'agent', via: '' },
  ] as unknown as Party[];
  const busOf = Int32Array.of(0, 0, 0);
  const ledger = new IntervalLedger(3, settlement.unit, book.rules.quantumKw);
  // Positions: each bid's award and payment to its party (engine/interval/positions.ts does this from PartyBids).
  for (let b = 0; b < partyOfBid.length; b++) {
    const i = partyOfBid[b]!;
    ledger.buyQuanta[i]! += settlement.buyQuanta[b]!;
    ledger.sellQuanta[i]! += settlement.sellQuanta[b]!;
    ledger.rtUnits[i]! += settlement.paymentUnits[b]!;
    ledger.priceMwh[i] = P_RT;
  }
  const dayAhead: DayAheadPosition = { busPriceMwh: Float64Array.of(P_DA), busNetQuanta: Float64Array.of(0), partyQuanta: Float64Array.of(10 * KW, 0, -10 * KW), intermediaries: [] };
  if (withDayAhead) applyDayAhead(ledger, dayAhead, busOf, BUS, result.busPriceMwh, tick);
  // Meters: H 13 kW; P 2 kW consumed, 3 kW generated; G 12 kW generated.
  ledger.consumedQuanta.set([13 * KW, 2 * KW, 0]);
  ledger.generatedQuanta.set([0, 3 * KW, 12 * KW]);
  for (let i = 0; i < 3; i++) {
    ledger.actualQuanta[i] = ledger.consumedQuanta[i]! - ledger.generatedQuanta[i]!;
    ledger.imbalanceQuanta[i] = ledger.actualQuanta[i]! - ledger.positionQuanta(i);
    ledger.imbalancePriceMwh[i] = P_IMB;
    ledger.imbalanceUnits[i] = ledger.imbalanceQuanta[i]! * ticksOf(P_IMB, tick);
  }
  const costUnits = Float64Array.from({ length: 3 }, (_, i) => ledger.costUnits(i));
  const books = checkBooks({
    interval: 0,
    parties,
    busOf,
    ledger,
    book,
    result,
    dayAhead: withDayAhead ? dayAhead : undefined,
    imbalancePriceMwh: Float64Array.of(P_IMB),
    drPaidByOperators: ZERO,
    aggregatorFees: new Map(),
    retailerRevenue: new Map(),
  });
  const observation = { state: 'running', baselineKw: 0, unservedKwh: 0 };
  return {
    interval: { index: 0, start: Date.UTC(2026, 6, 1), durationH: 0.25 },
    book,
    result,
    settlement,
    rejections: [],
    faults: [],
    parties,
    ledger,
    buyQuanta: ledger.buyQuanta,
    sellQuanta: ledger.sellQuanta,
    priceMwh: ledger.priceMwh,
    costUnits,
    costExtra: ledger.costExtra,
    crashed: new Uint8Array(3),
    observations: [observation, observation, observation],
    dayAhead: withDayAhead ? dayAhead : undefined,
    imbalance: {
      redispatched: true,
      busPriceMwh: Float64Array.of(P_IMB),
      busDeviationQuanta: Float64Array.of(0),
      grossDeviationQuanta: 1 * KW, // half of |+1| + |−1| kW
      unservedQuanta: Float64Array.of(0),
      spilledQuanta: Float64Array.of(0),
      curtailedQuanta: Float64Array.of(0),
      shedQuanta: Float64Array.of(0),
      overloaded: false,
    },
    drPaid: ZERO,
    aggregators: [],
    retailers: [],
    events: [],
    books,
  } as unknown as IntervalOutcome;
}

const summaryOf = (o: IntervalOutcome): Record<string, any> => {
  const k = new KpiAccumulator();
  k.add(o);
  return k.summary();
};

describe('KpiAccumulator (output/kpis.ts) by hand: one quarter-hour, three parties', () => {
  it('the hand interval is consistent: its books close, with and without the day-ahead stage', () => {
    expect(handInterval(true).books).to.deep.equal([]);
    expect(handInterval(false).books).to.deep.equal([]);
  });

  it('the clearing’s settlement values whole segment awards: (12 + 2) kW × 60 = 0.21 (what totalCost used to report)', () => {
    expect(handInterval(true).settlement.buyersPay.toFixed()).to.equal('0.21');
  });

  it('with a day-ahead stage, each stage is what it settles: day-ahead 0.125, real time (12 − 10) kW × 60 = 0.03, imbalance 1 kW × 70 = 0.0175; buyers paid = sellers received + rent in each', () => {
    const s = summaryOf(handInterval(true));
    expect([s.totalCost, s.sellersRevenue, s.merchandisingSurplus]).to.deep.equal(['0.03', '0.03', '0']);
    expect(s.dayAhead).to.deep.equal({ buyersPay: '0.125', sellersReceive: '0.125', rent: '0' });
    expect(s.imbalance).to.deep.include({ buyersPay: '0.0175', sellersReceive: '0.0175', rent: '0', deviationKwh: 0.25 });
    // H pays 0.125 + 0.03 + 0.0175 = 0.1725 over the stages: 10 kW at 50, 2 at 60, 1 at 70, a quarter-hour each.
    expect(s.byKind.home.cost).to.equal('0.1575'); // H 0.1725, P −0.015
    expect(s.byKind.generator.cost).to.equal('-0.1575');
  });

  it('without a day-ahead stage, real time is per party net: H pays 12 kW × 60 = 0.18; P (sold 1 kW net) and G (11 kW) receive 0.015 + 0.165 — not the segments’ 0.21 paid and 0.21 received', () => {
    const s = summaryOf(handInterval(false));
    expect([s.totalCost, s.sellersRevenue, s.merchandisingSurplus]).to.deep.equal(['0.18', '0.18', '0']);
    expect(s).to.not.have.property('dayAhead');
  });

  it('demand and supply are the sites’ meters, gross: (13 + 2) kW and (3 + 12) kW for a quarter-hour = 3.75 kWh each, peak 15 kW; not the cleared 14 kW (H used 1 kW more), and P’s load its PV covers counts', () => {
    const s = summaryOf(handInterval(true));
    expect([s.demandKwh, s.supplyKwh, s.peakKw, s.peakAt]).to.deep.equal([3.75, 3.75, 15, '2026-07-01T00:00:00Z']);
    // Net metered energy per kind: homes (13 − 1) kW, the generator −12 kW, a quarter-hour.
    expect([s.byKind.home.energyKwh, s.byKind.generator.energyKwh]).to.deep.equal([3, -3]);
  });
});

/**
 * Pay-as-bid settles each bid's net award, not its self-trade (audit Z-pabnet; the fuzzer's tariff seed 20433,
 * audit A-fuzz3 "Pay-as-bid and a home's own PV"). A home with rooftop PV bids its load (inelastic: at the price cap)
 * and its PV (at its offer, 0) in one bid; both clear. Before, it paid its gross load at the cap and was paid 0 for
 * the PV that covered part of it: 7,533/MWh on its net in the fuzzer's run, above the 3,000 cap. Now its buys and its
 * sells trade with each other first (market/settlement.ts `netSelfTrades`), so it pays for its net import at the cap:
 * net kW × 3000 × Δt / 1000, a number anyone can check from agents.csv.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { parse } from 'csv-parse/sync';
import { stringify } from 'yaml';
import { runAndReport } from '../../cli/commands/run.ts';
import { BooksOpenError, EXIT_BOOKS_OPEN } from '../../core/errors.ts';
import { parseScenario, type Scenario } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, type Phases, Simulation } from '../../engine/simulation.ts';
import { marketPositions } from '../../engine/interval/positions.ts';
import type { PartyBid } from '../../engine/interval/collectBids.ts';

/** One bus, the grid at 50 and `agents` beside it, from 09:00 UTC in June for three hours, hourly. */
function sunnyMorning(name: string, pricing: 'pay-as-bid' | 'uniform', agents: readonly object[]): Scenario {
  const doc = {
    name,
    seed: 5,
    start: '2026-06-21T09:00:00Z',
    days: 0.125,
    intervalMinutes: 60,
    site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 2 },
    weather: { temperature: { minC: 15, maxC: 24, minHour: 5, maxHour: 15 }, sky: 'clear' },
    market: { mechanism: 'double-auction', pricing },
    agents: [{ kind: 'generator', id: 'grid', offers: [{ kw: 100, priceMwh: 50 }] }, ...agents],
  };
  return parseScenario(stringify(doc), `${name}.yaml`);
}

/** Two homes with 0.5 kW of PV (offered at 0) and no flexible load, pay-as-bid by default. */
function scenario(pricing: 'pay-as-bid' | 'uniform' = 'pay-as-bid'): Scenario {
  return sunnyMorning('pay-as-bid-home-pv', pricing, [{ kind: 'home', idPrefix: 'home', count: 2, flexibility: { share: 0 }, pv: { share: 1, capacityKw: { min: 0.5, max: 0.5 } } }]);
}

async function outcomesOf(s: Scenario, phases?: Partial<Phases>): Promise<IntervalOutcome[]> {
  const sim = await Simulation.create(s, { phases });
  const out: IntervalOutcome[] = [];
  sim.run({ interval: (o) => out.push(o) });
  return out;
}

describe('pay-as-bid: a home with PV pays for its net import, not its gross load (self-trade netting)', function () {
  this.timeout(120_000);

  it('through a real run: each home bids its load at the cap and its PV at 0, both clear, and it pays net kW × 3000 × 1 h / 1000 — at or below the cap per MWh of its net; the books close', async () => {
    const outcomes = await outcomesOf(scenario());
    let selfTraded = 0;
    for (const o of outcomes) {
      expect(o.books, `interval ${o.interval.index}`).to.deep.equal([]);
      const { book, ledger, result } = o;
      for (let b = 0; b < book.bids.length; b++) {
        const bid = book.bids[b] as PartyBid;
        if (!bid.agentId.startsWith('home')) continue;
        // The bid is what this test says it is: buys at the cap, a sell at 0.
        for (const s of bid.segments) expect(s.priceMwh, `${bid.id} ${s.side}`).to.equal(s.side === 'buy' ? 3000 : 0);
        const i = bid.party;
        const bought = ledger.buyQuanta[i]!;
        const sold = ledger.sellQuanta[i]!;
        const net = bought - sold;
        if (bought > 0 && sold > 0) selfTraded++;
        // By hand: a net buyer pays its net at the cap (its lowest awarded buys: all at 3000); a net seller is paid its net at 0.
        const expected = Math.max(net, 0) * 3000; // whole quanta (1 W) × whole ticks (0.01/MWh) ÷ 0.01 = units
        expect(ledger.unit.format(ledger.rtUnits[i]!), `${bid.id} pays`).to.equal(ledger.unit.format(expected / book.rules.priceTickMwh));
        // Per MWh of its net: the cap at most (before: its gross load at the cap over its net, above it).
        if (net > 0) expect(ledger.rtUnits[i]! * book.rules.priceTickMwh / net).to.be.at.most(3000);
        // Gross quantities still reported: the whole load bought and the whole PV sold.
        expect(result.busPriceMwh[0]).to.equal(50);
      }
    }
    expect(selfTraded, 'homes whose load and PV both cleared').to.be.greaterThan(2);
    // One by hand: home-1 at 09:00 bought 0.508 kW at 3000 and sold its 0.320 kW of PV at 0 (whole watts): it pays
    // its net 0.188 kW × 3000 × 1 h / 1000 = 0.564, 3000/MWh of its net. Gross pay-as-bid charged 0.508 × 3 = 1.524:
    // 8,106/MWh of its net, above the cap. The grid sold 0.412 kW at its 50: 0.0206.
    const o = outcomes[0]!;
    const home1 = o.parties.findIndex((p) => p.id === 'home-1');
    const grid = o.parties.findIndex((p) => p.id === 'grid');
    expect([o.ledger.buyQuanta[home1], o.ledger.sellQuanta[home1]]).to.deep.equal([508, 320]);
    expect(o.ledger.unit.format(o.ledger.rtUnits[home1]!)).to.equal('0.564');
    expect(o.ledger.unit.format(o.ledger.rtUnits[grid]!)).to.equal('-0.0206');
  });

  it('agents.csv: home cost = award_kw × 3000 × 1 h / 1000 where it imports (0 where it exports), under pay-as-bid; the uniform run pays award_kw × 50', async () => {
    for (const pricing of ['pay-as-bid', 'uniform'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'gridbid-pab-'));
      try {
        await runAndReport(scenario(pricing), { outDir: dir }, () => {});
        const rows = (parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Record<string, string>[]).filter((r) => r.kind === 'home');
        expect(rows.length).to.equal(6);
        for (const r of rows) {
          const award = Number(r.award_kw);
          // Delivered as awarded (no deviation: no imbalance in cost).
          expect(r.actual_kw, `${r.interval_start} ${r.agent_id}`).to.equal(r.award_kw);
          const price = pricing === 'pay-as-bid' ? (award > 0 ? 3000 : 0) : 50;
          expect(Number(r.cost), `${pricing} ${r.interval_start} ${r.agent_id}`).to.be.closeTo((award * price) / 1000, 1e-12);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('a settlement that charges the self-trade (gross pay-as-bid, the old rule) opens the books: money:realTime, exit code 4', async () => {
    const s = scenario();
    // The real positions phase fed the gross settlement: every awarded segment at its own price, buys and sells apart.
    const gross: Phases['positions'] = (ledger, book, result, settlement, partyBus, isIntermediary, busIndex) => {
      const pairs = new Float64Array(book.bids.length);
      for (let i = 0; i < book.size; i++) pairs[book.bidIndex[i]!]! += (book.isBuy[i] ? 1 : -1) * result.awardedQuanta[i]! * book.priceTicks[i]!;
      marketPositions(ledger, book, result, { ...settlement, paymentUnits: pairs }, partyBus, isIntermediary, busIndex);
    };
    const outcomes = await outcomesOf(s, { positions: gross });
    const open = outcomes.filter((o) => o.books.length > 0);
    expect(open.length).to.be.greaterThan(0);
    for (const o of open) expect(o.books.map((v) => v.identity)).to.deep.equal(['money:realTime']);
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-pab-'));
    try {
      let error: unknown;
      await runAndReport(s, { outDir: dir }, () => {}, { phases: { positions: gross } }).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(BooksOpenError);
      expect((error as BooksOpenError).code).to.equal(EXIT_BOOKS_OPEN).and.to.equal(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // And the settlement as it is closes them.
    expect((await outcomesOf(s)).every((o) => o.books.length === 0)).to.equal(true);
  });
});

describe('pay-as-bid: an aggregator whose members\' load and PV clear in one bid (self-trade netting)', function () {
  this.timeout(120_000);

  /** One bus: the grid at 50, an aggregator (its defaults: truthful, pass-through with a fee) with three member homes with PV, pay-as-bid. */
  const aggregated = (): Scenario =>
    sunnyMorning('pay-as-bid-aggregator-pv', 'pay-as-bid', [
      { kind: 'aggregator', id: 'flexco' },
      { kind: 'home', idPrefix: 'member', count: 3, aggregator: 'flexco', flexibility: { share: 0 }, pv: { share: 1, capacityKw: { min: 0.5, max: 0.5 } } },
    ]);

  it('its bid pays its net award at its lowest buys (the cap), its members pay their shares at the bus price, it bears the spread, and the books close; its own money written gross (the old rule) opens money:realTime and the aggregator identity', async () => {
    const outcomes = await outcomesOf(aggregated());
    let selfTraded = 0;
    for (const o of outcomes) {
      expect(o.books, `interval ${o.interval.index}`).to.deep.equal([]);
      const a = o.parties.findIndex((p) => p.id === 'flexco');
      const bought = o.ledger.buyQuanta[a]!;
      const sold = o.ledger.sellQuanta[a]!;
      if (bought > 0 && sold > 0) selfTraded++;
      // Its members' loads are inelastic (at the cap) and their PV offered at 0: a net buyer pays its net at 3000.
      expect(bought - sold).to.be.greaterThan(0);
      expect(o.ledger.rtUnits[a]).to.equal(((bought - sold) * 3000) / o.book.rules.priceTickMwh);
      // The members pay their shares at the bus price (50), as under uniform pricing: Σ = net × 50.
      let members = 0;
      o.parties.forEach((p, i) => p.via === 'flexco' && (members += o.ledger.rtUnits[i]!));
      expect(members).to.equal(((bought - sold) * 50) / o.book.rules.priceTickMwh);
      // Its market payment less its members' payments (fees included) plus its fee income is the spread it bears: net × (3000 − 50).
      const row = o.aggregators.find((x) => x.id === 'flexco')!;
      expect(row.ownPositionQuanta).to.equal(0);
      const spread = o.ledger.unit.toMoney(((bought - sold) * 2950) / o.book.rules.priceTickMwh);
      expect(row.marketPayment.minus(row.memberPayments).plus(row.feeIncome).toFixed()).to.equal(spread.toFixed());
      // … which its ledger row names as such (no own position, so its own-position cost is 0).
      expect(row.payAsBidSpread.toFixed(), 'payAsBidSpread').to.equal(spread.toFixed());
      expect(row.ownPositionCost.toFixed()).to.equal('0');
    }
    expect(selfTraded, 'intervals whose aggregated load and PV both cleared').to.equal(outcomes.length);

    // The old rule for the aggregator's bid alone: its gross buys at their prices, its sells at theirs.
    const gross: Phases['positions'] = (ledger, book, result, settlement, partyBus, isIntermediary, busIndex) => {
      const paid = Float64Array.from(settlement.paymentUnits);
      for (let b = 0; b < book.bids.length; b++) if ((book.bids[b] as PartyBid).agentId === 'flexco') paid[b] = 0;
      for (let i = 0; i < book.size; i++) if ((book.bids[book.bidIndex[i]!] as PartyBid).agentId === 'flexco') paid[book.bidIndex[i]!]! += (book.isBuy[i] ? 1 : -1) * result.awardedQuanta[i]! * book.priceTicks[i]!;
      marketPositions(ledger, book, result, { ...settlement, paymentUnits: paid }, partyBus, isIntermediary, busIndex);
    };
    for (const o of await outcomesOf(aggregated(), { positions: gross })) expect(o.books.map((v) => v.identity)).to.deep.equal(['money:realTime', 'aggregator']);
  });

  it('summary.json: the aggregator\'s payAsBidSpread is Σ award_kw × (3000 − 50) × 1 h / 1000 from agents.csv, and market payment + fee income = member payments + own-position cost + spread; under uniform pricing no such figure, and the same identity without it', async () => {
    for (const pricing of ['pay-as-bid', 'uniform'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'gridbid-pab-'));
      try {
        await runAndReport(sunnyMorning('pay-as-bid-aggregator-pv', pricing, [
          { kind: 'aggregator', id: 'flexco' },
          { kind: 'home', idPrefix: 'member', count: 3, aggregator: 'flexco', flexibility: { share: 0 }, pv: { share: 1, capacityKw: { min: 0.5, max: 0.5 } } },
        ]), { outDir: dir }, () => {});
        const flexco = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).kpis.aggregators.flexco as Record<string, string | number>;
        const d = (k: string): Decimal => new Decimal(flexco[k]!);
        const bears = d('marketPayment').plus(d('feeIncome')).minus(d('memberPayments')).minus(d('ownPositionCost'));
        if (pricing === 'uniform') {
          expect(flexco).to.not.have.property('payAsBidSpread');
          expect(bears.toFixed()).to.equal('0');
          continue;
        }
        // By hand from agents.csv: its award (net, bought) each hour at the cap it bid less the bus price its members pay.
        const rows = (parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Record<string, string>[]).filter((r) => r.agent_id === 'flexco');
        expect(rows.length).to.equal(3);
        const byHand = rows.reduce((sum, r) => sum.plus(new Decimal(r.award_kw!).times(2950).div(1000)), new Decimal(0));
        expect(byHand.greaterThan(0)).to.equal(true);
        expect(d('payAsBidSpread').toFixed()).to.equal(byHand.toFixed());
        expect(bears.toFixed()).to.equal(d('payAsBidSpread').toFixed());
        expect(d('ownPositionCost').toFixed()).to.equal('0');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

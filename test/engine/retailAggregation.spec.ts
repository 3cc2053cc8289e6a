import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { type Money, ZERO } from '../../core/money.ts';
import { runScenario } from '../../engine/run.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { type IntervalOutcome, Simulation } from '../../engine/simulation.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const file = join(REPO_ROOT, 'test/fixtures/scenarios/retail-and-aggregation.yaml');

describe('aggregators and retailers (test/fixtures/scenarios/retail-and-aggregation.yaml)', () => {
  const outcomes: IntervalOutcome[] = [];
  let dir: string;
  let summary: { kpis: Record<string, any>; books: { closed: boolean } };
  before(async function () {
    this.timeout(60_000);
    const sim = await Simulation.create(loadScenarioFile(file));
    sim.run({ interval: (o) => outcomes.push(o) });
    dir = mkdtempSync(join(tmpdir(), 'gridbid-retail-'));
    await runScenario(loadScenarioFile(file), { outDir: dir });
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the market receives no member or customer identity: only the aggregator, the retailer and direct traders bid', () => {
    const sim = outcomes[0]!.parties;
    const members = new Set(sim.filter((p) => p.id.startsWith('member-') || p.id.startsWith('tou-home-') || p.id.startsWith('rtp-home-')).map((p) => p.id as string));
    expect(members.size).to.equal(50);
    for (const o of outcomes) {
      for (const bid of o.book.bids) {
        expect(members.has(bid.agentId), bid.agentId).to.equal(false);
        expect(bid.id).not.to.match(/member-|tou-home-|rtp-home-/);
      }
      expect(o.book.bids.some((b) => b.agentId === 'flexco')).to.equal(true);
    }
  });

  it('money closes exactly every interval: market stages, aggregator identity (with its own position), retailer identity, and all parties facing the market together', () => {
    expect(outcomes.length).to.equal(192);
    for (const o of outcomes) {
      const at = `interval ${o.interval.index}`;
      const unit = o.settlement.unit;
      const cost = (i: number): Money => unit.toMoney(o.costUnits[i]!).plus(o.costExtra[i] ?? ZERO);
      expect(o.settlement.imbalance.isZero()).to.equal(true);
      expect(o.books, at).to.deep.equal([]);
      // Aggregator: market payment + fee income = members' payments + the cost of what it held beyond its members' shares.
      for (const a of o.aggregators) {
        expect(a.marketPayment.plus(a.feeIncome).equals(a.memberPayments.plus(a.ownPositionCost)), `aggregator at ${at}`).to.equal(true);
        let members: Money = ZERO;
        o.parties.forEach((p, i) => {
          if (p.via === a.id) members = members.plus(cost(i));
        });
        expect(members.equals(a.memberPayments), at).to.equal(true);
        // Its row is what it paid the market.
        expect(cost(o.parties.findIndex((p) => p.id === a.id)).equals(a.marketPayment), at).to.equal(true);
      }
      // Retailer: its customers' metered charges are its revenue; its row is what it paid the market (position and imbalance).
      for (const r of o.retailers) {
        let charges: Money = ZERO;
        o.parties.forEach((p, i) => {
          if (p.via === r.id) charges = charges.plus(cost(i));
        });
        expect(charges.equals(r.revenue), at).to.equal(true);
        expect(cost(o.parties.findIndex((p) => p.id === r.id)).equals(r.marketCost.plus(r.imbalanceCost)), at).to.equal(true);
      }
      // Everyone facing the market together pays exactly the stages' rents (zero on one bus).
      let facing: Money = ZERO;
      for (let i = 0; i < o.parties.length; i++) if (o.parties[i]!.via === '') facing = facing.plus(cost(i));
      expect(facing.equals(o.settlement.merchandisingSurplus), at).to.equal(true);
    }
    expect(summary.books.closed).to.equal(true);
  });

  it('the members share their aggregator’s award exactly (truthful: its curve is theirs, so it holds nothing itself)', () => {
    for (const o of outcomes) {
      const aggIndex = o.parties.findIndex((p) => p.id === 'flexco');
      let members = 0;
      o.parties.forEach((p, i) => {
        if (p.id.startsWith('member-')) members += o.buyQuanta[i]! - o.sellQuanta[i]!;
      });
      expect(members).to.equal(o.buyQuanta[aggIndex]! - o.sellQuanta[aggIndex]!);
      expect(o.aggregators[0]!.ownPositionKwh).to.equal(0);
    }
  });

  it('bills: the retailer margin is bills − market cost − imbalance cost; daily energy charges equal the accrued revenue', () => {
    const r = summary.kpis.retailers['power-retail'];
    expect(new Decimal(r.revenue).minus(r.marketCost).minus(r.imbalanceCost).toFixed()).to.equal(new Decimal(r.margin).toFixed());
    const bills: Record<string, string>[] = parse(readFileSync(join(dir, 'bills.csv')), { columns: true });
    // 30 customers × 3 billing days: 48 h from 00:00Z at UTC+2 are the local days 1 July (from 02:00), 2 July and 3 July (to 02:00).
    expect(bills.length).to.equal(30 * 3);
    const energy = bills.reduce((s, b) => s.plus(b.energy_charge!), new Decimal(0));
    expect(energy.toFixed()).to.equal(new Decimal(r.revenueAccruedEnergy).toFixed());
    const totals = bills.reduce((s, b) => s.plus(b.total!), new Decimal(0));
    expect(totals.toFixed(2)).to.equal(new Decimal(r.revenue).toFixed(2));
  });

  it('customers react to their own retail price, not the market: time-of-use homes cut evening load against the flat-hour level', () => {
    // The peak period is 15:00–19:00 UTC; time-of-use homes pay 0.35/kWh then, 0.12 otherwise.
    const agents: Record<string, string>[] = parse(readFileSync(join(dir, 'agents.csv')), { columns: true });
    const tou = agents.filter((a) => a.agent_id!.startsWith('tou-home-') && a.interval_start!.startsWith('2026-07-01'));
    const peak = tou.filter((a) => { const h = Number(a.interval_start!.slice(11, 13)); return h >= 15 && h < 19; });
    expect(peak.every((a) => a.price === '350.00')).to.equal(true);
    const shed = peak.reduce((s, a) => s + Number(a.baseline_kw) - Number(a.award_kw), 0);
    expect(shed).to.be.greaterThan(0);
  });

  it('tariff choice is seeded and recorded', () => {
    expect(summary.kpis.retail.tariffSwitches).to.be.a('number');
    expect(summary.kpis.retail.tariffSwitches).to.be.greaterThan(0);
  });
});

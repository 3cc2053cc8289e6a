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
  let summary: { kpis: Record<string, any> };
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

  it('money closes exactly every interval: market, aggregator identity, retailer margin identity, and all parties together', () => {
    expect(outcomes.length).to.equal(192);
    for (const o of outcomes) {
      const unit = o.settlement.unit;
      const cost = (i: number): Money => unit.toMoney(o.costUnits[i]!).plus(o.costExtra[i] ?? ZERO);
      expect(o.settlement.imbalance.isZero()).to.equal(true);
      // Aggregator: market revenue = member payments + its fee, and members' rows carry exactly those payments.
      for (const a of o.aggregators) {
        expect(a.memberPayments.equals(a.marketPayment.plus(a.feeIncome)), `aggregator at ${o.interval.index}`).to.equal(true);
        let members: Money = ZERO;
        o.parties.forEach((p, i) => {
          if (p.id.startsWith('member-')) members = members.plus(cost(i));
        });
        expect(members.equals(a.memberPayments)).to.equal(true);
        const aggRow = cost(o.parties.findIndex((p) => p.id === a.id));
        expect(aggRow.equals(a.marketPayment.minus(a.memberPayments))).to.equal(true);
      }
      // Retailer: customers' charges are its revenue; its row is market cost + balancing − revenue (−margin).
      let balancing: Money = ZERO;
      for (const r of o.retailers) {
        let charges: Money = ZERO;
        o.parties.forEach((p, i) => {
          if (/^(tou|rtp)-home-/.test(p.id)) charges = charges.plus(cost(i));
        });
        expect(charges.equals(r.revenue)).to.equal(true);
        const row = cost(o.parties.findIndex((p) => p.id === r.id));
        expect(row.equals(r.marketCost.plus(r.balancingCost).minus(r.revenue))).to.equal(true);
        balancing = balancing.plus(r.balancingCost);
      }
      // Everyone together pays exactly the balancing energy the retailer bought from the system operator.
      let all: Money = ZERO;
      for (let i = 0; i < o.parties.length; i++) all = all.plus(cost(i));
      expect(all.equals(balancing), `interval ${o.interval.index}`).to.equal(true);
    }
    expect(summary.kpis.aggregators.flexco.identityHeldEveryInterval).to.equal(true);
    expect(summary.kpis.moneyBalancedEveryInterval).to.equal(true);
  });

  it('each member gets no more than its curve offered and the members of a bus share the award exactly', () => {
    for (const o of outcomes) {
      const aggIndex = o.parties.findIndex((p) => p.id === 'flexco');
      let members = 0;
      o.parties.forEach((p, i) => {
        if (p.id.startsWith('member-')) members += o.buyQuanta[i]! - o.sellQuanta[i]!;
      });
      expect(members).to.equal(o.buyQuanta[aggIndex]! - o.sellQuanta[aggIndex]!);
    }
  });

  it('bills: the retailer margin is bills − market cost − balancing; daily energy charges equal the accrued revenue', () => {
    const r = summary.kpis.retailers['power-retail'];
    expect(new Decimal(r.revenue).minus(r.marketCost).minus(r.balancingCost).toFixed()).to.equal(new Decimal(r.margin).toFixed());
    const bills: Record<string, string>[] = parse(readFileSync(join(dir, 'bills.csv')), { columns: true });
    expect(bills.length).to.equal(30 * 2); // 30 customers × 2 days
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

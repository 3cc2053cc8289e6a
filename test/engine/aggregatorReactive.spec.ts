/**
 * An aggregator's members' reactive energy, end to end (test/fixtures/scenarios/feeder-aggregator-kvar.yaml): on a
 * LinDistFlow feeder the aggregator bids its members per bus and power factor, so the clearing draws their kvar
 * (tan φ × kW), prices it at their buses, settles it with the aggregator and passes it through to them as their energy
 * is (engine/interval/reactive.ts `passThroughReactive`). Before, its bids carried its own kind's unity power factor:
 * no member's kvar reached the clearing, voltages.csv's net_kvar was 0 and members paid nothing for it.
 *
 * The prices by hand: the end's 0.95 p.u. limit binds and the CHP there (140/MWh) is marginal, the substation's energy
 * costs 45, so the voltage part of the end's DLMP is 95. A bus's voltage part and reactive price are the limit's dual
 * times the shared path's R and X to the end: the end's path grid–end has R = 0.16, X = 0.08 p.u., so its reactive
 * price is 95 × 0.08 / 0.16 = 47.50; mid shares R = 0.06, X = 0.03: voltage part 95 × 0.06 / 0.16 = 35.625 (DLMP 80.63)
 * and reactive price 95 × 0.03 / 0.16 = 17.8125 (settled 17.81 on the tick).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { type Money, money } from '../../core/money.ts';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const FILE = join(REPO_ROOT, 'test/fixtures/scenarios/feeder-aggregator-kvar.yaml');
const TAN = new Map([['load-mid', '0.75'], ['load-end', '0.75'], ['h-1', '0.328684']]); // power factors 0.8 and 0.95
const MEMBERS = [...TAN.keys()];

describe("an aggregator's members' reactive energy on a LinDistFlow feeder (test/fixtures/scenarios/feeder-aggregator-kvar.yaml)", () => {
  let dir: string;
  let agents: Row[];
  let volts: Row[];
  let summary: { books: { closed: boolean; violations: unknown[] }; kpis: { aggregators: Record<string, Record<string, string>>; feeder: Record<string, unknown> } };
  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-aggkvar-'));
    const r = await runScenarioFile(FILE, { outDir: dir });
    summary = r.summary as unknown as typeof summary;
    agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Row[];
    volts = parse(readFileSync(join(dir, 'voltages.csv')), { columns: true }) as Row[];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const at = (id: string, t: string): Row => agents.find((a) => a.agent_id === id && a.interval_start === t)!;

  it('prices the members\' kvar at their buses: the end 47.50 = 95 × X/R of its path, mid 17.8125 = 95 × 0.03/0.16, and the buses draw the members\' tan φ × kW (16:00: 7.5 kvar at mid, 22.5 + 0.091 at the end)', () => {
    const v = (bus: string) => volts.find((x) => x.bus === bus && x.interval_start === '2026-01-14T16:00:00Z')!;
    expect([v('end').price, v('end').reactive_price, v('mid').price, v('mid').reactive_price]).to.deep.equal(['140.00', '47.5000', '80.63', '17.8125']);
    // 10 kW × 0.75 at mid; 30 kW × 0.75 + the home's 0.277 kW × 0.328684 = 22.591045468 at the end (3 decimals in voltages.csv).
    expect([v('mid').net_kvar, v('end').net_kvar]).to.deep.equal(['7.500', '22.591']);
  });

  it('charges each member its kW at the DLMP, its kvar (tan φ × kW) at its bus reactive price and its fee, exactly (16:00: load-mid 0.201575 + 0.03339375 + 0.025 = 0.25996875, load-end 1.05 + 0.2671875 + 0.075 = 1.3921875)', () => {
    const mid = at('load-mid', '2026-01-14T16:00:00Z');
    const end = at('load-end', '2026-01-14T16:00:00Z');
    // 10 kW × 80.63 / 4 / 1000 = 0.201575; 7.5 kvar × 17.81 / 4 / 1000 = 0.03339375; 0.01/kWh × 2.5 kWh = 0.025.
    expect([mid.award_kw, mid.price, mid.kvar, mid.reactive_price, mid.cost]).to.deep.equal(['10.000', '80.63', '7.5', '17.81', '0.25996875']);
    // 30 kW × 140 / 4 / 1000 = 1.05; 22.5 kvar × 47.50 / 4 / 1000 = 0.2671875; 0.01 × 7.5 kWh = 0.075.
    expect([end.award_kw, end.price, end.kvar, end.reactive_price, end.cost]).to.deep.equal(['30.000', '140.00', '22.5', '47.50', '1.3921875']);
    let rows = 0;
    for (const a of agents.filter((r) => MEMBERS.includes(r.agent_id!))) {
      const kw = money(a.award_kw!);
      expect(money(a.kvar!).equals(kw.times(TAN.get(a.agent_id!)!)), `${a.agent_id} ${a.interval_start} kvar ${a.kvar}`).to.equal(true);
      const cost = kw.times(a.price!).plus(money(a.kvar!).times(a.reactive_price!)).div(4000).plus(kw.div(4).times('0.01'));
      expect(money(a.cost!).equals(cost), `${a.agent_id} ${a.interval_start} cost ${a.cost} vs ${cost.toFixed()}`).to.equal(true);
      rows++;
    }
    expect(rows).to.equal(3 * 12);
  });

  it('passes the aggregator\'s reactive money through exactly: each interval its kvar is its members\', and what it pays the market is what they pay it less its fees', () => {
    for (const t of new Set(agents.map((a) => a.interval_start!))) {
      const agg = at('agg', t);
      const members = MEMBERS.map((id) => at(id, t));
      const sum = (f: (r: Row) => Money) => members.reduce((s, r) => s.plus(f(r)), money(0));
      expect(money(agg.kvar!).equals(sum((r) => money(r.kvar!))), `${t} kvar`).to.equal(true);
      // Σ members' (cost − fee) = the aggregator's market payment, energy and reactive: it holds no position of its own.
      expect(money(agg.cost!).equals(sum((r) => money(r.cost!).minus(money(r.award_kw!).div(4).times('0.01')))), `${t} money`).to.equal(true);
      // Its kvar is the buses' net kvar less the generators' (none): the LP's Q balance.
      const net = volts.filter((v) => v.interval_start === t && v.bus !== 'grid').reduce((s, v) => s + Number(v.net_kvar), 0);
      expect(Number(agg.kvar)).to.be.closeTo(net, 0.002);
    }
  });

  it('closes the books every interval, counts the reactive money in the market payment and member payments, not in fee income', () => {
    expect(summary.books.closed, JSON.stringify(summary.books.violations)).to.equal(true);
    const a = summary.kpis.aggregators.agg!;
    const kwh = agents.filter((r) => MEMBERS.includes(r.agent_id!)).reduce((s, r) => s.plus(money(r.award_kw!).div(4)), money(0));
    expect(a.feeIncome).to.equal(kwh.times('0.01').toFixed());
    expect(money(a.marketPayment!).plus(a.feeIncome!).equals(money(a.memberPayments!)), 'market + fees = members').to.equal(true);
    expect(a.ownPositionCost).to.equal('0');
    expect(summary.kpis.feeder.reactiveSettledIntervals).to.equal(12);
    expect(summary.kpis.feeder.reactiveBuyersPay).to.equal(summary.kpis.feeder.reactiveRent);
  });
});

describe("a retailer's customers' reactive energy on a LinDistFlow feeder (test/fixtures/scenarios/feeder-retailer-kvar.yaml)", () => {
  let dir: string;
  let agents: Row[];
  let volts: Row[];
  let summary: { books: { closed: boolean; violations: unknown[] }; kpis: { retailers: Record<string, Record<string, string>> } };
  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-retkvar-'));
    const r = await runScenarioFile(join(REPO_ROOT, 'test/fixtures/scenarios/feeder-retailer-kvar.yaml'), { outDir: dir });
    summary = r.summary as unknown as typeof summary;
    agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true }) as Row[];
    volts = parse(readFileSync(join(dir, 'voltages.csv')), { columns: true }) as Row[];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("draws its customers' tan φ with what it buys at the end (0.943 kW × 0.328684 = 0.309949012 kvar at 16:00) and pays it at the end's reactive price in its market cost; the books close", () => {
    const first = agents.find((a) => a.agent_id === 'shop' && a.interval_start === '2026-01-14T16:00:00Z')!;
    expect([first.award_kw, first.kvar, first.reactive_price]).to.deep.equal(['0.943', '0.309949012', '47.50']);
    let energyAndKvar = money(0);
    for (const a of agents.filter((r) => r.agent_id === 'shop')) {
      expect(money(a.kvar!).equals(money(a.award_kw!).times('0.328684')), `${a.interval_start} kvar`).to.equal(true);
      const end = volts.find((v) => v.bus === 'end' && v.interval_start === a.interval_start)!;
      expect(a.reactive_price).to.equal(Number(end.reactive_price).toFixed(2));
      energyAndKvar = energyAndKvar.plus(money(a.award_kw!).times(end.price!).plus(money(a.kvar!).times(a.reactive_price!)).div(4000));
    }
    // Its market cost is what it bought at the end's DLMP plus its kvar at the end's reactive price (the customers pay their tariff: no kvar).
    expect(summary.kpis.retailers.shop!.marketCost).to.equal(energyAndKvar.toFixed());
    expect(agents.filter((a) => a.via === 'shop').every((a) => a.kvar === '')).to.equal(true);
    expect(summary.books.closed, JSON.stringify(summary.books.violations)).to.equal(true);
  });
});

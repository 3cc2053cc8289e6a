/**
 * scenarios/day-ahead-real-time.yaml end to end (issue 12): a day-ahead auction then real
 * time, read back from the run's files. Books close, energy balances, every party that faces
 * the market holds day-ahead positions, the batteries' day-ahead schedules stay within their
 * SoC bounds and the batteries operate to those schedules in real time, and one home's cost is the two-settlement sum, computed here by hand.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { type Money, money, ZERO } from '../../core/money.ts';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true });
const DT_H = 0.25;
/** Batteries: 13.5 kWh, reserve 10 %, start at 50 %, 5 kW, η √0.9 each way (kind defaults). */
const BATTERY = { minSocKwh: 1.35, maxSocKwh: 13.5, initialSocKwh: 6.75, maxKw: 5, eta: Math.sqrt(0.9) };

describe('scenarios/day-ahead-real-time.yaml end to end: day-ahead then real time', function () {
  this.timeout(60_000);
  let dir: string;
  let agents: Row[];
  let intervals: Row[];
  let events: Row[];
  let summary: { books: { closed: boolean; intervals: number; violations: unknown[] }; kpis: Record<string, any> };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-da-rt-'));
    await runScenarioFile(join(REPO_ROOT, 'scenarios/day-ahead-real-time.yaml'), { outDir: dir });
    agents = readCsv(join(dir, 'agents.csv'));
    intervals = readCsv(join(dir, 'intervals.csv'));
    events = readCsv(join(dir, 'events.csv'));
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('closes its books in all 96 intervals, and Σ actual_kw is 0 in every one', () => {
    expect(summary.books).to.deep.include({ closed: true, intervals: 96 });
    expect(summary.books.violations).to.deep.equal([]);
    const sum = new Map<string, number>();
    for (const r of agents) if (r.actual_kw !== '') sum.set(r.interval_start!, (sum.get(r.interval_start!) ?? 0) + Number(r.actual_kw));
    expect(sum.size).to.equal(96);
    for (const [t, s] of sum) expect(Math.abs(s), t).to.be.below(1e-6);
  });

  it('has day-ahead prices in every interval and positions for generators, homes and batteries', () => {
    expect(intervals.every((r) => r.da_price !== '')).to.equal(true);
    for (const kind of ['generator', 'home', 'storage']) expect(agents.some((r) => r.kind === kind && Number(r.da_kw) !== 0), kind).to.equal(true);
    // The solar park sets a cheap midday day-ahead price, the ccgt the night's: the spread the batteries trade.
    const prices = intervals.map((r) => Number(r.da_price));
    expect(Math.min(...prices)).to.equal(1);
    expect(Math.max(...prices)).to.equal(80);
  });

  it('had an operator event: the feeder head was relieved by commands', () => {
    expect(events.filter((e) => e.type === 'DISPATCH_SETPOINT').length).to.be.greaterThan(0);
  });

  it("keeps every battery's day-ahead schedule within its power and SoC bounds, ending where it started", () => {
    const rows = agents.filter((r) => r.kind === 'storage');
    const ids = new Set(rows.map((r) => r.agent_id));
    expect(ids.size).to.equal(3);
    for (const id of ids) {
      let soc = BATTERY.initialSocKwh;
      let traded = 0;
      for (const r of rows.filter((x) => x.agent_id === id)) {
        const kw = Number(r.da_kw);
        expect(Math.abs(kw), `${id} ${r.interval_start}`).to.be.at.most(BATTERY.maxKw + 1e-9);
        soc += kw >= 0 ? BATTERY.eta * kw * DT_H : (kw * DT_H) / BATTERY.eta;
        traded += Math.abs(kw);
        expect(soc, `${id} SoC at ${r.interval_start}`).to.be.within(BATTERY.minSocKwh - 1e-3, BATTERY.maxSocKwh + 1e-3);
      }
      expect(traded, id).to.be.greaterThan(0);
      expect(soc, `${id} final SoC`).to.be.at.least(BATTERY.initialSocKwh - 1e-3);
    }
  });

  it("operates every battery to its day-ahead schedule in real time, within a quantum wherever its SoC allows", () => {
    // The physical limit at the interval's start: 5 kW, and the room to the SoC bounds (η on the cell side).
    const rows = agents.filter((r) => r.kind === 'storage');
    let moved = 0;
    for (const id of new Set(rows.map((r) => r.agent_id))) {
      let soc = BATTERY.initialSocKwh;
      for (const r of rows.filter((x) => x.agent_id === id)) {
        const da = Number(r.da_kw);
        const canCharge = Math.min(BATTERY.maxKw, (BATTERY.maxSocKwh - soc) / (BATTERY.eta * DT_H));
        const canDischarge = Math.min(BATTERY.maxKw, ((soc - BATTERY.minSocKwh) * BATTERY.eta) / DT_H);
        const expected = da >= 0 ? Math.min(da, canCharge) : -Math.min(-da, canDischarge);
        expect(Number(r.actual_kw), `${id} ${r.interval_start}: day-ahead ${da} kW, SoC ${soc.toFixed(3)} kWh`).to.be.closeTo(expected, 0.001 + 1e-9);
        if (Number(r.actual_kw) !== 0) moved++;
        soc = Number(r.soc_kwh);
      }
    }
    // The batteries really run in real time (before the schedule was handed over they sat idle).
    expect(moved).to.be.greaterThan(30);
  });

  it("bills one home q_DA·p_DA + (q_RT − q_DA)·p_RT + imbalance, by hand", () => {
    // A home with a day-ahead position that bought a different amount in real time.
    const r = agents.find((x) => x.kind === 'home' && Number(x.da_kw) !== 0 && Number(x.award_kw) !== Number(x.da_kw))!;
    expect(r, 'a home that deviated from its day-ahead position').to.not.equal(undefined);
    const da = Number(r.da_kw) * Number(r.da_price);
    const rt = (Number(r.award_kw) - Number(r.da_kw)) * Number(r.rt_price);
    const imb = r.imbalance_price === '' ? 0 : Number(r.imbalance_kw) * Number(r.imbalance_price);
    const expected = ((da + rt + imb) * DT_H) / 1000;
    expect(Number(r.cost)).to.be.closeTo(expected, 1e-6);
  });

  it('reports each money stage as what it settles, per party and interval, from agents.csv (the real-time stage on the difference from the day-ahead position): the stages add up to the parties’ costs', () => {
    // Per stage: a party paying net in an interval is a buyer, one receiving net a seller (exact decimals from the file's digits).
    const stage = (of: (r: Row) => Money): { buyersPay: string; sellersReceive: string } => {
      let pay = ZERO;
      let receive = ZERO;
      for (const r of agents) {
        if (r.via !== '') continue; // members and customers pay their intermediary, not the market
        const m = of(r).times(DT_H).div(1000);
        if (m.isPositive() && !m.isZero()) pay = pay.plus(m);
        else receive = receive.minus(m);
      }
      return { buyersPay: pay.toFixed(), sellersReceive: receive.toFixed() };
    };
    const p = (x: string): Money => (x === '' ? ZERO : money(x));
    const realTime = stage((r) => p(r.award_kw!).minus(p(r.da_kw!)).times(p(r.rt_price!)));
    const dayAhead = stage((r) => p(r.da_kw!).times(p(r.da_price!)));
    const imbalance = stage((r) => p(r.imbalance_kw!).times(p(r.imbalance_price!)));
    const k = summary.kpis;
    expect({ buyersPay: k.totalCost, sellersReceive: k.sellersRevenue }).to.deep.equal(realTime);
    expect(k.dayAhead).to.deep.include(dayAhead);
    expect(k.imbalance).to.deep.include(imbalance);
    // The figures (seed 7): 75.21946 in real time, not the 130.41878 the whole real-time awards are worth.
    expect([k.totalCost, k.dayAhead.buyersPay, k.imbalance.buyersPay]).to.deep.equal(['75.21946', '17.679766', '2.3737525']);
    // Σ of every party's cost = Σ over the stages of (paid − received).
    let cost = ZERO;
    for (const r of agents) if (r.via === '') cost = cost.plus(p(r.cost!));
    const net = (s: { buyersPay: string; sellersReceive: string }): Money => money(s.buyersPay).minus(s.sellersReceive);
    expect(cost.toFixed()).to.equal(net(realTime).plus(net(dayAhead)).plus(net(imbalance)).toFixed());
  });
});

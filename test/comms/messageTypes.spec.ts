/**
 * The message types that travel on the communication plane beyond bids, awards, commands and
 * reads (issue 17 item 1): price broadcasts, members' curves to their aggregator, and the
 * agents' opt-in/opt-out replies. Each test holds one kind of message back with a link outage
 * (its queue waits; nothing else changes) and shows the consequence in the run — so each fails
 * if that message were delivered instantly. Real runs of the test fixtures, no mocks; the one
 * plug-in strategy below is a user-facing extension point, used to see what an agent was shown.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenario } from '../../engine/run.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { registerStrategy } from '../../strategies/registry.ts';
import type { MarketView } from '../../strategies/types.ts';

type Row = Record<string, string>;
interface Out {
  summary: { kpis: Record<string, any>; books: { closed: boolean } };
  messages: Row[];
  events: Row[];
  agents: Row[];
  rejections: Row[];
  intervals: string;
}

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, `../fixtures/scenarios/${name}.yaml`), 'utf8');

async function run(yaml: string): Promise<Out> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-msgtypes-'));
  try {
    const file = join(dir, 'scenario.yaml');
    writeFileSync(file, yaml);
    const out = join(dir, 'out');
    await runScenario(loadScenarioFile(file), { outDir: out });
    const text = (f: string): string => readFileSync(join(out, f), 'utf8');
    const csv = (f: string): Row[] => parse(text(f), { columns: true });
    return { summary: JSON.parse(text('summary.json')), messages: csv('messages.csv'), events: csv('events.csv'), agents: csv('agents.csv'), rejections: csv('rejections.csv'), intervals: text('intervals.csv') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A link that carries the customers' demand-response traffic (RP3), down in the given windows. */
const rp3Link = (windows: ReadonlyArray<readonly [string, string]>): string =>
  `  links:\n    - id: rp3\n      capacityBitPerS: 1000000\n      referencePoints: [RP3]\n      classes: [demand-response]\n      outages:\n${windows.map(([f, u]) => `        - { from: ${f}, until: ${u} }\n`).join('')}`;

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('comms message types: price broadcasts (fixtures/scenarios/comms-dr.yaml + a probe home)', function () {
  this.timeout(120_000);
  /** What the probe was shown, per run and interval. */
  const seen = new Map<string, Array<{ index: number; lastPriceMwh: number | undefined; forecast0: number | undefined; horizon: number }>>();
  let current = '';
  before(() => {
    // The probe buys 2 kW at the cap once it knows a price, nothing before: what it was shown is what it does.
    registerStrategy('test-price-probe', {
      params: undefined,
      kinds: ['home'],
      create: () => ({
        id: 'test-price-probe',
        bid(_view: unknown, market: MarketView) {
          seen.get(current)!.push({ index: market.interval.index, lastPriceMwh: market.lastPriceMwh, forecast0: market.priceForecastMwh[0], horizon: market.priceForecastMwh.length });
          return market.lastPriceMwh === undefined ? [] : [{ side: 'buy' as const, priceMwh: market.priceCapMwh, quantityKw: 2 }];
        },
      }),
    });
  });
  const probe = '  - kind: home\n    idPrefix: probe\n    count: 1\n    bus: b\n    strategy: test-price-probe\n';
  // An hourly prior (hour h of UTC → 100 + h): on the first day every forecast entry is the prior of its hour, so a view's
  // forecast shows which interval it starts at.
  const prior = `priorByHourMwh: [${Array.from({ length: 24 }, (_, h) => 100 + h).join(', ')}]`;
  const withPrior = (yaml: string): string => yaml.replace('initialPriceMwh: 90 }', `initialPriceMwh: 90, ${prior} }`);
  // Interval 0 (15:00) clears at its gate 14:55 and publishes its price; interval 1 bids at 15:09.
  // Interval 3 (15:45) publishes at 15:40; interval 4 (16:00, the next hour) bids at 15:54.
  const held = rp3Link([
    ['2026-07-01T14:55:00Z', '2026-07-01T15:09:30Z'],
    ['2026-07-01T15:40:00Z', '2026-07-01T15:54:30Z'],
  ]);
  const runAs = async (name: string, yaml: string): Promise<Out> => {
    current = name;
    seen.set(name, []);
    return run(yaml);
  };
  let on: Out;
  let off: Out;
  before(async () => {
    on = await runAs('on-time', withPrior(fixture('comms-dr')) + probe);
    off = await runAs('held', withPrior(fixture('comms-dr')).replace(/^comms:\n/m, `comms:\n${held}`) + probe);
  });

  it('on time, every party bids on the newest prices: none stale, none late', () => {
    expect(on.summary.kpis.comms.bidsOnStalePrices).to.equal(0);
    expect(on.summary.kpis.comms.pricesLate).to.equal(0);
    const first = seen.get('on-time')!.find((s) => s.index === 1)!;
    expect(first.lastPriceMwh).to.equal(80); // interval 0 cleared at 80 (intervals.csv)
  });

  it('held past the next bid time, the 14:55 broadcast reaches each of the 34 parties late, and each bids at 15:09 on what it had: no price yet', () => {
    const prices = off.messages.filter((m) => m.type === 'price' && m.sent_at === '2026-07-01T14:55:00Z');
    expect(prices.length).to.equal(34); // 1 generator, 24 homes, 2 batteries, 6 EVs, the probe
    for (const m of prices) {
      expect(m.status).to.equal('late');
      expect(Date.parse(m.delivered_at!)).to.be.at.least(Date.parse('2026-07-01T15:09:30Z'));
    }
    // Two broadcasts held (14:55 and 15:40), 34 parties each.
    expect(off.summary.kpis.comms.pricesLate).to.equal(68);
    expect(off.summary.kpis.comms.bidsOnStalePrices).to.equal(68);
    const shown = seen.get('held')!.find((s) => s.index === 1)!;
    // The view published before anything cleared: no last price; its forecast moved to interval 1 (hour 15: 115).
    expect(shown.lastPriceMwh).to.equal(undefined);
    expect(shown.forecast0).to.equal(115);
    expect(shown.horizon).to.equal(96); // 24 h of 15-minute intervals, as every fresh view
    // Interval 2 bids on the price of interval 1, which arrived in time.
    expect(seen.get('held')!.find((s) => s.index === 2)!.lastPriceMwh).to.equal(80);
  });

  it('a view one broadcast old is moved to the interval it is used in: at 16:00 the forecast starts at hour 16 (116), not at 15:45’s hour (115)', () => {
    const at4 = (run: string) => seen.get(run)!.find((s) => s.index === 4)!;
    expect(at4('held').forecast0).to.equal(116);
    expect(at4('held').horizon).to.equal(96);
    expect(at4('on-time').forecast0).to.equal(116);
    // Its last price is interval 2's (15:30), the newest it had received.
    const price = (o: Out, at: string): number => Number((parse(o.intervals, { columns: true }) as Row[]).find((r) => r.interval_start === at && r.bus === 'b')!.price);
    expect(at4('held').lastPriceMwh).to.equal(price(off, '2026-07-01T15:30:00Z'));
  });

  it('and acts on it: the probe buys nothing at 15:15 when held, 2 kW when on time; the books close', () => {
    const award = (o: Out, at: string): number => Number(o.agents.find((a) => a.agent_id === 'probe-1' && a.interval_start === at)!.award_kw);
    expect(award(on, '2026-07-01T15:15:00Z')).to.equal(2);
    expect(award(off, '2026-07-01T15:15:00Z')).to.equal(0);
    expect(award(off, '2026-07-01T15:30:00Z')).to.equal(2);
    expect(off.summary.books.closed).to.equal(true);
  });
});

describe('comms message types: members’ curves to their aggregator (fixtures/scenarios/retail-and-aggregation.yaml, one day)', function () {
  this.timeout(180_000);
  const PLANE = 'comms:\n  classes:\n    demand-response: { latency: { distribution: fixed, ms: 100 }, lossProbability: 0 }\n    ami: { lossProbability: 0 }\n';
  // Interval 12:00 UTC: gate 11:55, bid time 11:54, members send their curves at 11:53 (one minute before the aggregator's gate).
  const held = rp3Link([['2026-07-01T11:52:30Z', '2026-07-01T11:54:01Z']]);
  const base = fixture('retail-and-aggregation').replace(/^days: 2$/m, 'days: 1');
  let on: Out;
  let off: Out;
  before(async () => {
    on = await run(base + PLANE);
    off = await run(base + PLANE + held);
  });

  it('on time, every member’s curve reaches flexco 100 ms after it is sent, a minute before its gate', () => {
    const curves = on.messages.filter((m) => m.type === 'member-curve');
    expect(curves.length).to.be.greaterThan(20 * 90);
    // 100 ms latency + its bytes at the class's 14 kbit/s access rate (delivered_at is in whole ms).
    for (const m of curves) expect(Date.parse(m.delivered_at!) - Date.parse(m.sent_at!)).to.be.closeTo(100 + (Number(m.bytes) * 8) / 14, 1);
    expect(on.summary.kpis.comms.memberCurvesMissedGate).to.equal(0);
    // The aggregator's split comes back as one member-award per member curve.
    expect(on.messages.filter((m) => m.type === 'member-award').length).to.equal(curves.length);
  });

  it('held until 1 s after flexco’s gate, the 11:53 curves miss it: left out of its bid, rejected with the reason, and the members get nothing at 12:00', () => {
    const late = off.messages.filter((m) => m.type === 'member-curve' && m.sent_at === '2026-07-01T11:53:00Z');
    expect(late.length).to.be.greaterThan(0);
    for (const m of late) expect(m.status).to.equal('late');
    expect(off.summary.kpis.comms.memberCurvesMissedGate).to.equal(late.length);
    const rejected = off.rejections.filter((r) => r.code === 'gate-closed' && r.reason!.includes("aggregator 'flexco'"));
    expect(rejected.length).to.equal(late.length);
    const memberKw = (o: Out, at: string): number => o.agents.filter((a) => a.agent_id!.startsWith('member-') && a.interval_start === at).reduce((s, a) => s + Number(a.award_kw), 0);
    expect(memberKw(on, '2026-07-01T12:00:00Z')).to.be.greaterThan(0);
    expect(memberKw(off, '2026-07-01T12:00:00Z')).to.equal(0);
    // Before and after, the members trade as on time.
    expect(memberKw(off, '2026-07-01T11:45:00Z')).to.equal(memberKw(on, '2026-07-01T11:45:00Z'));
    expect(off.summary.books.closed).to.equal(true);
  });
});

describe('comms message types: opt-in and opt-out replies (fixtures/scenarios/ops-outage.yaml)', function () {
  this.timeout(180_000);
  const PLANE = 'comms:\n  classes:\n    demand-response: { latency: { distribution: fixed, ms: 100 }, lossProbability: 0 }\n    distribution-grid-management: { latency: { distribution: fixed, ms: 100 }, lossProbability: 0 }\n    ami: { lossProbability: 0 }\n';
  // The customers' link down for the first 6 minutes of every interval: replies (sent ~1 s after each command) wait past the 5-minute window.
  const start = Date.parse('2026-07-01T00:00:00Z');
  const windows = Array.from({ length: 96 }, (_, k) => [iso(start + k * 900_000), iso(start + k * 900_000 + 360_000)] as const);
  let on: Out;
  let off: Out;
  before(async () => {
    on = await run(fixture('ops-outage') + PLANE);
    off = await run(fixture('ops-outage') + PLANE + rp3Link(windows));
  });
  const optOuts = (o: Out): Row[] => o.events.filter((e) => e.type === 'DISPATCH_SETPOINT' && e.response === 'opt-out');

  it('on time, each answered command gets its reply within the window; an opt-out stays an opt-out', () => {
    expect(optOuts(on).length).to.be.greaterThan(10);
    const replies = on.messages.filter((m) => m.type === 'opt-in' || m.type === 'opt-out');
    expect(replies.filter((m) => m.type === 'opt-out').length).to.equal(optOuts(on).length);
    for (const m of replies) expect(m.status).to.equal('delivered');
    // Each reply leaves on the whole second after its command arrived (100 ms + 250 B at 9.6 kbit/s = 308 ms): 1 s into the interval.
    for (const m of replies) expect(Date.parse(m.sent_at!) % 900_000).to.equal(1000);
    expect(on.summary.kpis.comms.optOutsCountedIn).to.equal(0);
    expect(on.events.filter((e) => e.type === 'OPT_OUT_LATE')).to.have.length(0);
  });

  it('held past the window, every opt-out counts as an opt-in at the value asked: reported, and settled as a shortfall (penalties rise)', () => {
    const n = optOuts(off).length;
    expect(n).to.be.greaterThan(10);
    expect(off.summary.kpis.comms.optOutsCountedIn).to.equal(n);
    expect(off.events.filter((e) => e.type === 'OPT_OUT_LATE')).to.have.length(n);
    const replies = off.messages.filter((m) => m.type === 'opt-in' || m.type === 'opt-out');
    for (const m of replies) expect(m.status).to.equal('late');
    expect(off.summary.kpis.comms.repliesLate).to.equal(replies.length);
    const penalties = (o: Out): number => Number(o.summary.kpis.operations.demandResponse.dso.penalties);
    expect(penalties(off)).to.be.greaterThan(penalties(on));
    expect(off.summary.books.closed).to.equal(true);
  });
});

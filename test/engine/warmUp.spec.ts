/**
 * Warm-up days (`warmUpDays`, engine/warmUp.ts): the engine simulates them before `start` and
 * reports none of them.
 *
 * The property that pins the semantics down: a run with `warmUpDays: N` is, interval for
 * interval, the run that starts N days earlier with no warm-up, so the reported days of the one
 * are byte for byte the last days of the other in every per-interval table (intervals, agents,
 * flows, events, rejections) and in bills.csv. Also: the warm-up writes no row anywhere and adds
 * nothing to summary.json's figures; its books are checked (a violation there fails the run); an
 * operator's 10-of-10 baseline on the first reported day is the mean of the warm-up's 10 business
 * days, computed here by hand from the longer run's meters.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml, stringify } from 'yaml';
import { gridbidInProcess, REPO_ROOT } from '../helpers/cli.ts';
import { interruptedExit, runAndReport } from '../../cli/commands/run.ts';
import { BooksOpenError } from '../../core/errors.ts';
import { RunInterrupted, runScenario } from '../../engine/run.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { estimateFootprint, HEAP_BYTES_PER_AGENT_INTERVAL } from '../../engine/footprint.ts';
import type { Phases } from '../../engine/simulation.ts';
import { marketPositions } from '../../engine/interval/positions.ts';

type Row = Record<string, string>;
const TABLES = ['intervals.csv', 'agents.csv', 'flows.csv', 'events.csv', 'rejections.csv'] as const;

/** Runs `doc` into a fresh folder; returns the folder (the caller removes it). */
async function run(doc: Record<string, unknown>, onInterval?: (done: number, total: number) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-warmup-'));
  await runScenario(parseScenario(stringify(doc), 'warm-up.yaml'), { outDir: dir, ...(onInterval ? { onInterval } : {}) });
  return dir;
}
const text = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');
const rows = (dir: string, f: string): Row[] => parseCsv(text(dir, f), { columns: true }) as Row[];
/** The data lines of a CSV file whose first field (a time or a date) starts at or after `from` (ISO text compares as time). */
const linesFrom = (dir: string, f: string, from: string): string[] => text(dir, f).split('\n').slice(1).filter((l) => l !== '' && l.slice(0, from.length) >= from);
const dayBefore = (iso: string, days: number): string => new Date(Date.parse(iso) - days * 86_400_000).toISOString().replace('.000Z', 'Z');

/**
 * A street behind a 200 kW transformer, 10 homes, a plant, a 10-of-10 operator; the transformer derated to 5 kW
 * from 18:00 to 19:00 on the reported day (a Wednesday), so the operator's only event is there.
 */
function street(start: string, days: number, warmUpDays: number, extra: { seed?: number; battery?: boolean; ev?: boolean; retail?: boolean; dayAhead?: boolean } = {}): Record<string, unknown> {
  const last = dayBefore(start, -(days - 1)).slice(0, 10);
  return {
    name: 'warm-up-street',
    seed: extra.seed ?? 7,
    start,
    days,
    warmUpDays,
    intervalMinutes: 60,
    site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 },
    market: { mechanism: 'double-auction', ...(extra.dayAhead ? { timeline: ['dayAhead', 'realTime'] } : {}) },
    ...(extra.retail ? { tariffs: [{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25, fixedChargePerDay: 0.4 }] } : {}),
    network: {
      baseKva: 1000,
      buses: [{ id: 'grid', reference: true }, { id: 'street' }],
      branches: [{ id: 'head', kind: 'transformer', from: 'grid', to: 'street', reactancePu: 0.05, limitKw: 200 }],
    },
    operations: [{ id: 'dso', watch: ['head'], baseline: 'ten-of-ten', eventPriceMwh: 300, v2g: true }],
    faults: [{ type: 'derating', branch: 'head', limitKw: 5, at: `${last}T18:00:00Z`, until: `${last}T19:00:00Z` }],
    agents: [
      { kind: 'generator', id: 'plant', bus: 'grid', offers: [{ kw: 500, priceMwh: 60 }, { kw: 100, priceMwh: 140 }] },
      { kind: 'home', idPrefix: 'home', count: 10, bus: 'street' },
      ...(extra.retail ? [{ kind: 'retailer', id: 'retail', tariffs: ['flat'] }, { kind: 'home', idPrefix: 'customer', count: 3, bus: 'street', retailer: 'retail', tariff: 'flat' }] : []),
      ...(extra.battery ? [{ kind: 'storage', idPrefix: 'battery', count: 1, bus: 'street', capacityKwh: 10, maxChargeKw: 3, maxDischargeKw: 3 }] : []),
      ...(extra.ev ? [{ kind: 'ev', idPrefix: 'ev', count: 2, bus: 'street', sessions: 'home', v2gShare: 1 }] : []),
    ],
  };
}

const START = '2026-07-15T00:00:00Z';

describe('warm-up days (warmUpDays)', function () {
  this.timeout(240_000);

  it('a one-day run after 14 warm-up days is the last day of the same run started 14 days earlier, byte for byte; its 10-of-10 baseline is the mean of the 10 business days before, by hand', async () => {
    const warm = await run(street(START, 1, 14));
    const long = await run(street(dayBefore(START, 14), 15, 0));
    try {
      for (const f of TABLES) expect(linesFrom(warm, f, START), f).to.deep.equal(linesFrom(long, f, START));
      expect(linesFrom(warm, 'events.csv', START).length, 'the event is there').to.be.greaterThan(3);

      // By hand: the operator's event starts at 18:00 on Wednesday 15 July. The 10 previous business days are
      // 1–3, 6–10 and 13–14 July (the 4th, 5th, 11th and 12th are a weekend); their 18:00 meter reads, from the
      // longer run's agents.csv (actual_kw: the meter, exact to the quantum), averaged, then the same-day
      // adjustment: Σ actual ÷ Σ unadjusted over 14:00–17:00 (3 hours ending 1 hour before the event), within ±20 %.
      const businessDays = ['01', '02', '03', '06', '07', '08', '09', '10', '13', '14'].map((d) => `2026-07-${d}`);
      const meter = new Map<string, number>();
      for (const r of rows(long, 'agents.csv')) if (r.actual_kw !== '') meter.set(`${r.agent_id}@${r.interval_start}`, Number(r.actual_kw));
      const read = (agent: string, day: string, hour: number): number => meter.get(`${agent}@${day}T${String(hour).padStart(2, '0')}:00:00Z`)!;
      const mean = (agent: string, hour: number): number => businessDays.reduce((s, d) => s + read(agent, d, hour), 0) / businessDays.length;
      const baselines = rows(warm, 'events.csv').filter((e) => e.type === 'REPORT:BASELINE' && e.interval_start === '2026-07-15T18:00:00Z');
      expect(baselines.length).to.be.greaterThan(0);
      for (const b of baselines) {
        const agent = b.issuer!;
        const actual = [14, 15, 16].reduce((s, h) => s + read(agent, '2026-07-15', h), 0);
        const unadjusted = [14, 15, 16].reduce((s, h) => s + mean(agent, h), 0);
        const factor = Math.min(1.2, Math.max(0.8, actual / unadjusted));
        expect(Number(b.delivered_kw), agent).to.be.closeTo(mean(agent, 18) * factor, 0.0005);
        expect(b.detail, agent).to.contain('(10 days,');
      }
      // The same scenario with no warm-up has no history on its first day: no baseline, nothing settled.
      const cold = await run(street(START, 1, 0));
      try {
        const coldBaselines = rows(cold, 'events.csv').filter((e) => e.type === 'REPORT:BASELINE');
        expect(coldBaselines.length).to.be.greaterThan(0);
        for (const b of coldBaselines) expect(b.detail).to.contain('(0 days,');
      } finally {
        rmSync(cold, { recursive: true, force: true });
      }
    } finally {
      rmSync(warm, { recursive: true, force: true });
      rmSync(long, { recursive: true, force: true });
    }
  });

  it('property: the reported days equal the longer run\'s last days in every table and bill, whatever the seed, warm-up length, devices, retail and day-ahead stage', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ seed: fc.integer({ min: 0, max: 1000 }), warmUpDays: fc.integer({ min: 1, max: 3 }), days: fc.integer({ min: 1, max: 2 }), battery: fc.boolean(), ev: fc.boolean(), retail: fc.boolean(), dayAhead: fc.boolean() }),
        async (s) => {
          const warm = await run(street(START, s.days, s.warmUpDays, s));
          const long = await run(street(dayBefore(START, s.warmUpDays), s.days + s.warmUpDays, 0, s));
          try {
            for (const f of [...TABLES, 'bills.csv']) expect(linesFrom(warm, f, f === 'bills.csv' ? START.slice(0, 10) : START), f).to.deep.equal(linesFrom(long, f, f === 'bills.csv' ? START.slice(0, 10) : START));
            expect(JSON.parse(text(warm, 'summary.json')).books.closed).to.equal(true);
          } finally {
            rmSync(warm, { recursive: true, force: true });
            rmSync(long, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: Number(process.env.WARMUP_RUNS ?? 4) },
    );
  });

  it("lists the warm-up's agent faults in summary.json warmUp.agentFaults (events.csv has no row before start): a strategy throwing every odd interval, 12 of each day's 24", async () => {
    // Before: only warmUp.agentFaultCount (12), with nothing saying who, when or why.
    const doc = street(START, 1, 1);
    (doc.agents as unknown[]).push({ kind: 'generator', id: 'thrower', bus: 'grid', offers: [{ kw: 30, priceMwh: 60 }], strategy: { module: join(REPO_ROOT, 'test/fixtures/strategies/broken.ts'), export: 'thrower' } });
    const dir = await run(doc);
    try {
      const summary = JSON.parse(text(dir, 'summary.json'));
      const warm = summary.warmUp as { agentFaultCount: number; agentFaults: Array<{ agentId: string; at: string; phase: string; message: string }> };
      // Engine intervals 1, 3, …, 23 (hourly, from 14 July 00:00): the warm-up's; 25, …, 47 the reported day's.
      expect(warm.agentFaultCount).to.equal(12);
      expect(warm.agentFaults.map((f) => f.at)).to.deep.equal(Array.from({ length: 12 }, (_, k) => `2026-07-14T${String(2 * k + 1).padStart(2, '0')}:00:00Z`));
      expect(warm.agentFaults.every((f) => f.agentId === 'thrower' && f.phase === 'strategy' && f.message.includes("strategy 'thrower' threw: boom"))).to.equal(true);
      expect(summary.kpis.agentFaultCount).to.equal(12);
      expect(summary.kpis.agentFaults.every((f: { at: string }) => f.at >= START)).to.equal(true);
      expect(rows(dir, 'events.csv').filter((e) => e.type === 'STRATEGY_FAULT').map((e) => e.interval_start)).to.deep.equal(summary.kpis.agentFaults.map((f: { at: string }) => f.at));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes no warm-up row in any table, and summary.json counts the reported period only', async () => {
    // The head at 6 kW every evening: the operator commands in the warm-up too (its events must not appear).
    const doc = { ...street(START, 1, 2, { retail: true, battery: true }), faults: [] } as Record<string, unknown>;
    (doc.network as { branches: Array<Record<string, unknown>> }).branches[0]!.limitKw = 6;
    const totals: number[] = [];
    let lastDone = 0;
    const dir = await run(doc, (done, total) => {
      totals.push(total);
      lastDone = done;
    });
    const long = await run({ ...doc, start: dayBefore(START, 2), days: 3, warmUpDays: 0 });
    try {
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.csv'))) {
        const first = f === 'bills.csv' ? 'day' : f === 'messages.csv' ? 'sent_at' : 'interval_start';
        for (const r of rows(dir, f)) expect(r[first]! >= (f === 'bills.csv' ? '2026-07-15' : START), `${f}: ${r[first]}`).to.equal(true);
      }
      expect(rows(long, 'events.csv').some((e) => e.interval_start! < START && e.type === 'DISPATCH_SETPOINT'), 'the warm-up had commands').to.equal(true);
      const summary = JSON.parse(text(dir, 'summary.json'));
      expect(summary.start).to.equal(START);
      expect(summary.intervals).to.equal(24);
      expect(summary.warmUp).to.deep.equal({ days: 2, intervals: 48, agentFaultCount: 0, agentFaults: [] });
      expect(summary.books).to.include({ closed: true, intervals: 24, warmUpIntervals: 48 });
      // The operator's totals are the reported day's commands: Σ committed kWh of its opt-ins in events.csv (1-hour intervals).
      const committed = rows(dir, 'events.csv').filter((e) => e.type === 'DISPATCH_SETPOINT' && e.response === 'opt-in').reduce((s, e) => s + Math.abs(Number(e.delivered_kw)), 0);
      expect(committed).to.be.greaterThan(0);
      expect(summary.kpis.operations.demandResponse.dso.committedKwh).to.be.closeTo(committed, 0.0015);
      // The counterfactual pass (the same run without the operator) counts its overloads from start too: one evening, not three.
      const without = summary.kpis.operations.overloadIntervalsWithoutOperator;
      expect(without).to.be.greaterThan(0);
      expect(without * 2).to.be.below(JSON.parse(text(long, 'summary.json')).kpis.operations.overloadIntervalsWithoutOperator);
      expect(text(dir, 'report.html')).to.contain('24 intervals of 60 min (after a 2-day warm-up, not shown)');
      // Figures per interval: the reported day's metered demand, from agents.csv (the longer run's last day has the same).
      const demandKwh = rows(dir, 'agents.csv').filter((r) => r.actual_kw !== '' && Number(r.actual_kw) > 0).reduce((s, r) => s + Number(r.actual_kw), 0);
      expect(summary.kpis.demandKwh).to.be.at.most(demandKwh + 1e-6); // gross consumption ≥ net, and only the reported day
      expect(summary.kpis.demandKwh).to.be.below(JSON.parse(text(long, 'summary.json')).kpis.demandKwh / 2);
      // Bills: one day, each customer once (the warm-up's two days billed nowhere).
      expect(rows(dir, 'bills.csv').map((b) => b.day)).to.deep.equal(['2026-07-15', '2026-07-15', '2026-07-15']);
      expect(Number(summary.kpis.retail.bills.flat.total)).to.be.closeTo(rows(dir, 'bills.csv').reduce((s, b) => s + Number(b.total), 0), 1e-9);
      // Progress counts every simulated interval (warm-up included) in every pass, and ends at the last.
      expect(new Set(totals)).to.deep.equal(new Set([72]));
      expect(lastDone).to.equal(72);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(long, { recursive: true, force: true });
    }
  });

  it('checks the warm-up\'s books: a violation there opens the run\'s books and fails it (exit 4), named at its warm-up time', async () => {
    const doc = { name: 'warm-books', seed: 3, start: '2026-07-02T00:00:00Z', days: 0.25, warmUpDays: 1, intervalMinutes: 60, agents: [{ kind: 'generator', id: 'plant', offers: [{ kw: 50, priceMwh: 50 }] }, { kind: 'home', idPrefix: 'home', count: 3 }] };
    // One quantum more for home-1 than the clearing gave it, in the warm-up's interval 5 only.
    const tampered: Phases['positions'] = (ledger, book, result, settlement, partyBus, isIntermediary, busIndex) => {
      marketPositions(ledger, book, result, settlement, partyBus, isIntermediary, busIndex);
      if (book.interval !== 5) return;
      ledger.buyQuanta[1]! += 1;
      ledger.rtUnits[1]! += Math.round(result.busPriceMwh[partyBus[1]!]! / book.rules.priceTickMwh);
    };
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-warmup-books-'));
    try {
      let printed = '';
      let error: unknown;
      await runAndReport(parseScenario(stringify(doc), 'warm-books.yaml'), { outDir: dir }, (t) => (printed += t), { phases: { positions: tampered } }).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(BooksOpenError);
      expect((error as BooksOpenError).code).to.equal(4);
      expect((error as BooksOpenError).message).to.match(/did not close in 1 of 30 intervals \(24 of them the warm-up's\)/).and.to.contain('2026-07-01T05:00:00Z positions');
      expect(printed).to.contain('NOT closed in 1 of 30 intervals (24 of them the warm-up\'s)');
      const summary = JSON.parse(text(dir, 'summary.json'));
      expect(summary.books).to.include({ closed: false, intervals: 6, warmUpIntervals: 24, openIntervals: 1 });
      expect(summary.books.violations[0].interval).to.equal('2026-07-01T05:00:00Z');
      // No row of it anywhere: the tables hold the reported quarter day.
      expect(rows(dir, 'intervals.csv').map((r) => r.interval_start)[0]).to.equal('2026-07-02T00:00:00Z');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a monthly demand charge bills the reported day\'s own peak: the warm-up\'s peaks are no part of the month to date (bills start at start)', async () => {
    // test/fixtures/scenarios/monthly-demand.yaml moved to 31 July for one day, after a warm-up day in the same month.
    const doc = parseYaml(readFileSync(join(REPO_ROOT, 'test/fixtures/scenarios/monthly-demand.yaml'), 'utf8')) as Record<string, unknown>;
    const dir = await run({ ...doc, start: '2026-07-31T00:00:00Z', days: 1, warmUpDays: 1 });
    try {
      const bills = rows(dir, 'bills.csv').filter((b) => b.tariff === 'monthly');
      expect(bills.map((b) => b.day)).to.deep.equal(['2026-07-31', '2026-07-31', '2026-07-31', '2026-07-31']);
      for (const b of bills) {
        // By hand: 9 /kW × the day's highest 15-minute import (one interval a window), from the customer's meter in agents.csv.
        const peakKw = Math.max(0, ...rows(dir, 'agents.csv').filter((r) => r.agent_id === b.agent_id).map((r) => Number(r.actual_kw)));
        expect(peakKw, b.agent_id).to.be.greaterThan(0);
        expect(Number(b.demand_charge), b.agent_id).to.be.closeTo(9 * peakKw, 1e-9);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retail competition: a customer that changed retailer in the warm-up starts the reported period with its new retailer; the move counts nowhere', async () => {
    // test/tariffs/retailerSwitching.spec.ts's two retailers: h leaves r1's dear tariff for r2's cheap one at the first day's close.
    const doc = {
      // The site on UTC: the reported start is local midnight, so its billing days are whole local days in both runs (a start
      // off local midnight opens a partial billing day in the warm-up run that the longer run bills whole).
      name: 'two-retailers', start: '2026-07-02T00:00:00Z', days: 2, warmUpDays: 1, intervalMinutes: 60, seed: 2, site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 },
      tariffs: [{ id: 'dear', type: 'flat', energyPricePerKwh: 0.9, fixedChargePerDay: 0.3 }, { id: 'mid', type: 'flat', energyPricePerKwh: 0.5, fixedChargePerDay: 0.3 }, { id: 'cheap', type: 'flat', energyPricePerKwh: 0.1, fixedChargePerDay: 0.1 }],
      agents: [
        { kind: 'generator', id: 'plant', offers: [{ kw: 50, priceMwh: 40 }] },
        { kind: 'retailer', id: 'r1', tariffs: ['dear', 'mid'] },
        { kind: 'retailer', id: 'r2', tariffs: ['cheap'] },
        { kind: 'home', id: 'h', retailer: 'r1', tariff: 'dear', tariffChoice: { rationality: 100, inertia: 0, among: 'every-retailer' } },
        { kind: 'home', id: 'h2', retailer: 'r2', tariff: 'cheap' },
      ],
    };
    const dir = await run(doc);
    const long = await run({ ...doc, start: '2026-07-01T00:00:00Z', days: 3, warmUpDays: 0 });
    try {
      for (const f of [...TABLES, 'bills.csv']) expect(linesFrom(dir, f, '2026-07-02'), f).to.deep.equal(linesFrom(long, f, '2026-07-02'));
      expect(rows(dir, 'bills.csv').map((b) => `${b.day} ${b.agent_id} ${b.tariff}`)).to.deep.equal(['2026-07-02 h cheap', '2026-07-02 h2 cheap', '2026-07-03 h cheap', '2026-07-03 h2 cheap']);
      expect(rows(dir, 'agents.csv').filter((r) => r.agent_id === 'h').every((r) => r.via === 'r2')).to.equal(true);
      const retail = JSON.parse(text(dir, 'summary.json')).kpis.retail;
      expect(retail.retailerSwitches).to.equal(0);
      expect(retail.tariffSwitches).to.equal(0);
      expect(retail.customersByRetailer).to.deep.equal({ r1: [0, 0], r2: [2, 2] });
      expect(JSON.parse(text(long, 'summary.json')).kpis.retail.retailerSwitches).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(long, { recursive: true, force: true });
    }
  });

  it('gridbid validate says the run has a warm-up, and notes a 10-of-10 operator without two weeks of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-warmup-validate-'));
    try {
      const validate = async (warmUpDays: number) => {
        const file = join(dir, `w${warmUpDays}.yaml`);
        writeFileSync(file, stringify(street(START, 1, warmUpDays)));
        const r = await gridbidInProcess(['validate', file]);
        expect(r.status, r.stderr).to.equal(0);
        return r.stdout.replaceAll(file, 'FILE');
      };
      expect(await validate(14)).to.equal('FILE: ok (warm-up-street: 11 agents in 2 groups, 1 day(s) of 60-minute intervals after 14 warm-up day(s), simulated and reported nowhere)\n');
      expect(await validate(0)).to.equal(
        "FILE: ok (warm-up-street: 11 agents in 2 groups, 1 day(s) of 60-minute intervals)\n  note: 'dso' measures delivery against the ten-of-ten baseline (the 10 latest business days before an event without one): an event in the run's first two weeks averages fewer days, none on its first day (not settled); warmUpDays: 14 simulates that history before start, reported nowhere\n",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the size check counts the warm-up\'s intervals in memory (the engine keeps their history) and only the reported ones in the output', () => {
    const config = parseScenario(stringify(street(START, 2, 14)), 'w.yaml').config;
    const f = estimateFootprint(config);
    const cold = estimateFootprint({ ...config, warmUpDays: 0 });
    expect(f.intervals).to.equal(16 * 24);
    expect(cold.intervals).to.equal(2 * 24);
    expect(f.heapBytes - cold.heapBytes).to.equal(f.agents * 14 * 24 * HEAP_BYTES_PER_AGENT_INTERVAL);
    expect(f.outputBytes).to.equal(cold.outputBytes);
  });

  it('interrupted in the warm-up or after it: the files hold the reported intervals done, and the message counts both', async () => {
    const doc = { name: 'warm-stop', seed: 3, start: '2026-07-02T00:00:00Z', days: 1, warmUpDays: 1, intervalMinutes: 60, agents: [{ kind: 'generator', id: 'plant', offers: [{ kw: 50, priceMwh: 50 }] }, { kind: 'home', idPrefix: 'home', count: 3 }] };
    for (const stopAt of [10, 30]) {
      const dir = mkdtempSync(join(tmpdir(), 'gridbid-warmup-stop-'));
      try {
        const stop = new AbortController();
        const err = await runScenario(parseScenario(stringify(doc), 'warm-stop.yaml'), { outDir: dir, signal: stop.signal, onInterval: (done) => done === stopAt && stop.abort('SIGINT') }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(RunInterrupted);
        const r = err as RunInterrupted;
        expect([r.intervalsDone, r.intervals]).to.deep.equal([stopAt, 48]);
        const starts = new Set(text(dir, 'intervals.csv.partial').split('\n').slice(1).filter((l) => l !== '').map((l) => l.slice(0, 20)));
        expect(starts.size, `stopped at ${stopAt}`).to.equal(Math.max(0, stopAt - 24));
        const message = interruptedExit(r, dir, 24).message;
        if (stopAt === 10) expect(message).to.contain("in the run pass after 10 of 48 intervals (24 of them the warm-up's, still under way): 5 files cut off after their header (no reported interval done yet)");
        else expect(message).to.contain("in the run pass after 30 of 48 intervals (24 of them the warm-up's): 5 files cut off after interval 6 (");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('warmUpDays: 0 (or absent) writes what a scenario without the key writes, and summary.json has no warmUp', async () => {
    const doc = { name: 'cold', seed: 5, start: '2026-07-01T00:00:00Z', days: 0.25, intervalMinutes: 60, agents: [{ kind: 'generator', id: 'plant', offers: [{ kw: 50, priceMwh: 50 }] }, { kind: 'home', idPrefix: 'home', count: 3 }] };
    const a = await run(doc);
    const b = await run({ ...doc, warmUpDays: 0 });
    try {
      for (const f of readdirSync(a)) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).to.equal(true);
      const summary = JSON.parse(text(a, 'summary.json'));
      expect(summary).to.not.have.property('warmUp');
      expect(summary.books).to.not.have.property('warmUpIntervals');
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });
});

/**
 * scenarios/tariff-study/ (issue 5 item 6, issue 8): one population buying from one
 * retailer, under each of five tariffs in turn. The sweep must plan five valid runs
 * that differ only in the customers' tariff; then, on a shortened version (two days —
 * the first without a critical-peak event, the second with one — and about half the
 * population, same tariffs and values), the engine must show the behaviour the sweep
 * file's header reports at full size:
 *   - under the flat tariff every customer consumes about its no-flexibility baseline (the
 *     flat price is below every flexible value), so almost nothing is shifted;
 *   - time-of-use and critical-peak pricing empty the peak window (time-of-use every
 *     weekday, critical-peak on the event day) and shift energy out of it — and the
 *     load comes back when the window closes, higher than the flat tariff's peak
 *     (the rebound peak a tariff designer must watch for);
 *   - a demand charge lowers the peak itself;
 *   - the money closes: bills − market cost − balancing cost = the retailer's margin
 *     exactly, bills.csv adds up to the retailer's revenue, and the per-kind average
 *     bill is Σ bills ÷ customers.
 * Each run is the real engine and the real recorder (what `gridbid run` does), with one
 * more listener that keeps the population's consumption and baseline per interval.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { planBatch } from '../../batch/plan.ts';
import { parseScenario, type Scenario } from '../../engine/scenario/load.ts';
import { Simulation } from '../../engine/simulation.ts';
import { Recorder } from '../../output/recorder.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { inWindow, SWEEP, TARIFFS, type TariffId } from './tariffStudyCommon.ts';

const FOLDER = join(REPO_ROOT, 'scenarios/tariff-study');
/** The customer groups of population.yaml (idPrefix). */
const GROUPS = ['home-pv', 'home-ac', 'home', 'office', 'ev'];
/** The shortened population: per group. */
const SHORT_COUNTS: Record<string, number> = { 'home-pv': 24, 'home-ac': 24, home: 24, office: 2, ev: 10 };
const EVENT_DAY = '2026-07-15';

interface Study {
  readonly dir: string;
  readonly summary: { kpis: Record<string, any>; books: { closed: boolean } };
  /** Per interval: its start (ISO), the population's consumption and baseline, kW. */
  readonly starts: string[];
  readonly consumedKw: number[];
  readonly baselineKw: number[];
  /** Intervals where Σ of the agents' metered actual was not zero (quanta). */
  readonly unbalancedIntervals: number;
}

/** The run's scenario, shortened: two days and fewer agents per group. */
function shortened(s: Scenario): Scenario {
  const agents = s.config.agents.map((g) => {
    const prefix = 'idPrefix' in g ? g.idPrefix : undefined;
    return prefix !== undefined && SHORT_COUNTS[prefix] !== undefined ? ({ ...g, count: SHORT_COUNTS[prefix] } as typeof g) : g;
  });
  return { ...s, config: { ...s.config, days: 2, agents } };
}

async function run(scenario: Scenario, dir: string): Promise<Study> {
  const sim = await Simulation.create(scenario);
  const recorder = new Recorder(dir, sim.info, sim.rules);
  const starts: string[] = [];
  const consumedKw: number[] = [];
  const baselineKw: number[] = [];
  let unbalanced = 0;
  sim.run({
    interval(o) {
      recorder.interval(o);
      const q = o.book.rules.quantumKw;
      let d = 0;
      let b = 0;
      o.parties.forEach((p, i) => {
        if (p.role !== 'agent') return;
        d += o.ledger.consumedQuanta[i]! * q; // what the meters saw
        b += o.observations[i]!.baselineKw;
      });
      let physical = 0;
      o.parties.forEach((p, i) => {
        if (p.role === 'agent') physical += o.ledger.actualQuanta[i]!;
      });
      if (physical !== 0) unbalanced++;
      starts.push(new Date(o.interval.start).toISOString().replace('.000Z', 'Z'));
      consumedKw.push(d);
      baselineKw.push(b);
    },
    completed: (end) => recorder.completed(end),
  });
  const summary = recorder.finish({ scenarioFile: scenario.file }) as Study['summary'];
  return { dir, summary, starts, consumedKw, baselineKw, unbalancedIntervals: unbalanced };
}

/** The highest consumption among the intervals `pick` selects. */
const peakOf = (s: Study, pick: (iso: string) => boolean): number => Math.max(...s.consumedKw.filter((_, k) => pick(s.starts[k]!)));

describe('scenarios/tariff-study: one population under five tariffs', function () {
  this.timeout(180_000);

  it('the sweep plans five valid runs that differ only in the customers’ tariff, and reports the study’s columns', () => {
    const plan = planBatch(SWEEP);
    expect(plan.runs.map((r) => r.variant)).to.deep.equal([...TARIFFS]);
    const withoutTariffs = (text: string): string => text.replace(/^( *)tariff: \S+$/gm, '$1tariff: X');
    for (const r of plan.runs) {
      expect(r.error, r.id).to.equal(undefined);
      const cfg = parseScenario(r.text, r.file).config;
      const customers = cfg.agents.filter((g) => 'retailer' in g && g.retailer !== undefined);
      expect(customers.map((g) => ('idPrefix' in g ? g.idPrefix : g.id)), r.id).to.deep.equal(GROUPS);
      for (const g of customers) expect((g as { tariff?: string }).tariff, `${r.id} ${'idPrefix' in g ? g.idPrefix : ''}`).to.equal(r.variant);
      expect(withoutTariffs(r.text)).to.equal(withoutTariffs(plan.runs[0]!.text));
    }
    expect(plan.reportKpis).to.deep.equal([
      'retail.averageBillByKind.home',
      'retail.averageBillByKind.building',
      'retail.averageBillByKind.ev',
      'peakKw',
      'shiftedKwh',
      'reboundKwh',
      'retailers.power-retail.margin',
      'welfare',
    ]);
  });

  it('`gridbid batch scenarios/tariff-study/` runs the base scenario once (on flat) and the five sweep runs', () => {
    const plan = planBatch(FOLDER);
    expect(plan.runs.map((r) => r.id)).to.deep.equal(['population__seed-8', ...TARIFFS.map((t) => `sweep__${t}__seed-8`)]);
    for (const r of plan.runs) expect(r.error, r.id).to.equal(undefined);
  });

  describe('shortened: two days (the second a critical-peak event day), 84 customers', () => {
    let root: string;
    const study = {} as Record<TariffId, Study>;
    before(async () => {
      root = mkdtempSync(join(tmpdir(), 'gridbid-tariff-study-'));
      for (const r of planBatch(SWEEP).runs) study[r.variant as TariffId] = await run(shortened(parseScenario(r.text, r.file)), join(root, r.variant));
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    const kpis = (t: TariffId): Record<string, any> => study[t].summary.kpis;
    const day1 = (iso: string): boolean => iso.startsWith('2026-07-14');
    const eventDay = (iso: string): boolean => iso.startsWith(EVENT_DAY);

    it('shiftedKwh and reboundKwh are Σ max(0, baseline − consumed) · Δt and Σ max(0, consumed − baseline) · Δt of the population’s totals', () => {
      for (const t of TARIFFS) {
        const s = study[t];
        let shifted = 0;
        let rebound = 0;
        s.consumedKw.forEach((d, k) => {
          shifted += Math.max(0, s.baselineKw[k]! - d) * 0.25;
          rebound += Math.max(0, d - s.baselineKw[k]!) * 0.25;
        });
        expect(kpis(t).shiftedKwh, t).to.be.closeTo(shifted, 0.0015);
        expect(kpis(t).reboundKwh, t).to.be.closeTo(rebound, 0.0015);
        // What is shifted and not taken back was given up.
        expect(kpis(t).shiftedKwh - kpis(t).reboundKwh, t).to.be.closeTo(kpis(t).baselineKwh - kpis(t).demandKwh, 0.003);
        expect(Math.max(...s.consumedKw), t).to.be.closeTo(kpis(t).peakKw, 0.0015);
      }
    });

    it('flat: every customer consumes about its baseline — the flat 0.25/kWh is below every flexible value (≥ 0.30) — so under 1 % is shifted', () => {
      // Measured (main of 2026-12-06): 33 kWh of 4370. The rest: EVs start charging in the first interval they can bid for, not at
      // arrival within the interval as their baseline does, and comfort blocks round the setpoint.
      expect(kpis('flat').shiftedKwh).to.be.greaterThan(0);
      expect(kpis('flat').shiftedKwh).to.be.lessThan(0.01 * kpis('flat').baselineKwh);
      expect(kpis('flat').reboundKwh).to.be.lessThan(0.01 * kpis('flat').baselineKwh);
    });

    it('time-of-use: the peak window (14–19 UTC) loses 40 % of its peak every day and over 10 % of the energy is shifted; the load comes back at 19:00, above the flat peak', () => {
      // Measured (main of 2026-12-06): window peaks 106 and 102 kW against flat's 179 and 191; 778 kWh shifted, 989 back (pre-cooling, deferred runs, charging).
      for (const day of [day1, eventDay]) {
        const pick = (iso: string): boolean => day(iso) && inWindow(iso);
        expect(peakOf(study.tou, pick)).to.be.lessThan(0.6 * peakOf(study.flat, pick));
      }
      expect(kpis('tou').shiftedKwh).to.be.greaterThan(0.1 * kpis('tou').baselineKwh);
      expect(kpis('tou').shiftedKwh).to.be.greaterThan(20 * kpis('flat').shiftedKwh);
      // The rebound peak: the off-peak price starts at 19:00 UTC for everyone at once.
      expect(kpis('tou').peakKw).to.be.greaterThan(kpis('flat').peakKw);
      expect(kpis('tou').peakAt.slice(11)).to.equal('19:00:00Z');
    });

    it('critical-peak: no change on the day without an event; on the event day the window’s peak falls by more than 60 % and the load comes back at 19:00', () => {
      // Without an event the price (0.23) is below every flexible value, as flat's is: the same consumption, interval by interval.
      study.cpp.starts.forEach((iso, k) => {
        if (day1(iso)) expect(study.cpp.consumedKw[k], iso).to.be.closeTo(study.flat.consumedKw[k]!, 1e-6);
      });
      // Measured (main of 2026-12-06): 67 kW against flat's 191 in the event window; 281 kW at 19:00 against flat's peak of 191.
      const pick = (iso: string): boolean => eventDay(iso) && inWindow(iso);
      expect(peakOf(study.cpp, pick)).to.be.lessThan(0.4 * peakOf(study.flat, pick));
      expect(kpis('cpp').peakKw).to.be.greaterThan(kpis('flat').peakKw);
      expect(kpis('cpp').peakAt).to.equal(`${EVENT_DAY}T19:00:00Z`);
      expect(kpis('cpp').shiftedKwh).to.be.greaterThan(10 * kpis('flat').shiftedKwh);
    });

    it('demand charge: the peak itself is lower than under flat (load above the day’s running peak must be worth 0.48/kWh more)', () => {
      // Measured (main of 2026-12-06): 162 kW against 191.
      expect(kpis('demand').peakKw).to.be.lessThan(kpis('flat').peakKw);
    });

    it('real-time: each customer’s price is the interval’s market price + 0.17/kWh (170/MWh; floor and cap not reached)', () => {
      const intervals: Record<string, string>[] = parse(readFileSync(join(study.rtp.dir, 'intervals.csv')), { columns: true });
      const market = new Map(intervals.map((r) => [r.interval_start!, Number(r.price)]));
      const agents: Record<string, string>[] = parse(readFileSync(join(study.rtp.dir, 'agents.csv')), { columns: true });
      const customers = agents.filter((r) => r.kind !== 'generator' && r.kind !== 'retailer');
      expect(customers).to.have.length(84 * 192);
      for (const r of customers) expect(Number(r.price), `${r.agent_id} ${r.interval_start}`).to.be.closeTo(market.get(r.interval_start!)! + 170, 1e-6);
    });

    it('money: bills − market cost − imbalance cost = margin exactly; bills.csv adds up to the revenue and to each kind’s average bill (Σ ÷ customers, to the cent half-even)', () => {
      for (const t of TARIFFS) {
        const r = kpis(t).retailers['power-retail'];
        expect(new Decimal(r.revenue).minus(r.marketCost).minus(r.imbalanceCost).equals(r.margin), `${t} margin`).to.equal(true);
        const bills: Record<string, string>[] = parse(readFileSync(join(study[t].dir, 'bills.csv')), { columns: true });
        // One bill per customer and billing day: the 48 hours from 00:00 UTC (02:00 local at UTC+2) are three local days, the
        // first from 02:00 and the last to 02:00 (engine/billingDays.ts).
        expect(bills.length, t).to.equal(84 * 3);
        expect([...new Set(bills.map((b) => b.day))], t).to.deep.equal(['2026-07-14', '2026-07-15', '2026-07-16']);
        expect(bills.every((b) => b.tariff === t), `${t} tariff`).to.equal(true);
        expect(bills.reduce((sum, b) => sum.plus(b.total!), new Decimal(0)).equals(r.revenue), `${t} revenue`).to.equal(true);
        const byKind = new Map<string, { total: Decimal; customers: Set<string> }>();
        for (const b of bills) {
          const k = byKind.get(b.kind!) ?? { total: new Decimal(0), customers: new Set<string>() };
          k.total = k.total.plus(b.total!);
          k.customers.add(b.agent_id!);
          byKind.set(b.kind!, k);
        }
        expect([...byKind.keys()].sort(), t).to.deep.equal(['building', 'ev', 'home']);
        for (const [kind, k] of byKind) expect(k.total.div(k.customers.size).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toString(), `${t} ${kind}`).to.equal(kpis(t).retail.averageBillByKind[kind]);
        expect(study[t].summary.books, `${t} books`).to.include({ closed: true });
        expect(study[t].unbalancedIntervals, `${t}: Σ actual over the agents`).to.equal(0);
        expect(kpis(t).agentFaults, t).to.deep.equal([]);
      }
    });

    it('report.html shows the retail bills and the retailer’s margin', () => {
      for (const t of TARIFFS) {
        const html = readFileSync(join(study[t].dir, 'report.html'), 'utf8');
        expect(html, t).to.contain('<h2>Retail bills and margins</h2>');
        expect(html, t).to.contain(`<td>${kpis(t).retailers['power-retail'].margin}</td>`);
        expect(html, t).to.contain(`<td>${kpis(t).retail.bills[t].byKind.home.averagePerCustomer} (72)</td>`);
      }
    });
  });
});

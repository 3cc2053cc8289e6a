/**
 * Every figure of summary.json's `kpis` restarts at `start` after a warm-up (engine/warmUp.ts): a mechanical guard,
 * leaf by leaf, so that an accumulator added later that forgets to start again at `start` (in the recorder, the retail
 * desk, the grid room or anywhere else) fails here without anyone having to name it.
 *
 * Three runs of one scenario: W reports day 3 after a 2-day warm-up; L is the same scenario run for the 3 days; P is its
 * first 2 days alone (a prefix of L: checked, table by table). What W reports is then L less P, leaf by leaf:
 * a sum over the intervals (the default) is L = P + W, a peak is L = max(P, W), a minimum L = min(P, W), a list
 * concatenates; a handful of leaves are no sum (the agents of a kind, the customers of a tariff: the same in all three;
 * ratios of two sums: checked through their parts) and are named below with why. A leaf this spec does not know and
 * that is no sum fails as a sum does, so a new one must be classified here. A forgotten reset makes W's leaf L's, so
 * P + W ≠ L wherever the warm-up added anything; the spec also checks that the warm-up did add to most of them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { stringify } from 'yaml';
import { runScenario } from '../../engine/run.ts';
import { parseScenario } from '../../engine/scenario/load.ts';

const TABLES = ['intervals.csv', 'agents.csv', 'flows.csv', 'events.csv', 'rejections.csv', 'bills.csv'];
const S = '2026-07-15T00:00:00Z';
const BEFORE = '2026-07-13T00:00:00Z';

/**
 * A street behind a 6 kW transformer that overloads every evening (the operator commands, pays and counts every day), homes
 * with flexible load, retail customers on a flat tariff (with tariff choice) and a daily demand charge, a battery, V2G cars,
 * an aggregator's members, an office: every accumulator of summary.json has something to add on every day.
 */
function street(start: string, days: number, warmUpDays: number): Record<string, unknown> {
  return {
    name: 'kpi-restart', seed: 7, start, days, warmUpDays, intervalMinutes: 60,
    site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 },
    market: { mechanism: 'double-auction' },
    tariffs: [
      { id: 'flat', type: 'flat', energyPricePerKwh: 0.25, fixedChargePerDay: 0.4 },
      { id: 'dd', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.18 }, demandChargePerKw: 9, demandWindowMinutes: 60, demandPeriod: 'day' },
    ],
    network: { baseKva: 1000, buses: [{ id: 'grid', reference: true }, { id: 'street' }], branches: [{ id: 'head', kind: 'transformer', from: 'grid', to: 'street', reactancePu: 0.05, limitKw: 6 }] },
    operations: [{ id: 'dso', watch: ['head'], eventPriceMwh: 300, v2g: true }],
    agents: [
      { kind: 'generator', id: 'plant', bus: 'grid', offers: [{ kw: 500, priceMwh: 60 }, { kw: 100, priceMwh: 140 }] },
      { kind: 'home', idPrefix: 'home', count: 4, bus: 'street', flexibility: { share: 0.3, valueMwh: { min: 50, max: 600 }, blocks: 2 } },
      { kind: 'retailer', id: 'retail', tariffs: ['flat', 'dd'] },
      { kind: 'home', idPrefix: 'c', count: 2, bus: 'street', retailer: 'retail', tariff: 'flat', tariffChoice: { rationality: 20, inertia: 0 } },
      { kind: 'home', idPrefix: 'd', count: 2, bus: 'street', retailer: 'retail', tariff: 'dd' },
      { kind: 'storage', idPrefix: 'battery', count: 1, bus: 'street', capacityKwh: 10, maxChargeKw: 3, maxDischargeKw: 3 },
      { kind: 'ev', idPrefix: 'ev', count: 2, bus: 'street', sessions: 'home', v2gShare: 1 },
      { kind: 'aggregator', id: 'agg', contract: { type: 'pass-through', feePerKwh: 0.015 } },
      { kind: 'home', idPrefix: 'ah', count: 2, bus: 'street', aggregator: 'agg' },
      { kind: 'building', idPrefix: 'office', count: 1, bus: 'street' },
    ],
  };
}

/**
 * A radial LinDistFlow feeder (losses settled, voltages, reliability counts) with a day-ahead stage (kpis.dayAhead), a
 * battery and cars scheduled day-ahead, retail customers: the leaves the street has not (feeder, losses, dayAhead,
 * operations.reliability).
 */
function feeder(start: string, days: number, warmUpDays: number): Record<string, unknown> {
  return {
    name: 'kpi-restart-feeder', seed: 11, start, days, warmUpDays, intervalMinutes: 60,
    site: { latitude: 52.37, longitude: 4.9, utcOffsetHours: 0 },
    market: { mechanism: 'lp', timeline: ['dayAhead', 'realTime'] },
    tariffs: [{ id: 'flat', type: 'flat', energyPricePerKwh: 0.25, fixedChargePerDay: 0.4 }],
    network: {
      model: 'lindistflow', feeder: { voltageLimitsPu: { min: 0.9, max: 1.1 } }, baseKva: 100,
      buses: [{ id: 'grid', reference: true }, { id: 'mid' }, { id: 'end' }],
      branches: [{ id: 'l1', from: 'grid', to: 'mid', resistancePu: 0.03, reactancePu: 0.015, limitKw: 30 }, { id: 'l2', from: 'mid', to: 'end', resistancePu: 0.05, reactancePu: 0.025, limitKw: 20 }],
    },
    agents: [
      { kind: 'generator', id: 'wholesale', bus: 'grid', offers: [{ kw: 200, priceMwh: 45 }], takes: [{ kw: 100, priceMwh: 20 }] },
      { kind: 'home', idPrefix: 'pv', count: 4, bus: 'end', pv: { share: 1, capacityKw: { min: 3, max: 6 } } },
      { kind: 'home', idPrefix: 'mid', count: 4, bus: 'mid', hvac: { share: 1, mode: 'cool' } },
      { kind: 'retailer', id: 'retail', tariffs: ['flat'] },
      { kind: 'home', idPrefix: 'c', count: 3, bus: 'end', retailer: 'retail', tariff: 'flat' },
      { kind: 'storage', idPrefix: 'battery', count: 1, bus: 'end', capacityKwh: 10, maxChargeKw: 3, maxDischargeKw: 3 },
      { kind: 'ev', idPrefix: 'ev', count: 3, bus: 'end', sessions: 'home', v2gShare: 1 },
    ],
  };
}

type Leaves = Map<string, unknown>;
/** summary.json `kpis` as path → leaf (a number, a text or a list). */
function leaves(o: unknown, path = '', out: Leaves = new Map()): Leaves {
  if (o !== null && typeof o === 'object' && !Array.isArray(o)) for (const [k, v] of Object.entries(o)) leaves(v, path === '' ? k : `${path}.${k}`, out);
  else out.set(path, o);
  return out;
}

/** How a leaf over P's days and W's combines into L's; every leaf not matched here is a sum. */
type Rule = 'sum' | 'max' | 'min' | 'at' | 'same' | 'concat' | 'ratio';
const RULES: Array<readonly [RegExp, Rule, string]> = [
  [/^(peakKw|baselinePeakKw|maxPriceMwh)$|^feeder\.(highestVoltagePu|meteredHighestVoltagePu|maxLinDistFlowErrorPu)\.value$/, 'max', 'the highest interval'],
  [/^minPriceMwh$|^feeder\.(worstVoltagePu|meteredWorstVoltagePu)\.value$/, 'min', 'the lowest interval'],
  [/^peakAt$|^feeder\.[^.]+\.(bus|at)$/, 'at', 'where and when the extreme beside it is (peakKw, or the sibling value)'],
  [/^byKind\.[^.]+\.count$|^operations\.reliability\.customers$/, 'same', 'agents of a kind, customers on a feeder: not a sum over time'],
  [/^retail\.bills\.[^.]+(\.byKind\.[^.]+)?\.customers$/, 'same', 'the customers billed on a tariff (nobody changes tariff here: the same in all three)'],
  [/^losses\.(buyer|seller)$/, 'same', 'the losses stage\'s parties (names)'],
  [/^isolatedAgents$/, 'same', 'agents isolated by the end (none here)'],
  [/^(peakReductionKw|peakReductionPct|averagePriceMwh)$|averagePerCustomer$|^retail\.averageBillByKind\.|^operations\.reliability\.(saifi|saidiMinutes)$/, 'ratio', 'a ratio or difference of other leaves, each checked'],
  [/^(clearingProblems|agentFaults|dayAhead\.failedDays)$/, 'concat', 'a list over the intervals (or the delivery days)'],
];
const ruleOf = (path: string): Rule => RULES.find(([re]) => re.test(path))?.[1] ?? 'sum';
/** For an `at` leaf: the leaf holding the extreme it locates, and whether the extreme is a maximum. */
const extremeOf = (path: string): { value: string; max: boolean } => (path === 'peakAt' ? { value: 'peakKw', max: true } : { value: path.replace(/\.(bus|at)$/, '.value'), max: ruleOf(path.replace(/\.(bus|at)$/, '.value')) === 'max' });

async function run(doc: Record<string, unknown>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-warmup-kpis-'));
  await runScenario(parseScenario(stringify(doc), 'kpi-restart.yaml'), { outDir: dir });
  return dir;
}
const lines = (dir: string, f: string): string[] => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== '');

for (const [what, scenario, mustBite] of [
  ['a street with an operator, retail, storage, cars and an aggregator', street, ['operations.demandResponse.dso.committedKwh', 'operations.overloadIntervalsWithoutOperator', 'retail.bills.flat.total', 'retail.bills.dd.total', 'retailers.retail.revenue', 'aggregators.agg.feeIncome']],
  ['a LinDistFlow feeder with losses and a day-ahead stage', feeder, ['dayAhead.buyersPay', 'losses.kwh', 'losses.buyersPay', 'feeder.lossesKwh', 'retail.bills.flat.total']],
] as const) {
describe(`warm-up: every KPI leaf of summary.json restarts at start (W = L − P, leaf by leaf): ${what}`, function () {
  this.timeout(120_000);
  let w: string;
  let l: string;
  let p: string;
  before(async () => {
    w = await run(scenario(S, 1, 2));
    l = await run(scenario(BEFORE, 3, 0));
    p = await run(scenario(BEFORE, 2, 0));
  });
  after(() => {
    for (const d of [w, l, p]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('P is the first two days of L and W its third, in every table (so L − P is what W must report)', () => {
    // But for the operator's notices of overloads it forecasts beyond P's end (intervals 48 on), which only L has: no figure counts them.
    const beyondP = (x: string) => /,EVENT_NOTICE,.*overload forecast for interval (\d+)$/.exec(x)?.[1] !== undefined && Number(/interval (\d+)$/.exec(x)![1]) >= 48;
    for (const f of TABLES) {
      const long = lines(l, f);
      const cut = f === 'bills.csv' ? S.slice(0, 10) : S;
      expect(lines(p, f), `${f}: P = L's first days`).to.deep.equal(long.filter((x, i) => i === 0 || (x.slice(0, cut.length) < cut && !beyondP(x))));
      expect(lines(w, f), `${f}: W = L's last day`).to.deep.equal(long.filter((x, i) => i === 0 || x.slice(0, cut.length) >= cut));
    }
  });

  it('every leaf of W\'s kpis is L\'s less P\'s, by its rule; the warm-up added to most sums (the guard has teeth)', () => {
    const read = (dir: string) => leaves(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).kpis);
    const [W, L, P] = [read(w), read(l), read(p)];
    expect([...W.keys()], 'the same leaves in W and L').to.deep.equal([...L.keys()]);
    const problems: string[] = [];
    const vacuous: string[] = [];
    const num = (x: unknown) => new Decimal(x as string | number);
    for (const [path, wv] of W) {
      const lv = L.get(path);
      const pv = P.has(path) ? P.get(path) : typeof lv === 'string' ? '0' : Array.isArray(lv) ? [] : 0;
      const rule = ruleOf(path);
      const bad = (expected: unknown) => problems.push(`${path} (${rule}): L = ${JSON.stringify(lv)}, P = ${JSON.stringify(pv)}, W = ${JSON.stringify(wv)}; expected L = ${JSON.stringify(expected)}`);
      if (rule === 'ratio') continue;
      if (rule === 'same') {
        if (JSON.stringify(wv) !== JSON.stringify(lv)) bad(wv);
      } else if (rule === 'concat') {
        if (JSON.stringify([...(pv as unknown[]), ...(wv as unknown[])]) !== JSON.stringify(lv)) bad('P ++ W');
      } else if (rule === 'at') {
        // L's extreme is P's or W's (the earlier one, P's, on a tie: the accumulators keep the first).
        const { value, max } = extremeOf(path);
        const [pe, we] = [num(P.get(value) as number), num(W.get(value) as number)];
        if (lv !== ((max ? pe.gte(we) : pe.lte(we)) ? pv : wv)) bad(`P's or W's, where ${value} is L's`);
      } else if (wv === null || lv === null || typeof wv === 'boolean' || Array.isArray(wv)) {
        if (JSON.stringify(wv) !== JSON.stringify(lv) || JSON.stringify(pv) !== JSON.stringify(lv)) bad(`${rule} of a ${JSON.stringify(wv)}: classify it`);
      } else {
        const [a, b, c] = [num(pv as number), num(wv as number), num(lv as number)];
        const expected = rule === 'max' ? Decimal.max(a, b) : rule === 'min' ? Decimal.min(a, b) : a.plus(b);
        // Money is exact (text); kWh and the like are rounded to 3 decimals (welfare to 2) on each side.
        const tolerance = typeof lv === 'string' || (a.isInteger() && b.isInteger() && c.isInteger()) ? 0 : 0.015;
        if (expected.minus(c).abs().gt(tolerance)) bad(expected.toString());
        if (rule === 'sum' && a.isZero()) vacuous.push(path);
      }
    }
    expect(problems, problems.join('\n')).to.deep.equal([]);
    // The leaves the warm-up days added nothing to (a forgotten reset there would go unseen): a few, and named.
    expect(vacuous.length, `sums the warm-up added nothing to: ${vacuous.join(', ')}`).to.be.below(W.size / 3);
    // Those the engine keeps (the operator's and the retail desk's totals, not the recorder's) are among those with teeth.
    for (const path of mustBite) {
      expect(W.has(path), `${path} is a leaf`).to.equal(true);
      expect(vacuous, path).to.not.include(path);
    }
  });
});
}

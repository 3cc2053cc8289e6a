/**
 * `npm run bench -- day-ahead`: one day-ahead clearing of a full day — 96 intervals of
 * 15 minutes, 10,000 simple bids per interval (2 segments each) and 1,000 intertemporal
 * bids (500 batteries over the whole day, 500 EVs with evening-to-morning windows) on the
 * 30-bus feeder of scenarios/evening-peak.yaml, with HiGHS — against the baseline measured
 * in the same run: the same simple bids validated into a book and cleared one interval at a
 * time with `clearNetwork` (what a market without day-ahead does), 96 times. Target: the day in ≤ 3 s.
 *
 * The row notes say what bounds the day: the model's size (rows × columns, non-zeros)
 * and the time of each step — prepare (validation, aggregation, build), solve, read back.
 *
 * Measured here (CPU time, `process.cpuUsage`, on a machine shared by a load of 15 on 2
 * cores, 8 and 16 of the 96 intervals): the programme is 1,270 rows × 21,000 columns per
 * interval (10k bids → 20k segments → 19k columns: prices to the cent rarely coincide, so
 * aggregation saves 4 %), and HiGHS takes 0.6 s per interval of horizon whatever its
 * method (dual simplex 6.0 s, interior point 5.6 s, simplex with presolve 12.2 s for 8
 * intervals), against 0.12–0.18 s per interval cleared alone; prepare (validation,
 * aggregation, build) 0.26–0.38 s and read-back 0.19–0.22 s in all. The whole day
 * (121,796 rows × 2,018,569 columns, 2.3M non-zeros) is therefore bound by the solve, about
 * a minute, and the 3 s target is out of reach this way (see the report of issue 12).
 *
 * The bids: loads at every bus but the transformer's primary, 0.01–0.2 kW segments at
 * prices N(120, 50) and N(60, 30); supply at `grid` (the wholesale merit order), the
 * solar park at n5 and the gas engine at n8, prices following the scenario's published
 * day-ahead curve ± N(0, 15); prices to the cent, so few segments share a price.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { RandomService, type Rng } from '../core/rng.ts';
import { agentId, busId } from '../core/units.ts';
import { clearNetwork } from '../market/clearNetwork.ts';
import { buildOrderBook } from '../market/orderBook.ts';
import { prepareDayAhead, readBackDayAhead, solveDayAhead } from '../market/dayAhead/clear.ts';
import type { DayAheadBook, IntertemporalBid } from '../market/dayAhead/types.ts';
import { loadSolver } from '../market/lp/loadSolver.ts';
import { type Bid, DEFAULT_RULES } from '../market/types.ts';
import { networkFromConfig, networkSchema } from '../network/schema.ts';
import { TopologyCache } from '../network/topology.ts';
import type { BenchRow, BenchSuite } from './harness.ts';

const INTERVALS = 96;
const DT = 0.25;
const SIMPLE_BIDS = 10_000;
const BATTERIES = 500;
const EVS = 500;

/** The scenario's published day-ahead curve by hour, currency/MWh. */
const PRIOR_BY_HOUR = [50, 48, 46, 45, 46, 50, 55, 58, 55, 50, 46, 44, 44, 46, 52, 70, 110, 140, 150, 130, 95, 70, 60, 54];

export function dayAheadBook(rng: Rng, busIds: readonly string[]): DayAheadBook {
  const loadBuses = busIds.filter((b) => b !== 'grid');
  const bids: Bid[] = [];
  const r2 = (v: number): number => Math.round(v * 100) / 100;
  const kw = (): number => Math.round(rng.uniform(0.01, 0.2) * 1000) / 1000;
  for (let t = 0; t < INTERVALS; t++) {
    const prior = PRIOR_BY_HOUR[Math.floor((t * DT) % 24)]!;
    for (let b = 0; b < SIMPLE_BIDS; b++) {
      const sell = b % 5 === 0;
      const bus = sell ? (b % 15 === 0 ? (b % 2 ? 'n5' : 'n8') : 'grid') : loadBuses[rng.int(0, loadBuses.length - 1)]!;
      const p = sell ? rng.clippedNormal(prior, 15, 0, 3000) : rng.clippedNormal(120, 50, 0, 3000);
      const q = sell ? 5 * kw() : kw();
      bids.push({
        id: `b${t}-${b}`,
        agentId: agentId(`a${b}`),
        bus: busId(bus),
        interval: t,
        segments: [
          { side: sell ? 'sell' : 'buy', priceMwh: r2(p), quantityKw: q },
          { side: sell ? 'sell' : 'buy', priceMwh: r2(sell ? p + 20 : p - 40), quantityKw: q },
        ],
      });
    }
  }
  const its: IntertemporalBid[] = [];
  for (let i = 0; i < BATTERIES; i++) {
    const cap = rng.uniform(5, 15);
    its.push({
      kind: 'storage',
      id: `bat${i}`,
      agentId: agentId(`bat${i}`),
      bus: busId(loadBuses[rng.int(0, loadBuses.length - 1)]!),
      capacityKwh: cap,
      minSocKwh: cap * 0.1,
      maxSocKwh: cap,
      maxChargeKw: 5,
      maxDischargeKw: 5,
      chargeEfficiency: 0.95,
      dischargeEfficiency: 0.95,
      initialSocKwh: cap * 0.5,
      finalSocMinKwh: cap * 0.5,
      terminalValueMwh: 60,
      degradationCostPerMwh: 20,
    });
  }
  for (let i = 0; i < EVS; i++) {
    const arrive = rng.int(56, 80); // 14:00–20:00 of a day starting at 00:00
    const leave = Math.min(INTERVALS - 1, arrive + rng.int(20, 40));
    its.push({
      kind: 'ev',
      id: `ev${i}`,
      agentId: agentId(`ev${i}`),
      bus: busId(loadBuses[rng.int(0, loadBuses.length - 1)]!),
      firstInterval: arrive,
      lastInterval: leave,
      capacityKwh: 60,
      minSocKwh: 12,
      maxSocKwh: 54,
      maxChargeKw: 11,
      maxDischargeKw: i % 2 ? 11 : 0,
      chargeEfficiency: 0.9,
      dischargeEfficiency: 0.9,
      initialSocKwh: rng.uniform(15, 30),
      energyNeededKwh: rng.uniform(5, 20),
      needValueMwh: 400,
      degradationCostPerMwh: 35,
    });
  }
  return { horizon: { firstInterval: 0, intervalCount: INTERVALS, durationH: DT }, rules: DEFAULT_RULES, bids, intertemporalBids: its };
}

async function run(): Promise<BenchRow[]> {
  const highs = await loadSolver('highs');
  const scenario = parse(readFileSync('scenarios/evening-peak.yaml', 'utf8')) as { network: unknown };
  const network = networkFromConfig(networkSchema.parse(scenario.network));
  const rng = new RandomService(12).stream('bench', 'day-ahead');
  const book = dayAheadBook(rng, network.buses.map((b) => b.id));
  const topologyCache = new TopologyCache();
  const market = { network, solver: highs, topologyCache, trustedIdentities: true };

  const buses = network.buses.map((b) => b.id);
  const bidsByInterval: Bid[][] = Array.from({ length: INTERVALS }, () => []);
  for (const b of book.bids) bidsByInterval[b.interval]!.push(b);
  // One round: a day takes seconds to minutes, and the baseline is measured right before it, on the same machine load.
  const rounds = 1;
  const day: number[] = [];
  const prepareMs: number[] = [];
  const solveMs: number[] = [];
  const readMs: number[] = [];
  const singles: number[] = [];
  let last: ReturnType<typeof readBackDayAhead> | undefined;
  let size = '';
  for (let r = 0; r < rounds; r++) {
    // Baseline: the same simple bids, one interval at a time (validated into a book, then cleared), as the day-ahead run validates them too.
    const s0 = performance.now();
    for (let t = 0; t < INTERVALS; t++) {
      const { book: bk } = buildOrderBook(bidsByInterval[t]!, { interval: t, durationH: DT, rules: book.rules, buses, isKnownAgent: () => true, trustedIdentities: true });
      const res = clearNetwork(bk, network, highs, { topologyCache });
      if (res.status !== 'cleared') throw new Error(`day-ahead bench baseline: ${res.status} ${res.message}`);
    }
    singles.push(performance.now() - s0);

    const t0 = performance.now();
    const prepared = prepareDayAhead(book, market);
    const t1 = performance.now();
    const solution = solveDayAhead(prepared);
    const t2 = performance.now();
    last = readBackDayAhead(prepared, solution);
    const t3 = performance.now();
    if (last.status !== 'cleared') throw new Error(`day-ahead bench: ${last.status} ${last.message}`);
    prepareMs.push(t1 - t0);
    solveMs.push(t2 - t1);
    readMs.push(t3 - t2);
    day.push(t3 - t0);
    const z = prepared.size;
    size = `LP ${z.rows.toLocaleString('en-US')} rows × ${z.cols.toLocaleString('en-US')} cols, ${z.nonzeros.toLocaleString('en-US')} nnz (${z.simpleSegments.toLocaleString('en-US')} simple segments → ${z.simpleColumns.toLocaleString('en-US')} columns)`;
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const congested = last!.intervals.filter((iv) => iv.flows.some((f) => f.shadowPriceMwh > 0)).length;
  const note = `${size}; prepare ${med(prepareMs).toFixed(0)} ms, solve ${med(solveMs).toFixed(0)} ms, read back ${med(readMs).toFixed(0)} ms; ${congested}/96 intervals congested; ${rounds} round(s)`;
  return [
    { suite: 'day-ahead', case: 'clearDayAhead: 96 × 15 min, 10k bids/interval + 1k storage/EV, 30-bus feeder', ms: med(day), baseline: '96 × (book + clearNetwork), same simple bids', baselineMs: med(singles), note },
    { suite: 'day-ahead', case: 'clearDayAhead full day (target)', ms: med(day), target: { max: 3000, of: 'ms' }, note: 'same measurement, against the 3 s target' },
  ];
}

export const suite: BenchSuite = { name: 'day-ahead', run };

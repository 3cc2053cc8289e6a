/**
 * `npm run bench -- feeder`: radial feeders on case141 (MATPOWER, 141 buses), and a dense book on case33bw.
 * - LinDistFlow clearing (`clearNetwork` with `feeder`: aggregation, the LinDistFlow LP with
 *   voltage limits and reactive power, prices, rounding) of 10,000 bid segments, against the
 *   DC clearing of the same book on the same network, interleaved. Target ≤ 2×. In this book no
 *   limit binds; a second row, for comparison, clears a book where the voltage limit does.
 *   HiGHS's dual simplex takes about one iteration per row from its slack basis, and the whole
 *   LinDistFlow LP has twice the DC LP's rows (a voltage-drop row per branch): that was most of the
 *   ratio. The drop rows no dispatch of the book can make bind are left out (market/lp/voltageSlack.ts):
 *   here all of them, 141 rows as DC; in the second row those of 19 buses (262 rows).
 * - A dense book on a small feeder, 30k segments on case33bw (~800 columns a bus): the windowed
 *   LinDistFlow solve that `clearNetwork` takes for it, against the whole LP (comparison, no target).
 * - A book at mixed power factors on the README's line (4 buses, voltages at both limits, prices in
 *   the thousands): 7,600 small buys, the odd cents at power factor 0.99, windowed against the whole
 *   LP (comparison, no target). A few kW of one class there decide which limit binds.
 * - One AC backward/forward sweep (to 1e-10) at case141's own loads: target ≤ 1 ms, and its
 *   ratio to the LinDistFlow closed form at the same loads in the same run.
 */
import { fileURLToPath } from 'node:url';
import { RandomService } from '../core/rng.ts';
import { agentId, type BusId, busId } from '../core/units.ts';
import { clearNetworkDetailed } from '../market/clearNetwork.ts';
import { readMatpowerFile } from '../market/lp/cases/matpower.ts';
import { matpowerFeederOpf } from '../market/lp/cases/matpowerFeeder.ts';
import { dispatchFeeder, type FeederDispatchResult, type FeederProblem } from '../market/lp/feederDispatch.ts';
import type { LpSolver } from '../market/lp/solver.ts';
import { dispatchFeederWindowed } from '../market/lp/windowedFeederDispatch.ts';
import { loadSolver } from '../market/lp/loadSolver.ts';
import { OrderBookBuilder } from '../market/orderBook.ts';
import { type BidSegment, DEFAULT_RULES, type OrderBook, type Side } from '../market/types.ts';
import { acSweep } from '../network/acSweep.ts';
import { linDistFlow } from '../network/linDistFlow.ts';
import { TopologyCache } from '../network/topology.ts';
import { measure, measurePair, type BenchRow, type BenchSuite } from './harness.ts';
import { tanPhi } from '../market/feederGrid.ts';
import { radialFeeder } from '../network/radial.ts';
import { offersFromList, readmeReactiveLine } from '../test/helpers/lpNetworks.ts';

const CASE141 = fileURLToPath(new URL('../test/fixtures/refcases/matpower/case141.m', import.meta.url));
const CASE33 = fileURLToPath(new URL('../test/fixtures/refcases/matpower/case33bw.m', import.meta.url));
const SEGMENTS = 10_000;
const DENSE_SEGMENTS = 30_000;

/**
 * The bench's book: bids of 10 segments at random buses, as the lp bench: half buying at N(70, 40),
 * half selling at N(50, 40); quantities log-normal around 3 kW × `scale` (≈ 15 MW each side at 1;
 * case141's own load is 11.9 MW). With the sellers at random buses their injections offset the
 * buyers' withdrawals along the feeder and no limit binds (lowest voltage ~0.995 pu); with
 * `sellersAtRoot` every seller sits at the substation.
 */
export function benchBook(ids: readonly BusId[], scale: number, sellersAtRoot: boolean): OrderBook {
  const rng = new RandomService(7).stream('bench', 'feeder-141');
  const builder = new OrderBookBuilder({ interval: 0, durationH: 1, rules: DEFAULT_RULES, buses: ids, isKnownAgent: () => true }, SEGMENTS);
  for (let b = 0; b * 10 < SEGMENTS; b++) {
    const side: Side = b % 2 === 0 ? 'buy' : 'sell';
    const segments: BidSegment[] = [];
    for (let k = 0; k < 10; k++) {
      const p = rng.clippedNormal(side === 'buy' ? 70 : 50, 40, DEFAULT_RULES.priceFloorMwh, DEFAULT_RULES.priceCapMwh);
      segments.push({ side, priceMwh: Math.round(p * 100) / 100, quantityKw: Math.round(scale * rng.logNormal(3, 0.8) * 1000) / 1000 });
    }
    const bus = ids[rng.int(0, ids.length - 1)]!;
    const rejected = builder.add({ id: `b${b}`, agentId: agentId(`a${b}`), bus: sellersAtRoot && side === 'sell' ? ids[0]! : bus, interval: 0, segments });
    if (rejected) throw new Error(`feeder bench book: ${rejected.reason}`);
  }
  return builder.build();
}

async function run(): Promise<BenchRow[]> {
  const highs = await loadSolver('highs');
  const opf = matpowerFeederOpf(readMatpowerFile(CASE141));
  const { feeder } = opf;
  const network = feeder.network;
  const ids = network.buses.map((b) => busId(b.id));
  const book = benchBook(ids, 1, false);
  // The same bids with the sellers at the substation and every quantity × 2.5 (~37 MW a side):
  // the flows all run down the feeder and the 0.9 pu voltage limit binds, so DLMPs differ by bus.
  const boundBook = benchBook(ids, 2.5, true);
  const topologies = new TopologyCache();
  const feederOpts = { feeder: { feeder } };
  /** LinDistFlow against DC clearing of `b`, interleaved, after checking both clear; what binds, in words. */
  const pair = (b: OrderBook): { ldfMs: number; dcMs: number; note: string } => {
    const check = clearNetworkDetailed(b, network, highs, { topologyCache: topologies, ...feederOpts });
    if (check.result.status !== 'cleared') throw new Error(`feeder bench: ${check.result.status} ${check.result.message}`);
    const dc = clearNetworkDetailed(b, network, highs, { topologyCache: topologies });
    if (dc.result.status !== 'cleared') throw new Error(`feeder bench (DC): ${dc.result.status} ${dc.result.message}`);
    const prices = new Set(Array.from(check.result.busPriceMwh)).size;
    // The feeder LP's result carries the voltages (market/lp/feederDispatch.ts).
    const vMin = Math.min(...(check.lp as FeederDispatchResult).feeder.vmPu.filter((v) => !Number.isNaN(v)));
    const { candidate, baseline } = measurePair(
      { name: 'LinDistFlow', fn: () => clearNetworkDetailed(b, network, highs, { topologyCache: topologies, ...feederOpts }) },
      { name: 'DC', fn: () => clearNetworkDetailed(b, network, highs, { topologyCache: topologies }) },
      { rounds: 11 },
    );
    const size = check.lp.size;
    const note = `LP ${size.rows}×${size.cols} (book at unity power factor: no Q rows); ${prices} distinct DLMPs, lowest voltage ${vMin.toFixed(3)} pu${prices === 1 ? ' (no limit binds)' : ''}; median of 11`;
    return { ldfMs: candidate.medianMs, dcMs: baseline.medianMs, note };
  };
  const free = pair(book);
  const bound = pair(boundBook);
  const rows: BenchRow[] = [
    {
      suite: 'feeder',
      case: 'LinDistFlow clearing, 10k segments on case141',
      ms: free.ldfMs,
      baseline: 'DC clearing, same book and network',
      baselineMs: free.dcMs,
      target: { max: 2, of: 'ratio' },
      note: free.note,
    },
    {
      suite: 'feeder',
      case: 'LinDistFlow clearing, 10k segments on case141, sellers at the substation, quantities × 2.5 (voltage limit binding)',
      ms: bound.ldfMs,
      baseline: 'DC clearing, same book and network',
      baselineMs: bound.dcMs,
      note: `comparison only: ${bound.note}`,
    },
  ];
  rows.push(denseFeederRow(highs));
  rows.push(mixedPowerFactorRow(highs));
  const sweep = measure('acSweep', () => acSweep(feeder, opf.problem.fixedLoadKw!, opf.problem.fixedLoadKvar!), { minRuns: 200, minTotalMs: 200, maxRuns: 5000 });
  const once = acSweep(feeder, opf.problem.fixedLoadKw!, opf.problem.fixedLoadKvar!);
  const note = `${once.iterations} iterations to 1e-10; losses ${once.lossesKw.toFixed(2)} kW`;
  rows.push({ suite: 'feeder', case: 'AC sweep, case141', ms: sweep.medianMs, target: { max: 1, of: 'ms' }, note });
  const ldf = measure('linDistFlow', () => linDistFlow(feeder, opf.problem.fixedLoadKw!, opf.problem.fixedLoadKvar!), { minRuns: 200, minTotalMs: 200, maxRuns: 5000 });
  rows.push({ suite: 'feeder', case: 'AC sweep, case141 (vs LinDistFlow)', ms: sweep.medianMs, baseline: 'LinDistFlow closed form, same loads', baselineMs: ldf.medianMs, note: 'the same sweep, against one linear pass over the tree' });
  return rows;
}

/**
 * A dense book on a small feeder: 30,000 segments on case33bw (~900 columns a bus once aggregated),
 * buys at every bus but the substation, half of them at power factor 0.95, sells at the substation:
 * the windowed LinDistFlow solve (what `clearNetwork` takes for it) against the whole LP, interleaved.
 */
function denseFeederRow(highs: LpSolver): BenchRow {
  const opf = matpowerFeederOpf(readMatpowerFile(CASE33));
  const { feeder } = opf;
  const ids = feeder.network.buses.map((b) => busId(b.id));
  const rng = new RandomService(7).stream('bench', 'feeder-33-dense');
  const builder = new OrderBookBuilder({ interval: 0, durationH: 1, rules: DEFAULT_RULES, buses: ids, isKnownAgent: () => true }, DENSE_SEGMENTS);
  for (let b = 0; b * 10 < DENSE_SEGMENTS; b++) {
    const side: Side = b % 3 === 0 ? 'sell' : 'buy';
    const segments: BidSegment[] = [];
    for (let k = 0; k < 10; k++) segments.push({ side, priceMwh: Math.round(rng.clippedNormal(side === 'buy' ? 110 : 60, 40, 0, 300) * 100) / 100, quantityKw: Math.round(rng.logNormal(0.5, 0.8) * 1000) / 1000 });
    const rejected = builder.add({ id: `b${b}`, agentId: agentId(`a${b}`), bus: side === 'sell' ? ids[0]! : ids[rng.int(1, ids.length - 1)]!, interval: 0, segments });
    if (rejected) throw new Error(`feeder bench dense book: ${rejected.reason}`);
  }
  // The book's columns as clearNetwork aggregates them (per bus, side and price tick), copied out of its scratch arrays.
  const o = clearNetworkDetailed(builder.build(), feeder.network, highs).problem.offers;
  const offers = { count: o.count, bus: o.bus.slice(), isBuy: o.isBuy.slice(), priceMwh: o.priceMwh.slice(), lowerKw: o.lowerKw.slice(), upperKw: o.upperKw.slice() };
  const kvarPerKw = Float64Array.from({ length: offers.count }, (_, j) => (offers.isBuy[j] && j % 2 === 0 ? 0.329 : 0));
  const problem: FeederProblem = { feeder, offers, kvarPerKw };
  let rounds = 0;
  const windowed = dispatchFeederWindowed(problem, highs, { trace: () => rounds++ });
  const whole = dispatchFeeder(problem, highs);
  if (windowed.status !== 'optimal' || whole.status !== 'optimal') throw new Error(`feeder bench dense book: ${windowed.status} windowed, ${whole.status} whole`);
  const gap = Math.abs(windowed.welfarePerH - whole.welfarePerH);
  if (gap > 1e-6 * Math.max(1, Math.abs(whole.welfarePerH))) throw new Error(`feeder bench dense book: windowed welfare ${windowed.welfarePerH} against ${whole.welfarePerH} whole`);
  const { candidate, baseline } = measurePair(
    { name: 'windowed', fn: () => dispatchFeederWindowed(problem, highs) },
    { name: 'whole', fn: () => dispatchFeeder(problem, highs) },
    { rounds: 5 },
  );
  const vMin = Math.min(...whole.feeder.vmPu);
  const prices = new Set(Array.from(whole.priceMwh, (p) => p.toFixed(2))).size;
  return {
    suite: 'feeder',
    case: `LinDistFlow dispatch, ${DENSE_SEGMENTS / 1000}k segments on case33bw (${offers.count} columns, ${Math.round(offers.count / feeder.busCount)} a bus), windowed`,
    ms: candidate.medianMs,
    baseline: 'the whole LinDistFlow LP, same book',
    baselineMs: baseline.medianMs,
    note: `${rounds} small LP${rounds === 1 ? '' : 's'}, welfare equal to ${gap.toExponential(1)} /h; ${prices} distinct DLMPs, lowest voltage ${vMin.toFixed(3)} pu; half the buys at power factor 0.95; median of 5`,
  };
}

/**
 * A book at mixed power factors where a few kW decide which limit binds: the README's line (grid–b1–b2–b3, its sell at
 * −500 holding b3 at vmax, its four buys at 3000 at power factor 0.99) with 3,800 buys of 0.5 kW at each of b1 and b2
 * priced 1.00–38.99, the odd cents at power factor 0.99 (7,607 columns on 4 buses: windowed). b2's pf-0.99 class clears
 * at DLMP + tan φ × ρ = 31.39 (test/market/lp/windowedMixedPf.spec.ts). The windowed dispatch against the whole LP.
 */
function mixedPowerFactorRow(highs: LpSolver): BenchRow {
  const { line, segments } = readmeReactiveLine();
  const ids = line.buses.map((b) => b.id as string);
  const tan = tanPhi(0.99);
  const list = segments.map(([bus, side, price, kw]) => ({ bus: ids.indexOf(bus), buy: side === 'buy', price, kw, tan: side === 'buy' ? tan : 0 }));
  for (const bus of ['b1', 'b2']) for (let c = 100; c <= 3899; c++) list.push({ bus: ids.indexOf(bus), buy: true, price: c / 100, kw: 0.5, tan: c % 2 === 1 ? tan : 0 });
  const problem: FeederProblem = { feeder: radialFeeder(line, { defaultVMinPu: 0.95, defaultVMaxPu: 1.05 }), offers: offersFromList(list), kvarPerKw: Float64Array.from(list, (o) => o.tan) };
  const columns: number[] = [];
  const windowed = dispatchFeederWindowed(problem, highs, { trace: (r) => columns.push(r.columns) });
  const whole = dispatchFeeder(problem, highs);
  if (windowed.status !== 'optimal' || whole.status !== 'optimal') throw new Error(`feeder bench mixed-pf line: ${windowed.status} windowed, ${whole.status} whole`);
  const gap = Math.abs(windowed.welfarePerH - whole.welfarePerH);
  if (gap > 1e-6 * Math.max(1, Math.abs(whole.welfarePerH))) throw new Error(`feeder bench mixed-pf line: windowed welfare ${windowed.welfarePerH} against ${whole.welfarePerH} whole`);
  const { candidate, baseline } = measurePair(
    { name: 'windowed', fn: () => dispatchFeederWindowed(problem, highs) },
    { name: 'whole', fn: () => dispatchFeeder(problem, highs) },
    { rounds: 11 },
  );
  return {
    suite: 'feeder',
    case: `LinDistFlow dispatch, the README's line with 7,600 small buys, half at power factor 0.99 (${problem.offers.count} columns on 4 buses), windowed`,
    ms: candidate.medianMs,
    baseline: 'the whole LinDistFlow LP, same book',
    baselineMs: baseline.medianMs,
    note: `comparison only: ${columns.length} small LP${columns.length === 1 ? '' : 's'} of ${columns.join(', ')} columns, welfare equal to ${gap.toExponential(1)} /h; median of 11`,
  };
}

export const suite: BenchSuite = { name: 'feeder', run };

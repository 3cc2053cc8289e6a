/**
 * `npm run bench -- feeder`: radial feeders on case141 (MATPOWER, 141 buses).
 * - LinDistFlow clearing (`clearNetwork` with `feeder`: aggregation, the LinDistFlow LP with
 *   voltage limits and reactive power, prices, rounding) of 10,000 bid segments, against the
 *   DC clearing of the same book on the same network, interleaved. Target ≤ 2×. In this book no
 *   limit binds; a second row, for comparison, clears a book where the voltage limit does.
 *   HiGHS's dual simplex takes about one iteration per row from its slack basis, and the
 *   LinDistFlow LP has twice the DC LP's rows (a voltage-drop row per branch): most of the ratio.
 * - One AC backward/forward sweep (to 1e-10) at case141's own loads: target ≤ 1 ms, and its
 *   ratio to the LinDistFlow closed form at the same loads in the same run.
 */
import { fileURLToPath } from 'node:url';
import { RandomService } from '../core/rng.ts';
import { agentId, type BusId, busId } from '../core/units.ts';
import { clearNetworkDetailed } from '../market/clearNetwork.ts';
import { readMatpowerFile } from '../market/lp/cases/matpower.ts';
import { matpowerFeederOpf } from '../market/lp/cases/matpowerFeeder.ts';
import type { FeederDispatchResult } from '../market/lp/feederDispatch.ts';
import { loadSolver } from '../market/lp/loadSolver.ts';
import { OrderBookBuilder } from '../market/orderBook.ts';
import { type BidSegment, DEFAULT_RULES, type OrderBook, type Side } from '../market/types.ts';
import { acSweep } from '../network/acSweep.ts';
import { linDistFlow } from '../network/linDistFlow.ts';
import { TopologyCache } from '../network/topology.ts';
import { measure, measurePair, type BenchRow, type BenchSuite } from './harness.ts';

const CASE141 = fileURLToPath(new URL('../test/fixtures/refcases/matpower/case141.m', import.meta.url));
const SEGMENTS = 10_000;

/**
 * The bench's book: bids of 10 segments at random buses, as the lp bench: half buying at N(70, 40),
 * half selling at N(50, 40); quantities log-normal around 3 kW × `scale` (≈ 15 MW each side at 1;
 * case141's own load is 11.9 MW). With the sellers at random buses their injections offset the
 * buyers' withdrawals along the feeder and no limit binds (lowest voltage ~0.995 pu); with
 * `sellersAtRoot` every seller sits at the substation.
 */
function benchBook(ids: readonly BusId[], scale: number, sellersAtRoot: boolean): OrderBook {
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
  const sweep = measure('acSweep', () => acSweep(feeder, opf.problem.fixedLoadKw!, opf.problem.fixedLoadKvar!), { minRuns: 200, minTotalMs: 200, maxRuns: 5000 });
  const once = acSweep(feeder, opf.problem.fixedLoadKw!, opf.problem.fixedLoadKvar!);
  const note = `${once.iterations} iterations to 1e-10; losses ${once.lossesKw.toFixed(2)} kW`;
  rows.push({ suite: 'feeder', case: 'AC sweep, case141', ms: sweep.medianMs, target: { max: 1, of: 'ms' }, note });
  const ldf = measure('linDistFlow', () => linDistFlow(feeder, opf.problem.fixedLoadKw!, opf.problem.fixedLoadKvar!), { minRuns: 200, minTotalMs: 200, maxRuns: 5000 });
  rows.push({ suite: 'feeder', case: 'AC sweep, case141 (vs LinDistFlow)', ms: sweep.medianMs, baseline: 'LinDistFlow closed form, same loads', baselineMs: ldf.medianMs, note: 'the same sweep, against one linear pass over the tree' });
  return rows;
}

export const suite: BenchSuite = { name: 'feeder', run };

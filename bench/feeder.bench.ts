/**
 * `npm run bench -- feeder`: radial feeders on case141 (MATPOWER, 141 buses).
 * - LinDistFlow clearing (`clearNetwork` with `feeder`: aggregation, the LinDistFlow LP with
 *   voltage limits and reactive power, prices, rounding) of 10,000 bid segments, against the
 *   DC clearing of the same book on the same network, interleaved. Target ≤ 2×.
 * - One AC backward/forward sweep (to 1e-10) at case141's own loads: target ≤ 1 ms, and its
 *   ratio to the LinDistFlow closed form at the same loads in the same run.
 */
import { fileURLToPath } from 'node:url';
import { RandomService } from '../core/rng.ts';
import { agentId, busId } from '../core/units.ts';
import { clearNetworkDetailed } from '../market/clearNetwork.ts';
import { readMatpowerFile } from '../market/lp/cases/matpower.ts';
import { matpowerFeederOpf } from '../market/lp/cases/matpowerFeeder.ts';
import { loadSolver } from '../market/lp/loadSolver.ts';
import { OrderBookBuilder } from '../market/orderBook.ts';
import { type BidSegment, DEFAULT_RULES, type Side } from '../market/types.ts';
import { acSweep } from '../network/acSweep.ts';
import { linDistFlow } from '../network/linDistFlow.ts';
import { TopologyCache } from '../network/topology.ts';
import { measure, measurePair, type BenchRow, type BenchSuite } from './harness.ts';

const CASE141 = fileURLToPath(new URL('../test/fixtures/refcases/matpower/case141.m', import.meta.url));
const SEGMENTS = 10_000;

async function run(): Promise<BenchRow[]> {
  const highs = await loadSolver('highs');
  const opf = matpowerFeederOpf(readMatpowerFile(CASE141));
  const { feeder } = opf;
  const network = feeder.network;
  const rng = new RandomService(7).stream('bench', 'feeder-141');
  const ids = network.buses.map((b) => busId(b.id));
  const builder = new OrderBookBuilder({ interval: 0, durationH: 1, rules: DEFAULT_RULES, buses: ids, isKnownAgent: () => true }, SEGMENTS);
  // As the lp bench: bids of 10 segments at random buses, half buying at N(70, 40), half selling at N(50, 40);
  // quantities log-normal around 3 kW (≈ 15 MW each side: case141's own load is 11.9 MW, so voltages bind).
  for (let b = 0; b * 10 < SEGMENTS; b++) {
    const side: Side = b % 2 === 0 ? 'buy' : 'sell';
    const segments: BidSegment[] = [];
    for (let k = 0; k < 10; k++) {
      const p = rng.clippedNormal(side === 'buy' ? 70 : 50, 40, DEFAULT_RULES.priceFloorMwh, DEFAULT_RULES.priceCapMwh);
      segments.push({ side, priceMwh: Math.round(p * 100) / 100, quantityKw: Math.round(rng.logNormal(3, 0.8) * 1000) / 1000 });
    }
    const rejected = builder.add({ id: `b${b}`, agentId: agentId(`a${b}`), bus: ids[rng.int(0, ids.length - 1)]!, interval: 0, segments });
    if (rejected) throw new Error(`feeder bench book: ${rejected.reason}`);
  }
  const book = builder.build();
  const topologies = new TopologyCache();
  const feederOpts = { feeder: { feeder } };
  const check = clearNetworkDetailed(book, network, highs, { topologyCache: topologies, ...feederOpts });
  if (check.result.status !== 'cleared') throw new Error(`feeder bench: ${check.result.status} ${check.result.message}`);
  const dc = clearNetworkDetailed(book, network, highs, { topologyCache: topologies });
  if (dc.result.status !== 'cleared') throw new Error(`feeder bench (DC): ${dc.result.status} ${dc.result.message}`);
  const prices = new Set(Array.from(check.result.busPriceMwh)).size;
  const { candidate, baseline } = measurePair(
    { name: 'LinDistFlow', fn: () => clearNetworkDetailed(book, network, highs, { topologyCache: topologies, ...feederOpts }) },
    { name: 'DC', fn: () => clearNetworkDetailed(book, network, highs, { topologyCache: topologies }) },
    { rounds: 11 },
  );
  const size = check.lp.size;
  const rows: BenchRow[] = [
    {
      suite: 'feeder',
      case: 'LinDistFlow clearing, 10k segments on case141',
      ms: candidate.medianMs,
      baseline: 'DC clearing, same book and network',
      baselineMs: baseline.medianMs,
      target: { max: 2, of: 'ratio' },
      note: `LP ${size.rows}×${size.cols} (book at unity power factor: no Q rows); ${prices} distinct DLMPs (no limit binds); median of 11`,
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

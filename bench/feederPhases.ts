/**
 * `node --import tsx bench/feederPhases.ts [rounds]`: where the feeder bench's first row spends its time. The
 * LinDistFlow and the DC clearing of the bench's book (bench/feeder.bench.ts: 10k segments on case141, no limit
 * binds), taking turns, through a HiGHS solver that times its own steps: the model handed to HiGHS (createModel and
 * options), the solve (`run`), the solution read out of it, dispose; `ours` is the rest of `clearNetworkDetailed`
 * (columns from the book, the LP's build, read-back of prices, voltages and flows, rounding). CPU time
 * (process.cpuUsage), medians over the rounds (default 21), with HiGHS's iteration count.
 *
 * The solver mirrors market/lp/highs.ts for these sizes (presolve off, serial dual simplex); it is a measuring
 * instrument, not the engine's solver: `HIGHS_OPTIONS='{"simplex_scale_strategy":0}'` tries other options on it.
 */
import { fileURLToPath } from 'node:url';
import loadHighsModule from 'highs';
import { busId } from '../core/units.ts';
import { clearNetworkDetailed } from '../market/clearNetwork.ts';
import { readMatpowerFile } from '../market/lp/cases/matpower.ts';
import { matpowerFeederOpf } from '../market/lp/cases/matpowerFeeder.ts';
import { toModelData } from '../market/lp/highs.ts';
import type { LinearProgram, LpSolution, LpSolver } from '../market/lp/solver.ts';
import { TopologyCache } from '../network/topology.ts';
import { benchBook } from './feeder.bench.ts';

const rounds = Number(process.argv[2] ?? 21);
const extraOptions = JSON.parse(process.env.HIGHS_OPTIONS ?? '{}') as Record<string, string | number>;
const highsModule = loadHighsModule as unknown as typeof loadHighsModule & { default?: typeof loadHighsModule };
const highs = await (highsModule.default ?? highsModule)();

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
type Phases = Record<string, number>;
let phases: Phases = {};
let iterations = 0;
const timed = (name: string, t0: number): number => {
  const t = cpuMs();
  phases[name] = (phases[name] ?? 0) + t - t0;
  return t;
};

/** HiGHS with its steps timed (optimal solves only: the bench's books always are). */
const solver: LpSolver = {
  name: 'highs',
  nativeDuals: true,
  preferredFormulation: 'b-theta',
  solve(lp: LinearProgram): LpSolution {
    let t = cpuMs();
    // The model as the market's solver hands it over (market/lp/highs.ts), so its timing is that of the real path.
    const model = highs.createModel(toModelData(highs, lp));
    model.options.set({ output_flag: false, presolve: 'off', solver: 'simplex', simplex_strategy: 1, ...extraOptions });
    t = timed('toHighs', t);
    model.run();
    t = timed('solve', t);
    iterations = Number(model.info.get('simplex_iteration_count'));
    const sol = model.getSolution();
    const objective = model.getObjectiveValue();
    t = timed('solution', t);
    model.dispose();
    timed('dispose', t);
    return { status: 'optimal', message: '', objective, colValue: sol.colValue, rowValue: sol.rowValue, rowDual: sol.rowDual, colDual: sol.colDual };
  },
};

const opf = matpowerFeederOpf(readMatpowerFile(fileURLToPath(new URL('../test/fixtures/refcases/matpower/case141.m', import.meta.url))));
const { feeder } = opf;
const network = feeder.network;
const book = benchBook(network.buses.map((b) => busId(b.id)), 1, false);
const topologyCache = new TopologyCache();
const runs: Record<'LinDistFlow' | 'DC', Phases[]> = { LinDistFlow: [], DC: [] };
const shape: Record<string, string> = {};
for (let r = 0; r <= rounds; r++) {
  // Round 0 warms up; then the two take turns, each going first every other round.
  for (const which of r % 2 ? (['LinDistFlow', 'DC'] as const) : (['DC', 'LinDistFlow'] as const)) {
    phases = {};
    const t0 = cpuMs();
    const d = clearNetworkDetailed(book, network, solver, { topologyCache, ...(which === 'LinDistFlow' ? { feeder: { feeder } } : {}) });
    const total = cpuMs() - t0;
    if (d.result.status !== 'cleared') throw new Error(`${which}: ${d.result.status} ${d.result.message}`);
    const highsMs = phases.toHighs! + phases.solve! + phases.solution! + phases.dispose!;
    shape[which] = `LP ${d.lp.size.rows}×${d.lp.size.cols}, ${d.lp.size.nonzeros} non-zeros, ${iterations} iterations`;
    if (r > 0) runs[which].push({ ...phases, ours: total - highsMs, total });
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
for (const which of ['LinDistFlow', 'DC'] as const) {
  const cells = ['ours', 'toHighs', 'solve', 'solution', 'dispose', 'total'].map((k) => `${k} ${median(runs[which].map((p) => p[k]!)).toFixed(2)}`);
  console.log(`${which.padEnd(11)} ${shape[which]}: ${cells.join(', ')} ms CPU (medians of ${rounds})`);
}

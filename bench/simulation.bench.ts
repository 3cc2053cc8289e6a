/**
 * Whole-simulation benchmarks against the bare XState event floor of the same size
 * (`xstateFloor.ts`: no context, no actions, one event per agent per interval),
 * measured in the same run (interleaved).
 */
import { loadScenarioFile, type Scenario } from '../engine/scenario/load.ts';
import type { BenchRow, BenchSuite } from './harness.ts';
import { timeRun } from './timeRun.ts';
import { xstateFloorMs } from './xstateFloor.ts';

/** The default scenario with `homes` homes and its plant scaled in proportion. */
export function scaledDefault(homes: number): Scenario {
  const s = loadScenarioFile('scenarios/default.yaml');
  const factor = homes / 100;
  const agents = s.config.agents.map((g) =>
    g.kind === 'home' ? { ...g, count: homes } : g.kind === 'generator' ? { ...g, offers: g.offers.map((o) => ({ ...o, kw: o.kw * factor })) } : g,
  );
  return { file: `${s.file} (scaled to ${homes} homes)`, config: { ...s.config, agents } };
}

export const suite: BenchSuite = {
  name: 'simulation',
  async run() {
    const homes = 10_000;
    const scenario = scaledDefault(homes);
    const agents = scenario.config.agents.reduce((n, g) => n + g.count, 0);
    const intervals = 96;
    const sim: number[] = [];
    const floor: number[] = [];
    for (let r = 0; r < 3; r++) {
      floor.push(xstateFloorMs(agents, intervals));
      sim.push(await timeRun(scenario));
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const rows: BenchRow[] = [
      {
        suite: 'simulation',
        case: `default scenario, ${homes} homes, 1 day (${intervals} intervals), all outputs written, vs the bare XState floor`,
        ms: med(sim),
        baseline: `bare XState (no context, no actions), ${agents} actors × ${intervals} events each`,
        baselineMs: med(floor),
        target: { max: 2, of: 'ratio' },
      },
    ];
    return rows;
  },
};

/** Running a scenario with one group's strategy (or other settings) changed, and reading its outputs back. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runScenario } from '../../engine/run.ts';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import type { ScenarioConfig } from '../../engine/scenario/schema.ts';

export type Row = Record<string, string>;

export interface RunOutput {
  readonly dir: string;
  readonly agents: Row[];
  readonly intervals: Row[];
  readonly summary: { kpis: Record<string, any>; books: { closed: boolean } };
}

/** The scenario file with `edit` applied to its (validated) config. */
export function variant(file: string, edit: (cfg: ScenarioConfig) => ScenarioConfig): Scenario {
  const s = loadScenarioFile(file);
  return { ...s, config: edit(s.config) };
}

/** Replaces the `strategy` of every group of `kind`. */
export const withStrategy =
  (kind: string, strategy: unknown) =>
  (cfg: ScenarioConfig): ScenarioConfig => ({ ...cfg, agents: cfg.agents.map((g) => (g.kind === kind ? ({ ...g, strategy } as typeof g) : g)) });

export async function run(scenario: Scenario, root: string, name: string): Promise<RunOutput> {
  const dir = join(root, name);
  await runScenario(scenario, { outDir: dir });
  return {
    dir,
    agents: parse(readFileSync(join(dir, 'agents.csv')), { columns: true }),
    intervals: parse(readFileSync(join(dir, 'intervals.csv')), { columns: true }),
    summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')),
  };
}

export const tempRoot = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/**
 * A battery group's profit from agents.csv: money received less paid, less wear
 * (|ΔSoC| × degradation cost, from the initial SoC), in currency; per day when `dayOf` is given.
 */
export function batteryProfit(rows: readonly Row[], battery: { initialSocKwh: number; degradationCostPerMwh: number }, dayOf?: (isoStart: string) => number): { total: number; byDay: number[] } {
  const last = new Map<string, number>();
  const byDay: number[] = [];
  let total = 0;
  for (const r of rows) {
    if (r.kind !== 'storage') continue;
    const soc = Number(r.soc_kwh);
    const id = r.agent_id!;
    const wear = (Math.abs(soc - (last.get(id) ?? battery.initialSocKwh)) * battery.degradationCostPerMwh) / 1000;
    last.set(id, soc);
    const p = -Number(r.cost) - wear;
    total += p;
    if (dayOf) {
      const d = dayOf(r.interval_start!);
      byDay[d] = (byDay[d] ?? 0) + p;
    }
  }
  return { total, byDay };
}

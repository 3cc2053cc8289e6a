/**
 * One scenario, start to finish: load, simulate, write the output folder.
 */
import { Recorder } from '../output/recorder.ts';
import { loadScenarioFile, type Scenario } from './scenario/load.ts';
import { Simulation } from './simulation.ts';

export interface RunOptions {
  readonly outDir: string;
  readonly seed?: number | undefined;
}

export interface RunResult {
  readonly outDir: string;
  readonly summary: Record<string, unknown>;
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  const sim = await Simulation.create(scenario, { seed: options.seed });
  const recorder = new Recorder(options.outDir, sim.info, sim.rules);
  sim.run(recorder);
  const summary = recorder.finish({ scenarioFile: scenario.file, description: scenario.config.description });
  return { outDir: options.outDir, summary };
}

export function runScenarioFile(file: string, options: RunOptions): Promise<RunResult> {
  return runScenario(loadScenarioFile(file), options);
}

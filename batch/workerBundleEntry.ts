/**
 * Entry of a batch worker thread running the bundled worker code (batch/workerBundle.ts):
 * plain JavaScript, no TypeScript loader. A run whose scenario names a strategy module
 * (`strategy: { module: ./mine.ts }`, which may be TypeScript) registers tsx first, once
 * per worker, as batch/workerEntry.js always does. Such a module gets its own copy of
 * any gridbid code it imports at run time (type-only imports, as in docs/strategies.md,
 * import nothing).
 */
import type { Scenario } from '../engine/scenario/load.ts';
import { type RunOutcome, runTask, type RunTask } from './worker.ts';

let loader: Promise<void> | undefined;

const namesModules = (scenario: Scenario): boolean =>
  scenario.config.agents.some((group) => {
    const ref: unknown = 'strategy' in group ? group.strategy : undefined;
    return ref !== null && typeof ref === 'object' && 'module' in ref;
  });

export default function run(task: RunTask): Promise<RunOutcome> {
  return runTask(task, (scenario) => {
    if (!namesModules(scenario)) return undefined;
    loader ??= import('tsx/esm/api').then(({ register }) => {
      register();
    });
    return loader;
  });
}

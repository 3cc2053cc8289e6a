/**
 * Loads the strategy modules a scenario names (`strategy: { module: ./mine.ts }`),
 * once, before the run, and registers each under an id of its own so agent kinds
 * create them like built-ins. A module exports a `Strategy` (an object with `id`
 * and `bid`; one instance for every agent that names it) or a factory
 * `(params, context) => Strategy` (`context`: a `StrategyContext`, when the agent's kind
 * creates one strategy per agent); anything else is a user error naming the file and the export.
 */
import { resolve, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../core/errors.ts';
import { registerStrategy, strategyIds, type StrategyRef } from '../strategies/registry.ts';
import type { AgentViewBase, Strategy } from '../strategies/types.ts';
import type { Scenario } from './scenario/load.ts';

/**
 * Compiled gridbid (dist/) runs without a TypeScript loader: it registers tsx, once,
 * before the first `.ts`/`.mts` strategy module. From the sources a loader is already there.
 */
let typescriptLoader: Promise<void> | undefined;
const needsLoader = (file: string): boolean => /\.m?ts$/.test(file) && import.meta.url.endsWith('.js');
const registerTypescript = (): Promise<void> =>
  (typescriptLoader ??= import('tsx/esm/api').then(({ register }) => {
    register();
  }));

const isStrategy = (x: unknown): x is Strategy<AgentViewBase> =>
  !!x && typeof x === 'object' && typeof (x as Strategy).bid === 'function' && typeof (x as Strategy).id === 'string';

/** The scenario with every module reference replaced by the id its loaded strategy is registered under. */
export async function loadStrategyModules(scenario: Scenario): Promise<Scenario> {
  const baseDir = dirname(scenario.file);
  let changed = false;
  const agents = [];
  for (const group of scenario.config.agents) {
    const ref = 'strategy' in group ? (group.strategy as StrategyRef | undefined) : undefined;
    if (ref === undefined || typeof ref === 'string' || !('module' in ref)) {
      agents.push(group);
      continue;
    }
    const file = resolve(baseDir, ref.module);
    const name = ref.export ?? 'default';
    const id = `module:${file}#${name}`;
    if (!strategyIds().includes(id)) {
      let mod: Record<string, unknown>;
      try {
        if (needsLoader(file)) await registerTypescript();
        mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      } catch (err) {
        throw new UserError(`${scenario.file}: strategy module ${ref.module} failed to load: ${err instanceof Error ? err.message : String(err)}`);
      }
      const exported = mod[name];
      if (isStrategy(exported)) registerStrategy(id, { params: undefined, create: () => exported });
      else if (typeof exported === 'function') {
        registerStrategy(id, {
          params: undefined,
          // The run's context (agent id, seeded randomness, LP solver) goes along as a second argument.
          create: (params, context) => {
            const made = (exported as (p: unknown, c: unknown) => unknown)(params ?? {}, context);
            if (!isStrategy(made)) throw new UserError(`${ref.module}: export '${name}' did not return a Strategy (an object with id and bid)`);
            return made;
          },
        });
      } else {
        throw new UserError(`${scenario.file}: ${ref.module} has no export '${name}' that is a Strategy or a function returning one (exports: ${Object.keys(mod).join(', ') || 'none'})`);
      }
    }
    changed = true;
    agents.push({ ...group, strategy: { id, params: ref.params ?? {} } });
  }
  return changed ? { ...scenario, config: { ...scenario.config, agents: agents as typeof scenario.config.agents } } : scenario;
}

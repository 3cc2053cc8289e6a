/**
 * Loads the strategy modules a scenario names (`strategy: { module: ./mine.ts }`),
 * once, before the run, and registers each under an id of its own so agent kinds
 * create them like built-ins. A module exports a `Strategy` (an object with `id`
 * and `bid`; one instance for every agent that names it) or a factory
 * `(params, context) => Strategy` (`context`: a `StrategyContext`, when the agent's kind
 * creates one strategy per agent); anything else is a user error naming the file and the export.
 *
 * A module is loaded once per process: what it keeps at its top level, or in a ready `Strategy`
 * object, goes on from one run to the next in that process (and from a run's earlier passes into
 * its main one; docs/strategies.md says so). A batch therefore runs each run that names a module
 * in a worker thread of its own (batch/runThreads.ts), so that its numbers are those of `gridbid
 * run` whatever ran before it. Loading the module afresh per run instead would not do: tsx's
 * `tsImport` loads every import anew under a new namespace, packages included (a module importing
 * `jslpSolver` from 'gridbid' cost 13.5 MB and 0.3 s per load, never freed).
 */
import { resolve, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../core/errors.ts';
import { registerStrategy, strategyIds, type StrategyRef } from '../strategies/registry.ts';
import type { AgentViewBase, Strategy } from '../strategies/types.ts';
import type { Scenario } from './scenario/load.ts';

const isStrategy = (x: unknown): x is Strategy<AgentViewBase> =>
  !!x && typeof x === 'object' && typeof (x as Strategy).bid === 'function' && typeof (x as Strategy).id === 'string';

/**
 * A plug-in's exports, from any folder. `.ts`, `.mts`, `.js` and `.mjs` go through tsx's
 * `tsImport`, a loader of its own: a `.ts` file in a folder whose package.json does not say
 * `"type": "module"` is CommonJS to Node, and Node 20's require(esm) refused it as "a cycle"
 * when the process-wide loader compiled it. tsx compiles such a file to CommonJS; its ES
 * exports then arrive under `default` with `__esModule` set, and are unwrapped here (the
 * interop rule of Babel and TypeScript), so `export default` means the same in every folder.
 */
async function importPlugin(file: string): Promise<Record<string, unknown>> {
  // tsx (and esbuild under it) loads only for scenarios that name a module: every other run and batch worker starts without it.
  const { tsImport } = await import('tsx/esm/api');
  const ns = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  const inner = ns.default as Record<string, unknown> | undefined;
  return inner !== null && typeof inner === 'object' && inner.__esModule === true ? inner : ns;
}

/** Whether the scenario names a strategy module (`strategy: { module: … }`) that a run would load. */
export function namesStrategyModules(scenario: Scenario): boolean {
  return scenario.config.agents.some((group) => {
    const ref = 'strategy' in group ? (group.strategy as StrategyRef | undefined) : undefined;
    return ref !== undefined && typeof ref !== 'string' && 'module' in ref;
  });
}

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
        mod = await importPlugin(file);
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
            let made: unknown;
            try {
              made = (exported as (p: unknown, c: unknown) => unknown)(params ?? {}, context);
            } catch (err) {
              // The author's code failed before the run began: a user error naming the module, not an internal one.
              throw new UserError(`${ref.module}: export '${name}' threw while creating the strategy${context ? ` for ${context.agentId}` : ''}: ${err instanceof Error ? err.message : String(err)}`);
            }
            if (made instanceof Promise) {
              made.catch(() => undefined); // its rejection would end the process with the module's stack, over this message
              throw new UserError(`${ref.module}: export '${name}' returned a Promise: a factory must return the Strategy itself (not an async function)`);
            }
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

/**
 * Strategies by name, as scenarios refer to them. A scenario writes either an id
 * (`strategy: truthful`) or an id with parameters (`strategy: { id: markup, params: { markup: 0.1 } }`).
 * A strategy may be limited to some agent kinds (an EV deadline strategy means
 * nothing to a generator); the scenario check says so.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { describeIssue } from '../core/yamlIssues.ts';
import { buildingForecastFactory } from './building/forecast.ts';
import { evSlackFactory } from './ev/slack.ts';
import { evUncontrolledFactory } from './ev/uncontrolled.ts';
import { homeForecastFactory } from './home/forecast.ts';
import { markupParams, markupStrategy } from './markup.ts';
import { storageArbitrageFactory } from './storage/arbitrage.ts';
import { truthful } from './truthful.ts';
import { guardStrategy, type StrategyFaultReporter } from './guard.ts';
import { learningFactory } from './learning/index.ts';
import { mpcFactory } from './mpc/index.ts';
import { priceTakerFactory } from './priceTaker.ts';
import type { AgentViewBase, Strategy, StrategyContext, StrategyFactory } from './types.ts';

/** Built-in strategies: add a line here for each new one. */
const factories = new Map<string, StrategyFactory>([
  ['truthful', { params: undefined, create: () => truthful }],
  ['markup', { params: markupParams, create: (p) => markupStrategy(p as z.infer<typeof markupParams>) }],
  ['ev-slack', evSlackFactory],
  ['ev-uncontrolled', evUncontrolledFactory],
  ['storage-arbitrage', storageArbitrageFactory],
  ['home-forecast', homeForecastFactory],
  ['building-forecast', buildingForecastFactory],
  ['mpc', mpcFactory],
  ['price-taker', priceTakerFactory],
  ['learning', learningFactory],
]);

/**
 * Adds a strategy at run time (plug-ins, and programs through the package); built-ins are
 * listed in `factories` above. A program may pass anything, typed or not: what is not a
 * factory is refused here, naming what was expected, rather than when a run first creates
 * the strategy (as "factory.create is not a function", an internal error).
 */
export function registerStrategy(id: string, factory: StrategyFactory): void {
  if (typeof id !== 'string' || id === '') throw new TypeError(`registerStrategy: expected a non-empty strategy id, got ${JSON.stringify(id)}`);
  if (factories.has(id)) throw new Error(`strategy '${id}' is already registered`);
  const problem = factoryProblem(factory);
  if (problem) throw new TypeError(`registerStrategy('${id}', …): ${problem}`);
  factories.set(id, factory);
}

/** What keeps `factory` from being a `StrategyFactory` the registry can call, if anything. */
function factoryProblem(factory: unknown): string | undefined {
  const expected = 'expected a factory { params, create(params, context) } returning a Strategy';
  if (typeof factory === 'function') return `${expected}, got a function; wrap it as { params: undefined, create: fn }`;
  if (factory === null || typeof factory !== 'object') return `${expected}, got ${String(factory)}`;
  const { create, params } = factory as Partial<StrategyFactory>;
  if (typeof create !== 'function') return `${expected}, got an object without create`;
  if (params !== undefined && typeof (params as { safeParse?: unknown } | null)?.safeParse !== 'function')
    return "params must be a zod schema of the strategy's params: object, or undefined for none";
  return undefined;
}

export const strategyRefSchema = z.union([
  z.string().min(1),
  z.strictObject({ id: z.string().min(1), params: z.record(z.string(), z.unknown()).optional() }),
  /**
   * Your own strategy: a TS or JS module (path relative to the scenario file) whose
   * export (`default` unless named) is a `Strategy`, or a function `(params) => Strategy`.
   */
  z.strictObject({ module: z.string().min(1), export: z.string().min(1).optional(), params: z.record(z.string(), z.unknown()).optional() }),
]);
export type StrategyRef = z.infer<typeof strategyRefSchema>;

export const strategyIds = (kind?: string): string[] =>
  [...factories].filter(([, f]) => !kind || !f.kinds || f.kinds.includes(kind)).map(([id]) => id);

/** Validates a strategy reference for an agent kind; returns issues with paths relative to the reference. */
export function checkStrategyRef(ref: StrategyRef, kind?: string, baseDir = '.'): Array<{ path: PropertyKey[]; message: string }> {
  if (typeof ref !== 'string' && 'module' in ref) {
    const file = resolve(baseDir, ref.module);
    if (!/\.(ts|mts|js|mjs)$/.test(file)) return [{ path: ['module'], message: `expected a .ts, .mts, .js or .mjs module, got '${ref.module}'` }];
    return existsSync(file) ? [] : [{ path: ['module'], message: `no such file: ${ref.module} (resolved to ${file})` }];
  }
  const id = typeof ref === 'string' ? ref : ref.id;
  const at = typeof ref === 'string' ? [] : ['id'];
  const factory = factories.get(id);
  if (!factory) return [{ path: at, message: `unknown strategy '${id}' (known${kind ? ` for ${kind}` : ''}: ${strategyIds(kind).join(', ')})` }];
  if (kind && factory.kinds && !factory.kinds.includes(kind))
    return [{ path: at, message: `strategy '${id}' is for ${factory.kinds.join(', ')}, not ${kind} (for ${kind}: ${strategyIds(kind).join(', ')})` }];
  const params = typeof ref === 'string' ? undefined : ref.params;
  if (!factory.params) {
    return params && Object.keys(params).length > 0 ? [{ path: ['params'], message: `strategy '${id}' takes no parameters` }] : [];
  }
  const parsed = factory.params.safeParse(params ?? {});
  if (parsed.success) return [];
  // Worded as every other scenario value is ("expected a number ≤ 48, got 1e+308"), with the keys allowed here.
  const shape = (factory.params as { shape?: Record<string, unknown> }).shape;
  return parsed.error.issues.flatMap((i) => describeIssue(i, params ?? {}, () => Object.keys(shape ?? {})).map((p) => ({ path: ['params', ...p.path], message: p.message })));
}

/**
 * The strategy an agent group uses, behind a guard: `ref` (or `defaultId` when the
 * scenario names none), falling back to the kind's `defaultId` for any interval in
 * which the chosen one throws or answers with an invalid curve. With a `context`
 * the strategy is created for that one agent (kinds that call this per agent).
 */
export function strategyFor<V extends AgentViewBase>(ref: StrategyRef | undefined, defaultId: string, report: StrategyFaultReporter, context?: StrategyContext): Strategy<V> {
  const fallback = createStrategy<V>(defaultId, context);
  return ref === undefined ? fallback : guardStrategy(createStrategy<V>(ref, context), fallback, report, context?.agentId);
}

/** True when the strategy a (validated) reference names solves LPs (the engine preloads a solver for it). */
export function strategyNeedsLpSolver(ref: StrategyRef | undefined): boolean {
  if (ref === undefined || (typeof ref !== 'string' && 'module' in ref)) return false;
  return factories.get(typeof ref === 'string' ? ref : ref.id)?.needsLpSolver === true;
}

/** Creates the strategy a (validated) reference names, for the agent of `context` when given. */
export function createStrategy<V extends AgentViewBase = AgentViewBase>(ref: StrategyRef, context?: StrategyContext): Strategy<V> {
  if (typeof ref !== 'string' && 'module' in ref) throw new Error(`strategy module '${ref.module}' was not loaded (Simulation.create loads modules)`);
  const id = typeof ref === 'string' ? ref : ref.id;
  const factory = factories.get(id);
  if (!factory) throw new Error(`unknown strategy '${id}'`);
  const params = typeof ref === 'string' ? {} : (ref.params ?? {});
  return factory.create(factory.params ? factory.params.parse(params) : id.startsWith('module:') ? params : undefined, context) as unknown as Strategy<V>;
}

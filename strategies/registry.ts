/**
 * Strategies by name, as scenarios refer to them. A scenario writes either an id
 * (`strategy: truthful`) or an id with parameters (`strategy: { id: markup, params: { markup: 0.1 } }`).
 */
import { z } from 'zod';
import { markupParams, markupStrategy } from './markup.ts';
import { truthful } from './truthful.ts';
import type { Strategy } from './types.ts';

interface StrategyFactory {
  readonly params: z.ZodType<unknown> | undefined;
  create(params: unknown): Strategy;
}

const factories: Record<string, StrategyFactory> = {
  truthful: { params: undefined, create: () => truthful },
  markup: { params: markupParams, create: (p) => markupStrategy(p as z.infer<typeof markupParams>) },
};

export const strategyRefSchema = z.union([
  z.string().min(1),
  z.strictObject({ id: z.string().min(1), params: z.record(z.string(), z.unknown()).optional() }),
]);
export type StrategyRef = z.infer<typeof strategyRefSchema>;

export const strategyIds = (): string[] => Object.keys(factories);

/** Validates a strategy reference; returns issues with paths relative to the reference. */
export function checkStrategyRef(ref: StrategyRef): Array<{ path: PropertyKey[]; message: string }> {
  const id = typeof ref === 'string' ? ref : ref.id;
  const factory = factories[id];
  if (!factory) return [{ path: typeof ref === 'string' ? [] : ['id'], message: `unknown strategy '${id}' (known: ${strategyIds().join(', ')})` }];
  const params = typeof ref === 'string' ? undefined : ref.params;
  if (!factory.params) {
    return params && Object.keys(params).length > 0 ? [{ path: ['params'], message: `strategy '${id}' takes no parameters` }] : [];
  }
  const parsed = factory.params.safeParse(params ?? {});
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: ['params', ...i.path], message: i.message.replace(/^Invalid input: /, '') }));
}

export function createStrategy(ref: StrategyRef): Strategy {
  const id = typeof ref === 'string' ? ref : ref.id;
  const factory = factories[id];
  if (!factory) throw new Error(`unknown strategy '${id}'`);
  const params = typeof ref === 'string' ? {} : (ref.params ?? {});
  return factory.create(factory.params ? factory.params.parse(params) : undefined);
}

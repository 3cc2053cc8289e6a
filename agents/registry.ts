/**
 * Every agent kind a scenario can name, by its `kind:` key. Adding a kind means
 * adding its module to `agentKinds` and its group schema to `agentGroupSchema`.
 */
import { z } from 'zod';
import { generatorGroupSchema, generatorKind } from './generator/index.ts';
import { homeGroupSchema, homeKind } from './home/index.ts';
import type { AgentKindModule } from './types.ts';

export const agentGroupSchema = z.discriminatedUnion('kind', [generatorGroupSchema, homeGroupSchema]);
export type AgentGroup = z.infer<typeof agentGroupSchema>;

type AnyKind = AgentKindModule<AgentGroup>;
export const agentKinds: readonly AnyKind[] = [generatorKind as AnyKind, homeKind as AnyKind];

export function agentKind(kind: string): AnyKind {
  const k = agentKinds.find((m) => m.kind === kind);
  if (!k) throw new Error(`unknown agent kind '${kind}'`);
  return k;
}

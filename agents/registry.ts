/**
 * Every agent kind a scenario can name, by its `kind:` key. Adding a kind means
 * adding its module to `agentKinds` and its group schema to `agentGroupSchema`.
 */
import { z } from 'zod';
import { aggregatorGroupSchema, aggregatorKind } from './aggregator/index.ts';
import { buildingGroupSchema, buildingKind } from './building/schema.ts';
import { evGroupSchema, evKind } from './ev/runtime.ts';
import { generatorGroupSchema, generatorKind } from './generator/index.ts';
import { homeGroupSchema, homeKind } from './home/schema.ts';
import { retailerGroupSchema, retailerKind } from './retailer/index.ts';
import { storageGroupSchema, storageKind } from './storage/runtime.ts';
import type { AgentKindModule, AggregatorRuntime, IntermediaryKindModule } from './types.ts';
import type { RetailerRuntime } from './retailer/index.ts';

export const agentGroupSchema = z.discriminatedUnion('kind', [
  generatorGroupSchema,
  homeGroupSchema,
  aggregatorGroupSchema,
  retailerGroupSchema,
  evGroupSchema,
  storageGroupSchema,
  buildingGroupSchema,
]);
export type AgentGroup = z.infer<typeof agentGroupSchema>;

export type AnyKind =
  | AgentKindModule<AgentGroup>
  | IntermediaryKindModule<AgentGroup, AggregatorRuntime>
  | IntermediaryKindModule<AgentGroup, RetailerRuntime>;

export const agentKinds: readonly AnyKind[] = [
  generatorKind as AnyKind,
  homeKind as AnyKind,
  aggregatorKind as AnyKind,
  retailerKind as AnyKind,
  evKind as AnyKind,
  storageKind as AnyKind,
  buildingKind as AnyKind,
];

export function agentKind(kind: string): AnyKind {
  const k = agentKinds.find((m) => m.kind === kind);
  if (!k) throw new Error(`unknown agent kind '${kind}'`);
  return k;
}

/** Kinds that trade for others and have no bus of their own. */
export const INTERMEDIARY_KINDS: ReadonlySet<string> = new Set(['aggregator', 'retailer']);

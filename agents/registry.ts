/**
 * Every agent kind a scenario can name, by its `kind:` key. Adding a kind means
 * adding its module to `agentKinds` and its group schema to `agentGroupSchema`.
 */
import * as z from 'zod';
import { aggregatorGroupSchema, aggregatorKind } from './aggregator/index.ts';
import { buildingKind } from './building/index.ts';
import { buildingGroupSchema } from './building/schema.ts';
import { evKind } from './ev/index.ts';
import { evGroupSchema } from './ev/schema.ts';
import { generatorGroupSchema, generatorKind } from './generator/index.ts';
import { homeKind } from './home/index.ts';
import { homeGroupSchema } from './home/schema.ts';
import { retailerGroupSchema, retailerKind } from './retailer/index.ts';
import { storageKind } from './storage/index.ts';
import { storageGroupSchema } from './storage/schema.ts';
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

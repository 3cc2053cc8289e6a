/**
 * `kind: storage`: the module the agent registry (agents/registry.ts) knows this kind by.
 * Every agent kind has the same layout: `schema.ts` (its scenario keys), `machine.ts`
 * (its lifecycle as an XState machine and the pure transition function), `runtime.ts`
 * (one agent per member: physics, bids, awards), `respond.ts` (operator commands) and
 * this small index.
 */
import type { AgentKindModule } from '../types.ts';
import { storageMachine } from './machine.ts';
import { createStorageRuntimes } from './runtime.ts';
import { type StorageGroup, storageGroupSchema } from './schema.ts';

export const storageKind: AgentKindModule<StorageGroup> = {
  kind: 'storage',
  role: 'agent',
  groupSchema: storageGroupSchema,
  machine: storageMachine,
  create: createStorageRuntimes,
};

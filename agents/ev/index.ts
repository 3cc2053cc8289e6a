/**
 * `kind: ev`: the module the agent registry (agents/registry.ts) knows this kind by.
 * Every agent kind has the same layout: `schema.ts` (its scenario keys), `machine.ts`
 * (its lifecycle as an XState machine and the pure transition function), `runtime.ts`
 * (one agent per member: physics, bids, awards), `respond.ts` (operator commands) and
 * this small index.
 */
import type { AgentKindModule } from '../types.ts';
import { evMachine } from './machine.ts';
import { createEvRuntimes } from './runtime.ts';
import { type EvGroup, evGroupSchema } from './schema.ts';

export const evKind: AgentKindModule<EvGroup> = {
  kind: 'ev',
  role: 'agent',
  groupSchema: evGroupSchema,
  machine: evMachine,
  create: createEvRuntimes,
};

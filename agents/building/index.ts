/**
 * `kind: building`: the module the agent registry (agents/registry.ts) knows this kind by.
 * Every agent kind has the same layout: `schema.ts` (its scenario keys), `machine.ts`
 * (its lifecycle as an XState machine and the pure transition function), `runtime.ts`
 * (one agent per member: physics, bids, awards), `respond.ts` (operator commands) and
 * this small index.
 */
import type { AgentKindModule } from '../types.ts';
import { buildingMachine } from './machine.ts';
import { createBuildings } from './runtime.ts';
import { type BuildingGroup, buildingGroupSchema } from './schema.ts';

export const buildingKind: AgentKindModule<BuildingGroup> = {
  kind: 'building',
  role: 'agent',
  groupSchema: buildingGroupSchema,
  machine: buildingMachine,
  create: createBuildings,
};

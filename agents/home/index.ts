/**
 * `kind: home`: the module the agent registry (agents/registry.ts) knows this kind by.
 * Every agent kind has the same layout: `schema.ts` (its scenario keys), `machine.ts`
 * (its lifecycle as an XState machine and the pure transition function), `runtime.ts`
 * (one agent per member: physics, bids, awards), `respond.ts` (operator commands) and
 * this small index.
 */
import type { AgentKindModule } from '../types.ts';
import { homeMachine } from './machine.ts';
import { createHomes } from './runtime.ts';
import { type HomeGroup, homeGroupSchema } from './schema.ts';

export const homeKind: AgentKindModule<HomeGroup> = {
  kind: 'home',
  role: 'agent',
  groupSchema: homeGroupSchema,
  machine: homeMachine,
  create: createHomes,
};

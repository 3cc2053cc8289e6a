/** The state machine of each agent kind (and of the operators), for reports. */
import type { AnyStateMachine } from 'xstate';
import { agentKinds } from '../agents/registry.ts';
import { operationsMachine } from '../agents/operations/machine.ts';

export function machineOf(kind: string): AnyStateMachine | undefined {
  if (kind === 'operations') return operationsMachine;
  return agentKinds.find((k) => k.kind === kind)?.machine;
}

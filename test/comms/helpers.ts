import type { Message, MessageType } from '../../comms/messages.ts';
import { routedMessage } from '../../comms/messages.ts';
import { type CommsInput, parseCommsConfig, resolvePlane, type ResolvedPlane } from '../../comms/schema.ts';

/** A message with its type's default class and reference point unless given. */
export function msg(id: string, type: MessageType, sentAtMs: number, sizeBytes: number, extra: Partial<Message> = {}): Message {
  return routedMessage({ id, type, from: 'a', to: 'b', sentAtMs, sizeBytes, ...extra });
}

/** A plane config through the same validation a scenario gets. */
export function plane(input: Exclude<CommsInput, 'ideal' | undefined>): ResolvedPlane {
  const r = parseCommsConfig(input);
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  if (r.config === 'ideal') throw new Error('expected a plane');
  return resolvePlane(r.config);
}

export const noLoss = { lossProbability: 0, jitterMs: 0 } as const;

/**
 * What travels on the communication plane: a message with a type, an application
 * class and the reference point it crosses. The table below gives each message type
 * its default class and reference point; a scenario may send any type in another
 * class (e.g. bids over a congested AMI backhaul).
 */
import type { ApplicationClass } from './applicationClasses.ts';
import type { ReferencePoint } from './referencePoints.ts';

export const MESSAGE_TYPES = ['bid', 'award', 'price', 'dr-event', 'opt-in', 'opt-out', 'report', 'meter-read', 'curtail', 'v2g', 'offer', 'member-curve', 'member-award', 'da-result'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/**
 * Default routing per message type (why each, briefly):
 * - bids, awards, prices: the service provider's (market, retailer, aggregator) traffic
 *   to customers' gateways over RP3; DOE files price signals under demand response;
 * - DR events and opt-in/out: demand response over RP3;
 * - reports: telemetry from DER and storage to the operator, RP1;
 * - meter reads: AMI over RP2;
 * - curtailment: the operator's distribution-grid-management command, RP1;
 * - V2G charge/discharge: electric transportation over RP3;
 * - offers (a generator's or a battery's bid to the market): DER and storage over RP1 —
 *   supply sits in the grid domain, and DOE's "DER and storage" is the functionality that
 *   covers dispatching it (docs/comms.md, "Which class carries which bid");
 * - a member's curve to its aggregator and the aggregator's split of its award back: demand
 *   response over RP3 (the aggregator is the customer's DR service provider);
 * - the day-ahead results to a party (its bus's day-ahead prices and its position, with its
 *   schedule for an agent that operates to one): prices, so demand response over RP3 (RP4 to
 *   an intermediary); a battery's goes over DER and storage (RP1) and a car's over electric
 *   transportation (RP3), as their reports do (engine/interval/comms.ts `dayAheadResults`).
 */
export const MESSAGE_ROUTES: Readonly<Record<MessageType, { class: ApplicationClass; referencePoint: ReferencePoint }>> = {
  bid: { class: 'demand-response', referencePoint: 'RP3' },
  award: { class: 'demand-response', referencePoint: 'RP3' },
  price: { class: 'demand-response', referencePoint: 'RP3' },
  'dr-event': { class: 'demand-response', referencePoint: 'RP3' },
  'opt-in': { class: 'demand-response', referencePoint: 'RP3' },
  'opt-out': { class: 'demand-response', referencePoint: 'RP3' },
  report: { class: 'der-storage', referencePoint: 'RP1' },
  'meter-read': { class: 'ami', referencePoint: 'RP2' },
  curtail: { class: 'distribution-grid-management', referencePoint: 'RP1' },
  v2g: { class: 'electric-transportation', referencePoint: 'RP3' },
  offer: { class: 'der-storage', referencePoint: 'RP1' },
  'member-curve': { class: 'demand-response', referencePoint: 'RP3' },
  'member-award': { class: 'demand-response', referencePoint: 'RP3' },
  'da-result': { class: 'demand-response', referencePoint: 'RP3' },
};

/** A message handed to the plane. Times are virtual (ms on the simulated timeline). */
export interface Message {
  /** Unique per run; the delivery log is keyed and ordered by it on ties. */
  readonly id: string;
  readonly type: MessageType;
  readonly class: ApplicationClass;
  readonly referencePoint: ReferencePoint;
  readonly from: string;
  readonly to: string;
  readonly sizeBytes: number;
  readonly sentAtMs: number;
  /** When the message is useless if not delivered (gate closure, event start); a later delivery is `late`. */
  readonly deadlineMs?: number;
}

/** A message with its class and reference point taken from the defaults of its type. */
export function routedMessage(m: Omit<Message, 'class' | 'referencePoint'> & Partial<Pick<Message, 'class' | 'referencePoint'>>): Message {
  const route = MESSAGE_ROUTES[m.type];
  return { ...m, class: m.class ?? route.class, referencePoint: m.referencePoint ?? route.referencePoint };
}

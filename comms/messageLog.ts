/**
 * The delivery log as the rows of `messages.csv` (DESIGN §4): one row per message,
 * in the order the plane finished them. Times ISO-8601 UTC; `delivered_at` is empty
 * for a lost message. Receivers' verdicts (rejected-signature, rejected-replay, …)
 * replace `status` when the engine records them; see comms/security.
 */
import { stringify } from 'csv-stringify/sync';
import { formatSimTime, simTime } from '../core/time.ts';
import type { DeliveryRecord } from './plane.ts';

export const MESSAGE_LOG_COLUMNS = ['sent_at', 'delivered_at', 'class', 'reference_point', 'from', 'to', 'type', 'bytes', 'status', 'attempts', 'link'] as const;

export function messageLogRow(r: DeliveryRecord, status: string = r.status): string[] {
  const m = r.message;
  return [
    formatSimTime(simTime(m.sentAtMs)),
    r.deliveredAtMs === undefined ? '' : formatSimTime(simTime(Math.round(r.deliveredAtMs))),
    m.class,
    m.referencePoint,
    m.from,
    m.to,
    m.type,
    String(m.sizeBytes),
    status,
    String(r.attempts),
    r.link ?? '',
  ];
}

/** The whole log as CSV text with its header. */
export function messageLogCsv(records: readonly DeliveryRecord[]): string {
  return stringify([[...MESSAGE_LOG_COLUMNS], ...records.map((r) => messageLogRow(r))]);
}

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

/** Many messages share a send time (every bid of an interval): its text is made once. */
let lastSent = { ms: NaN, text: '' };

export function messageLogRow(r: DeliveryRecord, status: string = r.status): string[] {
  const m = r.message;
  if (m.sentAtMs !== lastSent.ms) lastSent = { ms: m.sentAtMs, text: formatSimTime(simTime(m.sentAtMs)) };
  return [
    lastSent.text,
    r.deliveredAtMs === undefined ? '' : isoMs(Math.round(r.deliveredAtMs)),
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

/** formatSimTime's text, made from the day's prefix (cached) and arithmetic: one per delivered message. */
let day = { index: NaN, prefix: '' };
export function isoMs(ms: number): string {
  const d = Math.floor(ms / 86_400_000);
  if (d !== day.index) day = { index: d, prefix: formatSimTime(simTime(d * 86_400_000)).slice(0, 11) };
  let rest = ms - d * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const two = (x: number): string => (x < 10 ? `0${x}` : String(x));
  if (rest === 0) return `${day.prefix}${two(h)}:${two(m)}:00Z`;
  const sec = Math.floor(rest / 1000);
  const milli = rest - sec * 1000;
  return `${day.prefix}${two(h)}:${two(m)}:${two(sec)}.${milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : String(milli)}Z`;
}

/** Quoted when it holds a comma, quote or line break (ids and statuses rarely do). */
const field = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** One row as a CSV line ending in a newline: `messageLogRow` joined and quoted, without the array. */
export function messageLogLine(r: DeliveryRecord, status: string = r.status): string {
  const m = r.message;
  if (m.sentAtMs !== lastSent.ms) lastSent = { ms: m.sentAtMs, text: formatSimTime(simTime(m.sentAtMs)) };
  const delivered = r.deliveredAtMs === undefined ? '' : isoMs(Math.round(r.deliveredAtMs));
  return `${lastSent.text},${delivered},${m.class},${m.referencePoint},${field(m.from)},${field(m.to)},${m.type},${m.sizeBytes},${field(status)},${r.attempts},${r.link === undefined ? '' : field(r.link)}\n`;
}

/** The whole log as CSV text with its header. */
export function messageLogCsv(records: readonly DeliveryRecord[]): string {
  return stringify([[...MESSAGE_LOG_COLUMNS], ...records.map((r) => messageLogRow(r))]);
}

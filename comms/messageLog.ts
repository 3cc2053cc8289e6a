/**
 * The delivery log as the rows of `messages.csv` (DESIGN §4): one row per message,
 * in the order the plane finished them. Times ISO-8601 UTC; `delivered_at` is empty
 * for a lost message. Receivers' verdicts (rejected-signature, rejected-replay, …)
 * replace `status` when the engine records them; see comms/security.
 */
import { stringify } from 'csv-stringify/sync';
import { formatSimTime, simTime } from '../core/time.ts';
import { APPLICATION_CLASSES } from './applicationClasses.ts';
import type { MessageTable } from './messageTable.ts';
import { MESSAGE_TYPES } from './messages.ts';
import type { DeliveryRecord } from './plane.ts';
import { REFERENCE_POINTS } from './referencePoints.ts';

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

const encoder = new TextEncoder();
const ascii = (s: string): Uint8Array => encoder.encode(s);
/** `class,reference_point,` per class × reference point, and `type,` per type: one copy each per row. */
const CLASS_RP_BYTES = APPLICATION_CLASSES.flatMap((c) => REFERENCE_POINTS.map((rp) => ascii(`${c},${rp},`)));
const TYPE_BYTES = MESSAGE_TYPES.map((t) => ascii(`${t},`));
/** Bytes per piece handed to the writer of messages.csv. */
const PIECE_BYTES = 1 << 16;

/**
 * messages.csv rows written as UTF-8 bytes straight from a plane's message table: the same
 * text as `messageLogLine` (test/comms/messageLog.spec.ts checks it), without a string or an
 * array per row. Texts that repeat (endpoints, statuses, links, send times) are encoded and
 * quoted once. Rows accumulate in pieces of 64 kB, taken by the recorder once per interval.
 */
export class MessageLogWriter {
  private buf: Uint8Array = new Uint8Array(PIECE_BYTES);
  private at = 0;
  private pieces: Uint8Array[] = [];
  /** Each endpoint's quoted UTF-8 text, in one contiguous pool (two endpoints a row: few cache misses): start and length per endpoint id, −1 until encoded. */
  private pool = new Uint8Array(1 << 16);
  private poolUsed = 0;
  private endpointStart = new Int32Array(1024).fill(-1);
  private endpointLength = new Int32Array(1024);
  private readonly textBytes = new Map<string, Uint8Array>();
  private lastStatus = '';
  private lastStatusBytes: Uint8Array = new Uint8Array(0);
  private sentMs = NaN;
  private sentBytes: Uint8Array = new Uint8Array(0);
  private dayIndex = NaN;
  private dayPrefix: Uint8Array = new Uint8Array(0);

  /** Appends the row of `slot` with `status` (the plane's, or the receiver's verdict) and its link id (undefined: none). */
  row(table: MessageTable, slot: number, status: string, link: string | undefined): void {
    const from = this.endpoint(table, table.from[slot]!);
    const to = this.endpoint(table, table.to[slot]!);
    // Nearly every row has the status of the row before (`delivered`).
    if (status !== this.lastStatus) {
      this.lastStatus = status;
      this.lastStatusBytes = this.text(status);
    }
    const st = this.lastStatusBytes;
    const ln = link === undefined ? undefined : this.text(link);
    // Every fixed part of a row is under 160 bytes.
    this.room(160 + this.endpointLength[from]! + this.endpointLength[to]! + st.length + (ln?.length ?? 0));
    const sent = table.sentAtMs[slot]!;
    if (sent !== this.sentMs) {
      this.sentMs = sent;
      this.sentBytes = ascii(formatSimTime(simTime(sent)));
    }
    this.put(this.sentBytes);
    this.comma();
    const delivered = table.deliveredAtMs[slot]!;
    if (delivered === delivered) this.iso(Math.round(delivered));
    this.comma();
    this.put(CLASS_RP_BYTES[table.cls[slot]! * REFERENCE_POINTS.length + table.rp[slot]!]!);
    this.putEndpoint(from);
    this.comma();
    this.putEndpoint(to);
    this.comma();
    this.put(TYPE_BYTES[table.type[slot]!]!);
    const size = table.sizeBytes[slot]!;
    if (Number.isSafeInteger(size)) this.int(size);
    else this.put(ascii(String(size)));
    this.comma();
    this.put(st);
    this.comma();
    this.int(table.attempts[slot]!);
    this.comma();
    if (ln) this.put(ln);
    this.buf[this.at++] = 10;
  }

  /** The rows written since the last call, as pieces of bytes in order. */
  take(): Uint8Array[] {
    if (this.at > 0) {
      this.pieces.push(this.buf.subarray(0, this.at));
      this.buf = new Uint8Array(PIECE_BYTES);
      this.at = 0;
    }
    const out = this.pieces;
    this.pieces = [];
    return out;
  }

  /** `id`, its text encoded into the pool on first use. */
  private endpoint(table: MessageTable, id: number): number {
    if (id >= this.endpointStart.length) {
      const n = Math.max(id + 1, 2 * this.endpointStart.length);
      const start = new Int32Array(n).fill(-1);
      start.set(this.endpointStart);
      const length = new Int32Array(n);
      length.set(this.endpointLength);
      this.endpointStart = start;
      this.endpointLength = length;
    }
    if (this.endpointStart[id] === -1) {
      const bytes = encoder.encode(field(table.endpoints.names[id]!));
      if (this.poolUsed + bytes.length > this.pool.length) {
        const grown = new Uint8Array(Math.max(2 * this.pool.length, this.poolUsed + bytes.length));
        grown.set(this.pool.subarray(0, this.poolUsed));
        this.pool = grown;
      }
      this.pool.set(bytes, this.poolUsed);
      this.endpointStart[id] = this.poolUsed;
      this.endpointLength[id] = bytes.length;
      this.poolUsed += bytes.length;
    }
    return id;
  }

  private putEndpoint(id: number): void {
    const pool = this.pool;
    const b = this.buf;
    let at = this.at;
    const start = this.endpointStart[id]!;
    const end = start + this.endpointLength[id]!;
    for (let k = start; k < end; k++) b[at++] = pool[k]!;
    this.at = at;
  }

  private text(s: string): Uint8Array {
    let b = this.textBytes.get(s);
    if (b === undefined) this.textBytes.set(s, (b = encoder.encode(field(s))));
    return b;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    if (this.at > 0) this.pieces.push(this.buf.subarray(0, this.at));
    this.buf = new Uint8Array(Math.max(PIECE_BYTES, bytes));
    this.at = 0;
  }

  private put(src: Uint8Array): void {
    const b = this.buf;
    let at = this.at;
    for (let k = 0; k < src.length; k++) b[at++] = src[k]!;
    this.at = at;
  }

  private comma(): void {
    this.buf[this.at++] = 44;
  }

  private two(x: number): void {
    this.buf[this.at++] = 48 + Math.floor(x / 10);
    this.buf[this.at++] = 48 + (x % 10);
  }

  /** A non-negative safe integer's digits. */
  private int(n: number): void {
    if (n < 10) {
      this.buf[this.at++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    const b = this.buf;
    let at = this.at + digits;
    this.at = at;
    for (let v = n; digits > 0; digits--) {
      const q = Math.floor(v / 10);
      b[--at] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** `isoMs(ms)`'s text, written digit by digit. */
  private iso(ms: number): void {
    const d = Math.floor(ms / 86_400_000);
    if (d !== this.dayIndex) {
      this.dayIndex = d;
      this.dayPrefix = ascii(formatSimTime(simTime(d * 86_400_000)).slice(0, 11));
    }
    this.put(this.dayPrefix);
    let rest = ms - d * 86_400_000;
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    this.two(h);
    this.buf[this.at++] = 58;
    this.two(m);
    this.buf[this.at++] = 58;
    if (rest === 0) {
      this.two(0);
      this.buf[this.at++] = 90;
      return;
    }
    const sec = Math.floor(rest / 1000);
    const milli = rest - sec * 1000;
    this.two(sec);
    this.buf[this.at++] = 46;
    this.buf[this.at++] = 48 + Math.floor(milli / 100);
    this.two(milli % 100);
    this.buf[this.at++] = 90;
  }
}

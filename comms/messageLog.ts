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
import { grown } from '../core/typedArrays.ts';

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
  // A year outside 0000–9999 (six digits and a sign): its whole text.
  if (day.prefix[10] !== 'T') return formatSimTime(simTime(ms));
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
/**
 * Bytes per piece handed to the writer of messages.csv (output/csvFile.ts writes a piece this
 * large straight to the file). Under glibc's mmap threshold (128 kB), so the allocator reuses
 * freed pieces: 1 MB pieces were fresh pages from the kernel each time (a quarter of the bench's
 * day: 8 % more page faults and 0.3 s more system CPU).
 */
const PIECE_BYTES = 1 << 16;
/** The three ASCII digits of 0–999 (`007` for 7), at 3 × n: table look-ups instead of divisions and remainders. */
const DIGITS3 = Uint8Array.from({ length: 3000 }, (_, k) => String(Math.floor(k / 3)).padStart(3, '0').charCodeAt(k % 3));
/** The minute key of a row without `delivered_at` (a lost message): no minute is −0.5. */
const UNDELIVERED = -0.5;
/** Where the pool keeps the current time prefix, and its room: at most 42 bytes (`sent_at,` 25 and `delivered_at` to its minute 17; 29 for a lost message in a six-digit year). */
const PREFIX_AT = 0;
const PREFIX_ROOM = 64;

/**
 * messages.csv rows written as UTF-8 bytes straight from a plane's message table: the same
 * text as `messageLogLine` (test/comms/messageLogWriter.spec.ts checks it), without a string
 * or an array per row. Every text of a row but its digits is encoded once into one pool of
 * bytes — the time prefix (`sent_at`, and `delivered_at` up to its minute: shared by the rows of
 * a batch), `class,reference_point,` per pair, each endpoint's quoted name and comma, `type,`,
 * and `,status,attempts,link` with the newline — and copied from there four bytes at a time
 * (DataView words, which may run up to three bytes past a text: the next copy writes over
 * them). The pool stays small (10,000 agents: ~250 kB).
 * Rows accumulate in pieces of 64 kB, taken by the recorder once per interval. One writer
 * serves one message table (endpoint ids are the table's).
 */
export class MessageLogWriter {
  private buf: Uint8Array = Buffer.allocUnsafe(PIECE_BYTES);
  private out = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  /** Rows in `buf` from `start` (what `take` has not handed out yet) to `at`. */
  private start = 0;
  private at = 0;
  private pieces: Uint8Array[] = [];
  private pool = new Uint8Array(1 << 16);
  private poolView = new DataView(this.pool.buffer);
  private poolUsed = PREFIX_ROOM;
  /** Pool offset and length per class × reference point (`class,rp,`), per type (`type,`) and per endpoint id (`name,`; −1 until encoded). */
  private readonly classRpAt: Int32Array;
  private readonly classRpLength: Int32Array;
  private readonly typeAt: Int32Array;
  private readonly typeLength: Int32Array;
  private endpointAt = new Int32Array(1024).fill(-1);
  private endpointLength = new Int32Array(1024);
  /** `,status,attempts,link\n` per its values, and those of the previous row. */
  private readonly ends = new Map<string, number>();
  private endStatus = '';
  private endAttempts = NaN;
  private endLink: string | undefined = undefined;
  private endAt = 0;
  private endLength = 0;
  /** The time prefix of the previous row and its key: send time, and the minute of the delivery (UNDELIVERED: none). */
  private prefixSentMs = NaN;
  private prefixMinute = NaN;
  private prefixAt = PREFIX_AT;
  private prefixLength = 0;
  /** The prefix holds `sent_at,` only and delivered_at is written whole (a year outside 0000–9999, whose ISO text is longer). */
  private prefixWhole = false;

  /** `keep` false: a writer for a pass whose messages.csv nobody reads (engine/run.ts, the passes before the written run): `row` encodes nothing and `take` gives no piece. */
  constructor(private readonly keep = true) {
    const classRp = APPLICATION_CLASSES.flatMap((c) => REFERENCE_POINTS.map((rp) => this.append(`${c},${rp},`)));
    this.classRpAt = Int32Array.from(classRp, (p) => p[0]);
    this.classRpLength = Int32Array.from(classRp, (p) => p[1]);
    const types = MESSAGE_TYPES.map((t) => this.append(`${t},`));
    this.typeAt = Int32Array.from(types, (p) => p[0]);
    this.typeLength = Int32Array.from(types, (p) => p[1]);
  }

  /** Appends the row of `slot` with `status` (the plane's, or the receiver's verdict) and its link id (undefined: none). */
  row(table: MessageTable, slot: number, status: string, link: string | undefined): void {
    if (!this.keep) return;
    const from = table.from(slot);
    const to = table.to(slot);
    if (from >= this.endpointAt.length || to >= this.endpointAt.length) this.growEndpoints(Math.max(from, to) + 1);
    if (this.endpointAt[from] === -1) this.addEndpoint(from, table.endpoints.names[from]!);
    if (this.endpointAt[to] === -1) this.addEndpoint(to, table.endpoints.names[to]!);
    const attempts = table.attempts(slot);
    // Nearly every row ends as the row before (`,delivered,1,`).
    if (status !== this.endStatus || attempts !== this.endAttempts || link !== this.endLink) this.newEnd(status, attempts, link);
    const sent = table.sentAtMs(slot);
    const delivered = table.deliveredAtMs(slot);
    let minute = UNDELIVERED;
    let ms = 0;
    if (delivered === delivered) {
      ms = Math.round(delivered);
      minute = Math.floor(ms / 60_000);
    }
    if (sent !== this.prefixSentMs || minute !== this.prefixMinute) this.newPrefix(sent, minute);
    if (this.prefixWhole) return this.wholeRow(table, slot, status, link);

    const cr = table.cls(slot) * REFERENCE_POINTS.length + table.rp(slot);
    const type = table.type(slot);
    const fromLength = this.endpointLength[from]!;
    const toLength = this.endpointLength[to]!;
    // The copies' texts, seven digits of delivered_at and its `Z,`, at most 24 of bytes; and the copies' overrun.
    this.room(this.prefixLength + 9 + this.classRpLength[cr]! + fromLength + toLength + this.typeLength[type]! + 24 + this.endLength + 4);
    const b = this.buf;
    let at = this.copy(this.at, this.prefixAt, this.prefixLength);
    if (minute !== UNDELIVERED) {
      const rest = ms - minute * 60_000;
      if (rest === 0) {
        b[at++] = 48;
        b[at++] = 48;
      } else {
        const sec = Math.floor(rest / 1000);
        const milli = 3 * (rest - sec * 1000);
        b[at++] = DIGITS3[3 * sec + 1]!;
        b[at++] = DIGITS3[3 * sec + 2]!;
        b[at++] = 46;
        b[at++] = DIGITS3[milli]!;
        b[at++] = DIGITS3[milli + 1]!;
        b[at++] = DIGITS3[milli + 2]!;
      }
      b[at++] = 90;
      b[at++] = 44;
    }
    at = this.copy(at, this.classRpAt[cr]!, this.classRpLength[cr]!);
    at = this.copy(at, this.endpointAt[from]!, fromLength);
    at = this.copy(at, this.endpointAt[to]!, toLength);
    at = this.copy(at, this.typeAt[type]!, this.typeLength[type]!);
    const size = table.sizeBytes(slot);
    if (size >= 0 && size < 1000 && Number.isInteger(size)) {
      const d = 3 * size;
      if (size >= 100) b[at++] = DIGITS3[d]!;
      if (size >= 10) b[at++] = DIGITS3[d + 1]!;
      b[at++] = DIGITS3[d + 2]!;
    } else {
      // Any other number as `String` writes it (at most 24 characters: `-1.2345678901234567e-308`).
      const text = encoder.encode(String(size));
      b.set(text, at);
      at += text.length;
    }
    this.at = this.copy(at, this.endAt, this.endLength);
  }

  /** The rows written since the last call, as pieces of bytes in order. */
  take(): Uint8Array[] {
    if (this.at > this.start) {
      this.pieces.push(this.buf.subarray(this.start, this.at));
      this.start = this.at;
    }
    const out = this.pieces;
    this.pieces = [];
    return out;
  }

  /** Copies `length` bytes of the pool from `src` to the row at `at`, four at a time; returns the end. */
  private copy(at: number, src: number, length: number): number {
    const out = this.out;
    const pool = this.poolView;
    for (let k = 0; k < length; k += 4) out.setInt32(at + k, pool.getInt32(src + k, true), true);
    return at + length;
  }

  /** A row in a year outside 0000–9999: its text made whole (never in a simulated grid's lifetime). */
  private wholeRow(table: MessageTable, slot: number, status: string, link: string | undefined): void {
    const names = table.endpoints.names;
    const delivered = table.deliveredAtMs(slot);
    const text = `${formatSimTime(simTime(table.sentAtMs(slot)))},${delivered === delivered ? formatSimTime(simTime(Math.round(delivered))) : ''},${APPLICATION_CLASSES[table.cls(slot)]},${REFERENCE_POINTS[table.rp(slot)]},${field(names[table.from(slot)]!)},${field(names[table.to(slot)]!)},${MESSAGE_TYPES[table.type(slot)]},${table.sizeBytes(slot)},${field(status)},${table.attempts(slot)},${link === undefined ? '' : field(link)}\n`;
    const bytes = encoder.encode(text);
    this.room(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  /**
   * The row's text before the seconds of `delivered_at`: `sent_at,` and `delivered_at` up
   * to its minute (`2026-07-15T17:04:`), or `sent_at,,` for a message never delivered.
   */
  private newPrefix(sentMs: number, minute: number): void {
    this.prefixSentMs = sentMs;
    this.prefixMinute = minute;
    const sent = formatSimTime(simTime(sentMs));
    let text = `${sent},,`;
    this.prefixWhole = false;
    if (minute !== UNDELIVERED) {
      // `YYYY-MM-DDTHH:MM:00.000Z`: the text up to the seconds is the minute's own.
      const iso = new Date(minute * 60_000).toISOString();
      this.prefixWhole = iso.length !== 24 || sent.length > 24;
      text = `${sent},${iso.slice(0, 17)}`;
    }
    if (this.prefixWhole) return;
    const bytes = encoder.encode(text);
    this.pool.set(bytes, PREFIX_AT);
    this.prefixAt = PREFIX_AT;
    this.prefixLength = bytes.length;
  }

  private newEnd(status: string, attempts: number, link: string | undefined): void {
    this.endStatus = status;
    this.endAttempts = attempts;
    this.endLink = link;
    const text = `,${field(status)},${attempts},${link === undefined ? '' : field(link)}\n`;
    let at = this.ends.get(text);
    if (at === undefined) this.ends.set(text, (at = this.append(text)[0]));
    this.endAt = at;
    this.endLength = encoder.encode(text).length;
  }

  private addEndpoint(id: number, name: string): void {
    const [at, length] = this.append(`${field(name)},`);
    this.endpointAt[id] = at;
    this.endpointLength[id] = length;
  }

  /** Encodes `text` at the end of the pool; returns its offset and length. */
  private append(text: string): [number, number] {
    const bytes = encoder.encode(text);
    // Copies read up to three bytes past a text.
    if (this.poolUsed + bytes.length + 4 > this.pool.length) {
      const grown = new Uint8Array(Math.max(2 * this.pool.length, this.poolUsed + bytes.length + 4));
      grown.set(this.pool.subarray(0, this.poolUsed));
      this.pool = grown;
      this.poolView = new DataView(grown.buffer);
    }
    const at = this.poolUsed;
    this.pool.set(bytes, at);
    this.poolUsed += bytes.length;
    return [at, bytes.length];
  }

  private growEndpoints(n: number): void {
    const size = Math.max(n, 2 * this.endpointAt.length);
    const known = this.endpointAt.length;
    this.endpointAt = grown(this.endpointAt, size).fill(-1, known);
    this.endpointLength = grown(this.endpointLength, size);
  }

  /** Makes room for `bytes` more: hands the rows so far over as a piece and starts a new buffer when full. */
  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    if (this.at > this.start) this.pieces.push(this.buf.subarray(this.start, this.at));
    this.buf = Buffer.allocUnsafe(Math.max(PIECE_BYTES, bytes));
    this.out = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.start = 0;
    this.at = 0;
  }
}

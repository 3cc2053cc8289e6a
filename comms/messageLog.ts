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
/** Four ASCII characters as the little-endian Int32 a DataView writes them with. */
const word = (text: string): number => text.charCodeAt(0) | (text.charCodeAt(1) << 8) | (text.charCodeAt(2) << 16) | (text.charCodeAt(3) << 24);
/**
 * The seconds and milliseconds of `delivered_at` after its minute (`SS.mmmZ,`) as two words:
 * `SECONDS[r]` is `SS.m` for the hundreds r (0–599) of the milliseconds into the minute,
 * `MILLIS[r]` the last two digits and `Z,` for the rest r (0–99). A whole minute is `00Z,`.
 */
const SECONDS = Int32Array.from({ length: 600 }, (_, r) => word(`${String(Math.floor(r / 10)).padStart(2, '0')}.${r % 10}`));
const MILLIS = Int32Array.from({ length: 100 }, (_, r) => word(`${String(r).padStart(2, '0')}Z,`));
const WHOLE_MINUTE = word('00Z,');
/** Where the pool keeps the current time prefix, and its room: at most 42 bytes (`sent_at,` 25 and `delivered_at` to its minute 17; 29 for a lost message in a six-digit year). */
const PREFIX_AT = 0;
const PREFIX_ROOM = 64;
/** Entries of the tail cache (a power of two), and bytes per entry (a longer tail is written piece by piece every time). */
const TAIL_BITS = 8;
const TAIL_ENTRIES = 1 << TAIL_BITS;
const TAIL_ROOM = 56;
/**
 * Bytes per copy of the pool and the tail cache into a row: 8, as a float64 of a DataView (a
 * copy's last word may run up to seven bytes past its text: the next copy writes over them, and
 * the row buffer keeps this much room at its end). Eight bytes are safe as a double whatever an
 * engine does with a NaN's bits, because no word copied is a NaN: a little-endian NaN needs its
 * byte 6 at 0xf0 or more and its byte 7 at 0x7f or 0xff, and the pool and the tail entries hold
 * only UTF-8 text and zeros — where 0xf5–0xff never occur and 0xf0–0xf4 (a four-byte lead)
 * is always followed by a continuation byte (0x80–0xbf). Measured (300,000 rows of the bench's
 * day, written 3.5 million times): 79 ns a row against 104 with four-byte copies.
 */
const WORD = 8;
/** Attempt counts whose ending ids the writer keeps in an array for the current status and link (more: looked up by text). */
const ATTEMPTS_KEPT = 16;

/**
 * messages.csv rows written as UTF-8 bytes straight from a plane's message table: the same
 * text as `messageLogLine` (test/comms/messageLogWriter.spec.ts checks it), without a string
 * or an array per row. Every text of a row but its digits is encoded once into one pool of
 * bytes — the time prefix (`sent_at`, and `delivered_at` up to its minute: shared by the rows of
 * a batch), `class,reference_point,` per pair, each endpoint's quoted name and comma, `type,`,
 * and `,status,attempts,link` with the newline — and copied from there eight bytes at a time
 * (DataView words, `WORD`, which may run up to seven bytes past a text: the next copy writes over
 * them). The pool stays small (10,000 agents: ~250 kB). A row's tail — `type,bytes,` and its
 * ending — is one of a few dozen in a run and is copied whole from a small cache (`tails`).
 * Rows accumulate in pieces of 64 kB, taken by the recorder once per interval. One writer
 * serves one message table (endpoint ids are the table's).
 *
 * Measured and not kept (the bench's ×13 day, 3.5M rows): a cache of whole row suffixes
 * (`class,…,link\n` per sender, receiver, type, size and ending; 74,526 of them, 97.9 % of rows
 * hit) was three times slower than copying the fields: 9 MB of suffixes read at random miss
 * the processor's caches on every row, where the fields come from a pool that stays in them.
 */
export class MessageLogWriter {
  private buf: Uint8Array = Buffer.allocUnsafe(PIECE_BYTES);
  private out = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  /** Rows in `buf` from `start` (what `take` has not handed out yet) to `at`. */
  private start = 0;
  private at = 0;
  private pieces: Uint8Array[] = [];
  /**
   * With `reusePieces`: the buffers filled since the last `take`, those whose rows the last
   * `take` handed out, and those free to fill again (their rows handed out two takes ago).
   */
  private filled: Uint8Array[] = [];
  private handedOut: Uint8Array[] = [];
  private free: Uint8Array[] = [];
  private pool = new Uint8Array(1 << 16);
  private poolView = new DataView(this.pool.buffer);
  private poolUsed = PREFIX_ROOM;
  /**
   * The longest text in the pool, and the most bytes a row can take with its copies' overrun: the
   * prefix (at most `PREFIX_ROOM`), `SS.mmmZ,`, five texts of the pool (class and reference
   * point, two endpoints, a type, an ending; a cached tail is no longer than a type, its size and an ending) and a
   * size of at most 24 characters. One comparison a row instead of summing its parts.
   */
  private longestText = 0;
  private rowBound = PREFIX_ROOM + 8 + 24 + WORD;
  /** Pool offset and length per class × reference point (`class,rp,`) and per type (`type,`). */
  private readonly classRpAt: Int32Array;
  private readonly classRpLength: Int32Array;
  private readonly typeAt: Int32Array;
  private readonly typeLength: Int32Array;
  /** Per endpoint id, its name's (`name,`) pool offset at 2 × id (−1 until encoded) and length at 2 × id + 1: one cache line for both. */
  private endpoints = new Int32Array(2048).fill(-1);
  /** `,status,attempts,link\n` per its text: its id, whose pool offset and length are `endAtOf`/`endLengthOf`. */
  private readonly ends = new Map<string, number>();
  private readonly endAtOf: number[] = [];
  private readonly endLengthOf: number[] = [];
  /** The ending of the previous row: its values and id. */
  private endStatus = '';
  private endAttempts = NaN;
  private endLink: string | undefined = undefined;
  private endId = 0;
  /** Ending ids by attempts (−1: not yet known) for the status and link `keptStatus`, `keptLink`. */
  private readonly keptEnds = new Int32Array(ATTEMPTS_KEPT).fill(-1);
  private keptStatus = '';
  private keptLink: string | undefined = undefined;
  /**
   * The tails `type,bytes,status,attempts,link\n` of recent rows, direct-mapped by type, size and
   * ending: entry e holds the tail of size `tailSize[e]` and `tailKind[e]` = type + types × ending id
   * at e × TAIL_ROOM in `tails`, of `tailLength[e]` bytes (0: empty). A row copies its tail
   * whole instead of a type, digits and an ending. Fixed size (TAIL_ENTRIES × TAIL_ROOM = 12 kB):
   * a run of any size has a few dozen tails.
   */
  private readonly tails = new Uint8Array(TAIL_ENTRIES * TAIL_ROOM);
  private readonly tailView = new DataView(this.tails.buffer);
  private readonly tailSize = new Int32Array(TAIL_ENTRIES);
  private readonly tailKind = new Int32Array(TAIL_ENTRIES);
  private readonly tailLength = new Int32Array(TAIL_ENTRIES);
  /**
   * The time prefix of the previous row and its key: send time, and the first ms of the minute
   * of the delivery (NaN: the prefix of a lost message, `sent_at,,`).
   */
  private prefixSentMs = NaN;
  private prefixMinuteMs = NaN;
  private prefixLost = false;
  private prefixAt = PREFIX_AT;
  private prefixLength = 0;
  /** The prefix holds `sent_at,` only and delivered_at is written whole (a year outside 0000–9999, whose ISO text is longer). */
  private prefixWhole = false;

  /**
   * `keep` false: a writer for a pass whose messages.csv nobody reads (engine/run.ts, the passes
   * before the written run): `row` encodes nothing and `take` gives no piece.
   * `reusePieces` (SimulationOptions.reuseIntervalArrays): the pieces a `take` hands out are valid
   * only until the next `take` (their buffers are filled again after it). Why: each 64 kB piece
   * is an ArrayBuffer, which V8 counts as external memory; 378 MB of them a day (evening-peak
   * × 13) started 4 of the plane day's 13 incremental markings ("external memory pressure").
   */
  constructor(
    private readonly keep = true,
    private readonly reusePieces = false,
  ) {
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
    const attempts = table.attempts(slot);
    // Nearly every row ends as the row before (`,delivered,1,`).
    if (status !== this.endStatus || attempts !== this.endAttempts || link !== this.endLink) this.newEnd(status, attempts, link);
    const sent = table.sentAtMs(slot);
    const delivered = table.deliveredAtMs(slot);
    // Milliseconds into the minute of the prefix (delivered), or −1 (lost).
    let rest = -1;
    if (delivered === delivered) {
      const ms = Math.round(delivered);
      rest = ms - this.prefixMinuteMs;
      // Most rows fall in the prefix's minute (NaN for a lost message's prefix: never).
      if (sent !== this.prefixSentMs || !(rest >= 0 && rest < 60_000)) {
        this.newPrefix(sent, Math.floor(ms / 60_000));
        rest = ms - this.prefixMinuteMs;
      }
    } else if (sent !== this.prefixSentMs || !this.prefixLost) this.newPrefix(sent, NaN);
    if (this.prefixWhole) return this.wholeRow(table, slot, status, link);

    const e2 = this.endpoints;
    const from = 2 * table.from(slot);
    const to = 2 * table.to(slot);
    // Not yet encoded (−1) or beyond the array (undefined).
    if (!(e2[from]! >= 0) || !(e2[to]! >= 0)) this.addEndpoints(table, from >> 1, to >> 1);
    const endpoints = this.endpoints;
    const fromAt = endpoints[from]!;
    const fromLength = endpoints[from + 1]!;
    const toAt = endpoints[to]!;
    const toLength = endpoints[to + 1]!;
    const cr = table.cls(slot) * REFERENCE_POINTS.length + table.rp(slot);
    const type = table.type(slot);
    const size = table.sizeBytes(slot);
    const kind = type + MESSAGE_TYPES.length * this.endId;
    // The tail's entry: it holds this tail when the keys match (a size that is no Int32 never matches).
    const e = (Math.imul(kind, 0x9e3779b1) ^ Math.imul(size | 0, 0x85ebca77)) >>> (32 - TAIL_BITS);
    const tailLength = this.tailSize[e] === size && this.tailKind[e] === kind ? this.tailLength[e]! : 0;
    // The copies' texts, eight bytes of `SS.mmmZ,`, the tail (or room to make it); and the copies' overrun.
    if (this.at + this.rowBound > this.buf.length) this.room(this.rowBound);
    const out = this.out;
    let at = this.copy(this.at, this.prefixAt, this.prefixLength);
    if (rest > 0) {
      const hundreds = Math.floor(rest / 100);
      out.setInt32(at, SECONDS[hundreds]!, true);
      out.setInt32(at + 4, MILLIS[rest - 100 * hundreds]!, true);
      at += 8;
    } else if (rest === 0) {
      out.setInt32(at, WHOLE_MINUTE, true);
      at += 4;
    }
    at = this.copy(at, this.classRpAt[cr]!, this.classRpLength[cr]!);
    at = this.copy(at, fromAt, fromLength);
    at = this.copy(at, toAt, toLength);
    if (tailLength > 0) {
      const tails = this.tailView;
      const src = e * TAIL_ROOM;
      for (let k = 0; k < tailLength; k += WORD) out.setFloat64(at + k, tails.getFloat64(src + k, true), true);
      this.at = at + tailLength;
    } else this.at = this.newTail(at, type, size, kind, e);
  }

  /** The rows written since the last call, as pieces of bytes in order. */
  take(): Uint8Array[] {
    if (this.at > this.start) {
      this.pieces.push(this.buf.subarray(this.start, this.at));
      this.start = this.at;
    }
    const out = this.pieces;
    this.pieces = [];
    if (this.reusePieces) {
      // The previous take's pieces have been written out (their holder's interval is over).
      for (const b of this.handedOut) this.free.push(b);
      this.handedOut = this.filled;
      this.filled = [];
    }
    return out;
  }

  /** Copies `length` bytes of the pool from `src` to the row at `at`, eight at a time (`WORD`); returns the end. */
  private copy(at: number, src: number, length: number): number {
    const out = this.out;
    const pool = this.poolView;
    for (let k = 0; k < length; k += WORD) out.setFloat64(at + k, pool.getFloat64(src + k, true), true);
    return at + length;
  }

  /** Writes a tail not in the cache at `begin` (`type,bytes,status,attempts,link\n`) and keeps it in entry `e` when it fits; returns its end. */
  private newTail(begin: number, type: number, size: number, kind: number, e: number): number {
    const b = this.buf;
    let at = this.copy(begin, this.typeAt[type]!, this.typeLength[type]!);
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
    at = this.copy(at, this.endAtOf[this.endId]!, this.endLengthOf[this.endId]!);
    const length = at - begin;
    // Only sizes that are Int32s are keys (−0 is 0: the same text); an entry's copy reads up to seven bytes past its tail: inside the entry.
    if ((size | 0) === size && length <= TAIL_ROOM - 7) {
      this.tailSize[e] = size;
      this.tailKind[e] = kind;
      this.tailLength[e] = length;
      // Byte by byte and zeros after it (not the row buffer's bytes past the tail): an entry holds UTF-8 text and zeros only (see `WORD`).
      const b = this.buf;
      const tails = this.tails;
      const dst = e * TAIL_ROOM;
      for (let k = 0; k < length; k++) tails[dst + k] = b[begin + k]!;
      tails.fill(0, dst + length, dst + TAIL_ROOM);
    }
    return at;
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
   * to its minute (`2026-07-15T17:04:`), or `sent_at,,` for a message never delivered (`minute` NaN).
   */
  private newPrefix(sentMs: number, minute: number): void {
    this.prefixSentMs = sentMs;
    this.prefixMinuteMs = minute * 60_000;
    this.prefixLost = minute !== minute;
    const sent = formatSimTime(simTime(sentMs));
    let text = `${sent},,`;
    this.prefixWhole = false;
    if (!this.prefixLost) {
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

  /** The ending `,status,attempts,link\n` of the rows from now: its id (its text encoded into the pool once). */
  private newEnd(status: string, attempts: number, link: string | undefined): void {
    this.endStatus = status;
    this.endAttempts = attempts;
    this.endLink = link;
    if (status !== this.keptStatus || link !== this.keptLink) {
      this.keptStatus = status;
      this.keptLink = link;
      this.keptEnds.fill(-1);
    }
    const kept = attempts >= 0 && attempts < ATTEMPTS_KEPT ? this.keptEnds[attempts]! : -1;
    if (kept >= 0) {
      this.endId = kept;
      return;
    }
    const text = `,${field(status)},${attempts},${link === undefined ? '' : field(link)}\n`;
    let id = this.ends.get(text);
    if (id === undefined) {
      const [at, length] = this.append(text);
      id = this.endAtOf.length;
      this.endAtOf.push(at);
      this.endLengthOf.push(length);
      this.ends.set(text, id);
    }
    this.endId = id;
    if (attempts >= 0 && attempts < ATTEMPTS_KEPT) this.keptEnds[attempts] = id;
  }

  /** Encodes the names of endpoints `from` and `to` into the pool when not yet there (growing the endpoint array for new ids). */
  private addEndpoints(table: MessageTable, from: number, to: number): void {
    const n = Math.max(from, to) + 1;
    if (2 * n > this.endpoints.length) {
      const known = this.endpoints.length;
      this.endpoints = grown(this.endpoints, 2 * Math.max(n, known)).fill(-1, known);
    }
    for (const id of [from, to]) {
      if (this.endpoints[2 * id]! >= 0) continue;
      const [at, length] = this.append(`${field(table.endpoints.names[id]!)},`);
      this.endpoints[2 * id] = at;
      this.endpoints[2 * id + 1] = length;
    }
  }

  /** Encodes `text` at the end of the pool; returns its offset and length. */
  private append(text: string): [number, number] {
    const bytes = encoder.encode(text);
    // Copies read up to seven bytes past a text.
    if (this.poolUsed + bytes.length + WORD > this.pool.length) {
      const grown = new Uint8Array(Math.max(2 * this.pool.length, this.poolUsed + bytes.length + WORD));
      grown.set(this.pool.subarray(0, this.poolUsed));
      this.pool = grown;
      this.poolView = new DataView(grown.buffer);
    }
    const at = this.poolUsed;
    this.pool.set(bytes, at);
    this.poolUsed += bytes.length;
    if (bytes.length > this.longestText) {
      this.longestText = bytes.length;
      this.rowBound = PREFIX_ROOM + 8 + 5 * bytes.length + 24 + WORD;
    }
    return [at, bytes.length];
  }

  /** Makes room for `bytes` more: hands the rows so far over as a piece and starts a new buffer when full. */
  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    if (this.at > this.start) this.pieces.push(this.buf.subarray(this.start, this.at));
    if (this.reusePieces) this.filled.push(this.buf);
    const size = Math.max(PIECE_BYTES, bytes);
    const free = this.free.length > 0 && this.free[this.free.length - 1]!.length >= size ? this.free.pop() : undefined;
    this.buf = free ?? Buffer.allocUnsafe(size);
    this.out = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.start = 0;
    this.at = 0;
  }
}

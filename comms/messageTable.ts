/**
 * The messages in flight on a plane, as fixed-size records in one typed buffer (one slot per
 * message, reused once the message has finished) instead of one object per message:
 * a run sends millions of messages, and objects per message were most of the plane's
 * cost (allocation and garbage collection). A slot is handed out by `MessagePlane.send`
 * and is valid until the owner's finish callback for it returns.
 *
 * Types, classes and reference points are indices into MESSAGE_TYPES,
 * APPLICATION_CLASSES and REFERENCE_POINTS; senders and receivers are ids of the
 * table's `endpoints` (each name interned once).
 */
import { APPLICATION_CLASSES, type ApplicationClass } from './applicationClasses.ts';
import { MESSAGE_TYPES, type MessageType } from './messages.ts';
import { REFERENCE_POINTS, type ReferencePoint } from './referencePoints.ts';
import { grown } from '../core/typedArrays.ts';

/** The plane's verdicts, as stored in `status`: indices into DELIVERY_STATUSES. */
export const DELIVERY_STATUSES = ['delivered', 'late', 'lost'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const DELIVERED = 0;
export const LATE = 1;
export const LOST = 2;

export const typeIndex: Readonly<Record<MessageType, number>> = Object.fromEntries(MESSAGE_TYPES.map((t, i) => [t, i])) as Record<MessageType, number>;
export const classIndex: Readonly<Record<ApplicationClass, number>> = Object.fromEntries(APPLICATION_CLASSES.map((c, i) => [c, i])) as Record<ApplicationClass, number>;
export const referencePointIndex: Readonly<Record<ReferencePoint, number>> = Object.fromEntries(REFERENCE_POINTS.map((r, i) => [r, i])) as Record<ReferencePoint, number>;

/** Names (agents, meters, `market`, `mdms` …) as small integers, each interned once. */
export class Endpoints {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }
}

/**
 * One message's fields as a record of 64 bytes (one or two cache lines), read through the
 * table's three views of one buffer: doubles at `8 × slot + F_…`, int32s at `16 × slot + I_…`,
 * bytes at `64 × slot + B_…`. A message finishes at a random moment of its burst, so its slot is
 * read at random; as columns, one per field, that read touched some fifteen cache lines (the
 * plane's, the receiver's and the log's fields), as a record it touches one or two.
 */
export const RECORD_BYTES = 64;
export const F_SENT_AT = 0;
/** NaN until delivered; stays NaN for a lost message. */
export const F_DELIVERED_AT = 1;
/** NaN: no deadline. */
export const F_DEADLINE = 2;
export const F_SIZE = 3;
export const I_FROM = 8;
export const I_TO = 9;
/** The attempt under way (1 for the first transmission); when finished, the attempts made. */
export const I_ATTEMPTS = 10;
/** Index of the shared link that carries it; −1 for its own access path. */
export const I_LINK = 11;
/** Two numbers the owner keeps with the message for its receiver (engine/interval/comms.ts: a bid's index and gate, a price's party and interval …). */
export const I_TAG = 12;
export const I_BATCH = 13;
export const B_TYPE = 56;
export const B_CLASS = 57;
export const B_REFERENCE_POINT = 58;
/** DELIVERED, LATE or LOST once finished. */
export const B_STATUS = 59;
/** The owner's kind of message: what its receiver does with it. */
export const B_KIND = 60;

export class MessageTable {
  readonly endpoints = new Endpoints();
  /** The records (see RECORD_BYTES), as doubles, int32s and bytes; replaced when the table grows. */
  f64 = new Float64Array(0);
  i32 = new Int32Array(0);
  u8 = new Uint8Array(0);
  /** Next slot in the same link queue (an intrusive FIFO), −1 at the tail; apart from the records, as only links' queues use it. */
  next = new Int32Array(0);
  private capacity = 0;

  /** Fills a slot's fields as sent: its first attempt, not delivered, on the access path (link −1), with the owner's kind and tags (default 0). */
  write(s: number, type: number, cls: number, rp: number, from: number, to: number, sizeBytes: number, sentAtMs: number, deadlineMs: number, kind = 0, tag = 0, batch = 0): void {
    const f = this.f64;
    const i = this.i32;
    const u = this.u8;
    const d = 8 * s;
    f[d + F_SENT_AT] = sentAtMs;
    f[d + F_DELIVERED_AT] = NaN;
    f[d + F_DEADLINE] = deadlineMs;
    f[d + F_SIZE] = sizeBytes;
    const w = 16 * s;
    i[w + I_FROM] = from;
    i[w + I_TO] = to;
    i[w + I_ATTEMPTS] = 1;
    i[w + I_LINK] = -1;
    i[w + I_TAG] = tag;
    i[w + I_BATCH] = batch;
    const b = RECORD_BYTES * s;
    u[b + B_TYPE] = type;
    u[b + B_CLASS] = cls;
    u[b + B_REFERENCE_POINT] = rp;
    u[b + B_STATUS] = 0;
    u[b + B_KIND] = kind;
  }

  type(s: number): number {
    return this.u8[RECORD_BYTES * s + B_TYPE]!;
  }
  cls(s: number): number {
    return this.u8[RECORD_BYTES * s + B_CLASS]!;
  }
  rp(s: number): number {
    return this.u8[RECORD_BYTES * s + B_REFERENCE_POINT]!;
  }
  status(s: number): number {
    return this.u8[RECORD_BYTES * s + B_STATUS]!;
  }
  kind(s: number): number {
    return this.u8[RECORD_BYTES * s + B_KIND]!;
  }
  from(s: number): number {
    return this.i32[16 * s + I_FROM]!;
  }
  to(s: number): number {
    return this.i32[16 * s + I_TO]!;
  }
  attempts(s: number): number {
    return this.i32[16 * s + I_ATTEMPTS]!;
  }
  link(s: number): number {
    return this.i32[16 * s + I_LINK]!;
  }
  tag(s: number): number {
    return this.i32[16 * s + I_TAG]!;
  }
  batch(s: number): number {
    return this.i32[16 * s + I_BATCH]!;
  }
  sentAtMs(s: number): number {
    return this.f64[8 * s + F_SENT_AT]!;
  }
  deliveredAtMs(s: number): number {
    return this.f64[8 * s + F_DELIVERED_AT]!;
  }
  deadlineMs(s: number): number {
    return this.f64[8 * s + F_DEADLINE]!;
  }
  sizeBytes(s: number): number {
    return this.f64[8 * s + F_SIZE]!;
  }

  /**
   * Free slots below `used`, one bit each. Slots are handed out by a cursor that sweeps
   * forward over them (next fit), not last-freed first: a burst of sends (every bid, every
   * price) takes consecutive slots, so its columns are written, and later read as the
   * messages finish, in a compact range the cache holds, rather than scattered over the table.
   */
  private freeBits = new Int32Array(0);
  private freeCount = 0;
  private cursor = 0;
  private used = 0;

  /** A slot for a new message, its columns to be filled by the caller. */
  allocate(): number {
    if (this.freeCount === 0) {
      if (this.used === this.capacity) this.grow();
      return this.used++;
    }
    // The first free slot at or after the cursor, wrapping around: there is one.
    const bits = this.freeBits;
    const words = (this.used + 31) >> 5;
    let w = this.cursor >> 5;
    let word = bits[w]! & (-1 << (this.cursor & 31));
    while (word === 0) {
      w = w + 1 === words ? 0 : w + 1;
      word = bits[w]!;
    }
    const bit = 31 - Math.clz32(word & -word);
    bits[w] = bits[w]! & ~(1 << bit);
    this.freeCount--;
    const slot = (w << 5) + bit;
    this.cursor = slot + 1 === this.used ? 0 : slot + 1;
    return slot;
  }

  release(slot: number): void {
    this.freeBits[slot >> 5] = this.freeBits[slot >> 5]! | (1 << (slot & 31));
    this.freeCount++;
  }

  private grow(): void {
    const cap = Math.max(1024, this.capacity * 2);
    this.capacity = cap;
    const buffer = new ArrayBuffer(cap * RECORD_BYTES);
    new Uint8Array(buffer).set(this.u8);
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.next = grown(this.next, cap);
    this.freeBits = grown(this.freeBits, cap >> 5);
  }
}

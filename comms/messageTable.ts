/**
 * The messages in flight on a plane, as rows of typed-array columns (one slot per
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

export class MessageTable {
  readonly endpoints = new Endpoints();
  type = new Uint8Array(0);
  cls = new Uint8Array(0);
  rp = new Uint8Array(0);
  from = new Int32Array(0);
  to = new Int32Array(0);
  sizeBytes = new Float64Array(0);
  sentAtMs = new Float64Array(0);
  /** NaN: no deadline. */
  deadlineMs = new Float64Array(0);
  /** The attempt under way (1 for the first transmission); when finished, the attempts made. */
  attempts = new Int32Array(0);
  /** NaN until delivered; stays NaN for a lost message. */
  deliveredAtMs = new Float64Array(0);
  /** DELIVERED, LATE or LOST once finished. */
  status = new Uint8Array(0);
  /** Index of the shared link that carries it; −1 for its own access path. */
  link = new Int32Array(0);
  /** Next slot in the same link queue (an intrusive FIFO), −1 at the tail. */
  next = new Int32Array(0);
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
      if (this.used === this.type.length) this.grow();
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
    const cap = Math.max(1024, this.type.length * 2);
    this.type = grown(this.type, cap);
    this.cls = grown(this.cls, cap);
    this.rp = grown(this.rp, cap);
    this.from = grown(this.from, cap);
    this.to = grown(this.to, cap);
    this.sizeBytes = grown(this.sizeBytes, cap);
    this.sentAtMs = grown(this.sentAtMs, cap);
    this.deadlineMs = grown(this.deadlineMs, cap);
    this.attempts = grown(this.attempts, cap);
    this.deliveredAtMs = grown(this.deliveredAtMs, cap);
    this.status = grown(this.status, cap);
    this.link = grown(this.link, cap);
    this.next = grown(this.next, cap);
    this.freeBits = grown(this.freeBits, cap >> 5);
  }
}

/**
 * The communication plane: messages in, a delivery log out, in virtual time.
 *
 * How one message travels (every step in simulated ms; never wall time):
 * 1. At `sentAtMs` it joins the queue of the shared link that carries its
 *    (reference point, class), or its own access path when no link does.
 * 2. A link sends one message at a time, taking `sizeBytes × 8 / capacityBitPerS`
 *    seconds. When the link frees up it takes the waiting message of the most urgent
 *    priority (0 first), FIFO within a priority; messages that reach it at the
 *    instant it frees up compete too. This is **strict, non-preemptive
 *    priority**: metering delays a control message by at most the one message
 *    already on the wire (beyond the control traffic ahead of it), and control traffic is tiny beside metering, so starving metering is not
 *    a practical risk; weighted fair queueing would need weights no source gives.
 *    The access path has no queue: it only adds the class's serialization time.
 * 3. After transmission the attempt is lost with the class's `lossProbability`.
 *    A delivered attempt arrives after a latency draw from the class's distribution
 *    plus a jitter draw, uniform in [0, jitterMs].
 * 4. A lost attempt is retried: the k-th retry joins the queue again
 *    `backoffMs × 2^(k−1)` after the lost transmission ended (the sender's timeout),
 *    up to `maxRetries`; after that the message is `lost`.
 * 5. A link may be down for windows (outage, denial of service): it starts nothing
 *    while down (the queue waits), and a frame on the wire when it goes down is a lost
 *    attempt, retried as above. The access path has no outages.
 * 6. A message delivered after its `deadlineMs` is `late` (it still arrives; what a
 *    late bid or command means is the receiver's business).
 *
 * Randomness: one seeded stream per (link or access path, purpose), so changing the
 * traffic on one link never changes another link's draws. Draws happen in event
 * order, which the event queue makes deterministic (on an access path, which has no
 * queue, when the attempt is handed over): same seed, same messages → the same log,
 * byte for byte.
 */
import type { RandomService, Rng } from '../core/rng.ts';
import { APPLICATION_CLASSES } from './applicationClasses.ts';
import { EventQueue } from './eventQueue.ts';
import { drawLatencyMs } from './latency.ts';
import { B_STATUS, classIndex, DELIVERED, type DeliveryStatus, DELIVERY_STATUSES, F_DEADLINE, F_DELIVERED_AT, I_ATTEMPTS, I_LINK, LATE, LOST, MessageTable, RECORD_BYTES, referencePointIndex, typeIndex } from './messageTable.ts';
import type { Message } from './messages.ts';
import { REFERENCE_POINTS } from './referencePoints.ts';
import type { ClassParams } from './applicationClasses.ts';
import type { ResolvedPlane } from './schema.ts';

export type { DeliveryStatus };

export interface DeliveryRecord {
  readonly message: Message;
  /** The shared link it crossed; undefined for its own access path (or an ideal plane). */
  readonly link: string | undefined;
  /** When it arrived; undefined when lost. */
  readonly deliveredAtMs: number | undefined;
  /** Transmission attempts made (1 when nothing was lost). */
  readonly attempts: number;
  readonly status: DeliveryStatus;
}

export interface LinkStats {
  readonly link: string;
  /** Time spent transmitting, ms (utilisation = busyMs / elapsed). */
  readonly busyMs: number;
  readonly transmissions: number;
  readonly maxQueueLength: number;
}

/** The plane as tests and reports use it: message objects in, delivery records out. */
export interface CommsPlane {
  /** Virtual time up to which events have been processed. */
  readonly nowMs: number;
  /** Hands a message to the plane; `sentAtMs` must not lie before `nowMs`. */
  send(message: Message): void;
  /** Processes every event up to and including `tMs`; returns the records finished by then, in order. */
  advanceTo(tMs: number): DeliveryRecord[];
  /** Runs until nothing is in flight; returns the remaining records. */
  drain(): DeliveryRecord[];
  linkStats(): LinkStats[];
}

/** `comms: ideal`: every message arrives when sent, nothing is lost, no link is modelled. */
export function idealPlane(): CommsPlane {
  let now = -Infinity;
  let pending: DeliveryRecord[] = [];
  const take = (t: number): DeliveryRecord[] => {
    const done = pending.filter((r) => r.message.sentAtMs <= t);
    pending = pending.filter((r) => r.message.sentAtMs > t);
    return done;
  };
  return {
    get nowMs() {
      return now;
    },
    send(m) {
      checkSend(m, now);
      pending.push({ message: m, link: undefined, deliveredAtMs: m.sentAtMs, attempts: 1, status: m.deadlineMs !== undefined && m.sentAtMs > m.deadlineMs ? 'late' : 'delivered' });
    },
    advanceTo(t) {
      now = Math.max(now, t);
      return take(t);
    },
    drain() {
      return take(Infinity);
    },
    linkStats: () => [],
  };
}

// Events are int32s: index × KINDS + kind, the index a message slot (enqueue, arrive) or a link
// (tx-done, tx-cut, link-free); a transmission cut by an outage is its own kind.
/** The last instant JavaScript's Date (and so any output file) can hold: 8.64e15 ms after 1970. */
const LAST_TIME_MS = 8.64e15;

const ENQUEUE = 0;
const ARRIVE = 1;
const TX_DONE = 2;
const TX_CUT = 3;
const LINK_FREE = 4;
const KINDS = 8;
/** How many arriving messages' records `run` loads ahead, together. */
const PREFETCH = 8;
/** How many arriving messages' records a stretch (`EventQueue.stretch`) loads together. */
const STRETCH_BLOCK = 16;

// Per path and class, three streams (loss, latency, jitter), created on first use.
const LOSS = 0;
const LATENCY = 1;
const JITTER = 2;
const PURPOSES = ['loss:', 'latency:', 'jitter:'] as const;
const CLASSES = APPLICATION_CLASSES.length;

/**
 * Who receives a plane's finished messages: an object, not a callback, so that the plane's loop
 * calls the same method in every run of a process. A callback made per run (an arrow function of
 * the run's owner) was a new function each time: the loop's optimised code, specialised to the
 * last run's function, was thrown away early in every run of a batch or a bench and compiled again.
 */
export interface PlaneOwner {
  /** Slot `slot` has finished (delivered, late or lost): read its record; it is released when this returns. Must not send. */
  finished(slot: number): void;
  /**
   * Optional look-ahead: called with the slots of a block of arrivals whose records have just been
   * loaded, before any of them finishes, to load what `finished` will read besides the record
   * (side arrays by slot), so those misses overlap too. It must only read; what it returns is
   * kept with `touched`.
   */
  aheadOfFinish?(slot: number): number;
}

/**
 * A modelled plane over a message table: shared links, priority queues, latency, jitter,
 * loss and retries (the module note). The owner sends rows and gets back, in the order
 * they finished, the slots of finished messages through its `PlaneOwner`; a slot is
 * released when `finished` returns.
 */
export class MessagePlane {
  readonly table = new MessageTable();
  private readonly events = new EventQueue();
  private readonly params: readonly ClassParams[];
  /** Per reference point × class: index of the link that carries it, −1 for the access path. */
  private readonly carrier: Int32Array;
  private readonly linkIds: readonly string[];
  private readonly capacityBitPerS: Float64Array;
  /** Per link: windows [fromMs, untilMs) in which it carries nothing, sorted by start. */
  private readonly outages: readonly (readonly { readonly fromMs: number; readonly untilMs: number }[])[];
  /** Per class: its priority level (0 served first) among the distinct priorities. */
  private readonly level: Int32Array;
  private readonly levels: number;
  /** Per link × level: head and tail slot of the FIFO (−1 when empty). */
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly queued: Int32Array;
  /** Slot on the wire per link, −1 when idle. */
  private readonly onWire: Int32Array;
  /** A link-free event is scheduled: the link picks its next message then. */
  private readonly choosing: Uint8Array;
  private readonly busyMs: Float64Array;
  private readonly transmissions: Float64Array;
  private readonly maxQueueLength: Int32Array;
  /** Streams per (path, purpose, class); paths are the links, then each class's access path. */
  private readonly streams: (Rng | undefined)[];
  /** Per class, its parameters as numbers (read per attempt): loss probability, jitter, access-path bandwidth. */
  private readonly lossProbability: Float64Array;
  private readonly jitterMs: Float64Array;
  private readonly accessBitPerS: Float64Array;
  /** Per class: its latency is uniform (1), from `latencyMinMs` over `latencySpanMs`; other distributions go through `drawLatencyMs`. */
  private readonly latencyUniform: Uint8Array;
  private readonly latencyMinMs: Float64Array;
  private readonly latencySpanMs: Float64Array;
  /** The owner of the `advanceTo` or `drain` under way: each slot is handed to its `finished` as it finishes. */
  private owner: PlaneOwner | undefined;
  /**
   * Slots finished while no `advanceTo` or `drain` was under way (lost for good when sent: an
   * access path with no retries), handed over first by the next one, in order.
   */
  private deferred: number[] = [];
  private now = -Infinity;
  /** What the look-ahead loads in `run` read (kept so that they are not optimised away). */
  touched = 0;

  constructor(
    plane: ResolvedPlane,
    private readonly random: RandomService,
  ) {
    this.params = APPLICATION_CLASSES.map((c) => plane.classes[c]);
    this.lossProbability = Float64Array.from(this.params, (p) => p.lossProbability);
    this.jitterMs = Float64Array.from(this.params, (p) => p.jitterMs);
    this.accessBitPerS = Float64Array.from(this.params, (p) => p.bandwidthBitPerS);
    this.latencyUniform = Uint8Array.from(this.params, (p) => (p.latency.distribution === 'uniform' ? 1 : 0));
    this.latencyMinMs = Float64Array.from(this.params, (p) => (p.latency.distribution === 'uniform' ? p.latency.minMs : 0));
    this.latencySpanMs = Float64Array.from(this.params, (p) => (p.latency.distribution === 'uniform' ? p.latency.maxMs - p.latency.minMs : 0));
    const links = plane.links;
    const L = links.length;
    const C = APPLICATION_CLASSES.length;
    this.linkIds = links.map((l) => l.id);
    this.capacityBitPerS = Float64Array.from(links, (l) => l.capacityBitPerS);
    this.outages = links.map((l) => [...(l.outages ?? [])].sort((a, b) => a.fromMs - b.fromMs));
    // The first link (in the scenario's order) that lists a reference point and class carries it.
    this.carrier = new Int32Array(REFERENCE_POINTS.length * C).fill(-1);
    links.forEach((l, i) => {
      for (const rp of l.referencePoints) for (const cls of l.classes ?? APPLICATION_CLASSES) {
        const k = referencePointIndex[rp] * C + classIndex[cls];
        if (this.carrier[k] === -1) this.carrier[k] = i;
      }
    });
    const priorities = [...new Set(this.params.map((p) => p.priority))].sort((a, b) => a - b);
    this.level = Int32Array.from(this.params, (p) => priorities.indexOf(p.priority));
    this.levels = priorities.length;
    this.head = new Int32Array(L * this.levels).fill(-1);
    this.tail = new Int32Array(L * this.levels).fill(-1);
    this.queued = new Int32Array(L);
    this.onWire = new Int32Array(L).fill(-1);
    this.choosing = new Uint8Array(L);
    this.busyMs = new Float64Array(L);
    this.transmissions = new Float64Array(L);
    this.maxQueueLength = new Int32Array(L);
    this.streams = new Array<Rng | undefined>((L + C) * 3 * C).fill(undefined);
  }

  /** Virtual time up to which events have been processed (moved by `advanceTo` only). */
  get nowMs(): number {
    return this.now;
  }

  /**
   * Hands a message to the plane; returns its slot in `table`. `deadlineMs` NaN: none.
   * `from` and `to` are ids of `table.endpoints`; `kind`, `tag` and `batch` are the owner's (written with the record, while it is in the cache).
   */
  send(type: number, cls: number, rp: number, from: number, to: number, sizeBytes: number, sentAtMs: number, deadlineMs: number, kind = 0, tag = 0, batch = 0): number {
    const s = this.enter(type, cls, rp, from, to, sizeBytes, sentAtMs, deadlineMs, kind, tag, batch);
    const t = this.table;
    const link = this.carrier[rp * APPLICATION_CLASSES.length + cls]!;
    if (link >= 0) {
      t.i32[16 * s + I_LINK] = link;
      this.events.push(sentAtMs, s * KINDS + ENQUEUE);
    } else this.viaAccessPath(sentAtMs, s, cls, sizeBytes);
    return s;
  }

  /**
   * A message its sender could not put on the network (its own connection cut: a `comms-loss`
   * fault, agents/operations/faults.ts): finished at once as `lost` with 0 attempts, on no link.
   * It takes no link time and no draws, so every other message travels exactly as without it;
   * it reaches the owner's `finished` with the next `advanceTo` or `drain`, like any message lost
   * when it was sent. Returns its slot.
   */
  sendLost(type: number, cls: number, rp: number, from: number, to: number, sizeBytes: number, sentAtMs: number, deadlineMs: number, kind = 0, tag = 0, batch = 0): number {
    const s = this.enter(type, cls, rp, from, to, sizeBytes, sentAtMs, deadlineMs, kind, tag, batch);
    this.table.i32[16 * s + I_ATTEMPTS] = 0;
    this.finish(s, NaN);
    return s;
  }

  /** A new message's slot, written; refuses a send time the plane has passed and a size that is not a positive number. */
  private enter(type: number, cls: number, rp: number, from: number, to: number, sizeBytes: number, sentAtMs: number, deadlineMs: number, kind: number, tag: number, batch: number): number {
    if (!(sentAtMs >= this.now)) throw new RangeError(`message sent at ${sentAtMs} ms, before the plane's time ${this.now} ms`);
    if (!(sizeBytes > 0) || !Number.isFinite(sizeBytes)) throw new RangeError(`message size must be a positive number of bytes, got ${sizeBytes}`);
    const s = this.table.allocate();
    this.table.write(s, type, cls, rp, from, to, sizeBytes, sentAtMs, deadlineMs, kind, tag, batch);
    return s;
  }

  /**
   * Processes every event up to and including `tMs`, handing each slot to `owner.finished` as it
   * finishes (in order; the slot is released when it returns). It must not send: it runs while
   * the plane's events are being processed.
   */
  advanceTo(tMs: number, owner: PlaneOwner): void {
    this.now = Math.max(this.now, tMs);
    this.run(tMs, owner);
  }

  /** Runs until nothing is in flight. */
  drain(owner: PlaneOwner): void {
    this.run(Infinity, owner);
  }

  /** Id of link `i` (the `link` column), undefined for the access path (−1). */
  linkId(i: number): string | undefined {
    return i < 0 ? undefined : this.linkIds[i];
  }

  /** Some link has an outage window (else `linkDownAt` is false whatever it is asked). */
  get hasOutages(): boolean {
    return this.outages.some((o) => o.length > 0);
  }

  /** Was the link that carries (class, reference point) down at `tMs`? False on an access path, which has no outages. */
  linkDownAt(cls: number, rp: number, tMs: number): boolean {
    const l = this.carrier[rp * APPLICATION_CLASSES.length + cls]!;
    if (l < 0) return false;
    for (const o of this.outages[l]!) if (o.fromMs <= tMs && tMs < o.untilMs) return true;
    return false;
  }

  linkStats(): LinkStats[] {
    return this.linkIds.map((link, l) => ({ link, busyMs: this.busyMs[l]!, transmissions: this.transmissions[l]!, maxQueueLength: this.maxQueueLength[l]! }));
  }

  private run(tMs: number, owner: PlaneOwner): void {
    const ev = this.events;
    // The slot goes to its owner as it finishes, while its columns are still in the cache.
    this.owner = owner;
    try {
      if (this.deferred.length > 0) {
        const early = this.deferred;
        this.deferred = [];
        for (const s of early) {
          owner.finished(s);
          this.table.release(s);
        }
      }
      const i32 = this.table.i32;
      let touched = 0;
      let untilTouch = 0;
      for (;;) {
        // A burst's arrivals come out of its sorted run in a row: take them as a stretch, with no heap work per event.
        const k = ev.stretch();
        if (k > 0) {
          const times = ev.stretchTimes;
          const events = ev.stretchEvents;
          const from = ev.stretchAt;
          const end = from + k;
          // Up to the first event after `tMs` or not before every other pending event (a tie is left to `pop`).
          const before = ev.stretchBefore;
          let i = from;
          let block = from;
          while (i < end) {
            const t = times[i]!;
            if (t > tMs || t >= before) break;
            // The records of the next STRETCH_BLOCK arrivals are loaded together when the stretch reaches them: their cache
            // misses overlap in one wait, where a load per event, each a whole event's work ahead, would mostly wait alone.
            if (i === block) {
              block = Math.min(end, i + STRETCH_BLOCK);
              for (let a = i; a < block; a++) {
                const e = events[a]!;
                if ((e & 7) === ARRIVE) touched |= i32[16 * (e >> 3)]! ^ i32[16 * (e >> 3) + 15]!;
              }
              // Then what the owner's finish will read besides the record (its kind now in the cache), again together.
              if (owner.aheadOfFinish !== undefined) {
                for (let a = i; a < block; a++) {
                  const e = events[a]!;
                  if ((e & 7) === ARRIVE) touched |= owner.aheadOfFinish(e >> 3);
                }
              }
            }
            const e = events[i++]!;
            // An arrival (nearly every event of a stretch): its time goes into the record here, not through a call, where a
            // double argument of a call V8 does not inline is a new heap number (16 bytes an arrival, 56 MB a day at × 13).
            if ((e & 7) === ARRIVE) {
              this.table.f64[8 * (e >> 3) + F_DELIVERED_AT] = t;
              this.finishRecorded(e >> 3);
            } else this.handle(t, e);
            // What the event pushed (a retry, a link's next step) may come before the rest of the stretch.
            if (ev.hasStaged) break;
          }
          if (i === from) {
            // The run's head ties with another event (or lies after tMs): one pop decides.
            const t = ev.peekTime();
            if (t === Infinity || t > tMs) break;
            this.handle(t, ev.pop());
            continue;
          }
          ev.consume(i - from);
          continue;
        }
        // Infinity when nothing is left (event times are finite).
        const t = ev.peekTime();
        if (t === Infinity || t > tMs) break;
        // A finishing message's record is seldom still in the cache (its burst was sent a while ago, and
        // slots finish in random order): every PREFETCH events, load the records of the next PREFETCH
        // arrivals together, so their cache misses overlap one another instead of stalling one by one.
        if (--untilTouch <= 0) {
          untilTouch = PREFETCH;
          for (let k = 1; k <= PREFETCH; k++) {
            const next = ev.ahead(k);
            if (next < 0) break;
            // Its first and last word: both cache lines of a record that straddles two.
            if ((next & 7) === ARRIVE) touched |= i32[16 * (next >> 3)]! ^ i32[16 * (next >> 3) + 15]!;
          }
        }
        const e = ev.pop();
        if ((e & 7) === ARRIVE) {
          this.table.f64[8 * (e >> 3) + F_DELIVERED_AT] = t;
          this.finishRecorded(e >> 3);
        } else this.handle(t, e);
      }
      this.touched = touched;
    } finally {
      this.owner = undefined;
    }
  }

  private handle(t: number, e: number): void {
    const index = e >> 3;
    switch (e & 7) {
      case ENQUEUE:
        this.enqueue(t, index);
        return;
      case ARRIVE:
        this.finish(index, t);
        return;
      case TX_DONE:
      case TX_CUT: {
        const s = this.onWire[index]!;
        this.onWire[index] = -1;
        this.afterTransmission(t, s, index, this.table.cls(s), (e & 7) === TX_CUT);
        this.chooseLater(index, t);
        return;
      }
      case LINK_FREE:
        this.startNext(index, t);
        return;
    }
  }

  private enqueue(t: number, s: number): void {
    const tab = this.table;
    const l = tab.link(s);
    if (l < 0) {
      this.viaAccessPath(t, s, tab.cls(s), tab.sizeBytes(s));
      return;
    }
    const q = l * this.levels + this.level[tab.cls(s)]!;
    tab.next[s] = -1;
    if (this.tail[q] === -1) this.head[q] = s;
    else tab.next[this.tail[q]!] = s;
    this.tail[q] = s;
    const n = ++this.queued[l]!;
    if (n > this.maxQueueLength[l]!) this.maxQueueLength[l] = n;
    this.chooseLater(l, t);
  }

  /** Marks a slot finished: delivered at `deliveredAtMs` (late past its deadline), or lost (NaN). */
  private finish(s: number, deliveredAtMs: number): void {
    this.table.f64[8 * s + F_DELIVERED_AT] = deliveredAtMs;
    this.finishRecorded(s);
  }

  /** `finish` at the delivery time already in the slot's record (NaN: lost). */
  private finishRecorded(s: number): void {
    const tab = this.table;
    const f = tab.f64;
    let deliveredAtMs = f[8 * s + F_DELIVERED_AT]!;
    // Past the last time a calendar holds (year 275,760: a 1 bit/s link's queue, a log-normal tail of
    // sigma 10): it never arrives, and no file could say when it did.
    if (deliveredAtMs > LAST_TIME_MS) f[8 * s + F_DELIVERED_AT] = deliveredAtMs = NaN;
    const deadline = f[8 * s + F_DEADLINE]!;
    tab.u8[RECORD_BYTES * s + B_STATUS] = deliveredAtMs !== deliveredAtMs ? LOST : deadline === deadline && deliveredAtMs > deadline ? LATE : DELIVERED;
    const owner = this.owner;
    if (owner === undefined) this.deferred.push(s);
    else {
      owner.finished(s);
      tab.release(s);
    }
  }

  private rng(path: number, purpose: number, cls: number): Rng {
    return this.streams[(path * 3 + purpose) * CLASSES + cls] ?? this.newStream(path, purpose, cls);
  }

  private newStream(path: number, purpose: number, cls: number): Rng {
    const name = path < this.linkIds.length ? `link:${this.linkIds[path]}` : `access:${APPLICATION_CLASSES[path - this.linkIds.length]}`;
    return (this.streams[(path * 3 + purpose) * CLASSES + cls] = this.random.stream(`comms:${name}`, `${PURPOSES[purpose]}${APPLICATION_CLASSES[cls]}`));
  }

  /** After an attempt has been transmitted (at `t`, over `path`): lost and retried, lost for good, or on its way. */
  private afterTransmission(t: number, s: number, path: number, cls: number, cut: boolean): void {
    const lossProbability = this.lossProbability[cls]!;
    const lost = cut || (lossProbability > 0 && this.rng(path, LOSS, cls).next() < lossProbability);
    if (lost) {
      const p = this.params[cls]!;
      const i32 = this.table.i32;
      const attempt = i32[16 * s + I_ATTEMPTS]!;
      if (attempt <= p.retry.maxRetries) {
        i32[16 * s + I_ATTEMPTS] = attempt + 1;
        this.events.push(t + p.retry.backoffMs * 2 ** (attempt - 1), s * KINDS + ENQUEUE);
      } else this.finish(s, NaN);
      return;
    }
    // A uniform latency (every default class's) drawn here as `Rng.uniform` draws it: min + (max − min) × u.
    const latency = this.latencyUniform[cls] ? this.latencyMinMs[cls]! + this.latencySpanMs[cls]! * this.rng(path, LATENCY, cls).next() : drawLatencyMs(this.params[cls]!.latency, this.rng(path, LATENCY, cls));
    const jitterMs = this.jitterMs[cls]!;
    const jitter = jitterMs > 0 ? this.rng(path, JITTER, cls).uniform(0, jitterMs) : 0;
    this.events.push(t + latency + jitter, s * KINDS + ARRIVE);
  }

  // The link chooses in a separate event at the same instant, after every message already
  // scheduled for that instant has joined its queue: simultaneous arrivals compete by priority.
  private chooseLater(l: number, t: number): void {
    if (this.onWire[l] !== -1 || this.choosing[l] || this.queued[l] === 0) return;
    this.choosing[l] = 1;
    this.events.push(t, l * KINDS + LINK_FREE);
  }

  private startNext(l: number, t: number): void {
    this.choosing[l] = 0;
    if (this.onWire[l] !== -1 || this.queued[l] === 0) return;
    // A link that is down carries nothing: the queue waits for it to come back.
    const outages = this.outages[l]!;
    for (const o of outages) {
      if (o.fromMs <= t && t < o.untilMs) {
        this.choosing[l] = 1;
        this.events.push(o.untilMs, l * KINDS + LINK_FREE);
        return;
      }
    }
    const tab = this.table;
    let q = l * this.levels;
    while (this.head[q] === -1) q++;
    const s = this.head[q]!;
    this.head[q] = tab.next[s]!;
    if (this.head[q] === -1) this.tail[q] = -1;
    this.queued[l] = this.queued[l]! - 1;
    this.onWire[l] = s;
    const endMs = t + serializationMs(tab.sizeBytes(s), this.capacityBitPerS[l]!);
    // An outage that starts mid-transmission cuts the frame: that attempt is lost.
    let cutAt = NaN;
    for (const o of outages) {
      if (o.fromMs > t && o.fromMs < endMs) {
        cutAt = o.fromMs;
        break;
      }
    }
    const cut = cutAt === cutAt;
    this.busyMs[l] = this.busyMs[l]! + ((cut ? cutAt : endMs) - t);
    this.transmissions[l] = this.transmissions[l]! + 1;
    this.events.push(cut ? cutAt : endMs, l * KINDS + (cut ? TX_CUT : TX_DONE));
  }

  // The access path has no queue: an attempt is through after its serialization time, so its
  // fate (lost, or its latency) is drawn when it is handed over — no events until it arrives.
  private viaAccessPath(t: number, s: number, cls: number, sizeBytes: number): void {
    this.afterTransmission(t + serializationMs(sizeBytes, this.accessBitPerS[cls]!), s, this.linkIds.length + cls, cls, false);
  }
}

/** A modelled plane with message objects in and delivery records out (tests, reports): a `MessagePlane` underneath. */
export function networkPlane(plane: ResolvedPlane, random: RandomService): CommsPlane {
  const core = new MessagePlane(plane, random);
  const tab = core.table;
  const messages: (Message | undefined)[] = [];
  let out: DeliveryRecord[] = [];
  const collect = { finished: (s: number): void => {
    const deliveredAtMs = tab.deliveredAtMs(s);
    out.push({ message: messages[s]!, link: core.linkId(tab.link(s)), deliveredAtMs: deliveredAtMs === deliveredAtMs ? deliveredAtMs : undefined, attempts: tab.attempts(s), status: DELIVERY_STATUSES[tab.status(s)]! });
    messages[s] = undefined;
  } };
  const take = (): DeliveryRecord[] => {
    const r = out;
    out = [];
    return r;
  };
  return {
    get nowMs() {
      return core.nowMs;
    },
    send(m) {
      checkSend(m, core.nowMs);
      const s = core.send(typeIndex[m.type], classIndex[m.class], referencePointIndex[m.referencePoint], 0, 0, m.sizeBytes, m.sentAtMs, m.deadlineMs ?? NaN);
      messages[s] = m;
    },
    advanceTo(t) {
      core.advanceTo(t, collect);
      return take();
    },
    drain() {
      core.drain(collect);
      return take();
    },
    linkStats: () => core.linkStats(),
  };
}

/** Time to put `sizeBytes` on a link of `bitPerS`, in ms. */
export const serializationMs = (sizeBytes: number, bitPerS: number): number => (sizeBytes * 8 * 1000) / bitPerS;

function checkSend(m: Message, now: number): void {
  if (!(m.sentAtMs >= now)) throw new RangeError(`message ${m.id} sent at ${m.sentAtMs} ms, before the plane's time ${now} ms`);
  if (!(m.sizeBytes > 0) || !Number.isFinite(m.sizeBytes)) throw new RangeError(`message ${m.id}: size must be a positive number of bytes, got ${m.sizeBytes}`);
}

/** Convenience for tests and reports: every message through a fresh plane, the whole log. */
export function deliverAll(plane: CommsPlane, messages: readonly Message[]): DeliveryRecord[] {
  for (const m of [...messages].sort((a, b) => a.sentAtMs - b.sentAtMs)) plane.send(m);
  return plane.drain();
}


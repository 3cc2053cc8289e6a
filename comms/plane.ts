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
import { drawLatencyMs } from './latency.ts';
import type { Message } from './messages.ts';
import type { ResolvedPlane } from './schema.ts';
import { EventQueue } from './eventQueue.ts';

export type DeliveryStatus = 'delivered' | 'late' | 'lost';

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

type PlaneEvent =
  | { readonly kind: 'enqueue'; readonly message: Message; readonly attempt: number }
  | { readonly kind: 'tx-done'; readonly link: LinkState; readonly cut: boolean }
  | { readonly kind: 'link-free'; readonly link: LinkState }
  | { readonly kind: 'arrive'; readonly message: Message; readonly attempt: number; readonly link: string | undefined };

interface Waiting {
  readonly message: Message;
  readonly attempt: number;
}

interface LinkState {
  readonly id: string;
  readonly capacityBitPerS: number;
  /** Windows [fromMs, untilMs) in which the link carries nothing, sorted. */
  readonly outages: readonly { readonly fromMs: number; readonly untilMs: number }[];
  /** Waiting messages per priority, kept sorted by priority (lowest first, served first). */
  readonly queues: { readonly priority: number; readonly fifo: Fifo<Waiting> }[];
  queued: number;
  onWire: Waiting | undefined;
  /** A 'link-free' event is scheduled: the link picks its next message then. */
  choosing: boolean;
  busyMs: number;
  transmissions: number;
  maxQueueLength: number;
}

/** A modelled plane: shared links, priority queues, latency, jitter, loss and retries. */
export function networkPlane(plane: ResolvedPlane, random: RandomService): CommsPlane {
  const events = new EventQueue<PlaneEvent>();
  const links = plane.links.map<LinkState>((l) => ({ id: l.id, capacityBitPerS: l.capacityBitPerS, outages: [...(l.outages ?? [])].sort((a, b) => a.fromMs - b.fromMs), queues: [], queued: 0, onWire: undefined, choosing: false, busyMs: 0, transmissions: 0, maxQueueLength: 0 }));
  // Per reference point, per class: the link that carries it (looked up for every message: no string keys).
  const carrier = new Map<string, Map<string, LinkState>>();
  plane.links.forEach((l, i) => {
    for (const rp of l.referencePoints) {
      let byClass = carrier.get(rp);
      if (!byClass) carrier.set(rp, (byClass = new Map()));
      for (const cls of l.classes ?? Object.keys(plane.classes)) if (!byClass.has(cls)) byClass.set(cls, links[i]!);
    }
  });
  // Per path (a link or a class's access path), per purpose: one stream, created on first use
  // (each stream is independent of the others, so the order of creation changes no draw).
  const streams = new Map<string, Map<string, Rng>>();
  const rng = (path: string, purpose: string): Rng => {
    let byPurpose = streams.get(path);
    if (!byPurpose) streams.set(path, (byPurpose = new Map()));
    let r = byPurpose.get(purpose);
    if (!r) byPurpose.set(purpose, (r = random.stream(`comms:${path}`, purpose)));
    return r;
  };
  const lossPurpose = new Map<string, string>();
  const latencyPurpose = new Map<string, string>();
  const jitterPurpose = new Map<string, string>();
  const accessPath = new Map<string, string>();
  const linkPath = new Map<LinkState, string>(links.map((l) => [l, `link:${l.id}`]));
  const named = (cache: Map<string, string>, prefix: string, cls: string): string => {
    let n = cache.get(cls);
    if (n === undefined) cache.set(cls, (n = `${prefix}${cls}`));
    return n;
  };
  let now = -Infinity;
  let finished: DeliveryRecord[] = [];

  const finish = (m: Message, link: string | undefined, deliveredAtMs: number | undefined, attempts: number): void => {
    const status: DeliveryStatus = deliveredAtMs === undefined ? 'lost' : m.deadlineMs !== undefined && deliveredAtMs > m.deadlineMs ? 'late' : 'delivered';
    finished.push({ message: m, link, deliveredAtMs, attempts, status });
  };

  /** After an attempt has been transmitted (at `t`, over `path`): lost and retried, lost for good, or on its way. */
  const afterTransmission = (t: number, w: Waiting, path: string, link: string | undefined, cut = false): void => {
    const p = plane.classes[w.message.class];
    const lost = cut || (p.lossProbability > 0 && rng(path, named(lossPurpose, 'loss:', w.message.class)).next() < p.lossProbability);
    if (lost) {
      if (w.attempt <= p.retry.maxRetries) events.push(t + p.retry.backoffMs * 2 ** (w.attempt - 1), { kind: 'enqueue', message: w.message, attempt: w.attempt + 1 });
      else finish(w.message, link, undefined, w.attempt);
      return;
    }
    const latency = drawLatencyMs(p.latency, rng(path, named(latencyPurpose, 'latency:', w.message.class)));
    const jitter = p.jitterMs > 0 ? rng(path, named(jitterPurpose, 'jitter:', w.message.class)).uniform(0, p.jitterMs) : 0;
    events.push(t + latency + jitter, { kind: 'arrive', message: w.message, attempt: w.attempt, link });
  };

  // The link chooses in a separate event at the same instant, after every message already
  // scheduled for that instant has joined its queue: simultaneous arrivals compete by priority.
  const chooseLater = (l: LinkState, t: number): void => {
    if (l.onWire || l.choosing || l.queued === 0) return;
    l.choosing = true;
    events.push(t, { kind: 'link-free', link: l });
  };

  const startNext = (l: LinkState, t: number): void => {
    l.choosing = false;
    if (l.onWire || l.queued === 0) return;
    // A link that is down carries nothing: the queue waits for it to come back.
    const down = l.outages.find((o) => o.fromMs <= t && t < o.untilMs);
    if (down) {
      l.choosing = true;
      events.push(down.untilMs, { kind: 'link-free', link: l });
      return;
    }
    const w = l.queues.find((q) => q.fifo.size > 0)!.fifo.shift()!;
    l.queued--;
    l.onWire = w;
    const endMs = t + serializationMs(w.message.sizeBytes, l.capacityBitPerS);
    // An outage that starts mid-transmission cuts the frame: that attempt is lost.
    const cutAt = l.outages.find((o) => o.fromMs > t && o.fromMs < endMs)?.fromMs;
    l.busyMs += (cutAt ?? endMs) - t;
    l.transmissions++;
    events.push(cutAt ?? endMs, { kind: 'tx-done', link: l, cut: cutAt !== undefined });
  };

  // The access path has no queue: an attempt is through after its serialization time, so its
  // fate (lost, or its latency) is drawn when it is handed over — no events until it arrives.
  const viaAccessPath = (t: number, w: Waiting): void => {
    afterTransmission(t + serializationMs(w.message.sizeBytes, plane.classes[w.message.class].bandwidthBitPerS), w, named(accessPath, 'access:', w.message.class), undefined);
  };

  const handle = (t: number, e: PlaneEvent): void => {
    switch (e.kind) {
      case 'enqueue': {
        const l = carrier.get(e.message.referencePoint)?.get(e.message.class);
        if (!l) {
          viaAccessPath(t, e);
          return;
        }
        const priority = plane.classes[e.message.class].priority;
        let q = l.queues.find((x) => x.priority === priority);
        if (!q) {
          q = { priority, fifo: new Fifo<Waiting>() };
          l.queues.push(q);
          l.queues.sort((a, b) => a.priority - b.priority);
        }
        q.fifo.push({ message: e.message, attempt: e.attempt });
        l.queued++;
        l.maxQueueLength = Math.max(l.maxQueueLength, l.queued);
        chooseLater(l, t);
        return;
      }
      case 'tx-done': {
        const w = e.link.onWire!;
        e.link.onWire = undefined;
        afterTransmission(t, w, linkPath.get(e.link)!, e.link.id, e.cut);
        chooseLater(e.link, t);
        return;
      }
      case 'link-free':
        startNext(e.link, t);
        return;
      case 'arrive':
        finish(e.message, e.link, t, e.attempt);
        return;
    }
  };

  const run = (t: number): DeliveryRecord[] => {
    for (let next = events.peek(); next !== undefined && next.timeMs <= t; next = events.peek()) {
      events.pop();
      handle(next.timeMs, next.event);
    }
    const out = finished;
    finished = [];
    return out;
  };

  return {
    get nowMs() {
      return now;
    },
    send(m) {
      checkSend(m, now);
      if (carrier.get(m.referencePoint)?.get(m.class)) events.push(m.sentAtMs, { kind: 'enqueue', message: m, attempt: 1 });
      else viaAccessPath(m.sentAtMs, { message: m, attempt: 1 });
    },
    advanceTo(t) {
      now = Math.max(now, t);
      return run(t);
    },
    drain() {
      const out = run(Infinity);
      return out;
    },
    linkStats: () => links.map((l) => ({ link: l.id, busyMs: l.busyMs, transmissions: l.transmissions, maxQueueLength: l.maxQueueLength })),
  };
}

/** A FIFO queue with O(1) amortised push and shift (Array.shift is O(n) on a long backlog). */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the consumed prefix is most of the array.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
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


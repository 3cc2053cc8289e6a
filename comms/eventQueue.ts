/**
 * A discrete-event queue in virtual time: events come out ordered by (timeMs, seq).
 * `seq` is the insertion order, so two events at the same time come out in the order
 * they were scheduled — the tie-break that keeps runs deterministic. Nothing here reads
 * the wall clock.
 *
 * An event is a non-negative int32 (the plane packs its kind and a message or link
 * index into one). Everything lives in typed arrays: scheduling and popping allocate
 * nothing in the steady state, which matters at one or more events per message,
 * millions per run.
 *
 * Why not one binary heap: the plane is handed its traffic in bursts (every home's bid
 * at the gate, every price broadcast, every meter read at the interval end, tens of
 * thousands at one send time), each scheduling its arrival at a random time. One heap
 * of all of them costs a sift of ~15 levels per pop, over arrays too big for the cache.
 * Instead, pushes are staged; when the queue is next read, a large burst is sorted once
 * by (time, seq) — a stable bucket sort of the (time, event) pairs, linear — into a **run**, and
 * only each run's head sits in a small binary heap beside the events pushed one at a
 * time (retries, link events). A pop then sifts a heap of a few dozen entries and
 * reads the runs sequentially. The order is exactly that of one heap of every event:
 * (time, seq) is a total order, and a run's head is its least event.
 */

import { grown } from '../core/typedArrays.ts';

/** Staged pushes at least this many are sorted into a run; fewer go into the heap one by one. */
const RUN_MIN = 64;

/**
 * A sorted run: times ascending, ties in push order; `at` the next to pop. Its head stands
 * in the heap with seq `seq0 + at`: not the head's own seq, but ordered the same against
 * every other entry, since a burst's seqs form a range no other burst's overlaps.
 */
interface Run {
  times: Float64Array;
  events: Int32Array;
  seq0: number;
  length: number;
  at: number;
}

export class EventQueue {
  // The heap: loose events, and one entry per run (event −1 − run number) standing for its head.
  private timeMs = new Float64Array(1024);
  // A double counts exactly to 2^53: sequence numbers never wrap.
  private seqs = new Float64Array(1024);
  private events = new Int32Array(1024);
  private heapSize = 0;
  private nextSeq = 0;
  /** Events not yet popped, staged ones included. */
  private n = 0;
  // Pushes since the queue was last read: consecutive seqs from `stagedSeq0`.
  private stagedTime = new Float64Array(1024);
  private stagedEvent = new Int32Array(1024);
  private staged = 0;
  private stagedSeq0 = 0;
  private readonly runs: (Run | undefined)[] = [];
  /** Runs popped to the end, their arrays kept for the next burst. */
  private readonly spare: Run[] = [];
  private readonly sorter = new BurstSorter();
  /** The run of the last `stretch`. */
  private stretchRun: Run | undefined;
  /** The earliest time among the other pending events when `stretch` was called (Infinity: none). */
  stretchBefore = Infinity;

  get size(): number {
    return this.n;
  }

  /** Schedules `event` (a non-negative int32) at `timeMs`. */
  push(timeMs: number, event: number): void {
    if (!Number.isFinite(timeMs)) throw new RangeError(`event time must be finite, got ${timeMs}`);
    if (this.staged === 0) this.stagedSeq0 = this.nextSeq;
    if (this.staged === this.stagedTime.length) this.growStaged();
    // + 0: −0 becomes +0, which compares equal to it and sorts by bits with it.
    this.stagedTime[this.staged] = timeMs + 0;
    this.stagedEvent[this.staged++] = event;
    this.nextSeq++;
    this.n++;
  }

  /** Pushes have been staged since the queue was last read. */
  get hasStaged(): boolean {
    return this.staged > 0;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    if (this.staged > 0) this.flush();
    return this.heapSize === 0 ? Infinity : this.timeMs[0]!;
  }

  /** Removes the earliest event and returns it (call only when `size > 0`; its time is `peekTime()` before the call). */
  pop(): number {
    if (this.staged > 0) this.flush();
    this.n--;
    const top = this.events[0]!;
    if (top >= 0) {
      this.removeTop();
      return top;
    }
    // A run's head: the run moves on, its next event takes the entry's place.
    const r = -1 - top;
    const run = this.runs[r]!;
    const event = run.events[run.at]!;
    if (++run.at === run.length) {
      this.runs[r] = undefined;
      this.spare.push(run);
      this.removeTop();
    } else this.replaceTop(run.times[run.at]!, run.seq0 + run.at, top);
    return event;
  }

  /**
   * An event likely to come out `k` pops after the next one (−1: none known): the event `k` further
   * on in the run whose head is the earliest, ignoring other runs and loose events — a guess, for
   * the caller to load what that event will need ahead of time, never to act on.
   */
  ahead(k: number): number {
    const top = this.events[0]!;
    if (this.heapSize === 0 || top >= 0) return -1;
    const run = this.runs[-1 - top]!;
    const i = run.at + k;
    return i < run.length ? run.events[i]! : -1;
  }

  /**
   * Starts a stretch: the next events taken in a row from one run, with no heap work per event.
   * Returns how many events the run whose head is the earliest event has left from that head
   * (0 when the earliest event is not a run's head). Its events are `stretchEvents[stretchAt + i]`
   * at `stretchTimes[stretchAt + i]`, and they come out next, in that order, for as long as their
   * time lies before `stretchBefore` (the earliest other event's: ties are left to `pop`, which
   * breaks them by insertion order) — exactly what `pop` would return one by one. Take them with
   * `consume`. A caller that pushes must end the stretch there (a push may come before the rest).
   */
  stretch(): number {
    if (this.staged > 0) this.flush();
    const top = this.events[0]!;
    if (this.heapSize === 0 || top >= 0) return 0;
    const run = this.runs[-1 - top]!;
    // The least other entry is one of the root's children.
    const t = this.timeMs;
    let before = Infinity;
    if (this.heapSize > 1) before = t[1]!;
    if (this.heapSize > 2 && t[2]! < before) before = t[2]!;
    this.stretchBefore = before;
    this.stretchRun = run;
    return run.length - run.at;
  }

  /** The arrays and start of the stretch `stretch` found (valid until the next push, pop or consume). */
  get stretchTimes(): Float64Array {
    return this.stretchRun!.times;
  }
  get stretchEvents(): Int32Array {
    return this.stretchRun!.events;
  }
  get stretchAt(): number {
    return this.stretchRun!.at;
  }

  /** Takes the first `k` events of the stretch `stretch` found (k at most its count), as `k` pops would. */
  consume(k: number): void {
    if (k === 0) return;
    const run = this.stretchRun!;
    const top = this.events[0]!;
    this.n -= k;
    run.at += k;
    if (run.at === run.length) {
      this.runs[-1 - top] = undefined;
      this.spare.push(run);
      this.removeTop();
    } else this.replaceTop(run.times[run.at]!, run.seq0 + run.at, top);
  }

  /** Moves the staged pushes into the heap: one by one when few, as a sorted run when many. */
  private flush(): void {
    const k = this.staged;
    const seq0 = this.stagedSeq0;
    this.staged = 0;
    if (k < RUN_MIN) {
      for (let i = 0; i < k; i++) this.heapPush(this.stagedTime[i]!, seq0 + i, this.stagedEvent[i]!);
      return;
    }
    const run = this.spare.pop() ?? { times: new Float64Array(0), events: new Int32Array(0), seq0: 0, length: 0, at: 0 };
    if (run.times.length < k) {
      const cap = Math.max(k, 2 * run.times.length);
      run.times = new Float64Array(cap);
      run.events = new Int32Array(cap);
    }
    // A stable sort of the burst by time: the push order breaks ties, as seq does.
    this.sorter.sort(this.stagedTime, this.stagedEvent, k, run.times, run.events);
    run.seq0 = seq0;
    run.length = k;
    run.at = 0;
    let r = this.runs.indexOf(undefined);
    if (r < 0) r = this.runs.push(undefined) - 1;
    this.runs[r] = run;
    this.heapPush(run.times[0]!, seq0, -1 - r);
  }

  private heapPush(timeMs: number, seq: number, event: number): void {
    if (this.heapSize === this.timeMs.length) this.growHeap();
    const t = this.timeMs;
    const s = this.seqs;
    const e = this.events;
    let i = this.heapSize++;
    // Sift up: move parents down until the new item's place is found.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! < timeMs || (t[p] === timeMs && s[p]! < seq)) break;
      t[i] = t[p]!;
      s[i] = s[p]!;
      e[i] = e[p]!;
      i = p;
    }
    t[i] = timeMs;
    s[i] = seq;
    e[i] = event;
  }

  private removeTop(): void {
    const n = --this.heapSize;
    if (n > 0) this.replaceTop(this.timeMs[n]!, this.seqs[n]!, this.events[n]!);
  }

  /** Puts (time, seq, event) at the root and sifts it down. */
  private replaceTop(lt: number, ls: number, le: number): void {
    const t = this.timeMs;
    const s = this.seqs;
    const e = this.events;
    const n = this.heapSize;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && (t[r]! < t[l]! || (t[r] === t[l] && s[r]! < s[l]!))) m = r;
      if (lt < t[m]! || (lt === t[m] && ls < s[m]!)) break;
      t[i] = t[m]!;
      s[i] = s[m]!;
      e[i] = e[m]!;
      i = m;
    }
    t[i] = lt;
    s[i] = ls;
    e[i] = le;
  }

  private growHeap(): void {
    const cap = this.timeMs.length * 2;
    this.timeMs = grown(this.timeMs, cap);
    this.seqs = grown(this.seqs, cap);
    this.events = grown(this.events, cap);
  }

  private growStaged(): void {
    const cap = this.stagedTime.length * 2;
    this.stagedTime = grown(this.stagedTime, cap);
    this.stagedEvent = grown(this.stagedEvent, cap);
  }
}

/**
 * A stable sort of (time, event) pairs by time, into given arrays: equal times keep their
 * input order. A bucket sort, since a burst's arrival times spread over a range (its latency
 * distribution): one bucket per value over [min, max], the pairs scattered into their buckets in
 * input order, each bucket then insertion-sorted in place (stable: it moves a pair only past
 * greater times). Linear for spread values, and for equal ones (one bucket already in order); a
 * bucket that ends up large (a heavy tail crowding the low buckets) is sorted by comparison
 * instead, so no input is quadratic. The pairs move themselves, not indices to them: no
 * indirection in the insertion sorts, and no gather afterwards.
 */
export class BurstSorter {
  private bucketOf = new Int32Array(0);
  private starts = new Int32Array(0);

  /** Writes the first `n` pairs of (`times`, `events`) sorted by time, ties in input order, to `outTimes` and `outEvents`. */
  sort(times: Float64Array, events: Int32Array, n: number, outTimes: Float64Array, outEvents: Int32Array): void {
    if (this.bucketOf.length < n) {
      const cap = Math.max(n, 2 * this.bucketOf.length);
      this.bucketOf = new Int32Array(cap);
      this.starts = new Int32Array(cap + 1);
    }
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = times[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!(max > min)) {
      outTimes.set(times.subarray(0, n));
      outEvents.set(events.subarray(0, n));
      return;
    }
    // Bucket of v: ⌊(v − min) × scale⌋, nondecreasing in v (each step rounds monotonically), so buckets keep the order.
    // (`| 0` is ⌊⌋ on [0, n]; a range so narrow or wide that the scale is Infinity or 0 puts every value in bucket 0.)
    const scale = n / (max - min);
    const bucketOf = this.bucketOf;
    const starts = this.starts;
    starts.fill(0, 0, n + 1);
    const last = n - 1;
    for (let i = 0; i < n; i++) {
      let b = ((times[i]! - min) * scale) | 0;
      if (b > last) b = last;
      bucketOf[i] = b;
      starts[b + 1]!++;
    }
    // Prefix sums, noting the largest bucket.
    let largest = 0;
    for (let b = 0; b < n; b++) {
      const count = starts[b + 1]!;
      if (count > largest) largest = count;
      starts[b + 1] = count + starts[b]!;
    }
    // starts[b] is now where bucket b begins; fill in input order, moving each start to its bucket's end.
    for (let i = 0; i < n; i++) {
      const at = starts[bucketOf[i]!]!++;
      outTimes[at] = times[i]!;
      outEvents[at] = events[i]!;
    }
    if (largest <= 32) {
      // Every bucket small: one insertion sort over the whole output. A pair moves only past greater
      // times, and every time of a later bucket is greater than all of an earlier one's, so no pair
      // leaves its bucket: the same as sorting each bucket, without a pass over the buckets.
      for (let i = 1; i < n; i++) {
        const v = outTimes[i]!;
        if (!(outTimes[i - 1]! > v)) continue;
        const e = outEvents[i]!;
        let j = i - 1;
        do {
          outTimes[j + 1] = outTimes[j]!;
          outEvents[j + 1] = outEvents[j]!;
          j--;
        } while (j >= 0 && outTimes[j]! > v);
        outTimes[j + 1] = v;
        outEvents[j + 1] = e;
      }
      return;
    }
    // Bucket b now lies in [starts[b − 1], starts[b]) (bucket 0 from 0).
    let from = 0;
    for (let b = 0; b < n; b++) {
      const to = starts[b]!;
      const k = to - from;
      if (k > 32) sortSlice(outTimes, outEvents, from, to);
      else if (k > 1) {
        for (let i = from + 1; i < to; i++) {
          const v = outTimes[i]!;
          const e = outEvents[i]!;
          let j = i - 1;
          while (j >= from && outTimes[j]! > v) {
            outTimes[j + 1] = outTimes[j]!;
            outEvents[j + 1] = outEvents[j]!;
            j--;
          }
          outTimes[j + 1] = v;
          outEvents[j + 1] = e;
        }
      }
      from = to;
    }
  }
}

/** Sorts the pairs in [from, to) by time, ties in their order there, by comparison (Array#sort is stable). */
function sortSlice(times: Float64Array, events: Int32Array, from: number, to: number): void {
  const order = Array.from({ length: to - from }, (_, i) => from + i).sort((a, b) => times[a]! - times[b]!);
  const t = order.map((i) => times[i]!);
  const e = order.map((i) => events[i]!);
  times.set(t, from);
  events.set(e, from);
}

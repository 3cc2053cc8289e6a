/**
 * A discrete-event queue in virtual time: a binary min-heap ordered by
 * (timeMs, seq). `seq` is the insertion order, so two events at the same time come
 * out in the order they were scheduled — the tie-break that keeps runs
 * deterministic. Nothing here reads the wall clock.
 *
 * An event is an integer (the plane packs its kind and a message or link index into
 * one), and the heap is three parallel typed arrays: scheduling and popping allocate
 * nothing, which matters at one or more events per message, millions per run.
 */
export class EventQueue {
  private timeMs = new Float64Array(1024);
  // A double counts exactly to 2^53: sequence numbers never wrap.
  private seqs = new Float64Array(1024);
  private events = new Int32Array(1024);
  private n = 0;
  private nextSeq = 0;

  get size(): number {
    return this.n;
  }

  /** Schedules `event` (an int32) at `timeMs`. */
  push(timeMs: number, event: number): void {
    if (!Number.isFinite(timeMs)) throw new RangeError(`event time must be finite, got ${timeMs}`);
    if (this.n === this.timeMs.length) this.grow();
    const t = this.timeMs;
    const s = this.seqs;
    const e = this.events;
    const seq = this.nextSeq++;
    let i = this.n++;
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

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.n === 0 ? Infinity : this.timeMs[0]!;
  }

  /** Removes the earliest event and returns it (call only when `size > 0`; its time is `peekTime()` before the call). */
  pop(): number {
    const t = this.timeMs;
    const s = this.seqs;
    const e = this.events;
    const top = e[0]!;
    const n = --this.n;
    if (n === 0) return top;
    // Sift the last item down from the root.
    const lt = t[n]!;
    const ls = s[n]!;
    const le = e[n]!;
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
    return top;
  }

  private grow(): void {
    const cap = this.timeMs.length * 2;
    const t = new Float64Array(cap);
    const s = new Float64Array(cap);
    const e = new Int32Array(cap);
    t.set(this.timeMs);
    s.set(this.seqs);
    e.set(this.events);
    this.timeMs = t;
    this.seqs = s;
    this.events = e;
  }
}

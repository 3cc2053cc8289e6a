/**
 * A discrete-event queue in virtual time: a binary min-heap ordered by
 * (timeMs, seq). `seq` is the insertion order, so two events at the same time come
 * out in the order they were scheduled — the tie-break that keeps runs
 * deterministic. Nothing here reads the wall clock.
 */
export interface Scheduled<E> {
  readonly timeMs: number;
  readonly seq: number;
  readonly event: E;
}

export class EventQueue<E> {
  private readonly heap: Scheduled<E>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `event` at `timeMs`; returns its sequence number. */
  push(timeMs: number, event: E): number {
    if (!Number.isFinite(timeMs)) throw new RangeError(`event time must be finite, got ${timeMs}`);
    const item = { timeMs, seq: this.nextSeq++, event };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
    return item.seq;
  }

  peek(): Scheduled<E> | undefined {
    return this.heap[0];
  }

  pop(): Scheduled<E> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
    return top;
  }
}

const before = <E>(a: Scheduled<E>, b: Scheduled<E>): boolean => a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);

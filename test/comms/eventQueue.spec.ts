import { expect } from 'chai';
import fc from 'fast-check';
import { BurstSorter, EventQueue } from '../../comms/eventQueue.ts';

/**
 * The reference the queue must equal: every event kept in a list, the least (time, seq)
 * taken by a scan — the order the plane's determinism is defined by, with nothing clever.
 */
class ScanQueue {
  private readonly items: { t: number; seq: number; e: number }[] = [];
  private seq = 0;
  get size(): number {
    return this.items.length;
  }
  push(t: number, e: number): void {
    this.items.push({ t, seq: this.seq++, e });
  }
  peekTime(): number {
    return this.items.length === 0 ? Infinity : this.items[this.least()]!.t;
  }
  pop(): number {
    return this.items.splice(this.least(), 1)[0]!.e;
  }
  private least(): number {
    let m = 0;
    this.items.forEach((x, i) => {
      const y = this.items[m]!;
      if (x.t < y.t || (x.t === y.t && x.seq < y.seq)) m = i;
    });
    return m;
  }
}

// Times that tie often (a few instants), spread (any double in a day of ms), or sit on awkward bits (negatives, ±0, huge).
const time = fc.oneof(
  fc.constantFrom(0, -0, 1, 2.5, 1e3),
  fc.double({ min: 0, max: 86_400_000, noNaN: true }),
  fc.double({ min: -1e15, max: 1e15, noNaN: true }),
  fc.integer({ min: 0, max: 20 }).map((k) => 1.784e12 + k / 8),
);

// A step: a burst of pushes (large ones become sorted runs), a look at the earliest time (which files the pushes so far
// as loose events or a run, beside those already queued), or some pops interleaved with single pushes (as the plane's run loop does).
const step = fc.oneof(
  fc.record({ burst: fc.array(time, { maxLength: 300 }) }),
  fc.record({ burst: fc.array(time, { minLength: 64, maxLength: 200 }) }),
  fc.record({ peek: fc.constant(true) }),
  fc.record({ pops: fc.integer({ min: 1, max: 200 }), pushAfterPop: fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { maxLength: 3 }) }),
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** The queue under test and the scan queue, pushed alike (events numbered in push order). */
class Mirrored {
  readonly q = new EventQueue();
  readonly ref = new ScanQueue();
  private id = 0;
  push(t: number): void {
    this.q.push(t, this.id);
    this.ref.push(t, this.id++);
  }
  /** Applies a burst or a peek step to both; false for a pop step, which each property runs its own way. */
  burstOrPeek(s: Step): boolean {
    if ('burst' in s) {
      for (const t of s.burst) this.push(t);
      return true;
    }
    if ('peek' in s) {
      expect(this.q.peekTime()).to.equal(this.ref.peekTime());
      return true;
    }
    return false;
  }
  /** Pops both to the end: the same events in the same order. */
  drain(): void {
    while (this.ref.size > 0) {
      expect(this.q.peekTime()).to.equal(this.ref.peekTime());
      expect(this.q.pop()).to.equal(this.ref.pop());
    }
    expect(this.q.size).to.equal(0);
  }
}

describe('comms: the event queue', () => {
  it('property: pops in exactly the order of a scan for the least (time, insertion order), for any mix of bursts, single pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        const m = new Mirrored();
        const { q, ref } = m;
        let now = -Infinity;
        for (const s of steps) {
          if (m.burstOrPeek(s) || !('pops' in s)) continue;
          for (let k = 0; k < s.pops && ref.size > 0; k++) {
            expect(q.size).to.equal(ref.size);
            expect(q.peekTime()).to.equal(ref.peekTime());
            now = ref.peekTime();
            expect(q.pop()).to.equal(ref.pop());
            // Events scheduled while running lie at or after the current time.
            for (const dt of s.pushAfterPop) m.push(now + dt);
          }
        }
        m.drain();
        expect(q.peekTime()).to.equal(Infinity);
      }),
      { numRuns: 200 },
    );
  });

  it('property: stretches (a run’s events taken without the heap, as the plane takes a burst) come out in exactly the order of the scan, with pushes cutting them short', () => {
    let stretched = 0;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), fc.double({ min: 0, max: 1e15, noNaN: true }), (steps, limit) => {
        const m = new Mirrored();
        const { q, ref } = m;
        for (const s of steps) {
          if (m.burstOrPeek(s) || !('pops' in s)) continue;
          // As the plane's run loop: a stretch up to `limit` and the earliest other event; a pop where none can start; after an event that pushes, the rest waits.
          let budget = s.pops;
          while (budget > 0 && ref.size > 0 && ref.peekTime() <= limit) {
            const k = q.stretch();
            const at = k > 0 ? q.stretchAt : 0;
            let i = 0;
            while (k > 0 && i < k && budget > 0) {
              const t = q.stretchTimes[at + i]!;
              if (t > limit || t >= q.stretchBefore) break;
              expect(t).to.equal(ref.peekTime());
              expect(q.stretchEvents[at + i]).to.equal(ref.pop());
              i++;
              budget--;
              if (s.pushAfterPop.length > 0 && i % 7 === 0) {
                for (const dt of s.pushAfterPop) m.push(t + dt);
                break;
              }
            }
            if (i > 0) {
              q.consume(i);
              stretched += i;
            } else {
              expect(q.peekTime()).to.equal(ref.peekTime());
              expect(q.pop()).to.equal(ref.pop());
              budget--;
            }
            expect(q.size).to.equal(ref.size);
          }
        }
        m.drain();
      }),
      { numRuns: 200 },
    );
    // The runs must have been taken as stretches, not only popped.
    expect(stretched).to.be.greaterThan(1000);
  });

  it('a burst of 10,000 arrivals at one send time comes out in time order, ties in the order sent', () => {
    const q = new EventQueue();
    // Latencies of 0, 1, …, 99 ms, each 100 times: the k-th message at k mod 100 ms.
    for (let k = 0; k < 10_000; k++) q.push(1000 + (k % 100), k);
    const out: number[] = [];
    while (q.size > 0) out.push(q.pop());
    expect(out.slice(0, 3)).to.deep.equal([0, 100, 200]);
    expect(out[100]).to.equal(1);
    expect(out.at(-1)).to.equal(9999);
  });

  it('refuses a time that is not finite', () => {
    expect(() => new EventQueue().push(NaN, 0)).to.throw(RangeError, /finite/);
    expect(() => new EventQueue().push(Infinity, 0)).to.throw(RangeError, /finite/);
  });
});

describe('comms: the burst sorter', () => {
  const stable = (xs: readonly number[]): number[] => xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]! || a - b);

  it('property: equals a stable comparison sort, for spread, tied and heavy-tailed values', () => {
    const values = fc.oneof(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 2000 }),
      fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 2000 }),
      // A log-normal-like tail: most values crowd the lowest buckets.
      fc.array(fc.double({ min: -3, max: 12, noNaN: true }).map(Math.exp), { maxLength: 2000 }),
    );
    const sorter = new BurstSorter();
    fc.assert(
      fc.property(values, (xs) => {
        const v = Float64Array.from(xs, (x) => x + 0);
        // The events are the input positions: sorted, they are the permutation a stable sort makes.
        const outTimes = new Float64Array(v.length);
        const outEvents = new Int32Array(v.length);
        sorter.sort(v, Int32Array.from(xs, (_, i) => i), v.length, outTimes, outEvents);
        const order = stable(xs);
        expect(Array.from(outEvents)).to.deep.equal(order);
        expect(Array.from(outTimes)).to.deep.equal(order.map((i) => v[i]!));
      }),
      { numRuns: 200 },
    );
  });
});

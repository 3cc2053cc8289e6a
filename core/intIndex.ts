/**
 * A map from small non-negative integer keys (0 ≤ key < 2^31) to non-negative integers,
 * for a hot loop that numbers hundreds of thousands of keys: open addressing with linear
 * probing in one Int32Array of (key, value) pairs, so a lookup touches one cache line where
 * a `Map` walks a bucket and a chain (and rehashes as it grows). At 400k agents, the LP's
 * column of each book segment (market/clearNetwork.ts) looked up in a `Map` of ~700k keys
 * cost 7× what it cost at 100k agents, per segment (issue 16).
 *
 * Not a general map: no deletion; `reset` empties it for a new round (sized for the keys
 * to come) and keeps its memory when that is large enough. Not pure: it owns a buffer.
 */
const EMPTY = -1;
/** Fibonacci hashing: the golden-ratio multiplier spreads consecutive keys (neighbouring price ticks) over the table. */
const GOLDEN = 0x9e3779b1 | 0;

export class IntIndex {
  /** [key, value] pairs; key EMPTY marks a free slot. */
  private slots = new Int32Array(0);
  private mask = 0;
  private shift = 32;
  private count = 0;

  constructor(maxKeys = 0) {
    this.reset(maxKeys);
  }

  /** Empties the index for at most `maxKeys` keys (the table keeps at most half its slots used). */
  reset(maxKeys: number): void {
    let capacity = 16;
    while (capacity < 2 * maxKeys) capacity *= 2;
    if (this.slots.length < 2 * capacity) this.slots = new Int32Array(2 * capacity);
    // Only the part used this round is cleared (a larger table from an earlier round keeps its size).
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.slots.fill(EMPTY, 0, 2 * capacity);
    this.count = 0;
  }

  /** Number of keys held. */
  get size(): number {
    return this.count;
  }

  /** The value of `key`, or −1 when it has none. */
  get(key: number): number {
    const slots = this.slots;
    let h = Math.imul(key, GOLDEN) >>> this.shift;
    for (;;) {
      const k = slots[2 * h]!;
      if (k === key) return slots[2 * h + 1]!;
      if (k === EMPTY) return -1;
      h = (h + 1) & this.mask;
    }
  }

  /** Sets the value of a key it does not hold yet (`get(key)` was −1); throws past the size given to `reset`. */
  add(key: number, value: number): void {
    if (2 * (this.count + 1) > this.mask + 1) throw new RangeError(`IntIndex: more keys than reset() was sized for (${this.count + 1} > ${(this.mask + 1) / 2})`);
    const slots = this.slots;
    let h = Math.imul(key, GOLDEN) >>> this.shift;
    while (slots[2 * h] !== EMPTY) h = (h + 1) & this.mask;
    slots[2 * h] = key;
    slots[2 * h + 1] = value;
    this.count++;
  }
}

/**
 * Scratch storage of the uniform-price auction (market/auction.ts), kept by the order-book
 * builder whose books it clears (market/orderBook.ts).
 */
/**
 * Storage a clearing uses and hands out to no one: the sort keys and both sides' price levels,
 * grown (doubling) when too small and used as their first `count`/`length` entries. Owned by the
 * `OrderBookBuilder` that built the book (passed on with its arrays when the engine reuses a
 * builder: one per simulation), so a run does not allocate them per interval: fresh they were
 * 3 Float64Arrays of ~125 kB per interval at 4000 homes, 35 MB per run of off-heap memory
 * (calloc/mmap, zeroing, munmap; issue 16). Only `clearDetailed` reads them, before it returns:
 * the next clearing may overwrite them. A book without one (built by hand) gets a fresh one.
 */
export class ClearingScratch {
  keys = new Float64Array(0);
  buyTicks = new Float64Array(0);
  buyQuanta = new Float64Array(0);
  sellTicks = new Float64Array(0);
  sellQuanta = new Float64Array(0);

  /** Room for `m` sort keys (contents: whatever the last clearing left). */
  keysFor(m: number): Float64Array {
    if (this.keys.length < m) this.keys = new Float64Array(Math.max(m, 2 * this.keys.length));
    return this.keys;
  }

  /** Buy and sell levels with room for `nb` and `ns` levels (counts 0: the caller sets them). */
  levels(nb: number, ns: number): [{ ticks: Float64Array; quanta: Float64Array; count: number }, { ticks: Float64Array; quanta: Float64Array; count: number }] {
    if (this.buyTicks.length < nb) {
      const c = Math.max(nb, 2 * this.buyTicks.length);
      this.buyTicks = new Float64Array(c);
      this.buyQuanta = new Float64Array(c);
    }
    if (this.sellTicks.length < ns) {
      const c = Math.max(ns, 2 * this.sellTicks.length);
      this.sellTicks = new Float64Array(c);
      this.sellQuanta = new Float64Array(c);
    }
    return [
      { ticks: this.buyTicks, quanta: this.buyQuanta, count: 0 },
      { ticks: this.sellTicks, quanta: this.sellQuanta, count: 0 },
    ];
  }
}

/**
 * The k-th smallest values of a sample without sorting it: the report's latency table
 * wants four order statistics (median, p90, p99, max) of each class's delivery latencies —
 * millions of samples in a large run — and a full sort of each was a second of CPU where a
 * selection is linear. The values are exactly those of the sorted sample at the same
 * indices (the tests compare with `Float64Array.prototype.sort`), so the table's text
 * does not change.
 */

/**
 * `sorted[k]` for each `k` of `ranks` (ascending, each in [0, n)), where `sorted` is
 * `samples` sorted ascending — NaN-free samples only (latencies always are). `samples` is
 * not changed.
 *
 * A large sample is first counted into buckets by the top 16 bits of each value's ordered bit
 * pattern (sign, exponent and 4 bits of mantissa: ~6 % wide, in value order), which finds the
 * bucket each rank falls in; only those buckets' values are copied out and a selection runs
 * on them (rank − the values in lower buckets). Two passes over the sample and a few thousand
 * values selected, where copying and partitioning the whole sample (millions of latencies) was
 * most of the report's time.
 */
export function orderStatistics(samples: Float64Array, ranks: readonly number[]): number[] {
  let left = 0;
  for (const k of ranks) {
    if (!(k >= left && k < samples.length)) throw new RangeError(`ranks must ascend within [0, ${samples.length}), got ${k} after ${left}`);
    left = k;
  }
  return samples.length >= BUCKETED_FROM && LITTLE_ENDIAN ? bucketed(samples, ranks) : selected(samples.slice(), ranks);
}

/** Samples from which the bucket pass pays (below, a copy and a selection are quick). */
const BUCKETED_FROM = 4096;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The ranks' values, selected in `a` (partitioned in place). */
function selected(a: Float64Array, ranks: readonly number[]): number[] {
  const out: number[] = [];
  let left = 0;
  for (const k of ranks) {
    select(a, left, a.length - 1, k);
    out.push(a[k]!);
    // Everything right of k is ≥ a[k]: the next (larger) rank lies in [k, n).
    left = k;
  }
  return out;
}

/**
 * The bucket of a value's high 32 bits (signed): the top 16 bits of the bit pattern made to order as the
 * numbers do (negative: every bit flipped; else the sign bit set) — −0 before +0, as a sort.
 */
const bucketOf = (high: number): number => (high < 0 ? ~high : high | 0x8000_0000) >>> 16;

function bucketed(samples: Float64Array, ranks: readonly number[]): number[] {
  const n = samples.length;
  // The high word of sample i (little-endian: its second 32 bits), as a signed integer (no boxing of words ≥ 2³¹).
  const words = new Int32Array(samples.buffer, samples.byteOffset, 2 * n);
  const counts = new Uint32Array(65_536);
  for (let i = 1; i < 2 * n; i += 2) counts[bucketOf(words[i]!)]!++;
  // Each rank's bucket and how many values lie in the buckets below it.
  const bucketOfRank: number[] = [];
  const below: number[] = [];
  let b = 0;
  let before = 0;
  for (const k of ranks) {
    while (before + counts[b]! <= k) before += counts[b++]!;
    bucketOfRank.push(b);
    below.push(before);
  }
  // The chosen buckets' values, copied out in one pass.
  const chosen = [...new Set(bucketOfRank)];
  const slot = new Int32Array(65_536).fill(-1);
  const values = chosen.map((c, s) => {
    slot[c] = s;
    return new Float64Array(counts[c]!);
  });
  const filled = new Int32Array(chosen.length);
  for (let i = 0; i < n; i++) {
    const s = slot[bucketOf(words[2 * i + 1]!)]!;
    if (s >= 0) values[s]![filled[s]!++] = samples[i]!;
  }
  return ranks.map((k, r) => {
    const s = slot[bucketOfRank[r]!]!;
    return selected(values[s]!, [k - below[r]!])[0]!;
  });
}

/**
 * Hoare's quickselect (median-of-three pivot): afterwards `a[k]` holds the value a sort of
 * `a[left, right]` would put there, everything in [left, k) is ≤ it and everything in
 * (k, right] is ≥ it.
 */
function select(a: Float64Array, left: number, right: number, k: number): void {
  while (right > left) {
    const x = a[left]!;
    const y = a[(left + right) >> 1]!;
    const z = a[right]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // [left, j] ≤ pivot ≤ [i, right]; anything strictly between j and i equals the pivot.
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

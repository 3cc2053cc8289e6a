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
 * not changed (a copy is partitioned).
 */
export function orderStatistics(samples: Float64Array, ranks: readonly number[]): number[] {
  const a = samples.slice();
  const out: number[] = [];
  let left = 0;
  for (const k of ranks) {
    if (!(k >= left && k < a.length)) throw new RangeError(`ranks must ascend within [0, ${a.length}), got ${k} after ${left}`);
    select(a, left, a.length - 1, k);
    out.push(a[k]!);
    // Everything right of k is ≥ a[k]: the next (larger) rank lies in [k, n).
    left = k;
  }
  return out;
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

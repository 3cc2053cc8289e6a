/**
 * Which of its needs an agent's purchase served. The market awards a buyer's segments
 * from the highest price down (fully above the clearing price, in part at it, none
 * below), so an agent splits what it bought the same way over the needs it bid for.
 * Pure apart from writing into the caller's scratch arrays (no allocation: it runs for
 * every agent every interval).
 */

/** Tolerance for "got what it bid": the default market quantum, one watt. */
export const AWARD_TOLERANCE_KW = 1e-3;

/**
 * Splits `boughtKw` over `n` needs: by bid price, highest first (ties in index order,
 * which is the valuation order), each up to its kW. The market awards each segment
 * rounded to its quantum, so a need counts as round(kW / quantum)·quantum against the
 * purchase and, when that much is left, gets its whole kW. An indivisible need (an
 * appliance run: `indivisible[i]` ≠ 0) gets its whole kW or nothing; what it does not
 * take goes on to the next needs. Writes each need's share into `out[0 … n)`; `order`
 * is scratch of length ≥ n. Returns what was left over (bought beyond every need), kW.
 * Example: prices [3000, 100, 200], kW [1, 2, 3], bought 5 → out [1, 1, 3], left 0.
 * (Agents call `allocatePacked` on their packed need records; this is the same rule on
 * separate arrays.)
 */
export function allocateByPrice(
  priceMwh: ArrayLike<number>,
  kw: ArrayLike<number>,
  indivisible: ArrayLike<number>,
  n: number,
  boughtKw: number,
  order: Int32Array,
  out: Float64Array,
  quantumKw = AWARD_TOLERANCE_KW,
): number {
  const d = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    d[i * 4] = priceMwh[i]!;
    d[i * 4 + 1] = kw[i]!;
    d[i * 4 + 2] = indivisible[i]!;
  }
  const left = allocatePacked(d, 4, 0, 1, 2, 3, n, boughtKw, order, quantumKw);
  for (let i = 0; i < n; i++) out[i] = d[i * 4 + 3]!;
  return left;
}

/**
 * `allocateByPrice` on records packed in one array: need i's fields at
 * d[i·stride + offset]. Writes each share at the `served` offset. No allocation.
 */
export function allocatePacked(
  d: Float64Array,
  stride: number,
  price: number,
  kwAt: number,
  indivisibleAt: number,
  servedAt: number,
  n: number,
  boughtKw: number,
  order: Int32Array,
  quantumKw: number,
): number {
  for (let i = 0; i < n; i++) {
    // Insertion sort by price, descending, stable.
    const p = d[i * stride + price]!;
    let j = i;
    while (j > 0 && d[order[j - 1]! * stride + price]! < p) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = i;
  }
  // `+boughtKw`, not the parameter itself: the parameter is of any type to the optimiser, and a loop
  // variable that may be it was kept boxed, a new heap number at each step of the loop (~48 B per
  // call, 19 MB per warm run of the 4000-home scenario, measured, issue 16); `+` makes it a number.
  let left = boughtKw > 0 ? +boughtKw : 0;
  for (let r = 0; r < n; r++) {
    const o = order[r]! * stride;
    const q = d[o + kwAt]!;
    const awarded = quantumKw > 0 ? Math.round(q / quantumKw) * quantumKw : q;
    if (left >= awarded - 1e-9) {
      d[o + servedAt] = q;
      left = left > awarded ? left - awarded : 0;
    } else if (d[o + indivisibleAt] !== 0) d[o + servedAt] = 0;
    else {
      d[o + servedAt] = left;
      left = 0;
    }
  }
  return left;
}

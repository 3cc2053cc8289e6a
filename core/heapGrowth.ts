/**
 * How far V8 lets the old generation grow past what the last full collection kept alive,
 * once a run's heap is large. V8 picks a growing factor of up to 4 by itself while memory is
 * plentiful; a large run holds a large, long-lived heap (every agent's state) and allocates
 * steadily, so the default let the 100,000-agent day (evening-peak × 130) peak at 1.72 GB RSS
 * once its intervals stopped starting full collections through off-heap churn (issue 16:
 * reused interval arrays). A fixed growth of 70 % keeps that peak at ~1.07 GB for ~10 % more
 * CPU (docs/performance.md); the number of full collections it costs grows with the run's
 * allocation over its live heap, the same at any population, so runs stay linear.
 * Heaps under 256 MB (evening-peak × 13 with every message on the plane peaks at ~205 MB; a
 * batch's 4,000-home runs far less) keep V8's default: small in absolute terms, and a bound
 * would only add full collections there. The bound is measured on the × 130 day only; the
 * threshold and percentage are choices, not tuned beyond that (docs/performance.md).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

export const HEAP_GROWTH_PERCENT = 70;
/** Used heap from which the growth is bounded (bytes). */
export const BOUND_FROM_HEAP_BYTES = 256 * 2 ** 20;

let applied = false;

/**
 * Sets V8's `--heap-growing-percent` for this process once its used heap has passed
 * `BOUND_FROM_HEAP_BYTES` (V8 reads it at every full collection, so it holds from the next
 * one on), unless the process was started with its own value. Process-wide and one-way;
 * `runScenario` calls it after each interval of each pass (counterfactual, foresight, run), so the CLI, batch workers and benches run alike.
 * Returns whether the bound is in force.
 */
export function boundHeapGrowthWhenLarge(): boolean {
  if (applied) return true;
  if (getHeapStatistics().used_heap_size < BOUND_FROM_HEAP_BYTES) return false;
  applied = true;
  if (!process.execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
  return true;
}

/**
 * How far V8 lets the old generation grow past what the last full collection kept alive.
 * V8 picks a factor of up to 4 by itself while memory is plentiful; a run holds a large,
 * long-lived heap (every agent's state) and allocates steadily, so the default let the
 * 100,000-agent day (evening-peak × 130) peak at 1.72 GB RSS once the intervals stopped
 * starting full collections through off-heap churn (issue 16: reused interval arrays).
 * A fixed growth of 70 % keeps its peak at ~1.08 GB for ~12 % more CPU (measured,
 * README, Performance). The number of full collections this costs grows with the run's
 * allocation over its live heap — the same at any population — so it keeps runs linear.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWTH_PERCENT = 70;

let applied = false;

/**
 * Sets V8's `--heap-growing-percent` for this process (read at every full collection, so
 * it holds from the next one on), unless the process was started with its own value.
 * Process-wide: `runScenario` calls it, so the CLI, batch workers and benches run alike.
 */
export function limitHeapGrowth(): void {
  if (applied) return;
  applied = true;
  if (process.execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
}

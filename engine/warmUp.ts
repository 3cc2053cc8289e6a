/**
 * Warm-up days (`warmUpDays: N`): the engine simulates N whole days before the scenario's `start`
 * and reports none of them. Why: a run starts cold — no metered history for an operator's
 * 10-of-10 baseline ("with none, there is no baseline"), no price history for the forecasts,
 * batteries and rooms at their initial state — and a designer who wanted to measure a one-day
 * event on the standard baseline had to run two weeks and read only the last day.
 *
 * How it is cut (one rule, two places):
 * - the engine's clock starts N days early (calendar days of the site's clock: across a daylight-saving change the
 *   warm-up starts at the same wall time N local days before `start`, 23 or 25 hours in that day): every warm-up interval is a real interval (market,
 *   settlement, operators, the books' checks), so a run with warm-up is, interval for interval, the
 *   run that starts N days earlier (same seed, same random streams in the same order: every stream
 *   draws its warm-up days first); the only difference is the reporting, below;
 * - the outputs are keyed by time: the recorder (output/recorder.ts `interval`) writes rows and adds
 *   KPIs only for intervals starting at or after `start`; of a warm-up interval it keeps only what
 *   must not be lost, the books' violations (a warm-up whose books do not close fails the run) and
 *   its agent faults (counted and listed in summary.json `warmUp`, an agent isolated there stays isolated);
 * - what the engine accumulates over the run for its end (retail bills, tariff switches, the
 *   operators' demand-response totals, overload counts, reliability) starts again at `start`
 *   (`Simulation` calls `startReporting` on the retail desk and the grid room once, as the first
 *   reported interval begins). A monthly demand charge's month-to-date peak starts there too:
 *   bills start at `start`, as in a run that starts there. So does the retail desk's running peak
 *   that lets flexible load fill it for free: a customer behaves at `start` as in a cold run's first
 *   day under that tariff — the one place where a warm-up run and the longer run differ in
 *   behaviour, not only in what is written.
 * Everything else carries over: agents' states (state of charge, temperatures, sessions), the price
 * forecaster's history, the operators' metered history and event days (baselines), the retailers'
 * forecast history, tariff choices made during the warm-up, crashed agents.
 */
import { runSpanOf } from './scenario/runSpan.ts';

/**
 * The intervals the warm-up adds before `start`: `warmUpDays` calendar days of the site's clock (engine/scenario/runSpan.ts;
 * N × 24 hours unless the site's clock changes in them). A config built without the schema (no `warmUpDays`: a program's
 * own object) has none.
 */
export function warmUpIntervals(config: Parameters<typeof runSpanOf>[0]): number {
  return (config.warmUpDays ?? 0) === 0 ? 0 : runSpanOf(config).warmUpIntervals;
}

/** Where the engine's clock starts: `warmUpDays` calendar days before the reported `start` (ms, UTC), as `runSpanOf` counts them. */
export function simulatedStart(config: Parameters<typeof runSpanOf>[0]): number {
  return runSpanOf(config).simulatedStartMs;
}

/**
 * Warm-up days (`warmUpDays: N`): the engine simulates N whole days before the scenario's `start`
 * and reports none of them. Why: a run starts cold — no metered history for an operator's
 * 10-of-10 baseline ("with none, there is no baseline"), no price history for the forecasts,
 * batteries and rooms at their initial state — and a designer who wanted to measure a one-day
 * event on the standard baseline had to run two weeks and read only the last day.
 *
 * How it is cut (one rule, two places):
 * - the engine's clock starts N days early: every warm-up interval is a real interval (market,
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
import { MS_PER_DAY } from '../core/time.ts';

/**
 * The intervals the warm-up adds before `start` (whole days, `intervalMinutes` dividing a day). A config built
 * without the schema (no `warmUpDays`: a program's own object) has none.
 */
export function warmUpIntervals(config: { readonly warmUpDays?: number | undefined; readonly intervalMinutes: number }): number {
  return (config.warmUpDays ?? 0) * Math.round((24 * 60) / config.intervalMinutes);
}

/** Where the engine's clock starts: `warmUpDays` whole days before the reported `start` (ms, UTC). */
export function simulatedStart(startMs: number, warmUpDays: number | undefined): number {
  return startMs - (warmUpDays ?? 0) * MS_PER_DAY;
}

/**
 * One scenario, start to finish: load, simulate, write the output folder.
 */
import type { SiteZone } from '../core/siteZone.ts';
import type { ReportData } from '../output/report.ts';
import type { RunSummary } from '../output/runSummary.ts';
import { Recorder } from '../output/recorder.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../output/parquet.ts';
import { loadScenarioFile, type Scenario } from './scenario/load.ts';
import type { Phases } from './interval/phases.ts';
import { Simulation } from './simulation.ts';
import { RunInterrupted } from './interrupted.ts';
import type { Counterfactual } from '../agents/operations/counterfactual.ts';
import { boundHeapGrowthWhenLarge } from '../core/heapGrowth.ts';
import { UserError } from '../core/errors.ts';
import { feederConfigOf } from '../network/schema.ts';
import type { ExtraColumns } from '../output/tables.ts';

export { RunInterrupted } from './interrupted.ts';

export interface RunOptions {
  readonly outDir: string;
  readonly seed?: number | undefined;
  /** How the tables are written (output/parquet.ts); default `['csv']`. */
  readonly formats?: readonly OutputFormat[] | undefined;
  /** Called after each interval (for progress displays): intervals done, total, and which pass. */
  readonly onInterval?: ((done: number, total: number, pass: 'counterfactual' | 'foresight' | 'run') => void) | undefined;
  /**
   * Stops the run between two intervals once aborted (the CLI aborts it on SIGINT/SIGTERM):
   * `runScenario` then rejects with `RunInterrupted`, the output files cut off under their
   * `.partial` names with every row of the intervals done. Each pass gives the event loop a
   * turn after every interval (see `Simulation.runYielding`), so a signal handler can run.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * What summary.json names the scenario file (default: the path it was read from). A batch gives
   * the path from its sweep (or folder) to the base scenario, the same from any working folder.
   */
  readonly scenarioFileLabel?: string | undefined;
}

/** What a caller may change inside a run (not part of the published options): tests prove the books catch a wrong phase with it. */
export interface RunInternals {
  /** Replacements for phases of the written run's interval pipeline. */
  readonly phases?: Partial<Phases> | undefined;
}

export interface RunResult {
  readonly outDir: string;
  /** What summary.json holds, typed (output/runSummary.ts). */
  readonly summary: RunSummary;
}

/** The passes `runScenario` makes, in order: the counterfactual (with operators), the foresight pass (perfect-foresight forecasts), the run. */
export function runPasses(config: Scenario['config']): Array<'counterfactual' | 'foresight' | 'run'> {
  return [...(config.operations.length > 0 ? (['counterfactual'] as const) : []), ...(config.forecast.method === 'perfect-foresight' ? (['foresight'] as const) : []), 'run'];
}

/**
 * Every pass here hands its outcomes to a sink that copies what it keeps (the recorder, the
 * price and meter tables below) and reads nothing after it returns: the simulation may reuse
 * an interval's arrays for the next (`SimulationOptions.reuseIntervalArrays`, why there).
 */
const REUSE = { reuseIntervalArrays: true } as const;

/**
 * What is wrong with options a program passed, if anything, by the rules the CLI's flags and a
 * scenario's `seed:` follow (the CLI checks its flags before this): a seed of −1 would run and be
 * recorded in summary.json though no flag or scenario could reproduce it, and an unknown format
 * (or none) failed only after the run, with the recorder's message.
 */
export function runOptionsProblem(options: RunOptions): string | undefined {
  const { outDir, seed, formats } = (options ?? {}) as Partial<RunOptions>;
  if (typeof outDir !== 'string' || outDir === '') return `options.outDir must name the output folder, got ${outDir === undefined ? 'undefined' : JSON.stringify(outDir)}`;
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0)) return `options.seed must be a whole number ≥ 0 (as a scenario's seed), got ${String(seed)}`;
  if (formats !== undefined) {
    if (!Array.isArray(formats)) return `options.formats: expected a list such as ['csv', 'parquet'], got ${JSON.stringify(formats)}`;
    const bad = formats.find((f) => !(OUTPUT_FORMATS as readonly string[]).includes(f));
    if (bad !== undefined) return `options.formats: '${String(bad)}' is not an output format: expected csv, parquet or both`;
    if (formats.length === 0) return 'options.formats: expected csv, parquet or both, got none';
  }
  return undefined;
}

/** Runs `scenario` (every pass it needs) and writes its outputs to `options.outDir`: the library's entry point. */
export function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  return runScenarioWith(scenario, options, {});
}

/** `runScenario` with replacements for parts of its pipeline (tests); not in the published API. */
export async function runScenarioWith(scenario: Scenario, options: RunOptions, internals: RunInternals): Promise<RunResult> {
  const problem = runOptionsProblem(options);
  if (problem) throw new UserError(`runScenario: ${problem}`);
  // With operators, first the same run without them (same seed): the counterfactual
  // baseline of demand response, and the overloads they avoid.
  const { signal } = options;
  const counterfactual = scenario.config.operations.length > 0 ? await runCounterfactual(scenario, options.seed, options.onInterval, signal) : undefined;
  // With a perfect-foresight forecast, first the same run (same seed, same counterfactual) forecasting by
  // the fallback method: the prices it clears are the forecast of the run written below (engine/forecast.ts).
  const foresightPrices = scenario.config.forecast.method === 'perfect-foresight' ? await recordPrices(scenario, options.seed, counterfactual, options.onInterval, signal) : undefined;
  const sim = await Simulation.create(scenario, { seed: options.seed, counterfactual, foresightPrices, phases: internals.phases, ...REUSE });
  if (signal?.aborted) throw new RunInterrupted('run', 0, sim.simulatedIntervals, signal.reason);
  const recorder = new Recorder(options.outDir, sim.info, sim.rules, reportClock(sim.site.zone, scenario.config.site.utcOffsetHours), options.formats, optionalColumns(scenario));
  const progress = options.onInterval;
  try {
    await sim.runYielding(
      {
        interval: (o) => {
          // The recorder writes nothing of a warm-up interval but its books and faults (output/recorder.ts, engine/warmUp.ts).
          recorder.interval(o);
          // Progress counts every simulated interval, warm-up included: it is where the run is.
          progress?.(o.interval.index + 1, sim.simulatedIntervals, 'run');
          // A large run's heap: bound how far it grows between full collections (why there; every pass checks).
          boundHeapGrowthWhenLarge();
        },
        completed: (end) => recorder.completed(end),
      },
      signal,
      'run',
    );
  } catch (err) {
    // What was written stays, every row of the intervals done, under the .partial names.
    if (err instanceof RunInterrupted) recorder.abandon();
    // A failed run also lets go of its files and ends DuckDB's pipes (a Parquet child must not outlive it).
    else
      try {
        recorder.abandon();
      } catch {
        // The run's own error is the one to report.
      }
    throw err;
  }
  let summary: RunSummary;
  try {
    summary = recorder.finish({ scenarioFile: options.scenarioFileLabel ?? scenario.file, description: scenario.config.description });
  } catch (err) {
    // A table that could not be finished (e.g. its Parquet writer died): the others are let go too, then the error.
    try {
      recorder.abandon();
    } catch {
      // The first error is the one to report.
    }
    throw err;
  }
  // The Parquet files (written as the run went) are complete once DuckDB has read the end of every table.
  await recorder.tables.complete();
  return { outDir: options.outDir, summary };
}

export function runScenarioFile(file: string, options: RunOptions): Promise<RunResult> {
  return runScenario(loadScenarioFile(file), options);
}

/**
 * The first pass of a `perfect-foresight` run: the cleared price of every bus (`info.buses`
 * order) and interval, with the forecast falling back to `forecast.fallback`.
 */
export async function recordPrices(scenario: Scenario, seed: number | undefined, counterfactual: Counterfactual | undefined, onInterval?: RunOptions['onInterval'], signal?: AbortSignal): Promise<Float64Array[]> {
  // A pass before the run: its prices are all it gives, so it does not settle from the MDMS.
  const sim = await Simulation.create(scenario, { seed, counterfactual, finalSettlement: false, messageLog: false, ...REUSE });
  // Indexed by the engine's intervals, warm-up included (the written run forecasts its warm-up from them too).
  const prices = sim.info.buses.map(() => new Float64Array(sim.simulatedIntervals).fill(NaN));
  await sim.runYielding({
    interval(o) {
      const p = o.result.busPriceMwh;
      for (let b = 0; b < prices.length; b++) prices[b]![o.interval.index] = p[b]!;
      onInterval?.(o.interval.index + 1, sim.simulatedIntervals, 'foresight');
      boundHeapGrowthWhenLarge();
    },
  }, signal, 'foresight');
  return prices;
}

/**
 * How the counterfactual pass differs from the run: without operators, and — since only its
 * meters and overload count are used — without the final settlement from the MDMS, and
 * without the rows of messages.csv.
 */
export const COUNTERFACTUAL_PASS = Object.freeze({ withoutOperators: true, finalSettlement: false, messageLog: false } as const);

/** Every party's net consumption per interval, and the overload count, of the run without operators. */
export async function runCounterfactual(scenario: Scenario, seed: number | undefined, onInterval?: RunOptions['onInterval'], signal?: AbortSignal): Promise<Counterfactual> {
  const sim = await Simulation.create(scenario, { seed, ...COUNTERFACTUAL_PASS, ...REUSE });
  // Indexed by the engine's intervals, warm-up included (the operators' commands there are measured against it too).
  const netKw = sim.parties.map(() => new Float64Array(sim.simulatedIntervals).fill(NaN));
  let overloadIntervals = 0;
  await sim.runYielding({
    interval(o) {
      const q = o.book.rules.quantumKw;
      // What each site's meter saw (intermediaries: NaN).
      for (let i = 0; i < o.parties.length; i++) netKw[i]![o.interval.index] = o.ledger.actualQuanta[i]! * q;
      onInterval?.(o.interval.index + 1, sim.simulatedIntervals, 'counterfactual');
      boundHeapGrowthWhenLarge();
    },
    completed(end) {
      overloadIntervals = Number(end.operations.overloadIntervals ?? 0);
    },
  }, signal, 'counterfactual');
  return { netKw, overloadIntervals };
}

/** How the report shows local time: the scenario's fixed offset as given, or its IANA zone's offsets (core/siteZone.ts). */
function reportClock(zone: SiteZone, utcOffsetHours: number | undefined): { readonly utcOffsetHours?: number | undefined; readonly localZone?: ReportData['localZone'] } {
  if (!zone.iana) return { utcOffsetHours };
  const segments = zone.segments;
  return { localZone: { name: zone.name, offsetsS: segments.map((s, i) => [i === 0 ? null : s.startMs / 1000, s.offsetMs / 1000] as const) } };
}

/**
 * The optional columns (output/tables.ts) the scenario's tables have: `dlmp_loss` on a feeder pricing marginal losses;
 * agents.csv's `kvar` and `reactive_price` on a feeder the LP clears with reactive power (a power factor below 1 for some
 * kind, or inverters' Q), where reactive energy is settled (engine/interval/reactive.ts).
 */
export function optionalColumns(scenario: Scenario): ExtraColumns {
  const net = scenario.config.network;
  if (net?.model !== 'lindistflow') return {};
  const f = feederConfigOf(net);
  const reactive = scenario.config.market.mechanism !== 'double-auction' && (Object.values(f.powerFactor).some((pf) => pf < 1) || f.reactive.mode !== 'none');
  return { ...(reactive ? { agents: ['kvar', 'reactive_price'] } : {}), ...(f.losses === 'marginal' ? { voltages: ['dlmp_loss'] } : {}) };
}

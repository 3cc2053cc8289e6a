import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { BooksOpenError, type BooksSummary, checkedIntervals, EXIT_SIGNAL, ExitCode, InputFileError, UserError } from '../../core/errors.ts';
// The scenario loader and the engine (engine/run.ts, the recorder and all they import: ~0.2 s of CPU) are
// loaded when a run starts, not by every `gridbid` command: program.ts registers this command for `batch`,
// `worker` and `query` too.
import type { Scenario } from '../../engine/scenario/load.ts';
import type { RunInternals, RunOptions } from '../../engine/run.ts';
import type { RunSummary } from '../../output/runSummary.ts';
import { RunInterrupted } from '../../engine/interrupted.ts';
import { prepareOutputFolder, safeLabel } from '../../output/outDir.ts';
import { clearInterruptedRun, deepestExisting, INCOMPLETE_FILE, markIncomplete, noteInterruption, partialFiles, unmarkIncomplete, unmarkUnstarted } from '../../output/runFolder.ts';
import { RUN_FILES } from '../../output/tables.ts';
import type { OutputFormat } from '../../output/parquet.ts';
import { FORMAT_HELP, parseFormatOption } from './formatOption.ts';


export function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return Number(value);
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run one scenario and write its results (summary.json, CSV files, report.html).')
    .argument('<scenario>', 'scenario file (.yaml, .yml or .json)')
    .option('-o, --out <dir>', 'output folder (default: results/<scenario name>)')
    .option('-s, --seed <n>', 'random seed, overriding the scenario’s', parseSeed)
    .option('--format <formats>', FORMAT_HELP, parseFormatOption)
    .option('--progress', 'show progress on stderr (interval k/n, agents, elapsed, ETA; n counts a scenario\'s warmUpDays too) even when stderr is not a terminal')
    .option('--no-progress', 'no progress display, even on a terminal')
    .addHelpText(
      'after',
      '\nExamples:\n  gridbid run scenarios/default.yaml --out results/default --seed 7\n  gridbid run scenarios/default.yaml --format csv,parquet\n\nExit codes: 0 ok; 1 bad input (file, line, path, reason); 2 internal error; 3 the run did not finish (a strategy\nmodule called process.exit; the folder is marked INCOMPLETE); 4 the books did not close\n(the outputs are written and the first violations printed; see summary.json books);\n130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM: the run stops after the interval in progress, says how far\nit got, and leaves the folder marked INCOMPLETE with its files cut off as *.partial (a second Ctrl-C stops at once).\n' +
        'A strategy module caught in an endless loop takes no signal (its bid never ends): Ctrl-\\ (SIGQUIT) ends the process.\n' +
        'A scenario with warmUpDays: N is simulated from N days before its start; the outputs and figures cover the\nperiod from start only (the warm-up\'s books are checked all the same: summary.json books, warmUp).\n',
    )
    .action(async (file: string, opts: { out?: string; seed?: number; format?: OutputFormat[]; progress?: boolean }) => {
      const { loadScenarioFile } = await import('../../engine/scenario/load.ts');
      let scenario: Scenario;
      try {
        scenario = loadScenarioFile(file);
      } catch (err) {
        // A sweep given to run: its scenario errors ("base: unknown key …", "start: required") hid the command it needed.
        if (err instanceof InputFileError && (await import('../../batch/plan.ts')).isSweepFile(file)) {
          throw new UserError(`${file}: a sweep file (it has base:), not a scenario: run it with gridbid batch ${file}, or check it with gridbid validate ${file}`);
        }
        throw err;
      }
      // The name may hold anything (a space, a slash, '..'): as a folder it is made safe, never a path out of results/.
      const outDir = opts.out ?? join('results', safeLabel(scenario.config.name));
      const existing = deepestExisting(outDir);
      prepareOutputFolder(outDir, '--out', RUN_FILES);
      // (Loaded here, not with the command's definition: the footprint counts the run's intervals on the site's clock.)
      const { footprintProblem } = await import('../../engine/footprint.ts');
      const tooLarge = footprintProblem(scenario.config, outDir);
      if (tooLarge) throw new UserError(`${file}: ${tooLarge}`);
      const found = clearInterruptedRun(outDir);
      if (found) process.stderr.write(`gridbid: ${found}\n`);
      markIncomplete(outDir, `${file}, seed ${opts.seed ?? scenario.config.seed}`);
      const agents = scenario.config.agents.reduce((n, g) => n + g.count, 0);
      // (engine/warmUp.ts reads the site's clock for the warm-up's length: loaded here, not with the command's definition.)
      const [{ runPasses }, { runProgress }, { warmUpIntervals }] = await Promise.all([import('../../engine/run.ts'), import('../runProgress.ts'), import('../../engine/warmUp.ts')]);
      const warmUp = warmUpIntervals(scenario.config);
      const bar = runProgress(process.stderr, { agents, passes: runPasses(scenario.config), force: opts.progress, warmUpIntervals: warmUp });
      const stop = new AbortController();
      const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
        if (!stop.signal.aborted) {
          stop.abort(signal);
          return;
        }
        // A second signal: the interval in progress is taking too long (a huge LP); stop now.
        bar?.stop();
        noteInterruption(outDir, `stopped at once by a second ${signal}`);
        process.stderr.write(`gridbid: stopped at once by a second ${signal}; ${outDir} is marked ${INCOMPLETE_FILE}\n`);
        process.exit(EXIT_SIGNAL[signal]);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // A strategy module runs in this process: one that calls process.exit(0) in the middle of the run
      // (a debugging line left in) must not pass for a finished run, exit 0 with no summary.
      let settled = false;
      const onExit = (code: number): void => {
        if (settled || code !== 0) return;
        bar?.stop();
        noteInterruption(outDir, 'the process exited in the middle of the run (process.exit called by a strategy module?)');
        process.stderr.write(`gridbid: the process exited in the middle of the run (process.exit called by a strategy module?); ${outDir} is marked ${INCOMPLETE_FILE}\n`);
        process.exitCode = EXIT_UNFINISHED;
      };
      process.on('exit', onExit);
      try {
        await runAndReport(scenario, { outDir, seed: opts.seed, formats: opts.format, onInterval: bar?.update, signal: stop.signal }, (text) => {
          bar?.stop();
          // Every file is written (books open or not): the folder is complete.
          unmarkIncomplete(outDir);
          process.stdout.write(text);
        });
      } catch (err) {
        if (!(err instanceof RunInterrupted)) {
          // A user error before the first result (a module that does not load, a factory that throws) leaves no trace.
          // Any other failure with the marker still there (not a books-open run, complete and unmarked) says why in it.
          const unmarked = err instanceof UserError && unmarkUnstarted(outDir, existing);
          if (!unmarked && existsSync(join(outDir, INCOMPLETE_FILE))) noteInterruption(outDir, `failed: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
        bar?.stop();
        throw interruptedExit(err, outDir, warmUp);
      } finally {
        settled = true;
        bar?.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.off('exit', onExit);
      }
    });
}

/** Exit code of a run the process left unfinished without a signal: as a batch's failed runs (3). */
const EXIT_UNFINISHED = 3;

/** What an interrupted run says (stderr) and notes in its folder's marker, and its exit code. */
export function interruptedExit(err: RunInterrupted, outDir: string, warmUp: number): ExitCode {
  const signal = err.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
  // The counts are the engine's, a warm-up's intervals first (they write no row: the files hold the reported ones).
  const inWarmUp = err.intervalsDone <= warmUp;
  const where = `in the ${err.pass} pass after ${err.intervalsDone} of ${err.intervals} intervals${warmUp > 0 ? ` (${warmUp} of them the warm-up's${inWarmUp ? ', still under way' : ''})` : ''}`;
  noteInterruption(outDir, `interrupted by ${signal} ${where}`);
  const partial = partialFiles(outDir);
  const files =
    err.pass === 'run' && partial.length > 0
      ? `${partial.length} file${partial.length === 1 ? '' : 's'} cut off after ${inWarmUp && warmUp > 0 ? 'their header (no reported interval done yet)' : `interval ${err.intervalsDone - warmUp}`} (${partial.join(', ')}), no summary.json or report.html`
      : 'no results written yet (the run writes its files in its last pass)';
  return new ExitCode(
    EXIT_SIGNAL[signal],
    `interrupted by ${signal} ${where}: ${files}; ${outDir} is marked ${INCOMPLETE_FILE}. Run the same command again to replace it.`,
  );
}

/**
 * Runs a scenario, prints its summary, and fails with `BooksOpenError` (exit code 4) when
 * its books did not close — after the outputs are written, so they can be inspected.
 */
export async function runAndReport(scenario: Scenario, options: RunOptions, print: (text: string) => void, internals: RunInternals = {}): Promise<RunSummary> {
  const [{ runScenarioWith }, { OUTPUT_FILES }, { wallClockSpanNote }] = await Promise.all([import('../../engine/run.ts'), import('../../output/recorder.ts'), import('../../engine/scenario/runSpan.ts')]);
  const { summary } = await runScenarioWith(scenario, options, internals);
  print(formatSummary(summary, options.outDir, options.formats ?? ['csv'], OUTPUT_FILES, wallClockSpanNote(scenario.config)));
  if (!summary.books.closed) throw new BooksOpenError(options.outDir, summary.books);
  return summary;
}

/**
 * Agents a crash isolated, where there were any: the sites on their own control (metered: a home's devices still
 * consume, a battery or a generator idles) and
 * those left out (their load unknown, in no figure after the crash) named apart (engine/interval/participants.ts `Crashes`).
 */
function isolatedNote(k: RunSummary['kpis']): string {
  const n = k.isolatedAgents;
  if (!(n > 0)) return '';
  const i = k.isolation as { ownControlSites: number; leftOutSites: number };
  const parts = [`${i.ownControlSites} on own control (metered)`, `${i.leftOutSites} left out (load unknown)`];
  const others = n - i.ownControlSites - i.leftOutSites;
  if (others > 0) parts.push(`${others} intermediar${others === 1 ? 'y' : 'ies'} left out`);
  return ` (${n} agent${n === 1 ? '' : 's'} isolated: ${parts.join(', ')})`;
}

/**
 * Energy the agents needed and did not get (a cut-off island, a branch of limit 0), where there was
 * any: the peak and its "reduction" above then count load that was not served, not load that moved.
 */
function unservedNote(k: Record<string, unknown>): string {
  const kwh = Object.values(k.byKind as Record<string, { unservedKwh: number }>).reduce((a, b) => a + b.unservedKwh, 0);
  const shedKwh = (k.imbalance as { shedKwh?: number } | undefined)?.shedKwh ?? 0;
  const shed = shedKwh > 0 ? `, of it ${+shedKwh.toFixed(3)} kWh shed by the operator where nothing could supply it` : '';
  return kwh > 0 ? `, ${+kwh.toFixed(3)} kWh unserved${shed} (the peak above counts it as not consumed; summary.json byKind)` : '';
}

/** The other money stages, where there was anything in them. */
function stageLine(k: Record<string, unknown>): string {
  const parts: string[] = [];
  const da = k.dayAhead as { buyersPay: string; sellersReceive: string; rent: string } | undefined;
  if (da) parts.push(`day-ahead ${da.buyersPay} paid, ${da.sellersReceive} received, rent ${da.rent}`);
  const imb = k.imbalance as { buyersPay: string; sellersReceive: string; rent: string; redispatchedIntervals: number } | undefined;
  if (imb && imb.redispatchedIntervals > 0) parts.push(`imbalances (${imb.redispatchedIntervals} intervals re-dispatched) ${imb.buyersPay} paid, ${imb.sellersReceive} received, rent ${imb.rent}`);
  const feeder = k.feeder as { reactiveKvarhBought?: number; reactiveKvarhSold?: number; reactiveBuyersPay?: string; reactiveSellersReceive?: string; reactiveRent?: string } | undefined;
  if (feeder?.reactiveBuyersPay !== undefined) {
    parts.push(`reactive energy (in real time, at the reactive prices) ${feeder.reactiveKvarhBought} kvarh absorbed, ${feeder.reactiveKvarhSold} supplied: ${feeder.reactiveBuyersPay} paid, ${feeder.reactiveSellersReceive} received, rent ${feeder.reactiveRent}`);
  }
  const losses = k.losses as { kwh: number; buyersPay: string; sellersReceive: string; unsettledIntervals: number } | undefined;
  if (losses) {
    const open = losses.unsettledIntervals > 0 ? ` (${losses.unsettledIntervals} intervals not settled: see the books)` : '';
    parts.push(`feeder losses ${losses.kwh} kWh: the distribution operator paid ${losses.buyersPay}, the upstream grid received ${losses.sellersReceive}${open}`);
  }
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/**
 * Day-ahead auctions that did not clear, when there are any: their intervals had no day-ahead positions, which the
 * money line (the day-ahead money of the days that cleared) cannot show. Nothing printed when every auction cleared.
 */
function dayAheadFailedLine(dayAhead: RunSummary['kpis']['dayAhead']): string[] {
  const failed = dayAhead?.failedDays ?? [];
  if (failed.length === 0) return [];
  const days = failed.map((f) => `${f.day} ${f.status}`).join(', ');
  const intervals = failed.reduce((n, f) => n + f.intervals, 0);
  // Only what the failure means: no positions. Whether real time cleared those intervals is the issues line's count.
  return [`day-ahead ${failed.length} auction${failed.length === 1 ? '' : 's'} not cleared (${days}): ${intervals} interval${intervals === 1 ? '' : 's'} with no day-ahead positions (real time only); why: summary.json kpis.dayAhead.failedDays`];
}

/** What the books proved, in one line: only what they checked. */
function booksLine(books: BooksSummary, losses: boolean): string {
  return books.closed
    ? `books     closed in all ${checkedIntervals(books)}: energy, money per stage, aggregator and retailer identities${losses ? ", the feeder's losses" : ''}`
    : `books     NOT closed in ${books.openIntervals} of ${checkedIntervals(books)} (${books.violationCount} violations; see summary.json books)`;
}

/**
 * The files the run wrote, as found in its folder: the fixed outputs in their order (each table in
 * the formats asked for), then the tables only some runs write (voltages, messages), by name.
 */
function outputFiles(outDir: string, formats: readonly OutputFormat[], outputs: readonly string[]): string[] {
  const fixed = outputs.flatMap((f) => (f.endsWith('.csv') ? formats.map((x) => f.replace(/\.csv$/, `.${x}`)) : [f]));
  const present = new Set(readdirSync(outDir));
  const extra = [...present].filter((f) => !fixed.includes(f) && formats.some((x) => f.endsWith(`.${x}`))).sort();
  return [...fixed.filter((f) => present.has(f)), ...extra];
}

/** The peak against the no-flexibility baseline's, said the way it went: flexibility can raise a peak too (prices that all customers chase). */
function peakChange(reductionPct: number): string {
  return reductionPct < 0 ? `${String(-reductionPct)} % above it` : `reduction ${String(reductionPct)} %`;
}

/** `outputs`: the recorder's fixed output files (OUTPUT_FILES), in their order. */
function formatSummary(summary: RunSummary, outDir: string, formats: readonly OutputFormat[], outputs: readonly string[], wallClockSpan?: string): string {
  const k = summary.kpis as Record<string, unknown>;
  const lines = [
    `scenario  ${String((summary.scenario as { name: string }).name)} (seed ${String(summary.seed)}, ${String(summary.intervals)} intervals${summary.warmUp ? ` after a ${summary.warmUp.days}-day warm-up, reported nowhere` : ''}, ${String(summary.agents)} agents)`,
    // Days on the site's wall clock across a change of it (engine/scenario/runSpan.ts), where they are not days × 24 h.
    ...(wallClockSpan === undefined ? [] : [`span      ${wallClockSpan}`]),
    `energy    ${String(k.demandKwh)} kWh demand, ${String(k.supplyKwh)} kWh supply`,
    `price     average ${String(k.averagePriceMwh)} /MWh (min ${String(k.minPriceMwh)}, max ${String(k.maxPriceMwh)})`,
    `peak      ${String(k.peakKw)} kW at ${String(k.peakAt)} (no-flexibility baseline ${String(k.baselinePeakKw)} kW, ${peakChange(k.peakReductionPct as number)})`,
    // Each stage as it settles, per party and interval (output/kpis.ts): real time only on what differs from the day-ahead position.
    `money     real time: buyers paid ${String(k.totalCost)}, sellers received ${String(k.sellersRevenue)}, rent ${String(k.merchandisingSurplus)}${stageLine(k)}`,
    booksLine(summary.books as BooksSummary, k.losses !== undefined),
    `welfare   ${String(k.welfare)}`,
    `issues    ${Object.values(k.rejectedBids as Record<string, number>).reduce((a, b) => a + b, 0)} rejected bids, ${k.agentFaultCount as number} agent faults${isolatedNote(summary.kpis)}, ${k.clearingProblemCount as number} clearing problems${unservedNote(k)}`,
    ...dayAheadFailedLine(summary.kpis.dayAhead),
    `results   ${outDir}/ (${outputFiles(outDir, formats, outputs).join(', ')})`,
  ];
  return `${lines.join('\n')}\n`;
}

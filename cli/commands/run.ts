import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { BooksOpenError, type BooksSummary, UserError } from '../../core/errors.ts';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';
import { type RunInternals, type RunOptions, runPasses, runScenario } from '../../engine/run.ts';
import { runProgress } from '../runProgress.ts';
import { OUTPUT_FILES } from '../../output/recorder.ts';
import { prepareOutputFolder } from '../../output/outDir.ts';
import { clearInterruptedRun, markIncomplete, unmarkIncomplete } from '../../output/runFolder.ts';
import { footprintProblem } from '../../engine/footprint.ts';

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
    .option('--progress', 'show progress on stderr (interval k/n, agents, elapsed, ETA) even when stderr is not a terminal')
    .option('--no-progress', 'no progress display, even on a terminal')
    .addHelpText('after', '\nExample:\n  gridbid run scenarios/default.yaml --out results/default --seed 7\n\nExit codes: 0 ok; 1 bad input (file, line, path, reason); 2 internal error; 4 the books did not close\n(the outputs are written and the first violations printed; see summary.json books).\n')
    .action(async (file: string, opts: { out?: string; seed?: number; progress?: boolean }) => {
      const scenario = loadScenarioFile(file);
      const outDir = opts.out ?? join('results', scenario.config.name);
      prepareOutputFolder(outDir);
      const tooLarge = footprintProblem(scenario.config, outDir);
      if (tooLarge) throw new UserError(`${file}: ${tooLarge}`);
      const found = clearInterruptedRun(outDir);
      if (found) process.stderr.write(`gridbid: ${found}\n`);
      markIncomplete(outDir, `${file}, seed ${opts.seed ?? scenario.config.seed}`);
      const agents = scenario.config.agents.reduce((n, g) => n + g.count, 0);
      const bar = runProgress(process.stderr, { agents, passes: runPasses(scenario.config), force: opts.progress });
      try {
        await runAndReport(scenario, { outDir, seed: opts.seed, onInterval: bar?.update }, (text) => {
          bar?.stop();
          // Every file is written (books open or not): the folder is complete.
          unmarkIncomplete(outDir);
          process.stdout.write(text);
        });
      } finally {
        bar?.stop();
      }
    });
}

/**
 * Runs a scenario, prints its summary, and fails with `BooksOpenError` (exit code 4) when
 * its books did not close — after the outputs are written, so they can be inspected.
 */
export async function runAndReport(scenario: Scenario, options: RunOptions, print: (text: string) => void, internals: RunInternals = {}): Promise<Record<string, unknown>> {
  const { summary } = await runScenario(scenario, options, internals);
  print(formatSummary(summary, options.outDir));
  const books = summary.books as BooksSummary;
  if (!books.closed) throw new BooksOpenError(options.outDir, books);
  return summary;
}

/** The other money stages, where there was anything in them. */
function stageLine(k: Record<string, unknown>): string {
  const parts: string[] = [];
  const da = k.dayAhead as { buyersPay: string; sellersReceive: string; rent: string } | undefined;
  if (da) parts.push(`day-ahead ${da.buyersPay} paid, ${da.sellersReceive} received, rent ${da.rent}`);
  const imb = k.imbalance as { buyersPay: string; sellersReceive: string; rent: string; redispatchedIntervals: number } | undefined;
  if (imb && imb.redispatchedIntervals > 0) parts.push(`imbalances (${imb.redispatchedIntervals} intervals re-dispatched) ${imb.buyersPay} paid, ${imb.sellersReceive} received, rent ${imb.rent}`);
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/** What the books proved, in one line: only what they checked. */
function booksLine(books: BooksSummary): string {
  return books.closed
    ? `books     closed in all ${books.intervals} intervals: energy, money per stage, aggregator and retailer identities`
    : `books     NOT closed in ${books.openIntervals} of ${books.intervals} intervals (${books.violationCount} violations; see summary.json books)`;
}

function formatSummary(summary: Record<string, unknown>, outDir: string): string {
  const k = summary.kpis as Record<string, unknown>;
  const lines = [
    `scenario  ${String((summary.scenario as { name: string }).name)} (seed ${String(summary.seed)}, ${String(summary.intervals)} intervals, ${String(summary.agents)} agents)`,
    `energy    ${String(k.demandKwh)} kWh demand, ${String(k.supplyKwh)} kWh supply`,
    `price     average ${String(k.averagePriceMwh)} /MWh (min ${String(k.minPriceMwh)}, max ${String(k.maxPriceMwh)})`,
    `peak      ${String(k.peakKw)} kW at ${String(k.peakAt)} (no-flexibility baseline ${String(k.baselinePeakKw)} kW, reduction ${String(k.peakReductionPct)} %)`,
    `money     real time: buyers paid ${String(k.totalCost)}, sellers received ${String(k.sellersRevenue)}, congestion rent ${String(k.merchandisingSurplus)}${stageLine(k)}`,
    booksLine(summary.books as BooksSummary),
    `welfare   ${String(k.welfare)}`,
    `issues    ${Object.values(k.rejectedBids as Record<string, number>).reduce((a, b) => a + b, 0)} rejected bids, ${(k.agentFaults as unknown[]).length} agent faults, ${(k.clearingProblems as unknown[]).length} clearing problems`,
    `results   ${outDir}/ (${OUTPUT_FILES.join(', ')})`,
  ];
  return `${lines.join('\n')}\n`;
}

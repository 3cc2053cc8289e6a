import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { runScenario } from '../../engine/run.ts';
import { OUTPUT_FILES } from '../../output/recorder.ts';
import { prepareOutputFolder } from '../../output/outDir.ts';
import { clearInterruptedRun, markIncomplete, unmarkIncomplete } from '../../output/runFolder.ts';
import { footprintProblem } from '../../engine/footprint.ts';
import { UserError } from '../../core/errors.ts';

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
    .addHelpText('after', '\nExample:\n  gridbid run scenarios/default.yaml --out results/default --seed 7\n')
    .action(async (file: string, opts: { out?: string; seed?: number }) => {
      const scenario = loadScenarioFile(file);
      const outDir = opts.out ?? join('results', scenario.config.name);
      prepareOutputFolder(outDir);
      const tooLarge = footprintProblem(scenario.config, outDir);
      if (tooLarge) throw new UserError(`${file}: ${tooLarge}`);
      const found = clearInterruptedRun(outDir);
      if (found) process.stderr.write(`gridbid: ${found}\n`);
      markIncomplete(outDir, `${file}, seed ${opts.seed ?? scenario.config.seed}`);
      const bar = runProgress(process.stderr);
      let summary: Record<string, unknown>;
      try {
        ({ summary } = await runScenario(scenario, { outDir, seed: opts.seed, onInterval: bar?.update }));
      } finally {
        bar?.stop();
      }
      unmarkIncomplete(outDir);
      process.stdout.write(formatSummary(summary, outDir));
    });
}

/**
 * A progress bar on stderr for runs long enough to want one, on a terminal only
 * (CI logs and pipes stay quiet). The engine runs synchronously, so the bar renders
 * on each update rather than on a timer.
 */
function runProgress(stream: NodeJS.WriteStream): { update: (done: number, total: number, pass: 'counterfactual' | 'foresight' | 'run') => void; stop: () => void } | undefined {
  if (!stream.isTTY) return undefined;
  const bar = new SingleBar({ stream, format: ' {pass} [{bar}] {value}/{total} intervals', hideCursor: true, clearOnComplete: true, synchronousUpdate: true, fps: 10 }, Presets.shades_classic);
  let started = '';
  return {
    update(done, total, pass) {
      if (started !== pass) {
        if (started) bar.stop();
        bar.start(total, 0, { pass: pass === 'run' ? 'run            ' : pass === 'foresight' ? 'foresight pass ' : 'counterfactual ' });
        started = pass;
      }
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}

function formatSummary(summary: Record<string, unknown>, outDir: string): string {
  const k = summary.kpis as Record<string, unknown>;
  const lines = [
    `scenario  ${String((summary.scenario as { name: string }).name)} (seed ${String(summary.seed)}, ${String(summary.intervals)} intervals, ${String(summary.agents)} agents)`,
    `energy    ${String(k.demandKwh)} kWh demand, ${String(k.supplyKwh)} kWh supply`,
    `price     average ${String(k.averagePriceMwh)} /MWh (min ${String(k.minPriceMwh)}, max ${String(k.maxPriceMwh)})`,
    `peak      ${String(k.peakKw)} kW at ${String(k.peakAt)} (no-flexibility baseline ${String(k.baselinePeakKw)} kW, reduction ${String(k.peakReductionPct)} %)`,
    `money     buyers paid ${String(k.totalCost)}, sellers received ${String(k.sellersRevenue)}, surplus ${String(k.merchandisingSurplus)}; balanced every interval: ${String(k.moneyBalancedEveryInterval)}`,
    `welfare   ${String(k.welfare)}`,
    `issues    ${Object.values(k.rejectedBids as Record<string, number>).reduce((a, b) => a + b, 0)} rejected bids, ${(k.agentFaults as unknown[]).length} agent faults, ${(k.clearingProblems as unknown[]).length} clearing problems`,
    `results   ${outDir}/ (${OUTPUT_FILES.join(', ')})`,
  ];
  return `${lines.join('\n')}\n`;
}

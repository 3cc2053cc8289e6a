import type { Command } from 'commander';
import { InputFileError, UserError } from '../../core/errors.ts';
import type { BatchPlan } from '../../batch/plan.ts';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check a scenario file (or a sweep file: every run\'s scenario) without running it: every problem with its file, line, path and reason (of YAML syntax errors, which follow from one another, the first five and a count of the rest; faults and critical-peak events dated in a warm-up, warmUpDays), and notes on operators whose feeders overlap and on 10-of-10 baselines without two weeks of warm-up.')
    .argument('<scenario>', 'scenario or sweep file (.yaml, .yml or .json)')
    .addHelpText('after', '\nExample:\n  gridbid validate scenarios/default.yaml\n')
    .action(async (file: string) => {
      const [{ loadScenarioFile }, { footprintProblem }, { wallClockSpanNote }] = await Promise.all([import('../../engine/scenario/load.ts'), import('../../engine/footprint.ts'), import('../../engine/scenario/runSpan.ts')]);
      let config;
      try {
        ({ config } = loadScenarioFile(file));
      } catch (err) {
        // A sweep file is checked as `gridbid batch` plans it: its own keys, then every run's scenario.
        const { isSweepFile, planBatch } = await import('../../batch/plan.ts');
        if (!(err instanceof InputFileError) || !isSweepFile(file)) throw err;
        validateSweep(file, planBatch(file));
        return;
      }
      const tooLarge = footprintProblem(config);
      if (tooLarge) throw new UserError(`${file}: ${tooLarge}`);
      const agents = config.agents.reduce((n, g) => n + g.count, 0);
      const warmUp = config.warmUpDays > 0 ? ` after ${config.warmUpDays} warm-up day(s), simulated and reported nowhere` : '';
      process.stdout.write(`${file}: ok (${config.name}: ${agents} agents in ${config.agents.length} groups, ${config.days} day(s) of ${config.intervalMinutes}-minute intervals${warmUp})\n`);
      // Across a change of the site's clock the days are its calendar days, not days × 24 hours: say what they come to.
      const span = wallClockSpanNote(config);
      if (span !== undefined) process.stdout.write(`${file}: span ${span}\n`);
      // Not a problem, but a rule the user should know applies: operators whose feeders overlap (README, "Several operators").
      if (config.network && config.operations.length > 1) {
        const [{ reachedBuses, sharedFeeders }, { networkFromConfig }, { buildTopology }, { ptdfOf }] = await Promise.all([
          import('../../agents/operations/conflicts.ts'),
          import('../../network/schema.ts'),
          import('../../network/topology.ts'),
          import('../../network/ptdf.ts'),
        ]);
        // Where operators' `buses` overlap, only the buses whose devices move a branch each of them watches (the only ones it asks).
        const network = networkFromConfig(config.network);
        const topology = buildTopology(network, 'matpower');
        const { factors, busCount } = ptdfOf(topology);
        const branchIds = Array.from(topology.branchOf, (b) => network.branches[b]!.id);
        const reaches = (k: number) => reachedBuses(config.operations[k]!.watch, branchIds, topology.busIds, factors, busCount);
        for (const s of sharedFeeders(config.operations, config.network.buses.map((b) => b.id), reaches)) {
          const few = s.buses.length <= 5 ? s.buses.join(', ') : `${s.buses.slice(0, 5).join(', ')} and ${s.buses.length - 5} more`;
          process.stdout.write(`  note: operators '${s.first}' and '${s.second}' share bus${s.buses.length === 1 ? '' : 'es'} ${few}: where both command a device there in one interval, '${s.first}' (listed first) has the first call and '${s.second}' gets what remains; a command the other way or a second setpoint is declined, and each is a COMMAND_CONFLICT row (README, "Several operators")\n`);
          // Each operator measures its share of a shared device's delivery on its own baseline (docs/markets.md, "Demand response").
          const baselineOf = (id: string): string => config.operations.find((o) => o.id === id)!.baseline;
          if (baselineOf(s.first) !== baselineOf(s.second))
            process.stdout.write(`  note: '${s.first}' measures delivery against the ${baselineOf(s.first)} baseline and '${s.second}' against the ${baselineOf(s.second)} one: a device both command has each share measured on its own operator's baseline, so the two shares may not add up to one measured delivery (a ten-of-ten share goes unmeasured where the history is too short)\n`);
        }
      }
      // A 10-of-10 baseline averages the 10 latest business days before an event: a run's own first days have fewer (README, "Warm-up days").
      const tenOfTen = config.operations.filter((o) => o.baseline === 'ten-of-ten').map((o) => `'${o.id}'`);
      if (tenOfTen.length > 0 && config.warmUpDays < TEN_OF_TEN_WARM_UP_DAYS)
        process.stdout.write(`  note: ${tenOfTen.join(', ')} measure${tenOfTen.length === 1 ? 's' : ''} delivery against the ten-of-ten baseline (the 10 latest business days before an event without one): an event in the run's first two weeks averages fewer days, none on its first day (not settled); warmUpDays: ${TEN_OF_TEN_WARM_UP_DAYS} simulates that history before start, reported nowhere\n`);
    });
}

/** Calendar days that hold 10 business days (two weeks, weekends and no holidays): the warm-up a 10-of-10 baseline wants. */
const TEN_OF_TEN_WARM_UP_DAYS = 14;

/** A sweep is valid when every run's scenario is: each invalid run is named with its located problem (exit 1). */
function validateSweep(file: string, plan: BatchPlan): void {
  const invalid = plan.runs.filter((r) => r.error !== undefined);
  if (invalid.length > 0) throw new UserError(`${file}: ${invalid.length} of ${plan.runs.length} runs would fail (a sweep; gridbid batch would run the others)\n${invalid.map((r) => `  ${r.id}: ${r.error}`).join('\n')}`);
  process.stdout.write(`${file}: ok (sweep ${plan.name}: ${plan.runs.length === 1 ? '1 run, a valid scenario' : `${plan.runs.length} runs, each a valid scenario`})\n`);
}

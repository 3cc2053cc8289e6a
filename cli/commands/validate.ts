import type { Command } from 'commander';
import { UserError } from '../../core/errors.ts';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check a scenario file without running it: every problem with its file, line, path and reason.')
    .argument('<scenario>', 'scenario file (.yaml, .yml or .json)')
    .addHelpText('after', '\nExample:\n  gridbid validate scenarios/default.yaml\n')
    .action(async (file: string) => {
      const [{ loadScenarioFile }, { footprintProblem }] = await Promise.all([import('../../engine/scenario/load.ts'), import('../../engine/footprint.ts')]);
      const { config } = loadScenarioFile(file);
      const tooLarge = footprintProblem(config);
      if (tooLarge) throw new UserError(`${file}: ${tooLarge}`);
      const agents = config.agents.reduce((n, g) => n + g.count, 0);
      process.stdout.write(`${file}: ok (${config.name}: ${agents} agents in ${config.agents.length} groups, ${config.days} day(s) of ${config.intervalMinutes}-minute intervals)\n`);
    });
}

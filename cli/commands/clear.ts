/**
 * `gridbid clear <case> [--json] [--solver highs|jslp] [--branch-model matpower|powermodels] [--model dc|lindistflow] [--ac]`:
 * clears one interval from a case file and prints nodal prices, dispatch and flows.
 * A MATPOWER `.m` case is solved as a DC-OPF (MW, $/h, $/MWh, the case's bus numbers);
 * a native `.json`/`.yaml` case is cleared as a market (kW, currency/MWh) under its network's
 * model (DC, or `model: lindistflow`: a feeder). See docs/clear.md.
 *
 * `--model lindistflow` solves a MATPOWER radial feeder as a LinDistFlow OPF (DLMPs with
 * their parts, voltages; `--ac` adds the AC check): cli/commands/clearFeeder.ts.
 *
 * A result that is not optimal (infeasible, unbounded, solver error) is printed, then
 * reported on stderr with exit code 1.
 */
import { type Command, Option } from 'commander';
// The clearing itself (market, MATPOWER readers, LP solvers) loads when the command runs.
import type { ClearOptions } from './clearCase.ts';

export type { ClearJson, DayAheadClearJson } from './clearCase.ts';

export function registerClear(program: Command): void {
  program
    .command('clear')
    .description('Clear one interval from a case file (native JSON/YAML under its network model, DC or a LinDistFlow feeder; or a MATPOWER .m case as DC-OPF, or with --model lindistflow as a feeder OPF), or a multi-interval native case day-ahead: nodal prices, dispatch, schedules and flows.')
    .argument('<case>', 'case file: .m (MATPOWER) or .json/.yaml/.yml (native, see docs/clear.md)')
    .option('--json', 'print one JSON document instead of tables')
    .addOption(new Option('--solver <name>', 'LP solver').choices(['highs', 'jslp']).default('highs'))
    .addOption(new Option('--branch-model <model>', 'DC branch susceptance: 1/(x·tap) with shifts, or x/(r²+x²) without').choices(['matpower', 'powermodels']).default('matpower'))
    .addOption(new Option('--model <model>', 'network model: DC power flow, or LinDistFlow for a radial feeder (DLMPs, voltages): a MATPOWER case, or a native case whatever its network says (one with model: lindistflow needs no flag)').choices(['dc', 'lindistflow']).default('dc'))
    .option('--ac', 'on a LinDistFlow feeder: check the dispatch with an AC power flow (losses, voltages, missed limits)')
    .addHelpText(
      'after',
      '\nExit codes:\n  0    the case solved (optimal / cleared)\n  1    a user error (missing or malformed file, unknown option), or a result that is not\n       optimal: the result (status and message) is still printed, the reason on stderr\n  2    internal error (a bug in gridbid)\n' +
        '\nExamples (paths from the repository root):\n  gridbid clear test/fixtures/refcases/pglib-opf/pglib_opf_case5_pjm.m\n  gridbid clear test/fixtures/refcases/pglib-opf/pglib_opf_case30_ieee.m --branch-model powermodels --json\n  gridbid clear test/fixtures/clear/three-bus.json\n  gridbid clear test/fixtures/refcases/matpower/case33bw.m --model lindistflow --ac\n  gridbid clear test/fixtures/clear/day-ahead.json\n',
    )
    .action(async (file: string, opts: ClearOptions, cmd: Command) => {
      const { clearCase } = await import('./clearCase.ts');
      // Which options were typed: an explicit one the case's model would ignore is refused (clearCase.ts).
      const given = new Set((['branchModel', 'model'] as const).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
      await clearCase(file, { ...opts, given });
    });
}


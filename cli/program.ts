/**
 * The `gridbid` command line. Exit codes: 0 success, 1 user error (bad input or
 * options: a message, never a stack trace), 2 internal error (a bug in gridbid),
 * 3 a batch with failed runs, 4 a run whose books did not close (its outputs are
 * written; summary.json `books` lists the violations), 130 interrupted (Ctrl-C).
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from '../core/errors.ts';
import { gridbidVersion } from '../core/version.ts';
import { registerBatch } from './commands/batch.ts';
import { registerClear } from './commands/clear.ts';
import { registerRun } from './commands/run.ts';
import { registerValidate } from './commands/validate.ts';
import { registerWorker } from './commands/worker.ts';
import { registerQuery } from './commands/query.ts';

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL_ERROR = 2;
export { EXIT_BOOKS_OPEN } from '../core/errors.ts';

export function buildProgram(): Command {
  const program = new Command('gridbid')
    .description('Multi-agent demand response and electricity market simulation.')
    .version(gridbidVersion(), '-V, --version', 'print the version of gridbid')
    .showHelpAfterError('(add --help for usage)')
    // Options belong to the command they follow (`batch merge … --out DIR` is merge's --out, not batch's).
    .enablePositionalOptions()
    .exitOverride();
  // Each command lives in cli/commands/<name>.ts and registers itself here. Only its
  // definition (options, help) loads with the program: its action imports what it runs
  // (`await import(…)`), so that `--help`, `--version` and each command load only their own
  // code (scripts/bundle.mjs splits the bundle at those imports).
  registerRun(program);
  registerValidate(program);
  registerBatch(program);
  registerClear(program);
  registerWorker(program);
  registerQuery(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and resolves to its exit code; never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USER_ERROR;
    }
    if (err instanceof ExitCode) {
      if (err.message !== '') process.stderr.write(`gridbid: ${err.message}\n`);
      return err.code;
    }
    if (err instanceof UserError) {
      process.stderr.write(`gridbid: ${err.message}\n`);
      return EXIT_USER_ERROR;
    }
    // The executable runs the CLI bundled (bin/gridbid.js): each frame named in the TypeScript source.
    const { inSource } = await import('../batch/runFiles.ts');
    const stack = err instanceof Error && err.stack !== undefined ? err.stack.split('\n').map((l) => (l.trim().startsWith('at ') ? l.replace(l.trim(), inSource(l.trim())) : l)).join('\n') : undefined;
    process.stderr.write(`gridbid: internal error (please report it): ${err instanceof Error ? (stack ?? err.message) : String(err)}\n`);
    return EXIT_INTERNAL_ERROR;
  }
}

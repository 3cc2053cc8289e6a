import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.ts';
import { REPORT_FILE, SUMMARY_FILE } from '../../batch/runFiles.ts';
import { DATABASE_FILE } from '../../batch/database.ts';
import { EXIT_RUNS_FAILED } from './batchOptions.ts';

const HELP = `
Each folder is one shard written by \`gridbid batch <sweep> --shard k/n\`; give all n
of them. The output folder gets every run's folder (copied), summary.csv and
batch-report.html, exactly as one \`gridbid batch <sweep>\` on one machine writes them,
and results.duckdb (the same tables and rows, for \`gridbid query\`). The shard folders
are left as they are.

Exit codes:
  0    merged; every run finished ok
  1    not the n finished shards of one sweep (the reason is printed; nothing written)
  3    merged; some runs failed (their errors are in summary.csv)

Example (a Slurm array of 4 tasks, then one merge):
  gridbid batch sweep.yaml --shard $SLURM_ARRAY_TASK_ID/4 --out results/sweep/shard-$SLURM_ARRAY_TASK_ID
  gridbid batch merge results/sweep/shard-* --out results/sweep
`;

/**
 * The batch folder's own files, as written: summary.csv, the report and, when the batch wrote it,
 * results.duckdb (not with --no-database, nor after a Ctrl-C), which this line left out, so the
 * database `gridbid query` reads was never named.
 */
export function resultFiles(outDir: string): string {
  return [SUMMARY_FILE, REPORT_FILE, ...(existsSync(join(outDir, DATABASE_FILE)) ? [DATABASE_FILE] : [])].join(', ');
}

/** `gridbid batch merge <folders…> [--out DIR]`, a subcommand of `batch`. */
export function registerBatchMerge(batch: Command): void {
  batch
    .command('merge')
    .description('Combine the shard folders of one sweep (batch --shard k/n) into one batch folder.')
    .argument('<folders...>', 'the n shard folders')
    .option('-o, --out <dir>', 'output folder (default: results/<sweep name>)')
    .addHelpText('after', HELP)
    .action(async (folders: string[], opts: { out?: string }) => {
      const { mergeShards } = await import('../../batch/merge.ts');
      const r = await mergeShards({ folders, outDir: opts.out });
      process.stdout.write(
        `merged    ${r.plan.name}: ${r.shards} shard${r.shards === 1 ? '' : 's'}, ${r.plan.runs.length} run${r.plan.runs.length === 1 ? '' : 's'}, ${r.ok} ok, ${r.failed} failed\n` +
          `results   ${r.outDir}/ (${resultFiles(r.outDir)}, one folder per run)\n`,
      );
      if (r.failed > 0) throw new ExitCode(EXIT_RUNS_FAILED, `${r.failed} of ${r.plan.runs.length} runs failed in the shards. Errors are in ${r.outDir}/${SUMMARY_FILE} (column error).`);
    })
    .exitOverride();
}

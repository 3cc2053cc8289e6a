import type { Command } from 'commander';
import { ExitCode, UserError } from '../../core/errors.ts';
// Planning and running a batch (the scenario loader, piscina, the progress bars) load when the
// command runs, not with its definition (cli/program.ts).
import type { BatchResult } from '../../batch/runBatch.ts';
import { SUMMARY_FILE } from '../../batch/runFiles.ts';
import { DATABASE_FILE } from '../../batch/database.ts';
import { formatShard, type Shard } from '../../batch/shard.ts';
import { registerBatchMerge, resultFiles } from './batchMerge.ts';
import { EXIT_INTERRUPTED, EXIT_QUEUE_LOST, EXIT_RUNS_FAILED, parseQueueOption, parseRedisTimeout, parseRunTimeout, parseShardOption, parseWorkers } from './batchOptions.ts';
import { showUrl } from '../../batch/queue.ts';
import type { OutputFormat } from '../../output/parquet.ts';
import { FORMAT_HELP, parseFormatOption } from './formatOption.ts';

const HELP = `
A sweep file names a base scenario and what to vary: a grid of values at override
paths (every combination runs), named variants (each a set of overrides), and the
seeds (replications: N, or seeds: [...]). A scenario file runs once; a folder runs
every sweep and scenario file in it. See scenarios/sweeps/README.md.

Output (--out, default results/<sweep name>): one folder per run (<variant or
parameter values>__seed-<n>, with the files of \`gridbid run\`), summary.csv (one row
per run, in the sweep's order), batch-report.html (charts and a table of all runs)
and, once the batch ends, results.duckdb: summary and every finished run's tables
keyed by run_id, for \`gridbid query\` or any DuckDB client. --format parquet writes
each run's tables as Parquet files (csv,parquet: both; default csv).

Order: the largest runs (agents × intervals) start first, so that a long run
does not start last and keep one worker busy while the others are idle;
summary.csv keeps the sweep's order.

Resuming: run the same command again. Finished runs (their folder has a DONE
marker) are kept; unfinished ones are cleaned and run again. Ctrl-C stops starting
runs and lets the running ones finish; a second Ctrl-C stops those too.

A run that never ends (a strategy module caught in an endless loop) keeps its
worker for ever: --run-timeout 10m fails any run still going after ten minutes
(its summary row and error.txt say so), ends its worker thread and goes on with a
new one. The limit is real time, so whether a run near it fails depends on the
machine: set it well above your runs' usual time. On a queue, the workers apply it.

Across machines (array jobs: Slurm arrays, Kubernetes Indexed Jobs): --shard k/n
runs shard k of n, the runs whose position in the sweep (from 0) modulo n is k-1,
into its own folder (default results/<sweep name>-shard-k-of-n); then
\`gridbid batch merge <shard folders…> --out DIR\` combines the n folders into the
folder one machine would have written (summary.csv byte for byte).

On a job queue (Redis with BullMQ): --queue redis://host:port puts the runs on the
queue and follows them (the same progress bar and summary.csv); \`gridbid worker
--queue redis://host:port\` on any number of machines runs them. The results folder
must be at the same absolute path on every machine (a shared file system). When
Redis has not answered for --redis-timeout (default 10m; 0 waits for ever), the
batch stops following: it writes summary.csv for the runs that finished, prints the
command that resumes it and exits 1; runs in progress finish in their workers, and
the rerun keeps them.

Progress goes to stderr: a bar on a terminal, otherwise one line per finished run.

Exit codes:
  0    every run finished ok
  1    the sweep file, its base scenario or an option is invalid (nothing ran),
       or Redis did not answer for --redis-timeout (the summary has the finished
       runs; rerun to resume)
  2    internal error (a bug in gridbid)
  3    some runs failed (their errors are in summary.csv and <run>/error.txt);
       the other runs are complete
  130  interrupted by Ctrl-C (the summary has the finished runs; rerun to resume)

Examples:
  gridbid batch scenarios/sweeps/price-rules.yaml
  gridbid batch scenarios/sweeps/price-rules.yaml --out results/rules --workers 2
  gridbid batch scenarios/sweeps/price-rules.yaml --format parquet
  gridbid batch scenarios/sweeps/price-rules.yaml --run-timeout 10m
  gridbid batch scenarios/sweeps/price-rules.yaml --shard 2/4 --out results/rules-2
  gridbid batch scenarios/sweeps/price-rules.yaml --queue redis://queue-host:6379 --out /shared/rules
  gridbid batch merge results/rules-1 results/rules-2 results/rules-3 results/rules-4 --out results/rules
  npm run batch -- scenarios/sweeps/price-rules.yaml
`;

export function registerBatch(program: Command): void {
  const batch = program
    .command('batch')
    .description('Run many scenarios (a sweep file or a folder) in parallel worker threads; summary.csv has one row per run.')
    .argument('<sweep-or-folder>', 'sweep file, scenario file or folder of them (.yaml, .yml or .json)')
    .option('-o, --out <dir>', 'output folder (default: results/<sweep name>)')
    .option('-w, --workers <n>', 'worker threads (default: the number of cores)', parseWorkers)
    .option('--queue <redis-url>', 'enqueue the runs on this Redis server for `gridbid worker`s and follow them', parseQueueOption)
    .option('--format <formats>', FORMAT_HELP, parseFormatOption)
    .option('--no-database', 'do not write results.duckdb when the batch ends (gridbid query then reads the files)')
    .option('--shard <k/n>', 'run only shard k of n (1 ≤ k ≤ n) of the sweep; combine the shards with `gridbid batch merge`', parseShardOption)
    .option('--run-timeout <duration>', 'fail a run still going after this long (90s, 10m, 2h; real time), ending its worker thread (default: no limit)', parseRunTimeout)
    .option('--redis-timeout <duration>', 'with --queue: stop following the runs when Redis has not answered for this long (90s, 10m, 2h; 0: wait for ever; default 10m)', parseRedisTimeout)
    // `batch merge …` is a subcommand; its own --out must not be taken by this command's.
    .enablePositionalOptions()
    .usage('[options] <sweep-or-folder>\n       gridbid batch merge [options] <shard folders...>')
    .addHelpText('after', HELP)
    .action(async (target: string, opts: { out?: string; workers?: number; shard?: Shard; queue?: string; format?: OutputFormat[]; database: boolean; runTimeout?: number; redisTimeout?: number }) => {
      // Options that mean nothing in this mode are refused, not ignored: the user meant something by them.
      if (opts.redisTimeout !== undefined && opts.queue === undefined) throw new UserError('--redis-timeout applies only with --queue (without a queue no Redis is involved)');
      if (opts.workers !== undefined && opts.queue !== undefined)
        throw new UserError('--workers does not apply with --queue: the runs run in gridbid worker processes (give each its --concurrency)');
      const [{ consoleProgress }, { runBatch }] = await Promise.all([import('../../batch/progress.ts'), import('../../batch/runBatch.ts')]);
      const progress = consoleProgress();
      const stop = new AbortController();
      const kill = new AbortController();
      const onSigint = (): void => {
        if (!stop.signal.aborted) {
          progress.note('stopping: no new runs will start; the running ones finish (Ctrl-C again to stop them now)');
          stop.abort();
        } else if (!kill.signal.aborted) {
          progress.note(opts.queue ? 'no longer following the runs in progress: they go on in their workers (rerun to collect them)' : 'stopping the running runs now');
          kill.abort();
        }
      };
      process.on('SIGINT', onSigint);
      let result: BatchResult;
      try {
        result = await runBatch({
          target,
          outDir: opts.out,
          workers: opts.workers,
          shard: opts.shard,
          queue: opts.queue,
          formats: opts.format,
          database: opts.database,
          runTimeoutSeconds: opts.runTimeout,
          redisTimeoutSeconds: opts.redisTimeout,
          stop: stop.signal,
          kill: kill.signal,
          progress,
        });
      } finally {
        process.off('SIGINT', onSigint);
      }
      process.stdout.write(formatResult(result));
      if (result.queueLost !== undefined) {
        // The reason first (the line after "gridbid:"), then what finished and how to go on.
        const total = result.plan.runs.length;
        throw new ExitCode(
          EXIT_QUEUE_LOST,
          `${result.queueLost}.\n` +
            `${total - result.notFinished} of ${total} runs finished (in ${result.outDir}/${SUMMARY_FILE}); ${result.notFinished === 1 ? 'the other run is' : `the other ${result.notFinished} are`} not finished ` +
            `(runs in progress go on in their workers and keep their folders when they finish).\n` +
            `To resume once Redis answers, run the same command again; finished runs are kept:\n  ${resumeCommand(target, result, opts)}`,
        );
      }
      if (result.interrupted) {
        // Every file is written and renamed; end with the conventional code for Ctrl-C.
        throw new ExitCode(
          EXIT_INTERRUPTED,
          (result.notFinished === 0
            ? `interrupted after every run had finished (in ${result.outDir}/${SUMMARY_FILE}), before ${DATABASE_FILE} was written.\n`
            : `interrupted: ${result.plan.runs.length - result.notFinished} of ${result.plan.runs.length} runs finished (in ${result.outDir}/${SUMMARY_FILE}).\n`) +
            `To resume, run the same command again; finished runs are kept:\n  ${resumeCommand(target, result, opts)}`,
        );
      }
      if (result.failed > 0) {
        throw new ExitCode(EXIT_RUNS_FAILED, `${result.failed} of ${result.plan.runs.length} runs failed; the others finished. Errors are in ${result.outDir}/${SUMMARY_FILE} (column error).`);
      }
    });
  registerBatchMerge(batch);
}

/**
 * The command that resumes an interrupted batch. It keeps every option that decides which
 * finished runs are kept or where the runs go: without its --format a parquet batch's
 * finished runs count as stale and all run again, as CSV; without --queue the runs would
 * run here instead of on the workers.
 */
export function resumeCommand(
  target: string,
  result: Pick<BatchResult, 'outDir' | 'shard' | 'queue'>,
  opts: { readonly format?: readonly OutputFormat[] | undefined; readonly database?: boolean | undefined; readonly runTimeout?: number | undefined; readonly redisTimeout?: number | undefined },
): string {
  const format = opts.format && String(opts.format) !== 'csv' ? ` --format ${opts.format.join(',')}` : '';
  return (
    `gridbid batch ${quote(target)}${result.shard ? ` --shard ${formatShard(result.shard)}` : ''}${result.queue !== undefined ? ` --queue ${quote(showUrl(result.queue))}` : ''}` +
    `${format}${opts.database === false ? ' --no-database' : ''}${opts.runTimeout !== undefined ? ` --run-timeout ${opts.runTimeout}s` : ''}` +
    `${opts.redisTimeout !== undefined && result.queue !== undefined ? ` --redis-timeout ${opts.redisTimeout === 0 ? '0' : `${opts.redisTimeout}s`}` : ''} --out ${quote(result.outDir)}`
  );
}

const quote = (s: string): string => (/^[\w./@:+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

function formatResult(r: BatchResult): string {
  const total = r.plan.runs.length;
  const lines = [
    `batch     ${r.plan.name}${r.shard ? ` (shard ${formatShard(r.shard)})` : ''}: ${total} run${total === 1 ? '' : 's'}, ${r.ok} ok, ${r.failed} failed${r.notFinished ? `, ${r.notFinished} not finished` : ''}${r.reused ? ` (${r.reused} kept from an earlier invocation)` : ''}; ${r.queue !== undefined ? `on the queue ${showUrl(r.queue)}` : `${r.workers} worker${r.workers === 1 ? '' : 's'}`}`,
    `results   ${r.outDir}/ (${resultFiles(r.outDir)}, one folder per run)`,
  ];
  for (const row of r.rows) if (row?.status === 'failed') lines.push(`failed    ${row.run.id}: ${row.error}`);
  return `${lines.join('\n')}\n`;
}

import { type Command, InvalidArgumentError } from 'commander';
import { parseQueueOption, parseRunTimeout, parseWorkers } from './batchOptions.ts';
import { EXIT_SIGNAL } from '../../core/errors.ts';

function parseSeconds(value: string): number {
  const s = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || s < 1 || s > 3600) throw new InvalidArgumentError('expected a number of seconds from 1 to 3600');
  return s;
}

const HELP = `
Runs the runs that \`gridbid batch <sweep> --queue <redis-url>\` puts on the queue, on
this machine, until stopped. Start one worker per machine (it runs --concurrency runs
at a time, in worker threads), on as many machines as you like, all with the same
--queue. Every machine must see the batch's results folder and the scenario files at
the same absolute paths (a shared file system), and run the same gridbid version
(a worker fails, unrun, a run queued by another version, saying both).

A worker that dies mid-run (killed, machine lost) loses nothing: after its lock
expires (--stall-seconds) another worker runs that run again from the start. Runs
are written to a staging folder and renamed into place once complete. A run that
never ends keeps its lock, and a thread of this worker, for ever: the batch's
--run-timeout goes with its runs, and this worker fails a run at that limit.
A worker serving batches it does not control can cap them with its own
--run-timeout: the smaller of the two limits applies.

Ctrl-C (or SIGTERM) stops taking runs and exits once the runs in progress finish;
a second one exits at once (130 or 143), as a killed worker does: the runs in progress
go back on the queue when their locks expire (--stall-seconds).

When Redis goes away the worker waits for it for ever, unlike a batch (--redis-timeout):
it is a daemon, and one restarted (Kubernetes, Slurm) with no Redis would exit at once
and be restarted again. Its runs in progress finish and are published meanwhile, and
Ctrl-C or SIGTERM still ends it.

Exit codes: 0 stopped; 1 the queue URL is invalid or Redis cannot be reached;
130 or 143 stopped at once by a second Ctrl-C or SIGTERM.

Example:
  gridbid worker --queue redis://queue-host:6379 --concurrency 2
`;

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Take batch runs from a Redis queue (gridbid batch --queue) and run them here.')
    .requiredOption('--queue <redis-url>', 'the Redis server the batch was queued on, e.g. redis://queue-host:6379', parseQueueOption)
    .option('-c, --concurrency <n>', 'runs at a time (worker threads; default: the number of cores)', parseWorkers)
    .option('--stall-seconds <s>', "how long a dead worker's run waits before another worker takes it (default 30)", parseSeconds)
    .option('--run-timeout <duration>', "fail a run still going after this long (90s, 10m, 2h; real time), whatever the batch's limit: the smaller applies (default: the batch's)", parseRunTimeout)
    .addHelpText('after', HELP)
    .action(async (opts: { queue: string; concurrency?: number; stallSeconds?: number; runTimeout?: number }) => {
      const { runWorker } = await import('../../batch/queueWorker.ts');
      const stop = new AbortController();
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
        if (!stop.signal.aborted) {
          log('gridbid worker: stopping after the runs in progress (a second Ctrl-C or SIGTERM stops at once)');
          stop.abort();
          return;
        }
        // As a worker killed mid-run: nothing is lost, the runs' jobs go to another worker once their locks expire.
        log(`gridbid worker: stopped at once by a second ${signal}; the runs in progress go back on the queue when their locks expire`);
        process.exit(EXIT_SIGNAL[signal]);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const r = await runWorker({ url: opts.queue, concurrency: opts.concurrency, stallSeconds: opts.stallSeconds, runTimeoutSeconds: opts.runTimeout, stop: stop.signal, log });
        log(`gridbid worker: stopped; ${r.ran} run${r.ran === 1 ? '' : 's'} taken, ${r.failed} failed`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/**
 * Option parsers and exit codes shared by `gridbid batch`, `batch merge` and `worker`
 * (their own module, so those commands do not import one another).
 */
import { InvalidArgumentError } from 'commander';
import { DEFAULT_REDIS_TIMEOUT_SECONDS, parseQueueUrl } from '../../batch/queue.ts';
import { parseShard, type Shard } from '../../batch/shard.ts';

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;
/** Exit code when a batch on a queue stopped following its runs because Redis did not answer (the code of an unreachable Redis at the start). */
export const EXIT_QUEUE_LOST = 1;
/** Exit code when some runs failed and the others finished. */
export const EXIT_RUNS_FAILED = 3;

export function parseWorkers(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256) throw new InvalidArgumentError('expected a whole number from 1 to 256');
  return Number(value);
}

export function parseShardOption(value: string): Shard {
  const shard = parseShard(value);
  if (typeof shard === 'string') throw new InvalidArgumentError(shard);
  return shard;
}

export function parseQueueOption(value: string): string {
  const url = parseQueueUrl(value);
  if (typeof url !== 'string') throw new InvalidArgumentError(url.reason);
  return url;
}

/** The longest `--run-timeout`: what a timer can wait (2^31 − 1 ms, ~24.8 days), in whole days. */
const MAX_RUN_TIMEOUT_SECONDS = 24 * 24 * 3600;

/** `--run-timeout`: seconds (`90`, `2.5`), or with a unit (`90s`, `10m`, `2h`); returns seconds. */
export function parseRunTimeout(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a duration: seconds (90), or a number with a unit (90s, 10m, 2h)');
  const seconds = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  if (!(seconds > 0) || seconds > MAX_RUN_TIMEOUT_SECONDS) throw new InvalidArgumentError('expected a duration above 0 and at most 24 days (576h)');
  return seconds;
}

/** `--redis-timeout`: a duration as `--run-timeout` takes it, or `0` (wait for Redis for ever); returns seconds. */
export function parseRedisTimeout(value: string): number {
  if (/^0+(\.0+)?\s*(s|m|h)?$/.test(value.trim())) return 0;
  try {
    return parseRunTimeout(value);
  } catch {
    throw new InvalidArgumentError(`expected a duration: seconds (90), or a number with a unit (90s, 10m, 2h), at most 24 days; 0 waits for ever (default ${DEFAULT_REDIS_TIMEOUT_SECONDS / 60}m)`);
  }
}

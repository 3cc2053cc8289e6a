/**
 * Array jobs: one batch split over n machines (a Slurm array, a Kubernetes Indexed
 * Job), each running `gridbid batch <sweep> --shard k/n`.
 *
 * Shard k of n runs the runs whose index i (the sweep's run order) has i mod n = k − 1:
 * a deterministic share that needs no coordination, and round-robin so every shard
 * gets a similar mix of grid points (neighbouring runs differ only by seed and cost
 * about the same). Each shard folder holds `shard.json`: which shard it is and the
 * whole sweep's run list (ids, seeds, fingerprints), so `gridbid batch merge` can check
 * that its folders are the n shards of one sweep and rebuild the one-machine
 * summary.csv without the sweep file.
 */
import { createHash } from 'node:crypto';
import type { BatchPlan, RunSpec } from './plan.ts';

export const SHARD_FILE = 'shard.json';
const FORMAT = 'gridbid-shard/1';

/** Shard `k` (1-based) of `n`. */
export interface Shard {
  readonly k: number;
  readonly n: number;
}

/** Parses `k/n` (1 ≤ k ≤ n); returns the reason as a string when it is not one. Pure. */
export function parseShard(text: string): Shard | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return `expected k/n with whole numbers, such as 1/4 (got '${text}')`;
  const k = Number(m[1]);
  const n = Number(m[2]);
  // Beyond 2^53 the digits are not the number (1/999999999999999999999 was shard 1 of 1e+21).
  if (!Number.isSafeInteger(k) || !Number.isSafeInteger(n)) return `k and n must be whole numbers below 2^53 (got '${text}')`;
  if (n < 1) return `the number of shards n must be at least 1 (got '${text}')`;
  if (k < 1 || k > n) return `the shard number k must be from 1 to ${n} (got '${text}'; shards are numbered from 1)`;
  return { k, n };
}

export const formatShard = (s: Shard): string => `${s.k}/${s.n}`;

/** True when the run belongs to the shard. */
export const inShard = (run: Pick<RunSpec, 'index'>, shard: Shard): boolean => run.index % shard.n === shard.k - 1;

/** What a run is, as far as summary.csv and the batch report need (its scenario text stays in its folder). */
type ManifestRun = Pick<RunSpec, 'id' | 'scenario' | 'variant' | 'params' | 'seed' | 'fingerprint'> & { readonly error: string | null };

/** The sweep as planned, without the scenario texts. */
export interface SweepManifest {
  readonly name: string;
  readonly description: string;
  readonly paramKeys: readonly string[];
  readonly hasVariants: boolean;
  readonly reportKpis: readonly string[];
  readonly runs: readonly ManifestRun[];
}

/** The content of shard.json. */
export interface ShardFile {
  readonly format: typeof FORMAT;
  /** The sweep file or folder the shard was planned from, as given (for messages). */
  readonly source: string;
  /** Hash of `sweep`: equal for the shards of one sweep, whatever path it was given by. */
  readonly sweepKey: string;
  readonly shard: Shard;
  readonly sweep: SweepManifest;
}

export function shardFile(plan: BatchPlan, shard: Shard): ShardFile {
  const sweep: SweepManifest = {
    name: plan.name,
    description: plan.description,
    paramKeys: plan.paramKeys,
    hasVariants: plan.hasVariants,
    reportKpis: plan.reportKpis,
    runs: plan.runs.map((r) => ({ id: r.id, scenario: r.scenario, variant: r.variant, params: r.params, seed: r.seed, fingerprint: r.fingerprint, error: r.error ?? null })),
  };
  const sweepKey = createHash('sha256').update(JSON.stringify(sweep)).digest('hex').slice(0, 32);
  return { format: FORMAT, source: plan.source, sweepKey, shard, sweep };
}

/** Reads shard.json's text; returns the reason as a string when it is not a shard file. */
export function parseShardFile(text: string): ShardFile | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return `not valid JSON (${(err as Error).message})`;
  }
  const f = v as Partial<ShardFile> | null;
  if (f === null || typeof f !== 'object' || f.format !== FORMAT) return `not a ${FORMAT} file`;
  const s = f.shard;
  if (typeof f.sweepKey !== 'string' || !s || typeof s.k !== 'number' || typeof s.n !== 'number' || typeof parseShard(`${s.k}/${s.n}`) === 'string') return 'its shard (k/n) or sweep key is missing or invalid';
  if (!f.sweep || !Array.isArray(f.sweep.runs) || !Array.isArray(f.sweep.paramKeys) || !Array.isArray(f.sweep.reportKpis)) return 'its run list is missing';
  return f as ShardFile;
}

/** The plan a shard file describes (scenario texts left empty: they are in the run folders). */
export function planOfShardFile(f: ShardFile): BatchPlan {
  const s = f.sweep;
  return {
    name: s.name,
    description: s.description,
    source: f.source,
    paramKeys: s.paramKeys,
    hasVariants: s.hasVariants,
    reportKpis: s.reportKpis,
    runs: s.runs.map((r, index) => ({ ...r, index, file: f.source, fileLabel: f.source, text: '', error: r.error ?? undefined })),
  };
}

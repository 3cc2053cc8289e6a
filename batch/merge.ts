/**
 * `gridbid batch merge <folders…>`: the n shard folders of one sweep (batch/shard.ts)
 * combined into the folder a one-machine batch would have written: every run's folder,
 * summary.csv (byte-identical: the same rows through the same code, in the sweep's run
 * order), batch-report.html and results.duckdb (batch/database.ts, built from the merged runs).
 *
 * Refused, with the reason and nothing written: a folder that is not a shard, shards of
 * different sweeps or of different splits (1/2 with 1/3), a shard given twice or one
 * missing, shards whose tables are in different formats (--format), and a shard with runs that did not finish (rerun that shard: it resumes).
 * The shard folders are read, never changed; each run folder is copied under a
 * temporary name and renamed, so the merged folder never holds half a run.
 */
import { cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import { renderBatchReport } from './report.ts';
import type { BatchPlan } from './plan.ts';
import { readDone, REPORT_FILE, SUMMARY_FILE } from './runBatch.ts';
import { DATABASE_FILE, removeResultsDatabase, writeResultsDatabase } from './database.ts';
import { formatShard, parseShardFile, planOfShardFile, type ShardFile, SHARD_FILE } from './shard.ts';
import { type RunRow, summaryCsv } from './summary.ts';
import { DONE_FILE, type DoneMarker, ERROR_FILE, markedFormats, writeAtomic } from './runFiles.ts';
import { prepareOutputFolder } from '../output/outDir.ts';

export interface MergeOptions {
  readonly folders: readonly string[];
  /** Default `results/<sweep name>`. */
  readonly outDir?: string | undefined;
}

export interface MergeResult {
  readonly plan: BatchPlan;
  readonly outDir: string;
  readonly rows: readonly RunRow[];
  readonly ok: number;
  readonly failed: number;
  readonly shards: number;
}

export async function mergeShards(options: MergeOptions): Promise<MergeResult> {
  if (options.folders.length === 0) throw new UserError('batch merge: give the shard folders to merge');
  const shards = options.folders.map((folder) => ({ folder, file: readShard(folder) }));
  const first = shards[0]!;

  // One sweep, one split, every shard exactly once.
  for (const s of shards.slice(1)) {
    if (s.file.sweepKey !== first.file.sweepKey) {
      const same = s.file.sweep.name === first.file.sweep.name;
      throw new UserError(
        `batch merge: ${s.folder} and ${first.folder} are shards of different sweeps (${describe(s.file)} vs ${describe(first.file)}` +
          `${same ? ': the same name, but other runs, scenarios or seeds' : ''}); merge the shards of one sweep`,
      );
    }
    if (s.file.shard.n !== first.file.shard.n) {
      throw new UserError(`batch merge: ${s.folder} is shard ${formatShard(s.file.shard)} but ${first.folder} is shard ${formatShard(first.file.shard)}: shards of different splits cannot be merged`);
    }
  }
  const n = first.file.shard.n;
  const byK = new Map<number, (typeof shards)[number]>();
  for (const s of shards) {
    const twice = byK.get(s.file.shard.k);
    if (twice) throw new UserError(`batch merge: shard ${formatShard(s.file.shard)} is given twice (${twice.folder} and ${s.folder})`);
    byK.set(s.file.shard.k, s);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !byK.has(k));
  if (missing.length > 0) {
    throw new UserError(`batch merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} of '${first.file.sweep.name}' ${missing.length > 1 ? 'are' : 'is'} missing (given: ${shards.map((s) => `${formatShard(s.file.shard)} in ${s.folder}`).join(', ')})`);
  }

  // Every run's result, from the folder of the shard it belongs to.
  const plan = planOfShardFile(first.file);
  const rows: RunRow[] = [];
  const unfinished = new Map<number, string[]>();
  /** The --format of each shard's finished runs ('csv', 'parquet', 'csv,parquet'). */
  const formatsByK = new Map<number, string[]>();
  for (const run of plan.runs) {
    const k = (run.index % n) + 1;
    const dir = join(byK.get(k)!.folder, run.id);
    const done = readDone(dir, run);
    if (done && done !== 'stale') {
      rows.push(done);
      const f = tableFormats(dir);
      formatsByK.set(k, [...new Set([...(formatsByK.get(k) ?? []), f])]);
    } else if (done === undefined && existsSync(join(dir, ERROR_FILE))) rows.push({ run, status: 'failed', error: readFileSync(join(dir, ERROR_FILE), 'utf8').replace(/\n$/, ''), kpis: [] });
    else unfinished.set(k, [...(unfinished.get(k) ?? []), run.id]);
  }
  if (unfinished.size > 0) {
    const lines = [...unfinished].map(([k, ids]) => {
      const s = byK.get(k)!;
      // With the --format its finished runs have (without it, they would all run again, as CSV).
      const f = formatsByK.get(k);
      const format = f?.length === 1 && f[0] !== 'csv' ? ` --format ${f[0]}` : '';
      return `  shard ${k}/${n} in ${s.folder}: ${ids.length} run${ids.length > 1 ? 's' : ''} not finished (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''}); finish it with: gridbid batch ${s.file.source} --shard ${k}/${n}${format} --out ${s.folder}`;
    });
    throw new UserError(`batch merge: some shards are not finished:\n${lines.join('\n')}`);
  }

  // One machine's batch writes every run's tables in one format: so must the shards.
  const formats = new Set([...formatsByK.values()].flat());
  if (formats.size > 1) {
    const which = [...formatsByK].map(([k, f]) => `${f.join(' and ')} in ${byK.get(k)!.folder}`).join(', ');
    throw new UserError(`batch merge: the shards wrote their tables in different formats (${which}); rerun the odd shards with the same --format as the others (they run again in that format)`);
  }

  const outDir = options.outDir ?? join('results', plan.name);
  // The shards may sit inside the output folder (results/sweep/shard-1-of-3/…), not the other way round.
  const inside = shards.find((s) => isWithin(resolve(outDir), resolve(s.folder)));
  if (inside) throw new UserError(`batch merge: the output folder ${outDir} is the shard folder ${inside.folder} or inside it; choose another --out`);

  // Checked as a batch checks its --out (a file, an unwritable folder, /proc: a reason, not a stack trace or a hang).
  prepareOutputFolder(outDir, '--out', [SUMMARY_FILE, REPORT_FILE, DATABASE_FILE]);
  for (const run of plan.runs) {
    const from = join(byK.get((run.index % n) + 1)!.folder, run.id);
    const to = join(outDir, run.id);
    const partial = `${to}.partial`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(from, partial, { recursive: true });
    rmSync(to, { recursive: true, force: true });
    renameSync(partial, to);
  }
  writeAtomic(join(outDir, SUMMARY_FILE), summaryCsv(plan, rows));
  writeAtomic(join(outDir, REPORT_FILE), renderBatchReport(plan, rows));
  removeResultsDatabase(outDir);
  await writeResultsDatabase(outDir, rows.filter((r) => r.status === 'ok').map((r) => r.run.id));
  return { plan, outDir, rows, ok: rows.filter((r) => r.status === 'ok').length, failed: rows.filter((r) => r.status === 'failed').length, shards: n };
}

/** The --format a finished run folder's tables were written in, from its DONE marker. */
function tableFormats(dir: string): string {
  const marker = JSON.parse(readFileSync(join(dir, DONE_FILE), 'utf8')) as DoneMarker;
  return String(markedFormats(marker.formats) ?? ['csv']);
}

function readShard(folder: string): ShardFile {
  const path = join(folder, SHARD_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !existsSync(folder)) throw new UserError(`batch merge: ${folder}: no such folder`);
    if (code === 'ENOENT') throw new UserError(`batch merge: ${folder} is not a shard folder (no ${SHARD_FILE}; shard folders are written by gridbid batch <sweep> --shard k/n)`);
    throw new UserError(`batch merge: ${path}: cannot read it (${code ?? String(err)})`);
  }
  const f = parseShardFile(text);
  if (typeof f === 'string') throw new UserError(`batch merge: ${path}: ${f}`);
  return f;
}

const describe = (f: ShardFile): string => `'${f.sweep.name}' from ${f.source}, ${f.sweep.runs.length} run${f.sweep.runs.length === 1 ? '' : 's'}`;

/** True when `inner` is `outer` or inside it (absolute paths). */
function isWithin(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

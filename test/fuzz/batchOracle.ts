/**
 * Batch mode's oracle (`npm run fuzz -- --batch`, audit A-batchfuzz): a seed's small sweep (test/fuzz/batchDraw.ts) run
 * through the real `gridbid batch`, checked against what the README promises, with nothing read from batch/:
 *
 * (a) every run's folder holds the files of `gridbid run` of the same scenario alone (built by `expandRun` from the
 *     README's override rules, not taken from the batch), byte for byte, except what is documented to differ: the
 *     batch's own files (`scenario.yaml`, `DONE`, `error.txt`: scenarios/sweeps/README.md, "What a batch writes") and
 *     summary.json's `scenario.file`, which a batch gives as the base's path from the sweep file (README, "Sweeps
 *     across machines") and `gridbid run` as the path it was given. The batch's scenario.yaml is the expanded scenario,
 *     value for value. A run that exits 4 alone (books open) is a failed run in the batch, its files written all the
 *     same; a scenario `gridbid run` refuses (exit 1) is a failed run with its reason; exit codes 0 / 3 / 1 follow.
 * (b) summary.csv: one row per run in the sweep's order, its id, scenario, variant, grid labels, seed and status, and
 *     every KPI of the run's own summary.json flattened (`a.b.c`, lists as their length, null empty) in its column.
 * (c) `--shard k/n` for every k, then `batch merge`: the folder of the one-machine batch, byte for byte
 *     (results.duckdb by contents), each shard holding the runs whose index modulo n is k − 1.
 * (d) the batch with 1 and with 2 worker threads: the same folder, byte for byte (results.duckdb by contents).
 * (e) Parquet tables hold the values of the CSV tables (the same run's CSV, or, for `--format parquet`, the CSV of the
 *     same run alone): same columns, rows, and each field equal once parsed by the Parquet column's own type.
 * (f) `gridbid query`: `summary` is summary.csv; per run, each table's row count is its file's; the lowest and highest
 *     price over intervals are minPriceMwh and maxPriceMwh; each kind's agents and Σ cost are byKind.<kind>.count and .cost.
 * (g) the same batch command again (resuming, scenarios/sweeps/README.md): the finished runs kept, the failed retried, the
 *     same folder byte for byte.
 *
 * Runs the compiled `gridbid` (dist/, rebuilt first when a source is newer: test/helpers/build.ts) in child processes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as parseYaml, stringify } from 'yaml';
import { InputFileError, UserError } from '../../core/errors.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { ensureBuilt } from '../helpers/build.ts';
import { type BatchDraw, drawBatch, expandRun, type ExpectedRun } from './batchDraw.ts';
import { generateScenario, type GenerateOptions } from './generate.ts';

const BIN = new URL('../../bin/gridbid.js', import.meta.url).pathname;

export interface BatchOutcome {
  readonly seed: number;
  readonly status: 'ok' | 'failed' | 'refused';
  readonly problems: readonly string[];
  readonly runs: number;
  readonly features: readonly string[];
  readonly sweepYaml: string;
  readonly baseYaml: string;
}

interface Cli {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function gridbid(args: readonly string[], cwd: string): Cli {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--max-semi-space-size=64', BIN, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  if (process.env.GRIDBID_FUZZ_TRACE) console.log(`  ${((performance.now() - t0) / 1000).toFixed(2)} s  gridbid ${args.join(' ').slice(0, 120)} → ${r.status}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir`: path → bytes. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) out.set(relative(dir, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name)));
  return out;
}

const DATABASE = 'results.duckdb';

/** `b` holds exactly `a`'s files, byte for byte (the database by name: its contents are compared apart). */
export function sameTree(a: string, b: string, what: string): string[] {
  const x = tree(a);
  const y = tree(b);
  const problems: string[] = [];
  const only = (m: Map<string, Buffer>, n: Map<string, Buffer>) => [...m.keys()].filter((k) => !n.has(k)).sort();
  if (only(x, y).length > 0 || only(y, x).length > 0) problems.push(`${what}: files only in the first ${JSON.stringify(only(x, y))}, only in the second ${JSON.stringify(only(y, x))}`);
  for (const [k, v] of x) if (k !== DATABASE && y.has(k) && !v.equals(y.get(k)!)) problems.push(`${what}: ${k} differs`);
  return problems;
}

/** Every table of a results.duckdb: columns with types and rows in a fixed order. */
async function databaseContents(dir: string): Promise<string> {
  const instance = await DuckDBInstance.create(join(dir, DATABASE), { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const out: Record<string, unknown> = {};
    const tables = (await conn.runAndReadAll('select table_name from information_schema.tables order by 1')).getRowsJson().map((r) => String(r[0]));
    for (const t of tables) {
      const columns = (await conn.runAndReadAll(`select column_name, data_type from information_schema.columns where table_name = '${t}' order by ordinal_position`)).getRowsJson();
      out[t] = { columns, rows: (await conn.runAndReadAll(`select * from "${t}" order by all`)).getRowsJson() };
    }
    return JSON.stringify(out);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Deep equality with keys in any order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/** summary.json's KPIs flattened as the README says summary.csv writes them: `a.b.c`, lists as their length, numbers as JavaScript prints them, null empty. */
export function flatKpis(kpis: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(kpis)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...flatKpis(v as Record<string, unknown>, `${prefix}${k}.`));
    else out.push([`${prefix}${k}`, Array.isArray(v) ? String(v.length) : v === null || v === undefined ? '' : String(v)]);
  }
  return out;
}

/** A Parquet file's columns (name, DuckDB type) and rows: times as epoch ms, decimals and dates as text. */
async function readParquet(file: string): Promise<{ columns: Array<[string, string]>; rows: unknown[][] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const src = `read_parquet('${file.replaceAll("'", "''")}')`;
    const columns = (await conn.runAndReadAll(`describe select * from ${src}`)).getRowsJson().map((r) => [String(r[0]), String(r[1])] as [string, string]);
    const select = columns.map(([c, t]) => (t.startsWith('TIMESTAMP') ? `epoch_ms("${c}")` : t === 'DATE' || t.startsWith('DECIMAL') ? `"${c}"::varchar` : `"${c}"`));
    return { columns, rows: (await conn.runAndReadAll(`select ${select.join(', ')} from ${src}`)).getRowsJson() };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** (e): the Parquet table against the CSV text, field by field, each read by the Parquet column's type. */
export async function parquetMatchesCsv(parquetFile: string, csvText: string, what: string): Promise<string[]> {
  const pq = await readParquet(parquetFile);
  const [header, ...records] = parse(csvText) as string[][];
  if (canonical(pq.columns.map(([c]) => c)) !== canonical(header)) return [`${what}: Parquet columns ${JSON.stringify(pq.columns.map(([c]) => c))}, CSV ${JSON.stringify(header)}`];
  if (pq.rows.length !== records.length) return [`${what}: ${pq.rows.length} Parquet rows, ${records.length} CSV rows`];
  const same = (text: string, got: unknown, type: string): boolean => {
    if (text === '') return got === null;
    if (type.startsWith('TIMESTAMP')) return Number(got) === Date.parse(text);
    if (type === 'DOUBLE') return got === Number(text);
    if (type.startsWith('DECIMAL')) return got !== null && new Decimal(String(got)).eq(new Decimal(text));
    return got === text;
  };
  for (let i = 0; i < records.length; i++) {
    for (let k = 0; k < header!.length; k++) {
      const [col, type] = pq.columns[k]!;
      if (!same(records[i]![k]!, pq.rows[i]![k], type)) return [`${what}: row ${i + 1} ${col} (${type}): CSV ${JSON.stringify(records[i]![k])}, Parquet ${JSON.stringify(pq.rows[i]![k])}`];
    }
  }
  return [];
}

/** `gridbid query <dir> <sql> --format json`, its rows. */
function query(dir: string, sql: string, problems: string[]): Array<Record<string, unknown>> {
  const r = gridbid(['query', dir, sql, '--format', 'json'], dir);
  if (r.status !== 0) {
    problems.push(`query exited ${r.status}: ${r.stderr.trim().slice(0, 300)} (${sql})`);
    return [];
  }
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}

/** A summary.csv field against DuckDB's value for it (its own type detection: numbers, decimals as text, times as `2026-02-28 00:30:00+00`). */
const numberEq = (text: string, got: unknown): boolean =>
  text === ''
    ? got === null
    : got === null
      ? false
      : typeof got === 'number'
        ? got === Number(text)
        : String(got) === text ||
          (/^\d{4}-\d\d-\d\dT[\d:]+Z$/.test(text) && Date.parse(String(got).replace(' ', 'T').replace(/\+00$/, 'Z')) === Date.parse(text)) ||
          (/^-?[\d.]+(e-?\d+)?$/i.test(text) && /^-?[\d.]+$/.test(String(got)) && new Decimal(String(got)).eq(new Decimal(text)));

/** The expected exit code of `gridbid batch` given each run's verdict alone. */
const batchExit = (statuses: ReadonlyArray<'ok' | 'failed'>): number => (statuses.every((s) => s === 'ok') ? 0 : 3);

/** The batch oracle for one seed: draws, runs, checks. `opts` picks the base scenario's generator mode. */
export async function fuzzBatchOne(seed: number, opts: GenerateOptions = {}): Promise<BatchOutcome> {
  ensureBuilt();
  const { g, refused } = batchBase(seed, opts);
  // The refused scenario's sweep is checked to be refused whole first (refusedBaseCheck).
  const refusal = refused !== undefined ? refusedBaseCheck(seed, refused) : [];
  const base = parseYaml(g.yaml) as Record<string, unknown>;
  const draw = drawBatch(seed, base);
  const sweepYaml = stringify(draw.sweep, { lineWidth: 0 });
  const outcome = (status: BatchOutcome['status'], problems: string[]): BatchOutcome => ({ seed, status, problems, runs: draw.runs.length, features: draw.features, sweepYaml, baseYaml: g.yaml });
  const dir = mkdtempSync(join(tmpdir(), `gridbid-fuzz-batch-${seed}-`));
  const problems: string[] = [...refusal];
  try {
    writeFileSync(join(dir, 'base.yaml'), g.yaml);
    for (const [f, doc] of Object.entries(draw.otherBases)) writeFileSync(join(dir, f), stringify(doc, { lineWidth: 0 }));
    const sweepFile = draw.sweepFolder === '' ? 'sweep.yaml' : `${draw.sweepFolder}/sweep.yaml`;
    mkdirSync(join(dir, draw.sweepFolder), { recursive: true });
    writeFileSync(join(dir, sweepFile), sweepYaml);
    const bases: Record<string, Record<string, unknown>> = { 'base.yaml': base, ...draw.otherBases };

    // Each run's scenario, from the README's rules, and whether the loader accepts it (what `gridbid run` checks first).
    const expanded = draw.runs.map((run) => expandRun(bases[run.baseName]!, run.overrides, run.seed));
    const valid = expanded.map((doc) => {
      if (typeof doc === 'string') return doc;
      try {
        parseScenario(stringify(doc, { lineWidth: 0 }), 'run.yaml');
        return undefined;
      } catch (err) {
        if (err instanceof InputFileError || err instanceof UserError) return err.message;
        throw err;
      }
    });
    const baseValid = (file: string): boolean => {
      try {
        parseScenario(stringify(bases[file], { lineWidth: 0 }), file);
        return true;
      } catch {
        return false;
      }
    };
    // A base invalid alone, none of whose runs is valid: the sweep is refused, nothing runs (README: exit 1).
    const refusedSweep = Object.keys(bases).some((f) => draw.runs.some((r) => r.baseName === f) && draw.runs.every((r, i) => r.baseName !== f || valid[i] !== undefined) && !baseValid(f));

    const formatArgs = ['--format', draw.formats];
    const whole = gridbid(['batch', sweepFile, '--out', 'A', '--workers', String(draw.workers), ...formatArgs], dir);
    if (refusedSweep) {
      if (whole.status !== 1 || existsSync(join(dir, 'A', 'summary.csv'))) problems.push(`a sweep whose base is invalid and whose runs are all invalid: exit ${whole.status} (expected 1, nothing written): ${whole.stderr.slice(0, 300)}`);
      return outcome(problems.length > 0 ? 'failed' : 'refused', problems);
    }

    // (a) Each run alone, and its folder in the batch.
    const alone: Array<{ status: 'ok' | 'failed'; exit: number | null }> = [];
    for (const [i, run] of draw.runs.entries()) {
      const doc = expanded[i]!;
      if (typeof doc === 'string' || valid[i] !== undefined) {
        // Refused alone too (exit 1); in the batch a failed run whose error is located where to fix it: in the sweep
        // file (the override) or the base scenario, `file:line:column path: reason` (scenarios/sweeps/README.md).
        if (typeof doc !== 'string') {
          writeFileSync(join(dir, `alone-${i}.yaml`), stringify(doc, { lineWidth: 0 }));
          const r = gridbid(['run', `alone-${i}.yaml`, '--out', `alone-${i}`, '--no-progress'], dir);
          if (r.status !== 1) problems.push(`${run.id}: gridbid run exited ${r.status} on a scenario the loader refuses`);
        }
        const err = existsSync(join(dir, 'A', run.id, 'error.txt')) ? readFileSync(join(dir, 'A', run.id, 'error.txt'), 'utf8') : '';
        // Both named by their paths from the sweep's folder (the base `../<base>` when the sweep is in a folder of its own).
        const baseLabel = (draw.sweepFolder === '' ? run.baseName : `../${run.baseName}`).replace(/\./g, '\\.');
        if (!new RegExp(`^(sweep\\.yaml|${baseLabel}):\\d+:\\d+ `).test(err)) problems.push(`${run.id}: a refused run's error.txt is not located in the sweep or its base: ${JSON.stringify(err.slice(0, 300))}`);
        alone.push({ status: 'failed', exit: 1 });
        continue;
      }
      const file = `alone-${i}.yaml`;
      writeFileSync(join(dir, file), stringify(draw.seedFlag ? { ...doc, seed: bases[run.baseName]!.seed } : doc, { lineWidth: 0 }));
      const out = `alone-${i}`;
      const r = gridbid(['run', file, '--out', out, ...formatArgs, '--no-progress', ...(draw.seedFlag ? ['--seed', String(run.seed)] : [])], dir);
      if (r.status !== 0 && r.status !== 4) problems.push(`${run.id}: gridbid run exited ${r.status} on a scenario the loader accepts: ${r.stderr.trim().slice(0, 400)}`);
      alone.push({ status: r.status === 0 ? 'ok' : 'failed', exit: r.status });
      problems.push(...compareRunFolder(join(dir, 'A', run.id), join(dir, out), run, r.status, doc, file));
    }
    const expectedExit = batchExit(alone.map((a) => a.status));
    if (whole.status !== expectedExit) problems.push(`gridbid batch exited ${whole.status}, expected ${expectedExit} (runs alone: ${alone.map((a) => a.exit).join(' ')}): ${whole.stderr.trim().slice(0, 400)}`);
    if (!existsSync(join(dir, 'A', 'summary.csv'))) return outcome('failed', [...problems, 'no summary.csv']);

    // (b) summary.csv against each run's own summary.json.
    problems.push(...checkSummaryCsv(join(dir, 'A'), draw, bases, alone));

    // (d) the other worker count: the same folder. Run from a copy of the working folder into the same --out name (a
    // books-open run's error names its folder as `<run>/summary.json`, from the batch folder, since audit A-dafail).
    const twin = join(dir, 'twin');
    mkdirSync(join(twin, draw.sweepFolder), { recursive: true });
    for (const f of [...Object.keys(bases), sweepFile]) cpSync(join(dir, f), join(twin, f));
    const other = gridbid(['batch', sweepFile, '--out', 'A', '--workers', String(3 - draw.workers), ...formatArgs], twin);
    if (other.status !== whole.status) problems.push(`--workers ${3 - draw.workers} exited ${other.status}, --workers ${draw.workers} ${whole.status}`);
    problems.push(...sameTree(join(dir, 'A'), join(twin, 'A'), `--workers ${draw.workers} vs ${3 - draw.workers}`));
    if ((await databaseContents(join(dir, 'A'))) !== (await databaseContents(join(twin, 'A')))) problems.push(`results.duckdb of --workers ${draw.workers} and ${3 - draw.workers} hold different contents`);

    // (g) Resumed: the same command again keeps every finished run and retries the failed ones: the same folder.
    cpSync(join(dir, 'A'), join(dir, 'A0'), { recursive: true });
    const again = gridbid(['batch', sweepFile, '--out', 'A', '--workers', String(draw.workers), ...formatArgs], dir);
    const kept = alone.filter((a) => a.status === 'ok').length;
    if (again.status !== whole.status) problems.push(`the batch run again exited ${again.status}, the first time ${whole.status}`);
    if (kept > 0 && !again.stderr.includes(`${kept} of ${draw.runs.length} runs already finished`)) problems.push(`the batch run again did not say it kept its ${kept} finished runs: ${again.stderr.trim().slice(0, 300)}`);
    problems.push(...sameTree(join(dir, 'A0'), join(dir, 'A'), 'the batch run again vs the first time'));
    if ((await databaseContents(join(dir, 'A0'))) !== (await databaseContents(join(dir, 'A')))) problems.push('results.duckdb of the batch run again holds other contents');

    // (c) shards, merged.
    if (draw.shards !== undefined) {
      const n = draw.shards;
      const folders: string[] = [];
      for (let k = 1; k <= n; k++) {
        const s = gridbid(['batch', sweepFile, '--shard', `${k}/${n}`, '--out', `S${k}`, '--workers', '1', ...formatArgs], dir);
        const mine = draw.runs.filter((r) => r.index % n === k - 1);
        const want = batchExit(mine.map((r) => alone[r.index]!.status));
        if (s.status !== want) problems.push(`shard ${k}/${n} exited ${s.status}, expected ${want}: ${s.stderr.trim().slice(0, 300)}`);
        const held = readdirSync(join(dir, `S${k}`)).filter((f) => f.includes('__seed-')).sort();
        if (canonical(held) !== canonical(mine.map((r) => r.id).sort())) problems.push(`shard ${k}/${n} holds ${JSON.stringify(held)}, expected ${JSON.stringify(mine.map((r) => r.id))}`);
        folders.push(`S${k}`);
      }
      // In another order than k: merge takes them as given.
      const m = gridbid(['batch', 'merge', ...folders.reverse(), '--out', 'M'], dir);
      if (m.status !== expectedExit) problems.push(`batch merge exited ${m.status}, expected ${expectedExit}: ${m.stderr.trim().slice(0, 300)}`);
      else {
        if (!readFileSync(join(dir, 'M', 'summary.csv')).equals(readFileSync(join(dir, 'A', 'summary.csv')))) problems.push('merged summary.csv differs from the one-machine batch');
        problems.push(...sameTree(join(dir, 'A'), join(dir, 'M'), `${n} shards merged vs one machine`));
        if ((await databaseContents(join(dir, 'A'))) !== (await databaseContents(join(dir, 'M')))) problems.push('merged results.duckdb holds other contents than the one-machine batch');
      }
    }

    // (e) Parquet against CSV, value by value.
    if (draw.formats !== 'csv') {
      for (const [i, run] of draw.runs.entries()) {
        if (alone[i]!.exit !== 0 && alone[i]!.exit !== 4) continue;
        let csvDir = join(dir, 'A', run.id);
        if (draw.formats === 'parquet') {
          // The same run alone, as CSV.
          csvDir = join(dir, `alone-csv-${i}`);
          const r = gridbid(['run', `alone-${i}.yaml`, '--out', `alone-csv-${i}`, '--no-progress', ...(draw.seedFlag ? ['--seed', String(run.seed)] : [])], dir);
          if (r.status !== alone[i]!.exit) problems.push(`${run.id}: alone as csv exited ${r.status}, as ${draw.formats} ${alone[i]!.exit}`);
        }
        for (const f of readdirSync(join(dir, 'A', run.id)).filter((x) => x.endsWith('.parquet')).sort()) {
          const csv = join(csvDir, f.replace(/\.parquet$/, '.csv'));
          if (!existsSync(csv)) problems.push(`${run.id}: ${f} has no CSV beside it`);
          else problems.push(...(await parquetMatchesCsv(join(dir, 'A', run.id, f), readFileSync(csv, 'utf8'), `${run.id}/${f}`)));
        }
      }
    }

    // (f) gridbid query against summary.csv and the run files.
    problems.push(...checkQuery(join(dir, 'A'), draw, alone));
    return outcome(problems.length > 0 ? 'failed' : 'ok', problems);
  } catch (err) {
    return outcome('failed', [...problems, `the oracle threw: ${err instanceof Error ? err.stack : String(err)}`]);
  } finally {
    if (!process.env.GRIDBID_FUZZ_KEEP) rmSync(dir, { recursive: true, force: true });
    else console.log(`  kept ${dir}`);
  }
}

/**
 * A seed's base scenario: the seed's scenario of the other modes, or when the loader refuses it (about half the seeds)
 * the first of seed + 10^6 k, k = 1 … 7, that it accepts (`refused`: the seed's own, refused). Pure but for the loader.
 */
export function batchBase(seed: number, opts: GenerateOptions = {}): { g: ReturnType<typeof generateScenario>; refused: string | undefined } {
  let g = generateScenario(seed, opts);
  const refused = loads(g.yaml) ? undefined : g.yaml;
  for (let k = 1; k <= 7 && !loads(g.yaml); k++) g = generateScenario(seed + k * 1_000_000, opts);
  return { g, refused };
}

/** Whether the loader accepts a scenario text. */
function loads(yaml: string): boolean {
  try {
    parseScenario(yaml, 'base.yaml');
    return true;
  } catch {
    return false;
  }
}

/**
 * A base the loader refuses, in a sweep over a grid no value of which repairs it (the seeds): the whole sweep is refused
 * before any run starts, exit 1 with the base file's located problems, nothing written (scenarios/sweeps/README.md).
 */
function refusedBaseCheck(seed: number, yaml: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), `gridbid-fuzz-batch-${seed}-refused-`));
  try {
    writeFileSync(join(dir, 'base.yaml'), yaml);
    writeFileSync(join(dir, 'sweep.yaml'), stringify({ base: 'base.yaml', grid: { 'weather.sky': ['clear', 'overcast'] } }));
    const r = gridbid(['batch', 'sweep.yaml', '--out', 'A', '--workers', '1'], dir);
    const problems: string[] = [];
    if (r.status !== 1) problems.push(`a sweep on a base the loader refuses exited ${r.status}, expected 1: ${r.stderr.trim().slice(0, 300)}`);
    if (!/its base scenario is invalid/.test(r.stderr) || !/base\.yaml:\d+:\d+ /.test(r.stderr)) problems.push(`a sweep on a base the loader refuses: no located reason: ${r.stderr.trim().slice(0, 300)}`);
    if (existsSync(join(dir, 'A'))) problems.push('a refused sweep wrote its output folder');
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** (a): one run's folder in the batch against the same run alone (`aloneExit` its exit code). */
function compareRunFolder(batchDir: string, aloneDir: string, run: ExpectedRun, aloneExit: number | null, doc: Record<string, unknown>, aloneFile: string): string[] {
  const problems: string[] = [];
  const say = (p: string) => problems.push(`${run.id}: ${p}`);
  if (!existsSync(batchDir)) return [`${run.id}: no run folder in the batch`];
  // The batch's scenario.yaml is the run's complete scenario (its seed in it).
  const written = parseYaml(readFileSync(join(batchDir, 'scenario.yaml'), 'utf8')) as unknown;
  if (canonical(written) !== canonical(doc)) say(`scenario.yaml is not the scenario the README's override rules give:\n${stringify(written, { lineWidth: 0 })}\n--- expected\n${stringify(doc, { lineWidth: 0 })}`);
  if (aloneExit !== 0 && aloneExit !== 4) return problems;
  const b = tree(batchDir);
  const a = tree(aloneDir);
  // The batch's own files: DONE for a finished run, error.txt for a failed one (books open), scenario.yaml always.
  const own = aloneExit === 0 ? ['DONE', 'scenario.yaml'] : ['error.txt', 'scenario.yaml'];
  for (const f of own) if (!b.has(f)) say(`the batch's run folder has no ${f}`);
  const bFiles = [...b.keys()].filter((f) => !own.includes(f)).sort();
  const aFiles = [...a.keys()].sort();
  if (canonical(bFiles) !== canonical(aFiles)) say(`files in the batch ${JSON.stringify(bFiles)}, alone ${JSON.stringify(aFiles)}`);
  for (const f of aFiles) {
    if (!b.has(f)) continue;
    if (f === 'summary.json') {
      const x = JSON.parse(b.get(f)!.toString('utf8'));
      const y = JSON.parse(a.get(f)!.toString('utf8'));
      // Documented: the batch names the base scenario by its path from the sweep file; `gridbid run` the path it was given.
      if (x.scenario?.file !== run.baseFile) say(`summary.json scenario.file ${JSON.stringify(x.scenario?.file)}, expected the base's path from the sweep ${run.baseFile}`);
      if (y.scenario?.file !== aloneFile) say(`alone, summary.json scenario.file ${JSON.stringify(y.scenario?.file)}, expected ${aloneFile}`);
      delete x.scenario.file;
      delete y.scenario.file;
      if (JSON.stringify(x) !== JSON.stringify(y)) say(`summary.json differs from the run alone (beyond scenario.file)`);
    } else if (!b.get(f)!.equals(a.get(f)!)) say(`${f} differs from the run alone`);
  }
  if (aloneExit === 4) {
    const err = b.has('error.txt') ? b.get('error.txt')!.toString('utf8') : '';
    if (!/books/i.test(err)) say(`books open alone (exit 4); the batch's error.txt says ${JSON.stringify(err.slice(0, 200))}`);
  }
  return problems;
}

/** (b): summary.csv, row by row, against the expected runs and each run's own summary.json. */
function checkSummaryCsv(dir: string, draw: BatchDraw, bases: Record<string, Record<string, unknown>>, alone: ReadonlyArray<{ status: 'ok' | 'failed' }>): string[] {
  const problems: string[] = [];
  const [header, ...rows] = parse(readFileSync(join(dir, 'summary.csv'))) as string[][];
  const fixed = ['run_id', 'scenario', ...(draw.hasVariants ? ['variant'] : []), ...draw.paramKeys, 'seed', 'status', 'error'];
  if (canonical(header!.slice(0, fixed.length)) !== canonical(fixed)) problems.push(`summary.csv's first columns ${JSON.stringify(header!.slice(0, fixed.length))}, expected ${JSON.stringify(fixed)}`);
  if (rows.length !== draw.runs.length) return [...problems, `summary.csv has ${rows.length} rows for ${draw.runs.length} runs`];
  const kpiColumns = new Set<string>();
  for (const [i, run] of draw.runs.entries()) {
    const row = Object.fromEntries(header!.map((h, k) => [h, rows[i]![k]!]));
    const say = (p: string) => problems.push(`summary.csv row ${i + 1} (${run.id}): ${p}`);
    const expected: Record<string, string> = {
      run_id: run.id,
      scenario: String(bases[run.baseName]!.name),
      ...(draw.hasVariants ? { variant: run.variant } : {}),
      ...run.params,
      seed: String(run.seed),
      status: alone[i]!.status,
    };
    for (const [k, v] of Object.entries(expected)) if (row[k] !== v) say(`${k} ${JSON.stringify(row[k])}, expected ${JSON.stringify(v)}`);
    const runDir = join(dir, run.id);
    const kpis = alone[i]!.status === 'ok' ? flatKpis((JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { kpis: Record<string, unknown> }).kpis) : [];
    const mine = new Map(kpis);
    for (const [k] of kpis) kpiColumns.add(k);
    for (const h of header!.slice(fixed.length)) {
      const want = mine.get(h) ?? '';
      if (row[h] !== want) say(`${h} ${JSON.stringify(row[h])}, its summary.json ${JSON.stringify(want)}`);
    }
    for (const [k] of kpis) if (!header!.includes(k)) say(`no column for its KPI ${k}`);
    if (alone[i]!.status === 'failed') {
      const err = existsSync(join(runDir, 'error.txt')) ? readFileSync(join(runDir, 'error.txt'), 'utf8').trim() : undefined;
      if (row.error === '' || row.error !== err) say(`error ${JSON.stringify(row.error)}, its error.txt ${JSON.stringify(err)}`);
    } else if (row.error !== '') say(`error ${JSON.stringify(row.error)} on a run that finished`);
  }
  const extra = header!.slice(fixed.length).filter((h) => !kpiColumns.has(h));
  if (extra.length > 0) problems.push(`summary.csv has KPI columns no run reports: ${extra.join(', ')}`);
  return problems;
}

/** (f): `gridbid query` against summary.csv and the run folders' own files. */
function checkQuery(dir: string, draw: BatchDraw, alone: ReadonlyArray<{ status: 'ok' | 'failed' }>): string[] {
  const problems: string[] = [];
  const [header, ...rows] = parse(readFileSync(join(dir, 'summary.csv'))) as string[][];
  const summary = query(dir, 'select * from summary', problems);
  if (summary.length !== rows.length) problems.push(`query: summary has ${summary.length} rows, summary.csv ${rows.length}`);
  const byId = new Map(summary.map((r) => [String(r.run_id), r]));
  for (const row of rows) {
    const q = byId.get(row[0]!);
    if (!q) continue;
    header!.forEach((h, k) => {
      if (!numberEq(row[k]!, q[h] ?? null)) problems.push(`query: summary ${row[0]} ${h} ${JSON.stringify(q[h])}, summary.csv ${JSON.stringify(row[k])}`);
    });
  }
  const okRuns = draw.runs.filter((r) => alone[r.index]!.status === 'ok');
  if (okRuns.length === 0) return problems;
  const csvRow = new Map(rows.map((r) => [r[0]!, Object.fromEntries(header!.map((h, k) => [h, r[k]!]))]));
  // Row counts per table and run: the database holds every finished run's tables, and only those.
  const tables = new Set(okRuns.flatMap((r) => readdirSync(join(dir, r.id)).filter((f) => /\.(csv|parquet)$/.test(f)).map((f) => f.replace(/\.(csv|parquet)$/, ''))));
  // One query (one process): rows of (what, run, key, a, b, c) as text — each table's row count per run, each run's
  // lowest and highest price, each kind's agents, rows and Σ cost.
  const facts = query(
    dir,
    [
      ...[...tables].map((t) => `select 'rows' as w, run_id, '${t}' as k, count(*)::varchar as a, null as b, null as c from ${t} group by run_id`),
      `select 'price' as w, run_id, null as k, min(price)::varchar as a, max(price)::varchar as b, null as c from intervals group by run_id`,
      `select 'kind' as w, run_id, kind as k, count(distinct agent_id)::varchar as a, count(*)::varchar as b, sum(cost)::varchar as c from agents group by all`,
    ].join(' union all '),
    problems,
  );
  for (const t of tables) {
    const counts = new Map(facts.filter((r) => r.w === 'rows' && r.k === t).map((r) => [String(r.run_id), Number(r.a)]));
    for (const r of okRuns) {
      const csv = join(dir, r.id, `${t}.csv`);
      if (!existsSync(csv)) continue;
      const n = (parse(readFileSync(csv)) as unknown[]).length - 1;
      if ((counts.get(r.id) ?? 0) !== n) problems.push(`query: ${t} has ${counts.get(r.id) ?? 0} rows of ${r.id}, its ${t}.csv ${n}`);
    }
    for (const id of counts.keys()) if (!okRuns.some((r) => r.id === id)) problems.push(`query: ${t} holds rows of ${id}, which did not finish ok`);
  }
  // Prices: the lowest and highest at any bus (DuckDB's text of a double, read back as a number).
  const price = (text: string, got: unknown): boolean => (text === '' ? got === null : got !== null && Number(got) === Number(text));
  for (const q of facts.filter((r) => r.w === 'price')) {
    const s = csvRow.get(String(q.run_id));
    if (!s) continue;
    if (!price(s.minPriceMwh!, q.a) || !price(s.maxPriceMwh!, q.b)) problems.push(`query: ${q.run_id} prices min ${q.a} max ${q.b}, summary.csv minPriceMwh ${s.minPriceMwh} maxPriceMwh ${s.maxPriceMwh}`);
  }
  // Each kind: its agents and Σ cost over every stage (exact decimals).
  // (Each row is the exact cost rounded to the files' 20 decimals where it repeats, the KPI the exact sum rounded once:
  // they agree within half a unit of the 20th decimal per row, README "Outputs".)
  const Exact = Decimal.clone({ precision: 80 });
  for (const q of facts.filter((r) => r.w === 'kind')) {
    const s = csvRow.get(String(q.run_id));
    const kind = String(q.k);
    // The losses stage's two rows per interval on a feeder (kinds dso and upstream) are no agents (README, "Outputs").
    if (!s || kind === 'dso' || kind === 'upstream') continue;
    if (s[`byKind.${kind}.count`] === undefined) {
      problems.push(`query: ${q.run_id} has ${kind} agents, summary.csv no byKind.${kind}`);
      continue;
    }
    if (Number(s[`byKind.${kind}.count`]) !== Number(q.a)) problems.push(`query: ${q.run_id} has ${q.a} ${kind} agents, summary.csv byKind.${kind}.count ${s[`byKind.${kind}.count`]}`);
    const want = s[`byKind.${kind}.cost`]!;
    if (q.c === null ? want !== '0' : new Exact(String(q.c)).minus(want).abs().gt(new Exact('5e-21').times(Number(q.b) + 1))) problems.push(`query: ${q.run_id} Σ cost of ${kind} ${q.c}, summary.csv byKind.${kind}.cost ${want}`);
  }
  return problems;
}

export { drawBatch };

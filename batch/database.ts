/**
 * results.duckdb: a batch's results in one embedded DuckDB database beside summary.csv,
 * written when the batch ends (and by `batch merge`), for `gridbid query` and for anyone
 * opening it with DuckDB (Python, R, the duckdb CLI …):
 *
 * - `summary`: summary.csv, one row per run (column types as DuckDB reads the file);
 * - `intervals`, `agents`, `flows`, `events`, `rejections`, `bills`, `voltages`: every
 *   finished run's table, stacked in the sweep's run order, with the run's id first
 *   (`run_id`, as in summary) and the column types of output/tables.ts.
 *
 * Each run's table is read from its Parquet file when the run wrote one, else from its
 * CSV file (the same types either way). The database is a copy: the run folders stay the
 * reference, and a batch that starts again removes it until it ends (meanwhile, and after
 * a Ctrl-C, `gridbid query` reads the files themselves). Written as `results.duckdb.partial` and renamed,
 * so it is never seen half written. Not pure: reads the run folders, writes the file.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { csvSource, sqlString } from '../output/parquet.ts';
import { RUN_TABLES, TABLE_COLUMNS } from '../output/tables.ts';

export const DATABASE_FILE = 'results.duckdb';

const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** Removes the folder's database (a batch about to change the runs makes it stale). */
export function removeResultsDatabase(outDir: string): void {
  for (const f of [DATABASE_FILE, `${DATABASE_FILE}.wal`]) rmSync(join(outDir, f), { force: true });
}

/**
 * Writes `<outDir>/results.duckdb` from `<outDir>/summary.csv` and the tables of the
 * runs `runIds` (the finished ones, in run order); returns the tables it holds.
 */
export async function writeResultsDatabase(outDir: string, runIds: readonly string[]): Promise<string[]> {
  const file = join(outDir, DATABASE_FILE);
  const partial = `${file}.partial`;
  for (const f of [partial, `${partial}.wal`]) rmSync(f, { force: true });
  // Loaded when a database is written, not when the module is: every `gridbid` command imports it (~0.3 s of CPU).
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(resolve(partial), { memory_limit: '512MB', temp_directory: resolve(join(outDir, '.duckdb-tmp')) });
  const conn = await instance.connect();
  const tables = ['summary'];
  try {
    await conn.run(`create table summary as select * from read_csv(${sqlString(resolve(join(outDir, 'summary.csv')))}, header = true, sample_size = -1)`);
    for (const t of RUN_TABLES) {
      const sources = runIds.flatMap((id) => {
        const parquet = join(outDir, id, `${t}.parquet`);
        const csv = join(outDir, id, `${t}.csv`);
        if (existsSync(parquet)) return [{ id, from: `read_parquet(${sqlString(resolve(parquet))})` }];
        return existsSync(csv) ? [{ id, from: csvSource(csv, t) }] : [];
      });
      if (sources.length === 0) continue;
      const known = TABLE_COLUMNS[t]!;
      await conn.run(`create table ${t} (run_id VARCHAR, ${Object.entries(known).map(([c, type]) => `${ident(c)} ${type}`).join(', ')})`);
      const have = new Set(['run_id', ...Object.keys(known)]);
      for (const { id, from } of sources) {
        // A column output/tables.ts does not list yet joins the table with the type it was read with.
        const described = await conn.runAndReadAll(`describe select * from ${from}`);
        for (const [name, type] of described.getRowsJson() as Array<[string, string]>) {
          if (have.has(name)) continue;
          await conn.run(`alter table ${t} add column ${ident(name)} ${type}`);
          have.add(name);
        }
        await conn.run(`insert into ${t} by name select ${sqlString(id)} as run_id, * from ${from}`);
      }
      tables.push(t);
    }
    await conn.run('checkpoint');
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(join(outDir, '.duckdb-tmp'), { recursive: true, force: true });
  }
  rmSync(`${partial}.wal`, { force: true });
  renameSync(partial, file);
  return tables;
}

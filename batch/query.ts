/**
 * `gridbid query <results-folder> "<sql>"`: SQL over a batch's results in an embedded
 * DuckDB. When the folder has results.duckdb (a finished batch or merge writes it:
 * batch/database.ts), the query runs there, read-only, over the same table names.
 * Otherwise (a batch still running, a folder from before the database) DuckDB reads
 * the CSV files where they are, as views, in memory:
 *
 * - `summary`: summary.csv, one row per run, keyed by `run_id`;
 * - `intervals`, `agents`, `flows`, `events`, … : every run's table of that name
 *   (`<run>/<table>.csv`) stacked, with the run's id as the first column, `run_id`.
 *
 * Column types: in the database, the run tables' types of output/tables.ts (money as an
 * exact DECIMAL); in the views, DuckDB's detection (numbers as DOUBLE or BIGINT, times as
 * TIMESTAMP). summary's columns are DuckDB's detection either way.
 * Not pure: reads the folder. Throws `UserError` for a folder without summary.csv and for
 * SQL that DuckDB rejects (its message names the problem).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
// DuckDB loads when a query runs (below), not with the module: every `gridbid` command imports this one.
import type { DuckDBConnection } from '@duckdb/node-api';
import { UserError } from '../core/errors.ts';
import { SUMMARY_FILE } from './runFiles.ts';
import { DATABASE_FILE } from './database.ts';

export interface QueryResult {
  readonly columns: readonly string[];
  /** Values as JSON: numbers (integers beyond 2^53 as text), strings (decimals and times as text), booleans, null. */
  readonly rows: ReadonlyArray<readonly unknown[]>;
  /** The tables the query could use (for messages and `--tables`). */
  readonly tables: readonly string[];
  /** Where the tables came from: the folder's results.duckdb, or views over its CSV files. */
  readonly source: 'database' | 'files';
}

const TABLE = /^[a-z][a-z0-9_]*$/;
const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Per table: whether some run wrote it as CSV, as Parquet. */
function runTableFiles(folder: string): Map<string, { csv: boolean; parquet: boolean }> {
  const names = new Map<string, { csv: boolean; parquet: boolean }>();
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    for (const f of readdirSync(join(folder, entry.name))) {
      const m = /^(.+)\.(csv|parquet)$/.exec(f);
      if (!m || !TABLE.test(m[1]!)) continue;
      const kinds = names.get(m[1]!) ?? { csv: false, parquet: false };
      kinds[m[2] as 'csv' | 'parquet'] = true;
      names.set(m[1]!, kinds);
    }
  }
  return names;
}

export async function queryResults(folder: string, sql: string): Promise<QueryResult> {
  if (!existsSync(join(folder, SUMMARY_FILE))) {
    throw new UserError(`${folder}: no ${SUMMARY_FILE} here; give the folder a batch wrote (gridbid batch … --out ${folder})`);
  }
  const root = resolve(folder);
  const database = join(root, DATABASE_FILE);
  const source = existsSync(database) ? 'database' : 'files';
  const { DuckDBInstance, DuckDBTypeId } = await import('@duckdb/node-api');
  const wideIntegers = new Set<number>([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);
  const instance = await DuckDBInstance.create(source === 'database' ? database : ':memory:', source === 'database' ? { access_mode: 'READ_ONLY' } : {});
  const conn = await instance.connect();
  try {
    let tables: string[];
    if (source === 'database') {
      const names = await conn.runAndReadAll(`select table_name from information_schema.tables where table_name <> 'summary' order by table_name`);
      tables = ['summary', ...names.getRowsJson().map((r) => String(r[0]))];
    } else {
      const files = runTableFiles(folder);
      tables = ['summary', ...[...files.keys()].sort()];
      await fileViews(conn, root, files);
    }
    let reader;
    try {
      // One statement, one answer: an empty query is a mistake, and of several only one answer could be printed.
      // (SQL that does not parse is left to the run below, whose error says where.)
      const statements =
        sql.trim() === ''
          ? 0
          : await conn.extractStatements(sql).then(
              (e) => e.count,
              () => 1,
            );
      if (statements !== 1) throw new UserError(statements === 0 ? 'query: no SQL statement given (e.g. "select * from summary")' : `query: ${statements} SQL statements; give one (its answer is what gets printed)`);
      reader = await conn.runAndReadAll(sql);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`query: ${(err as Error).message.split('\n')[0]} (tables: ${tables.join(', ')})`);
    }
    // DuckDB gives 64-bit integers (count(*), sums of integers) as text in JSON: numbers when they fit exactly.
    const wide = reader.columnTypes().map((t) => wideIntegers.has(t.typeId));
    const rows = reader.getRowsJson().map((row) => row.map((v, i) => (wide[i] && typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v)));
    return { columns: reader.deduplicatedColumnNames(), rows, tables, source };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Views over the folder's files: summary.csv, and each run table's files stacked with the run's
 * id: its CSV files, or its Parquet files where the runs wrote no CSV of it (`--format parquet`).
 */
async function fileViews(conn: DuckDBConnection, root: string, files: ReadonlyMap<string, { csv: boolean; parquet: boolean }>): Promise<void> {
  await conn.run(`create view summary as select * from read_csv(${sqlString(join(root, SUMMARY_FILE))}, header = true)`);
  for (const [t, kinds] of files) {
    const read = kinds.csv ? `read_csv(${sqlString(join(root, '*', `${t}.csv`))}, header = true,` : `read_parquet(${sqlString(join(root, '*', `${t}.parquet`))},`;
    // The run id is the name of the folder the file is in.
    await conn.run(`create view ${t} as select regexp_extract(filename, '([^/]+)/[^/]+$', 1) as run_id, * exclude (filename) from ${read} filename = true, union_by_name = true)`);
  }
}

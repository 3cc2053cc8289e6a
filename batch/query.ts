/**
 * `gridbid query <results-folder> "<sql>"`: SQL over a batch's results in an embedded
 * DuckDB (in this process, in memory). The folder's files are the data; DuckDB reads
 * them where they are, so nothing is copied and the answer is always the current one:
 *
 * - `summary`: summary.csv, one row per run, keyed by `run_id`;
 * - `intervals`, `agents`, `flows`, `events`, … : every run's table of that name
 *   (`<run>/<table>.csv`) stacked, with the run's id as the first column, `run_id`.
 *
 * Column types are DuckDB's detection (numbers as DOUBLE or BIGINT, times as TIMESTAMP);
 * money that must stay exact is best read from summary.json or the CSV text itself.
 * Not pure: reads the folder. Throws `UserError` for a folder without summary.csv and for
 * SQL that DuckDB rejects (its message names the problem).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import { UserError } from '../core/errors.ts';
import { SUMMARY_FILE } from './runBatch.ts';

export interface QueryResult {
  readonly columns: readonly string[];
  /** Values as JSON: numbers (integers beyond 2^53 as text), strings (decimals and times as text), booleans, null. */
  readonly rows: ReadonlyArray<readonly unknown[]>;
  /** The tables the query could use (for messages and `--tables`). */
  readonly tables: readonly string[];
}

const WIDE_INTEGERS = new Set<DuckDBTypeId>([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);
const TABLE = /^[a-z][a-z0-9_]*$/;
const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The per-run tables present in the folder's run folders (file stems of their CSVs). */
export function runTables(folder: string): string[] {
  const names = new Set<string>();
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    for (const f of readdirSync(join(folder, entry.name))) if (f.endsWith('.csv') && TABLE.test(f.slice(0, -4))) names.add(f.slice(0, -4));
  }
  return [...names].sort();
}

export async function queryResults(folder: string, sql: string): Promise<QueryResult> {
  if (!existsSync(join(folder, SUMMARY_FILE))) {
    throw new UserError(`${folder}: no ${SUMMARY_FILE} here; give the folder a batch wrote (gridbid batch … --out ${folder})`);
  }
  const root = resolve(folder);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const tables = ['summary', ...runTables(folder)];
    await conn.run(`create view summary as select * from read_csv(${sqlString(join(root, SUMMARY_FILE))}, header = true)`);
    for (const t of tables.slice(1)) {
      // The run id is the name of the folder the file is in.
      await conn.run(
        `create view ${t} as select regexp_extract(filename, '([^/]+)/[^/]+$', 1) as run_id, * exclude (filename) ` +
          `from read_csv(${sqlString(join(root, '*', `${t}.csv`))}, header = true, filename = true, union_by_name = true)`,
      );
    }
    let reader;
    try {
      reader = await conn.runAndReadAll(sql);
    } catch (err) {
      throw new UserError(`query: ${(err as Error).message.split('\n')[0]} (tables: ${tables.join(', ')})`);
    }
    // DuckDB gives 64-bit integers (count(*), sums of integers) as text in JSON: numbers when they fit exactly.
    const wide = reader.columnTypes().map((t) => WIDE_INTEGERS.has(t.typeId));
    const rows = reader.getRowsJson().map((row) => row.map((v, i) => (wide[i] && typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v)));
    return { columns: reader.deduplicatedColumnNames(), rows, tables };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

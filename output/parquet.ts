/**
 * Columnar copies of a run's tables: `--format parquet` (and `csv,parquet`).
 *
 * The recorder writes each table once, as CSV text, row by row (output/recorder.ts: the
 * one place values are formatted and rounded). With Parquet asked for, that text streams
 * into DuckDB while the run goes (output/parquetStream.ts), through `csvSource` below:
 * `COPY (SELECT … FROM read_csv(…)) TO … (FORMAT parquet)` reads the text in blocks and
 * writes one row group at a time, so memory stays bounded by DuckDB's buffers
 * (`MEMORY_LIMIT`), never by the table's length. The columns get the types of
 * output/tables.ts, so Parquet holds exactly the values the CSV prints.
 *
 * `writeParquetTables` runs the same statement on CSV files already written (a folder of
 * an older run, and the reference the streamed files are tested against: byte-identical).
 *
 * Deterministic: one DuckDB thread, insertion order kept, no timestamps in the files
 * (the footer's `created_by` names the DuckDB version): the same run gives the same
 * bytes with the same DuckDB. Every file appears under its final name only once
 * complete (written as `<name>.partial`, then renamed). Not pure: reads and writes files.
 */
import { existsSync, openSync, readSync, closeSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { columnType, RUN_TABLES } from './tables.ts';

export const OUTPUT_FORMATS = ['csv', 'parquet'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** DuckDB's memory for one conversion: a few row groups' worth (a 1M-row agents table needs ~100 MB). */
export const MEMORY_LIMIT = '256MB';

/** `csv`, `parquet` or both (`csv,parquet`, in either order) → the formats; the reason as a string otherwise. */
export function parseFormats(text: string): OutputFormat[] | string {
  const parts = text.split(',').map((s) => s.trim().toLowerCase());
  const bad = parts.find((p) => !(OUTPUT_FORMATS as readonly string[]).includes(p));
  if (bad !== undefined) return `${bad === '' ? 'an empty format' : `'${bad}'`} is not an output format: expected csv, parquet, or both as csv,parquet`;
  return OUTPUT_FORMATS.filter((f) => parts.includes(f));
}

export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** The column names on the first line of a CSV file the recorder wrote (plain names, no quoting). */
export function csvHeader(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('utf8', 0, n);
    const end = text.indexOf('\n');
    return (end < 0 ? text : text.slice(0, end)).split(',');
  } finally {
    closeSync(fd);
  }
}

/**
 * SQL reading a table's CSV file with the types of output/tables.ts: empty fields are
 * NULL (the files leave a value out that way), quotes as RFC 4180.
 */
export function csvSource(file: string, table: string, header: readonly string[] = csvHeader(file)): string {
  const columns = header.map((c) => `${sqlString(c)}: ${sqlString(columnType(table, c))}`).join(', ');
  return `read_csv(${sqlString(resolve(file))}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', nullstr = '', columns = {${columns}})`;
}

/** Removes Parquet tables an earlier run left in `outDir` (a csv-only run must not sit beside another run's Parquet). */
export function removeParquetTables(outDir: string): void {
  for (const t of RUN_TABLES) rmSync(join(outDir, `${t}.parquet`), { force: true });
}

/** Writes `<table>.parquet` beside every table's CSV file in `outDir`; removes the CSV files unless `keepCsv`. */
export async function writeParquetTables(outDir: string, options: { readonly keepCsv: boolean }): Promise<string[]> {
  const tables = RUN_TABLES.filter((t) => existsSync(join(outDir, `${t}.csv`)));
  const spill = join(outDir, '.duckdb-tmp');
  // Loaded here, not at the top: every run imports this module (formats, file names), and
  // DuckDB's ~180 modules and native library cost ~0.2 s CPU per process start (batch workers too).
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: MEMORY_LIMIT, preserve_insertion_order: 'true', temp_directory: resolve(spill) });
  const conn = await instance.connect();
  try {
    for (const t of tables) {
      const csv = join(outDir, `${t}.csv`);
      const parquet = join(outDir, `${t}.parquet`);
      const header = csvHeader(csv);
      await conn.run(
        `copy (select ${header.map(ident).join(', ')} from ${csvSource(csv, t, header)}) to ${sqlString(resolve(`${parquet}.partial`))} (format parquet, compression zstd)`,
      );
      renameSync(`${parquet}.partial`, parquet);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(spill, { recursive: true, force: true });
  }
  if (!options.keepCsv) for (const t of tables) rmSync(join(outDir, `${t}.csv`));
  return tables;
}

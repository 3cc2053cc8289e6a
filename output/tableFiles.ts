/**
 * Where a run's tables go, by `--format`: each table's rows are formatted once, as CSV text
 * (output/csvFile.ts), and written to `<table>.csv`, to DuckDB's Parquet writer as the run
 * goes (output/parquetStream.ts), or to both. Not pure: creates files and a child process.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CsvFile } from './csvFile.ts';
import { type OutputFormat, removeParquetTables } from './parquet.ts';
import { ParquetStreams } from './parquetStream.ts';
import { type ExtraColumns, RUN_TABLES } from './tables.ts';

/** Opens a table of the run by name (its file name without extension) with its header. */
export type OpenTable = (table: string, header: readonly string[]) => CsvFile;

export class TableFiles {
  private readonly csv: boolean;
  private readonly parquet: ParquetStreams | undefined;

  constructor(
    readonly outDir: string,
    readonly formats: readonly OutputFormat[] = ['csv'],
    /** The optional columns (output/tables.ts) this run's tables have: the streamed Parquet writer needs them before the first row. */
    extra: ExtraColumns = {},
  ) {
    this.csv = formats.includes('csv');
    this.parquet = formats.includes('parquet') ? new ParquetStreams(outDir, extra) : undefined;
  }

  readonly open: OpenTable = (table, header) => new CsvFile(join(this.outDir, `${table}.csv`), header, this.parquet?.open(table, header), this.csv);

  /**
   * Once every table is closed: waits for the Parquet files to be complete, and removes the
   * tables of a format not asked for that an earlier run left in the folder (a parquet-only
   * run must not sit beside another run's agents.csv, nor a csv-only run beside its Parquet).
   */
  async complete(): Promise<void> {
    await this.parquet?.complete();
    if (!this.csv) for (const t of RUN_TABLES) rmSync(join(this.outDir, `${t}.csv`), { force: true });
    if (!this.parquet) removeParquetTables(this.outDir);
  }

  /** An interrupted run: what was written stays under the `.partial` names. */
  abandon(): void {
    this.parquet?.abandon();
  }
}

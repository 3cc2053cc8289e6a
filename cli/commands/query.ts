import { type Command, InvalidArgumentError, Option } from 'commander';
import type { QueryResult } from '../../batch/query.ts';

const FORMATS = ['table', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

const HELP = `
Tables (from the folder's results.duckdb, which a finished batch or merge writes;
without it, views over the folder's files, read where they are):
  summary      summary.csv: one row per run (run_id, parameters, seed, status, KPIs)
  intervals, agents, flows, events, …
               every run's table (<table>.csv or .parquet) stacked, with the run's id first (run_id)
Quote column names with dots or brackets: "byKind.home.cost", "market.pricing".

Exit codes: 0 answered; 1 no summary.csv in the folder, SQL that DuckDB rejects, or not exactly one statement.

Examples:
  gridbid query results/grid "select run_id, welfare from summary order by welfare desc limit 3"
  gridbid query results/grid "select run_id, avg(price) from intervals group by run_id" --format csv
  gridbid query results/grid "select \\"market.pricing\\", avg(peakKw) from summary group by 1" --format json
`;

const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** The answer as aligned columns (numbers right-aligned), CSV or JSON (an array of row objects). */
export async function formatQuery(r: QueryResult, format: Format): Promise<string> {
  if (format === 'json') return `${JSON.stringify(r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i] ?? null]))), null, 2)}\n`;
  const cells = r.rows.map((row) => row.map(text));
  if (format === 'csv') return (await import('csv-stringify/sync')).stringify([[...r.columns], ...cells], { record_delimiter: '\n' });
  const numeric = r.columns.map((_, i) => r.rows.length > 0 && r.rows.every((row) => row[i] === null || typeof row[i] === 'number'));
  const widths = r.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: readonly string[]): string => vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(r.columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})\n`;
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description("SQL (DuckDB) over a batch's results: summary.csv and every run's tables, keyed by run_id.")
    .argument('<results-folder>', 'a folder written by gridbid batch (or batch merge)')
    .argument('<sql>', 'the query, e.g. "select run_id, welfare from summary"')
    .addOption(
      new Option('-f, --format <format>', 'table, csv or json').default('table').argParser((v: string) => {
        if (!(FORMATS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${FORMATS.join(', ')}`);
        return v;
      }),
    )
    .addHelpText('after', HELP)
    .action(async (folder: string, sql: string, opts: { format: Format }) => {
      const { queryResults } = await import('../../batch/query.ts');
      process.stdout.write(await formatQuery(await queryResults(folder, sql), opts.format));
    });
}

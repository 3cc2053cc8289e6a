/**
 * summary.csv: one row per finished run, in the sweep's run order (never in
 * completion order, so the file is the same whatever the number of workers).
 *
 * Columns: run_id, scenario, [variant], one per grid key (its path as written),
 * seed, status (ok | failed), error, then the KPIs of summary.json flattened
 * (`byKind.home.cost`; lists as their length). Numbers are printed as JavaScript
 * prints them (shortest exact text), money as the exact decimal text of
 * summary.json; a KPI a run does not report is left empty.
 */
import { stringify } from 'csv-stringify/sync';
import type { BatchPlan, RunSpec } from './plan.ts';

export type KpiPairs = ReadonlyArray<readonly [string, string]>;

export interface RunRow {
  readonly run: RunSpec;
  readonly status: 'ok' | 'failed';
  readonly error: string;
  readonly kpis: KpiPairs;
}

/** summary.json's `kpis` as (column, text) pairs in their order; pure. */
export function flattenKpis(kpis: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(kpis)) {
    const key = `${prefix}${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...flattenKpis(v as Record<string, unknown>, `${key}.`));
    else out.push([key, Array.isArray(v) ? String(v.length) : v === null || v === undefined ? '' : String(v)]);
  }
  return out;
}

/**
 * The union of the rows' KPI columns. A column first seen in a later row goes
 * after the last column of its group (`rejectedBids.LATE` after the other
 * `rejectedBids.*`), so related columns stay together; pure and order-stable.
 */
export function kpiColumns(rows: ReadonlyArray<RunRow | undefined>): string[] {
  const cols: string[] = [];
  const have = new Set<string>();
  for (const row of rows) {
    if (!row) continue;
    for (const [k] of row.kpis) {
      if (have.has(k)) continue;
      have.add(k);
      const group = k.includes('.') ? k.slice(0, k.lastIndexOf('.') + 1) : undefined;
      let at = -1;
      if (group) for (let i = cols.length - 1; i >= 0 && at < 0; i--) if (cols[i]!.startsWith(group)) at = i + 1;
      if (at < 0) cols.push(k);
      else cols.splice(at, 0, k);
    }
  }
  return cols;
}

/** The header row. */
export function summaryHeader(plan: BatchPlan, kpis: readonly string[]): string[] {
  return ['run_id', 'scenario', ...(plan.hasVariants ? ['variant'] : []), ...plan.paramKeys, 'seed', 'status', 'error', ...kpis];
}

/** The whole file's text for the finished rows (entries may be missing for runs not finished). */
export function summaryCsv(plan: BatchPlan, rows: ReadonlyArray<RunRow | undefined>): string {
  const kpis = kpiColumns(rows);
  const records: string[][] = [summaryHeader(plan, kpis)];
  for (const row of rows) {
    if (!row) continue;
    const r = row.run;
    const values = new Map(row.kpis);
    records.push([
      r.id,
      r.scenario,
      ...(plan.hasVariants ? [r.variant] : []),
      ...plan.paramKeys.map((k) => r.params[k] ?? ''),
      String(r.seed),
      row.status,
      row.error,
      ...kpis.map((k) => values.get(k) ?? ''),
    ]);
  }
  return stringify(records, { record_delimiter: '\n' });
}

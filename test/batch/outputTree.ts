/** Checks on a batch's output folder shared by the batch tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { DuckDBInstance } from '@duckdb/node-api';
import { DATABASE_FILE } from '../../batch/database.ts';

/** Every file under `dir`: no `.partial` left, every CSV and JSON parses, every HTML page is whole. */
export function checkOutputTree(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    expect(entry.name, path).not.to.match(/\.partial$/);
    const text = readFileSync(path, 'utf8');
    if (entry.name.endsWith('.csv')) expect(() => parse(text, { columns: true }), path).not.to.throw();
    if (entry.name.endsWith('.json') || entry.name === 'DONE') expect(() => JSON.parse(text), path).not.to.throw();
    if (entry.name.endsWith('.html')) expect(text.trimEnd().endsWith('</html>'), path).to.equal(true);
  }
}

/** Every file under `dir`: relative path → bytes. */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(relative(dir, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name)));
  }
  return out;
}

/**
 * `actual` holds exactly the files of `expected`, byte for byte; results.duckdb only by
 * name (a DuckDB file's bytes depend on how it was written: compare `databaseContents`).
 */
export function expectSameTree(expected: string, actual: string): void {
  const a = files(expected);
  const b = files(actual);
  expect([...b.keys()].sort()).to.deep.equal([...a.keys()].sort());
  for (const [path, bytes] of a) if (path !== DATABASE_FILE) expect(bytes.equals(b.get(path)!), `${path} differs`).to.equal(true);
}

/** Every table of a folder's results.duckdb: its columns with their types, and its rows in a fixed order. */
export async function databaseContents(dir: string): Promise<Record<string, { columns: unknown[][]; rows: unknown[][] }>> {
  const instance = await DuckDBInstance.create(join(dir, DATABASE_FILE), { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const out: Record<string, { columns: unknown[][]; rows: unknown[][] }> = {};
    const tables = (await conn.runAndReadAll('select table_name from information_schema.tables order by 1')).getRowsJson().map((r) => String(r[0]));
    for (const t of tables) {
      const columns = (await conn.runAndReadAll(`select column_name, data_type from information_schema.columns where table_name = '${t}' order by ordinal_position`)).getRowsJson();
      out[t] = { columns, rows: (await conn.runAndReadAll(`select * from ${t} order by all`)).getRowsJson() };
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Checks on a batch's output folder shared by the batch tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';

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

/**
 * README "Outputs" names every file a run writes and every CSV's columns as the run writes
 * them: two real runs of the CLI (a LinDistFlow feeder, which writes voltages.csv, and a
 * communication plane, which writes messages.csv) give the files and the headers; the README
 * table's row for each CSV lists exactly that header, in order (its backticked names, from
 * the first column on; the prose between them is left out).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RUN_TABLES } from '../../output/tables.ts';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';

/** The README Outputs table: file name → the text of its row's second cell. */
function outputsTable(readme: string): Map<string, string> {
  const section = readme.split('\n## Outputs\n')[1]!.split('\n## ')[0]!;
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([\w.]+)` \| (.*) \|$/gm)) rows.set(m[1]!, m[2]!);
  return rows;
}

/** The column names a row's backticked spans list, in order, from the table's first column on. */
export function documentedColumns(cell: string, firstColumn: string): string[] {
  const names: string[] = [];
  for (const span of cell.matchAll(/`([^`]*)`/g)) {
    for (const part of span[1]!.split(',')) {
      const name = part.trim();
      if (/^[a-z][a-z_]*$/.test(name) && !names.includes(name)) names.push(name);
    }
  }
  const from = names.indexOf(firstColumn);
  return from < 0 ? names : names.slice(from);
}

describe('docs: README "Outputs" lists the files and the columns a run writes', function () {
  this.timeout(120_000);
  let dir: string;
  const headers = new Map<string, string[]>();
  const files = new Set<string>();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-docs-outputs-'));
    for (const scenario of ['test/fixtures/scenarios/feeder-lindistflow.yaml', 'test/fixtures/scenarios/comms-reports.yaml']) {
      const out = join(dir, scenario.replace(/\W/g, '-'));
      const r = gridbid(['run', scenario, '--out', out]);
      expect(r.status, r.stderr).to.equal(0);
      for (const f of readdirSync(out)) {
        files.add(f);
        if (f.endsWith('.csv')) headers.set(f, readFileSync(join(out, f), 'utf8').split('\n')[0]!.split(','));
      }
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the runs wrote voltages.csv and messages.csv (so every table is compared)', () => {
    expect([...files]).to.include.members(['voltages.csv', 'messages.csv', 'summary.json', 'report.html']);
  });

  it('the table has a row for every file the runs wrote, and no other', () => {
    const rows = outputsTable(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    expect([...rows.keys()].sort()).to.deep.equal([...files].sort());
  });

  it('each CSV row lists its header, in order', () => {
    const rows = outputsTable(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    const wrong: string[] = [];
    for (const [file, header] of headers) {
      const documented = documentedColumns(rows.get(file) ?? '', header[0]!);
      if (documented.join(',') !== header.join(',')) wrong.push(`${file}: the README lists ${documented.join(',')}; the run writes ${header.join(',')}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('README "Querying a batch" names every table a batch’s database stacks (output/tables.ts RUN_TABLES)', () => {
    const section = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n### Querying a batch\n')[1]!.split('\n#')[0]!;
    expect(RUN_TABLES.filter((t) => !section.includes(`\`${t}\``))).to.deep.equal([]);
  });

  it('reads a row’s columns past its prose', () => {
    expect(documentedColumns('on `lindistflow` feeders: `interval_start, bus` (x), `price` (`a-b`, y)', 'interval_start')).to.deep.equal(['interval_start', 'bus', 'price']);
  });
});

/**
 * summary.json lists the first 1,000 clearing problems and counts them all (clearingProblemCount):
 * a network no clearing can serve fails every interval, and listed in full a year of them was an
 * 8.5 MB summary.json. intervals.csv keeps every interval's status.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { gridbidInProcess, REPO_ROOT } from '../helpers/cli.ts';

describe('a network no clearing can serve, in every interval', () => {
  it('summary.json counts all 1,152 clearing problems (4 days × 288) and lists the first 1,000 in order; intervals.csv, report.html and the CLI have every one', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-clearing-problems-'));
    try {
      const r = await gridbidInProcess(['run', join(REPO_ROOT, 'test/fixtures/scenarios/infeasible-everywhere.yaml'), '--out', dir]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('0 agent faults, 1152 clearing problems');
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.intervals).to.equal(1152);
      expect(summary.kpis.clearingProblemCount).to.equal(1152);
      const listed = summary.kpis.clearingProblems as Array<{ interval: string; status: string; message: string }>;
      expect(listed).to.have.length(1000);
      // In order, one a 5 minutes: the 1,000th is interval 999, 83 h 15 min after the start.
      expect([listed[0]!.interval, listed[1]!.interval, listed[999]!.interval]).to.deep.equal(['2026-07-01T00:00:00Z', '2026-07-01T00:05:00Z', '2026-07-04T11:15:00Z']);
      expect(listed.every((p) => p.status === 'infeasible' && p.message.startsWith('infeasible: '))).to.equal(true);
      // intervals.csv: one row per interval and bus (2 buses), every one infeasible.
      const rows = parse(readFileSync(join(dir, 'intervals.csv')), { columns: true }) as Array<Record<string, string>>;
      expect(rows).to.have.length(2304);
      expect(new Set(rows.filter((x) => x.status === 'infeasible').map((x) => x.interval_start)).size).to.equal(1152);
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(html).to.match(/>Clearing problems \(count\)<\/th><td>1152<\/td>/);
      expect(html).to.match(/>Clearing problems listed \(count\)<\/th><td>1000<ul class="items">/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

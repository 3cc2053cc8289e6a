/**
 * report.html's "delivery latency per application class" table against messages.csv: it counts
 * the messages delivered or late (not those a receiver rejected: replayed or forged commands,
 * tampered reads) and its order statistics are of those messages' latencies.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

describe('report.html: comms latency table', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-comms-table-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('cyber-replay: per class, the messages delivered or late (156 and 791), not the rejected attacks, and their latencies', async () => {
    await runScenarioFile(join(REPO_ROOT, 'scenarios/cyber-replay.yaml'), { outDir: dir });
    const rows = parse(readFileSync(join(dir, 'messages.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
    // The attacks are there, rejected by their receivers.
    expect(rows.filter((r) => r.status!.startsWith('rejected-')).length).to.be.greaterThan(0);
    const kept = new Map<string, number[]>();
    for (const r of rows) {
      if (r.status !== 'delivered' && r.status !== 'late') continue;
      const s = (Date.parse(r.delivered_at!) - Date.parse(r.sent_at!)) / 1000;
      kept.set(r.class!, [...(kept.get(r.class!) ?? []), s]);
    }
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const section = /delivery latency per application class \(seconds\)<\/h2>(.*?)<\/section>/s.exec(html)?.[1] ?? '';
    const table = [...section.matchAll(/<tr>(.*?)<\/tr>/g)].slice(1).map((m) => [...m[1]!.matchAll(/<td>(.*?)<\/td>/g)].map((c) => c[1]!));
    expect(table.length).to.equal(kept.size);
    const byClass = new Map(table.map((r) => [r[0]!, r.slice(1)]));
    expect(byClass.get('distribution-grid-management')![0]).to.equal('156');
    expect(byClass.get('ami')![0]).to.equal('791');
    for (const [cls, xs] of kept) {
      const [n, ...stats] = byClass.get(cls)!;
      expect(n, cls).to.equal(String(xs.length));
      xs.sort((a, b) => a - b);
      const at = (p: number): number => xs[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;
      // messages.csv has times to the millisecond; the table's latencies are exact, shown to the millisecond.
      [0.5, 0.9, 0.99, 1].forEach((p, k) => expect(Number(stats[k]), `${cls} p${p * 100}`).to.be.closeTo(at(p), 0.0011));
    }
  });
});

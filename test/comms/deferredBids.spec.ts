/**
 * Bids the plane could send only after their gate (docs/comms.md, *Order of work*): interval k's
 * operator commands must be resolved before interval k+1's bids are sent, so commands slower than
 * the bid lead keep the plane running to the interval end and the next bids go out then. With
 * cyber-replay's commands taking 10 minutes (fixed), every commanded interval is followed by one
 * whose 15:09 bids leave at 15:15, after the 15:10 gate: the market clears nothing then (its homes run on
 * their own control and settle the energy as imbalance, engine/interval/noPosition.ts, and the operator,
 * planning on that, commands them again). Each
 * rejection says so; it used to say "still in transit or lost on the communication plane", which
 * blamed a network that never carried them before the gate.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenario } from '../../engine/run.ts';
import { loadScenarioFile, type Scenario } from '../../engine/scenario/load.ts';

const FILE = join(import.meta.dirname, '../../scenarios/cyber-replay.yaml');

function withSlowCommands(ms: number): Scenario {
  const s = loadScenarioFile(FILE);
  const comms = s.config.comms;
  if (comms === 'ideal') throw new Error('cyber-replay runs on a plane');
  const dgm = comms.classes['distribution-grid-management'];
  return { ...s, config: { ...s.config, comms: { ...comms, classes: { ...comms.classes, 'distribution-grid-management': { ...dgm, latency: { distribution: 'fixed' as const, ms } } } } } };
}

describe('comms: bids the plane sends only after their gate, behind slow operator commands (scenarios/cyber-replay.yaml)', function () {
  this.timeout(120_000);
  let dir: string;
  let rejections: Array<Record<string, string>>;
  let intervals: Array<Record<string, string>>;
  let comms: Record<string, number>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-deferred-'));
    const { summary } = await runScenario(withSlowCommands(600_000), { outDir: dir });
    comms = (summary.kpis as unknown as { comms: Record<string, number> }).comms;
    rejections = parse(readFileSync(join(dir, 'rejections.csv')), { columns: true });
    intervals = parse(readFileSync(join(dir, 'intervals.csv')), { columns: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('15:15: the bids go out at 15:15, after the 15:10 gate, and the rejection says why', () => {
    const at = rejections.filter((r) => r.interval_start === '2026-07-01T15:15:00Z');
    expect(at.length).to.be.greaterThan(0);
    for (const r of at) {
      expect(r.code).to.equal('gate-closed');
      expect(r.reason).to.equal(
        "not delivered by gate closure 2026-07-01T15:10:00Z: sent only at 2026-07-01T15:15:00Z, not at its bid time 2026-07-01T15:09:00Z: the plane was still carrying the last interval's operator commands (sendsDeferred; docs/comms.md, order of work) (see messages.csv)",
      );
    }
  });

  // Until the sites without a position ran on their own control (noPosition.ts), the homes whose bids missed the gate consumed
  // nothing, and the operator commanded only in the intervals after (their rebound overloaded the 75 kW head): every other
  // interval missed, 345 late bids. Now those homes draw their load on their own control, the operator plans on it and commands
  // them in the missed interval too, so its slow commands defer the next bids again: from 15:15 to 19:00 no interval clears,
  // 437 late bids (the engine's order of work, docs/comms.md; the homes are never dark, nothing is unserved).
  it('every rejection is such a bid, all count in lateBids, and while the commands last no interval clears', () => {
    expect(rejections.length).to.equal(437);
    expect(rejections.every((r) => r.reason!.includes('the plane was still carrying the last interval'))).to.equal(true);
    expect(comms.lateBids).to.equal(437);
    expect(comms.sendsDeferred).to.be.at.least(437);
    const cleared = new Map<string, boolean>();
    for (const r of intervals) cleared.set(r.interval_start!, (cleared.get(r.interval_start!) ?? false) || Number(r.demand_kw) > 0);
    const quarter = (h: number): string => `${String(Math.floor(h)).padStart(2, '0')}:${String((h % 1) * 60).padStart(2, '0')}`;
    expect([...cleared.entries()].filter(([, c]) => !c).map(([t]) => t.slice(11, 16))).to.deep.equal(Array.from({ length: 16 }, (_, k) => quarter(15.25 + k / 4)));
    expect(cleared.size).to.equal(24);
  });

  it('commands on time (the scenario as shipped): no bid is deferred', async () => {
    const ok = mkdtempSync(join(tmpdir(), 'gridbid-deferred-ok-'));
    try {
      const { summary } = await runScenario(loadScenarioFile(FILE), { outDir: ok });
      expect((summary.kpis as unknown as { comms: Record<string, number> }).comms.sendsDeferred).to.equal(0);
      expect(readFileSync(join(ok, 'rejections.csv'), 'utf8')).not.to.contain('the plane was still carrying');
    } finally {
      rmSync(ok, { recursive: true, force: true });
    }
  });
});

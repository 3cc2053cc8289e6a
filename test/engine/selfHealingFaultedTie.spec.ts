/**
 * Self-healing never closes a switch onto a faulted branch (fuzz --feeder seed 48009: a normally-open tie under its own
 * line outage was closed to restore a bus cut off by a second outage, so the bus was metered as supplied through a
 * branch that was out). A three-bus feeder: grid → b1 (l1), grid → b2 (l2) and the tie b2–b1, normally open; a home on
 * each of b1 and b2, hourly, restoration at once (restoreAfterMinutes 0). Whether b2 is supplied can be read off the
 * home's award in agents.csv: 0 while it is cut off.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';

type Row = Record<string, string>;

async function run(faults: object[]): Promise<{ agents: Row[]; events: Row[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-faulted-tie-'));
  try {
    const scenario = {
      name: 'faulted-tie',
      seed: 1,
      start: '2026-01-14T00:00:00Z',
      days: 0.25,
      intervalMinutes: 60,
      market: { mechanism: 'lp' },
      network: {
        model: 'lindistflow',
        feeder: { voltageLimitsPu: { min: 0.9, max: 1.1 } },
        baseKva: 1000,
        buses: [{ id: 'grid', reference: true }, { id: 'b1' }, { id: 'b2' }],
        branches: [
          { id: 'l1', from: 'grid', to: 'b1', resistancePu: 0.03, reactancePu: 0.016 },
          { id: 'l2', from: 'grid', to: 'b2', resistancePu: 0.026, reactancePu: 0.014 },
          { id: 'tie', from: 'b2', to: 'b1', resistancePu: 0.034, reactancePu: 0.039, inService: false },
        ],
      },
      operations: [{ id: 'dso', selfHealing: { restoreAfterMinutes: 0 } }],
      faults,
      agents: [
        { kind: 'generator', id: 'grid', bus: 'grid', offers: [{ kw: 100, priceMwh: 40 }] },
        { kind: 'home', idPrefix: 'h', count: 2, buses: ['b1', 'b2'], baseLoad: { annualKwh: 4000, noiseSd: 0 } },
      ],
    };
    const file = join(dir, 'faulted-tie.json');
    writeFileSync(file, JSON.stringify(scenario));
    await runScenarioFile(file, { outDir: join(dir, 'out') });
    return {
      agents: parse(readFileSync(join(dir, 'out/agents.csv')), { columns: true }) as Row[],
      events: parse(readFileSync(join(dir, 'out/events.csv')), { columns: true }) as Row[],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per hour (HH), is b2's home supplied (a positive award)? */
function b2Supplied(agents: Row[]): Record<string, boolean> {
  return Object.fromEntries(agents.filter((a) => a.kind === 'home' && a.bus === 'b2').map((a) => [a.interval_start!.slice(11, 13), Number(a.award_kw) > 0]));
}

const switching = (events: Row[]): string[] => events.filter((e) => e.issuer === 'dso').map((e) => `${e.interval_start!.slice(11, 13)} ${e.type} ${e.target}`);

describe('self-healing and a faulted tie (fuzz --feeder seed 48009)', function () {
  this.timeout(60_000);

  it('a tie under its own outage is no candidate: l2 out 01–03 while the tie is out 00–06 leaves b2 unserved, reported, instead of closing the tie', async () => {
    const { agents, events } = await run([
      { type: 'line-outage', branch: 'tie', at: '2026-01-14T00:00:00Z', until: '2026-01-14T06:00:00Z' },
      { type: 'line-outage', branch: 'l2', at: '2026-01-14T01:00:00Z', until: '2026-01-14T03:00:00Z' },
    ]);
    expect(switching(events)).to.not.include('01 TIE_CLOSED tie');
    expect(switching(events)).to.include('01 SECTION_UNSERVED l2');
    expect(b2Supplied(agents)).to.deep.equal({ '00': true, '01': false, '02': false, '03': true, '04': true, '05': true });
  });

  it('a tie that faults while it carries a restoration opens with its fault and closes again at its repair: l2 out 01–04, the tie out 02–03', async () => {
    const { agents, events } = await run([
      { type: 'line-outage', branch: 'l2', at: '2026-01-14T01:00:00Z', until: '2026-01-14T04:00:00Z' },
      { type: 'line-outage', branch: 'tie', at: '2026-01-14T02:00:00Z', until: '2026-01-14T03:00:00Z' },
    ]);
    expect(switching(events)).to.include('01 TIE_CLOSED tie');
    expect(b2Supplied(agents)).to.deep.equal({ '00': true, '01': true, '02': false, '03': true, '04': true, '05': true });
  });
});

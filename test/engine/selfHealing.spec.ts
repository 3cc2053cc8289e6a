/**
 * Self-healing on case33bw (Baran & Wu; MATPOWER's case, test/fixtures/refcases): one home at
 * each of buses 2–33, a fault on branch 6–7 from 06:00 to 08:00. The switches around the
 * branch open, buses 7–18 lose supply for the fault's interval, a tie restores all of them
 * from 06:15 (the operator restores 15 minutes after a fault), and the normal configuration
 * returns at the repair. The reliability KPIs are checked against a count made here from
 * the run's own agents.csv.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';
import { readMatpowerFile } from '../../market/lp/cases/matpower.ts';
import { matpowerFeederOpf } from '../../market/lp/cases/matpowerFeeder.ts';

type Row = Record<string, string>;

describe('self-healing (FLISR) on case33bw', () => {
  let dir: string;
  let agents: Row[];
  let events: Row[];
  let rel: Record<string, unknown>;
  const dark = ['7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17', '18'];
  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-flisr-'));
    const { network } = matpowerFeederOpf(readMatpowerFile(fileURLToPath(new URL('../fixtures/refcases/matpower/case33bw.m', import.meta.url)))).feeder;
    const scenario = {
      name: 'flisr-case33bw',
      seed: 3,
      start: '2026-01-14T00:00:00Z',
      days: 0.5,
      intervalMinutes: 15,
      market: { mechanism: 'lp' },
      network: {
        model: 'lindistflow',
        feeder: { voltageLimitsPu: { min: 0.9, max: 1.1 }, powerFactor: { home: 0.95 } },
        baseKva: network.baseKva,
        buses: network.buses.map((b) => ({ id: b.id, ...(b.reference ? { reference: true } : {}) })),
        branches: network.branches.map((b) => ({ id: b.id, from: b.from, to: b.to, resistancePu: b.resistancePu, reactancePu: b.reactancePu, inService: b.inService })),
      },
      operations: [{ id: 'dso', selfHealing: { restoreAfterMinutes: 15 } }],
      faults: [{ type: 'line-outage', branch: '6-7', at: '2026-01-14T06:00:00Z', until: '2026-01-14T08:00:00Z' }],
      agents: [
        { kind: 'generator', id: 'grid', bus: '1', offers: [{ kw: 1000, priceMwh: 40 }] },
        { kind: 'home', idPrefix: 'h', count: 32, buses: network.buses.slice(1).map((b) => b.id), baseLoad: { annualKwh: 4000, noiseSd: 0 } },
      ],
    };
    const file = join(dir, 'flisr.json');
    writeFileSync(file, JSON.stringify(scenario));
    const r = await runScenarioFile(file, { outDir: join(dir, 'out') });
    rel = ((r.summary as unknown as { kpis: { operations: Record<string, unknown> } }).kpis.operations.reliability ?? {}) as Record<string, unknown>;
    agents = parse(readFileSync(join(dir, 'out/agents.csv')), { columns: true }) as Row[];
    events = parse(readFileSync(join(dir, 'out/events.csv')), { columns: true }) as Row[];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const homesAt = (rows: Row[], t: string): Row[] => rows.filter((a) => a.kind === 'home' && a.interval_start === t);

  it('leaves exactly buses 7–18 without supply in the fault’s interval, and none after the tie closes', () => {
    const at0600 = homesAt(agents, '2026-01-14T06:00:00Z');
    const unserved = at0600.filter((a) => Number(a.award_kw) === 0).map((a) => a.bus).sort((x, y) => Number(x) - Number(y));
    expect(unserved).to.deep.equal(dark);
    for (const a of at0600.filter((x) => dark.includes(x.bus!))) expect(Number(a.unserved_kwh), a.agent_id).to.be.greaterThan(0);
    for (const t of ['2026-01-14T06:15:00Z', '2026-01-14T07:00:00Z', '2026-01-14T07:45:00Z', '2026-01-14T08:00:00Z']) {
      const rows = homesAt(agents, t);
      expect(rows).to.have.length(32);
      for (const a of rows) expect(Number(a.award_kw), `${a.agent_id} at ${t}`).to.be.greaterThan(0);
    }
    const types = events.filter((e) => e.issuer === 'dso').map((e) => `${e.interval_start!.slice(11, 16)} ${e.type} ${e.target}`);
    expect(types[0]).to.equal('06:00 FAULT_ISOLATED 6-7');
    expect(types[1]).to.match(/^06:15 TIE_CLOSED (21-8|12-22|18-33)$/);
    expect(types[types.length - 1]).to.equal('08:00 NORMAL_CONFIGURATION 6-7');
  });

  it('counts customers interrupted, customer-minutes, SAIFI/SAIDI, unserved kWh and the restoration time by hand', () => {
    // 12 homes out for one 15-minute interval, of 32 customers.
    const out = homesAt(agents, '2026-01-14T06:00:00Z').filter((a) => dark.includes(a.bus!));
    const unservedKwh = out.reduce((s, a) => s + Number(a.baseline_kw) * 0.25, 0);
    expect(rel).to.deep.include({ customers: 32, customersInterrupted: 12, customerInterruptions: 12, customerMinutesInterrupted: 180, saifi: 0.375, saidiMinutes: 5.625 });
    expect(rel.unservedKwh as number).to.be.closeTo(unservedKwh, 2e-3);
    const restorations = rel.restorations as Array<Record<string, unknown>>;
    expect(restorations).to.have.length(1);
    expect(restorations[0]).to.deep.include({ branch: '6-7', faultAt: '2026-01-14T06:00:00Z', restoredAt: '2026-01-14T06:15:00Z', restorationMinutes: 15, unservedBuses: [] });
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';

type Row = Record<string, string>;
const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/ev-storage-town.yaml');
const EV_STATES = new Set(['away', 'plugged-idle', 'charging', 'discharging', 'full']);
const QUANTUM = 0.001;

describe('scenario ev-storage-town: EVs and batteries end to end', function () {
  this.timeout(60_000);
  let dir: string;
  let rows: Row[];
  let summary: { intervals: number; kpis: Record<string, unknown> };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-ev-storage-'));
    await runScenarioFile(FIXTURE, { outDir: dir });
    rows = parse(readFileSync(join(dir, 'agents.csv')), { columns: true });
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const evs = (): Row[] => rows.filter((r) => r.kind === 'ev');
  const batteries = (): Row[] => rows.filter((r) => r.kind === 'storage');

  it('has a row for every car and battery in every interval', () => {
    expect(summary.intervals).to.equal(192);
    expect(evs()).to.have.length(22 * 192);
    expect(batteries()).to.have.length(4 * 192);
  });

  it('EVs: no charging while away (no award, no SoC), SoC within [0, 54 kWh], power within charger and V2G limits', () => {
    for (const r of evs()) {
      const at = `${r.agent_id} ${r.interval_start}`;
      expect(EV_STATES.has(r.state!), at).to.equal(true);
      const award = Number(r.award_kw);
      if (r.state === 'away') {
        expect(award, at).to.equal(0);
        expect(r.soc_kwh, at).to.equal('');
      } else {
        expect(Number(r.soc_kwh), at).to.be.within(0, 54 + 1e-3);
      }
      // Home cars: on-board 11 kW at most (default); workplace chargers 11 kW.
      expect(award, at).to.be.within(-11 - QUANTUM, 11 + QUANTUM);
      if (!r.agent_id!.startsWith('ev-v2g')) expect(award, `${at}: no V2G`).to.be.at.least(0);
    }
  });

  it('EVs go through the whole lifecycle, V2G cars discharge, and every car charges', () => {
    const states = new Set(evs().map((r) => r.state));
    for (const s of EV_STATES) expect(states.has(s), s).to.equal(true);
    expect(evs().some((r) => r.agent_id!.startsWith('ev-v2g') && Number(r.award_kw) < 0)).to.equal(true);
    const charged = new Set(evs().filter((r) => Number(r.award_kw) > 0).map((r) => r.agent_id));
    expect(charged.size).to.equal(22);
  });

  it('batteries: SoC within [1.35, 13.5] kWh, |power| ≤ 5 kW, and they buy and sell on day 2', () => {
    for (const r of batteries()) {
      expect(Number(r.soc_kwh)).to.be.within(1.35 - 1e-3, 13.5 + 1e-3);
      expect(Math.abs(Number(r.award_kw))).to.be.at.most(5 + QUANTUM);
      expect(Number(r.baseline_kw)).to.equal(0);
    }
    const day2 = batteries().filter((r) => r.interval_start! >= '2026-07-02');
    expect(day2.some((r) => Number(r.award_kw) > 0)).to.equal(true);
    expect(day2.some((r) => Number(r.award_kw) < 0)).to.equal(true);
  });

  it('summary.json reports the EV energy unmet at departure', () => {
    const unmet = summary.kpis.evEnergyUnmetAtDepartureKwh;
    expect(unmet).to.be.a('number');
    expect(unmet as number).to.be.at.least(0);
  });
});

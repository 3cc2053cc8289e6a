import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true });
const HOUR = 3_600_000;
/** The reference office is occupied 08–17 h local (UTC+2 here) on workdays; the fixture's days are a Wednesday and a Thursday. */
const occupied = (iso: string): boolean => {
  const local = new Date(Date.parse(iso) + 2 * HOUR + 7.5 * 60_000);
  return local.getUTCHours() >= 8 && local.getUTCHours() < 17;
};

describe('test/fixtures/scenarios/home-building-heatwave.yaml end to end', () => {
  let dir: string;
  let agents: Row[];
  let intervals: Row[];
  let summary: { kpis: Record<string, unknown>; books: { closed: boolean } };
  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-homes-'));
    await runScenarioFile(join(REPO_ROOT, 'test/fixtures/scenarios/home-building-heatwave.yaml'), { outDir: dir });
    agents = readCsv(join(dir, 'agents.csv'));
    intervals = readCsv(join(dir, 'intervals.csv'));
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs two days of 68 agents; prices stay below the cap (the premise of the comfort checks)', () => {
    expect(agents.length).to.equal(192 * 68);
    for (const r of intervals) expect(Number(r.price)).to.be.below(3000);
    expect(summary.books.closed).to.equal(true);
  });

  it('homes keep their 20–25 °C band every interval; buildings their 21–24 °C band while occupied; no comfort violation, nothing unserved', () => {
    const homes = agents.filter((r) => r.kind === 'home');
    const buildings = agents.filter((r) => r.kind === 'building');
    expect(homes.length).to.equal(192 * 60);
    for (const r of homes) expect(Number(r.indoor_temp_c), `${r.agent_id} ${r.interval_start}`).to.be.within(20, 25);
    let occ = 0;
    for (const r of buildings) {
      if (!occupied(r.interval_start!)) continue;
      occ++;
      expect(Number(r.indoor_temp_c), `${r.agent_id} ${r.interval_start}`).to.be.within(21, 24);
    }
    expect(occ).to.equal(3 * 2 * 36);
    expect(summary.kpis.comfortViolationDegreeHours).to.equal(0);
    for (const r of [...homes, ...buildings]) expect(Number(r.unserved_kwh)).to.equal(0);
  });

  it('states are the lifecycle a person would name; buildings follow occupancy and are curtailed under their contract at times; homes pre-condition on the second day, when the forecast knows the peak', () => {
    const homeStates = new Set(agents.filter((r) => r.kind === 'home').map((r) => r.state));
    for (const s of homeStates) expect(['normal', 'pre-conditioning', 'curtailed']).to.include(s);
    for (const r of agents.filter((r) => r.kind === 'building')) {
      expect(occupied(r.interval_start!) ? ['occupied', 'curtailed'] : ['unoccupied', 'curtailed'], `${r.agent_id} ${r.interval_start}`).to.include(r.state);
    }
    expect(agents.some((r) => r.kind === 'building' && r.state === 'curtailed' && occupied(r.interval_start!))).to.equal(true);
    const pre = agents.filter((r) => r.kind === 'home' && r.state === 'pre-conditioning');
    expect(pre.some((r) => r.interval_start!.startsWith('2026-07-02'))).to.equal(true);
  });

  it('awards within physical limits: a home never injects more than its PV nor draws more than base + HVAC + appliances; baselines are positive', () => {
    for (const r of agents.filter((r) => r.kind === 'home')) {
      expect(Number(r.award_kw)).to.be.within(-6, 15);
      expect(Number(r.baseline_kw)).to.be.above(0);
    }
    for (const r of agents.filter((r) => r.kind === 'building')) expect(Number(r.award_kw)).to.be.within(0, 30);
  });

  it('price response lowers the peak below the no-flexibility baseline', () => {
    expect(Number(summary.kpis.peakKw)).to.be.below(Number(summary.kpis.baselinePeakKw));
  });
});

describe('scenarios/default.yaml still runs with the extended home', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'gridbid-default-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('base-load homes only: no temperatures, normal or curtailed, baseline ≥ award', async function () {
    this.timeout(60_000);
    await runScenarioFile(join(REPO_ROOT, 'scenarios/default.yaml'), { outDir: dir });
    const homes = readCsv(join(dir, 'agents.csv')).filter((r) => r.kind === 'home');
    expect(homes.length).to.equal(96 * 100);
    for (const r of homes) {
      expect(['normal', 'curtailed']).to.include(r.state);
      expect(r.indoor_temp_c).to.equal('');
      expect(Number(r.award_kw)).to.be.at.most(Number(r.baseline_kw) + 0.002);
    }
    expect(homes.some((r) => r.state === 'curtailed')).to.equal(true);
  });
});

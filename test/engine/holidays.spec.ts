import { SiteZone } from '../../core/siteZone.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { businessDayOf } from '../../agents/operations/baseline.ts';
import { dayTypeOf } from '../../agents/physics/loadProfile.ts';
import { holidaysOf } from '../../core/calendar.ts';
import { parseSimTime } from '../../core/time.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';
import { type Row, runAndRead } from '../helpers/runOutputs.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/scenarios');

describe('site.holidays: a public holiday is a Sunday for load, offices, commuting and DR baselines', function () {
  this.timeout(120_000);

  it('by hand: Friday 2026-12-25 at UTC+1 is a Sunday from 23:00 UTC on the 24th, and not a business day', () => {
    const christmas = holidaysOf(['2026-12-25']);
    expect(dayTypeOf(parseSimTime('2026-12-24T22:30:00Z')!, SiteZone.fixed(1), christmas)).to.equal('workday'); // 23:30 local on Thursday the 24th
    expect(dayTypeOf(parseSimTime('2026-12-24T23:30:00Z')!, SiteZone.fixed(1), christmas)).to.equal('sunday'); // 00:30 local on the 25th
    expect(dayTypeOf(parseSimTime('2026-12-25T12:00:00Z')!, SiteZone.fixed(1))).to.equal('workday'); // no holidays given
    // Hourly intervals from Thursday 2026-12-24 00:00 UTC: the 25th local starts at interval 23, the
    // weekend at 47, Monday the 28th at 95.
    const business = businessDayOf(parseSimTime('2026-12-24T00:00:00Z')!, 60, SiteZone.fixed(1), christmas);
    expect([22, 23, 46, 47, 94, 95].map(business)).to.deep.equal([true, false, false, false, false, true]);
  });

  /** Runs a fixture scenario over `days` with its site's holidays set (or none); returns agents.csv's rows. */
  const run = (fixture: string, days: number, holidays: readonly string[] | undefined): Promise<Row[]> => {
    const s = loadScenarioFile(join(FIXTURES, fixture));
    const site = holidays ? { ...s.config.site, holidays: [...holidays] } : s.config.site;
    return runAndRead({ ...s, config: { ...s.config, days, site } }, (files) => files.rows('agents.csv'));
  };

  it('offices stay unoccupied on a holiday (Wednesday 2026-07-01), and homes draw their Sunday shape', async () => {
    const workday = await run('home-building-heatwave.yaml', 1, undefined);
    const holiday = await run('home-building-heatwave.yaml', 1, ['2026-07-01']);
    const offices = (rows: Row[]) => rows.filter((r) => r.kind === 'building');
    expect(offices(workday).filter((r) => r.state === 'occupied').length).to.be.greaterThan(30);
    expect(offices(holiday).filter((r) => r.state === 'occupied').length).to.equal(0);
    // The homes' night (02:00–05:00 local, no HVAC at 22–24 °C, no PV): the Sunday shape is above the workday one there.
    const night = (rows: Row[]) => rows.filter((r) => r.kind === 'home' && r.interval_start! < '2026-07-01T03:00').reduce((s, r) => s + Number(r.actual_kw), 0);
    expect(night(holiday)).to.be.greaterThan(night(workday));
  });

  it('workplace cars do not come to work on holidays', async () => {
    const work = (rows: Row[]) => rows.filter((r) => r.agent_id!.startsWith('ev-work')).reduce((s, r) => s + Number(r.actual_kw), 0);
    expect(work(await run('ev-storage-town.yaml', 2, undefined))).to.be.greaterThan(0);
    expect(work(await run('ev-storage-town.yaml', 2, ['2026-07-01', '2026-07-02']))).to.equal(0);
  });

  it('a date that is not one names the file, line and path: site.holidays[1]', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-holidays-bad-'));
    try {
      const raw = parse(readFileSync(join(FIXTURES, 'home-building-heatwave.yaml'), 'utf8')) as Record<string, any>;
      raw.site = { ...raw.site, holidays: ['2026-12-25', '2026-02-30'] };
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, stringify(raw));
      expect(() => loadScenarioFile(file)).to.throw(/bad\.yaml:\d+:\d+ site\.holidays\[1\]: not a calendar date, got '2026-02-30'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * scenarios/dst-week.yaml through the real `gridbid` executable: a week in Europe/Amsterdam across
 * the spring daylight-saving change (site.timeZone) with a time-of-use tariff in local hours. Each
 * bill is checked by hand's rule — 0.20 × import + 0.20 × import in the wall clock's 17:00–21:00 —
 * with the peak read off Intl, not off gridbid's zone table; the 23-hour local day has 92 quarter
 * hours; the same scenario gives the same bytes twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const SCENARIO = join(REPO_ROOT, 'scenarios', 'dst-week.yaml');
const wall = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: 'numeric' });
const wallOf = (iso: string): { date: string; hour: number } => {
  const p = Object.fromEntries(wall.formatToParts(Date.parse(iso)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour) };
};

describe('scenarios/dst-week.yaml: a time-of-use week across the spring change in Amsterdam', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  let bills: Row[];
  let agents: Row[];
  let stdout = '';
  const run = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-dst-week-'));
    dirs.push(dir);
    const r = gridbid(['run', SCENARIO, '--out', dir]);
    expect(r.status, r.stderr).to.equal(0);
    stdout ||= r.stdout;
    return dir;
  };
  before(() => {
    const dir = run();
    bills = parse(readFileSync(join(dir, 'bills.csv')), { columns: true });
    agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true });
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.books.closed).to.equal(true);
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('has 96 quarter hours on local 28 March, 92 on the 29th (23 hours) and 96 on the 30th; timestamps stay UTC', () => {
    const perLocalDay = new Map<string, number>();
    for (const r of agents.filter((a) => a.agent_id === 'wind')) {
      expect(r.interval_start).to.match(/^2026-\d\d-\d\dT\d\d:\d\d:00Z$/);
      const { date } = wallOf(r.interval_start!);
      perLocalDay.set(date, (perLocalDay.get(date) ?? 0) + 1);
    }
    expect([perLocalDay.get('2026-03-28'), perLocalDay.get('2026-03-29'), perLocalDay.get('2026-03-30')]).to.deep.equal([96, 92, 96]);
  });

  it('bills every customer-day at 0.20 /kWh plus 0.20 /kWh more on its import between 17:00 and 21:00 on the wall clock (16–20 UTC before the change, 15–19 UTC after)', () => {
    // Import per customer and billing day (the local day: engine/billingDays.ts) in the wall clock's peak, from agents.csv (kW to 3
    // decimals); and, to show the check can fail, in 17–21 of a fixed UTC+1 (the clock before the change).
    const peakKwh = new Map<string, number>();
    const winterClockPeakKwh = new Map<string, number>();
    const peakUtcHours = new Set<string>();
    const add = (m: Map<string, number>, key: string, kwh: number) => m.set(key, (m.get(key) ?? 0) + kwh);
    for (const r of agents) {
      if (r.kind !== 'home' && r.kind !== 'ev') continue;
      const t = Date.parse(r.interval_start!);
      const key = `${r.agent_id} ${wallOf(r.interval_start!).date}`;
      const kwh = Math.max(0, Number(r.actual_kw)) * 0.25;
      const { hour } = wallOf(r.interval_start!);
      if (hour >= 17 && hour < 21) {
        add(peakKwh, key, kwh);
        peakUtcHours.add(`${r.interval_start!.slice(5, 10)} ${r.interval_start!.slice(11, 13)}`);
      }
      const winterHour = (new Date(t).getUTCHours() + 1) % 24;
      if (winterHour >= 17 && winterHour < 21) add(winterClockPeakKwh, key, kwh);
    }
    expect([...peakUtcHours].filter((h) => h.startsWith('03-28') || h.startsWith('03-29'))).to.deep.equal(['03-28 16', '03-28 17', '03-28 18', '03-28 19', '03-29 15', '03-29 16', '03-29 17', '03-29 18']);
    // 7 calendar days from local midnight on 26 March end at local midnight on 2 April, 167 hours (engine/scenario/runSpan.ts):
    // the local days 26 March to 1 April (29 March of 23 h), 7 billing days, their dates local; no eighth bill of one hour.
    expect(bills.length).to.equal(50 * 7);
    expect([...new Set(bills.map((b) => b.day))]).to.deep.equal(['2026-03-26', '2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31', '2026-04-01']);
    expect(agents.filter((a) => a.agent_id === 'wind').map((a) => a.interval_start).at(-1)).to.equal('2026-04-01T21:45:00Z');
    const off = (b: Row, peak: Map<string, number>) => Math.abs(Number(b.energy_charge) - (0.2 * Number(b.import_kwh) + 0.2 * (peak.get(`${b.agent_id} ${b.day}`) ?? 0)));
    // agents.csv rounds kW to the watt: at most 16 peak quarter hours × 0.125 Wh each way, at 0.20.
    for (const b of bills) expect(off(b, peakKwh), `${b.agent_id} ${b.day}`).to.be.at.most(0.001);
    // Read on a fixed UTC+1 the bills of the days after the change do not add up: the tariff follows the wall clock.
    const afterChange = bills.filter((b) => b.day! >= '2026-03-29');
    expect(afterChange.filter((b) => off(b, winterClockPeakKwh) > 0.001).length).to.be.greaterThan(afterChange.length / 2);
    // …while those before it do (UTC+1 is the wall clock then).
    for (const b of bills.filter((x) => x.day! < '2026-03-28')) expect(off(b, winterClockPeakKwh)).to.be.at.most(0.001);
  });

  it('says its span: 7 local days, 167 hours, as validate does', () => {
    const line = 'span      7 day(s) on the wall clock of Europe/Amsterdam: 2026-03-25T23:00:00Z to 2026-04-01T22:00:00Z, 167 hours, 668 intervals';
    expect(stdout.split('\n')).to.include(line);
    const v = gridbid(['validate', SCENARIO]);
    expect(v.stdout).to.include(`${SCENARIO}: span ${line.slice('span      '.length)}`);
  });

  it('gives byte-identical outputs on a second run (zone data: this Node build)', () => {
    const [a, b] = [dirs[0]!, run()];
    for (const f of ['summary.json', 'agents.csv', 'bills.csv', 'intervals.csv', 'events.csv', 'report.html']) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).to.equal(true);
  });

  it("draws the report's axes in the zone, with both of its offsets named", () => {
    const html = readFileSync(join(dirs[0]!, 'report.html'), 'utf8');
    expect(html).to.include("chart axes show the scenario&#39;s local time (Europe/Amsterdam, UTC+01:00 / UTC+02:00)".replace('&#39;', "'"));
    expect(html).to.include('const OFFSETS = [[null,3600],[1774746000,7200]');
  });
});

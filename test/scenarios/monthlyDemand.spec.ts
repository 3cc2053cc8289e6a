/**
 * A demand charge on the month's peak, end to end through the real `gridbid` executable:
 * test/fixtures/scenarios/monthly-demand.yaml runs 30 July – 1 August 2026 with four homes
 * under `demandPeriod: month` (9 per kW) and four under the same charge per day (0.3 per kW).
 * bills.csv must show the ratchet, checked against the homes' own metered kW in agents.csv
 * (`actual_kw`, their net withdrawal: 15-minute intervals are the 15-minute windows).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Money, ZERO } from '../../core/money.ts';
import { gridbid, hasStackTrace, REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'scenarios', 'monthly-demand.yaml');

describe('monthly demand charge through the CLI (fixtures/scenarios/monthly-demand.yaml)', function () {
  this.timeout(120_000);
  let dir: string;
  let bills: Row[];
  let agents: Row[];
  let summary: { kpis: { books?: unknown }; books: { closed: boolean } };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-monthly-demand-'));
    const r = gridbid(['run', FIXTURE, '--out', join(dir, 'out')]);
    expect(r.status, r.stderr).to.equal(0);
    const read = (f: string): Row[] => parse(readFileSync(join(dir, 'out', f)), { columns: true });
    bills = read('bills.csv');
    agents = read('agents.csv');
    summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A customer's highest metered import kW over the intervals whose start (ISO) satisfies `when`. */
  const peak = (agent: string, when: (iso: string) => boolean): Money =>
    agents.filter((a) => a.agent_id === agent && when(a.interval_start!)).reduce((m, a) => Money.max(m, new Money(a.actual_kw!)), ZERO);
  const on = (day: string) => (iso: string) => iso.startsWith(day);

  it('the books close, and there is one bill per day and customer', () => {
    expect(summary.books.closed).to.equal(true);
    expect(bills.length).to.equal(3 * 8);
  });

  it('monthly homes: 30 July pays 9 × its peak, 31 July 9 × the rise of July\'s peak (≥ 0), 1 August 9 × August\'s own peak', () => {
    let rises = 0;
    for (let i = 1; i <= 4; i++) {
      const id = `month-home-${i}`;
      const charge = (day: string): string => bills.find((b) => b.agent_id === id && b.day === day)!.demand_charge!;
      const jul30 = peak(id, on('2026-07-30'));
      const july = peak(id, (t) => t.startsWith('2026-07'));
      const aug1 = peak(id, on('2026-08-01'));
      expect(new Money(charge('2026-07-30')).eq(jul30.times(9)), `${id} 30 July`).to.equal(true);
      expect(new Money(charge('2026-07-31')).eq(july.minus(jul30).times(9)), `${id} 31 July`).to.equal(true);
      expect(new Money(charge('2026-08-01')).eq(aug1.times(9)), `${id} 1 August`).to.equal(true);
      // July's two days sum to the month's peak; a day below it pays nothing.
      expect(new Money(charge('2026-07-30')).plus(charge('2026-07-31')).eq(july.times(9))).to.equal(true);
      if (july.gt(jul30)) rises++;
      else expect(charge('2026-07-31'), id).to.equal('0');
    }
    // The fixture has both kinds of 31 July: a rise for some homes, none for others (what the ratchet is about).
    expect(rises).to.be.within(1, 3);
  });

  it('daily homes: every day pays 0.3 × that day\'s own peak', () => {
    for (let i = 1; i <= 4; i++) {
      const id = `day-home-${i}`;
      for (const day of ['2026-07-30', '2026-07-31', '2026-08-01']) {
        const b = bills.find((r) => r.agent_id === id && r.day === day)!;
        expect(new Money(b.demand_charge!).eq(peak(id, on(day)).times(0.3)), `${id} ${day}`).to.equal(true);
      }
    }
  });

  it('validate names a bad demandPeriod without a stack trace, and accepts a local month at UTC+5:30 with hourly windows (local clock hours, so the month starts on a window boundary)', () => {
    const yaml = readFileSync(FIXTURE, 'utf8');
    const bad = join(dir, 'bad-period.yaml');
    writeFileSync(bad, yaml.replace('    demandPeriod: month', '    demandPeriod: quarterly'));
    const r1 = gridbid(['validate', bad]);
    expect(r1.status).to.not.equal(0);
    expect(r1.stderr + r1.stdout).to.include('bad-period.yaml:15:19').and.to.include("tariffs[0].demandPeriod: expected one of 'day', 'month', got 'quarterly'");
    expect(hasStackTrace(r1.stderr)).to.equal(false);
    const local = join(dir, 'local-month.yaml');
    writeFileSync(
      local,
      yaml
        .replace('utcOffsetHours: 0', 'utcOffsetHours: 5.5')
        .replace('demandWindowMinutes: 15\n    demandPeriod: month', 'demandWindowMinutes: 60\n    demandPeriod: month\n    hours: local'),
    );
    // Its windows are the local clock's hours, from 18:30 UTC: a run from 00:00 UTC would start inside one (each
    // billing day would cut a window in two), one from local midnight starts on a boundary, as the month does.
    const r2 = gridbid(['validate', local]);
    expect(r2.status).to.equal(1);
    expect(r2.stderr).to.include('demandWindowMinutes: the run starts at 2026-07-30T00:00:00Z, inside a 60-minute demand window (windows start at local midnight');
    expect(hasStackTrace(r2.stderr)).to.equal(false);
    writeFileSync(local, readFileSync(local, 'utf8').replace('start: 2026-07-30T00:00:00Z', 'start: 2026-07-29T18:30:00Z'));
    const r3 = gridbid(['validate', local]);
    expect(r3.status, r3.stderr).to.equal(0);
    expect(r3.stdout).to.include(': ok');
  });

  // Found by A-monthly: with whole-day windows and a run from 13:00 UTC, each daily bill saw part of a window and the
  // month's peak was billed too low (4 homes: 2.54 … 4.03 billed where 4.55 … 7.37 were due). Both validate and run refuse it.
  it('validate and run refuse a month period whose billing days (from 13:00) start inside a 1440-minute window', () => {
    const yaml = readFileSync(FIXTURE, 'utf8');
    const bad = join(dir, 'split-window.yaml');
    writeFileSync(bad, yaml.replace('start: 2026-07-30T00:00:00Z', 'start: 2026-07-30T13:00:00Z').replace('demandWindowMinutes: 15\n    demandPeriod: month', 'demandWindowMinutes: 1440\n    demandPeriod: month'));
    const line = readFileSync(bad, 'utf8').split('\n').findIndex((l) => l.includes('demandWindowMinutes: 1440')) + 1;
    for (const args of [['validate', bad], ['run', bad, '--out', join(dir, 'split-out')]]) {
      const r = gridbid(args);
      expect(r.status, args[0]).to.not.equal(0);
      expect(r.stderr + r.stdout).to.include(`split-window.yaml:${line}:`).and.to.include('tariffs[0].demandWindowMinutes: the run starts at 2026-07-30T13:00:00Z, inside a 1440-minute demand window');
      expect(hasStackTrace(r.stderr)).to.equal(false);
    }
  });
});

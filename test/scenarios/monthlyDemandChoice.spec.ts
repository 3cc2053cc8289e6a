/**
 * A monthly demand charge in local hours with tariff choice, end to end through the real `gridbid`
 * executable (test/fixtures/scenarios/monthly-demand-choice.yaml: UTC−3:30 from 03:00 local, billing days the
 * local days (03:30–03:30 UTC; the first from the run's start, 06:30 UTC), 30-minute windows, homes switching both ways between the month tariff and a day-period one).
 * Checked from the outputs alone, with months and windows computed here:
 * - per home, Σ of bills.csv's demand_charge on the month tariff = 9 × Σ over the local months of
 *   the highest 30-minute window average of the home's metered import (agents.csv `actual_kw`),
 *   rounded to the watt, over every day the home was on the tariff: a return within the month
 *   resumes the month (README: a customer that returns to a monthly tariff);
 * - on a communication plane that loses nothing (bills from the MDMS), bills.csv is byte for byte the
 *   plain run's and the billing true-up is zero.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'scenarios', 'monthly-demand-choice.yaml');
const OFFSET_MS = -3.5 * 3_600_000;
const WINDOW_MS = 30 * 60_000;
const DAY_MS = 86_400_000;

describe('monthly demand charge with tariff choice and local months through the CLI (fixtures/scenarios/monthly-demand-choice.yaml)', function () {
  this.timeout(120_000);
  let dir: string;
  const read = (out: string, f: string): Row[] => parse(readFileSync(join(dir, out, f)), { columns: true });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-monthly-choice-'));
    const plane = join(dir, 'plane.yaml');
    // Fast links, nothing lost: every bid meets its gate and every meter read arrives.
    writeFileSync(
      plane,
      `${readFileSync(FIXTURE, 'utf8')}comms:\n  classes:\n    demand-response: { latency: { distribution: uniform, minMs: 10, maxMs: 20 } }\n    ami: { latency: { distribution: uniform, minMs: 10, maxMs: 20 }, lossProbability: 0 }\n`,
    );
    for (const [file, out] of [[FIXTURE, 'plain'], [plane, 'plane']] as const) {
      const r = gridbid(['run', file, '--out', join(dir, out)]);
      expect(r.status, r.stderr).to.equal(0);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('per home and local month on the month tariff: Σ demand_charge = 9 × the month\'s highest 30-minute window over every day on the tariff', () => {
    const bills = read('plain', 'bills.csv');
    const agents = read('plain', 'agents.csv');
    const start = Date.parse('2026-07-30T06:30:00Z');
    const monthOf = (ms: number): string => {
      const local = new Date(ms + OFFSET_MS);
      return `${local.getUTCFullYear()}-${local.getUTCMonth() + 1}`;
    };
    let monthsChecked = 0;
    let reentries = 0;
    let returnsWithinMonth = 0;
    for (const id of [...new Set(bills.map((b) => b.agent_id!))]) {
      const days = bills.filter((b) => b.agent_id === id).sort((a, b) => a.day!.localeCompare(b.day!));
      // The billing days on the month tariff (local days: bills.csv's day is the local date), and the returns to it.
      const onMonthly = new Set<string>();
      let lastMonthOn: string | undefined; // the local month the home last left the tariff in
      days.forEach((b, d) => {
        // The day's span: from its local midnight (or the run's start: a partial first day) to the next local midnight.
        const midnight = Date.parse(`${b.day}T00:00:00Z`) - OFFSET_MS;
        const from = Math.max(start, midnight);
        if (b.tariff === 'monthly') {
          onMonthly.add(b.day!);
          if (d > 0 && days[d - 1]!.tariff !== 'monthly' && lastMonthOn !== undefined) {
            reentries++;
            if (monthOf(from) === lastMonthOn) returnsWithinMonth++;
          }
          lastMonthOn = monthOf(midnight + DAY_MS - 1);
        }
      });
      if (onMonthly.size === 0) continue;
      // Window energy (kWh) from the home's metered import on those days, 15-minute intervals.
      const windows = new Map<number, Decimal>();
      for (const a of agents) {
        if (a.agent_id !== id) continue;
        const t = Date.parse(a.interval_start!);
        if (!onMonthly.has(new Date(t + OFFSET_MS).toISOString().slice(0, 10))) continue;
        const w = Math.floor(t / WINDOW_MS);
        windows.set(w, (windows.get(w) ?? new Decimal(0)).plus(Decimal.max(0, a.actual_kw!).div(4)));
      }
      const peaks = new Map<string, Decimal>();
      for (const [w, kwh] of windows) {
        const month = monthOf(w * WINDOW_MS);
        const kw = kwh.times(2).toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN);
        if (!peaks.has(month) || kw.gt(peaks.get(month)!)) peaks.set(month, kw);
      }
      // A month's bills on the tariff: each day's demand_charge is its months' rises; Σ over the days = Σ over the months.
      const expected = [...peaks.values()].reduce((s, kw) => s.plus(kw.times(9)), new Decimal(0));
      const billed = days.filter((b) => b.tariff === 'monthly').reduce((s, b) => s.plus(b.demand_charge!), new Decimal(0));
      expect(billed.toFixed(), `${id}, ${onMonthly.size} day(s) on the month tariff`).to.equal(expected.toFixed());
      monthsChecked += peaks.size;
    }
    // The fixture switches homes both ways, and some come back to the month tariff after leaving it, within the month.
    expect(monthsChecked).to.be.greaterThan(8);
    expect(reentries).to.be.greaterThan(0);
    expect(returnsWithinMonth).to.be.greaterThan(0);
  });

  it('on a communication plane that loses nothing, bills.csv is the plain run\'s byte for byte, and the true-up is zero', () => {
    expect(readFileSync(join(dir, 'plane', 'bills.csv'), 'utf8')).to.equal(readFileSync(join(dir, 'plain', 'bills.csv'), 'utf8'));
    const summary = JSON.parse(readFileSync(join(dir, 'plane', 'summary.json'), 'utf8'));
    expect(summary.kpis.settlement.siteIntervals).to.deep.include({ interpolated: 0, estimated: 0, missing: 0 });
    expect(summary.kpis.settlement.retailBillingTrueUp).to.deep.equal({ 'power-retail': '0' });
    expect(summary.books.closed).to.equal(true);
  });
});

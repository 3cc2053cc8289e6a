/**
 * A monthly demand charge in local hours with tariff choice, end to end through the real `gridbid`
 * executable (test/fixtures/scenarios/monthly-demand-choice.yaml: UTC−3:30 from 03:00 local, billing days the
 * local days (03:30–03:30 UTC; the first from the run's start, 06:30 UTC), 30-minute windows, homes switching both ways between the month tariff and a day-period one).
 * Checked from the outputs alone, with months and windows computed here:
 * - per home and stint on the month tariff (the days between switches), Σ of bills.csv's
 *   demand_charge = 9 × Σ over the local months the stint touches of the highest 30-minute window
 *   average of the home's metered import (agents.csv `actual_kw`), rounded to the watt: each stint
 *   starts its month from zero (README: a switch starts the new tariff's month from zero);
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

  it('per home and stint on the month tariff: Σ demand_charge = 9 × Σ of its local months\' highest 30-minute windows', () => {
    const bills = read('plain', 'bills.csv');
    const agents = read('plain', 'agents.csv');
    const start = Date.parse('2026-07-30T06:30:00Z');
    let stintsChecked = 0;
    let reentries = 0;
    for (const id of [...new Set(bills.map((b) => b.agent_id!))]) {
      const days = bills.filter((b) => b.agent_id === id).sort((a, b) => a.day!.localeCompare(b.day!));
      // Stints: consecutive billing days on one tariff.
      const stints: Row[][] = [];
      for (const b of days) {
        const last = stints.at(-1);
        if (last && last[0]!.tariff === b.tariff) last.push(b);
        else stints.push([b]);
      }
      for (const [n, stint] of stints.entries()) {
        if (stint[0]!.tariff !== 'monthly') continue;
        if (n > 0) reentries++;
        // Billing days are local days, `day` their local date: from the stint's first local midnight (or the run's start) to
        // the local midnight after its last day.
        const from = Math.max(start, Date.parse(`${stint[0]!.day}T00:00:00Z`) - OFFSET_MS);
        const to = Date.parse(`${stint.at(-1)!.day}T00:00:00Z`) - OFFSET_MS + DAY_MS;
        // Window energy (kWh) from the home's metered import in the stint, 15-minute intervals.
        const windows = new Map<number, Decimal>();
        for (const a of agents) {
          if (a.agent_id !== id) continue;
          const t = Date.parse(a.interval_start!);
          if (t < from || t >= to) continue;
          const w = Math.floor(t / WINDOW_MS);
          windows.set(w, (windows.get(w) ?? new Decimal(0)).plus(Decimal.max(0, a.actual_kw!).div(4)));
        }
        const peaks = new Map<string, Decimal>();
        for (const [w, kwh] of windows) {
          const local = new Date(w * WINDOW_MS + OFFSET_MS);
          const month = `${local.getUTCFullYear()}-${local.getUTCMonth() + 1}`;
          const kw = kwh.times(2).toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN);
          if (!peaks.has(month) || kw.gt(peaks.get(month)!)) peaks.set(month, kw);
        }
        const expected = [...peaks.values()].reduce((s, kw) => s.plus(kw.times(9)), new Decimal(0));
        const billed = stint.reduce((s, b) => s.plus(b.demand_charge!), new Decimal(0));
        expect(billed.toFixed(), `${id} from ${new Date(from).toISOString()}, ${stint.length} day(s)`).to.equal(expected.toFixed());
        stintsChecked++;
      }
    }
    // The fixture switches homes both ways, and some come back to the month tariff after leaving it.
    expect(stintsChecked).to.be.greaterThan(8);
    expect(reentries).to.be.greaterThan(0);
  });

  it('on a communication plane that loses nothing, bills.csv is the plain run\'s byte for byte, and the true-up is zero', () => {
    expect(readFileSync(join(dir, 'plane', 'bills.csv'), 'utf8')).to.equal(readFileSync(join(dir, 'plain', 'bills.csv'), 'utf8'));
    const summary = JSON.parse(readFileSync(join(dir, 'plane', 'summary.json'), 'utf8'));
    expect(summary.kpis.settlement.siteIntervals).to.deep.include({ interpolated: 0, estimated: 0, missing: 0 });
    expect(summary.kpis.settlement.retailBillingTrueUp).to.deep.equal({ 'power-retail': '0' });
    expect(summary.books.closed).to.equal(true);
  });
});

/**
 * A day-ahead auction that does not clear is reported where a user comparing runs looks, not only as a
 * DAY_AHEAD_FAILED row of events.csv: summary.json `kpis.dayAhead.failedDayCount` / `failedDays`
 * (`{ day, firstInterval, intervals, status, message }`), a `day-ahead` line of the console summary, and
 * summary.csv's `dayAhead.failedDayCount` column (summary.json flattened, as every KPI is).
 *
 * The trigger is real, nothing mocked: test/fixtures/scenarios/day-ahead-phase-shifter.yaml, a 5° phase
 * shifter on a–b of the triangle a–b–c drives (5π/180) / 0.3 p.u. × 1000 kVA = 290.888 kW round the loop
 * whatever is traded, over a–b's 50 kW, with every agent at a: both delivery days' programmes are
 * infeasible. In a run nothing else can make the day-ahead programme infeasible (docs/markets.md, "Day-ahead
 * in a run": every column may be zero and the storage/EV needs are soft, so only the network's own
 * fixed terms — a phase shifter's loop flow, an angle limit that excludes 0° — can).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { gridbidInProcess, REPO_ROOT } from '../helpers/cli.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/scenarios/day-ahead-phase-shifter.yaml');
const LOOP = "branch 'ab' carries 290.888 kW, over its 50 kW limit";

interface Failed {
  readonly day: string;
  readonly firstInterval: string;
  readonly intervals: number;
  readonly status: string;
  readonly message: string;
}

describe('a failed day-ahead auction in a run is reported in summary.json, on the console and in summary.csv', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-da-failed-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a phase shifter\'s 290.888 kW loop flow over a 50 kW limit: both days listed with their day, intervals, status and why; one console line; the same two rows in events.csv', async function () {
    this.timeout(120_000);
    const out = join(dir, 'run');
    const r = await gridbidInProcess(['run', FIXTURE, '--out', out]);
    // Nothing is traded, so the books close: the run succeeds, and the failures must be told, not exit codes.
    expect(r.status, r.stderr).to.equal(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const da = summary.kpis.dayAhead as { buyersPay: string; sellersReceive: string; rent: string; failedDayCount: number; failedDays: Failed[] };
    // The stage is there with its money (none: no positions), not missing as in a real-time-only run.
    expect([da.buyersPay, da.sellersReceive, da.rent]).to.deep.equal(['0', '0', '0']);
    expect(da.failedDayCount).to.equal(2);
    // Local days (site UTC+1, start at local midnight): 24 hourly intervals each, the second from 23:00 UTC.
    expect(da.failedDays.map(({ message: _m, ...f }) => f)).to.deep.equal([
      { day: '2026-07-01', firstInterval: '2026-06-30T23:00:00Z', intervals: 24, status: 'infeasible' },
      { day: '2026-07-02', firstInterval: '2026-07-01T23:00:00Z', intervals: 24, status: 'infeasible' },
    ]);
    for (const f of da.failedDays) {
      expect(f.message).to.match(/^infeasible: the branch limits cannot be met: at the least excess, interval \d+: /);
      expect(f.message).to.contain(LOOP);
      expect(f.message).to.contain('and 21 more intervals');
    }
    // Real time cannot clear either (the same loop flow): its count is the issues line's, not hidden by the new line.
    expect(summary.kpis.clearingProblemCount).to.equal(48);
    expect(r.stdout).to.contain('48 clearing problems');
    expect(r.stdout).to.contain(
      'day-ahead 2 auctions not cleared (2026-07-01 infeasible, 2026-07-02 infeasible): 48 intervals with no day-ahead positions (real time only); why: summary.json kpis.dayAhead.failedDays\n',
    );
    // events.csv: one DAY_AHEAD_FAILED row per auction, with the first interval after its gate, naming the same cause.
    const events = (parse(readFileSync(join(out, 'events.csv')), { columns: true }) as Array<Record<string, string>>).filter((e) => e.type === 'DAY_AHEAD_FAILED');
    expect(events.map((e) => e.interval_start)).to.deep.equal(['2026-06-30T23:00:00Z', '2026-07-01T12:00:00Z']);
    expect(events.map((e) => e.detail)).to.deep.equal(da.failedDays.map((f, i) => `day-ahead auction for intervals ${24 * i}–${24 * i + 23}: infeasible: ${f.message}`));
  });

  it('summary.csv: dayAhead.failedDayCount 2 for the 5° run, empty for the 0° run whose auctions both cleared (its summary.json has no such key)', async function () {
    this.timeout(300_000);
    const out = join(dir, 'batch');
    const r = await gridbidInProcess(['batch', join(REPO_ROOT, 'test/fixtures/sweeps/day-ahead-phase-shifter.yaml'), '--out', out, '--workers', '1', '--no-database']);
    expect(r.status, r.stderr).to.equal(0);
    const rows = parse(readFileSync(join(out, 'summary.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((x) => x['network.branches[ab].phaseShiftDeg'])).to.deep.equal(['0', '5']);
    expect(rows.map((x) => x['dayAhead.failedDayCount'])).to.deep.equal(['', '2']);
    expect(rows.map((x) => x['dayAhead.failedDays'])).to.deep.equal(['', '2']);
    expect(rows.map((x) => x.clearingProblemCount)).to.deep.equal(['0', '48']);
    // The 0° run cleared day-ahead: it traded there (money), and its summary.json is as before (no failure keys).
    expect(Number(rows[0]!['dayAhead.buyersPay'])).to.be.greaterThan(0);
  });
});

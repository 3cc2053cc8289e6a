/**
 * A run's MDMS estimates lost meter reads from like days on the site's wall clock (metering/vee.ts, given the site's
 * zone by engine/simulation.ts through engine/interval/comms.ts). A real run, no mocks: six homes on a flat retail tariff
 * in Amsterdam from Friday 27 March 2026 00:00 to Monday 00:00 local (Sunday the 29th has 23 hours), on a plane whose AMI
 * loses 60 % of the reads without retry. Each home's bill for Sunday (bills.csv, from the MDMS) is recomputed here from
 * agents.csv and messages.csv by VEE's rules with the wall clock read off Intl: a lost read's gap of at most an hour is
 * interpolated; a longer one takes the read at the same wall time on the nearest earlier local day.
 *
 * Precision, worked out: agents.csv gives kW to 3 decimals, so each read rebuilt here is within 0.0005 × 0.25 =
 * 0.000125 kWh of the MDMS's (an interpolated or estimated one too: a weighted mean of such reads), 0.0115 kWh over the
 * day's 92 reads, and bills.csv rounds import_kwh to 0.0005: every bill is within 0.012 kWh of the rebuilt one. The
 * estimate of the instant 24 hours back (17:00 on Saturday's wall for Sunday's 18:00) is farther than 0.024 kWh from it
 * for some home, so a bill made that way fails the bound.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenario } from '../../engine/run.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';

type Row = Record<string, string>;
const STEP = 900_000;
const SCENARIO = `
name: vee-like-day-dst
seed: 3
start: 2026-03-26T23:00:00Z
days: 3
intervalMinutes: 15
site: { latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }
tariffs:
  - { id: flat, type: flat, energyPricePerKwh: 0.25 }
agents:
  - { kind: generator, id: plant, offers: [{ kw: 200, priceMwh: 60 }] }
  - { kind: retailer, id: retail, tariffs: [flat] }
  - { kind: home, idPrefix: home, count: 6, retailer: retail, tariff: flat }
comms:
  classes:
    ami: { lossProbability: 0.6, retry: { maxRetries: 0, backoffMs: 5000 } }
`;

const wallOf = (() => {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return (t: number): { date: string; minute: number } => {
    const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
    return { date: `${p.year}-${p.month}-${p.day}`, minute: Number(p.hour) * 60 + Number(p.minute) };
  };
})();
const daysBefore = (date: string, d: number): string => new Date(Date.parse(`${date}T00:00:00Z`) - d * 86_400_000).toISOString().slice(0, 10);

type LikeDay = (t: number, d: number) => number | undefined;

/** Sunday's import of each home, kWh, by VEE's rules over reads rebuilt from agents.csv (undefined: lost), like days by `likeDay`. */
function sundayImports(times: readonly number[], reads: ReadonlyMap<string, (number | undefined)[]>, likeDay: LikeDay): Map<string, number> {
  const index = new Map(times.map((t, k) => [t, k]));
  const out = new Map<string, number>();
  for (const [home, r] of reads) {
    let sum = 0;
    for (let k = 0; k < times.length; k++) {
      if (wallOf(times[k]!).date !== '2026-03-29') continue;
      let v = r[k];
      if (v === undefined) {
        let b = k - 1;
        while (b >= 0 && r[b] === undefined) b--;
        let a = k + 1;
        while (a < r.length && r[a] === undefined) a++;
        if (b >= 0 && a < r.length && a - b - 1 <= 4) v = r[b]! + (r[a]! - r[b]!) * ((k - b) / (a - b));
        else {
          for (let d = 1; d <= 7 && v === undefined; d++) {
            const u = likeDay(times[k]!, d);
            const j = u === undefined ? undefined : index.get(u);
            if (j !== undefined) v = r[j];
          }
        }
      }
      sum += v ?? 0;
    }
    out.set(home, sum);
  }
  return out;
}

describe('a run’s MDMS fills lost reads from like days on the wall clock (Amsterdam, spring change)', function () {
  this.timeout(120_000);
  let bills: Row[];
  let wall: Map<string, number>;
  let grid: Map<string, number>;
  let estimated: number;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-vee-dst-'));
    try {
      const file = join(dir, 'scenario.yaml');
      writeFileSync(file, SCENARIO);
      const out = join(dir, 'out');
      await runScenario(loadScenarioFile(file), { outDir: out });
      const csv = (f: string): Row[] => parse(readFileSync(join(out, f), 'utf8'), { columns: true });
      bills = csv('bills.csv');
      estimated = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).kpis.comms.billedIntervalsEstimated;
      const agents = csv('agents.csv').filter((r) => r.kind === 'home');
      const times = [...new Set(agents.map((r) => Date.parse(r.interval_start!)))].sort((a, b) => a - b);
      // A read is lost where messages.csv has its meter-read lost; it is sent at its interval's end.
      const lost = new Set(csv('messages.csv').filter((m) => m.type === 'meter-read' && m.status === 'lost').map((m) => `${m.from}@${Date.parse(m.sent_at!) - STEP}`));
      const reads = new Map<string, (number | undefined)[]>();
      for (const r of agents) {
        const t = Date.parse(r.interval_start!);
        const row = reads.get(r.agent_id!) ?? reads.set(r.agent_id!, new Array(times.length).fill(undefined)).get(r.agent_id!)!;
        row[times.indexOf(t)] = lost.has(`meter:${r.agent_id}@${t}`) ? undefined : Math.max(Number(r.actual_kw), 0) * 0.25;
      }
      // The like day on the wall: the same wall time d local days earlier, its first occurrence; 02:xx on the 29th (skipped): 03:xx.
      const firstAt = new Map<string, number>();
      for (const t of times) {
        const w = wallOf(t);
        if (!firstAt.has(`${w.date} ${w.minute}`)) firstAt.set(`${w.date} ${w.minute}`, t);
      }
      const onWall: LikeDay = (t, d) => {
        const w = wallOf(t);
        const date = daysBefore(w.date, d);
        const minute = date === '2026-03-29' && w.minute >= 120 && w.minute < 180 ? w.minute + 60 : w.minute;
        return firstAt.get(`${date} ${minute}`);
      };
      wall = sundayImports(times, reads, onWall);
      grid = sundayImports(times, reads, (t, d) => t - d * 86_400_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the run estimated billed intervals (lost reads with no read within the hour)', () => {
    expect(estimated).to.be.greaterThan(20);
  });

  it('every home’s Sunday bill is within 0.012 kWh of the import rebuilt with like days on the wall clock', () => {
    const sunday = bills.filter((b) => b.day === '2026-03-29');
    expect(sunday.map((b) => b.agent_id).sort()).to.deep.equal([...wall.keys()].sort());
    for (const b of sunday) expect(Number(b.import_kwh), b.agent_id).to.be.closeTo(wall.get(b.agent_id!)!, 0.012);
  });

  it('the 24-hour grid’s like days would bill some home’s Sunday more than 0.024 kWh differently (the case tells the rules apart)', () => {
    const apart = [...wall.keys()].map((h) => Math.abs(wall.get(h)! - grid.get(h)!));
    expect(Math.max(...apart)).to.be.greaterThan(0.024);
  });
});

/**
 * The fuzzer's span and bill oracles (test/fuzz/billChecks.ts, audit A-fuzz3) on a real run: they hold on the engine's
 * files, and each catches a bill or a row changed by one cent, one Wh or one interval (so none of them cannot fail).
 * The run: Amsterdam across the autumn change (a 25-hour local day, 25 October 2026), 20-minute intervals from local
 * midnight, homes with PV on four tariffs with fixed charges and export rules, a critical-peak event on the change day.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import { runScenario } from '../../engine/run.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { checkBillArithmetic, checkBillDays, checkCriticalPeakEnergy, checkRealTimeEnergy, checkRetailerBooks, checkRunSpan } from './billChecks.ts';
import { readRun, type RunFiles } from './check.ts';

const YAML = `name: bill-oracles
seed: 5
start: 2026-10-24T22:00:00Z
days: 2
intervalMinutes: 20
site: { latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }
tariffs:
  - { id: flat, type: flat, energyPricePerKwh: 0.25, fixedChargePerDay: 0.4, export: { type: net-billing, exportPricePerKwh: 0.05 } }
  - { id: nem, type: flat, energyPricePerKwh: 0.3, fixedChargePerDay: 1.1, export: { type: net-metering, netExportCreditPerKwh: 0.02 } }
  - { id: rtp, type: real-time, adderPerKwh: 0.05, floorPerKwh: 0, fixedChargePerDay: 0.25 }
  - id: cpp
    type: critical-peak
    hours: local
    energy: { type: flat, energyPricePerKwh: 0.2 }
    eventWindow: { fromHour: 16, toHour: 20 }
    eventPricePerKwh: 1.2
    noticeHours: 4
    events: [{ id: e1, date: 2026-10-25 }]
agents:
  - { kind: generator, id: plant, offers: [{ kw: 200, priceMwh: 60 }] }
  - { kind: retailer, id: retail, tariffs: [flat, nem, rtp, cpp] }
  - { kind: home, idPrefix: a, count: 2, retailer: retail, tariff: flat, pv: { share: 1, capacityKw: { min: 4, max: 6 } } }
  - { kind: home, idPrefix: b, count: 2, retailer: retail, tariff: nem, pv: { share: 1, capacityKw: { min: 4, max: 6 } } }
  - { kind: home, idPrefix: c, count: 2, retailer: retail, tariff: rtp }
  - { kind: home, idPrefix: d, count: 2, retailer: retail, tariff: cpp }
`;

describe('fuzz span and bill oracles (test/fuzz/billChecks.ts)', () => {
  let dir: string;
  let run: RunFiles;
  const scenario = parseScenario(YAML, 'bill-oracles.yaml');
  const config = scenario.config;
  const copy = (): RunFiles => ({ summary: structuredClone(run.summary), agents: run.agents.map((r) => ({ ...r })), bills: run.bills.map((b) => ({ ...b })) });
  const cent = (x: string, by: string) => new Decimal(x).plus(by).toFixed();

  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-billchecks-'));
    await runScenario(scenario, { outDir: dir });
    run = readRun(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("holds on the engine's run: 49 hours of 20-minute intervals (147, the 25-hour change day included), a bill per home and local day, every part as the tariffs say", () => {
    const seen = new Set<string>();
    expect(run.summary.intervals).to.equal(147);
    expect(checkRunSpan(dir, run, config)).to.deep.equal([]);
    expect(checkBillDays(run, config)).to.deep.equal([]);
    expect(checkBillArithmetic(run, config, seen)).to.deep.equal([]);
    expect(checkRealTimeEnergy(dir, run, config, seen)).to.deep.equal([]);
    expect(checkCriticalPeakEnergy(run, config, seen)).to.deep.equal([]);
    expect(checkRetailerBooks(run)).to.deep.equal([]);
    expect([...seen].sort()).to.deep.equal(['oracle:cpp-event-energy', 'oracle:export-credit', 'oracle:fixed-charge', 'oracle:net-metering', 'oracle:rtp-energy']);
    // The change day is one whole day's fixed charge (25 h), so each home's two days pay two: 0.4 × 2 under flat.
    const a1 = run.bills.filter((b) => b.agent_id === 'a-1');
    expect(a1.map((b) => b.day)).to.deep.equal(['2026-10-25', '2026-10-26']);
    expect(a1.map((b) => b.fixed_charge)).to.deep.equal(['0.4', '0.4']);
  });

  it('catches a total one cent off, a fixed charge, an export credit and an energy charge changed, a bill missing or doubled', () => {
    const t = copy();
    t.bills[0]!.total = cent(t.bills[0]!.total!, '0.01');
    expect(checkBillArithmetic(t, config).join()).to.match(/total .* ≠ round_cent/);
    const f = copy();
    f.bills.find((b) => b.tariff === 'flat')!.fixed_charge = '0.39';
    expect(checkBillArithmetic(f, config).join()).to.match(/fixed_charge 0.39 ≠/);
    const x = copy();
    const exporter = x.bills.find((b) => b.tariff === 'flat' && Number(b.export_kwh) > 0)!;
    exporter.export_credit = cent(exporter.export_credit!, '0.001');
    expect(checkBillArithmetic(x, config).join()).to.match(/net-billing\): export_credit/);
    const n = copy();
    const netter = n.bills.find((b) => b.tariff === 'nem' && Number(b.export_kwh) > 0)!;
    netter.export_credit = cent(netter.export_credit!, '0.001');
    expect(checkBillArithmetic(n, config).join()).to.match(/net-metering\): export_credit/);
    const r = copy();
    const rtp = r.bills.find((b) => b.tariff === 'rtp')!;
    rtp.energy_charge = cent(rtp.energy_charge!, '0.0001');
    expect(checkRealTimeEnergy(dir, r, config).join()).to.match(/energy_charge .* clamp/);
    const c = copy();
    const cpp = c.bills.find((b) => b.tariff === 'cpp' && b.day === '2026-10-25')!;
    cpp.energy_charge = cent(cpp.energy_charge!, '0.0001');
    expect(checkCriticalPeakEnergy(c, config).join()).to.match(/energy_charge .* event price/);
    const missing = copy();
    missing.bills.splice(0, 1);
    expect(checkBillDays(missing, config).join()).to.match(/no bill for it/);
    const doubled = copy();
    doubled.bills.push({ ...doubled.bills[0]! });
    expect(checkBillDays(doubled, config).join()).to.match(/has 2 bills/);
  });

  it("catches a retailer's cost that is not its market and imbalance cost, and a row outside the run", () => {
    const b = copy();
    b.agents.find((r) => r.agent_id === 'retail')!.cost = '1';
    expect(checkRetailerBooks(b).join()).to.match(/Σ agents.csv cost/);
    const outside = mkdtempSync(join(tmpdir(), 'gridbid-billchecks-out-'));
    try {
      for (const f of ['intervals.csv']) {
        const text = readFileSync(join(dir, f), 'utf8');
        const first = text.split('\n')[1]!;
        // One row an interval after the end (2026-10-26T23:00:00Z: the end is local midnight of the 27th).
        writeFileSync(join(outside, f), `${text}${first.replace(/^[^,]+/, '2026-10-26T23:00:00Z')}\n`);
      }
      expect(checkRunSpan(outside, run, config).join()).to.match(/intervals.csv: a row at 2026-10-26T23:00:00Z, outside the run/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

/**
 * A scenario on a LinDistFlow feeder (`network.model: lindistflow`), end to end:
 * the market keeps the far end's voltage at its limit and prices it in the DLMP's
 * voltage part; voltages.csv, the feeder KPIs and the report's charts come out; a
 * meshed network under lindistflow is a located validation error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenarioFile } from '../../engine/run.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const FILE = join(REPO_ROOT, 'test/fixtures/scenarios/feeder-lindistflow.yaml');

describe('a scenario on a LinDistFlow feeder (test/fixtures/scenarios/feeder-lindistflow.yaml)', () => {
  let dir: string;
  let volts: Row[];
  let intervals: Row[];
  let kpis: Record<string, unknown>;
  let books: { closed: boolean; violations: unknown[] };
  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'gridbid-ldf-'));
    const r = await runScenarioFile(FILE, { outDir: dir });
    kpis = (r.summary as { kpis: Record<string, unknown> }).kpis;
    books = (r.summary as unknown as { books: typeof books }).books;
    volts = parse(readFileSync(join(dir, 'voltages.csv')), { columns: true }) as Row[];
    intervals = parse(readFileSync(join(dir, 'intervals.csv')), { columns: true }) as Row[];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes voltages.csv: one row per interval and bus, the contract columns first', () => {
    expect(readFileSync(join(dir, 'voltages.csv'), 'utf8').split('\n')[0]).to.equal('interval_start,bus,vm_lindistflow,vm_ac,net_kw,net_kvar,price,dlmp_energy,dlmp_congestion,dlmp_voltage,reactive_price,inverter_kvar,vm_metered,metered_kw');
    expect(volts).to.have.length(96 * 3);
  });

  it('keeps the LinDistFlow voltage within 0.95–1.05 p.u., the limit binding at the far end in the evening', () => {
    for (const v of volts) expect(Number(v.vm_lindistflow), `${v.bus} ${v.interval_start}`).to.be.within(0.95 - 2e-6, 1.05);
    const bound = volts.filter((v) => v.bus === 'end' && Number(v.vm_lindistflow) < 0.950001);
    expect(bound.length).to.be.greaterThan(4);
    for (const v of bound) expect(v.interval_start!.slice(11, 13), 'evening').to.match(/^(1[5-9]|2[0-3])$/);
  });

  it('splits every DLMP into energy + congestion + voltage (to the price tick), the voltage part paying the far end', () => {
    for (const v of volts) {
      const sum = Number(v.dlmp_energy) + Number(v.dlmp_congestion) + Number(v.dlmp_voltage);
      expect(sum, `${v.bus} ${v.interval_start}`).to.be.closeTo(Number(v.price), 0.005 + 1e-4);
      expect(Number(v.dlmp_energy)).to.equal(Number(volts.find((g) => g.bus === 'grid' && g.interval_start === v.interval_start)!.price));
    }
    const evening = volts.filter((v) => v.bus === 'end' && Number(v.dlmp_voltage) > 0);
    expect(evening.length).to.be.greaterThan(4);
    // The local CHP (140 /MWh) sets the far end's price while the voltage binds; the grid stays at 45.
    expect(evening.some((v) => v.price === '140.00' && v.dlmp_voltage === '95.0000')).to.equal(true);
    // intervals.csv carries the same prices.
    const end1630 = intervals.find((r) => r.bus === 'end' && r.interval_start === '2026-01-14T16:30:00Z')!;
    expect(end1630.price).to.equal(volts.find((v) => v.bus === 'end' && v.interval_start === '2026-01-14T16:30:00Z')!.price);
  });

  it('draws the homes’ reactive power at power factor 0.95 (tan φ = 0.3287)', () => {
    const end = volts.find((v) => v.bus === 'end' && Number(v.net_kw) > 0 && v.interval_start === '2026-01-14T03:00:00Z')!;
    // At 03:00 the CHP is off: the withdrawal is the homes' alone.
    expect(Number(end.net_kvar) / Number(end.net_kw)).to.be.closeTo(Math.tan(Math.acos(0.95)), 2e-4);
  });

  it('reports the worst AC voltage, the losses, the largest LinDistFlow error and the limits the linear model missed', () => {
    const f = kpis.feeder as { worstVoltagePu: { value: number; bus: string }; lossesKwh: number; maxLinDistFlowErrorPu: { value: number }; acVoltageViolationIntervals: number; acSweepsNotConverged: number };
    const acMin = Math.min(...volts.map((v) => Number(v.vm_ac)));
    expect(f.worstVoltagePu.value).to.be.closeTo(acMin, 1e-6);
    expect(f.worstVoltagePu.bus).to.equal('end');
    // LinDistFlow ignores losses: where it holds 0.95, the AC voltage is a little lower, so these intervals are reported.
    expect(f.worstVoltagePu.value).to.be.below(0.95);
    expect(f.acVoltageViolationIntervals).to.equal(volts.filter((v) => v.bus !== 'grid' && Number(v.vm_ac) < 0.95 - 1e-9).length);
    const maxErr = Math.max(...volts.map((v) => Math.abs(Number(v.vm_lindistflow) - Number(v.vm_ac))));
    expect(f.maxLinDistFlowErrorPu.value).to.be.closeTo(maxErr, 2e-6);
    expect(f.lossesKwh).to.be.greaterThan(0);
    expect(f.acSweepsNotConverged).to.equal(0);
    expect(books.violations).to.deep.equal([]);
    expect(books.closed).to.equal(true);
    expect(kpis.clearingProblems).to.deep.equal([]);
  });

  it('draws the voltage profile and the DLMP parts in report.html', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).to.include('Voltage by bus (AC power flow at the cleared dispatch)');
    expect(html).to.include('DLMP and its parts');
  });

  it('refuses a meshed network under lindistflow, and a branch without impedance, with the file, line and path', () => {
    const text = readFileSync(FILE, 'utf8');
    const meshed = text.replace('    - { id: l2, from: mid, to: end,', '    - { id: l3, from: grid, to: end, resistancePu: 0.1, reactancePu: 0.05 }\n    - { id: l2, from: mid, to: end,');
    expect(() => parseScenario(meshed, 'meshed.yaml')).to.throw(/meshed\.yaml:\d+:\d+ network\.branches\[\d\]: branch '\w+': the in-service branches form a loop \('\w+' – '\w+' – '\w+' – '\w+', closed by branch '\w+'\): network model lindistflow needs a radial feeder/);
    const zero = text.replace('{ id: l1, from: grid, to: mid, resistancePu: 0.06, reactancePu: 0.03,', '{ id: l1, from: grid, to: mid, resistancePu: 0, reactancePu: 0,');
    expect(() => parseScenario(zero, 'zero.yaml')).to.throw(/zero\.yaml:\d+:\d+ network\.branches\[0\]\.reactancePu: branch 'l1': r = x = 0: the branch has no impedance/);
    const band = text.replace('voltageLimitsPu: { min: 0.95, max: 1.05 }', 'voltageLimitsPu: { min: 1.06, max: 1.05 }');
    expect(() => parseScenario(band, 'band.yaml')).to.throw(/band\.yaml:\d+:\d+ network\.feeder\.voltageLimitsPu: network: vmin 1\.06 p\.u\. is above vmax 1\.05 p\.u\./);
  });
});

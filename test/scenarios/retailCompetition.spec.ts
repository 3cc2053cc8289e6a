/**
 * scenarios/retail-competition.yaml through the real `gridbid` executable: 170 customers start with
 * an incumbent's flat tariff and re-choose daily among three retailers' tariffs
 * (`tariffChoice.among: every-retailer`). Checked from the outputs: the README's figures (each
 * retailer's customers day by day), every customer some retailer's each day, each interval of a
 * customer routed (agents.csv `via`) to the retailer whose tariff bills it that day, and each
 * retailer's revenue and accrued energy charges (less export credits) equal to the bills issued under its tariff.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { flattenKpis } from '../../batch/summary.ts';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';

type Row = Record<string, string>;
const RETAILER_OF = new Map([['flat', 'incumbent'], ['tou', 'time-of-use-co'], ['rtp', 'dynamic-co']]);

describe('scenarios/retail-competition.yaml: customers change retailer over a week', function () {
  this.timeout(180_000);
  let dir: string;
  let summary: { books: { closed: boolean }; kpis: { retail: Record<string, unknown>; retailers: Record<string, { revenue: string; revenueAccruedEnergy: string }> } };
  let bills: Row[];
  let agents: Row[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbid-retail-competition-'));
    const r = gridbid(['run', join(REPO_ROOT, 'scenarios', 'retail-competition.yaml'), '--out', dir]);
    expect(r.status, r.stderr).to.equal(0);
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    bills = parse(readFileSync(join(dir, 'bills.csv')), { columns: true });
    agents = parse(readFileSync(join(dir, 'agents.csv')), { columns: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("gives the README's customers per retailer and day: the incumbent keeps 27 of 170 by Sunday, the real-time challenger peaks at 116 on Saturday, and time-of-use (no peak period at weekends) takes 37 on Sunday", () => {
    expect(summary.books.closed).to.equal(true);
    // Billing days are local days (UTC+2): the 168 hours from 00:00 UTC (02:00 local) on Monday 13 July are Monday from
    // 02:00, Tuesday to Sunday, and the first two hours of Monday 20 July: eight billing days.
    expect(summary.kpis.retail.customersByRetailer).to.deep.equal({
      'dynamic-co': [0, 39, 75, 92, 108, 116, 106, 88],
      incumbent: [170, 129, 92, 73, 55, 44, 27, 20],
      'time-of-use-co': [0, 2, 3, 5, 7, 10, 37, 62],
    });
    expect(summary.kpis.retail.retailerSwitches).to.equal(206);
    // The last day's shares as figures of their own: a batch's summary.csv writes the lists above as their length.
    expect(summary.kpis.retail.customersOnLastDay).to.deep.equal({ 'dynamic-co': 88, incumbent: 20, 'time-of-use-co': 62 });
    expect(flattenKpis(summary.kpis).filter(([k]) => k.startsWith('retail.customersOnLastDay.'))).to.deep.equal([
      ['retail.customersOnLastDay.dynamic-co', '88'],
      ['retail.customersOnLastDay.incumbent', '20'],
      ['retail.customersOnLastDay.time-of-use-co', '62'],
    ]);
  });

  it('routes every interval of a customer to the retailer whose tariff bills it that day', () => {
    const tariffOn = new Map(bills.map((b) => [`${b.day}|${b.agent_id}`, b.tariff!]));
    let checked = 0;
    for (const r of agents) {
      if (r.via === '') continue;
      // Billed on the local date (UTC+2) the interval starts on.
      const localDate = new Date(Date.parse(r.interval_start!) + 2 * 3_600_000).toISOString().slice(0, 10);
      expect(r.via, `${r.interval_start} ${r.agent_id}`).to.equal(RETAILER_OF.get(tariffOn.get(`${localDate}|${r.agent_id}`)!));
      checked++;
    }
    expect(checked).to.equal(170 * 7 * 96);
  });

  it("credits each retailer with exactly the bills issued under its tariff, interval by interval (energy charges) and by the day's bills", () => {
    for (const retailer of new Set(RETAILER_OF.values())) {
      const own = bills.filter((b) => RETAILER_OF.get(b.tariff!) === retailer);
      const sum = (column: string) => own.reduce((a, b) => a.plus(b[column]!), new Decimal(0));
      expect(new Decimal(summary.kpis.retailers[retailer]!.revenue).eq(sum('total')), retailer).to.equal(true);
      // Accrued from the meters: energy charges less the PV homes' export credits (bills.csv writes them negative).
      expect(new Decimal(summary.kpis.retailers[retailer]!.revenueAccruedEnergy).eq(sum('energy_charge').plus(sum('export_credit'))), retailer).to.equal(true);
    }
  });
});

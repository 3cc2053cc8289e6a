/**
 * Retail bills from the MDMS (issue 17 item 3): on a communication plane, bills.csv is
 * computed at run end from the MDMS's validated reads (VEE), not from the meter phase's
 * figures. Real runs of the retail fixture (one day), no mocks: with every read intact the
 * bills equal those of `comms: ideal`; a tampered read is rejected and its interval billed
 * on the VEE interpolation, checked by hand from the neighbouring reads.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { runScenario } from '../../engine/run.ts';
import { loadScenarioFile } from '../../engine/scenario/load.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/retail-and-aggregation.yaml');
type Row = Record<string, string>;

interface Out {
  summary: { kpis: Record<string, any>; books: { closed: boolean } };
  bills: string;
  billRows: Row[];
  agents: Row[];
  messages: Row[];
}

const PLANE = `
comms:
  classes:
    demand-response: { latency: { distribution: fixed, ms: 100 }, lossProbability: 0 }
    ami: { lossProbability: 0 }
`;

/** The fixture over one day, with `extra` YAML appended (a plane, faults). */
async function run(extra: string): Promise<Out> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-mdms-bills-'));
  try {
    const yaml = readFileSync(FIXTURE, 'utf8').replace(/^days: 2$/m, 'days: 1') + extra;
    const file = join(dir, 'scenario.yaml');
    writeFileSync(file, yaml);
    const out = join(dir, 'out');
    await runScenario(loadScenarioFile(file), { outDir: out });
    const text = (f: string): string => readFileSync(join(out, f), 'utf8');
    const csv = (f: string): Row[] => parse(text(f), { columns: true });
    return {
      summary: JSON.parse(text('summary.json')),
      bills: text('bills.csv'),
      billRows: csv('bills.csv'),
      agents: csv('agents.csv'),
      messages: extra.includes('comms:') ? csv('messages.csv') : [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('retail bills from MDMS reads (fixtures/scenarios/retail-and-aggregation.yaml, one day)', function () {
  this.timeout(180_000);
  const TAMPERED = 'tou-home-3';
  let ideal: Out;
  let intact: Out;
  let tampered: Out;
  before(async () => {
    ideal = await run('');
    intact = await run(PLANE);
    tampered = await run(`${PLANE}\nfaults:\n  - { type: tampered-read, agent: ${TAMPERED}, at: 2026-07-01T17:00:00Z }\n`);
  });

  it('with every read intact, bills.csv is byte-identical to the run without a plane; no billed interval estimated', () => {
    // 30 retail customers × 2 billing days: the day from 00:00Z is 02:00 local (UTC+2), so its billing days are the local
    // days 1 July (02:00–24:00 local) and 2 July (00:00–02:00 local) (engine/billingDays.ts).
    expect(intact.billRows.length).to.equal(60);
    expect([...new Set(intact.billRows.map((b) => b.day))]).to.deep.equal(['2026-07-01', '2026-07-02']);
    expect(intact.bills).to.equal(ideal.bills);
    expect(intact.summary.kpis.comms.billedIntervalsEstimated).to.equal(0);
    expect(intact.summary.kpis.comms.billedIntervalsMissing).to.equal(0);
    expect(intact.summary.kpis.comms.meterReadsStored).to.be.greaterThan(30 * 96);
    expect(ideal.summary.kpis.comms).to.equal(undefined);
    // Without a plane there is no final settlement either; with intact reads it adjusts nothing and closes.
    expect(ideal.summary.kpis.settlement).to.equal(undefined);
    expect(intact.summary.kpis.settlement).to.deep.include({ closed: true, sitesAdjusted: 0, imbalanceAdjustmentPaid: '0', reconciliation: { owner: 'market', unaccountedKwh: '0', received: '0' } });
  });

  it('a tampered read is rejected and its interval billed on the VEE interpolation of its neighbours (by hand)', () => {
    const rejected = tampered.messages.filter((m) => m.status === 'rejected-mac');
    expect(rejected.map((m) => m.from)).to.deep.equal([`meter:${TAMPERED}`]);
    // The run is physically the same as without the plane: only the bill of the tampered meter differs.
    const actualKw = (agents: Row[], at: string): number => Number(agents.find((r) => r.agent_id === TAMPERED && r.interval_start!.startsWith(at))!.actual_kw);
    for (const at of ['2026-07-01T16:45', '2026-07-01T17:00', '2026-07-01T17:15']) expect(actualKw(tampered.agents, at)).to.equal(actualKw(ideal.agents, at));
    const kwh = (kw: number): { imp: number; exp: number } => ({ imp: Math.max(kw, 0) * 0.25, exp: Math.max(-kw, 0) * 0.25 });
    const before = kwh(actualKw(ideal.agents, '2026-07-01T16:45'));
    const own = kwh(actualKw(ideal.agents, '2026-07-01T17:00'));
    const after = kwh(actualKw(ideal.agents, '2026-07-01T17:15'));
    // A one-interval gap between two actual reads: linear interpolation at w = 1/2.
    const estimate = { imp: (before.imp + after.imp) / 2, exp: (before.exp + after.exp) / 2 };
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    const dImp = r3(estimate.imp) - r3(own.imp);
    expect(Math.abs(dImp), 'the fixture should make the estimate differ from the metered value').to.be.greaterThan(0.001);
    // The bill of 1 July (local), which holds 17:00Z.
    const billOf = (o: Out, id: string, day = '2026-07-01'): Row => o.billRows.find((b) => b.agent_id === id && b.day === day)!;
    const mdmsBill = billOf(tampered, TAMPERED);
    const meterBill = billOf(ideal, TAMPERED);
    expect(mdmsBill.tariff).to.equal('tou');
    expect(Number(mdmsBill.import_kwh)).to.be.closeTo(Number(meterBill.import_kwh) + dImp, 1e-9);
    // 17:00 UTC is peak on `tou` (peak 15–19 UTC): 0.35/kWh.
    expect(Number(mdmsBill.energy_charge)).to.be.closeTo(Number(meterBill.energy_charge) + 0.35 * dImp, 1e-9);
    expect(mdmsBill.total).to.equal((Number(mdmsBill.energy_charge) + Number(mdmsBill.fixed_charge)).toFixed(2));
    // Everyone else's bill is unchanged.
    for (const b of tampered.billRows) if (b.agent_id !== TAMPERED || b.day !== '2026-07-01') expect(b).to.deep.equal(billOf(ideal, b.agent_id!, b.day));
  });

  it('the retailer’s interval-by-interval charges stay the meter phase’s; the bill’s difference is reported as its billing true-up (docs/comms.md)', () => {
    const retailer = (o: Out) => o.summary.kpis.retailers['power-retail'];
    // cost_extra accrues per interval from the meter phase: the same with a tampered read as without a plane.
    expect(retailer(tampered).revenueAccruedEnergy).to.equal(retailer(ideal).revenueAccruedEnergy);
    // The bills (the revenue) carry the estimate: their difference is exactly the true-up, one tampered customer's day.
    const billOf = (o: Out): number => Number(o.billRows.find((b) => b.agent_id === TAMPERED && b.day === '2026-07-01')!.total);
    const trueUp = Number(tampered.summary.kpis.settlement.retailBillingTrueUp['power-retail']);
    expect(trueUp).to.be.closeTo(billOf(tampered) - billOf(ideal), 1e-9);
    expect(trueUp, 'the fixture’s estimate should move the bill by at least a cent').to.not.equal(0);
    expect(Number(retailer(tampered).revenue) - Number(retailer(ideal).revenue)).to.be.closeTo(trueUp, 1e-9);
    expect(intact.summary.kpis.settlement.retailBillingTrueUp).to.deep.equal({ 'power-retail': '0' });
  });

  it('the summary counts the billed interval filled by VEE', () => {
    const c = tampered.summary.kpis.comms;
    expect(c.meterReadsRejected).to.deep.equal({ tampered: 1 });
    expect(c.billedIntervalsEstimated).to.equal(1);
    expect(c.billedIntervalsMissing).to.equal(0);
    expect(tampered.summary.books.closed).to.equal(true);
  });
});

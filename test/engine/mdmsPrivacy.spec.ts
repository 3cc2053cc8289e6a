/**
 * Privacy of meter data in a real run (issue 17 item 4) and the final settlement it feeds:
 * the retail-and-aggregation fixture over one day on a communication plane, with one
 * tampered read (rejected by the MDMS, its interval interpolated). Every run-end read of
 * the engine went through metering/privacy.ts; the run hands back the access it used
 * (`settlement.access`), and here each party asks it for what it may and may not see.
 * With `comms: ideal` no final settlement exists at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseScenario } from '../../engine/scenario/load.ts';
import { Simulation } from '../../engine/simulation.ts';
import type { MdmsRunEnd } from '../../engine/interval/outcome.ts';
import type { Party } from '../../engine/interval/participants.ts';
import type { SettlementViews } from '../../engine/settlementRun.ts';
import { type AggregateView, type MeterDataAccess, type OwnCustomersView } from '../../metering/privacy.ts';
import { privacyVerdict } from '../helpers/privacyVerdict.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/scenarios/retail-and-aggregation.yaml');
const TAMPERED = 'tou-home-3';
const PLANE = `
comms:
  classes:
    demand-response: { latency: { distribution: fixed, ms: 100 }, lossProbability: 0 }
    ami: { lossProbability: 0 }
faults:
  - { type: tampered-read, agent: ${TAMPERED}, at: 2026-07-01T12:00:00Z }
`;

async function run(extra: string): Promise<{ parties: readonly Party[]; end: MdmsRunEnd | undefined; actualKw: Map<string, number[]>; imbalanceMwh: Map<string, number[]> }> {
  const yaml = readFileSync(FIXTURE, 'utf8').replace(/^days: 2$/m, 'days: 1') + extra;
  const sim = await Simulation.create(parseScenario(yaml, 'retail-and-aggregation.yaml'));
  let end: MdmsRunEnd | undefined;
  const actualKw = new Map<string, number[]>();
  const imbalanceMwh = new Map<string, number[]>();
  sim.run({
    interval(o) {
      o.parties.forEach((p, i) => {
        (actualKw.get(p.id) ?? actualKw.set(p.id, []).get(p.id)!).push(o.ledger.actualQuanta[i]! * o.book.rules.quantumKw);
        (imbalanceMwh.get(p.id) ?? imbalanceMwh.set(p.id, []).get(p.id)!).push(o.ledger.imbalancePriceMwh[i]!);
      });
    },
    completed(e) {
      end = e.settlement;
    },
  });
  return { parties: sim.parties, end, actualKw, imbalanceMwh };
}

const reason = privacyVerdict;

// Compile-time privacy (tsc --noEmit fails if any of these type-checks).
export function typeChecks(third: AggregateView, own: OwnCustomersView): void {
  // @ts-expect-error a third party's view has no per-customer reads
  third.customerSeries('tou-home-1', 0, 1);
  // @ts-expect-error and the final settlement cannot be handed one where it reads customers one by one
  const views: SettlementViews = { settlerOf: () => third, operator: () => own };
  void views;
  // @ts-expect-error an aggregate is not a customer's series
  const s: ReturnType<OwnCustomersView['customerSeries']> = third.aggregate(['a'], 0, 1);
  void s;
}

describe('meter data privacy in a real run (retail-and-aggregation fixture, one day, on a plane)', function () {
  this.timeout(180_000);
  let world: Awaited<ReturnType<typeof run>>;
  let access: MeterDataAccess;
  const T0 = Date.parse('2026-07-01T00:00:00Z');
  const T1 = T0 + 86_400_000;
  const via = (v: string) => world.parties.filter((p) => p.role === 'agent' && p.via === v).map((p) => p.id as string);
  before(async () => {
    world = await run(PLANE);
    access = world.end!.access;
  });

  it("a retailer reads its own customers one by one, and nobody else's", () => {
    const customers = via('power-retail');
    expect(customers).to.have.length(30);
    const retailer = access.viewFor('power-retail');
    if (retailer.access !== 'own-customers') throw new Error('power-retail has customers');
    expect([...retailer.customers].sort()).to.deep.equal([...customers].sort());
    expect(retailer.customerSeries(TAMPERED, T0, T1).intervals).to.have.length(96);
    const member = via('flexco')[0]!;
    expect(reason(() => retailer.customerSeries(member, T0, T1))).to.equal('not-own-customer');
    expect(reason(() => retailer.customerSeries('plant', T0, T1))).to.equal('not-own-customer');
  });

  it('an aggregator reads its members; the market reads the sites trading themselves, not the customers', () => {
    const flexco = access.viewFor('flexco');
    if (flexco.access !== 'own-customers') throw new Error('flexco has members');
    expect([...flexco.customers].sort()).to.deep.equal(via('flexco').sort());
    expect(reason(() => flexco.customerSeries(TAMPERED, T0, T1))).to.equal('not-own-customer');
    const market = access.viewFor('market');
    if (market.access !== 'own-customers') throw new Error('the market settles the sites trading themselves');
    expect([...market.customers].sort()).to.deep.equal(via('').sort());
    expect(reason(() => market.customerSeries(TAMPERED, T0, T1))).to.equal('not-own-customer');
  });

  it('anyone else gets aggregates of at least 15 customers and nothing finer, at run time too', () => {
    const researcher = access.viewFor('researcher');
    expect(researcher.access).to.equal('aggregate-only');
    // No per-customer method exists on the object, whatever a cast claims.
    expect('customerSeries' in researcher).to.equal(false);
    expect((researcher as unknown as Record<string, unknown>).customerSeries).to.equal(undefined);
    const customers = via('power-retail');
    expect(reason(() => researcher.aggregate(customers.slice(0, 14), T0, T1))).to.equal('too-few-customers');
    const a = researcher.aggregate(customers.slice(0, 15), T0, T1);
    expect(a.customerCount).to.equal(15);
    // The aggregate is the sum of what the retailer reads one by one.
    const retailer = access.viewFor('power-retail') as OwnCustomersView;
    const sum = customers.slice(0, 15).reduce((s, c) => s + retailer.customerSeries(c, T0, T1).intervals.reduce((x, v) => x + (v.importKwh ?? 0), 0), 0);
    expect(a.intervals.reduce((x, v) => x + v.importKwh, 0)).to.be.closeTo(sum, 1e-9);
    // A DSO that commanded nobody here has no customer entitling it to more.
    expect(access.viewFor('dso').access).to.equal('aggregate-only');
  });

  it('the final settlement re-settles the tampered interval on the interpolation; the reconciliation account holds the difference', () => {
    const f = world.end!.final;
    expect(f.sites.map((s) => world.parties[s.party]!.id)).to.deep.equal([TAMPERED]);
    const s = f.sites[0]!;
    const k = 48; // 12:00 on a 15-minute grid
    expect(s.interval).to.equal(k);
    expect(s.quality).to.equal('interpolated');
    const kw = world.actualKw.get(TAMPERED)!;
    expect(s.physicalKwh).to.equal(kw[k]! * 0.25);
    // Linear interpolation at w = ½ between 11:45 and 12:15 (a customer imports only here).
    expect(s.settledKwh).to.be.closeTo(((kw[k - 1]! + kw[k + 1]!) / 2) * 0.25, 1e-12);
    const delta = Number(s.settledKwh.toFixed(6)) - Number(s.physicalKwh.toFixed(6));
    expect(s.deltaKwh.toNumber()).to.be.closeTo(delta, 1e-12);
    expect(s.priceMwh).to.equal(world.imbalanceMwh.get(TAMPERED)![k]);
    // The customer pays through its bill; its retailer pays the market Δ × the imbalance price; the account receives it.
    expect(s.amount.toFixed()).to.equal('0');
    expect(f.intermediaries.map((m) => [world.parties[m.party]!.id, m.amount.toFixed()])).to.deep.equal([['power-retail', s.deltaKwh.times(s.priceMwh).div(1000).toFixed()]]);
    expect(f.account.map((a) => [a.kwh.toFixed(), a.amount.toFixed()])).to.deep.equal([[s.deltaKwh.neg().toFixed(), f.intermediaries[0]!.amount.toFixed()]]);
    expect(world.end!.books).to.deep.equal([]);
    expect(world.end!.kpis).to.deep.include({ closed: true, sitesAdjusted: 1 });
    // 60 metered customers (20 members, 30 retail customers, 10 traders; the generator is not one): a third party's aggregate.
    expect(world.end!.kpis.meteredCustomers).to.include({ customers: 60, missingReads: 0 });
  });

  it('with comms: ideal there is no final settlement (nothing is kept for it)', async () => {
    const ideal = await run('');
    expect(ideal.end).to.equal(undefined);
    // The physical run is the same: the plane delays no bid or command in this fixture.
    expect(ideal.actualKw).to.deep.equal(world.actualKw);
  });
});

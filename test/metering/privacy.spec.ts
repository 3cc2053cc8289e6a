import { expect } from 'chai';
import { Mdms } from '../../metering/mdms.ts';
import { meterRead } from '../../metering/meter.ts';
import { type AggregateOnly, type Customer, type CustomerSeries, MeterDataAccess, PrivacyError } from '../../metering/privacy.ts';

const STEP = 900_000;
const T0 = Date.UTC(2026, 6, 1, 17);
const T1 = T0 + 4 * STEP;
const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `home-${from + i}`);

/** 20 homes, each importing 1 kW (0.25 kWh per interval) except home-20 at `bigKw`; r1 retails 1–10, agg aggregates 11–12. */
function world(bigKw = 1) {
  const mdms = new Mdms({ rules: { intervalMs: STEP, maxKwhPerInterval: 100 } });
  const customers: Customer[] = ids(1, 20).map((id, i) => ({ id, meterId: `meter:${id}`, ...(i < 10 ? { retailer: 'r1' } : i < 12 ? { aggregator: 'agg' } : {}) }));
  for (const c of customers) for (let k = 0; k < 4; k++) mdms.ingest(meterRead(c.meterId, T0 + k * STEP, STEP, c.id === 'home-20' ? bigKw : 1));
  return new MeterDataAccess(mdms, customers);
}

const violation = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof PrivacyError) return err.reason;
    throw err;
  }
  throw new Error('expected a PrivacyError');
};

describe('privacy: who sees which meter data', () => {
  it("a retailer or aggregator reads its own customers' series, and no one else's", () => {
    const data = world();
    const r1 = data.viewFor('r1');
    if (r1.access !== 'own-customers') throw new Error('r1 retails ten homes');
    expect(r1.customers).to.deep.equal(ids(1, 10));
    const s = r1.customerSeries('home-3', T0, T1);
    expect(s.intervals.map((v) => [v.quality, v.importKwh])).to.deep.equal(Array(4).fill(['actual', 0.25]));
    expect(violation(() => r1.customerSeries('home-11', T0, T1))).to.equal('not-own-customer');
    const agg = data.viewFor('agg');
    expect(agg.access).to.equal('own-customers');
    expect(violation(() => (agg as Extract<typeof agg, { access: 'own-customers' }>).customerSeries('home-3', T0, T1))).to.equal('not-own-customer');
  });

  it('a customer that changed retailer is each retailer\'s within its supply periods only: r1, r2, r1 again', () => {
    const mdms = new Mdms({ rules: { intervalMs: STEP, maxKwhPerInterval: 100 } });
    // home-1 supplied by r1 for the first interval, r2 for the second, r1 again for the last two.
    const supply = [
      { retailer: 'r1', fromMs: T0, toMs: T0 + STEP },
      { retailer: 'r2', fromMs: T0 + STEP, toMs: T0 + 2 * STEP },
      { retailer: 'r1', fromMs: T0 + 2 * STEP, toMs: T0 + 3 * STEP },
      { retailer: 'r1', fromMs: T0 + 3 * STEP, toMs: T1 },
    ];
    for (let k = 0; k < 4; k++) mdms.ingest(meterRead('meter:home-1', T0 + k * STEP, STEP, 1));
    const data = new MeterDataAccess(mdms, [{ id: 'home-1', meterId: 'meter:home-1', supply }]);
    const r1 = data.viewFor('r1');
    const r2 = data.viewFor('r2');
    if (r1.access !== 'own-customers' || r2.access !== 'own-customers') throw new Error('both supplied home-1');
    expect(r1.customerSeries('home-1', T0, T0 + STEP).intervals).to.have.length(1);
    expect(r1.customerSeries('home-1', T0 + 2 * STEP, T1).intervals).to.have.length(2); // two adjoining periods read as one
    expect(violation(() => r1.customerSeries('home-1', T0, T1))).to.equal('outside-supply'); // across r2's interval
    expect(r2.customerSeries('home-1', T0 + STEP, T0 + 2 * STEP).intervals).to.have.length(1);
    expect(violation(() => r2.customerSeries('home-1', T0 + STEP, T0 + 3 * STEP))).to.equal('outside-supply');
    expect(data.viewFor('r3').access).to.equal('aggregate-only');
  });

  it('a third party gets aggregates of at least 15 customers and nothing finer', () => {
    const dso = world().viewFor('dso-1');
    expect(dso.access).to.equal('aggregate-only');
    const a = dso.aggregate(ids(1, 15), T0, T1);
    expect(a.customerCount).to.equal(15);
    expect(a.intervals.map((v) => [v.importKwh, v.exportKwh, v.missingReads])).to.deep.equal(Array(4).fill([3.75, 0, 0]));
    expect(violation(() => dso.aggregate(ids(1, 14), T0, T1))).to.equal('too-few-customers');
    // A repeated id is one customer: 14 distinct.
    expect(violation(() => dso.aggregate([...ids(1, 14), 'home-1'], T0, T1))).to.equal('too-few-customers');
    expect(violation(() => dso.aggregate([...ids(1, 14), 'home-99'], T0, T1))).to.equal('unknown-customer');
  });

  it('refuses an aggregate in which one customer is more than 15 % (the second half of 15/15)', () => {
    // home-20 at 3.5 kW beside 19 homes at 1 kW: 3.5 / 22.5 = 15.6 % of the aggregate.
    const dso = world(3.5).viewFor('dso-1');
    expect(violation(() => dso.aggregate(ids(1, 20), T0, T1))).to.equal('dominant-customer');
    // At 3 kW it is 3 / 22 = 13.6 %: allowed.
    expect(world(3).viewFor('dso-1').aggregate(ids(1, 20), T0, T1).intervals[0]!.importKwh).to.equal(5.5);
  });

  it('at runtime a third-party view has no per-customer method at all, even through a cast', () => {
    const dso = world().thirdPartyView('market');
    expect('customerSeries' in dso).to.equal(false);
    expect(Object.keys(dso).sort()).to.deep.equal(['access', 'party']);
    // @ts-expect-error an aggregate-only view has no per-customer reads (type level) …
    expect(() => dso.customerSeries('home-1', T0, T1)).to.throw(TypeError); // … and none at runtime
  });

  it('at the type level an aggregate can be neither forged nor used as a customer series', () => {
    const a = world().thirdPartyView('market').aggregate(ids(1, 15), T0, T1);
    // @ts-expect-error an AggregateOnly is not a CustomerSeries
    const asSeries: CustomerSeries = a;
    // @ts-expect-error an AggregateOnly cannot be made from a plain object: the brand is private to metering/privacy.ts
    const forged: AggregateOnly = { customerCount: 15, intervals: [] };
    const view = world().viewFor('r1');
    // @ts-expect-error a view must be narrowed to 'own-customers' before reading one customer
    expect(() => view.customerSeries('home-1', T0, T1)).not.to.throw();
    expect([asSeries, forged].length).to.equal(2);
  });
});

/**
 * Under retail competition a retailer keeps each customer's meter in a two-day ring, to forecast it customer by customer
 * (agents/retailer/index.ts, `forecastCustomerKw`). A customer that left is forgotten once its newest interval is more
 * than a day old: nothing reads it then (a forecast for interval k reads k − 1 day and k − 1). Before, the ring of every
 * customer a retailer ever supplied was kept to the run's end (6.9 kB each at 5-minute intervals, per retailer visited).
 */
import { expect } from 'chai';
import { intervalAt } from '../../core/clock.ts';
import { simTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { forecastCustomerKw } from '../../agents/retailer/forecast.ts';
import { retailerGroupSchema, retailerKind } from '../../agents/retailer/index.ts';
import { agentEnv, marketAt } from '../helpers/agentMarket.ts';

describe('a retailer forgets the meter of a customer that left, once nothing can read it', () => {
  // Quarter-hours: 96 a day. Customers 1 and 2 are r's on day 0; from day 1 only 2 is (1 left).
  const env = agentEnv(simTime(Date.parse('2026-07-01T00:00:00Z')), 3, 4 * 96, { temperature: 'heatwave' });
  const r = retailerKind.create(retailerGroupSchema.parse({ kind: 'retailer', id: 'r', tariffs: ['t'] }), env);
  const bus = busId('main');
  const kw = (party: number, k: number) => party + k / 1000; // a meter reading to tell apart by customer and interval
  const meter = (k: number, parties: number[]) => r.metered(intervalAt(env.clock, k), new Map([[bus, 0]]), new Map(), new Map(parties.map((p) => [p, kw(p, k)])));
  /** r's forecast for customer `party` alone in interval k (a buy for a positive forecast). */
  const forecast = (party: number, k: number) => {
    const [bid] = r.bid(intervalAt(env.clock, k), [{ bus, customers: 1, declaredAnnualKwh: 3500, members: [{ party, declaredAnnualKwh: 3500 }] }], () => marketAt(env, intervalAt(env.clock, k)));
    return bid!.segments[0]!.quantityKw;
  };
  const newcomer = (k: number) => {
    const iv = intervalAt(env.clock, k);
    return forecastCustomerKw(() => NaN, k, 96, 3500, simTime(iv.start + 7.5 * 60_000), env.site.zone, env.environment.holidays);
  };

  it('keeps it while yesterday is readable (day 1: customer 1 of yesterday), forgets it after (day 2: forecast as a newcomer)', () => {
    for (let k = 0; k < 96; k++) meter(k, [1, 2]);
    expect(r.retainedCustomerMeters).to.equal(2);
    for (let k = 96; k < 150; k++) meter(k, [2]);
    // Interval 151 reads yesterday's 55: customer 1 was r's then.
    expect(forecast(1, 151)).to.equal(kw(1, 55));
    expect(r.retainedCustomerMeters).to.equal(2);
    for (let k = 150; k <= 192; k++) meter(k, [2]);
    // At day 2's start customer 1's newest interval (95) is more than a day old: no forecast can read it.
    expect(r.retainedCustomerMeters).to.equal(1);
    expect(forecast(1, 193)).to.equal(newcomer(193));
    expect(forecast(2, 193)).to.equal(kw(2, 97));
  });

  it('a customer that comes back starts a new ring: yesterday is read only where it was r’s', () => {
    for (let k = 193; k < 288; k++) meter(k, [1, 2]);
    // Interval 290: yesterday (194) customer 1 was r's again.
    expect(forecast(1, 290)).to.equal(kw(1, 194));
    expect(r.retainedCustomerMeters).to.equal(2);
  });
});

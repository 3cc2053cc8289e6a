/**
 * The retailers a customer bought from (RetailDesk.retailersOfCustomer, asked once per customer by
 * the final settlement's privacy views on a communication plane) come from a per-customer record,
 * not from a scan of every tariff switch of the run: customers × switches grew past a billion
 * comparisons at 20,000 customers switching over a month.
 *
 * 3,000 customers on two equal flat tariffs, rationality 0 and inertia 0 (a fair coin each day),
 * 1-day intervals over 30 days: about 3,000 × 29 / 2 ≈ 43,500 switches, every one between
 * retailer 1's own tariffs (a customer chooses among its retailer's tariffs), so each answer is [1]. The speed
 * (5.3 s for the answers before the record, a few ms after) is not asserted here: a timed unit
 * test measures the machine; the answers are what the record must keep.
 */
import { expect } from 'chai';
import { parseSimTime } from '../../core/time.ts';
import { intervalAt } from '../../core/clock.ts';
import { RandomService } from '../../core/rng.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { DEFAULT_RULES } from '../../market/types.ts';
import { busId } from '../../core/units.ts';
import { parseTariffs } from '../../tariffs/schema.ts';

const N = 3000;
const DAYS = 30;
const clock = { start: parseSimTime('2026-07-01T00:00:00Z')!, intervalMinutes: 1440, intervals: DAYS, gateClosureMinutes: 5 };

function desk(): { d: RetailDesk; parties: number[] } {
  const r = parseTariffs([
    { id: 'a', type: 'flat', energyPricePerKwh: 0.25 },
    { id: 'b', type: 'flat', energyPricePerKwh: 0.25 },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  const rng = new RandomService(7);
  const specs = Array.from({ length: N }, (_, i) => ({ party: 2 + i, bus: busId('main'), busIndex: 0, tariffId: i % 3 === 0 ? 'b' : 'a', choice: { rationality: 0, inertia: 0, rng: rng.stream(`c${i}`, 'choice') } }));
  const d = new RetailDesk(r.value, new Map([['a', 1], ['b', 1]]), specs, 1, clock, DEFAULT_RULES);
  for (let day = 0; day < DAYS; day++) {
    const interval = intervalAt(clock, day);
    d.recordPrices(interval, Float64Array.of(50));
    for (const s of specs) d.meter(s.party, interval, { importQuanta: 1000, exportQuanta: 0, consumedQuanta: 1000, generatedQuanta: 0 });
    d.closeDay(day);
  }
  return { d, parties: specs.map((s) => s.party) };
}

describe('RetailDesk.retailersOfCustomer with many tariff switches', function () {
  this.timeout(60_000);

  it('one retailer: each of 3,000 customers answers [1] after ~43,500 switches', () => {
    const { d, parties } = desk();
    // A fair coin per customer and day over the 29 days that can still switch: 43,500 ± a few hundred.
    expect(d.switches.length).to.be.within(42_000, 45_000);
    expect(parties.filter((p) => JSON.stringify(d.retailersOfCustomer(p)) === '[1]')).to.have.length(N);
  });

});

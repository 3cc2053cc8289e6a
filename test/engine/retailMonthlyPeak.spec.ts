/**
 * The retail desk under a demand charge on the month's peak (`demandPeriod: month`): the running
 * peak a customer's flexible load may fill for free lasts the calendar month, not the billing day,
 * and the desk's daily bills carry the month-to-date peak from one day to the next. By hand, with
 * the real RetailDesk (engine/retail.ts): 1 per kW over 15-minute windows puts 4000 /MWh on load
 * above the running peak, so flexible load valued at 500 /MWh is taken only under it.
 */
import { expect } from 'chai';
import { intervalAt } from '../../core/clock.ts';
import { parseSimTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { type BidSegment, DEFAULT_RULES } from '../../market/types.ts';
import { parseTariffs } from '../../tariffs/schema.ts';

// Three billing days: 30 July, 31 July, 1 August 2026 (UTC).
const start = parseSimTime('2026-07-30T00:00:00Z')!;
const clock = { start, intervalMinutes: 15, intervals: 3 * 96, gateClosureMinutes: 5 };
const q = DEFAULT_RULES.quantumKw;
const cap = DEFAULT_RULES.priceCapMwh;
const buy = (quantityKw: number, priceMwh: number): BidSegment => ({ side: 'buy', quantityKw, priceMwh });

function deskWith(demandPeriod: 'day' | 'month'): RetailDesk {
  const t = parseTariffs([{ id: 't', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.2 }, demandChargePerKw: 1, demandWindowMinutes: 15, demandPeriod }]);
  if (!t.ok) throw new Error(JSON.stringify(t.issues));
  return new RetailDesk([t.value[0]!], new Map([['t', 1]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: 't' }], 1, clock, DEFAULT_RULES);
}

/** Runs the three days: each interval 1 kW at the cap, plus 3 kW of flexible load at 500 /MWh; 4 kW at the cap at 30 July 18:00. Returns the kW taken at 31 July 12:00 and 1 August 12:00, and the bills' demand charges. */
function threeDays(desk: RetailDesk): { july31: number; august1: number; demand: string[] } {
  const taken: number[] = [];
  for (let k = 0; k < clock.intervals; k++) {
    const interval = intervalAt(clock, k);
    desk.recordPrices(interval, Float64Array.of(50));
    const segments = k === 72 ? [buy(4, cap)] : [buy(1, cap), buy(3, 500)];
    const take = desk.take(0, interval, segments);
    desk.meter(0, interval, { importQuanta: take.buyQuanta, exportQuanta: 0, consumedQuanta: take.buyQuanta, generatedQuanta: 0 });
    taken.push(take.buyQuanta * q);
    if ((k + 1) % 96 === 0) desk.closeDay(Math.floor(k / 96));
  }
  return { july31: taken[96 + 48]!, august1: taken[192 + 48]!, demand: desk.bills.map((b) => b.bill.demandCharge.toFixed(2)) };
}

describe('retail desk: a monthly demand charge keeps the month\'s running peak', () => {
  it('on 31 July the flexible 3 kW fills the 4 kW peak of 30 July for free; on 1 August the month starts again and it waits', () => {
    const r = threeDays(deskWith('month'));
    // 31 July 12:00: 1 kW at the cap + 3 kW under the month's 4 kW peak.
    expect(r.july31).to.equal(4);
    // 1 August 12:00: a new month, a peak of 1 kW (its base load since 00:00): the flexible load would raise it: none.
    expect(r.august1).to.equal(1);
    // Bills: 30 July 4 kW × 1 = 4.00; 31 July at 4 kW, no rise: 0.00; 1 August the month's 1 kW: 1.00.
    expect(r.demand).to.deep.equal(['4.00', '0.00', '1.00']);
  });

  it('under the day period the peak is the day\'s: on 31 July only the 1 kW at the cap, and each day pays its own peak', () => {
    const r = threeDays(deskWith('day'));
    expect(r.july31).to.equal(1);
    expect(r.august1).to.equal(1);
    expect(r.demand).to.deep.equal(['4.00', '1.00', '1.00']);
  });
});

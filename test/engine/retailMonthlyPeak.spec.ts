/**
 * The retail desk under a demand charge on the month's peak (`demandPeriod: month`): the running
 * peak a customer's flexible load may fill for free lasts the calendar month, not the billing day,
 * and the desk's daily bills carry the month-to-date peak from one day to the next. By hand, with
 * the real RetailDesk (engine/retail.ts): 1 per kW over 15-minute windows puts 4000 /MWh on load
 * above the running peak, so flexible load valued at 500 /MWh is taken only under it.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import { type ClockSpec, intervalAt } from '../../core/clock.ts';
import { parseSimTime } from '../../core/time.ts';
import { NO_HOLIDAYS } from '../../core/calendar.ts';
import { busId } from '../../core/units.ts';
import { RetailDesk } from '../../engine/retail.ts';
import { type BidSegment, DEFAULT_RULES } from '../../market/types.ts';
import { parseTariffs } from '../../tariffs/schema.ts';
import { utcTariff } from '../../tariffs/localHours.ts';
import { Mdms } from '../../metering/mdms.ts';
import { meterRead } from '../../metering/meter.ts';

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

describe('retail desk: a monthly demand charge billed from the MDMS carries both months-to-date', () => {
  // Two hourly days from 1 July, 1 per kW on the month's highest hour, 0.20/kWh. The meter phase saw 1 kW every hour
  // but 5 kW on 1 July 05:00 and 4 kW on 2 July 05:00. The MDMS lost the read of 1 July 05:00 (interpolated: 1 kW).
  //   MDMS bills:        1 July peak 1 → 1.00; 2 July peak 4, a rise of 3 → 3.00.
  //   meter-phase bills: 1 July peak 5 → 5.00; 2 July 4 < 5 → 0.00.
  //   true-up = MDMS − meter: 1 July (1 − 5) + (24 − 28) kWh × 0.20 = −4.80; 2 July 3 − 0 = +3.00: −1.80 in all,
  //   = (4 − 5) × 1 (the months' peaks) − 0.80 (the energy). Carrying one chain for both, 2 July's true-up came out 0.
  const HOUR = 3_600_000;
  const hourly = { start: parseSimTime('2026-07-01T00:00:00Z')!, intervalMinutes: 60, intervals: 48, gateClosureMinutes: 5 };
  const kwAt = (h: number): number => (h === 5 ? 5 : h === 29 ? 4 : 1);

  it('bills 1.00 then 3.00 from the MDMS, and the true-up is −4.80 then +3.00', () => {
    const t = parseTariffs([{ id: 't', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.2 }, demandChargePerKw: 1, demandWindowMinutes: 60, demandPeriod: 'month' }]);
    if (!t.ok) throw new Error(JSON.stringify(t.issues));
    const desk = new RetailDesk([t.value[0]!], new Map([['t', 1]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: 't' }], 1, hourly, DEFAULT_RULES);
    desk.billFromMdmsAtRunEnd();
    for (let h = 0; h < 48; h++) {
      const interval = intervalAt(hourly, h);
      desk.recordPrices(interval, Float64Array.of(50));
      const a = Math.round(kwAt(h) / q);
      desk.meter(0, interval, { importQuanta: a, exportQuanta: 0, consumedQuanta: a, generatedQuanta: 0 });
      if ((h + 1) % 24 === 0) desk.closeDay(Math.floor(h / 24));
    }
    const mdms = new Mdms({ rules: { intervalMs: HOUR, maxKwhPerInterval: 100 } });
    for (let h = 0; h < 48; h++) if (h !== 5) expect(mdms.ingest(meterRead('meter:c', hourly.start + h * HOUR, HOUR, kwAt(h)))).to.equal(undefined);
    const trueUps: string[] = [];
    desk.billFromMdms((_party, fromMs, toMs) => {
      trueUps.push((desk.billingTrueUp.get(1)?.toFixed(2)) ?? '0.00');
      return mdms.series('meter:c', fromMs, toMs);
    });
    expect(desk.bills.map((b) => [b.bill.importKwh.toFixed(), b.bill.demandCharge.toFixed(2)])).to.deep.equal([['24', '1.00'], ['27', '3.00']]);
    // Σ true-up after each day: −4.80, then −4.80 + 3.00.
    expect([...trueUps.slice(1), desk.billingTrueUp.get(1)!.toFixed(2)]).to.deep.equal(['-4.80', '-1.80']);
  });
});

// Found by A-monthly: the desk's running peak was the highest interval's kW, the bill's peak a window's average. With
// 60-minute windows over 15-minute intervals, one 5 kW quarter at 18:00 (a 2 kW hour) let flexible load fill every
// later quarter to 5 kW "for free", and the bill's peak became 5 kW. Now the desk keeps the bill's measure and takes
// flexible load only while the window's average stays at or below the running peak, counting the window's quarters
// metered so far and, for its later quarters, this quarter's load at the cap again.
describe('retail desk: windows longer than the interval (60-minute windows, 15-minute intervals)', () => {
  /**
   * A day of quarters on `desk`: 1 kW at the cap (5 kW at interval 72), and 4 kW of flexible load at 500 /MWh (10 per kW
   * over an hour asks 10 200 /MWh above the running peak, so it is taken only under it). Returns the kW taken and the bill.
   */
  function spikeDay(desk: RetailDesk, clock: ClockSpec) {
    const taken: number[] = [];
    for (let k = 0; k < 96; k++) {
      const interval = intervalAt(clock, k);
      desk.recordPrices(interval, Float64Array.of(50));
      const take = desk.take(0, interval, [buy(k === 72 ? 5 : 1, cap), buy(4, 500)]);
      desk.meter(0, interval, { importQuanta: take.buyQuanta, exportQuanta: 0, consumedQuanta: take.buyQuanta, generatedQuanta: 0 });
      taken.push(take.buyQuanta * q);
    }
    desk.closeDay(0);
    return { taken, bill: desk.bills[0]!.bill };
  }

  const quarterly = { start: parseSimTime('2026-07-01T00:00:00Z')!, intervalMinutes: 15, intervals: 96, gateClosureMinutes: 5 };
  for (const demandPeriod of ['month', 'day'] as const) {
    it(`${demandPeriod} period: flexible load never lifts an hour above the 2 kW the load at the cap set; the bill's peak stays 2 kW (20.00, not 50.00)`, () => {
      const t = parseTariffs([{ id: 't', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.2 }, demandChargePerKw: 10, demandWindowMinutes: 60, demandPeriod }]);
      if (!t.ok) throw new Error(JSON.stringify(t.issues));
      const { taken, bill } = spikeDay(new RetailDesk([t.value[0]!], new Map([['t', 1]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: 't' }], 1, quarterly, DEFAULT_RULES), quarterly);
      // 18:00–18:45: 5, 1, 1, 1 (the hour averages 2 kW: the peak). 19:00: an hour at 2 kW holds 4 × 2 = 8 kW over its
      // quarters; keeping 1 kW at the cap for each of the three later ones leaves 5 kW now (1 + 4 flexible), then 1, 1, 1.
      expect(taken.slice(72, 80)).to.deep.equal([5, 1, 1, 1, 5, 1, 1, 1]);
      // Before 18:00 the peak is 1 kW and the hour has no room for flexible load: 1 kW every quarter.
      expect(taken.slice(0, 72).every((kw) => kw === 1)).to.equal(true);
      expect([bill.demand!.peakKw.toFixed(3), bill.demandCharge.toFixed(2)]).to.deep.equal(['2.000', '20.00']);
    });
  }

  it('in local hours at UTC+5:30 the windows are the local clock\'s hours (from :30 UTC), and the desk places each quarter in them as the bill does: the same takes and the same 2 kW peak (20.00) as the UTC hour above', () => {
    // A run from local midnight (18:30 UTC): local 18:00 is interval 72 again (12:30 UTC), its hour 12:30–13:30 UTC.
    const local = { start: parseSimTime('2026-06-30T18:30:00Z')!, intervalMinutes: 15, intervals: 96, gateClosureMinutes: 5 };
    const t = parseTariffs([{ id: 't', type: 'demand-charge', hours: 'local', energy: { type: 'flat', energyPricePerKwh: 0.2 }, demandChargePerKw: 10, demandWindowMinutes: 60 }]);
    if (!t.ok) throw new Error(JSON.stringify(t.issues));
    // The engine reads a local tariff as UTC before the desk sees it (engine/run.ts), as here.
    const desk = new RetailDesk([utcTariff(t.value[0]!, 5.5)], new Map([['t', 1]]), [{ party: 0, bus: busId('main'), busIndex: 0, tariffId: 't' }], 1, local, DEFAULT_RULES, { zone: SiteZone.fixed(5.5), holidays: NO_HOLIDAYS });
    const { taken, bill } = spikeDay(desk, local);
    expect(taken.slice(72, 80)).to.deep.equal([5, 1, 1, 1, 5, 1, 1, 1]);
    expect(taken.slice(0, 72).every((kw) => kw === 1)).to.equal(true);
    expect([bill.demand!.peakKw.toFixed(3), new Date(bill.demand!.peakStart!).toISOString(), bill.demandCharge.toFixed(2)]).to.deep.equal(['2.000', '2026-07-01T12:30:00.000Z', '20.00']);
  });
});

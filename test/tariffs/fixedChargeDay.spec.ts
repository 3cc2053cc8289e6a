/**
 * The daily fixed charge of a billing period (tariffs/bill.ts `fixedLine`): pro-rated over the length of the local day the
 * period is of (`BillingContext.calendarDayMs`), so a whole local day of 23 or 25 hours pays one day's charge and a partial
 * day its share; written to 18 decimals, the outputs' exact money scale.
 */
import { expect } from 'chai';
import { MS_PER_DAY, parseSimTime, simTime } from '../../core/time.ts';
import { computeBill } from '../../tariffs/bill.ts';
import { parseTariffs } from '../../tariffs/schema.ts';

const at = (iso: string): number => parseSimTime(iso)!;

describe('tariffs: the fixed charge of a billing day', () => {
  it('a partial day\'s fixed charge is written to 18 decimals (it fits the outputs\' exact money type) and bills the same cent: 22 h of 0.40 a day is 0.366666666666666667, total 0.37', () => {
    const parsed = parseTariffs([{ id: 'f', type: 'flat', energyPricePerKwh: 0.2, fixedChargePerDay: 0.4 }]);
    if (!parsed.ok) throw new Error('tariff');
    const bill = computeBill(parsed.value[0]!, [], { period: { start: simTime(at('2026-07-01T00:00:00Z')), end: simTime(at('2026-07-01T22:00:00Z')) }, calendarDayMs: MS_PER_DAY });
    expect(bill.fixedCharge.toFixed()).to.equal('0.366666666666666667');
    expect(bill.total.toFixed(2)).to.equal('0.37');
    // A whole local day of 23 hours is one day's charge.
    const spring = computeBill(parsed.value[0]!, [], { period: { start: simTime(at('2026-03-28T23:00:00Z')), end: simTime(at('2026-03-29T22:00:00Z')) }, calendarDayMs: 23 * 3_600_000 });
    expect(spring.fixedCharge.toFixed()).to.equal('0.4');
  });


  it('without calendarDayMs a period is measured against 24 h, as before: 23 h is 23/24 of a day', () => {
    const parsed = parseTariffs([{ id: 'f', type: 'flat', energyPricePerKwh: 0.2, fixedChargePerDay: 0.48 }]);
    if (!parsed.ok) throw new Error('tariff');
    const bill = computeBill(parsed.value[0]!, [], { period: { start: simTime(at('2026-03-28T23:00:00Z')), end: simTime(at('2026-03-29T22:00:00Z')) } });
    expect(bill.fixedCharge.toFixed()).to.equal('0.46');
  });
});

/**
 * core/money.ts: the settlement unit of an interval, exact at any length. An interval's hours
 * are minutes / 60, a finite decimal only when its minutes are a multiple of 3: at 5, 10 and 20
 * minutes an amount is a third of a decimal, written exactly when it is one and rounded to
 * MONEY_DECIMALS decimals when it repeats (it was built from the float hours, 1/12 h =
 * 0.08333333333333333, and 12 kW at 78/MWh for 5 minutes was written −0.07799999999999999688).
 */
import { expect } from 'chai';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { formatMoney, MONEY_DECIMALS, MoneyUnit } from '../../core/money.ts';

/** n × quantum × minutes/60 h × tick / 1000, to 20 decimals half-even, by decimal.js at 120 digits: the reference. */
const Exact = Decimal.clone({ precision: 120 });
function reference(n: number, quantumKw: number, minutes: number, tickMwh: number): string {
  const v = new Exact(n).times(String(quantumKw)).times(minutes).times(String(tickMwh)).div(60_000).toDecimalPlaces(MONEY_DECIMALS, Decimal.ROUND_HALF_EVEN);
  return trimmed(v);
}
const trimmed = (v: Decimal): string => {
  const s = v.toFixed();
  return s === '-0' ? '0' : s.includes('.') ? s.replace(/\.?0+$/, '') : s;
};

describe('core/money: MoneyUnit.forInterval', () => {
  it('by hand, 20 minutes, quantum 0.001 kW, tick 0.01/MWh: 12 kW at 78/MWh is 0.312 exactly; one unit is a third of 1e-8, 0.00000000333333333333; two round up', () => {
    const unit = MoneyUnit.forInterval(0.001, 20, 0.01);
    expect(unit.divisor).to.equal(3);
    // 12 kW = 12,000 quanta, 78/MWh = 7,800 ticks: 93,600,000 units of (1e-8 / 3).
    expect(unit.format(12_000 * 7_800)).to.equal('0.312');
    expect(unit.format(-12_000 * 7_800)).to.equal('-0.312');
    expect(formatMoney(unit.toMoney(12_000 * 7_800))).to.equal('0.312');
    expect(unit.format(1)).to.equal('0.00000000333333333333');
    expect(unit.format(2)).to.equal('0.00000000666666666667');
    expect(unit.format(-2)).to.equal('-0.00000000666666666667');
    expect(unit.format(0)).to.equal('0');
    // Written by shifting digits only when the amount is a finite decimal.
    expect(unit.scaled(3)).to.equal(1);
    expect(unit.decimals).to.equal(8);
    expect(unit.scaled(1)).to.be.NaN;
  });

  it('by hand, 15 minutes: a decimal unit, 2.5e-9, as before', () => {
    const unit = MoneyUnit.forInterval(0.001, 15, 0.01);
    expect(unit.divisor).to.equal(1);
    expect(unit.unit.toFixed()).to.equal('0.0000000025');
    expect(unit.format(12_000 * 7_800)).to.equal('0.234');
  });

  it('property: at any whole minutes, format(n) and formatMoney(toMoney(n)) equal the amount computed at 120 digits, rounded to 20 decimals; scaled(n) agrees where it is defined', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1440 }),
        fc.constantFrom(0.001, 0.01, 0.1, 1),
        fc.constantFrom(0.01, 0.001, 1),
        fc.integer({ min: -1e12, max: 1e12 }),
        (minutes, quantumKw, tickMwh, n) => {
          const unit = MoneyUnit.forInterval(quantumKw, minutes, tickMwh);
          expect(unit.divisor).to.equal(minutes % 3 === 0 ? 1 : 3);
          const want = reference(n, quantumKw, minutes, tickMwh);
          expect(unit.format(n), `${n} units of ${minutes} min`).to.equal(want);
          expect(formatMoney(unit.toMoney(n))).to.equal(want);
          const scaled = unit.scaled(n);
          if (!Number.isNaN(scaled)) expect(trimmed(new Exact(scaled).div(new Exact(10).pow(unit.decimals)))).to.equal(want);
        },
      ),
      { numRuns: 500 },
    );
  });
});

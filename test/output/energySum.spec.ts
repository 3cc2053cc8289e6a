/**
 * output/energySum.ts: kWh sums of whole quanta are exact and rounded once, half-even, on the Wh.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { EnergySum, exactKw } from '../../output/energySum.ts';

/** n / d kWh on the Wh, half-even, in BigInt: the reference. */
function roundRational(n: bigint, d: bigint): number {
  const num = n * 1000n;
  const neg = num < 0n !== d < 0n && num !== 0n;
  const a = num < 0n ? -num : num;
  let q = a / d;
  const r2 = (a % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) q += 1n;
  const v = Number(q) / 1000;
  return neg && v !== 0 ? -v : v;
}

describe('EnergySum (output/energySum.ts): exact kWh from whole quanta, rounded once half-even', () => {
  it('by hand: 410 quanta of 1 W for a quarter-hour is 0.1025 kWh, a tie that rounds to the even 0.102 (floating point made 0.10250000000000001 → 0.103)', () => {
    expect(410 * 0.001 * 0.25).to.equal(0.10250000000000001);
    const e = new EnergySum();
    e.add(410, 0.001, 0.25);
    expect(e.kwh().toFixed()).to.equal('0.1025');
    expect(e.roundedKwh()).to.equal(0.102);
    e.add(4, 0.001, 0.25); // 0.1035 → 0.104 (even)
    expect(e.roundedKwh()).to.equal(0.104);
  });

  it('by hand: the same energy consumed and generated rounds the same, whatever order the quanta came in (ami-congestion: 457.2625 kWh)', () => {
    // 1,829,050 quanta × 0.001 kW × 0.25 h = 457.2625 kWh, split into intervals two ways.
    const consumed = new EnergySum();
    const generated = new EnergySum();
    for (const q of [600_001, 629_049, 600_000]) consumed.add(q, 0.001, 0.25);
    for (const q of [1, 1_829_048, 1]) generated.add(q, 0.001, 0.25);
    expect(consumed.kwh().toFixed()).to.equal('457.2625');
    expect(consumed.roundedKwh()).to.equal(457.262);
    expect(generated.roundedKwh()).to.equal(457.262);
  });

  it('by hand: a half-sum (Σ |deviation| / 2) divides exactly before rounding: 774.0125 × 2 kWh → 774.012', () => {
    const twice = new EnergySum();
    twice.add(6_192_100, 0.001, 0.25); // 1548.025 kWh
    expect(twice.roundedKwh(2)).to.equal(774.012);
  });

  it('negative sums round half-even too, and a zero sum is 0, not −0', () => {
    const e = new EnergySum();
    e.add(-51_821_990, 0.001, 0.25); // −12,955.4975 kWh
    expect(e.roundedKwh()).to.equal(-12955.498);
    e.add(51_821_990, 0.001, 0.25);
    expect(Object.is(e.roundedKwh(), 0)).to.equal(true);
  });

  it('refuses a fraction of a quantum (it would not be exact)', () => {
    expect(() => new EnergySum().add(0.5, 0.001, 0.25)).to.throw(RangeError);
  });

  it('exactKw: quanta × quantum on the watt, half-even (80,215 quanta of 1 W is 80.215 kW; 1,234.5 W is 1.234 kW)', () => {
    expect(exactKw(80_215, 0.001)).to.equal(80.215);
    expect(exactKw(12_345, 0.0001)).to.equal(1.234);
    expect(exactKw(12_355, 0.0001)).to.equal(1.236);
  });

  it('equals the exact integer computation for any quanta, quantum and interval, and the order of adding does not matter (fast-check)', () => {
    // quantum 10^-a kW, interval m/60 h (1/60 or 5/60 h are no finite decimal): the exact sum in units of 10^-a kWh / 60 is Σ quanta × m.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { maxLength: 40 }),
        fc.constantFrom(1, 2, 3, 4),
        fc.constantFrom(1, 5, 15, 30, 60, 90),
        (quanta, a, minutes) => {
          const q = Number(`1e-${a}`);
          const h = minutes / 60;
          const forward = new EnergySum();
          const backward = new EnergySum();
          for (const x of quanta) forward.add(x, q, h);
          for (const x of [...quanta].reverse()) backward.add(x, q, h);
          expect(forward.kwh().equals(backward.kwh())).to.equal(true);
          expect(forward.roundedKwh()).to.equal(backward.roundedKwh());
          // Exact: Σ quanta × 10^-a × minutes / 60 kWh, compared in BigInt after scaling by 60 × 10^a.
          const exact = quanta.reduce((s, x) => s + BigInt(x), 0n) * BigInt(minutes);
          const scaled = forward.kwh().times(60).times(10 ** a);
          if (exact % 3n === 0n) expect(scaled.toFixed()).to.equal(exact.toString());
          else expect(scaled.minus(exact.toString()).abs().lt('1e-40')).to.equal(true); // ÷ 60 with a factor 3 left: no finite decimal, 60 significant digits
          // Rounded as the exact rational rounds, half-even on the Wh.
          expect(forward.roundedKwh()).to.equal(roundRational(exact, 60n * 10n ** BigInt(a)));
        },
      ),
    );
  });

  it('by hand: 5-minute intervals (1/12 h): 6 quanta of 1 W are exactly 0.0005 kWh, a tie → 0.000; 18 → 0.0015 → 0.002', () => {
    const e = new EnergySum();
    e.add(6, 0.001, 5 / 60);
    expect(e.kwh().toFixed()).to.equal('0.0005');
    expect(e.roundedKwh()).to.equal(0);
    e.add(12, 0.001, 5 / 60);
    expect(e.roundedKwh()).to.equal(0.002);
  });

  it('past 2^53 quanta the sum stays exact (it moves to decimal instead of rounding)', () => {
    const e = new EnergySum();
    const big = Number.MAX_SAFE_INTEGER;
    e.add(big, 1, 1);
    e.add(big, 1, 1);
    e.add(1, 1, 1);
    expect(e.kwh().toFixed()).to.equal((2n * BigInt(big) + 1n).toString());
  });
});

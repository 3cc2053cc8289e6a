/**
 * The aggregator's fee (agents/aggregator/contract.ts `memberFee`): fee per kWh × the kWh a member moved,
 * kWh = quanta × quantumKw × durationH. (Audit of mutation testing: with the interval's duration left out —
 * a fee per kW instead of per kWh — every test still passed, as every test scenario with a fee ran 1-hour intervals.)
 */
import { expect } from 'chai';
import { memberFee } from '../../agents/aggregator/contract.ts';

describe('aggregator contract: memberFee', () => {
  const contract = { type: 'pass-through', feePerKwh: 0.02 } as const;

  it('charges per kWh: 1 kW (1000 quanta of 1 W) for 15 minutes is 0.25 kWh × 0.02 = 0.005; for 1 h, 0.02', () => {
    expect(memberFee(contract, 1000, 0.001, 0.25).toString()).to.equal('0.005');
    expect(memberFee(contract, 1000, 0.001, 1).toString()).to.equal('0.02');
    // 2.5 kW bought and sold over 5 minutes: 2500 quanta × 0.001 × 1/12 h = 0.208333… kWh × 0.02, exact to the last digit given.
    expect(memberFee(contract, 2500, 0.001, 0.25 / 3).toFixed(10)).to.equal('0.0041666667');
  });

  it("takes the interval's whole minutes, not its float hours: 2730 quanta of 1 W for 5 minutes at 0.01/kWh is 0.002275 exactly (fuzz feeder seed 10035: the float 1/12 h made it 0.0022749999999999999909…)", () => {
    expect(memberFee({ type: 'pass-through', feePerKwh: 0.01 }, 2730, 0.001, 5 / 60).toString()).to.equal('0.002275');
    expect(memberFee({ type: 'pass-through', feePerKwh: 0.01 }, 2730, 0.001, 1 / 12).toString()).to.equal('0.002275');
  });

  it('is zero without throughput or without a fee', () => {
    expect(memberFee(contract, 0, 0.001, 0.25).isZero()).to.equal(true);
    expect(memberFee({ ...contract, feePerKwh: 0 }, 1000, 0.001, 0.25).isZero()).to.equal(true);
  });
});

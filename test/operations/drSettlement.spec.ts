/**
 * The DR settlement rule of one opted-in command (agents/operations/drSettlement.ts), by
 * hand: the grid room (initial settlement) and the final settlement from the MDMS both use it.
 */
import { expect } from 'chai';
import { settleDrCommand } from '../../agents/operations/drSettlement.ts';

const TERMS = { eventPriceMwh: 300, shortfallPenaltyMwh: 100 };
const row = (s: ReturnType<typeof settleDrCommand>) => [s.measured, s.deliveredKwh, s.creditedKwh, s.pay.toFixed(), s.penalty.toFixed(), s.net.toFixed()];

describe('DR settlement of one command (by hand)', () => {
  it('baseline 3 kW, actual 1 kW, ½ h, committed 1.5 kWh: delivered 1 kWh, paid 0.30, penalty 0.5 kWh × 0.1 = 0.05, net −0.25', () => {
    expect(row(settleDrCommand(3, 1, 1.5, 0.5, TERMS))).to.deep.equal([true, 1, 1, '0.3', '0.05', '-0.25']);
  });

  it('delivering more than committed is paid only up to the commitment, with no penalty', () => {
    expect(row(settleDrCommand(5, 1, 1, 0.5, TERMS))).to.deep.equal([true, 2, 1, '0.3', '0', '-0.3']);
  });

  it('consuming above the baseline: nothing credited, the whole commitment penalised', () => {
    expect(row(settleDrCommand(1, 2, 0.5, 0.5, TERMS))).to.deep.equal([true, -0.5, 0, '0', '0.05', '0.05']);
  });

  it('without a baseline delivery cannot be measured: nothing paid or charged', () => {
    expect(row(settleDrCommand(NaN, 1, 1.5, 0.5, TERMS))).to.deep.equal([false, 0, 0, '0', '0', '0']);
  });
});

describe('DR settlement under the commitment rule (penalty: commitment), by hand', () => {
  const COMMITMENT = { ...TERMS, penalty: 'commitment' as const };
  // A home scheduled at 3 kW (its cooling recovering) against a 2 kW baseline, committed to 1 kW less: level 2 kW, 1 h.
  it('doing exactly what it committed: the baseline rule charges the whole commitment, the commitment rule nothing; neither pays', () => {
    expect(row(settleDrCommand(2, 2, 1, 1, TERMS, 2))).to.deep.equal([true, 0, 0, '0', '0.1', '0.1']);
    expect(row(settleDrCommand(2, 2, 1, 1, COMMITMENT, 2))).to.deep.equal([true, 0, 0, '0', '0', '0']);
  });

  it('0.5 kW above its committed level: 0.5 kWh × 0.1 = 0.05 charged; the payment is still against the baseline', () => {
    expect(row(settleDrCommand(2, 2.5, 1, 1, COMMITMENT, 2))).to.deep.equal([true, -0.5, 0, '0', '0.05', '0.05']);
    // Baseline 3 kW: 0.5 kWh delivered against it, paid 0.5 × 0.3; 0.5 kWh above the level, charged 0.05.
    expect(row(settleDrCommand(3, 2.5, 1, 1, COMMITMENT, 2))).to.deep.equal([true, 0.5, 0.5, '0.15', '0.05', '-0.1']);
  });

  it('a penalty never exceeds the commitment: 2 kW above the level charges the 1 kWh committed', () => {
    expect(row(settleDrCommand(2, 4, 1, 1, COMMITMENT, 2))).to.deep.equal([true, -2, 0, '0', '0.1', '0.1']);
  });

  it('without a baseline nothing is settled either way; the rule needs the committed level', () => {
    expect(row(settleDrCommand(NaN, 4, 1, 1, COMMITMENT, 2))).to.deep.equal([false, 0, 0, '0', '0', '0']);
    expect(() => settleDrCommand(2, 2, 1, 1, COMMITMENT)).to.throw(/needs the committed level/);
  });
});

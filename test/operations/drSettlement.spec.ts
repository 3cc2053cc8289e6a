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

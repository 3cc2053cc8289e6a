import { expect } from 'chai';
import { meterIntervalIssues } from '../../tariffs/compat.ts';
import type { CriticalPeakTariff, DemandChargeTariff, TimeOfUseTariff } from '../../tariffs/types.ts';
import { at } from './helpers.ts';

describe('tariffs: meter interval cross-check', () => {
  const tou: TimeOfUseTariff = {
    id: 'tou',
    type: 'time-of-use',
    defaultPeriod: 'off',
    periods: [
      { name: 'peak', energyPricePerKwh: 0.3, rules: [{ days: ['mon'], fromHour: 16.5, toHour: 20 }] },
      { name: 'off', energyPricePerKwh: 0.1, rules: [] },
    ],
  };
  const midnight = at('2026-07-01T00:00Z');

  it('accepts readings that nest in every price', () => {
    expect(meterIntervalIssues(tou, 30, midnight)).to.deep.equal([]);
    expect(meterIntervalIssues(tou, 15, at('2026-07-01T00:45Z'))).to.deep.equal([]);
    expect(meterIntervalIssues({ id: 'f', type: 'flat', energyPricePerKwh: 0.2 }, 7, midnight)).to.deep.equal([]);
  });

  it('names the boundaries a reading would straddle', () => {
    expect(meterIntervalIssues(tou, 60, midnight, ['tariffs', 1])).to.deep.equal([
      { path: 'tariffs[1].periods[0].rules[0].fromHour', message: '16:30 falls inside a 60-minute reading' },
    ]);
    expect(meterIntervalIssues(tou, 30, at('2026-07-01T00:15Z'))[0]?.message).to.match(/not on a multiple/);
    const cpp: CriticalPeakTariff = {
      id: 'c',
      type: 'critical-peak',
      energy: { type: 'flat', energyPricePerKwh: 0.2 },
      noticeHours: 24,
      eventWindow: { fromHour: 14, toHour: 17.5 },
      eventPricePerKwh: 0.9,
      events: [],
    };
    expect(meterIntervalIssues(cpp, 60, midnight).map((i) => i.path)).to.deep.equal(['eventWindow.toHour']);
    const dc: DemandChargeTariff = { id: 'd', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 10, demandWindowMinutes: 15 };
    expect(meterIntervalIssues(dc, 60, midnight).map((i) => i.path)).to.deep.equal(['demandWindowMinutes']);
  });
});

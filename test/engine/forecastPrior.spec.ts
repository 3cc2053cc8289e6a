import { expect } from 'chai';
import { forecastSchema, PriceForecaster } from '../../engine/forecast.ts';

const START = Date.parse('2026-07-15T12:00:00Z');
const PRIOR = Array.from({ length: 24 }, (_, h) => 100 + h); // hour h → 100 + h

describe('engine/forecast: priorByHourMwh stands in for missing history', () => {
  it('same-interval-yesterday: the first day is forecast at the prior of each UTC hour, then yesterday takes over', () => {
    const cfg = forecastSchema.parse({ method: 'same-interval-yesterday', horizonHours: 2, priorByHourMwh: PRIOR });
    // 15-minute intervals, 2 days, starting at 12:00 UTC.
    const f = new PriceForecaster(1, 192, 96, 15, cfg, START);
    expect(f.forecast(0, 0)).to.deep.equal([112, 112, 112, 112, 113, 113, 113, 113]);
    f.record(0, Float64Array.of(50));
    // Interval 1 (12:15): still no yesterday, the prior, not the last price.
    expect(f.forecast(0, 1)[0]).to.equal(112);
    // Interval 96 (next day 12:00): yesterday's 12:00 (50) where known, the prior where not (12:15 was never recorded → NaN history).
    expect(f.forecast(0, 96).slice(0, 2)).to.deep.equal([50, 112]);
    // Past midnight the hours wrap: interval 48 is 00:00 UTC.
    expect(f.forecast(0, 48)[0]).to.equal(100);
  });

  it('persistence: the prior until the first price clears at that bus, then the last price', () => {
    const cfg = forecastSchema.parse({ method: 'persistence', horizonHours: 1, priorByHourMwh: PRIOR });
    const f = new PriceForecaster(2, 96, 96, 15, cfg, START);
    expect(f.forecast(0, 0)).to.deep.equal([112, 112, 112, 112]);
    f.record(0, Float64Array.of(70, NaN));
    expect(f.forecast(0, 1)).to.deep.equal([70, 70, 70, 70]);
    expect(f.forecast(1, 1)).to.deep.equal([112, 112, 112, 113]); // 12:15 … 13:00
  });

  it('the schema wants 24 values', () => {
    expect(forecastSchema.safeParse({ priorByHourMwh: [1, 2, 3] }).success).to.equal(false);
    expect(forecastSchema.safeParse({ priorByHourMwh: PRIOR }).success).to.equal(true);
  });
});

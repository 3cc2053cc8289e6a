import { expect } from 'chai';
import { RandomService } from '../../core/rng.ts';
import {
  HEATWAVE_DAY,
  MILD_DAY,
  drawDayOffsetC,
  nextTemperatureNoiseC,
  outdoorTempC,
} from '../../agents/physics/outdoor.ts';

describe('physics/outdoor: daily temperature wave', () => {
  it('mild day by hand: 12 °C at 05:00, 17 °C at 10:00, 22 °C at 15:00, 17 °C at 22:00', () => {
    expect(outdoorTempC(MILD_DAY, 5)).to.equal(12);
    expect(outdoorTempC(MILD_DAY, 10)).to.be.closeTo(17, 1e-12);
    expect(outdoorTempC(MILD_DAY, 15)).to.equal(22);
    // cooling: 7 h into the 14 h fall → halfway
    expect(outdoorTempC(MILD_DAY, 22)).to.be.closeTo(17, 1e-12);
  });

  it('midnight by hand: 22 − 10·(1 − cos(9π/14))/2 = 14.8306 °C', () => {
    expect(outdoorTempC(MILD_DAY, 0)).to.be.closeTo(14.8306, 1e-4);
    expect(outdoorTempC(MILD_DAY, 24)).to.be.closeTo(14.8306, 1e-4);
  });

  it('stays between min and max, with min at 05:00 and max at 15:00 (heatwave, every minute)', () => {
    let lo = Infinity;
    let hi = -Infinity;
    let loAt = -1;
    let hiAt = -1;
    for (let m = 0; m < 1440; m++) {
      const t = outdoorTempC(HEATWAVE_DAY, m / 60);
      if (t < lo) [lo, loAt] = [t, m];
      if (t > hi) [hi, hiAt] = [t, m];
    }
    expect([lo, hi]).to.deep.equal([22, 36]);
    expect([loAt, hiAt]).to.deep.equal([300, 900]);
  });

  it('joins two different days continuously at midnight when given the neighbours', () => {
    const before = outdoorTempC(MILD_DAY, 23.9999, MILD_DAY.maxC, HEATWAVE_DAY.minC);
    const after = outdoorTempC(HEATWAVE_DAY, 0, MILD_DAY.maxC);
    expect(after - before).to.be.closeTo(0, 1e-3);
  });

  it('adds seeded noise reproducibly, with the requested spread', () => {
    const a = new RandomService(3).stream('site-1', 'weather');
    const b = new RandomService(3).stream('site-1', 'weather');
    expect(drawDayOffsetC(a, 2)).to.equal(drawDayOffsetC(b, 2));
    let x = 0;
    let sumSq = 0;
    for (let i = 0; i < 20_000; i++) {
      x = nextTemperatureNoiseC(a, x, 0.9, 0.5);
      sumSq += x * x;
    }
    expect(Math.sqrt(sumSq / 20_000)).to.be.closeTo(0.5, 0.05);
  });
});

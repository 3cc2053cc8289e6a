import { expect } from 'chai';
import { getTimes } from 'suncalc';
import { RandomService } from '../../core/rng.ts';
import { MS_PER_MINUTE, parseSimTime, simTime } from '../../core/time.ts';
import { kw } from '../../core/units.ts';
import {
  TEMPERATE_SUMMER_SKY,
  clearSkyGhiWm2,
  clearSkyPvKw,
  drawSkyDay,
  haurwitzGhiWm2,
  nextClearSkyIndex,
  pvOutputKw,
  solarElevationDeg,
  type PvParams,
} from '../../agents/physics/pv.ts';

// A 5 kW array with performance ratio 0.8 in Amsterdam (52.37 N, 4.90 E), at the June solstice 2026.
const pv: PvParams = { capacityKw: kw(5), performanceRatio: 0.8, latitudeDeg: 52.37, longitudeDeg: 4.9 };

describe('physics/pv: clear-sky irradiance (Haurwitz)', () => {
  it('gives 1098·e^−0.057 = 1037.16 W/m² overhead and 549·e^−0.114 = 489.85 W/m² at 30°', () => {
    expect(haurwitzGhiWm2(90)).to.be.closeTo(1037.164, 1e-3);
    expect(haurwitzGhiWm2(30)).to.be.closeTo(489.850, 1e-3);
  });

  it('is zero at and below the horizon', () => {
    expect(haurwitzGhiWm2(0)).to.equal(0);
    expect(haurwitzGhiWm2(-10)).to.equal(0);
    expect(haurwitzGhiWm2(Number.NaN)).to.equal(0);
  });
});

describe('physics/pv: output over a solstice day in Amsterdam', () => {
  const noon = simTime(getTimes(new Date('2026-06-21T12:00:00Z'), pv.latitudeDeg, pv.longitudeDeg).solarNoon.getTime());

  it('is zero at night (00:00 UTC, sun 13.6° below the horizon)', () => {
    const midnight = parseSimTime('2026-06-21T00:00:00Z')!;
    expect(solarElevationDeg(midnight, pv.latitudeDeg, pv.longitudeDeg)).to.be.below(0);
    expect(clearSkyPvKw(pv, midnight)).to.equal(0);
  });

  it('at solar noon equals capacity · PR · GHI(e)/1000 with suncalc’s elevation e, ≈ 3.60 kW by hand', () => {
    // By hand: e ≈ 90 − 52.37 + 23.44 = 61.07°; sin e = 0.87523; GHI = 1098 · 0.87523 · e^(−0.057/0.87523) = 900.4 W/m²;
    // P = 5 · 0.8 · 0.9004 = 3.6016 kW.
    const e = solarElevationDeg(noon, pv.latitudeDeg, pv.longitudeDeg);
    expect(e).to.be.closeTo(61.07, 0.02);
    const s = Math.sin((e * Math.PI) / 180);
    const expected = (5 * 0.8 * 1098 * s * Math.exp(-0.057 / s)) / 1000;
    expect(clearSkyPvKw(pv, noon)).to.be.closeTo(expected, 1e-12);
    expect(clearSkyPvKw(pv, noon)).to.be.closeTo(3.6016, 0.002);
  });

  it('peaks at solar noon (minute-by-minute maximum within one minute of it)', () => {
    const start = parseSimTime('2026-06-21T00:00:00Z')!;
    let best = start;
    let bestKw = -1;
    for (let m = 0; m < 24 * 60; m++) {
      const t = simTime(start + m * MS_PER_MINUTE);
      const p = clearSkyPvKw(pv, t);
      if (p > bestKw) {
        bestKw = p;
        best = t;
      }
    }
    expect(Math.abs(best - noon)).to.be.at.most(MS_PER_MINUTE);
  });

  it('scales with the clear-sky index and is capped at the nameplate', () => {
    const ghi = clearSkyGhiWm2(noon, pv.latitudeDeg, pv.longitudeDeg);
    expect(pvOutputKw(pv, ghi, 0.5)).to.be.closeTo(clearSkyPvKw(pv, noon) / 2, 1e-12);
    expect(pvOutputKw({ capacityKw: kw(5), performanceRatio: 1 }, 1100, 1.2)).to.equal(5);
    expect(pvOutputKw(pv, ghi, 0)).to.equal(0);
  });
});

describe('physics/pv: seeded cloudiness', () => {
  const day = (seed: number) => {
    const rng = new RandomService(seed).stream('site-1', 'sky');
    const sky = drawSkyDay(rng, TEMPERATE_SUMMER_SKY);
    const ks: number[] = [];
    let k = sky.meanIndex;
    for (let i = 0; i < 96; i++) ks.push((k = nextClearSkyIndex(rng, sky, k)));
    return { sky, ks };
  };

  it('is reproducible for the same seed and differs for another', () => {
    expect(day(1)).to.deep.equal(day(1));
    expect(day(2)).to.not.deep.equal(day(1));
  });

  it('keeps the index in [0, 1.2] and the day mean inside its regime', () => {
    for (let seed = 0; seed < 200; seed++) {
      const { sky, ks } = day(seed);
      const r = TEMPERATE_SUMMER_SKY[sky.kind];
      expect(sky.meanIndex).to.be.within(r.meanMin, r.meanMax);
      expect(Math.min(...ks)).to.be.at.least(0);
      expect(Math.max(...ks)).to.be.at.most(1.2);
    }
  });

  it('draws the three regimes with their shares (2000 days, ±4 points)', () => {
    const rng = new RandomService(4).stream('site-1', 'sky');
    const n = { clear: 0, partlyCloudy: 0, overcast: 0 };
    for (let i = 0; i < 2000; i++) n[drawSkyDay(rng).kind]++;
    expect(n.clear / 2000).to.be.closeTo(0.35, 0.04);
    expect(n.partlyCloudy / 2000).to.be.closeTo(0.4, 0.04);
    expect(n.overcast / 2000).to.be.closeTo(0.25, 0.04);
  });
});

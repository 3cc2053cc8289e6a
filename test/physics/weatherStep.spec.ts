/**
 * The weather forgets at the same rate per hour whatever the market's interval. Its noise is
 * AR(1) with persistence given per 15 minutes (temperature 0.9, sky 0.7); applied per interval
 * as it was, hourly weather was four times as persistent in time as quarter-hourly (an hour
 * apart: correlation 0.9 against 0.9⁴ = 0.6561), so a study's results moved with its interval.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import { Environment, weatherSchema } from '../../agents/environment.ts';
import { MILD_DAY, outdoorTempC, persistenceFor } from '../../agents/physics/outdoor.ts';
import { RandomService } from '../../core/rng.ts';
import { parseSimTime, simTime } from '../../core/time.ts';

const site = { latitude: 52.37, longitude: 4.9, zone: SiteZone.fixed(0) };
const MS_PER_H = 3_600_000;

/** The temperature noise of `n` intervals of `durationH` (the outdoor temperature less the mild day's curve). */
function noise(durationH: number, n: number, seed: number): number[] {
  const env = new Environment(site, weatherSchema.parse({ temperature: 'mild', sky: 'clear', noiseSdC: 1 }), new RandomService(seed));
  const t0 = parseSimTime('2026-04-01T00:00:00Z')!;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = env.at(simTime(t0 + i * durationH * MS_PER_H), durationH);
    out.push(c.outdoorC - outdoorTempC(MILD_DAY, c.localHour));
  }
  return out;
}

/** Sample correlation of x_t and x_{t+lag}. */
function autocorrelation(x: number[], lag: number): number {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    den += (x[i]! - mean) ** 2;
    if (i + lag < x.length) num += (x[i]! - mean) * (x[i + lag]! - mean);
  }
  return num / den;
}

describe('weather persistence per hour, whatever the interval (agents/physics/outdoor.ts persistenceFor)', () => {
  it('by hand: 0.9 per quarter-hour is 0.9 at 15 minutes (exactly), 0.9⁴ = 0.6561 at an hour, 0.9^(1/3) at 5 minutes', () => {
    expect(persistenceFor(0.9, 0.25)).to.equal(0.9);
    expect(persistenceFor(0.9, 1)).to.be.closeTo(0.6561, 1e-12);
    expect(persistenceFor(0.9, 5 / 60)).to.be.closeTo(Math.cbrt(0.9), 1e-12);
    expect(persistenceFor(0.7, 0.5)).to.be.closeTo(0.49, 1e-12);
  });

  it('a run of hourly intervals and one of quarter-hours: temperature noise an hour apart correlates 0.66 in both (20,000 hours each, seeded)', () => {
    const hourly = autocorrelation(noise(1, 20_000, 11), 1);
    const quarterly = autocorrelation(noise(0.25, 80_000, 12), 4);
    // Sampling error of a lag correlation over n steps is about (1 − ρ²)/√n: < 0.01 here.
    expect(hourly).to.be.closeTo(0.6561, 0.02);
    expect(quarterly).to.be.closeTo(0.6561, 0.02);
    // And the stationary spread is the configured sd (1 °C) at both.
    const sd = (x: number[]) => Math.sqrt(x.reduce((a, b) => a + b * b, 0) / x.length);
    expect(sd(noise(1, 20_000, 13))).to.be.closeTo(1, 0.05);
    expect(sd(noise(0.25, 80_000, 14))).to.be.closeTo(1, 0.05);
  });
});

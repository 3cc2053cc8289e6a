/**
 * A car's session sequence starts on the local day before the run ("last night's car", agents/ev/runtime.ts), read on
 * the site's wall clock. A run from local midnight on Monday 30 March 2026 in Amsterdam (22:00 UTC on the 29th, the
 * day after the spring change) starts its sequence on Sunday 29 March (from 23:00 UTC on the 28th): the instant 24
 * hours before the run (22:00 UTC on the 28th) shows 23:00 on Saturday, and the sequence started on Saturday drew one
 * session more from the car's stream, so every session of the run was another than the one its days draw.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { RandomService } from '../../core/rng.ts';
import { SiteZone } from '../../core/siteZone.ts';
import { MS_PER_DAY, parseSimTime, simTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { evKind } from '../../agents/ev/index.ts';
import type { EvRuntime } from '../../agents/ev/runtime.ts';
import { evGroupSchema } from '../../agents/ev/schema.ts';
import { drawSession } from '../../agents/ev/session.ts';
import { HOME_SESSIONS } from '../../agents/physics/evSessions.ts';
import { DEFAULT_WEATHER, Environment } from '../../agents/environment.ts';
import type { AgentEnv } from '../../agents/types.ts';
import type { ClockSpec } from '../../core/clock.ts';

const SEED = 11;
const CARS = 8;

function cars(zone: SiteZone, startIso: string, days = 2): EvRuntime[] {
  const random = new RandomService(SEED);
  const site = { latitude: 52.37, longitude: 4.9, zone };
  const start = parseSimTime(startIso)!;
  const clock: ClockSpec = { start, intervalMinutes: 15, intervals: days * 96, gateClosureMinutes: 5 };
  const env = { random, site, environment: new Environment(site, DEFAULT_WEATHER, random), clock, defaultBus: busId('main'), reportStrategyFault: () => {} } as AgentEnv;
  return evKind.create(evGroupSchema.parse({ kind: 'ev', idPrefix: 'ev', count: CARS, sessions: 'home' }), env) as EvRuntime[];
}

const amsterdam = (startIso: string): SiteZone => {
  const t = Date.parse(startIso);
  // As the run builds it (engine/scenario/siteZone.ts): 40 days either side; the run itself is the 2 days from `start`.
  return SiteZone.iana('Europe/Amsterdam', t - 40 * MS_PER_DAY, t + 42 * MS_PER_DAY, t, t + 2 * MS_PER_DAY);
};

/** The car's first session drawn by hand: the first draw of its own stream (`ev-session`), on the local day starting at `dayStartMs`, skipped while it departs by the run's start. */
function firstSessionByHand(car: EvRuntime, zone: SiteZone, dayStartMs: number, runStartMs: number) {
  const rng = new RandomService(SEED).stream(car.id, 'ev-session');
  const battery = car.status().car.battery;
  const usable = battery.maxSocKwh - battery.minSocKwh;
  let day = dayStartMs;
  let s = drawSession(rng, HOME_SESSIONS, simTime(day), usable, -Infinity, zone);
  while (s.departure <= runStartMs) {
    day = zone.nextDayStart(day);
    s = drawSession(rng, HOME_SESSIONS, simTime(day), usable, s.departure, zone);
  }
  return s;
}

describe('agents/ev: the day before the run is the local day before, on the wall clock', () => {
  it('Monday 30 March 2026 00:00 in Amsterdam (after the spring change): the sequence starts on Sunday 29 March, 23:00 UTC on the 28th', () => {
    const start = '2026-03-29T22:00:00Z';
    const zone = amsterdam(start);
    const sunday = Date.parse('2026-03-28T23:00:00Z');
    // The hand numbers: Sunday is 23 hours long, and 24 hours before the run is 23:00 on Saturday's wall.
    expect(zone.dayLengthMs(zone.localDayNumber(sunday)) / 3_600_000).to.equal(23);
    expect(zone.localMidnight(Date.parse(start) - MS_PER_DAY)).to.equal(Date.parse('2026-03-27T23:00:00Z'));
    for (const car of cars(zone, start)) {
      const byHand = firstSessionByHand(car, zone, sunday, Date.parse(start));
      const first = car.status().session;
      // A session plugged in before the first gate is moved to it (the car arrives having charged); its departure and need are its own.
      expect(first.departure, car.id).to.equal(byHand.departure);
      expect(first.needKwh, car.id).to.equal(byHand.needKwh);
    }
  });

  it('draws what a fixed UTC+2 site draws from the same Monday midnight (no change between that Sunday and the run)', () => {
    const start = '2026-03-29T22:00:00Z';
    const zoned = cars(amsterdam(start), start);
    const fixed = cars(SiteZone.fixed(2), start);
    zoned.forEach((car, i) => expect(car.status().session, car.id).to.deep.equal(fixed[i]!.status().session));
  });

  it('Monday 26 October 2026 00:00 after the autumn change (24 hours back is already Sunday): the sequence starts on Sunday 25 October, 22:00 UTC on the 24th', () => {
    const start = '2026-10-25T23:00:00Z';
    const zone = amsterdam(start);
    const sunday = Date.parse('2026-10-24T22:00:00Z');
    expect(zone.dayLengthMs(zone.localDayNumber(sunday)) / 3_600_000).to.equal(25);
    for (const car of cars(zone, start)) {
      const byHand = firstSessionByHand(car, zone, sunday, Date.parse(start));
      expect(car.status().session.departure, car.id).to.equal(byHand.departure);
    }
  });

  it('a run from 00:30 on Monday 30 March (not local midnight) also starts on Sunday', () => {
    const start = '2026-03-29T22:30:00Z';
    const zone = amsterdam(start);
    for (const car of cars(zone, start)) {
      const byHand = firstSessionByHand(car, zone, Date.parse('2026-03-28T23:00:00Z'), Date.parse(start));
      expect(car.status().session.departure, car.id).to.equal(byHand.departure);
    }
  });

  it('property: with a fixed offset the first day is the day of the instant 24 hours back, as before (bit for bit); in Amsterdam it is always the local day before', () => {
    fc.assert(
      fc.property(fc.integer({ min: -48, max: 56 }), fc.integer({ min: Date.parse('2026-01-01T00:00:00Z') / 60_000, max: Date.parse('2027-01-01T00:00:00Z') / 60_000 }), (quarterHours, minute) => {
        const t = minute * 60_000;
        const fixed = SiteZone.fixed(quarterHours / 4);
        expect(fixed.dayStartMs(fixed.localDayNumber(t) - 1)).to.equal(fixed.localMidnight(t - MS_PER_DAY));
      }),
      { numRuns: 500 },
    );
    const year = SiteZone.iana('Europe/Amsterdam', Date.parse('2025-12-01T00:00:00Z'), Date.parse('2027-02-01T00:00:00Z'));
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2026-01-01T00:00:00Z') / 60_000, max: Date.parse('2027-01-01T00:00:00Z') / 60_000 }), (minute) => {
        const t = minute * 60_000;
        const first = year.dayStartMs(year.localDayNumber(t) - 1);
        expect(year.localDayNumber(first)).to.equal(year.localDayNumber(t) - 1);
        expect(year.localMsOfDay(first)).to.equal(0);
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * `site.timeZone` (core/siteZone.ts, engine/scenario/siteZone.ts): what `validate` refuses, each
 * at its key with its line; a zone without a change in the run is exactly its fixed offset (the
 * same bytes); routines (cars, dishwashers) follow the wall clock on a change day.
 */
import { expect } from 'chai';
import { InputFileError } from '../../core/errors.ts';
import { RandomService } from '../../core/rng.ts';
import { SiteZone } from '../../core/siteZone.ts';
import { simTime } from '../../core/time.ts';
import { kwh } from '../../core/units.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { drawEvSession, HOME_SESSIONS } from '../../agents/physics/evSessions.ts';
import { businessDayOf, tenOfTenBaseline } from '../../agents/operations/baseline.ts';
import { runAndRead } from '../helpers/runOutputs.ts';

const base = (site: string, extra = '', start = '2026-07-01T00:00:00Z', days = 1) => `name: tz
seed: 3
start: ${start}
days: ${days}
intervalMinutes: 15
site: ${site}
${extra}agents:
  - { kind: generator, id: plant, offers: [{ kw: 500, priceMwh: 60 }] }
  - { kind: retailer, id: r, tariffs: [tou] }
  - { kind: home, idPrefix: home, count: 6, retailer: r, tariff: tou }
  - { kind: ev, idPrefix: ev, count: 3, sessions: home, retailer: r, tariff: tou }
`;
const TOU = `tariffs:
  - id: tou
    type: time-of-use
    hours: local
    defaultPeriod: off
    periods:
      - { name: peak, energyPricePerKwh: 0.4, rules: [{ fromHour: 17, toHour: 21 }] }
      - { name: off, energyPricePerKwh: 0.2 }
`;
const problems = (text: string): string[] => {
  try {
    parseScenario(text, 'tz.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    return e.message.split('\n').slice(1).map((l) => l.trim());
  }
};

describe('site.timeZone: validate', () => {
  it('accepts an IANA zone in place of utcOffsetHours', () => {
    expect(problems(base('{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }', TOU))).to.deep.equal([]);
  });

  it('refuses both, naming the line of timeZone', () => {
    expect(problems(base('{ latitude: 52.37, longitude: 4.9, utcOffsetHours: 2, timeZone: Europe/Amsterdam }', TOU))).to.deep.equal([
      "tz.yaml:6:71 site.timeZone: give either utcOffsetHours (a fixed offset) or timeZone (an IANA zone with its daylight saving), not both, got 'Europe/Amsterdam'",
    ]);
  });

  it('refuses neither', () => {
    expect(problems(base('{ latitude: 52.37, longitude: 4.9 }', TOU))).to.deep.equal([
      'tz.yaml:6:1 site.utcOffsetHours: the site needs its local time: utcOffsetHours (hours east of UTC, e.g. 1) or timeZone (an IANA name such as Europe/Amsterdam)',
    ]);
  });

  it('names an unknown zone and says it expected an IANA name such as Europe/Amsterdam', () => {
    expect(problems(base('{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdan }', TOU))).to.deep.equal([
      "tz.yaml:6:52 site.timeZone: unknown time zone: expected an IANA time zone name such as Europe/Amsterdam or America/Los_Angeles (a fixed offset is site.utcOffsetHours), got 'Europe/Amsterdan'",
    ]);
    expect(problems(base("{ latitude: 52.37, longitude: 4.9, timeZone: '+02:00' }", TOU))[0]).to.match(/site\.timeZone: an offset, not a time zone: expected an IANA time zone name .*, got '\+02:00'/);
  });

  it('refuses a day-ahead market across a change, at its stage, saying why', () => {
    const da = `market:\n  timeline:\n    - { stage: dayAhead, gateClosureLocal: "12:00", daysBefore: 1 }\n    - realTime\n${TOU}`;
    expect(problems(base('{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }', da, '2026-03-27T23:00:00Z', 3))).to.deep.equal([
      'tz.yaml:9:16 market.timeline[0].stage: Europe/Amsterdam changes from UTC+01:00 to UTC+02:00 at 2026-03-29T01:00:00Z: a day-ahead market across a daylight-saving change is not supported yet (its delivery day would have 23 or 25 hours); run the days before or after the change, or use site.utcOffsetHours',
    ]);
    // The same market in July, or on a fixed offset, is fine.
    expect(problems(base('{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }', da, '2026-06-30T22:00:00Z', 3))).to.deep.equal([]);
    expect(problems(base('{ latitude: 52.37, longitude: 4.9, utcOffsetHours: 1 }', da, '2026-03-27T23:00:00Z', 3))).to.deep.equal([]);
  });

  it('refuses a demand charge in local hours across a change, at its hours; in UTC hours it runs', () => {
    const demand = (hours: string) => `tariffs:
  - { id: tou, type: demand-charge, hours: ${hours}, energy: { type: flat, energyPricePerKwh: 0.2 }, demandChargePerKw: 5, demandWindowMinutes: 15 }
`;
    expect(problems(base('{ latitude: 52.37, longitude: 4.9, timeZone: America/Los_Angeles }', demand('local'), '2026-11-01T07:00:00Z', 2))).to.deep.equal([
      'tz.yaml:8:44 tariffs[0].hours: America/Los_Angeles changes from UTC−07:00 to UTC−08:00 at 2026-11-01T09:00:00Z: a demand-charge tariff in local hours across a daylight-saving change is not supported yet (its event or demand windows and months would move with the wall clock); give the tariff in UTC hours, or run a span without a change',
    ]);
    expect(problems(base('{ latitude: 52.37, longitude: 4.9, timeZone: America/Los_Angeles }', demand('utc'), '2026-11-01T07:00:00Z', 2))).to.deep.equal([]);
  });

  it('checks local hours against the meter in every offset of the run: Adelaide (UTC+9:30 / +10:30) with hourly readings is refused, naming the zone', () => {
    const hourly = base('{ latitude: -34.9, longitude: 138.6, timeZone: Australia/Adelaide }', TOU, '2026-07-01T00:00:00Z').replace('intervalMinutes: 15', 'intervalMinutes: 60');
    const found = problems(hourly);
    expect(found.length).to.be.greaterThan(0);
    for (const p of found) expect(p).to.match(/tariffs\[0\]\..*Australia\/Adelaide at UTC\+09:30/);
    // Quarter-hour readings take Kathmandu's UTC+5:45 and Adelaide's half hours.
    expect(problems(base('{ latitude: 27.7, longitude: 85.3, timeZone: Asia/Kathmandu }', TOU))).to.deep.equal([]);
    expect(problems(base('{ latitude: -34.9, longitude: 138.6, timeZone: Australia/Adelaide }', TOU, '2026-04-03T00:00:00Z', 3))).to.deep.equal([]);
  });
});

describe('site.timeZone: a zone without a change in the run is its fixed offset', function () {
  this.timeout(120_000);
  it('Europe/Amsterdam in July gives the bytes of utcOffsetHours: 2 (every table and summary.json; the report names the zone)', async () => {
    const files = ['summary.json', 'agents.csv', 'bills.csv', 'intervals.csv', 'events.csv', 'flows.csv'];
    const read = (site: string) => runAndRead(parseScenario(base(site, TOU, '2026-06-30T22:00:00Z', 2), 'tz.yaml'), (f) => files.map((n) => f.text(n)));
    const [zone, fixed] = [await read('{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }'), await read('{ latitude: 52.37, longitude: 4.9, utcOffsetHours: 2 }')];
    files.forEach((n, k) => expect(zone[k] === fixed[k], n).to.equal(true));
    // And the zone matters: in UTC+1 the same run differs.
    const winter = await read('{ latitude: 52.37, longitude: 4.9, utcOffsetHours: 1 }');
    expect(winter[2] === zone[2]).to.equal(false);
  });
});

describe('site.timeZone: routines on the wall clock', () => {
  it("a car's drawn arrival and departure hours are wall-clock hours on the spring day (the fixed-offset draw is the same hours of elapsed time)", () => {
    const ams = SiteZone.iana('Europe/Amsterdam', Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-05-01T00:00:00Z'));
    const midnight = simTime(Date.parse('2026-03-28T23:00:00Z')); // local midnight of Sunday 29 March
    for (let seed = 1; seed <= 20; seed++) {
      const inZone = drawEvSession(new RandomService(seed).stream('ev-1', 'session'), HOME_SESSIONS, midnight, kwh(40), ams);
      const elapsed = drawEvSession(new RandomService(seed).stream('ev-1', 'session'), HOME_SESSIONS, midnight, kwh(40), SiteZone.fixed(1));
      const hoursAfter = (t: number) => (t - midnight) / 3_600_000;
      // Evening arrival: after the 02:00 → 03:00 jump, the wall clock shows one hour more than the hours elapsed.
      expect(ams.localHourOfDay(inZone.arrival)).to.be.closeTo(hoursAfter(elapsed.arrival) % 24, 1e-9);
      expect(hoursAfter(elapsed.arrival) - hoursAfter(inZone.arrival)).to.be.closeTo(1, 1e-9);
      expect(ams.localHourOfDay(inZone.departure)).to.be.closeTo(hoursAfter(elapsed.departure) % 24, 1e-9);
    }
  });
});

describe('site.timeZone: a 10-of-10 baseline reads the same wall-clock hour of earlier days', () => {
  // Hourly history from Monday 16 March (local midnight, 23:00 UTC on the 15th): 1 kW in 18:00–19:00 on the wall, 0 else.
  const start = Date.parse('2026-03-15T23:00:00Z');
  const ams = SiteZone.iana('Europe/Amsterdam', start - 40 * 86_400_000, start + 60 * 86_400_000, start, start + 20 * 86_400_000);
  const history = Float64Array.from({ length: 20 * 24 }, (_, k) => (Math.floor(ams.localHourOfDay(start + k * 3_600_000)) === 18 ? 1 : 0));
  // The event: Monday 30 March 18:00 summer time, 16:00 UTC, interval 353.
  const event = (Date.parse('2026-03-30T16:00:00Z') - start) / 3_600_000;

  it('after the spring change, 18:00 of the ten business days before it (17:00 UTC then) is 1 kW: the baseline is 1 kW', () => {
    const b = tenOfTenBaseline(history, new Set(), 24, event, event, businessDayOf(start, 60, ams));
    expect(b).to.deep.equal({ baselineKw: 1, unadjustedKw: 1, adjustment: 1, daysUsed: 10 });
  });

  it("(read on the run's 24-hour grid, as a fixed offset does, the same UTC hour was 17:00 on the wall before the change: 0 kW)", () => {
    const b = tenOfTenBaseline(history, new Set(), 24, event, event, businessDayOf(start, 60, SiteZone.fixed(1)));
    expect(b.unadjustedKw).to.be.closeTo(0, 1e-12);
  });
});

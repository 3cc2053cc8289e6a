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
import { siteZoneOf } from '../../engine/scenario/siteZone.ts';
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

  it('refuses a demand charge in local hours whose windows would straddle the change (hourly windows across Lord Howe’s 30 minutes), at its hours; 30-minute windows and Los Angeles run', () => {
    const demand = (minutes: number) => `tariffs:
  - { id: tou, type: demand-charge, hours: local, energy: { type: flat, energyPricePerKwh: 0.2 }, demandChargePerKw: 5, demandWindowMinutes: ${minutes} }
`;
    // (and, in UTC+10:30, the run's start is inside an hourly window of the local clock: said at the windows' key)
    expect(problems(base('{ latitude: -31.5, longitude: 159.1, timeZone: Australia/Lord_Howe }', demand(60), '2026-04-03T13:00:00Z', 3))).to.include.members([
      'tz.yaml:8:44 tariffs[0].hours: Australia/Lord_Howe changes from UTC+11:00 to UTC+10:30 at 2026-04-04T15:00:00Z: its 60-minute demand windows, blocks of the local clock, would start at other minutes of the hour after the change (offsets 11 and 10.5 hours): a window would straddle it; use windows that divide the change (0, 30 minutes apart) or give the tariff in UTC hours',
    ]);
    expect(problems(base('{ latitude: -31.5, longitude: 159.1, timeZone: Australia/Lord_Howe }', demand(30), '2026-04-03T13:00:00Z', 3))).to.deep.equal([]);
    expect(problems(base('{ latitude: 34, longitude: -118.2, timeZone: America/Los_Angeles }', demand(60), '2026-11-01T07:00:00Z', 2))).to.deep.equal([]);
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

  it('says a problem of the tariff itself once, naming no offset, across a change; one of the clock with the offsets that raise it (audit A-dst)', () => {
    // A boundary at 23:45 UTC inside half-hour readings: the tariff's own problem, whatever the site's clock.
    const utcHours = `tariffs:
  - { id: tou, type: time-of-use, defaultPeriod: off, periods: [{ name: peak, energyPricePerKwh: 0.4, rules: [{ fromHour: 17, toHour: 23.75 }] }, { name: off, energyPricePerKwh: 0.2 }] }
`;
    const spring = (tariffs: string, minutes: number) => base('{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }', tariffs, '2026-03-28T00:00:00Z', 2).replace('intervalMinutes: 15', `intervalMinutes: ${minutes}`);
    // Before: the same issue twice, once "(Europe/Amsterdam at UTC+01:00)" and once "(… at UTC+02:00)".
    expect(problems(spring(utcHours, 30))).to.deep.equal(['tz.yaml:8:135 tariffs[0].periods[0].rules[0].toHour: 23:45 falls inside a 30-minute reading']);
    // A local 17:30 with hourly readings in Adelaide across its autumn change: inside a reading in both offsets, each said with its own.
    const local = TOU.replace('fromHour: 17,', 'fromHour: 17.5,');
    const adelaide = problems(base('{ latitude: -34.9, longitude: 138.6, timeZone: Australia/Adelaide }', local, '2026-04-03T00:00:00Z', 3).replace('intervalMinutes: 15', 'intervalMinutes: 60'));
    expect(adelaide.filter((p) => /toHour/.test(p))).to.deep.equal([
      'tz.yaml:13:81 tariffs[0].periods[0].rules[0].toHour: 21:00 local (10:30 UTC) falls inside a 60-minute reading (Australia/Adelaide at UTC+10:30)',
      'tz.yaml:13:81 tariffs[0].periods[0].rules[0].toHour: 21:00 local (11:30 UTC) falls inside a 60-minute reading (Australia/Adelaide at UTC+09:30)',
    ]);
  });
});

describe('site.timeZone: critical peak and a monthly demand charge in local hours across the autumn change in Los Angeles', function () {
  this.timeout(120_000);
  it('runs with closed books; the event on 1 November (16:00–21:00 PST, 00:00–05:00 UTC on the 2nd) is billed at its price, and the demand charge takes its peak in November', async () => {
    const tariffs = `tariffs:
  - id: cpp
    type: critical-peak
    hours: local
    energy: { type: flat, energyPricePerKwh: 0.2 }
    eventPricePerKwh: 0.9
    noticeHours: 24
    eventWindow: { fromHour: 16, toHour: 21 }
    events: [{ id: e1, date: 2026-11-01 }]
  - { id: dc, type: demand-charge, hours: local, energy: { type: flat, energyPricePerKwh: 0.2 }, demandChargePerKw: 5, demandWindowMinutes: 60, demandPeriod: month, demandHours: [{ fromHour: 12, toHour: 20 }] }
`;
    const text = base('{ latitude: 34, longitude: -118.2, timeZone: America/Los_Angeles }', tariffs, '2026-10-31T07:00:00Z', 3)
      .replace('tariffs: [tou] }', 'tariffs: [cpp, dc] }')
      .replace('retailer: r, tariff: tou }\n  - { kind: ev', 'retailer: r, tariff: cpp }\n  - { kind: ev')
      .replace('{ kind: ev, idPrefix: ev, count: 3, sessions: home, retailer: r, tariff: tou }', '{ kind: home, idPrefix: dc-home, count: 3, retailer: r, tariff: dc }');
    const out = await runAndRead(parseScenario(text, 'tz.yaml'), (f) => ({ summary: f.summary(), bills: f.rows('bills.csv'), agents: f.rows('agents.csv') }));
    expect(out.summary.books.closed).to.equal(true);
    // The billing day from 07:00 UTC on 1 November holds the event: each home pays 0.90 on its import of 00:00–05:00 UTC on the 2nd.
    const eventKwh = (id: string) => out.agents.filter((r) => r.agent_id === id && r.interval_start! >= '2026-11-02T00:00' && r.interval_start! < '2026-11-02T05:00').reduce((s, r) => s + Math.max(0, Number(r.actual_kw)) * 0.25, 0);
    expect(eventKwh('home-1')).to.be.greaterThan(0.1);
    for (const b of out.bills.filter((x) => x.tariff === 'cpp' && x.day === '2026-11-01'))
      // agents.csv rounds kW to the watt: 20 event quarter hours × 0.125 Wh at 0.70.
      expect(Number(b.energy_charge), b.agent_id).to.be.closeTo(0.2 * Number(b.import_kwh) + 0.7 * eventKwh(b.agent_id!), 0.002);
    const dc = out.bills.filter((x) => x.tariff === 'dc');
    expect(dc.length).to.equal(3 * 3);
    // The homes' peak in 12:00–20:00 on the wall: October's on its last day, then November's from zero on the first.
    expect(dc.filter((b) => Number(b.demand_charge) > 0).map((b) => b.day).filter((d, i, all) => all.indexOf(d) === i)).to.include.members(['2026-10-31', '2026-11-01']);
  });
});

describe('site.timeZone: a day-ahead market across the spring change in Amsterdam', function () {
  this.timeout(120_000);
  it('clears local delivery days of 96, 92 and 96 quarter hours: every interval of the run has its day-ahead position, and the books close', async () => {
    const da = `market:\n  timeline:\n    - { stage: dayAhead, gateClosureLocal: "12:00", daysBefore: 1 }\n    - realTime\n${TOU}`;
    const text = base('{ latitude: 52.37, longitude: 4.9, timeZone: Europe/Amsterdam }', da, '2026-03-27T23:00:00Z', 3).replace('  - { kind: retailer', '  - { kind: storage, idPrefix: bat, count: 2 }\n  - { kind: retailer');
    const out = await runAndRead(parseScenario(text, 'tz.yaml'), (f) => ({ summary: f.summary(), agents: f.rows('agents.csv') }));
    expect(out.summary.books.closed).to.equal(true);
    const plant = out.agents.filter((r) => r.agent_id === 'plant');
    // 3 calendar days from local midnight on the 28th: 96 + 92 + 96 quarter hours (engine/scenario/runSpan.ts).
    expect(plant.length).to.equal(284);
    expect(plant.filter((r) => r.da_kw === '').map((r) => r.interval_start)).to.deep.equal([]);
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

describe('site.timeZone: the zone table follows the config it is asked for', () => {
  it('a program that reuses a config with another start gets the table of the new span (not the cached one of the old)', () => {
    const site = { latitude: 52.37, longitude: 4.9, timeZone: 'Europe/Amsterdam' };
    const july = siteZoneOf({ start: '2026-07-01T00:00:00Z', days: 1, site });
    const december = siteZoneOf({ start: '2026-12-01T00:00:00Z', days: 1, site });
    expect([july.fixedOffsetHours, december.fixedOffsetHours]).to.deep.equal([2, 1]);
    expect(siteZoneOf({ start: '2026-12-01T00:00:00Z', days: 1, site })).to.equal(december);
  });
});

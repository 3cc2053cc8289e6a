/**
 * The site's clock (core/siteZone.ts): hand-checked daylight-saving days in Amsterdam and Los
 * Angeles, the fixed offset against the arithmetic it replaced, and the table against Intl.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ianaZoneProblem, intlOffsetReader, SiteZone } from '../../core/siteZone.ts';
import { MS_PER_DAY, MS_PER_HOUR } from '../../core/time.ts';

const H = MS_PER_HOUR;
const utc = (iso: string): number => Date.parse(iso);
const YEAR_2026 = [utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z')] as const;

describe('SiteZone: Europe/Amsterdam in 2026', () => {
  const ams = SiteZone.iana('Europe/Amsterdam', ...YEAR_2026);

  it('changes from UTC+1 to UTC+2 at 01:00 UTC on 29 March and back at 01:00 UTC on 25 October', () => {
    expect(ams.transitions).to.deep.equal([
      { atMs: utc('2026-03-29T01:00:00Z'), fromOffsetMs: 1 * H, toOffsetMs: 2 * H },
      { atMs: utc('2026-10-25T01:00:00Z'), fromOffsetMs: 2 * H, toOffsetMs: 1 * H },
    ]);
    expect(ams.fixedOffsetHours).to.equal(undefined);
  });

  it('29 March is a 23-hour local day: midnight is 23:00 UTC the day before, the next 22:00 UTC (92 quarter hours)', () => {
    const day = ams.localDayNumber(utc('2026-03-29T12:00:00Z'));
    expect(ams.dayStartMs(day)).to.equal(utc('2026-03-28T23:00:00Z'));
    expect(ams.dayStartMs(day + 1)).to.equal(utc('2026-03-29T22:00:00Z'));
    expect(ams.dayLengthMs(day) / (15 * 60_000)).to.equal(92);
    // 00:59 UTC is 01:59 local (winter time); 01:00 UTC is 03:00 local: 02:xx does not exist.
    expect(ams.localHourOfDay(utc('2026-03-29T00:45:00Z'))).to.equal(1.75);
    expect(ams.localHourOfDay(utc('2026-03-29T01:00:00Z'))).to.equal(3);
  });

  it('25 October is a 25-hour local day (100 quarter hours): 02:xx local occurs at 00:xx and at 01:xx UTC', () => {
    const day = ams.localDayNumber(utc('2026-10-25T12:00:00Z'));
    expect(ams.dayStartMs(day)).to.equal(utc('2026-10-24T22:00:00Z'));
    expect(ams.dayLengthMs(day) / (15 * 60_000)).to.equal(100);
    expect(ams.localHourOfDay(utc('2026-10-25T00:30:00Z'))).to.equal(2.5);
    expect(ams.localHourOfDay(utc('2026-10-25T01:30:00Z'))).to.equal(2.5);
    expect(ams.localWeekday(utc('2026-10-25T12:00:00Z'))).to.equal(0); // a Sunday
  });

  it('wall-clock hours after midnight: 19:00 is 17:00 UTC on the spring day and 18:00 UTC on the autumn day', () => {
    const spring = ams.dayStartMs(ams.localDayNumber(utc('2026-03-29T12:00:00Z')));
    const autumn = ams.dayStartMs(ams.localDayNumber(utc('2026-10-25T12:00:00Z')));
    expect(ams.wallClockAfter(spring, 19)).to.equal(utc('2026-03-29T17:00:00Z'));
    expect(ams.wallClockAfter(autumn, 19)).to.equal(utc('2026-10-25T18:00:00Z'));
    // 02:30 does not exist on the spring day: the instant 30 minutes past the jump, 03:30 summer time.
    expect(ams.wallClockAfter(spring, 2.5)).to.equal(utc('2026-03-29T01:30:00Z'));
    expect(ams.localHourOfDay(ams.wallClockAfter(spring, 2.5))).to.equal(3.5);
    // 02:30 occurs twice on the autumn day: the first, still summer time.
    expect(ams.wallClockAfter(autumn, 2.5)).to.equal(utc('2026-10-25T00:30:00Z'));
    // 07:30 the next morning (a departure 31.5 h after the autumn midnight on the wall).
    expect(ams.wallClockAfter(autumn, 31.5)).to.equal(utc('2026-10-26T06:30:00Z'));
    expect(ams.nextDayStart(spring)).to.equal(utc('2026-03-29T22:00:00Z'));
    expect(ams.nextDayStart(autumn)).to.equal(utc('2026-10-25T23:00:00Z'));
  });
});

describe('SiteZone: America/Los_Angeles in 2026', () => {
  const la = SiteZone.iana('America/Los_Angeles', ...YEAR_2026);

  it('changes from UTC−8 to UTC−7 at 10:00 UTC on 8 March and back at 09:00 UTC on 1 November', () => {
    expect(la.transitions).to.deep.equal([
      { atMs: utc('2026-03-08T10:00:00Z'), fromOffsetMs: -8 * H, toOffsetMs: -7 * H },
      { atMs: utc('2026-11-01T09:00:00Z'), fromOffsetMs: -7 * H, toOffsetMs: -8 * H },
    ]);
  });

  it('8 March has 23 local hours from 08:00 UTC, 1 November 25 from 07:00 UTC', () => {
    const spring = la.localDayNumber(utc('2026-03-08T20:00:00Z'));
    expect(la.dayStartMs(spring)).to.equal(utc('2026-03-08T08:00:00Z'));
    expect(la.dayLengthMs(spring)).to.equal(23 * H);
    const autumn = la.localDayNumber(utc('2026-11-01T20:00:00Z'));
    expect(la.dayStartMs(autumn)).to.equal(utc('2026-11-01T07:00:00Z'));
    expect(la.dayLengthMs(autumn)).to.equal(25 * H);
    // 17:00 local is 01:00 UTC the next day in summer time, 01:00 UTC + 1 h in winter.
    expect(la.localHourOfDay(utc('2026-07-02T00:00:00Z'))).to.equal(17);
    expect(la.localHourOfDay(utc('2026-12-02T01:00:00Z'))).to.equal(17);
  });
});

describe('SiteZone: a day whose midnight is skipped (America/Santiago, 6 September 2026)', () => {
  it('starts at the jump, 01:00 local, and has 23 hours', () => {
    const z = SiteZone.iana('America/Santiago', ...YEAR_2026);
    const day = z.localDayNumber(utc('2026-09-06T12:00:00Z'));
    expect(z.dayStartMs(day)).to.equal(utc('2026-09-06T04:00:00Z'));
    expect(z.localHourOfDay(z.dayStartMs(day))).to.equal(1);
    expect(z.dayLengthMs(day)).to.equal(23 * H);
  });

  it('counts its wall-clock hours from its (skipped) midnight: 16:00 is 19:00 UTC (UTC−3), 00:30 does not exist and is 01:30 (audit A-dst)', () => {
    const z = SiteZone.iana('America/Santiago', ...YEAR_2026);
    const start = z.dayStartMs(Date.UTC(2026, 8, 6) / MS_PER_DAY);
    // Before the fix, hours counted from the day's first instant (01:00 on the wall): 16 h after it showed 17:00.
    expect(z.wallClockAfter(start, 16)).to.equal(utc('2026-09-06T19:00:00Z'));
    expect(z.wallClockAfter(start, 12)).to.equal(utc('2026-09-06T15:00:00Z'));
    expect(z.wallClockAfter(start, 0.5)).to.equal(utc('2026-09-06T04:30:00Z'));
    expect(z.wallClockAfter(start, 24 + 8)).to.equal(utc('2026-09-07T11:00:00Z'));
  });
});

describe('SiteZone.wallClockAfter shows the wall-clock time asked for, on every local day of 2026 (Intl)', () => {
  // Zones whose changes fall at 02:00, 03:00, 00:00 (Santiago: midnight skipped in September, repeated in April), by 30 minutes (Lord Howe).
  for (const name of ['Europe/Amsterdam', 'America/Los_Angeles', 'America/Santiago', 'Australia/Lord_Howe', 'Pacific/Chatham']) {
    it(`${name}: its first occurrence, or where the wall never shows it, as many minutes past the jump`, () => {
      const z = SiteZone.iana(name, utc('2025-12-01T00:00:00Z'), utc('2027-02-01T00:00:00Z'));
      const intl = intlOffsetReader(name);
      const offsets = [...new Set(z.segments.map((s) => s.offsetMs))];
      const firstDay = Date.UTC(2026, 0, 1) / MS_PER_DAY;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 364 }), fc.integer({ min: 0, max: 48 * 4 - 1 }), (k, quarters) => {
          const wall = (firstDay + k) * MS_PER_DAY + quarters * 15 * 60_000;
          const t = z.wallClockAfter(z.dayStartMs(firstDay + k), quarters / 4);
          const shows = offsets.filter((o) => intl(wall - o) === o).map((o) => wall - o);
          if (shows.length > 0) expect(t).to.equal(Math.min(...shows));
          else expect(t).to.equal(wall - intl(wall - MS_PER_DAY));
        }),
        { numRuns: 1500 },
      );
      // Every change day, at every quarter hour of it and the next.
      for (const x of z.transitionsIn(utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'))) {
        const day = z.localDayNumber(x.atMs);
        for (let q = 0; q < 48 * 4; q++) {
          const wall = day * MS_PER_DAY + q * 15 * 60_000;
          const shows = offsets.filter((o) => intl(wall - o) === o).map((o) => wall - o);
          const t = z.wallClockAfter(z.dayStartMs(day), q / 4);
          expect(t, `${name} day ${day} +${q / 4} h`).to.equal(shows.length > 0 ? Math.min(...shows) : wall - intl(wall - MS_PER_DAY));
        }
      }
    });
  }
});

/** The arithmetic every caller did before zones: local = UTC + hours. */
const old = {
  dayNumber: (t: number, h: number) => Math.floor((t + h * MS_PER_HOUR) / MS_PER_DAY),
  msOfDay: (t: number, h: number) => {
    const local = t + h * MS_PER_HOUR;
    return ((local % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  },
};

describe('SiteZone.fixed answers as the fixed-offset arithmetic did', () => {
  it('for random instants and quarter-hour offsets: day number, hour, weekday, midnight, wall clock (bit for bit)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -48, max: 56 }), fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double({ min: 0, max: 48, noNaN: true }), (quarters, t, hours) => {
        const h = quarters / 4;
        const z = SiteZone.fixed(h);
        expect(z.fixedOffsetHours).to.equal(h);
        expect(z.localDayNumber(t)).to.equal(old.dayNumber(t, h));
        expect(z.localHourOfDay(t)).to.equal(old.msOfDay(t, h) / MS_PER_HOUR);
        expect(z.localMidnight(t)).to.equal(t - old.msOfDay(t, h));
        expect(z.localWeekday(t)).to.equal((((old.dayNumber(t, h) + 4) % 7) + 7) % 7);
        const midnight = t - old.msOfDay(t, h);
        expect(z.wallClockAfter(midnight, hours)).to.equal(midnight + hours * MS_PER_HOUR);
        expect(z.nextDayStart(midnight)).to.equal(midnight + MS_PER_DAY);
        expect(z.dayStartMs(old.dayNumber(t, h))).to.equal(midnight);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('SiteZone.iana agrees with Intl within its span', () => {
  // Whole-hour, half-hour and 45-minute offsets, a 30-minute daylight saving (Lord Howe), the southern hemisphere.
  const zones = ['Europe/Amsterdam', 'America/Los_Angeles', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide', 'Australia/Lord_Howe', 'America/Santiago', 'Europe/London'];
  for (const name of zones) {
    it(`${name}: offset, local hour and local day of random instants in 2025–2026 are Intl's`, () => {
      const from = utc('2025-01-01T00:00:00Z');
      const to = utc('2027-01-01T00:00:00Z');
      const z = SiteZone.iana(name, from, to);
      const intl = intlOffsetReader(name);
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', hour: 'numeric', minute: 'numeric', year: 'numeric', month: 'numeric', day: 'numeric' });
      fc.assert(
        fc.property(fc.integer({ min: from / 60_000, max: to / 60_000 - 1 }), (minute) => {
          const t = minute * 60_000;
          expect(z.offsetMsAt(t)).to.equal(intl(t));
          const p = Object.fromEntries(parts.formatToParts(t).map((x) => [x.type, x.value]));
          expect(z.localMsOfDay(t)).to.equal((Number(p.hour) * 60 + Number(p.minute)) * 60_000);
          expect(z.localDayNumber(t)).to.equal(Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day)) / MS_PER_DAY);
        }),
        { numRuns: 300 },
      );
      // Every transition's instant too, and the minute before it.
      for (const x of z.transitions) {
        expect(z.offsetMsAt(x.atMs)).to.equal(intl(x.atMs));
        expect(z.offsetMsAt(x.atMs - 60_000)).to.equal(intl(x.atMs - 60_000));
      }
    });
  }

  it('Lord Howe moves by 30 minutes: 10:30 and 11:00', () => {
    const z = SiteZone.iana('Australia/Lord_Howe', ...YEAR_2026);
    expect(z.offsetsHoursIn(...YEAR_2026)).to.have.members([10.5, 11]);
  });

  it('a run without a change has one offset: fixedOffsetHours (Amsterdam in July is UTC+2)', () => {
    const z = SiteZone.iana('Europe/Amsterdam', utc('2026-05-01T00:00:00Z'), utc('2026-09-01T00:00:00Z'), utc('2026-07-01T00:00:00Z'), utc('2026-07-08T00:00:00Z'));
    expect(z.fixedOffsetHours).to.equal(2);
    const winter = SiteZone.iana('Europe/Amsterdam', utc('2026-11-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'));
    expect(winter.fixedOffsetHours).to.equal(1);
  });
});

describe('ianaZoneProblem', () => {
  it('accepts IANA names Intl knows', () => {
    for (const ok of ['Europe/Amsterdam', 'America/Los_Angeles', 'Asia/Kathmandu', 'UTC']) expect(ianaZoneProblem(ok)).to.equal(undefined);
  });
  it('names an unknown zone and what it expected', () => {
    expect(ianaZoneProblem('Europe/Amsterdan')).to.equal(
      "unknown time zone 'Europe/Amsterdan': expected an IANA time zone name such as Europe/Amsterdam or America/Los_Angeles (a fixed offset is site.utcOffsetHours)",
    );
  });
  it('refuses an offset written as a zone', () => {
    expect(ianaZoneProblem('+02:00')).to.match(/^'\+02:00' is an offset, not a time zone: expected an IANA time zone name/);
    expect(ianaZoneProblem('UTC+2')).to.match(/is an offset, not a time zone/);
  });
});

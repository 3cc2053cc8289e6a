/**
 * A time-of-use tariff in local hours at a site in an IANA zone follows the wall clock across
 * daylight-saving changes (tariffs/localHours.ts `utcTariffIn`, tariffs/calendar.ts `touSlot`):
 * peak 17:00–21:00 local in Amsterdam is 16:00–20:00 UTC in winter (UTC+1) and 15:00–19:00 UTC in
 * summer (UTC+2). Hand cases on the change days, and a property against Intl's wall clock.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { holidaysOf } from '../../core/calendar.ts';
import { SiteZone } from '../../core/siteZone.ts';
import { utcTariffIn } from '../../tariffs/localHours.ts';
import { makePricer } from '../../tariffs/pricing.ts';
import { parseTariff } from '../../tariffs/schema.ts';
import { type Tariff, TariffError } from '../../tariffs/types.ts';

const utc = (iso: string): number => Date.parse(iso);
const MIN = 60_000;

const parsed = (raw: Record<string, unknown>): Tariff => {
  const t = parseTariff(raw);
  if (!t.ok) throw new Error(`test tariff does not parse: ${JSON.stringify(t.issues)}`);
  return t.value;
};

/** Peak 17:00–21:00 every day, and 02:00–03:00 a "night" period (the hour the spring day skips and the autumn day repeats). */
const TOU = parsed({
  id: 'tou',
  type: 'time-of-use',
  hours: 'local',
  periods: [
    { name: 'peak', energyPricePerKwh: 0.4, rules: [{ fromHour: 17, toHour: 21 }] },
    { name: 'night', energyPricePerKwh: 0.1, rules: [{ fromHour: 2, toHour: 3 }] },
    { name: 'offpeak', energyPricePerKwh: 0.2, rules: [] },
  ],
  defaultPeriod: 'offpeak',
});

const year = [utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z')] as const;
const ams = SiteZone.iana('Europe/Amsterdam', ...year);
const la = SiteZone.iana('America/Los_Angeles', ...year);
const pricerIn = (zone: SiteZone, holidays: readonly string[] = []) => makePricer(utcTariffIn(TOU, zone), { knownBy: Infinity, calendar: { zone, holidays: holidaysOf(holidays) } });

/** The UTC hours (whole, `hours` of them from `dayIso` `fromHourUtc`:00 UTC on) priced as `label`. */
function utcHoursOf(zone: SiteZone, dayIso: string, label: string, fromHourUtc = 0, hours = 48): string[] {
  const p = pricerIn(zone);
  const t0 = utc(`${dayIso}T00:00:00Z`) + fromHourUtc * 3_600_000;
  const out: string[] = [];
  for (let h = 0; h < hours; h++) {
    const t = t0 + h * 3_600_000;
    if (p.interval(t, t + 3_600_000).label === label) out.push(new Date(t).toISOString().slice(5, 13));
  }
  return out;
}

describe('time-of-use in local hours on the wall clock of Europe/Amsterdam', () => {
  it('peak 17–21 local is 16:00–20:00 UTC in winter and 15:00–19:00 UTC in summer', () => {
    expect(utcHoursOf(ams, '2026-01-15', 'peak')).to.deep.equal(['01-15T16', '01-15T17', '01-15T18', '01-15T19', '01-16T16', '01-16T17', '01-16T18', '01-16T19']);
    expect(utcHoursOf(ams, '2026-07-15', 'peak')).to.deep.equal(['07-15T15', '07-15T16', '07-15T17', '07-15T18', '07-16T15', '07-16T16', '07-16T17', '07-16T18']);
  });

  it('on 29 March (23 hours) the peak is already summer time: 15:00–19:00 UTC; the night hour 02:00–03:00 does not occur', () => {
    // 28 March (winter) 16–19 UTC, 29 March (summer) 15–18 UTC.
    expect(utcHoursOf(ams, '2026-03-28', 'peak')).to.deep.equal(['03-28T16', '03-28T17', '03-28T18', '03-28T19', '03-29T15', '03-29T16', '03-29T17', '03-29T18']);
    // 02:00 local on the 28th is 01:00 UTC; on the 29th the clock jumps from 02:00 to 03:00: no night hour.
    expect(utcHoursOf(ams, '2026-03-28', 'night')).to.deep.equal(['03-28T01']);
  });

  it('on 25 October (25 hours) both 02:xx hours are night: 00:00 and 01:00 UTC', () => {
    expect(utcHoursOf(ams, '2026-10-25', 'night')).to.deep.equal(['10-25T00', '10-25T01', '10-26T01']);
    expect(utcHoursOf(ams, '2026-10-24', 'peak')).to.deep.equal(['10-24T15', '10-24T16', '10-24T17', '10-24T18', '10-25T16', '10-25T17', '10-25T18', '10-25T19']);
  });

  it('the quarter hours around the jump: 00:45 UTC is 01:45 local (offpeak), 01:00 UTC is 03:00 local (offpeak); a day earlier 01:00 UTC is 02:00 local (night)', () => {
    const p = pricerIn(ams);
    const q = (iso: string) => p.interval(utc(iso), utc(iso) + 15 * MIN).label;
    expect(q('2026-03-29T00:45:00Z')).to.equal('offpeak');
    expect(q('2026-03-29T01:00:00Z')).to.equal('offpeak');
    expect(q('2026-03-28T01:00:00Z')).to.equal('night');
  });
});

describe('time-of-use in local hours on the wall clock of America/Los_Angeles', () => {
  it('peak 17–21 local is 01:00–05:00 UTC (next day) in winter and 00:00–04:00 UTC in summer; the change days follow the wall', () => {
    expect(utcHoursOf(la, '2026-03-07', 'peak', 12, 24)).to.deep.equal(['03-08T01', '03-08T02', '03-08T03', '03-08T04']); // 7 March, still UTC−8
    expect(utcHoursOf(la, '2026-03-08', 'peak', 12, 24)).to.deep.equal(['03-09T00', '03-09T01', '03-09T02', '03-09T03']); // 8 March, UTC−7 by 17:00
    expect(utcHoursOf(la, '2026-10-31', 'peak', 12, 24)).to.deep.equal(['11-01T00', '11-01T01', '11-01T02', '11-01T03']); // 31 October, UTC−7
    expect(utcHoursOf(la, '2026-11-01', 'peak', 12, 24)).to.deep.equal(['11-02T01', '11-02T02', '11-02T03', '11-02T04']); // 1 November, UTC−8 by 17:00
  });
});

describe('time-of-use on a wall clock: a property against Intl', () => {
  for (const [name, zone] of [['Europe/Amsterdam', ams], ['America/Los_Angeles', la]] as const) {
    it(`${name}: the period of every quarter hour of 2026 is the one of its wall-clock hour (Intl)`, () => {
      const p = pricerIn(zone);
      const hourOf = new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', hour: 'numeric' });
      fc.assert(
        fc.property(fc.integer({ min: year[0] / (15 * MIN), max: year[1] / (15 * MIN) - 2 }), (q) => {
          const t = q * 15 * MIN;
          const h = Number(hourOf.format(t));
          const expected = h >= 17 && h < 21 ? 'peak' : h === 2 ? 'night' : 'offpeak';
          expect(p.interval(t, t + 15 * MIN).label).to.equal(expected);
          expect(p.at(t).label).to.equal(expected);
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('an hourly reading that straddles a wall-clock boundary is refused as with UTC hours (16:00–17:00 UTC in summer is 18–19 local: fine; 16:30–17:30 UTC straddles nothing; 18:30–19:30 UTC straddles 21:00 local)', () => {
    const p = pricerIn(ams);
    expect(p.interval(utc('2026-07-15T16:00:00Z'), utc('2026-07-15T17:00:00Z')).label).to.equal('peak');
    expect(() => p.interval(utc('2026-07-15T18:30:00Z'), utc('2026-07-15T19:30:00Z'))).to.throw(TariffError, /straddle a time-of-use boundary/);
  });
});

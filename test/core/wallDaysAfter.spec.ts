/**
 * `SiteZone.wallDaysAfter`: calendar days on the wall clock, as a run's `days` and `warmUpDays` count them
 * (engine/scenario/runSpan.ts). Every expected instant below is worked out by hand from the zone's published rule:
 * Europe/Amsterdam goes UTC+1 → UTC+2 at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on 25 October 2026;
 * America/Santiago goes UTC−4 → UTC−3 at 04:00 UTC on 6 September 2026 (local midnight skipped: 00:00 → 01:00) and
 * UTC−3 → UTC−4 at 03:00 UTC on 5 April 2026 (24:00 of the 4th → 23:00).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { SiteZone } from '../../core/siteZone.ts';
import { sameWallClockIndex } from '../../core/sameWallClock.ts';

const H = 3_600_000;
const D = 24 * H;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const zone = (name: string): SiteZone => SiteZone.iana(name, at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'));

describe('SiteZone.wallDaysAfter: calendar days on the wall clock', () => {
  const ams = zone('Europe/Amsterdam');
  const scl = zone('America/Santiago');

  it('Amsterdam, spring: 7 days from local midnight on Thursday 26 March end at local midnight on 2 April, 167 hours', () => {
    // 00:00 CET = 23:00 UTC on the 25th; 00:00 CEST on 2 April = 22:00 UTC on 1 April.
    const end = ams.wallDaysAfter(at('2026-03-25T23:00:00Z'), 7);
    expect(iso(end)).to.equal('2026-04-01T22:00:00.000Z');
    expect((end - at('2026-03-25T23:00:00Z')) / H).to.equal(167);
  });

  it('Amsterdam, autumn: 7 days from local midnight on Thursday 22 October end at local midnight on the 29th, 169 hours', () => {
    // 00:00 CEST = 22:00 UTC on the 21st; 00:00 CET on the 29th = 23:00 UTC on the 28th.
    const end = ams.wallDaysAfter(at('2026-10-21T22:00:00Z'), 7);
    expect(iso(end)).to.equal('2026-10-28T23:00:00.000Z');
    expect((end - at('2026-10-21T22:00:00Z')) / H).to.equal(169);
  });

  it('backwards too: 1 day before local midnight on Monday 30 March is local midnight on Sunday the 29th, 23 hours earlier', () => {
    expect(iso(ams.wallDaysAfter(at('2026-03-29T22:00:00Z'), -1))).to.equal('2026-03-28T23:00:00.000Z');
  });

  it('a wall time that does not exist on the end day is read as minutes past the jump (02:30 → 03:30 CEST), as wallClockAfter does', () => {
    // 02:30 CET on 22 March = 01:30 UTC; 02:30 on the 29th does not exist: 03:30 CEST = 01:30 UTC, 168 hours on.
    expect(iso(ams.wallDaysAfter(at('2026-03-22T01:30:00Z'), 7))).to.equal('2026-03-29T01:30:00.000Z');
  });

  it('a wall time that occurs twice on the end day is its first occurrence (02:30 CEST on 25 October)', () => {
    // 02:30 CEST on 18 October = 00:30 UTC; on the 25th 02:30 shows at 00:30 UTC (CEST) and 01:30 UTC (CET): the first.
    expect(iso(ams.wallDaysAfter(at('2026-10-18T00:30:00Z'), 7))).to.equal('2026-10-25T00:30:00.000Z');
  });

  it('backwards onto the hour that shows twice: 1 day before 02:30 CET on Monday 26 October (01:30 UTC) is the first 02:30 on Sunday (00:30 UTC, 25 hours back), not the second (01:30 UTC, 24 hours back)', () => {
    // The instant 24 hours back shows 02:30 too, but it is the second 02:30 (CET); no change lies between it and the start.
    expect(iso(ams.wallDaysAfter(at('2026-10-26T01:30:00Z'), -1))).to.equal('2026-10-25T00:30:00.000Z');
    expect(iso(ams.wallDaysAfter(at('2026-10-26T01:15:00Z'), -1))).to.equal('2026-10-25T00:15:00.000Z');
    // 02:00 CET on Monday (01:00 UTC): 24 hours back is the change's own instant, already read so.
    expect(iso(ams.wallDaysAfter(at('2026-10-26T01:00:00Z'), -1))).to.equal('2026-10-25T00:00:00.000Z');
    // 7 days back from the week after: also the first.
    expect(iso(ams.wallDaysAfter(at('2026-11-01T01:30:00Z'), -7))).to.equal('2026-10-25T00:30:00.000Z');
  });

  it('one day back agrees with the forecasts’ "same interval yesterday" (sameWallClockIndex) at every quarter hour of the weeks around both changes', () => {
    for (const [from, to] of [['2026-03-23T00:00:00Z', '2026-04-06T00:00:00Z'], ['2026-10-19T00:00:00Z', '2026-11-02T00:00:00Z']] as const) {
      const start = at(from);
      for (let k = 96; start + k * 900_000 < at(to); k++) {
        const t = start + k * 900_000;
        expect(iso(ams.wallDaysAfter(t, -1)), iso(t)).to.equal(iso(start + sameWallClockIndex(ams, start, 900_000, k, 1) * 900_000));
      }
    }
  });

  it('Santiago, September: 7 days from local midnight on 3 September end at local midnight on the 10th, 167 hours', () => {
    // 00:00 −04 = 04:00 UTC; 00:00 −03 on the 10th = 03:00 UTC.
    const end = scl.wallDaysAfter(at('2026-09-03T04:00:00Z'), 7);
    expect(iso(end)).to.equal('2026-09-10T03:00:00.000Z');
    expect((end - at('2026-09-03T04:00:00Z')) / H).to.equal(167);
  });

  it('Santiago, September: a day from midnight on the 5th ends where the 6th begins, at 01:00 −03 (its midnight was skipped), 24 hours on', () => {
    // 00:00 −04 on the 5th = 04:00 UTC; midnight of the 6th does not exist: 01:00 −03 = 04:00 UTC on the 6th.
    const end = scl.wallDaysAfter(at('2026-09-05T04:00:00Z'), 1);
    expect(iso(end)).to.equal('2026-09-06T04:00:00.000Z');
    expect(end).to.equal(scl.dayStartMs(scl.localDayNumber(at('2026-09-06T12:00:00Z'))));
  });

  it('Santiago, April: 7 days from local midnight on 2 April end at local midnight on the 9th, 169 hours', () => {
    // 00:00 −03 = 03:00 UTC; 00:00 −04 on the 9th = 04:00 UTC.
    expect(iso(scl.wallDaysAfter(at('2026-04-02T03:00:00Z'), 7))).to.equal('2026-04-09T04:00:00.000Z');
  });

  it('is t + days × 24 h bit for bit at a fixed offset, and in a zone without a change between t and the end', () => {
    fc.assert(
      fc.property(fc.integer({ min: -56, max: 56 }), fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -30, max: 30 }), (quarters, t, days) => {
        expect(SiteZone.fixed(quarters / 4).wallDaysAfter(t, days)).to.equal(t + days * D);
      }),
    );
    // Amsterdam from May to September: no change.
    fc.assert(
      fc.property(fc.integer({ min: at('2026-05-01T00:00:00Z'), max: at('2026-08-01T00:00:00Z') }), fc.integer({ min: -25, max: 50 }), (t, days) => {
        expect(ams.wallDaysAfter(t, days)).to.equal(t + days * D);
      }),
    );
  });

  it('keeps the wall time: whatever the instant and the days, the end shows the start’s wall time (where it exists)', () => {
    fc.assert(
      // The year, and (where the cases that matter are) the week either side of each change, at quarter hours.
      fc.property(fc.oneof(fc.integer({ min: at('2026-02-01T00:00:00Z'), max: at('2026-11-30T00:00:00Z') }), fc.integer({ min: at('2026-03-22T00:00:00Z') / 900_000, max: at('2026-04-05T00:00:00Z') / 900_000 }).map((q) => q * 900_000), fc.integer({ min: at('2026-10-18T00:00:00Z') / 900_000, max: at('2026-11-01T00:00:00Z') / 900_000 }).map((q) => q * 900_000)), fc.integer({ min: -20, max: 20 }), (t0, days) => {
        const t = Math.floor(t0 / 60_000) * 60_000;
        const end = ams.wallDaysAfter(t, days);
        const shown = ams.localMs(end);
        const wanted = ams.localMs(t) + days * D;
        // Shown exactly, or (in the spring gap) one hour later on the wall.
        expect([0, H]).to.include(shown - wanted);
        // Its first occurrence: an hour earlier the wall did not show it already (the autumn hour that shows twice).
        expect(ams.localMs(end - H), iso(t)).to.not.equal(shown);
        if (shown !== wanted) expect(ams.localDayNumber(end)).to.equal(ams.localDayNumber(at('2026-03-29T12:00:00Z')));
      }),
      { numRuns: 2000 },
    );
  });
});

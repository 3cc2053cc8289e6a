/**
 * Billing days are the site's local calendar days (engine/billingDays.ts): by hand across Amsterdam's daylight-saving
 * changes and for a run starting at 06:00 local, and as properties (they tile the run; for a fixed offset from local
 * midnight they are the 24-hour grid from the start that billing days were before).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { SiteZone } from '../../core/siteZone.ts';
import { MS_PER_DAY, MS_PER_HOUR, parseSimTime } from '../../core/time.ts';
import { billingDays } from '../../engine/billingDays.ts';

const at = (iso: string): number => parseSimTime(iso)!;
const amsterdam = (from: string, to: string) => SiteZone.iana('Europe/Amsterdam', at(from) - 40 * MS_PER_DAY, at(to) + 40 * MS_PER_DAY);
const lengths = (starts: Int32Array): number[] => Array.from(starts.subarray(1), (s, j) => s - starts[j]!);

describe('engine: billing days are the site\'s local days (engine/billingDays.ts)', () => {
  it('Amsterdam, 28–30 March 2026 from local midnight: 96, 92 (29 March, 23 h) and 96 quarter hours, local dates', () => {
    // 28 March 00:00 CET is 27 March 23:00Z; 29 March starts at 28 March 23:00Z and ends at 29 March 22:00Z (CEST).
    const d = billingDays({ start: at('2026-03-27T23:00:00Z'), intervalMinutes: 15, intervals: 96 + 92 + 96 }, amsterdam('2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z'));
    expect(d.dates).to.deep.equal(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(lengths(d.starts)).to.deep.equal([96, 92, 96]);
    expect(Array.from(d.calendarDayMs, (ms) => ms / MS_PER_HOUR)).to.deep.equal([24, 23, 24]);
    expect(d.dayOf(96)).to.equal(1);
    expect(d.closesDay(96 + 91)).to.equal(true);
    expect(d.maxIntervals).to.equal(96);
  });

  it('Amsterdam, 25 October 2026: 100 quarter hours (25 h), from 24 October 22:00Z to 25 October 23:00Z', () => {
    const d = billingDays({ start: at('2026-10-23T22:00:00Z'), intervalMinutes: 15, intervals: 96 + 100 + 96 }, amsterdam('2026-10-23T22:00:00Z', '2026-10-26T23:00:00Z'));
    expect(d.dates).to.deep.equal(['2026-10-24', '2026-10-25', '2026-10-26']);
    expect(lengths(d.starts)).to.deep.equal([96, 100, 96]);
    expect(Array.from(d.calendarDayMs, (ms) => ms / MS_PER_HOUR)).to.deep.equal([24, 25, 24]);
    expect(d.maxIntervals).to.equal(100);
  });

  it('a fixed offset (UTC+2) from 06:00 local for two days: a partial first day 06:00–24:00 (72 quarter hours), a whole one, a partial last 00:00–06:00', () => {
    const d = billingDays({ start: at('2026-07-01T04:00:00Z'), intervalMinutes: 15, intervals: 192 }, SiteZone.fixed(2));
    expect(d.dates).to.deep.equal(['2026-07-01', '2026-07-02', '2026-07-03']);
    expect(lengths(d.starts)).to.deep.equal([72, 96, 24]);
    expect(Array.from(d.calendarDayMs)).to.deep.equal([MS_PER_DAY, MS_PER_DAY, MS_PER_DAY]);
  });

  it('hourly intervals at UTC+5:45: local midnight (18:15Z) falls inside the 18:00Z hour, which is billed on the day it starts in', () => {
    const d = billingDays({ start: at('2026-07-01T00:00:00Z'), intervalMinutes: 60, intervals: 48 }, SiteZone.fixed(5.75));
    // 00:00Z is 05:45 local on 1 July; 19:00Z (00:45 local) is the first interval of 2 July.
    expect(d.dates).to.deep.equal(['2026-07-01', '2026-07-02', '2026-07-03']);
    expect(Array.from(d.starts)).to.deep.equal([0, 19, 43, 48]);
  });

  it('a break (the reported start after a warm-up) cuts a local day in two bills; the second part belongs to the local day that began before it', () => {
    // UTC+1, clock from 00:00Z (01:00 local), reported start 24 h later: local days start at 23:00Z.
    const d = billingDays({ start: at('2026-07-01T00:00:00Z'), intervalMinutes: 60, intervals: 72 }, SiteZone.fixed(1), [24]);
    expect(Array.from(d.starts)).to.deep.equal([0, 23, 24, 47, 71, 72]);
    expect(d.dates).to.deep.equal(['2026-07-01', '2026-07-02', '2026-07-02', '2026-07-03', '2026-07-04']);
    expect(Array.from(d.localDayStarts)).to.deep.equal([0, 23, 23, 47, 71]);
    expect(Array.from(d.endsLocalDay)).to.deep.equal([1, 0, 1, 1, 1]);
  });

  const zones = fc.oneof(
    fc.integer({ min: -48, max: 56 }).map((q) => ({ name: `UTC${q / 4}`, zone: (from: number, to: number) => (void from, void to, SiteZone.fixed(q / 4)) })),
    fc.constantFrom('Europe/Amsterdam', 'America/Los_Angeles', 'Australia/Lord_Howe', 'America/Santiago').map((name) => ({ name, zone: (from: number, to: number) => SiteZone.iana(name, from - 40 * MS_PER_DAY, to + 40 * MS_PER_DAY) })),
  );

  it('property: billing days tile the run (every interval in exactly one, in order), each within one local date, and a new one starts exactly at each local midnight and break', () => {
    fc.assert(
      fc.property(zones, fc.integer({ min: 0, max: 365 * 24 * 4 }), fc.constantFrom(5, 15, 30, 60), fc.integer({ min: 1, max: 9 * 24 }), fc.option(fc.nat()), (z, quarter, minutes, hours, breakPick) => {
        const start = at('2026-01-01T00:00:00Z') + quarter * 15 * 60_000 - ((quarter * 15) % minutes) * 60_000;
        const intervals = Math.ceil((hours * 60) / minutes);
        const step = minutes * 60_000;
        const zone = z.zone(start, start + intervals * step);
        const breaks = breakPick === null ? [] : [breakPick % intervals];
        const d = billingDays({ start, intervalMinutes: minutes, intervals }, zone, breaks);
        expect(d.starts[0]).to.equal(0);
        expect(d.starts[d.count]).to.equal(intervals);
        for (let j = 0; j < d.count; j++) expect(d.starts[j + 1]!).to.be.above(d.starts[j]!);
        const localDate = (k: number) => new Date(zone.localDayNumber(start + k * step) * MS_PER_DAY).toISOString().slice(0, 10);
        for (let k = 0; k < intervals; k++) {
          const j = d.dayOf(k);
          expect(k).to.be.within(d.starts[j]!, d.starts[j + 1]! - 1);
          expect(localDate(k), `${z.name} interval ${k}`).to.equal(d.dates[j]);
          expect(d.closesDay(k)).to.equal(k === d.starts[j + 1]! - 1);
          // A day starts at k exactly where the local date changes or a break is.
          if (k > 0) expect(d.starts[j] === k, `${z.name} interval ${k}`).to.equal(localDate(k) !== localDate(k - 1) || breaks.includes(k));
        }
      }),
      { numRuns: 200, seed: 29 },
    );
  });

  it('property: with a fixed offset from local midnight, billing days are the 24-hour grid from the run\'s start (what they were before), each of one whole day', () => {
    fc.assert(
      fc.property(fc.integer({ min: -48, max: 56 }), fc.integer({ min: 0, max: 364 }), fc.constantFrom(5, 15, 30, 60), fc.integer({ min: 1, max: 10 }), (quarters, day, minutes, days) => {
        const offset = quarters / 4;
        const start = at('2026-01-01T00:00:00Z') + day * MS_PER_DAY - offset * MS_PER_HOUR;
        const perDay = 1440 / minutes;
        const d = billingDays({ start, intervalMinutes: minutes, intervals: days * perDay }, SiteZone.fixed(offset));
        expect(Array.from(d.starts)).to.deep.equal(Array.from({ length: days + 1 }, (_, j) => j * perDay));
        expect(Array.from(d.calendarDayMs)).to.deep.equal(new Array(days).fill(MS_PER_DAY));
        expect(d.dates[0]).to.equal(new Date(at('2026-01-01T00:00:00Z') + day * MS_PER_DAY).toISOString().slice(0, 10));
      }),
      { numRuns: 200, seed: 30 },
    );
  });
});

/**
 * VEE's "like day" on the site's wall clock (metering/vee.ts): a long gap is filled from the read at the same
 * wall-clock time on the nearest earlier local day, so across a daylight-saving change 18:00 is filled from 18:00, not
 * from 17:00 or 19:00 on that day's wall. Each read here says where it was taken: its import is the local day of the
 * month plus its wall-clock minutes of the day / 10,000 (read off Intl, not off SiteZone), its export its UTC quarter
 * hour of the day / 10,000 (which of two instants showing one wall time it is).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { SiteZone } from '../../core/siteZone.ts';
import { Mdms } from '../../metering/mdms.ts';
import type { MeterRead } from '../../metering/meter.ts';
import { estimateSeries, type VeeRules } from '../../metering/vee.ts';

const STEP = 900_000;
const DAY = 86_400_000;
const AMS = 'Europe/Amsterdam';

const wall = (() => {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: AMS, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return (t: number): { day: number; minute: number } => {
    const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
    return { day: Number(p.day), minute: Number(p.hour) * 60 + Number(p.minute) };
  };
})();
/** The import a read taken at local day `day`, `hh:mm` on the wall, carries. */
const code = (day: number, hh: number, mm: number): number => day + (hh * 60 + mm) / 10_000;
const readAt = (t: number): MeterRead => {
  const w = wall(t);
  return { meterId: 'm', intervalStartMs: t, intervalMs: STEP, importKwh: w.day + w.minute / 10_000, exportKwh: ((t % DAY) / STEP) / 10_000 };
};

/** The zone as a run builds it: 40 days either side of [from, to). */
const amsterdam = (from: number, to: number): SiteZone => SiteZone.iana(AMS, from - 40 * DAY, to + 40 * DAY, from, to);

/** Reads every quarter hour of [from, to) but in the gaps [a, b) (UTC ISO). */
function mdmsWith(zone: SiteZone | undefined, fromIso: string, toIso: string, gaps: ReadonlyArray<readonly [string, string]>): Mdms {
  const rules: VeeRules = { intervalMs: STEP, maxKwhPerInterval: 100, ...(zone ? { zone } : {}) };
  const m = new Mdms({ rules });
  for (let t = Date.parse(fromIso); t < Date.parse(toIso); t += STEP) {
    if (gaps.some(([a, b]) => t >= Date.parse(a) && t < Date.parse(b))) continue;
    m.ingest(readAt(t));
  }
  return m;
}

const at = (m: Mdms, iso: string) => {
  const [v] = m.series('m', Date.parse(iso), Date.parse(iso) + STEP);
  return { quality: v!.quality, importKwh: Number(v!.importKwh?.toFixed(6)), exportKwh: Number(v!.exportKwh?.toFixed(6)) };
};

describe('metering/vee: like days on the site’s wall clock', () => {
  const from = '2026-03-24T23:00:00Z'; // Wednesday 25 March 00:00 local
  const to = '2026-04-01T22:00:00Z';
  const spring = amsterdam(Date.parse(from), Date.parse(to));
  // Sunday 29 March 17:00–20:00 local (UTC+2 since 01:00 UTC): 15:00–18:00 UTC; Monday 30 March 00:00–04:00 local: 22:00 UTC on the 29th to 02:00 UTC.
  const springGaps = [['2026-03-29T15:00:00Z', '2026-03-29T18:00:00Z'], ['2026-03-29T22:00:00Z', '2026-03-30T02:00:00Z']] as const;

  it('Sunday 29 March 2026 18:00 in Amsterdam (16:00 UTC) is filled from Saturday 18:00 (17:00 UTC, 23 hours back), not from 17:00 on Saturday’s wall', () => {
    const m = mdmsWith(spring, from, to, springGaps);
    expect(at(m, '2026-03-29T16:00:00Z')).to.deep.equal({ quality: 'estimated', importKwh: code(28, 18, 0), exportKwh: 68 / 10_000 });
    expect(at(m, '2026-03-29T15:00:00Z').importKwh).to.equal(code(28, 17, 0));
    expect(at(m, '2026-03-29T17:45:00Z').importKwh).to.equal(code(28, 19, 45));
    // The 24-hour grid (no zone) read 17:00 on Saturday's wall for it: what this fixes.
    expect(at(mdmsWith(undefined, from, to, springGaps), '2026-03-29T16:00:00Z').importKwh).to.equal(code(28, 17, 0));
  });

  it('Monday 30 March 02:30 (00:30 UTC): Sunday’s 02:30 was skipped, so the read 60 minutes past the jump, 03:30 (01:30 UTC); 01:30 and 03:30 read themselves', () => {
    const m = mdmsWith(spring, from, to, springGaps);
    expect(at(m, '2026-03-30T00:30:00Z')).to.deep.equal({ quality: 'estimated', importKwh: code(29, 3, 30), exportKwh: 6 / 10_000 });
    expect(at(m, '2026-03-29T23:30:00Z').importKwh).to.equal(code(29, 1, 30));
    expect(at(m, '2026-03-30T01:30:00Z').importKwh).to.equal(code(29, 3, 30));
    expect(at(m, '2026-03-29T22:00:00Z').importKwh).to.equal(code(29, 0, 0));
  });

  it('a like day that is itself missing moves to the same wall time one local day earlier (Sunday 18:00 → Friday 18:00, 47 hours back)', () => {
    const m = mdmsWith(spring, from, to, [...springGaps, ['2026-03-28T16:00:00Z', '2026-03-28T20:00:00Z']]);
    // Saturday 17:00–21:00 local is missing too (itself filled from Friday): Sunday 18:00 takes Friday 18:00 (17:00 UTC).
    expect(at(m, '2026-03-29T16:00:00Z')).to.deep.equal({ quality: 'estimated', importKwh: code(27, 18, 0), exportKwh: 68 / 10_000 });
  });

  it('autumn: Sunday 25 October 18:00 (17:00 UTC) from Saturday 18:00 (16:00 UTC, 25 hours back); Monday 02:30 from Sunday’s first 02:30 (00:30 UTC)', () => {
    const af = '2026-10-20T22:00:00Z';
    const at2 = '2026-10-28T23:00:00Z';
    const zone = amsterdam(Date.parse(af), Date.parse(at2));
    const m = mdmsWith(zone, af, at2, [['2026-10-25T16:00:00Z', '2026-10-25T19:00:00Z'], ['2026-10-25T23:00:00Z', '2026-10-26T03:00:00Z']]);
    expect(at(m, '2026-10-25T17:00:00Z')).to.deep.equal({ quality: 'estimated', importKwh: code(24, 18, 0), exportKwh: 64 / 10_000 });
    // Monday 02:30 local is 01:30 UTC; Sunday shows 02:30 at 00:30 UTC (summer time) and again at 01:30 UTC: the first.
    expect(at(m, '2026-10-26T01:30:00Z')).to.deep.equal({ quality: 'estimated', importKwh: code(25, 2, 30), exportKwh: 2 / 10_000 });
    expect(at(mdmsWith(undefined, af, at2, [['2026-10-25T16:00:00Z', '2026-10-25T19:00:00Z']]), '2026-10-25T17:00:00Z').importKwh).to.equal(code(24, 19, 0));
  });

  it('MDMS.baselineKw: Sunday 29 March 18:00 over 2 days is the mean of Saturday’s and Friday’s 18:00 (kWh / 0.25 h)', () => {
    const m = mdmsWith(spring, from, to, []);
    const expected = (code(28, 18, 0) - 68 / 10_000 + (code(27, 18, 0) - 68 / 10_000)) / 2 / 0.25;
    expect(m.baselineKw('m', Date.parse('2026-03-29T16:00:00Z'), 2)).to.be.closeTo(expected, 1e-9);
  });

  it('property: a fixed offset, or a zone without a change within the lookback, estimates exactly as the 24-hour grid (bit for bit)', () => {
    const t0 = Date.UTC(2026, 6, 1);
    const july = amsterdam(t0 - 10 * DAY, t0 + 10 * DAY);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -8 * 96, max: 2 * 96 }), { maxLength: 200 }),
        fc.integer({ min: -48, max: 56 }),
        fc.integer({ min: 1, max: 8 }),
        (indices, quarterHours, lookback) => {
          const reads = new Map(indices.map((i) => [t0 + i * STEP, { meterId: 'm', intervalStartMs: t0 + i * STEP, intervalMs: STEP, importKwh: (i + 1000) / 1000, exportKwh: 0 }]));
          const rules: VeeRules = { intervalMs: STEP, maxKwhPerInterval: 100, likeDayLookbackDays: lookback };
          const plain = estimateSeries(reads, t0, 2 * 96, rules);
          expect(estimateSeries(reads, t0, 2 * 96, { ...rules, zone: SiteZone.fixed(quarterHours / 4) })).to.deep.equal(plain);
          expect(estimateSeries(reads, t0, 2 * 96, { ...rules, zone: july })).to.deep.equal(plain);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('property: across the spring and autumn changes every estimate is a read at the same wall time (02:xx after the spring change: 03:xx) on an earlier local day', () => {
    const cases = [
      { from: Date.parse('2026-03-24T23:00:00Z'), days: 8 },
      { from: Date.parse('2026-10-20T22:00:00Z'), days: 8 },
    ];
    fc.assert(
      // Gaps of 1.25 to 8 hours (longer than interpolation's hour) anywhere in the 8 days.
      fc.property(fc.constantFrom(...cases), fc.array(fc.record({ start: fc.integer({ min: 0, max: 8 * 96 }), length: fc.integer({ min: 5, max: 32 }) }), { minLength: 3, maxLength: 30 }), (c, gaps) => {
        const zone = amsterdam(c.from, c.from + c.days * DAY);
        const reads = new Map<number, MeterRead>();
        const n = Math.round((c.days * DAY) / STEP);
        for (let k = 0; k < n; k++) if (!gaps.some((g) => k >= g.start && k < g.start + g.length)) reads.set(c.from + k * STEP, readAt(c.from + k * STEP));
        const series = estimateSeries(reads, c.from, n, { intervalMs: STEP, maxKwhPerInterval: 100, zone });
        for (const v of series) {
          if (v.quality !== 'estimated') continue;
          const w = wall(v.intervalStartMs);
          const fromDay = Math.floor(v.importKwh!);
          const minute = Math.round((v.importKwh! - fromDay) * 10_000);
          // 1 to 7 local days before (March has 31 days: the spring week runs into 1 April).
          expect((w.day - fromDay + 31) % 31, new Date(v.intervalStartMs).toISOString()).to.be.within(1, 7);
          // 02:xx on the spring change day (29 March) does not exist: where that day is the like day, 03:xx is read.
          const skipped = c.from < Date.parse('2026-06-01T00:00:00Z') && fromDay === 29 && w.minute >= 120 && w.minute < 180;
          expect(minute, new Date(v.intervalStartMs).toISOString()).to.equal(skipped ? w.minute + 60 : w.minute);
        }
      }),
      { numRuns: 60 },
    );
  });
});

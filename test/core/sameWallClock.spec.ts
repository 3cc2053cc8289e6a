/**
 * "The same interval yesterday" on the wall clock (core/sameWallClock.ts), and the forecasts that read it: the
 * `same-interval-yesterday` price forecast (engine/forecast.ts), the operator's flow forecast (agents/operations/operator.ts).
 * Indices by hand, quarter hours from the run's start:
 * - Amsterdam, a run from Saturday 28 March 2026 00:00 CET (23:00 UTC on the 27th): Sunday 18:00 CEST is 16:00 UTC on
 *   the 29th, 41 h in, index 164; Saturday 18:00 CET is 17:00 UTC, 18 h in, index 72 (23 h back, not 24 h: index 68 is
 *   Saturday 17:00 CET). Monday 02:30 CEST (00:30 UTC on the 30th, index 198) finds no 02:30 on Sunday (02:00 → 03:00):
 *   its neighbour is 03:30 CEST (01:30 UTC, index 106).
 * - Amsterdam, a run from Saturday 24 October 2026 00:00 CEST (22:00 UTC on the 23rd): Sunday 18:00 CET is 17:00 UTC on
 *   the 25th, index 172; Saturday 18:00 CEST is 16:00 UTC, index 72 (25 h back). Monday 02:30 CET (01:30 UTC, index 206)
 *   reads Sunday's first 02:30 (CEST, 00:30 UTC, index 106).
 * - Santiago, a run from Saturday 5 September 2026 00:00 −04 (04:00 UTC): Sunday 18:00 −03 is 21:00 UTC, index 164;
 *   Saturday 18:00 −04 is 22:00 UTC, index 72. Monday 00:30 −03 (03:30 UTC on the 7th, index 190) finds no 00:30 on
 *   Sunday (its day starts at 01:00): 01:30 −03 (04:30 UTC on the 6th, index 98).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { SiteZone } from '../../core/siteZone.ts';
import { sameWallClockIndex, wallClockYesterday } from '../../core/sameWallClock.ts';
import { forecastSchema, PriceForecaster } from '../../engine/forecast.ts';
import { Operator, operatorSchema } from '../../agents/operations/operator.ts';
import { intervalAt } from '../../core/clock.ts';
import { feederHeadTopology } from '../helpers/feederHead.ts';

const at = (iso: string): number => Date.parse(iso);
const STEP = 15 * 60_000;
/** The zone judged over a run of `days` from `startIso` (as siteZoneOf builds it). */
const zoneOver = (name: string, startIso: string, days: number): SiteZone => {
  const s = at(startIso);
  return SiteZone.iana(name, s - 40 * 86_400_000, s + (days + 40) * 86_400_000, s, s + days * 86_400_000);
};
const SPRING = '2026-03-27T23:00:00Z';
const AUTUMN = '2026-10-23T22:00:00Z';
const SANTIAGO = '2026-09-05T04:00:00Z';

describe('the same interval yesterday on the wall clock', () => {
  const cases: Array<[string, string, string, Array<[number, number]>]> = [
    ['Amsterdam, spring', 'Europe/Amsterdam', SPRING, [[164, 72], [198, 106], [100, 4]]],
    ['Amsterdam, autumn', 'Europe/Amsterdam', AUTUMN, [[172, 72], [206, 106], [110, 10], [106, 10]]],
    ['Santiago, September', 'America/Santiago', SANTIAGO, [[164, 72], [190, 98]]],
  ];
  for (const [what, name, start, pairs] of cases)
    it(`${what}: ${pairs.map(([k, y]) => `${k} → ${y}`).join(', ')}`, () => {
      const zone = zoneOver(name, start, 3);
      const yesterday = wallClockYesterday(zone, at(start), 15)!;
      for (const [k, y] of pairs) {
        expect(sameWallClockIndex(zone, at(start), STEP, k, 1), `${k}`).to.equal(y);
        expect(yesterday(k), `${k}`).to.equal(y);
      }
    });

  it('is none (the run’s 24-hour grid, k − intervalsPerDay) at a fixed offset and in a zone without a change in the run; the index arithmetic agrees there', () => {
    expect(wallClockYesterday(SiteZone.fixed(1), at(SPRING), 15)).to.equal(undefined);
    expect(wallClockYesterday(zoneOver('Europe/Amsterdam', '2026-06-01T22:00:00Z', 7), at('2026-06-01T22:00:00Z'), 15)).to.equal(undefined);
    fc.assert(
      fc.property(fc.integer({ min: -48, max: 56 }), fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 3000 }), fc.constantFrom(5, 15, 30, 60), (quarters, minutes, k, step) => {
        const start = at('2026-01-01T00:00:00Z') + Math.floor(minutes / step) * step * 60_000;
        expect(sameWallClockIndex(SiteZone.fixed(quarters / 4), start, step * 60_000, k, 1)).to.equal(k - 1440 / step);
      }),
    );
  });

  it('property: across the change, yesterday’s interval shows the same wall time one local day earlier (or, in the spring gap, an hour later on the wall)', () => {
    for (const [name, start] of [['Europe/Amsterdam', SPRING], ['Europe/Amsterdam', AUTUMN], ['America/Santiago', SANTIAGO]] as const) {
      const zone = zoneOver(name, start, 3);
      const yesterday = wallClockYesterday(zone, at(start), 15)!;
      fc.assert(
        fc.property(fc.integer({ min: 96, max: 3 * 96 }), (k) => {
          const t = at(start) + k * STEP;
          const y = at(start) + yesterday(k) * STEP;
          expect(zone.localDayNumber(y)).to.equal(zone.localDayNumber(t) - 1);
          expect([0, 3_600_000]).to.include(zone.localMsOfDay(y) - zone.localMsOfDay(t));
          expect([23, 24, 25]).to.include((t - y) / 3_600_000);
        }),
      );
    }
  });
});

describe('forecasts of the same interval yesterday across a change read the wall clock', () => {
  it('same-interval-yesterday: Sunday 18:00 CEST (index 164) is forecast at Saturday 18:00 CET’s price (index 72), not Saturday 17:00’s (68)', () => {
    const zone = zoneOver('Europe/Amsterdam', SPRING, 3);
    const cfg = forecastSchema.parse({ method: 'same-interval-yesterday', horizonHours: 1 });
    const f = new PriceForecaster(1, 288, 96, 15, cfg, at(SPRING), wallClockYesterday(zone, at(SPRING), 15));
    // The price of interval j is j: the forecast says which interval it read.
    for (let j = 0; j < 164; j++) f.record(j, Float64Array.of(j));
    expect(f.forecast(0, 164)).to.deep.equal([72, 73, 74, 75]);
    // Monday 02:30 CEST (198) reads Sunday 03:30 CEST (106), the neighbour after the jump.
    for (let j = 164; j < 198; j++) f.record(j, Float64Array.of(j));
    expect(f.forecast(0, 198)[0]).to.equal(106);
    // A fixed offset: the 24-hour grid, as before.
    const fixed = new PriceForecaster(1, 288, 96, 15, cfg, at(SPRING), wallClockYesterday(SiteZone.fixed(1), at(SPRING), 15));
    for (let j = 0; j < 164; j++) fixed.record(j, Float64Array.of(j));
    expect(fixed.forecast(0, 164)).to.deep.equal([68, 69, 70, 71]);
  });

  it('an operator’s flow forecast: Saturday’s overload at 18:00 CET is announced for Sunday 18:00 CEST (index 164), not 19:00 (168)', () => {
    const zone = zoneOver('Europe/Amsterdam', SPRING, 3);
    const clock = { start: at(SPRING) as never, intervalMinutes: 15, intervals: 288, gateClosureMinutes: 5 };
    const announced = (yesterdayOf: ((k: number) => number) | undefined): number[] => {
      const op = new Operator(operatorSchema.parse({ id: 'dso', lookaheadIntervals: 8 }), 288, 96, yesterdayOf);
      for (let t = 0; t < 156; t++) op.recordMetered(t, [{ id: 'head', flowKw: t === 72 ? 150 : 50 }]);
      const out = op.dispatch(intervalAt(clock, 160), feederHeadTopology(100), ['head'], [], Float64Array.of(0), Float64Array.of(50, -50));
      return out.notices.map((n) => n.forInterval);
    };
    expect(announced(wallClockYesterday(zone, at(SPRING), 15))).to.deep.equal([164]);
    expect(announced(undefined)).to.deep.equal([168]);
  });
});

import { expect } from 'chai';
import { RandomService } from '../../core/rng.ts';
import { parseSimTime } from '../../core/time.ts';
import { kw } from '../../core/units.ts';
import {
  H25_HOURLY_FACTORS,
  OFFICE_LIGHTING_SCHEDULE,
  OFFICE_OCCUPANCY,
  OFFICE_PLUG_SCHEDULE,
  SMALL_OFFICE_LOADS,
  annualKwhToMeanKw,
  dayTypeOf,
  drawHomeScale,
  drawLoadNoise,
  isOfficeOccupied,
  officeInternalGainsKw,
  officeLightingKw,
  officeOccupancy,
  officePlugKw,
  residentialBaseLoadKw,
  residentialShapeFactor,
} from '../../agents/physics/loadProfile.ts';
import { localDayOfWeek, localHourOfDay, localMidnight } from '../../agents/physics/localTime.ts';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('physics/localTime', () => {
  it('shifts UTC by the site offset: 22:30 UTC is 00:30 the next day at UTC+2', () => {
    const t = parseSimTime('2026-07-04T22:30:00Z')!; // a Saturday in UTC
    expect(localHourOfDay(t, 2)).to.equal(0.5);
    expect(localDayOfWeek(t, 0)).to.equal(6);
    expect(localDayOfWeek(t, 2)).to.equal(0);
    expect(localMidnight(t, 2)).to.equal(parseSimTime('2026-07-05T00:00:00+02:00'));
    expect(localHourOfDay(t, -6)).to.equal(16.5);
  });
});

describe('physics/loadProfile: residential (BDEW H25 shape)', () => {
  it('has a weekly mean factor of 1 (5 workdays + Saturday + Sunday)', () => {
    const f = H25_HOURLY_FACTORS;
    const weekly = (5 * sum(f.workday) + sum(f.saturday) + sum(f.sunday)) / (7 * 24);
    expect(weekly).to.be.closeTo(1, 1e-3);
  });

  it('peaks in the workday evening (19:00–20:00, factor 1.49) and is lowest at night', () => {
    const w = H25_HOURLY_FACTORS.workday;
    expect(w.indexOf(Math.max(...w))).to.equal(19);
    expect(w.indexOf(Math.min(...w))).to.equal(3);
  });

  it('takes the table value at hour midpoints and interpolates between them', () => {
    expect(residentialShapeFactor(18.5, 'workday')).to.be.closeTo(1.437, 1e-12);
    expect(residentialShapeFactor(19, 'workday')).to.be.closeTo((1.437 + 1.49) / 2, 1e-12);
    // wraps at midnight: 00:00 is halfway between 23:30 (0.904) and 00:30 (0.707)
    expect(residentialShapeFactor(0, 'workday')).to.be.closeTo((0.904 + 0.707) / 2, 1e-12);
  });

  it('keeps the day’s energy when sampled at the middle of each quarter hour', () => {
    let e = 0;
    for (let q = 0; q < 96; q++) e += residentialShapeFactor((q + 0.5) / 4, 'sunday') * 0.25;
    expect(e).to.be.closeTo(sum(H25_HOURLY_FACTORS.sunday), 1e-9);
  });

  it('scales to a home: 3500 kWh/a → 0.3995 kW mean; ×1.2 scale at 19:30 on a workday → 0.714 kW', () => {
    const mean = annualKwhToMeanKw(3500);
    expect(mean).to.be.closeTo(0.39954, 1e-5);
    expect(residentialBaseLoadKw(mean, 1.2, 19.5, 'workday')).to.be.closeTo((3500 / 8760) * 1.2 * 1.49, 1e-12);
    expect(residentialBaseLoadKw(mean, 1, 12, 'workday', 0)).to.equal(0);
  });

  it('draws scale and noise reproducibly, noise within [0, 2] with mean ≈ 1', () => {
    const a = new RandomService(1).stream('home-1', 'base-load');
    const b = new RandomService(1).stream('home-1', 'base-load');
    expect(drawHomeScale(a)).to.equal(drawHomeScale(b));
    let total = 0;
    for (let i = 0; i < 4000; i++) {
      const n = drawLoadNoise(a);
      expect(n).to.be.within(0, 2);
      total += n;
    }
    expect(total / 4000).to.be.closeTo(1, 0.02);
  });

  it('tells day types apart in local time', () => {
    expect(dayTypeOf(parseSimTime('2026-07-03T12:00:00Z')!, 0)).to.equal('workday'); // Friday
    expect(dayTypeOf(parseSimTime('2026-07-04T12:00:00Z')!, 0)).to.equal('saturday');
    expect(dayTypeOf(parseSimTime('2026-07-04T23:30:00Z')!, 1)).to.equal('sunday');
  });
});

describe('physics/loadProfile: small office (DOE reference schedules)', () => {
  it('follows the reference occupancy schedule', () => {
    expect(officeOccupancy(10, 'workday')).to.equal(0.95);
    expect(officeOccupancy(12.5, 'workday')).to.equal(0.5);
    expect(officeOccupancy(17.5, 'workday')).to.equal(0.3);
    expect(officeOccupancy(9, 'saturday')).to.equal(0.3);
    expect(officeOccupancy(10, 'sunday')).to.equal(0);
    expect(isOfficeOccupied(8, 'workday')).to.equal(true);
    expect(isOfficeOccupied(7.9, 'workday')).to.equal(false);
    expect(isOfficeOccupied(16.99, 'workday')).to.equal(true);
    expect(isOfficeOccupied(17, 'workday')).to.equal(false);
  });

  it('lighting and plugs by hand: 511 m² × 10.76 W/m² × 0.9 = 4.949 kW at full occupancy; plugs 0.3 × … = 1.650 kW empty', () => {
    expect(officeLightingKw(SMALL_OFFICE_LOADS, 0.95)).to.be.closeTo(4.948524, 1e-6);
    expect(officeLightingKw(SMALL_OFFICE_LOADS, 0)).to.be.closeTo((511 * 10.76 * 0.05) / 1000, 1e-12);
    expect(officeLightingKw(SMALL_OFFICE_LOADS, 0.95, 0.5)).to.be.closeTo(4.948524 / 2, 1e-6);
    expect(officePlugKw(SMALL_OFFICE_LOADS, 0)).to.be.closeTo(1.649508, 1e-6);
    expect(officePlugKw(SMALL_OFFICE_LOADS, 0.95)).to.be.closeTo(4.948524, 1e-6);
  });

  it('the lines run between the DOE reference schedules’ lowest and highest values, at the occupancy schedule’s 0 and peak', () => {
    const all = (s: Record<string, readonly number[]>): number[] => Object.values(s).flat();
    expect(SMALL_OFFICE_LOADS.peakOccupancy).to.equal(Math.max(...all(OFFICE_OCCUPANCY)));
    expect([SMALL_OFFICE_LOADS.lightingMinFraction, SMALL_OFFICE_LOADS.lightingMaxFraction]).to.deep.equal([Math.min(...all(OFFICE_LIGHTING_SCHEDULE)), Math.max(...all(OFFICE_LIGHTING_SCHEDULE))]);
    expect([SMALL_OFFICE_LOADS.plugMinFraction, SMALL_OFFICE_LOADS.plugMaxFraction]).to.deep.equal([Math.min(...all(OFFICE_PLUG_SCHEDULE)), Math.max(...all(OFFICE_PLUG_SCHEDULE))]);
    // The workday load-hours the module note gives, line against reference: lighting 9.3 of 10.5, plugs 13.0 of 14.1.
    const p = SMALL_OFFICE_LOADS;
    const designKw = (p.floorAreaM2 * p.lightingWPerM2) / 1000; // the same for plugs (10.76 W/m² each)
    const loadHours = (kwAt: (o: number) => number): number => sum(OFFICE_OCCUPANCY.workday.map((o) => kwAt(o) / designKw));
    expect(loadHours((o) => officeLightingKw(p, o))).to.be.closeTo(9.34, 0.01);
    expect(sum(OFFICE_LIGHTING_SCHEDULE.workday)).to.be.closeTo(10.5, 1e-9);
    expect(loadHours((o) => officePlugKw(p, o))).to.be.closeTo(12.95, 0.01);
    expect(sum(OFFICE_PLUG_SCHEDULE.workday)).to.be.closeTo(14.1, 1e-9);
  });

  it('internal gains at full occupancy: lights 4.949 + plugs 4.949 + 26.13 people × 75 W = 11.857 kW', () => {
    expect(officeInternalGainsKw(SMALL_OFFICE_LOADS, 0.95)).to.be.closeTo(11.8566, 1e-4);
    expect(officeInternalGainsKw({ ...SMALL_OFFICE_LOADS, floorAreaM2: 0 }, 0.95)).to.equal(kw(0));
  });
});

import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import { RandomService } from '../../core/rng.ts';
import { parseSimTime } from '../../core/time.ts';
import { kw } from '../../core/units.ts';
import {
  H25_HOURLY_FACTORS,
  OFFICE_LIGHTING_SCHEDULE,
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
    expect(localHourOfDay(t, SiteZone.fixed(2))).to.equal(0.5);
    expect(localDayOfWeek(t, SiteZone.fixed(0))).to.equal(6);
    expect(localDayOfWeek(t, SiteZone.fixed(2))).to.equal(0);
    expect(localMidnight(t, SiteZone.fixed(2))).to.equal(parseSimTime('2026-07-05T00:00:00+02:00'));
    expect(localHourOfDay(t, SiteZone.fixed(-6))).to.equal(16.5);
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
    expect(dayTypeOf(parseSimTime('2026-07-03T12:00:00Z')!, SiteZone.fixed(0))).to.equal('workday'); // Friday
    expect(dayTypeOf(parseSimTime('2026-07-04T12:00:00Z')!, SiteZone.fixed(0))).to.equal('saturday');
    expect(dayTypeOf(parseSimTime('2026-07-04T23:30:00Z')!, SiteZone.fixed(1))).to.equal('sunday');
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

  it('lighting and plugs by hand, from the schedules: 511 m² × 10.76 W/m² × 0.9 = 4.949 kW on a workday morning; plugs × 0.4 = 2.199 kW at night', () => {
    const design = (511 * 10.76) / 1000;
    expect(officeLightingKw(SMALL_OFFICE_LOADS, 10, 'workday')).to.be.closeTo(4.948524, 1e-6);
    expect(officeLightingKw(SMALL_OFFICE_LOADS, 3.5, 'workday')).to.be.closeTo(design * 0.05, 1e-12);
    expect(officeLightingKw(SMALL_OFFICE_LOADS, 10, 'workday', 0.5)).to.be.closeTo(4.948524 / 2, 1e-6);
    expect(officePlugKw(SMALL_OFFICE_LOADS, 3, 'workday')).to.be.closeTo(2.199344, 1e-6);
    expect(officePlugKw(SMALL_OFFICE_LOADS, 3, 'sunday')).to.be.closeTo(1.649508, 1e-6);
    expect(officePlugKw(SMALL_OFFICE_LOADS, 10, 'workday')).to.be.closeTo(4.948524, 1e-6);
    // The lunch hour: half the people out (occupancy 0.5), the lights still at 0.9 and the plugs at 0.8.
    expect(officeOccupancy(12.5, 'workday')).to.equal(0.5);
    expect(officeLightingKw(SMALL_OFFICE_LOADS, 12.5, 'workday')).to.be.closeTo(design * 0.9, 1e-12);
    expect(officePlugKw(SMALL_OFFICE_LOADS, 12.5, 'workday')).to.be.closeTo(design * 0.8, 1e-12);
    // Hours wrap: 25:00 is 01:00, −1:00 is 23:00.
    expect(officePlugKw(SMALL_OFFICE_LOADS, 25, 'workday')).to.equal(officePlugKw(SMALL_OFFICE_LOADS, 1, 'workday'));
    expect(officeLightingKw(SMALL_OFFICE_LOADS, -1, 'workday')).to.equal(officeLightingKw(SMALL_OFFICE_LOADS, 23, 'workday'));
  });

  it('a workday has the reference schedules’ 10.5 lighting and 14.1 plug load-hours', () => {
    const design = (511 * 10.76) / 1000;
    const loadHours = (kwAt: (h: number) => number): number => sum(Array.from({ length: 24 }, (_, h) => kwAt(h + 0.5) / design));
    expect(loadHours((h) => officeLightingKw(SMALL_OFFICE_LOADS, h, 'workday'))).to.be.closeTo(10.5, 1e-9);
    expect(loadHours((h) => officePlugKw(SMALL_OFFICE_LOADS, h, 'workday'))).to.be.closeTo(14.1, 1e-9);
    expect(sum(OFFICE_LIGHTING_SCHEDULE.workday)).to.be.closeTo(10.5, 1e-9);
    expect(sum(OFFICE_PLUG_SCHEDULE.workday)).to.be.closeTo(14.1, 1e-9);
  });

  it('internal gains at full occupancy: lights 4.949 + plugs 4.949 + 26.13 people × 75 W = 11.857 kW', () => {
    const lights = officeLightingKw(SMALL_OFFICE_LOADS, 10, 'workday');
    const plugs = officePlugKw(SMALL_OFFICE_LOADS, 10, 'workday');
    expect(officeInternalGainsKw(SMALL_OFFICE_LOADS, 0.95, lights, plugs)).to.be.closeTo(11.8566, 1e-4);
    expect(officeInternalGainsKw({ ...SMALL_OFFICE_LOADS, floorAreaM2: 0 }, 0.95, 0, 0)).to.equal(kw(0));
  });
});

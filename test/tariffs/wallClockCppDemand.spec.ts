/**
 * Critical-peak and demand-charge tariffs in local hours across a daylight-saving change, read on
 * the wall clock (tariffs/localHours.ts `utcTariffIn`): event windows on the event's local date,
 * demand hours on the wall, months of the local calendar. Hand cases in Los Angeles (UTC−8 / −7)
 * and Amsterdam (UTC+1 / +2).
 */
import { expect } from 'chai';
import { holidaysOf } from '../../core/calendar.ts';
import { SiteZone } from '../../core/siteZone.ts';
import { demandWindowCounts, demandWindowStart } from '../../tariffs/calendar.ts';
import { daysInDemandMonth, demandMonthAt } from '../../tariffs/demandMonth.ts';
import { EventCalendar, resolveScheduledEvents } from '../../tariffs/events.ts';
import { dstUnsupportedReason, utcTariffIn } from '../../tariffs/localHours.ts';
import { makePricer } from '../../tariffs/pricing.ts';
import { parseTariff } from '../../tariffs/schema.ts';
import type { CriticalPeakTariff, DemandChargeTariff, Tariff } from '../../tariffs/types.ts';

const utc = (iso: string): number => Date.parse(iso);
const iso = (t: number): string => new Date(t).toISOString().slice(0, 16);
const parsed = (raw: Record<string, unknown>): Tariff => {
  const t = parseTariff(raw);
  if (!t.ok) throw new Error(`test tariff does not parse: ${JSON.stringify(t.issues)}`);
  return t.value;
};
const year = [utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z')] as const;
const la = SiteZone.iana('America/Los_Angeles', ...year);
const ams = SiteZone.iana('Europe/Amsterdam', ...year);

describe('critical peak in local hours on the wall clock (America/Los_Angeles)', () => {
  // Events 16:00–21:00 local on the Saturday before the spring change, the change day and the Monday after.
  const cpp = utcTariffIn(
    parsed({
      id: 'cpp',
      type: 'critical-peak',
      hours: 'local',
      energy: { type: 'flat', energyPricePerKwh: 0.2 },
      eventPricePerKwh: 0.9,
      noticeHours: 24,
      eventWindow: { fromHour: 16, toHour: 21 },
      events: [
        { id: 'sat', date: '2026-03-07' },
        { id: 'sun', date: '2026-03-08' },
        { id: 'mon', date: '2026-03-09' },
      ],
    }),
    la,
  ) as CriticalPeakTariff;

  it('puts each window at 16:00–21:00 on the wall of its local date: 00:00–05:00 UTC the next day in PST, 23:00–04:00 UTC in PDT', () => {
    const cal = new EventCalendar(cpp, [], Infinity);
    const windows = ['2026-03-08T02:00', '2026-03-09T02:00', '2026-03-10T02:00'].map((t) => cal.activeAt(utc(`${t}:00Z`))!);
    expect(windows.map((w) => [w.event.id, iso(w.start), iso(w.end)])).to.deep.equal([
      ['sat', '2026-03-08T00:00', '2026-03-08T05:00'],
      ['sun', '2026-03-08T23:00', '2026-03-09T04:00'],
      ['mon', '2026-03-09T23:00', '2026-03-10T04:00'],
    ]);
    // Announced 24 hours before the window by default.
    expect(resolveScheduledEvents(cpp).map((e) => iso(e.announcedAt))).to.deep.equal(['2026-03-07T00:00', '2026-03-07T23:00', '2026-03-08T23:00']);
  });

  it('prices the event by the wall: 23:30 UTC on 8 March (16:30 PDT) is the event price, 23:30 UTC on 7 March (15:30 PST) is not', () => {
    const p = makePricer(cpp, { knownBy: Infinity });
    expect(p.at(utc('2026-03-08T23:30:00Z')).pricePerKwh.toNumber()).to.equal(0.9);
    expect(p.at(utc('2026-03-07T23:30:00Z')).pricePerKwh.toNumber()).to.equal(0.2);
  });
});

describe('critical peak in local hours on a day whose midnight is skipped (America/Santiago, 6 September 2026)', () => {
  it('puts the window at 16:00–21:00 on the wall: 19:00–00:00 UTC (UTC−3), not an hour later from the day\'s 01:00 start (audit A-dst)', () => {
    const scl = SiteZone.iana('America/Santiago', ...year);
    const cpp = utcTariffIn(
      parsed({ id: 'cpp', type: 'critical-peak', hours: 'local', energy: { type: 'flat', energyPricePerKwh: 0.2 }, eventPricePerKwh: 1.2, noticeHours: 0, eventWindow: { fromHour: 16, toHour: 21 }, events: [{ id: 'e', date: '2026-09-06' }] }),
      scl,
    ) as CriticalPeakTariff;
    const w = new EventCalendar(cpp, [], Infinity).activeAt(utc('2026-09-06T20:00:00Z'))!;
    expect([iso(w.start), iso(w.end)]).to.deep.equal(['2026-09-06T19:00', '2026-09-07T00:00']);
    const p = makePricer(cpp, { knownBy: Infinity });
    expect(p.at(utc('2026-09-06T19:30:00Z')).pricePerKwh.toNumber()).to.equal(1.2);
    expect(p.at(utc('2026-09-07T00:30:00Z')).pricePerKwh.toNumber()).to.equal(0.2);
  });
});

describe('demand charge in local hours on the wall clock', () => {
  const raw = {
    id: 'dc',
    type: 'demand-charge',
    hours: 'local',
    energy: { type: 'flat', energyPricePerKwh: 0.2 },
    demandChargePerKw: 10,
    demandWindowMinutes: 15,
    demandPeriod: 'month',
    demandHours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 12, toHour: 18 }],
  };
  const dcAms = utcTariffIn(parsed(raw), ams) as DemandChargeTariff;
  const dcLa = utcTariffIn(parsed(raw), la) as DemandChargeTariff;
  const cal = (zone: SiteZone) => ({ zone, holidays: holidaysOf([]) });

  it('counts windows in 12:00–18:00 on the wall: 11:00–17:00 UTC on Friday 27 March (UTC+1), 10:00–16:00 UTC on Monday 30 March (UTC+2)', () => {
    const counted = (day: string) =>
      Array.from({ length: 96 }, (_, q) => utc(`${day}T00:00:00Z`) + q * 900_000)
        .filter((t) => demandWindowCounts(dcAms, demandWindowStart(dcAms, t), cal(ams)))
        .map((t) => iso(t).slice(11));
    const fri = counted('2026-03-27');
    const mon = counted('2026-03-30');
    expect([fri[0], fri.at(-1), fri.length]).to.deep.equal(['11:00', '16:45', 24]);
    expect([mon[0], mon.at(-1), mon.length]).to.deep.equal(['10:00', '15:45', 24]);
  });

  it('takes months of the local calendar: November starts at 07:00 UTC on the 1st in Los Angeles (still PDT), and has 30 days of 24 h plus the hour the change adds', () => {
    expect(demandMonthAt(dcLa, utc('2026-11-01T06:59:00Z')).month).to.equal('2026-10');
    const nov = demandMonthAt(dcLa, utc('2026-11-01T07:00:00Z'));
    expect([nov.month, iso(nov.start), iso(nov.end)]).to.deep.equal(['2026-11', '2026-11-01T07:00', '2026-12-01T08:00']);
    expect(daysInDemandMonth(dcLa, utc('2026-11-15T00:00:00Z'))).to.equal(30);
    // March in Amsterdam: from 23:00 UTC on 28 February to 22:00 UTC on 31 March, 743 hours, 31 days.
    const march = demandMonthAt(dcAms, utc('2026-03-15T00:00:00Z'));
    expect([iso(march.start), iso(march.end)]).to.deep.equal(['2026-02-28T23:00', '2026-03-31T22:00']);
    expect(daysInDemandMonth(dcAms, utc('2026-03-15T00:00:00Z'))).to.equal(31);
  });

  it('refuses windows whose grid would move across the change: hourly windows across Lord Howe’s 30-minute change; 30-minute ones are fine', () => {
    const hourly = parsed({ ...raw, demandWindowMinutes: 60 });
    expect(dstUnsupportedReason(hourly, [11, 10.5])).to.match(/^its 60-minute demand windows, blocks of the local clock, would start at other minutes of the hour after the change/);
    expect(dstUnsupportedReason(parsed({ ...raw, demandWindowMinutes: 30 }), [11, 10.5])).to.equal(undefined);
    expect(dstUnsupportedReason(hourly, [1, 2])).to.equal(undefined);
  });
});

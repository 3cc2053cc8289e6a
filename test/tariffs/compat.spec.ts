import { expect } from 'chai';
import fc from 'fast-check';
import { demandWindowStart } from '../../tariffs/calendar.ts';
import { utcTariff } from '../../tariffs/localHours.ts';
import { computeBill } from '../../tariffs/bill.ts';
import { meterIntervalIssues } from '../../tariffs/compat.ts';
import type { CriticalPeakTariff, DemandChargeTariff, MeterReading, TimeOfUseTariff } from '../../tariffs/types.ts';
import { at } from './helpers.ts';
import { SiteZone } from '../../core/siteZone.ts';
import { billingDays } from '../../engine/billingDays.ts';

describe('tariffs: meter interval cross-check', () => {
  const tou: TimeOfUseTariff = {
    id: 'tou',
    type: 'time-of-use',
    defaultPeriod: 'off',
    periods: [
      { name: 'peak', energyPricePerKwh: 0.3, rules: [{ days: ['mon'], fromHour: 16.5, toHour: 20 }] },
      { name: 'off', energyPricePerKwh: 0.1, rules: [] },
    ],
  };
  const midnight = at('2026-07-01T00:00Z');

  it('accepts readings that nest in every price', () => {
    expect(meterIntervalIssues(tou, 30, midnight)).to.deep.equal([]);
    expect(meterIntervalIssues(tou, 15, at('2026-07-01T00:45Z'))).to.deep.equal([]);
    expect(meterIntervalIssues({ id: 'f', type: 'flat', energyPricePerKwh: 0.2 }, 7, midnight)).to.deep.equal([]);
  });

  it('names the boundaries a reading would straddle', () => {
    expect(meterIntervalIssues(tou, 60, midnight, ['tariffs', 1])).to.deep.equal([
      { path: 'tariffs[1].periods[0].rules[0].fromHour', message: '16:30 falls inside a 60-minute reading' },
    ]);
    expect(meterIntervalIssues(tou, 30, at('2026-07-01T00:15Z'))[0]?.message).to.match(/not on a multiple/);
    const cpp: CriticalPeakTariff = {
      id: 'c',
      type: 'critical-peak',
      energy: { type: 'flat', energyPricePerKwh: 0.2 },
      noticeHours: 24,
      eventWindow: { fromHour: 14, toHour: 17.5 },
      eventPricePerKwh: 0.9,
      events: [],
    };
    expect(meterIntervalIssues(cpp, 60, midnight).map((i) => i.path)).to.deep.equal(['eventWindow.toHour']);
    const dc: DemandChargeTariff = { id: 'd', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 10, demandWindowMinutes: 15 };
    expect(meterIntervalIssues(dc, 60, midnight).map((i) => i.path)).to.deep.equal(['demandWindowMinutes']);
  });

  it('refuses a run that starts inside a demand window: the first billing day would bill the part of the window the run has as the whole (a bill boundary inside a window: a 4 kW hour bills as 1 kW in one period and 3 kW in the next)', () => {
    const hourly: DemandChargeTariff = { id: 'd', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 10, demandWindowMinutes: 60 };
    // By hand: 4 kW from 13:00 to 14:00 on 2 July, billing days from 13:15: the 13:00 window is 1 kWh in one bill, 3 kWh in the next.
    const meter: MeterReading[] = ['13:00', '13:15', '13:30', '13:45'].map((q) => ({ start: at(`2026-07-02T${q}Z`), durationH: 0.25, importKwh: 1, exportKwh: 0 }));
    const day = (from: string, to: string) => computeBill(hourly, meter.filter((r) => r.start >= at(from) && r.start < at(to)), { period: { start: at(from), end: at(to) } });
    expect(day('2026-07-01T13:15Z', '2026-07-02T13:15Z').demand!.peakKw.toFixed(3)).to.equal('1.000');
    expect(day('2026-07-02T13:15Z', '2026-07-03T13:15Z').demand!.peakKw.toFixed(3)).to.equal('3.000');
    expect(day('2026-07-02T13:00Z', '2026-07-03T13:00Z').demand!.peakKw.toFixed(3)).to.equal('4.000');
    expect(meterIntervalIssues(hourly, 15, at('2026-07-01T13:15Z'), ['tariffs', 0])).to.deep.equal([
      {
        path: 'tariffs[0].demandWindowMinutes',
        message:
          'the run starts at 2026-07-01T13:15:00Z, inside a 60-minute demand window (windows start at UTC midnight and every 60 minutes after): the first billing day, from the start, would bill part of a window as if it were the whole; start the run on a window boundary',
      },
    ]);
    expect(meterIntervalIssues(hourly, 15, at('2026-07-01T13:00Z'))).to.deep.equal([]);
    // A tariff in local hours has windows of the local clock: at UTC+5:30, hours from :30 UTC.
    const local = { ...hourly, hours: 'local' as const };
    expect(meterIntervalIssues(local, 15, midnight, [], 5.5).map((i) => i.message.split(' (')[0])).to.deep.equal(['the run starts at 2026-07-01T00:00:00Z, inside a 60-minute demand window']);
    expect(meterIntervalIssues(local, 15, at('2026-07-01T00:30Z'), [], 5.5)).to.deep.equal([]);
    expect(meterIntervalIssues(local, 15, midnight, [], 5)).to.deep.equal([]);
  });
  it('property: the run-start check refuses exactly the starts the bill puts inside a window (demandWindowStart of the tariff as billed), for every window that divides a day, offsets of whole quarter hours from -12 to +14, local or UTC hours', () => {
    const divisors = Array.from({ length: 1440 }, (_, k) => k + 1).filter((m) => 1440 % m === 0);
    fc.assert(
      fc.property(fc.constantFrom(...divisors), fc.integer({ min: -48, max: 56 }), fc.boolean(), fc.nat(), fc.nat({ max: 3 * 1440 }), (w, quarters, local, readingPick, minute) => {
        const offsetH = quarters / 4;
        // Readings that divide the window (and so the day); the start on their grid, so that only the window check can speak.
        const readings = divisors.filter((m) => w % m === 0);
        const intervalMinutes = readings[readingPick % readings.length]!;
        const start = at('2026-07-01T00:00Z') + Math.floor(minute / intervalMinutes) * intervalMinutes * 60_000;
        const tariff: DemandChargeTariff = { id: 'd', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 10, demandWindowMinutes: w, ...(local ? { hours: 'local' as const } : {}) };
        const refused = meterIntervalIssues(tariff, intervalMinutes, start, [], offsetH).some((i) => i.message.startsWith('the run starts at'));
        expect(refused, `w ${w}, offset ${offsetH}, ${local ? 'local' : 'UTC'}, start ${new Date(start).toISOString()}`).to.equal(demandWindowStart(utcTariff(tariff, offsetH) as DemandChargeTariff, start) !== start);
      }),
      { numRuns: 400, seed: 41 },
    );
  });

  it('property: a demand charge the check accepts never has a billing day (a local day, engine/billingDays.ts) start or end inside one of its windows, for every window that divides a day, offsets of whole quarter hours, local or UTC hours', () => {
    const divisors = Array.from({ length: 1440 }, (_, k) => k + 1).filter((m) => 1440 % m === 0);
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.constantFrom(...divisors), fc.integer({ min: -48, max: 56 }), fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 4 }), fc.nat({ max: 1440 }), (w, quarters, local, readingPick, days, minute) => {
        const offsetH = quarters / 4;
        const readings = divisors.filter((m) => w % m === 0);
        const intervalMinutes = readings[readingPick % readings.length]!;
        const tariff: DemandChargeTariff = { id: 'd', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 10, demandWindowMinutes: w, ...(local ? { hours: 'local' as const } : {}) };
        const billed = utcTariff(tariff, offsetH) as DemandChargeTariff;
        // A start the run-start check accepts: on a window of the tariff as billed.
        const start = demandWindowStart(billed, at('2026-07-01T00:00Z') + minute * 60_000);
        const runMinutes = days * 1440;
        const issues = meterIntervalIssues(tariff, intervalMinutes, start, [], offsetH, false, runMinutes);
        const run = { start, intervalMinutes, intervals: runMinutes / intervalMinutes };
        const bd = billingDays(run, SiteZone.fixed(offsetH));
        const edges = Array.from(bd.starts, (k) => start + k * intervalMinutes * 60_000);
        const cut = edges.some((t) => demandWindowStart(billed, t) !== t);
        if (issues.length === 0) {
          accepted++;
          expect(cut, `w ${w}, offset ${offsetH}, ${local ? 'local' : 'UTC'}, ${intervalMinutes}-minute readings, start ${new Date(start).toISOString()}`).to.equal(false);
        } else refused++;
      }),
      { numRuns: 400, seed: 43 },
    );
    expect(accepted).to.be.above(50);
    expect(refused).to.be.above(20);
  });

  it('refuses a UTC-hours demand charge whose windows local midnight falls inside (billing days end at local midnight): hourly windows at UTC+5:30, not half-hourly ones', () => {
    const hourly: DemandChargeTariff = { id: 'd', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 10, demandWindowMinutes: 60 };
    // Local midnight at UTC+5:30 is 18:30 UTC, inside the 18:00–19:00 window: the local day's bill would hold its first half.
    expect(meterIntervalIssues(hourly, 15, at('2026-07-01T00:00Z'), [], 5.5).map((i) => i.message)).to.deep.equal([
      'billing days are local days, and local midnight, 18:30 UTC (utcOffsetHours 5.5), falls inside a 60-minute demand window (windows start at UTC midnight): two bills would each average part of that window over the whole; use windows local midnight is a boundary of, or hours: local',
    ]);
    expect(meterIntervalIssues({ ...hourly, demandWindowMinutes: 30 }, 15, at('2026-07-01T00:00Z'), [], 5.5)).to.deep.equal([]);
    expect(meterIntervalIssues({ ...hourly, hours: 'local' }, 15, at('2026-06-30T18:30Z'), [], 5.5)).to.deep.equal([]);
  });

  it('refuses a run under a demand charge that ends inside one of its windows: 4 kW over the last half hour of a run ending at 14:30 would bill as a 2 kW hour', () => {
    const hourly: DemandChargeTariff = { id: 'd', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.1 }, demandChargePerKw: 10, demandWindowMinutes: 60 };
    // 13:00–14:30: 1 kW, then 4 kW from 14:00. The 14:00 window holds 2 kWh of the run: 2 kW over the hour, not 4.
    const meter: MeterReading[] = ['13:00', '13:15', '13:30', '13:45', '14:00', '14:15'].map((q, k) => ({ start: at(`2026-07-01T${q}Z`), durationH: 0.25, importKwh: k < 4 ? 0.25 : 1, exportKwh: 0 }));
    expect(computeBill(hourly, meter, { period: { start: at('2026-07-01T13:00Z'), end: at('2026-07-01T14:30Z') } }).demand!.peakKw.toFixed(3)).to.equal('2.000');
    expect(meterIntervalIssues(hourly, 15, at('2026-07-01T13:00Z'), ['tariffs', 0], 0, true, 90)).to.deep.equal([
      {
        path: 'tariffs[0].demandWindowMinutes',
        message: 'the run lasts 90 minutes, not a whole number of 60-minute demand windows: its last window, cut short, would be billed as if it were whole; make the run a multiple of 60 minutes',
      },
    ]);
    expect(meterIntervalIssues(hourly, 15, at('2026-07-01T13:00Z'), [], 0, true, 120)).to.deep.equal([]);
    expect(meterIntervalIssues({ ...hourly, demandWindowMinutes: 15 }, 15, at('2026-07-01T13:00Z'), [], 0, true, 90)).to.deep.equal([]);
  });
});

/**
 * What `hours: local` MEANS, stated without the conversion's code (tariffs/localHours.ts): a tariff
 * written in the site's clock prices the UTC instant t as its rules read at the local wall-clock
 * instant t + offset — the local date's weekday, the local date's holidays, an event window on its
 * local date. Each oracle below reads the tariff as a person reads a tariff sheet (rule by rule, on
 * the local calendar) and is compared with what the engine's pricing, event and demand code make of
 * `utcTariff(tariff, offset)`, for random tariffs, offsets in quarter hours over [−12, +14] and
 * instants over weeks around a new year with holidays.
 */
import { SiteZone } from '../../core/siteZone.ts';
import { expect } from 'chai';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { holidaysOf, type SiteCalendar } from '../../core/calendar.ts';
import { computeBill } from '../../tariffs/bill.ts';
import { demandWindowCounts } from '../../tariffs/calendar.ts';
import { meterIntervalIssues } from '../../tariffs/compat.ts';
import { utcTariff } from '../../tariffs/localHours.ts';
import { makePricer } from '../../tariffs/pricing.ts';
import { parseTariff } from '../../tariffs/schema.ts';
import { demandChargePerKwAt } from '../../tariffs/signal.ts';
import { type CriticalPeakTariff, type DemandChargeTariff, type MeterReading, type Tariff, TariffError, type TimeRule, type Weekday, WEEKDAYS } from '../../tariffs/types.ts';
import type { SimTime } from '../../core/time.ts';

const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
/** Sunday 2026-12-20 00:00 UTC: the span runs over Christmas and the new year. */
const T0 = Date.UTC(2026, 11, 20);
const SPAN_DAYS = 21;
/** Local dates a holiday may fall on: 2026-12-18 … 2027-01-12. */
const HOLIDAY_DATES = Array.from({ length: 26 }, (_, k) => new Date(Date.UTC(2026, 11, 18 + k)).toISOString().slice(0, 10));

const parsed = (raw: Record<string, unknown>): Tariff => {
  const t = parseTariff(raw);
  if (!t.ok) throw new Error(`test tariff does not parse: ${JSON.stringify(t.issues)}`);
  return t.value;
};

// ---------------------------------------------------------------------------
// The local calendar, by hand: the local wall clock of a UTC instant, as if it were UTC.

/** The local wall-clock instant of UTC `t` (ms, read with UTC calendar functions). */
const wall = (t: number, offsetH: number): number => t + offsetH * H;
/** `YYYY-MM-DD` of the local date of UTC `t`. */
const localDate = (t: number, offsetH: number): string => new Date(wall(t, offsetH)).toISOString().slice(0, 10);
const localWeekday = (t: number, offsetH: number): Weekday => WEEKDAYS[new Date(wall(t, offsetH)).getUTCDay()]!;
/** Local hour of day, 0 ≤ h < 24 (fractions for minutes). */
const localHour = (t: number, offsetH: number): number => {
  const d = new Date(wall(t, offsetH));
  return d.getUTCHours() + d.getUTCMinutes() / 60;
};
/** Start (UTC ms) of the block of `minutes` of the local clock (from local midnight) that contains UTC `t`: a demand window. */
const localBlockStart = (t: number, offsetH: number, minutes: number): number => Math.floor(wall(t, offsetH) / (minutes * MIN)) * minutes * MIN - offsetH * H;
const inRule = (r: TimeRule, t: number, offsetH: number): boolean => r.days.includes(localWeekday(t, offsetH)) && r.fromHour <= localHour(t, offsetH) && localHour(t, offsetH) < r.toHour;

interface RawTou {
  periods: { name: string; energyPricePerKwh: number; rules: TimeRule[] }[];
  defaultPeriod?: string | undefined;
  holidayPeriod?: string | undefined;
}

/** The period a person reads off the tariff sheet at UTC `t`: the holiday period on a holiday, else the rule covering the local time, else the default. */
function sheetPeriod(tou: RawTou, holidays: ReadonlySet<string>, t: number, offsetH: number): string {
  if (tou.holidayPeriod !== undefined && holidays.has(localDate(t, offsetH))) return tou.holidayPeriod;
  for (const p of tou.periods) if (p.rules.some((r) => inRule(r, t, offsetH))) return p.name;
  if (tou.defaultPeriod === undefined) throw new Error('test tariff leaves an hour uncovered');
  return tou.defaultPeriod;
}

// ---------------------------------------------------------------------------
// Generators.

const offsetQuarters = fc.integer({ min: -48, max: 56 });
const holidaysArb = fc.subarray(HOLIDAY_DATES, { maxLength: 6 });

/**
 * A random time-of-use energy component every schema accepts: the week's days fall in up to
 * three groups sharing a partition of the day at random quarter hours (multiples of `stepQ`) (so rules run from 0 and
 * to 24, cover whole days, and a period gets several rules); each piece goes to a random period,
 * or to none (the default period's) when there is one.
 */
const touArbOn = (stepQ: number): fc.Arbitrary<RawTou> => fc
  .record({
    groupOf: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 7, maxLength: 7 }),
    cuts: fc.array(fc.uniqueArray(fc.integer({ min: 1, max: 96 / stepQ - 1 }).map((c) => c * stepQ), { maxLength: 5 }), { minLength: 3, maxLength: 3 }),
    owners: fc.array(fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 6, maxLength: 6 }), { minLength: 3, maxLength: 3 }),
    periods: fc.integer({ min: 1, max: 4 }),
    withDefault: fc.boolean(),
    defaultK: fc.nat(),
    holidayK: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ groupOf, cuts, owners, periods, withDefault, defaultK, holidayK }) => {
    const names = ['peak', 'shoulder', 'off-peak', 'super-off-peak'].slice(0, periods);
    const out: RawTou = { periods: names.map((name, k) => ({ name, energyPricePerKwh: [0.4, 0.2875, 0.1625, 0.0825][k]!, rules: [] })) };
    for (let g = 0; g < 3; g++) {
      const days = WEEKDAYS.filter((_, d) => groupOf[d] === g);
      if (days.length === 0) continue;
      const edges = [0, ...[...cuts[g]!].sort((a, b) => a - b), 96];
      for (let j = 0; j + 1 < edges.length; j++) {
        let k = owners[g]![j]!;
        if (k < 0 && !withDefault) k = j; // without a default every piece needs a period
        if (k < 0) continue;
        out.periods[k % periods]!.rules.push({ days, fromHour: edges[j]! / 4, toHour: edges[j + 1]! / 4 });
      }
    }
    if (withDefault) out.defaultPeriod = names[defaultK % periods];
    if (holidayK !== undefined) out.holidayPeriod = names[holidayK % periods];
    return out;
  });
const touArb = touArbOn(1);

const calendarOf = (offsetH: number, dates: readonly string[]): SiteCalendar => ({ zone: SiteZone.fixed(offsetH), holidays: holidaysOf(dates) });

describe('tariffs in local hours: what they mean, as properties against a reading of the tariff sheet', function () {
  this.timeout(60_000);

  it('time of use: at every UTC instant the converted tariff charges the period the sheet gives at the local wall-clock time (weekday, holiday and all)', () => {
    fc.assert(
      fc.property(touArb, offsetQuarters, holidaysArb, fc.array(fc.integer({ min: 0, max: SPAN_DAYS * 24 * 60 - 1 }), { minLength: 20, maxLength: 20 }), (tou, q, dates, minutes) => {
        const offsetH = q / 4;
        const local = utcTariff(parsed({ id: 'tou', type: 'time-of-use', hours: 'local', ...tou }), offsetH);
        const pricer = makePricer(local, { knownBy: Infinity, calendar: calendarOf(offsetH, dates) });
        const holidays = new Set(dates);
        for (const m of minutes) {
          const t = T0 + m * MIN;
          expect(pricer.at(t).label, `${new Date(t).toISOString()} at UTC${offsetH >= 0 ? '+' : ''}${offsetH}`).to.equal(sheetPeriod(tou, holidays, t, offsetH));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('time of use: a reading is priced at its period when the sheet gives one period (and one side of a holiday) all through it, and refused otherwise', () => {
    fc.assert(
      fc.property(touArb, offsetQuarters, holidaysArb, fc.integer({ min: 0, max: SPAN_DAYS * 96 - 9 }), fc.integer({ min: 1, max: 8 }), (tou, q, dates, slot, quarters) => {
        const offsetH = q / 4;
        const local = utcTariff(parsed({ id: 'tou', type: 'time-of-use', hours: 'local', ...tou }), offsetH);
        const pricer = makePricer(local, { knownBy: Infinity, calendar: calendarOf(offsetH, dates) });
        const holidays = new Set(dates);
        const start = T0 + slot * 15 * MIN;
        const end = start + quarters * 15 * MIN;
        const each = Array.from({ length: quarters }, (_, k) => start + k * 15 * MIN);
        const labels = new Set(each.map((t) => sheetPeriod(tou, holidays, t, offsetH)));
        const holidaySides = new Set(each.map((t) => tou.holidayPeriod !== undefined && holidays.has(localDate(t, offsetH))));
        if (labels.size === 1 && holidaySides.size === 1) expect(pricer.interval(start, end).label).to.equal([...labels][0]);
        else expect(() => pricer.interval(start, end)).to.throw(TariffError, /straddle/);
      }),
      { numRuns: 150 },
    );
  });

  it('critical peak: an event on local date D is in effect exactly at the UTC instants whose local time is in the window on D, from its announcement plus the notice', () => {
    const eventArb = fc.record({
      day: fc.integer({ min: 0, max: SPAN_DAYS - 3 }),
      /** Hours announced before the window opens (undefined: the tariff's notice, by default). */
      earlyH: fc.option(fc.integer({ min: -4, max: 48 }).map((x) => x / 2), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        offsetQuarters,
        fc.integer({ min: 0, max: 95 }),
        fc.integer({ min: 1, max: 96 }),
        fc.integer({ min: 0, max: 48 }),
        fc.uniqueArray(eventArb, { maxLength: 3, selector: (e) => e.day }),
        fc.boolean(),
        fc.option(touArb, { nil: undefined }),
        holidaysArb,
        fc.integer({ min: 0, max: SPAN_DAYS * 24 * 4 - 1 }),
        fc.array(fc.integer({ min: 0, max: SPAN_DAYS * 24 * 60 - 1 }), { minLength: 15, maxLength: 15 }),
        (q, fromQ, lengthQ, noticeH, events, adder, tou, dates, nowQ, minutes) => {
          const offsetH = q / 4;
          const fromHour = fromQ / 4;
          const toHour = Math.min(96, fromQ + lengthQ) / 4;
          const date = (day: number) => new Date(T0 + day * DAY).toISOString().slice(0, 10);
          // The window on local date D opens at D + fromHour local, i.e. at UTC D + fromHour − offset.
          const opens = (day: number) => T0 + day * DAY + (fromHour - offsetH) * H;
          const closes = (day: number) => T0 + day * DAY + (toHour - offsetH) * H;
          const announced = (e: { day: number; earlyH: number | undefined }) => opens(e.day) - (e.earlyH ?? noticeH) * H;
          const raw = {
            id: 'cpp',
            type: 'critical-peak',
            hours: 'local',
            energy: tou === undefined ? { type: 'flat', energyPricePerKwh: 0.2 } : { type: 'time-of-use', ...tou },
            eventWindow: { fromHour, toHour },
            ...(adder ? { eventAdderPerKwh: 0.5 } : { eventPricePerKwh: 1.25 }),
            noticeHours: noticeH,
            events: events.map((e, k) => ({ id: `e${k}`, date: date(e.day), ...(e.earlyH === undefined ? {} : { announcedAt: new Date(announced(e)).toISOString() }) })),
          };
          const now = T0 + nowQ * 15 * MIN;
          const pricer = makePricer(utcTariff(parsed(raw), offsetH), { knownBy: now, calendar: calendarOf(offsetH, dates) });
          for (const m of minutes) {
            const t = T0 + m * MIN;
            // The energy under the event: the time-of-use period the sheet gives, its holidayPeriod on the site's holidays.
            const base = tou === undefined ? 'energy' : sheetPeriod(tou, new Set(dates), t, offsetH);
            const on = events.some((e) => now >= announced(e) && t >= Math.max(opens(e.day), announced(e) + noticeH * H) && t < closes(e.day));
            const expected = !on ? base : adder ? `${base} + critical-peak` : 'critical-peak';
            expect(pricer.at(t).label, `${new Date(t).toISOString()} (UTC${offsetH}, window ${fromHour}–${toHour} local, ${JSON.stringify(raw.events)})`).to.equal(expected);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('demand charge: windows are blocks of the local clock, and one counts iff its local start is in the demand hours on a local date that is not a holiday (demandOnHolidays: false)', () => {
    const rulesArb = fc.array(
      fc.record({ days: fc.subarray([...WEEKDAYS], { minLength: 1 }), from: fc.integer({ min: 0, max: 23 }), length: fc.integer({ min: 1, max: 24 }) }).map(({ days, from, length }) => ({ days, fromHour: from, toHour: Math.min(24, from + length) })),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(
        fc.option(rulesArb, { nil: undefined }),
        fc.boolean(),
        fc.constantFrom(15, 30, 60),
        offsetQuarters,
        holidaysArb,
        fc.array(fc.integer({ min: 0, max: SPAN_DAYS * 96 - 1 }), { minLength: 30, maxLength: 30 }),
        (demandHours, onHolidays, windowMinutes, q, dates, slots) => {
          const offsetH = q / 4;
          const raw = {
            id: 'dc',
            type: 'demand-charge',
            hours: 'local',
            energy: { type: 'flat', energyPricePerKwh: 0.1 },
            demandChargePerKw: 7.5,
            demandWindowMinutes: windowMinutes,
            ...(demandHours === undefined ? {} : { demandHours }),
            demandOnHolidays: onHolidays,
          };
          const dc = utcTariff(parsed(raw), offsetH) as DemandChargeTariff;
          const calendar = calendarOf(offsetH, dates);
          const holidays = new Set(dates);
          for (const s of slots) {
            const t = T0 + s * 15 * MIN;
            const ws = localBlockStart(t, offsetH, windowMinutes);
            const inHours = demandHours === undefined || demandHours.some((r) => inRule(r as TimeRule, ws, offsetH));
            const expected = inHours && (onHolidays || !holidays.has(localDate(ws, offsetH)));
            expect(demandWindowCounts(dc, ws, calendar), new Date(ws).toISOString()).to.equal(expected);
            expect(demandChargePerKwAt(dc, t as SimTime, calendar)).to.equal(expected ? 7.5 : 0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('demand charge: the bill\'s peak is the highest average over the local clock\'s blocks the sheet counts (local demand hours, no local holiday), never refusing a window across a holiday\'s edge (local midnight is a block edge)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ days: fc.subarray([...WEEKDAYS], { minLength: 1 }), from: fc.integer({ min: 0, max: 23 }), length: fc.integer({ min: 1, max: 24 }) }), { minLength: 1, maxLength: 2 }),
        fc.constantFrom(15, 30, 60),
        offsetQuarters,
        holidaysArb,
        fc.integer({ min: 0, max: (SPAN_DAYS - 3) * 96 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 2 * 96, maxLength: 2 * 96 }),
        (rules, windowMinutes, q, dates, startSlot, wh) => {
          const offsetH = q / 4;
          const demandHours = rules.map(({ days, from, length }) => ({ days, fromHour: from, toHour: Math.min(24, from + length) }));
          const raw = { id: 'dc', type: 'demand-charge', hours: 'local', energy: { type: 'flat', energyPricePerKwh: 0 }, demandChargePerKw: 10, demandWindowMinutes: windowMinutes, demandHours, demandOnHolidays: false };
          const dc = utcTariff(parsed(raw), offsetH);
          const start = T0 + startSlot * 15 * MIN;
          const meter: MeterReading[] = wh.map((w, k) => ({ start: (start + k * 15 * MIN) as SimTime, durationH: 0.25, importKwh: w / 1000, exportKwh: 0 }));
          const holidays = new Set(dates);
          const windowMs = windowMinutes * MIN;
          // Σ Wh per window: blocks of the local clock, from local midnight.
          const byWindow = new Map<number, number>();
          for (const r of meter) {
            const ws = localBlockStart(r.start, offsetH, windowMinutes);
            byWindow.set(ws, (byWindow.get(ws) ?? 0) + Number(r.importKwh) * 1000);
          }
          const straddles = [...byWindow.keys()].some((ws) => holidays.has(localDate(ws, offsetH)) !== holidays.has(localDate(ws + windowMs - 1, offsetH)));
          if (straddles) {
            expect(() => computeBill(dc, meter, { calendar: calendarOf(offsetH, dates) })).to.throw(TariffError, /straddles the start or end of a holiday/);
            return;
          }
          let peakWh = 0; // Wh in the window: kW = Wh × 60 / minutes / 1000, exact to the watt here (Wh are whole)
          for (const [ws, sumWh] of byWindow) if (demandHours.some((r) => inRule(r, ws, offsetH)) && !holidays.has(localDate(ws, offsetH))) peakWh = Math.max(peakWh, sumWh);
          const peakKw = new Decimal(peakWh).times(60).div(windowMinutes).div(1000).toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN);
          const bill = computeBill(dc, meter, { calendar: calendarOf(offsetH, dates) });
          expect(bill.demand!.peakKw.toFixed(3)).to.equal(peakKw.toFixed(3));
          expect(bill.demandCharge.toFixed(2)).to.equal(peakKw.times(10).toFixed(2));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('validate\'s meter check is sound: when it finds no local boundary inside a reading, a bill of any readings of the run\'s grid never refuses one as straddling', () => {
    fc.assert(
      fc.property(
        fc.oneof(touArbOn(1), touArbOn(2), touArbOn(4)),
        offsetQuarters,
        fc.constantFrom(5, 15, 15, 30, 45, 60, 120),
        fc.integer({ min: 0, max: 23 }).chain((h) => fc.constantFrom(4 * h, 4 * h + 2, 4 * h + 1)),
        fc.integer({ min: 1, max: 24 }).chain((h) => fc.constantFrom(4 * h, 4 * h - 2)),
        fc.option(fc.integer({ min: -8, max: 96 }), { nil: undefined }),
        fc.constantFrom(15, 30, 60, 120, 180),
        holidaysArb,
        fc.nat(),
        (tou, q, minutes, fromQ, lengthQ, lateQ, windowMinutes, dates, startK) => {
          const offsetH = q / 4;
          const start = T0 + (startK % Math.floor(1440 / minutes)) * minutes * MIN;
          const eventDate = '2026-12-23';
          const window = { fromHour: fromQ / 4, toHour: Math.min(96, fromQ + lengthQ) / 4 };
          // An event announced late (after its default time) takes effect inside its window: a boundary too.
          const defaultAnnounce = Date.UTC(2026, 11, 23) + (window.fromHour - offsetH - 12) * H;
          const event = { id: 'e', date: eventDate, ...(lateQ === undefined ? {} : { announcedAt: new Date(defaultAnnounce + lateQ * 15 * MIN).toISOString() }) };
          const tariffs = [
            parsed({ id: 'tou', type: 'time-of-use', hours: 'local', ...tou }),
            parsed({ id: 'cpp', type: 'critical-peak', hours: 'local', energy: { type: 'time-of-use', ...tou }, eventWindow: window, eventAdderPerKwh: 0.5, noticeHours: 12, events: [event] }),
            parsed({ id: 'dc', type: 'demand-charge', hours: 'local', energy: { type: 'flat', energyPricePerKwh: 0.2 }, demandChargePerKw: 1, demandWindowMinutes: windowMinutes, demandHours: [{ days: ['mon', 'wed', 'fri'], fromHour: 6, toHour: 18 }], demandOnHolidays: false }),
            parsed({ id: 'dc-tou', type: 'demand-charge', hours: 'local', energy: { type: 'time-of-use', ...tou }, demandChargePerKw: 1, demandWindowMinutes: windowMinutes }),
          ];
          const calendar = calendarOf(offsetH, dates);
          for (const t of tariffs) {
            const issues = meterIntervalIssues(t, minutes, start, [], offsetH);
            if (issues.length > 0) continue;
            const meter: MeterReading[] = Array.from({ length: Math.round((4 * 1440) / minutes) }, (_, k) => ({ start: (start + k * minutes * MIN) as SimTime, durationH: minutes / 60, importKwh: 1, exportKwh: 0 }));
            expect(() => computeBill(utcTariff(t, offsetH), meter, { calendar }), `${t.id} at UTC${offsetH}, ${minutes}-minute readings`).to.not.throw();
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  /**
   * The equivalent UTC tariff written out by hand from the sheet: one rule per UTC quarter hour of
   * the week, each given the period the sheet says (no holidays: a UTC weekly rule cannot say them).
   */
  function handWrittenUtc(tou: RawTou, offsetH: number): Record<string, unknown> {
    const rules = new Map<string, TimeRule[]>();
    for (let s = 0; s < 7 * 96; s++) {
      const t = T0 + s * 15 * MIN; // T0 is a Sunday: slot s is weekday ⌊s / 96⌋
      const name = sheetPeriod({ ...tou, holidayPeriod: undefined }, new Set(), t, offsetH);
      const list = rules.get(name) ?? rules.set(name, []).get(name)!;
      list.push({ days: [WEEKDAYS[Math.floor(s / 96)]!], fromHour: (s % 96) / 4, toHour: ((s % 96) + 1) / 4 });
    }
    return { id: 'tou', type: 'time-of-use', periods: tou.periods.map((p) => ({ ...p, rules: rules.get(p.name) ?? [] })) };
  }

  it('a day\'s bill under a local tariff equals, to the cent, the bill of the same readings under the equivalent UTC tariff written out by hand (a run\'s billing day from any quarter hour)', () => {
    fc.assert(
      fc.property(
        touArb,
        offsetQuarters,
        fc.integer({ min: 0, max: (SPAN_DAYS - 2) * 96 }),
        fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 96, maxLength: 96 }),
        fc.option(fc.record({ perKw: fc.integer({ min: 1, max: 2000 }).map((x) => x / 100), windowMinutes: fc.constantFrom(15, 30, 60) }), { nil: undefined }),
        (tou, q, startSlot, wh, demand) => {
          const offsetH = q / 4;
          // A UTC tariff's windows start at UTC midnight: written by hand it has the local tariff's windows only when the offset is on their grid.
          fc.pre(demand === undefined || (q * 15) % demand.windowMinutes === 0);
          const start = T0 + startSlot * 15 * MIN;
          const meter: MeterReading[] = wh.map((w, k) => ({ start: (start + k * 15 * MIN) as SimTime, durationH: 0.25, importKwh: w / 1000, exportKwh: 0 }));
          const period = { start: start as SimTime, end: (start + DAY) as SimTime };
          const wrap = (energy: Record<string, unknown>, hours: 'local' | 'utc') =>
            demand === undefined
              ? { ...energy, id: 't', hours }
              : { id: 't', type: 'demand-charge', hours, energy: { ...energy, id: undefined, hours: undefined }, demandChargePerKw: demand.perKw, demandWindowMinutes: demand.windowMinutes };
          const strip = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
          const local = utcTariff(parsed(strip(wrap({ type: 'time-of-use', ...tou }, 'local'))), offsetH);
          const byHand = parsed(strip(wrap(handWrittenUtc(tou, offsetH), 'utc')));
          expect(computeBill(local, meter, { period }).total.toFixed(2)).to.equal(computeBill(byHand, meter, { period }).total.toFixed(2));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a local critical-peak tariff that is a UTC one moved by the offset bills every day alike (the event window on its local date)', () => {
    // 17–21 local on 2026-12-23 at UTC−7 is 00:00–04:00 UTC on the 24th; at UTC+10, 07:00–11:00 UTC on the 23rd.
    for (const [offsetH, utcDate, from] of [[-7, '2026-12-24', 0], [10, '2026-12-23', 7], [5.75, '2026-12-23', 11.25], [-3.5, '2026-12-23', 20.5]] as const) {
      const cpp = (hours: 'local' | 'utc', date: string, f: number, t: number) =>
        parsed({ id: 'cpp', type: 'critical-peak', hours, energy: { type: 'flat', energyPricePerKwh: 0.2 }, eventWindow: { fromHour: f, toHour: t }, eventPricePerKwh: 1, noticeHours: 24, events: [{ id: 'e', date }] });
      const local = utcTariff(cpp('local', '2026-12-23', 17, 21), offsetH) as CriticalPeakTariff;
      // A window crossing UTC midnight has no single-day UTC equivalent: compare the part on each UTC day.
      const byHand = from + 4 <= 24 ? cpp('utc', utcDate, from, from + 4) : undefined;
      const meter: MeterReading[] = Array.from({ length: 4 * 96 }, (_, k) => ({ start: (Date.UTC(2026, 11, 22) + k * 15 * MIN) as SimTime, durationH: 0.25, importKwh: 0.25, exportKwh: 0 }));
      const total = computeBill(local, meter).total.toFixed(2);
      // 4 days of 1 kW: 92 h at 0.20 and 4 h at 1.00 = 18.40 + 4.00.
      expect(total, `UTC${offsetH}`).to.equal('22.40');
      if (byHand) expect(computeBill(byHand, meter).total.toFixed(2)).to.equal(total);
    }
  });
});

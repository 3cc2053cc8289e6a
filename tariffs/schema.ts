/**
 * The zod schema of a scenario's `tariffs:` section. Strict objects (an unknown key
 * is an error, so a typo never silently drops a charge), units in the key names,
 * and the checks a market designer would otherwise find only in a wrong bill:
 * every quarter hour of the week in exactly one time-of-use period, exactly one of
 * an event price or an event adder, floor ≤ cap, demand windows that divide a day.
 *
 * ```yaml
 * tariffs:
 *   - id: tou-2026
 *     type: time-of-use
 *     fixedChargePerDay: 0.45
 *     defaultPeriod: off-peak
 *     periods:
 *       - { name: peak,     energyPricePerKwh: 0.3125, rules: [{ days: weekdays, fromHour: 16, toHour: 21 }] }
 *       - { name: shoulder, energyPricePerKwh: 0.1875, rules: [{ days: weekdays, fromHour: 7, toHour: 16 },
 *                                                              { days: weekdays, fromHour: 21, toHour: 22 }] }
 *       - { name: off-peak, energyPricePerKwh: 0.0950 }
 *     export: { type: feed-in, exportPricePerKwh: 0.08 }
 *   - id: cpp
 *     type: critical-peak
 *     energy: { type: flat, energyPricePerKwh: 0.20 }
 *     noticeHours: 24
 *     eventWindow: { fromHour: 14, toHour: 18 }
 *     eventPricePerKwh: 0.90
 *     events: [{ id: heatwave-1, date: 2026-07-01 }]
 *   - { id: rtp, type: real-time, adderPerKwh: 0.03, floorPerKwh: 0, capPerKwh: 0.5 }
 *   - id: business
 *     type: demand-charge
 *     energy: { type: flat, energyPricePerKwh: 0.15 }
 *     demandChargePerKw: 12.5
 *     demandWindowMinutes: 15
 *     demandHours: [{ days: weekdays, fromHour: 8, toHour: 20 }]
 *     demandPeriod: month        # optional: the calendar month's peak (default day: each billing day's)
 *     export: { type: net-metering, netExportCreditPerKwh: 0.04 }
 * ```
 *
 * `days` takes a list (`[mon, tue]`) or `all`, `weekdays`, `weekend`; it defaults to `all`.
 * Errors come back as `InputIssue`s with a path (`tariffs[0].periods[1].rules[0]`) and a reason.
 */
import * as z from 'zod';
import { MAX_PRICE_MWH } from '../core/bounds.ts';
import type { InputIssue } from '../core/errors.ts';
import { formatPath } from '../core/errors.ts';
import { parseSimTime } from '../core/time.ts';
import { SLOTS_PER_DAY, SLOTS_PER_WEEK, formatSlot, ruleSlots } from './calendar.ts';
import type { DemandPeriod, Tariff, TimeRule, Weekday } from './types.ts';
import { DEMAND_PERIODS, WEEKDAYS } from './types.ts';

/** "required" when the key is missing, else what was expected. */
const numberError = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined
    ? `required: ${expected}`
    : `expected ${expected}, got ${typeof issue.input === 'number' ? String(issue.input) : (JSON.stringify(issue.input) ?? typeof issue.input)}`;
/**
 * Bounds (core/bounds.ts): a price per kWh within ±`MAX_PRICE_MWH`/1000 (10,000 per kWh), a
 * charge per day or per kW within 1e7, hours within a leap year: what bills compute exactly.
 */
export const MAX_PER_KWH = MAX_PRICE_MWH / 1000;
export const MAX_CHARGE = 1e7;
const finite = (what: string, max = MAX_PER_KWH) => z.number({ error: numberError(`a finite number (${what})`) }).min(-max).max(max);
const nonNegative = (what: string, max = MAX_PER_KWH) =>
  z
    .number({ error: numberError(`a finite number (${what})`) })
    .min(0, { error: `${what} must be ≥ 0` })
    .max(max);
const hour = z
  .number({ error: numberError('an hour of the day, 0–24') })
  .min(0, { error: 'an hour must be ≥ 0' })
  .max(24, { error: 'an hour must be ≤ 24' })
  .multipleOf(0.25, { error: 'hours are quarter hours (a multiple of 0.25)' });

const weekday = z.enum(WEEKDAYS as [Weekday, ...Weekday[]]);
const days = z
  .union([
    z.enum(['all', 'weekdays', 'weekend']),
    z.array(weekday).min(1, { error: 'at least one day' }),
  ], { error: `expected all, weekdays, weekend or a list of ${WEEKDAYS.join(', ')}` })
  .transform((d): Weekday[] => {
    if (d === 'all') return [...WEEKDAYS];
    if (d === 'weekdays') return ['mon', 'tue', 'wed', 'thu', 'fri'];
    if (d === 'weekend') return ['sat', 'sun'];
    return [...new Set(d)];
  });

const hourRange = {
  fromHour: hour,
  toHour: hour,
};
const checkRange = (r: { fromHour: number; toHour: number }, ctx: z.RefinementCtx): void => {
  if (r.fromHour >= r.toHour)
    ctx.addIssue({ code: 'custom', path: ['toHour'], message: `toHour (${r.toHour}) must be after fromHour (${r.fromHour}); ranges do not wrap past midnight, split them in two` });
};

export const timeRuleSchema = z.strictObject({ days: days.default([...WEEKDAYS]), ...hourRange }).superRefine(checkRange);

const periodSchema = z.strictObject({
  name: z.string().min(1, { error: 'a period needs a name' }),
  energyPricePerKwh: nonNegative('energyPricePerKwh'),
  rules: z.array(timeRuleSchema).default([]),
});

const flatEnergyShape = {
  type: z.literal('flat'),
  energyPricePerKwh: nonNegative('energyPricePerKwh'),
};
const touEnergyShape = {
  type: z.literal('time-of-use'),
  periods: z.array(periodSchema).min(1, { error: 'a time-of-use tariff needs at least one period' }),
  defaultPeriod: z.string().optional(),
  /** The period that takes the whole of a public holiday (the site's `holidays`), whatever the weekly rules say. */
  holidayPeriod: z.string().optional(),
};

/** Describes slots as day ranges: `sat 00:00–24:00, sun 07:00–09:00`. */
function describeSlots(slots: readonly number[], limit = 6): string {
  const ranges: string[] = [];
  let i = 0;
  while (i < slots.length) {
    let j = i;
    while (j + 1 < slots.length && slots[j + 1] === slots[j]! + 1 && slots[j + 1]! % SLOTS_PER_DAY !== 0) j++;
    const last = slots[j]!;
    const endOfDay = (last + 1) % SLOTS_PER_DAY === 0;
    const end = endOfDay ? '24:00' : formatSlot(last + 1).slice(4);
    ranges.push(`${formatSlot(slots[i]!)}–${end}`);
    i = j + 1;
  }
  return ranges.length > limit ? `${ranges.slice(0, limit).join(', ')} and ${ranges.length - limit} more` : ranges.join(', ');
}

/** Time-of-use checks: unique names, a known default period, no overlap between periods, full coverage without a default. */
function checkTou(tou: { periods: readonly { name: string; rules: readonly TimeRule[] }[]; defaultPeriod?: string | undefined; holidayPeriod?: string | undefined }, ctx: z.RefinementCtx): void {
  const names = new Map<string, number>();
  tou.periods.forEach((p, k) => {
    const first = names.get(p.name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['periods', k, 'name'], message: `period name '${p.name}' is already used by periods[${first}]` });
    else names.set(p.name, k);
  });
  for (const key of ['defaultPeriod', 'holidayPeriod'] as const) {
    const name = tou[key];
    if (name !== undefined && !names.has(name))
      ctx.addIssue({ code: 'custom', path: [key], message: `'${name}' is not one of the periods (${[...names.keys()].join(', ')})` });
  }

  // owner[slot] = [period, rule] of the first rule covering it.
  const owner: ([number, number] | undefined)[] = new Array(SLOTS_PER_WEEK);
  tou.periods.forEach((p, k) => {
    p.rules.forEach((r, j) => {
      if (r.fromHour >= r.toHour) return; // reported by the rule itself
      const clashes = new Map<string, number[]>();
      for (const s of ruleSlots(r)) {
        const o = owner[s];
        if (o === undefined) owner[s] = [k, j];
        else if (o[0] !== k) {
          const key = `${o[0]}:${o[1]}`;
          const list = clashes.get(key);
          if (list) list.push(s);
          else clashes.set(key, [s]);
        }
      }
      for (const [key, slots] of clashes) {
        const [ok, oj] = key.split(':').map(Number) as [number, number];
        ctx.addIssue({
          code: 'custom',
          path: ['periods', k, 'rules', j],
          message: `overlaps period '${tou.periods[ok]!.name}' (periods[${ok}].rules[${oj}]) on ${describeSlots(slots.sort((a, b) => a - b))}; every hour must belong to exactly one period`,
        });
      }
    });
  });
  if (tou.defaultPeriod === undefined) {
    const uncovered: number[] = [];
    for (let s = 0; s < SLOTS_PER_WEEK; s++) if (owner[s] === undefined) uncovered.push(s);
    if (uncovered.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['periods'],
        message: `no period covers ${describeSlots(uncovered)}; cover every hour of the week or name a defaultPeriod`,
      });
  }
}

const flatEnergySchema = z.strictObject(flatEnergyShape);
const touEnergySchema = z.strictObject(touEnergyShape).superRefine(checkTou);
export const energyComponentSchema = z.discriminatedUnion('type', [flatEnergySchema, touEnergySchema], {
  error: "expected an energy component of type 'flat' or 'time-of-use'",
});

export const exportCompensationSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('feed-in'), exportPricePerKwh: nonNegative('exportPricePerKwh') }),
    z.strictObject({ type: z.literal('net-billing'), exportPricePerKwh: nonNegative('exportPricePerKwh') }),
    z.strictObject({ type: z.literal('net-metering'), netExportCreditPerKwh: nonNegative('netExportCreditPerKwh').default(0) }),
    z.strictObject({ type: z.literal('buy-all-sell-all'), exportPricePerKwh: nonNegative('exportPricePerKwh') }),
  ],
  { error: "expected export compensation of type 'net-metering', 'net-billing' (or its older name 'feed-in') or 'buy-all-sell-all'" },
);

const common = {
  id: z.string().min(1, { error: 'a tariff needs an id' }),
  name: z.string().optional(),
  fixedChargePerDay: nonNegative('fixedChargePerDay', MAX_CHARGE).optional(),
  export: exportCompensationSchema.optional(),
  hours: z.enum(['utc', 'local'], { error: "expected 'utc' or 'local' (the site's utcOffsetHours)" }).optional(),
};

/** `YYYY-MM-DD` names a real day (Date.parse would roll 2026-02-30 over to March 2). */
const isCalendarDate = (ymd: string): boolean => {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};
/** A calendar date `YYYY-MM-DD` (also the scenario's `site.holidays`). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date YYYY-MM-DD' })
  .refine(isCalendarDate, { error: 'not a calendar date' });
const isoTime = z
  .string()
  .refine((s) => parseSimTime(s) !== undefined && isCalendarDate(s.slice(0, 10)) && !/T(2[4-9])/.test(s), {
    error: 'expected an ISO-8601 time with a zone, e.g. 2026-06-30T12:00:00Z',
  });

const eventSpecSchema = z.strictObject({
  id: z.string().min(1, { error: 'an event needs an id' }),
  date: isoDate,
  announcedAt: isoTime.optional(),
});

const flatTariffSchema = z.strictObject({ ...common, ...flatEnergyShape });
const touTariffSchema = z.strictObject({ ...common, ...touEnergyShape }).superRefine(checkTou);

const criticalPeakSchema = z
  .strictObject({
    ...common,
    type: z.literal('critical-peak'),
    energy: energyComponentSchema,
    noticeHours: nonNegative('noticeHours', 366 * 24),
    eventWindow: z.strictObject(hourRange).superRefine(checkRange),
    eventPricePerKwh: nonNegative('eventPricePerKwh').optional(),
    // An event raises the price: a negative adder would make the critical peak a discount (a rebate is another product).
    eventAdderPerKwh: nonNegative('eventAdderPerKwh').optional(),
    events: z.array(eventSpecSchema).default([]),
  })
  .superRefine((t, ctx) => {
    if ((t.eventPricePerKwh === undefined) === (t.eventAdderPerKwh === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['eventPricePerKwh'],
        message: 'give exactly one of eventPricePerKwh (replaces the price in an event) or eventAdderPerKwh (added to it)',
      });
    const seen = new Set<string>();
    t.events.forEach((e, i) => {
      if (seen.has(e.id)) ctx.addIssue({ code: 'custom', path: ['events', i, 'id'], message: `event id '${e.id}' is used twice` });
      seen.add(e.id);
    });
  });

const realTimeSchema = z
  .strictObject({
    ...common,
    type: z.literal('real-time'),
    // The price follows the market and may go below zero when the market does (as dynamic tariffs do), unless
    // floorPerKwh stops it; a cap below zero would price every interval below zero, which no tariff means.
    adderPerKwh: finite('adderPerKwh'),
    floorPerKwh: finite('floorPerKwh').optional(),
    capPerKwh: nonNegative('capPerKwh').optional(),
  })
  .superRefine((t, ctx) => {
    if (t.floorPerKwh !== undefined && t.capPerKwh !== undefined && t.floorPerKwh > t.capPerKwh)
      ctx.addIssue({ code: 'custom', path: ['capPerKwh'], message: `capPerKwh (${t.capPerKwh}) is below floorPerKwh (${t.floorPerKwh})` });
  });

const demandChargeSchema = z
  .strictObject({
    ...common,
    type: z.literal('demand-charge'),
    energy: energyComponentSchema,
    demandChargePerKw: nonNegative('demandChargePerKw', MAX_CHARGE),
    demandWindowMinutes: z
      .number({ error: numberError('a number of minutes') })
      .int({ error: 'demandWindowMinutes must be a whole number of minutes' })
      .positive({ error: 'demandWindowMinutes must be > 0' })
      .refine((m) => 1440 % m === 0, { error: 'demandWindowMinutes must divide a day (1, 5, 15, 30, 60 … 1440)' }),
    demandHours: z.array(timeRuleSchema).min(1, { error: 'give at least one rule, or leave demandHours out to count every window' }).optional(),
    demandOnHolidays: z.boolean({ error: 'demandOnHolidays must be true or false' }).optional(),
    demandPeriod: z
      .enum(DEMAND_PERIODS as [DemandPeriod, ...DemandPeriod[]], {
        error: (issue) => `expected day (each billing day's peak) or month (the calendar month's peak), got ${JSON.stringify(issue.input) ?? 'nothing'}`,
      })
      .optional(),
  })
  .superRefine((t, ctx) => {
    const w = t.demandWindowMinutes;
    if (!(w > 0) || 1440 % w !== 0) return;
    t.demandHours?.forEach((r, i) => {
      for (const key of ['fromHour', 'toHour'] as const) {
        if (Math.round(r[key] * 60) % w !== 0)
          ctx.addIssue({ code: 'custom', path: ['demandHours', i, key], message: `must be a multiple of the ${w}-minute demand window, so that a window never straddles it` });
      }
    });
  });

export const tariffSchema = z.discriminatedUnion('type', [flatTariffSchema, touTariffSchema, criticalPeakSchema, realTimeSchema, demandChargeSchema], {
  error: "expected a tariff type: 'flat', 'time-of-use', 'critical-peak', 'real-time' or 'demand-charge'",
});

/** The `tariffs:` section: a list of tariffs with unique ids. */
export const tariffsSchema = z.array(tariffSchema).superRefine((ts, ctx) => {
  const seen = new Map<string, number>();
  ts.forEach((t, i) => {
    const first = seen.get(t.id);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `tariff id '${t.id}' is already used by tariffs[${first}]` });
    else seen.set(t.id, i);
  });
});

// The parsed shape is the engine's `Tariff`: a compile-time check that they stay in step.
const _parsedIsTariff = (t: z.output<typeof tariffSchema>): Tariff => t;
void _parsedIsTariff;

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly InputIssue[] };

/** Zod issues as `InputIssue`s under `prefix` (an unknown key gets its own path). */
export function toInputIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): InputIssue[] {
  const out: InputIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: `unknown key '${key}'` });
    } else if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      out.push({ path: formatPath(path), message: `required (${issue.expected})` });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

/** Parses a `tariffs:` section. `prefix` is the section's path in the document, for messages. */
export function parseTariffs(raw: unknown, prefix: readonly PropertyKey[] = ['tariffs']): ParseResult<Tariff[]> {
  const r = tariffsSchema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: toInputIssues(r.error, prefix) };
}

/** Parses one tariff (also a check for tariffs built in code: a `Tariff` is valid input). */
export function parseTariff(raw: unknown, prefix: readonly PropertyKey[] = []): ParseResult<Tariff> {
  const r = tariffSchema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: toInputIssues(r.error, prefix) };
}

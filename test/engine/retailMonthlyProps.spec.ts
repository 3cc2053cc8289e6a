/**
 * Properties of the retail desk (engine/retail.ts) under a demand charge on the month's peak
 * (`demandPeriod: month`), with the real RetailDesk, tariffs read by the real schema and
 * converted by `utcTariff`, and customers that re-choose their tariff every day (A-monthly's
 * review of the feature). Over random runs across a month end (run start hour, local offsets
 * incl. :30/:45 and negative ones, window length, loads, tariff switches):
 *
 * - per customer, tariff and calendar month of the tariff's clock, Σ of the daily bills' month
 *   parts = rate × that month's highest window over the days the customer was on the tariff,
 *   computed here from the metered quanta: a return to a tariff within a month resumes the month
 *   (README, "a customer that returns to a monthly tariff"), a first entry starts it from zero;
 * - flexible load not worth the demand charge never raises a month's peak (`take`): the peak a
 *   tariff's month ends on is the highest load bid at the cap over the month's days on the tariff;
 * - billed from the MDMS (a communication plane) with every read intact, the bills, the
 *   switches and a zero true-up are those of the plain path.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Decimal } from 'decimal.js';
import { intervalAt } from '../../core/clock.ts';
import { Money, ZERO, roundPowerKw } from '../../core/money.ts';
import { streamFromState } from '../../core/rng.ts';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, simTime } from '../../core/time.ts';
import { busId } from '../../core/units.ts';
import { type CustomerBill, RetailDesk } from '../../engine/retail.ts';
import { type BidSegment, DEFAULT_RULES } from '../../market/types.ts';
import { meterReadKwh } from '../../metering/meter.ts';
import { utcTariff } from '../../tariffs/localHours.ts';
import { parseTariffs } from '../../tariffs/schema.ts';
import type { Tariff } from '../../tariffs/types.ts';
import { SiteZone } from '../../core/siteZone.ts';
import { NO_HOLIDAYS } from '../../core/calendar.ts';
import { billingDays, type BillingDays } from '../../engine/billingDays.ts';

const q = DEFAULT_RULES.quantumKw;
const cap = DEFAULT_RULES.priceCapMwh;
const IPD = 96; // 15-minute intervals a day (the loads' daily scale; billing days are the site's local days: daysOf)
const buy = (quantityKw: number, priceMwh: number): BidSegment => ({ side: 'buy', quantityKw, priceMwh });

interface Case {
  readonly startDay: number; // days before 1 of the month the run starts in (a month end inside the run)
  readonly startHour: number;
  readonly monthIndex: number;
  readonly days: number;
  readonly offsetHours: number;
  readonly windowMinutes: number;
  readonly rates: readonly [number, number];
  readonly customers: readonly { readonly tariff: number; readonly rationality: number; readonly inertia: number; readonly seed: number }[];
  /** Per customer and interval: kW at the cap (in quanta), and flexible kW (quanta) at 500 /MWh. */
  readonly base: readonly number[];
  readonly flex: readonly number[];
  /** Per day, % of the base. */
  readonly dayScale: readonly number[];
  /**
   * Per demand window (of the month tariffs'), the base at its first interval and a base no higher at the others (a
   * spike at the window's start, as a 5 kW quarter at 18:00 in a 2 kW hour).
   */
  readonly baseByWindow?: boolean;
}

const TARIFF_IDS = ['m1', 'm2', 'day', 'flat'] as const;

function tariffsFor(c: Case): Tariff[] {
  const month = (id: string, rate: number, demandHours?: unknown) => ({
    id,
    ...(demandHours === undefined ? {} : { demandHours }),
    type: 'demand-charge',
    hours: 'local',
    energy: { type: 'flat', energyPricePerKwh: 0.2 },
    demandChargePerKw: rate,
    demandWindowMinutes: c.windowMinutes,
    demandPeriod: 'month',
  });
  const raw = [
    month('m1', c.rates[0]),
    month('m2', c.rates[1], [{ days: 'weekdays', fromHour: 8, toHour: 20 }]), // local hours, as the months
    { id: 'day', type: 'demand-charge', energy: { type: 'flat', energyPricePerKwh: 0.2 }, demandChargePerKw: 0.3, demandWindowMinutes: 15 },
    { id: 'flat', type: 'flat', energyPricePerKwh: 0.26 },
  ];
  const parsed = parseTariffs(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value.map((t) => utcTariff(t, c.offsetHours));
}

/** Runs the case through a desk: plain, or billed from a lossless MDMS. */
/** What the MDMS changes, by (party, interval): a read replaced by this kWh (estimated), or lost (missing: bills zero). */
type Altered = ReadonlyMap<string, number | undefined>;

function run(c: Case, viaMdms: boolean, altered: Altered = new Map()): { desk: RetailDesk; quanta: number[][]; baseQ: number[][] } {
  const tariffs = tariffsFor(c);
  const clock = { start: simTime(startOf(c)), intervalMinutes: 15, intervals: c.days * IPD, gateClosureMinutes: 5 };
  const specs = c.customers.map((k, party) => ({
    party,
    bus: busId('main'),
    busIndex: 0,
    tariffId: TARIFF_IDS[k.tariff]!,
    choice: { rationality: k.rationality, inertia: k.inertia, rng: streamFromState([k.seed | 1, 7, 11, 13]) },
  }));
  // The site's clock at the case's offset: billing days are its local days (engine/billingDays.ts), as the tariffs' months are its months.
  const desk = new RetailDesk(tariffs, new Map(TARIFF_IDS.map((id) => [id, 99])), specs, 1, clock, DEFAULT_RULES, { zone: SiteZone.fixed(c.offsetHours), holidays: NO_HOLIDAYS });
  if (viaMdms) desk.billFromMdmsAtRunEnd();
  const quanta = c.customers.map(() => [] as number[]);
  const baseQ = c.customers.map(() => [] as number[]);
  for (let k = 0; k < clock.intervals; k++) {
    const interval = intervalAt(clock, k);
    desk.recordPrices(interval, Float64Array.of(50));
    c.customers.forEach((_, p) => {
      const n = c.windowMinutes / 15;
      const at = (p * clock.intervals + (c.baseByWindow ? Math.floor(k / n) : k)) % c.base.length;
      const raw = c.baseByWindow && k % n > 0 ? Math.min(c.base[at]!, c.base[(at + 1) % c.base.length]!) : c.base[at]!;
      // The base cycles through its array, scaled per day so that days (and so stints) peak differently.
      const baseQuanta = Math.round((raw * c.dayScale[Math.floor(k / IPD)]!) / 100);
      const take = desk.take(p, interval, [buy(baseQuanta * q, cap), buy(c.flex[at]! * q, 500)]);
      desk.meter(p, interval, { importQuanta: take.buyQuanta, exportQuanta: 0, consumedQuanta: take.buyQuanta, generatedQuanta: 0 });
      quanta[p]!.push(take.buyQuanta);
      baseQ[p]!.push(baseQuanta);
    });
    if (desk.days.closesDay(k)) desk.closeDay(desk.days.dayOf(k));
  }
  if (viaMdms) {
    const ms = 15 * MS_PER_MINUTE;
    // Every read intact: what the meter sent, as metering/meter.ts forms it.
    desk.billFromMdms((party, fromMs, toMs) => {
      const out = [];
      for (let t = fromMs; t < toMs; t += ms) {
        const k = (t - clock.start) / ms;
        const key = `${party}:${k}`;
        if (altered.has(key)) out.push({ importKwh: altered.get(key), exportKwh: altered.get(key) === undefined ? undefined : 0, quality: altered.get(key) === undefined ? ('missing' as const) : ('estimated' as const) });
        else out.push({ importKwh: Math.max(0, meterReadKwh(String(party), ms, quanta[party]![k]! * q)), exportKwh: 0, quality: 'actual' as const });
      }
      return out;
    });
  }
  return { desk, quanta, baseQ };
}

/** The case's billing days: the local days of its offset over its run. */
function daysOf(c: Case): BillingDays {
  return billingDays({ start: startOf(c), intervalMinutes: 15, intervals: c.days * IPD }, SiteZone.fixed(c.offsetHours));
}

function startOf(c: Case): number {
  const first = Date.UTC(2026, c.monthIndex, 1);
  return first - c.startDay * MS_PER_DAY + c.startHour * MS_PER_HOUR;
}

/** The days a customer is billed under each tariff (every stint on it), in day order. */
function daysByTariff(bills: readonly CustomerBill[], party: number): Map<string, CustomerBill[]> {
  const out = new Map<string, CustomerBill[]>();
  for (const b of bills.filter((x) => x.party === party).sort((x, y) => x.day - y.day)) {
    const days = out.get(b.bill.tariffId) ?? out.set(b.bill.tariffId, []).get(b.bill.tariffId)!;
    days.push(b);
  }
  return out;
}

/** Maximal runs of consecutive days a customer is billed under one tariff. */
function stints(bills: readonly CustomerBill[], party: number): { tariffId: string; days: CustomerBill[] }[] {
  const out: { tariffId: string; days: CustomerBill[] }[] = [];
  for (const b of bills.filter((x) => x.party === party).sort((x, y) => x.day - y.day)) {
    const last = out.at(-1);
    if (last && last.tariffId === b.bill.tariffId) last.days.push(b);
    else out.push({ tariffId: b.bill.tariffId, days: [b] });
  }
  return out;
}

const caseArb = (windows: readonly number[]): fc.Arbitrary<Case> =>
  fc
    .record({
      startDay: fc.integer({ min: 1, max: 3 }),
      startHour: fc.integer({ min: 0, max: 23 }),
      monthIndex: fc.integer({ min: 0, max: 11 }),
      days: fc.integer({ min: 2, max: 5 }),
      // Offsets whose local midnight falls on every window the case may take (validate refuses the others).
      offsetHours: fc.constantFrom(0, -7, -3.5, 5.5, 5.75, 9.5, -9.75, 13, -12),
      windowMinutes: fc.constantFrom(...windows),
      // At least 0.10 per kW: over a 15-minute window that adds ≥ 400 /MWh, so flexible load at 500 /MWh is never worth
      // raising the peak at 0.20/kWh (200 /MWh); 60-minute windows may make it worth it, which the first property allows.
      rates: fc.tuple(fc.integer({ min: 10, max: 2000 }).map((c) => c / 100), fc.integer({ min: 10, max: 2000 }).map((c) => c / 100)),
      customers: fc.array(
        fc.record({ tariff: fc.integer({ min: 0, max: 3 }), rationality: fc.double({ min: 0, max: 3, noNaN: true }), inertia: fc.constantFrom(0, 0.3), seed: fc.integer() }),
        { minLength: 1, maxLength: 3 },
      ),
      base: fc.array(fc.integer({ min: 0, max: 8000 }), { minLength: 1, maxLength: 200 }),
      flex: fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 1, maxLength: 200 }),
      dayScale: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 5, maxLength: 5 }),
    })
    // The offset's local midnight on the window grid (else validate refuses the scenario): 15-minute windows take every
    // offset here, 30-minute ones the :30 and whole hours, 60-minute ones whole hours.
    .filter((c) => (c.offsetHours * 60) % c.windowMinutes === 0)
    .map((c) => ({ ...c, flex: c.base.map((_, i) => c.flex[i % c.flex.length]!) }));

describe('retail desk, monthly demand charge: properties over runs across a month end, with tariff switches', function () {
  it('per customer, tariff and month, Σ of the bills\' month parts = rate × the month\'s highest window over the days on the tariff, from the metered quanta', () => {
    let returns = 0; // returns to a month tariff within the month the customer left it in
    fc.assert(
      fc.property(caseArb([15, 30, 60]), (c) => {
        const { desk, quanta } = run(c, false);
        returns += checkMonths(c, desk, (p, k) => new Money(quanta[p]![k]!).times(q).div(4));
      }),
      // More runs than a per-stint check needed: a return within the month needs two switches in a few days.
      { numRuns: 40 },
    );
    // The runs did bring customers back to a month tariff within its month (else the resumption went untested).
    expect(returns).to.be.greaterThan(0);
  });

  // With windows longer than the interval the desk keeps room for the window's later intervals at this one's load at the
  // cap: exact when that load is the same all window (baseByWindow), which is what this property asks.
  it('flexible load not worth the charge never raises a month\'s peak: a tariff\'s month peak is its highest load at the cap over the days on it (15/30/60-minute windows)', () => {
    fc.assert(
      // At least 1.10 per kW: over a 60-minute window ≥ 1100 /MWh above the peak, never worth it for load valued 500 /MWh.
      fc.property(caseArb([15, 30, 60]).map((c) => ({ ...c, rates: [c.rates[0] + 1, c.rates[1] + 1] as const, baseByWindow: true })), (c) => {
        const { desk, baseQ } = run(c, false);
        const tariffs = new Map(tariffsFor(c).map((t) => [t.id, t]));
        c.customers.forEach((_, p) => {
          // Every day on the tariff, each stint's: a return resumes the month, so its peak is the month's over all of them.
          for (const [tariffId, days] of daysByTariff(desk.bills, p)) {
            const s = { tariffId, days };
            const t = tariffs.get(s.tariffId)!;
            if (t.type !== 'demand-charge' || t.demandPeriod !== 'month') continue;
            // The peak the load at the cap alone sets: each counting window's average, rounded to the watt, by month.
            const w = c.windowMinutes * MS_PER_MINUTE;
            const sums = new Map<number, number>();
            for (const b of s.days)
              for (let k = desk.days.starts[b.day]!; k < desk.days.starts[b.day + 1]!; k++) {
                const block = Math.floor((startOf(c) + k * 15 * MS_PER_MINUTE) / w);
                sums.set(block, (sums.get(block) ?? 0) + baseQ[p]![k]!);
              }
            const top = new Map<string, Decimal>();
            for (const [block, quanta] of sums) {
              if (!counts(s.tariffId, c.offsetHours, block * w)) continue;
              const month = monthOf(c.offsetHours, block * w);
              const kw = roundPowerKw(new Money(quanta).times(q).times(15).div(c.windowMinutes));
              if (!top.has(month) || kw.gt(top.get(month)!)) top.set(month, kw);
            }
            // The month-to-date peak each month ends on, on the tariff: its last bill touching the month.
            const ended = new Map<string, Decimal>();
            for (const b of s.days) for (const m of b.bill.demand!.months!) ended.set(m.month, m.peakKw);
            for (const [month, baseTop] of top) expect(ended.get(month)!.toFixed(3), `party ${p} ${month}`).to.equal(baseTop.toFixed(3));
          }
        });
      }),
      { numRuns: 40 },
    );
  });

  it('billed from the MDMS with every read intact: the plain path\'s bills and switches, and no true-up', () => {
    fc.assert(
      fc.property(caseArb([15, 30, 60]), (c) => {
        const plain = run(c, false).desk;
        const mdms = run(c, true).desk;
        const show = (bills: readonly CustomerBill[]) =>
          [...bills].sort((a, b) => a.day - b.day || a.party - b.party).map((b) => [b.party, b.day, b.bill.tariffId, b.bill.total.toFixed(), b.bill.demandCharge.toFixed(), b.bill.demand?.peakKw.toFixed()]);
        expect(show(mdms.bills)).to.deep.equal(show(plain.bills));
        expect(mdms.switches).to.deep.equal(plain.switches);
        for (const v of mdms.billingTrueUp.values()) expect(v.isZero()).to.equal(true);
      }),
      { numRuns: 15 },
    );
  });

  it('billed from the MDMS with reads estimated or lost: the true-up is Σ of the MDMS bills − Σ of the plain path\'s, and each chain sums to its own peaks', () => {
    fc.assert(
      fc.property(
        caseArb([15, 30, 60]),
        // Reads the MDMS changes: on a (party, day), the day's highest reads lost (missing) or estimated at a fraction of them.
        fc.array(fc.record({ party: fc.nat(2), day: fc.nat(4), keep: fc.option(fc.integer({ min: 0, max: 90 })) }), { minLength: 1, maxLength: 6 }),
        (c, changes) => {
          const { desk: plain, quanta: metered } = run(c, false);
          const altered = new Map<string, number | undefined>();
          const days = daysOf(c);
          for (const x of changes) {
            if (x.party >= c.customers.length || x.day >= days.count) continue;
            // Every read at the day's highest (the base repeats, so the highest read has ties that would hold the peak).
            const from = days.starts[x.day]!;
            const day = metered[x.party]!.slice(from, days.starts[x.day + 1]!);
            const top = Math.max(...day);
            day.forEach((v, i) => {
              if (v === top) altered.set(`${x.party}:${from + i}`, x.keep === null ? undefined : (v * q * 0.25 * x.keep) / 100);
            });
          }
          const { desk: mdms, quanta } = run(c, true, altered);
          // The MDMS chain sums to the peaks of what the MDMS served (an altered read enters through its shortest decimal).
          checkMonths(c, mdms, (p, k) => {
            const key = `${p}:${k}`;
            return altered.has(key) ? new Money(altered.get(key) ?? 0) : new Money(quanta[p]![k]!).times(q).div(4);
          });
          // The switches are decided on the meter phase's registers: the same either way.
          expect(mdms.switches).to.deep.equal(plain.switches);
          const trueUp = [...mdms.billingTrueUp.values()].reduce((s, v) => s.plus(v), ZERO);
          expect(trueUp.toFixed()).to.equal(totalOf(mdms.bills).minus(totalOf(plain.bills)).toFixed());
        },
      ),
      { numRuns: 15 },
    );
  });
});

/**
 * Per customer, month tariff and month: Σ of the bills' month parts = rate × the month's highest counting window over
 * every day the customer was billed on the tariff (each stint's), from `kwhAt(party, interval)`. Returns how many stints
 * on a month tariff were returns to it within the month the customer left it in (its last bill's last month).
 */
function checkMonths(c: Case, desk: RetailDesk, kwhAt: (party: number, k: number) => Decimal): number {
  let returns = 0;
  const tariffs = new Map(tariffsFor(c).map((t) => [t.id, t]));
  const start = startOf(c);
  c.customers.forEach((_, p) => {
    const left = new Map<string, string>(); // tariff → the last month of the customer's last bill on it
    for (const s of stints(desk.bills, p)) {
      const months = s.days[0]!.bill.demand?.months;
      if (months && left.get(s.tariffId) === months[0]!.month) returns++;
      const last = s.days.at(-1)!.bill.demand?.months?.at(-1);
      if (last) left.set(s.tariffId, last.month);
    }
    for (const [tariffId, days] of daysByTariff(desk.bills, p)) {
      const t = tariffs.get(tariffId)!;
      if (t.type !== 'demand-charge' || t.demandPeriod !== 'month') continue;
      const w = t.demandWindowMinutes * MS_PER_MINUTE;
      // Each window's kWh from the tariff's intervals, its kW rounded to the watt, by the month (site's clock) of its start.
      const kwh = new Map<number, Decimal>();
      // A billing day is a local day and the month tariffs' months are local months: no bill touches two months.
      for (const b of days) expect(b.bill.demand!.months!.length, `party ${p} day ${b.date}`).to.equal(1);
      for (const b of days)
        for (let k = desk.days.starts[b.day]!; k < desk.days.starts[b.day + 1]!; k++) {
          const at = start + k * 15 * MS_PER_MINUTE;
          kwh.set(Math.floor(at / w), (kwh.get(Math.floor(at / w)) ?? ZERO).plus(kwhAt(p, k)));
        }
      const peak = new Map<string, Decimal>();
      for (const [b, e] of kwh) {
        if (!counts(tariffId, c.offsetHours, b * w)) continue;
        const month = monthOf(c.offsetHours, b * w);
        const kw = roundPowerKw(e.times(60).div(t.demandWindowMinutes));
        if (!peak.has(month) || kw.gt(peak.get(month)!)) peak.set(month, kw);
      }
      const billed = new Map<string, Decimal>();
      for (const b of days) for (const m of b.bill.demand!.months!) billed.set(m.month, (billed.get(m.month) ?? ZERO).plus(m.amount));
      // A month the tariff's days touch without a counting window is billed nothing (a line of 0).
      for (const month of new Set([...billed.keys(), ...peak.keys()]))
        expect((billed.get(month) ?? ZERO).toFixed(), `party ${p} ${tariffId} ${month}`).to.equal((peak.get(month) ?? ZERO).times(t.demandChargePerKw).toFixed());
      for (const month of peak.keys()) expect(billed.has(month), `${month} billed`).to.equal(true);
    }
  });
  return returns;
}

/** Σ of the bills' totals. */
const totalOf = (bills: readonly CustomerBill[]): Decimal => bills.reduce((s, b) => s.plus(b.bill.total), ZERO);

/** Whether a window starting at `ms` counts: m2's demand hours are weekdays 08–20 local; m1 counts every window. */
function counts(tariffId: string, offsetHours: number, ms: number): boolean {
  if (tariffId !== 'm2') return true;
  const local = new Date(ms + offsetHours * MS_PER_HOUR);
  const day = local.getUTCDay();
  const hour = local.getUTCHours() + local.getUTCMinutes() / 60;
  return day >= 1 && day <= 5 && hour >= 8 && hour < 20;
}

/** The month of `ms` in the site's clock (the tariffs are in local hours), computed here, not through the code under test. */
function monthOf(offsetHours: number, ms: number): string {
  const d = new Date(ms + offsetHours * MS_PER_HOUR);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}


/**
 * The retail energy price of a tariff at an instant or over a meter interval,
 * exact (`Decimal`, currency per kWh), with the label of the bill line it goes to.
 * Bills (`bill.ts`) and price signals (`signal.ts`) both go through here, so a
 * customer is billed at exactly the price it was shown. Pure.
 *
 * Over an interval a price must be single-valued: an interval that straddles a
 * time-of-use period boundary, the edge of a critical-peak event window or the end
 * of a market interval throws a `TariffError` (meter intervals are expected to nest
 * inside the tariff's price intervals; split the reading, or use a finer meter).
 */
import { assertUtcHours } from './localHours.ts';
import type { Decimal } from 'decimal.js';
import { MS_PER_HOUR, formatSimTime, simTime } from '../core/time.ts';
import { holidayAt, type SiteCalendar } from '../core/calendar.ts';
import { forEachSlot, formatSlot, touGrid, touPeriodAt } from './calendar.ts';
import { EventCalendar } from './events.ts';
import { perKwhFromPerMwh, rate } from '../core/money.ts';
import type { CppEvent, CriticalPeakTariff, EnergyComponent, MarketPrice, RealTimeTariff, Tariff, TouEnergy } from './types.ts';
import { TariffError } from './types.ts';

export interface Price {
  /** Bill line: `energy` (flat), a period name, `critical-peak`, `<period> + critical-peak`, `real-time`. */
  readonly label: string;
  /** Currency per imported kWh. */
  readonly pricePerKwh: Decimal;
}

export interface Pricer {
  /** The price of energy imported over `[startMs, endMs)`; throws when the interval straddles a price boundary. */
  interval(startMs: number, endMs: number): Price;
  /** The price at the instant `t`. */
  at(t: number): Price;
  /** Every label this tariff can produce, in the order bills list them. */
  readonly labels: readonly string[];
}

/** What the price depends on besides the tariff. */
export interface PricingKnowledge {
  readonly marketPrices?: readonly MarketPrice[];
  readonly cppEvents?: readonly CppEvent[];
  /** Critical-peak events announced after this time are unknown (Infinity: all known). */
  readonly knownBy: number;
  /** The site's holidays, for a time-of-use `holidayPeriod`. */
  readonly calendar?: SiteCalendar | undefined;
}

export const FLAT_LABEL = 'energy';
export const EVENT_LABEL = 'critical-peak';
export const REAL_TIME_LABEL = 'real-time';

const iso = (t: number): string => formatSimTime(simTime(t));

export function makePricer(tariff: Tariff, k: PricingKnowledge): Pricer {
  assertUtcHours(tariff);
  switch (tariff.type) {
    case 'flat':
    case 'time-of-use':
      return energyPricer(tariff, k.calendar);
    case 'demand-charge':
      return energyPricer(tariff.energy, k.calendar);
    case 'critical-peak':
      return criticalPeakPricer(tariff, k);
    case 'real-time':
      return realTimePricer(tariff, k.marketPrices ?? []);
    default: {
      const never: never = tariff;
      throw new TypeError(`unknown tariff type ${JSON.stringify((never as { type?: unknown }).type)}`);
    }
  }
}

/** Flat or time-of-use energy prices (a time-of-use `holidayPeriod` on the calendar's holidays). */
export function energyPricer(energy: EnergyComponent, calendar?: SiteCalendar): Pricer {
  if (energy.type === 'flat') {
    const p: Price = { label: FLAT_LABEL, pricePerKwh: rate(energy.energyPricePerKwh) };
    return { interval: () => p, at: () => p, labels: [FLAT_LABEL] };
  }
  return touPricer(energy, calendar);
}

function touPricer(tou: TouEnergy, calendar: SiteCalendar | undefined): Pricer {
  const prices: Price[] = tou.periods.map((p) => ({ label: p.name, pricePerKwh: rate(p.energyPricePerKwh) }));
  const grid = touGrid(tou);
  const priceOf = (k: number): Price => prices[k]!;
  // The holiday period, where the tariff names one and the site has holidays (−1: holidays follow the week).
  const holidayK = calendar && calendar.holidays.size > 0 && tou.holidayPeriod !== undefined ? tou.periods.findIndex((p) => p.name === tou.holidayPeriod) : -1;
  const holiday = (t: number) => (holidayK >= 0 ? holidayAt(calendar!, t) : undefined);
  return {
    labels: prices.map((p) => p.label),
    at: (t) => priceOf(holiday(t) ? holidayK : touPeriodAt(tou, t)),
    interval(startMs, endMs) {
      if (holidayK >= 0) {
        // A reading lies wholly inside a holiday or wholly outside (the local midnights are boundaries).
        const first = holiday(startMs);
        const last = holiday(endMs - 1);
        if (first && last && last.start <= first.end) return priceOf(holidayK);
        if (first || last)
          throw new TariffError(
            'reading-spans-periods',
            `the interval ${iso(startMs)}–${iso(endMs)} straddles the start or end of a holiday (${iso((first ?? last)!.start)}–${iso((first ?? last)!.end)}); readings must not straddle a time-of-use boundary`,
          );
      }
      const k = touPeriodAt(tou, startMs);
      forEachSlot(startMs, endMs, (slot) => {
        const other = grid[slot] ?? -1;
        if (other === k) return true;
        const to = other < 0 ? 'no period' : `'${priceOf(other).label}'`;
        throw new TariffError(
          'reading-spans-periods',
          `the interval ${iso(startMs)}–${iso(endMs)} starts in period '${priceOf(k).label}' and reaches ${to} at ${formatSlot(slot)}; readings must not straddle a time-of-use boundary`,
        );
      }, tou);
      return priceOf(k);
    },
  };
}

function criticalPeakPricer(tariff: CriticalPeakTariff, k: PricingKnowledge): Pricer {
  // The energy component with the site's calendar, as the demand charge's: a time-of-use holidayPeriod prices holidays under the event tariff too.
  const base = energyPricer(tariff.energy, k.calendar);
  const calendar = new EventCalendar(tariff, k.cppEvents ?? [], k.knownBy);
  const eventPrice = tariff.eventPricePerKwh === undefined ? undefined : rate(tariff.eventPricePerKwh);
  const adder = rate(tariff.eventAdderPerKwh ?? 0);
  const onEvent = (p: Price): Price =>
    eventPrice !== undefined ? { label: EVENT_LABEL, pricePerKwh: eventPrice } : { label: `${p.label} + ${EVENT_LABEL}`, pricePerKwh: p.pricePerKwh.plus(adder) };
  const labels = eventPrice !== undefined ? [...base.labels, EVENT_LABEL] : [...base.labels, ...base.labels.map((l) => `${l} + ${EVENT_LABEL}`)];
  return {
    labels,
    at(t) {
      const p = base.at(t);
      return calendar.activeAt(t) ? onEvent(p) : p;
    },
    interval(startMs, endMs) {
      const p = base.interval(startMs, endMs);
      for (const w of calendar.windowsOverlapping(startMs, endMs)) {
        if (startMs < w.start || endMs > w.end)
          throw new TariffError(
            'reading-spans-periods',
            `the interval ${iso(startMs)}–${iso(endMs)} straddles the window ${iso(w.start)}–${iso(w.end)} of critical-peak event '${w.event.id}'`,
          );
        // Inside the window: the event price once the event is in effect (see events.ts).
        if (startMs >= w.effectiveFrom) return onEvent(p);
      }
      return p;
    },
  };
}

interface PriceIndex {
  readonly starts: number[];
  readonly ends: number[];
  readonly perKwh: Decimal[];
}

/**
 * Market prices sorted by start, converted to currency/kWh; throws `invalid-market-price`
 * for bad or overlapping intervals. Built per pricer, never cached: callers may append
 * to their price arrays as the simulation advances.
 */
function indexPrices(prices: readonly MarketPrice[]): PriceIndex {
  const sorted = [...prices].sort((a, b) => a.start - b.start);
  const index: PriceIndex = { starts: [], ends: [], perKwh: [] };
  let prevEnd = -Infinity;
  for (const p of sorted) {
    if (!Number.isFinite(p.start) || !Number.isFinite(p.durationH) || p.durationH <= 0 || !Number.isFinite(p.priceMwh))
      throw new TariffError('invalid-market-price', `market price ${JSON.stringify(p)}: start, a positive duration and a finite price are required`);
    if (p.start < prevEnd) throw new TariffError('invalid-market-price', `market price intervals overlap at ${iso(p.start)}`);
    const end = p.start + Math.round(p.durationH * MS_PER_HOUR);
    index.starts.push(p.start);
    index.ends.push(end);
    index.perKwh.push(perKwhFromPerMwh(p.priceMwh));
    prevEnd = end;
  }
  return index;
}

/** Position of the market interval containing `t`, or −1. */
function findInterval(index: PriceIndex, t: number): number {
  let lo = 0;
  let hi = index.starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (index.starts[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && t < index.ends[found]! ? found : -1;
}

function realTimePricer(tariff: RealTimeTariff, prices: readonly MarketPrice[]): Pricer {
  const index = indexPrices(prices);
  const adder = rate(tariff.adderPerKwh);
  const floor = tariff.floorPerKwh === undefined ? undefined : rate(tariff.floorPerKwh);
  const cap = tariff.capPerKwh === undefined ? undefined : rate(tariff.capPerKwh);
  const retail = (i: number): Price => {
    let p = index.perKwh[i]!.plus(adder);
    if (floor !== undefined && p.lt(floor)) p = floor;
    if (cap !== undefined && p.gt(cap)) p = cap;
    return { label: REAL_TIME_LABEL, pricePerKwh: p };
  };
  const locate = (t: number): number => {
    const i = findInterval(index, t);
    if (i < 0) throw new TariffError('missing-market-price', `real-time tariff '${tariff.id}' has no market price for ${iso(t)}`);
    return i;
  };
  return {
    labels: [REAL_TIME_LABEL],
    at: (t) => retail(locate(t)),
    interval(startMs, endMs) {
      const i = locate(startMs);
      if (endMs > index.ends[i]!)
        throw new TariffError(
          'reading-spans-price-intervals',
          `the interval ${iso(startMs)}–${iso(endMs)} runs past the end of its market interval at ${iso(index.ends[i]!)}`,
        );
      return retail(i);
    },
  };
}

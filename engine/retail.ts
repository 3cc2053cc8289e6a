/**
 * The retail side of a run: customers who buy from a retailer under a tariff do
 * not trade; they see their tariff's price signal, and what they plan to consume is
 * what their own curve takes at the retail price of the interval (`take`). What they
 * are billed for is what their meter at the connection point measured after any
 * command (`meter`): the net of all the site's devices within the interval, or the
 * gross registers under a buy-all/sell-all export rule (tariffs/types.ts).
 *
 * Response rule (documented for market designers): a customer's curve is read at
 * the retail price — buys priced at or above it are taken, sells (exports) priced
 * at or below the tariff's export price are made. Under a demand charge, load
 * above the customer's running peak (within the demand hours) must also be worth the demand
 * charge spread over its window: price + D / window hours per kWh. The running peak is the bill's
 * measure, a window's average import; with windows longer than the interval, load under it is taken
 * only while the window's average stays at or below it, the window's later intervals counted at this
 * interval's load at the cap (before, the peak was the highest interval's kW, and one 5 kW quarter in a
 * 2 kW hour let flexible load fill every later quarter to 5 kW and lift the bill's peak). It is the
 * billing day's, or under `demandPeriod: month` the calendar month's (from the month's first
 * interval, across billing days), so flexible load below the month's peak is taken freely.
 *
 * Billing period: one billing day, the site's local calendar day (engine/billingDays.ts: 23, 24 or 25 h,
 * partial at a run's start or end off local midnight; fixed charges per day, demand charge on the
 * day's peak, or the day's rise of the month-to-date peak under `demandPeriod: month`, each
 * customer's month carried from bill to bill; a switch to a tariff starts its month at zero, a return to it within
 * the month resumes the month where the customer left it). Energy charges accrue interval by interval from the meter, in exact
 * decimals at the prices the bill uses (import × price − export × export price, where
 * the export price is the retail price under net metering: the bill's cap on the
 * net-metering offset applies over the day only); at the end of each day every customer gets a bill from
 * `computeBill` — the authoritative amount — and customers with tariff choice
 * re-choose on yesterday's use (Power TAC model, tariffs/choice.ts).
 */
import { SiteZone } from '../core/siteZone.ts';
import type { Decimal } from 'decimal.js';
import { appendAll } from '../core/arrays.ts';
import type { Rng } from '../core/rng.ts';
import { MS_PER_HOUR, type SimTime, simTime } from '../core/time.ts';
import { NO_HOLIDAYS, type SiteCalendar } from '../core/calendar.ts';
import { type BusId, optionalPrice, pricesPerMwh } from '../core/units.ts';
import type { BidSegment, MarketRules } from '../market/types.ts';
import type { MarketView } from '../strategies/types.ts';
import { computeBill, type Bill } from '../tariffs/bill.ts';
import { demandMonthAt, monthlyDemand } from '../tariffs/demandMonth.ts';
import { demandWindowStart } from '../tariffs/calendar.ts';
import { expectedBill } from '../tariffs/expectedBill.ts';
import { chooseTariff } from '../tariffs/choice.ts';
import { energyKwh, money, quantaKwh, rate, ZERO, type Money } from '../core/money.ts';
import { makePricer, type Pricer } from '../tariffs/pricing.ts';
import { demandChargePerKwAt, exportPriceAt, retailPriceForecast } from '../tariffs/signal.ts';
import type { DemandChargeTariff, DemandToDate, MarketPrice, MeterReading, Tariff } from '../tariffs/types.ts';
import type { ClockSpec, MarketInterval } from '../core/clock.ts';
import { meterReadKwh } from '../metering/meter.ts';
import { billingDays, type BillingDays } from './billingDays.ts';
import type { ReadQuality } from '../metering/vee.ts';

/** A desk's calendar when it is given none: no holidays. */
/**
 * A price per kWh as the customer's curve states prices, per MWh: the exact price × 1000 as the nearest number, which a bid
 * at that price (364.1 for 0.3641 /kWh) equals; the float product 0.3641 × 1000 is 364.09999999999997, and
 * 0.3189 × 1000 = 318.90000000000003 refused a bid at 318.9. The desk's take and its price signal both use it.
 */
const perMwh = (perKwh: Decimal | number): number => (typeof perKwh === 'number' ? money(perKwh) : perKwh).times(1000).toNumber();

const NO_CALENDAR: SiteCalendar = { zone: SiteZone.fixed(0), holidays: NO_HOLIDAYS };

export interface CustomerSpec {
  /** Index of the agent among the simulation's agents. */
  readonly party: number;
  readonly bus: BusId;
  readonly busIndex: number;
  readonly tariffId: string;
  readonly choice?: { readonly rationality: number; readonly inertia: number; readonly among?: 'own-retailer' | 'every-retailer'; readonly noticeDays?: number; readonly rng: Rng } | undefined;
}

interface Customer extends CustomerSpec {
  tariff: Tariff;
  /** Per interval of the current local day (from its first interval in the run: `BillingDays.localDayStarts`): the meter's net import and export and its gross registers, quanta. */
  readonly importQ: Float64Array;
  readonly exportQ: Float64Array;
  readonly consumedQ: Float64Array;
  readonly generatedQ: Float64Array;
  /**
   * Running peak within demand hours, kW, as the bill measures it (a window's average import; a window under way counts
   * as its metered intervals' energy over the whole window): of the current billing day, or of `peakMonth` under a
   * monthly demand charge.
   */
  peakKw: number;
  /** The demand window (its start, ms) `windowSumKw` is of; -1 for none. */
  windowBlock: number;
  /** Σ of the import kW of the window's intervals metered so far (within demand hours). */
  windowSumKw: number;
  /** The month (`YYYY-MM`) `peakKw` is of, under a monthly demand charge. */
  peakMonth: string | undefined;
  /** Under a monthly demand charge, the month-to-date peak the last bill ended on, for the next bill. */
  demandToDate: DemandToDate | undefined;
  /** A switch chosen and serving its notice (`tariffChoice.noticeDays`): the tariff it takes from the start of `day`. */
  notice: { readonly tariffId: string; readonly day: number } | undefined;
  /**
   * Per monthly demand-charge tariff the customer left: its month as the customer left it, which a return resumes
   * (`switchTo`). Undefined until the customer leaves one.
   */
  leftMonths: Map<string, MonthOnTariff> | undefined;
}

/**
 * A customer's month on a monthly demand-charge tariff as it stood when the customer left the tariff: `take`'s running
 * peak (kW, of `peakMonth`) and the bills' month-to-date peak. Each counts only for the month it names, so a return in a
 * later month starts from zero as a first entry does.
 */
interface MonthOnTariff {
  readonly peakKw: number;
  readonly peakMonth: string | undefined;
  readonly demandToDate: DemandToDate | undefined;
}

/** What a customer plans to take this interval at its retail price. */
export interface RetailTake {
  readonly buyQuanta: number;
  readonly sellQuanta: number;
  /** The retail price the customer faces, currency/MWh (what its award reports). */
  readonly retailPriceMwh: number;
}

/** One interval of a customer's meter, quanta: net import and export, and the gross registers. */
export interface SiteReading {
  readonly importQuanta: number;
  readonly exportQuanta: number;
  readonly consumedQuanta: number;
  readonly generatedQuanta: number;
}

export interface CustomerBill {
  readonly party: number;
  /** The billing day (engine/billingDays.ts), counted from the engine clock's first. */
  readonly day: number;
  /** Its local date, `YYYY-MM-DD` (bills.csv's `day`). */
  readonly date: string;
  readonly bill: Bill;
}

export interface TariffSwitch {
  readonly party: number;
  readonly day: number;
  readonly from: string;
  readonly to: string;
}

/** A customer that moved to another retailer (a tariff switch across retailers): from the start of `day`, agent indices. */
export interface RetailerSwitch {
  readonly party: number;
  readonly day: number;
  readonly from: number;
  readonly to: number;
}

/** A day's bill waiting for the MDMS (runs on a communication plane): the tariff it is billed under and the meter phase's registers. */
interface PendingBill {
  readonly party: number;
  readonly day: number;
  readonly tariff: Tariff;
  readonly period: { readonly start: SimTime; readonly end: SimTime };
  /** The length of the local day the period is of (`BillingContext.calendarDayMs`). */
  readonly calendarDayMs: number;
  readonly readings: readonly MeterReading[];
  /** The net registers as the meter's reads carry them, kWh floats (`metering/meter.ts` `meterReadKwh`): import, export per interval. */
  readonly sentKwh: Float64Array;
  readonly prices: readonly MarketPrice[];
}

/** One interval of a customer's validated series, as the MDMS serves it (metering/vee.ts `ValidatedInterval`). */
export interface BilledInterval {
  readonly importKwh: number | undefined;
  readonly exportKwh: number | undefined;
  readonly quality: ReadQuality;
}

export class RetailDesk {
  private readonly customers: Customer[];
  private readonly byParty = new Map<number, Customer>();
  private readonly tariffs: ReadonlyMap<string, Tariff>;
  /** The retailer offering each tariff. */
  private readonly retailerOf: ReadonlyMap<string, number>;
  private readonly pricers = new Map<string, Pricer>();
  private readonly signals = new Map<string, MarketView>();
  private signalInterval = -1;
  /** Settled market price per bus index and interval (for real-time tariffs). */
  private readonly prices: Float64Array[];
  readonly bills: CustomerBill[] = [];
  readonly switches: TariffSwitch[] = [];
  /** The tariff switches that moved a customer to another retailer (`tariffChoice.among: every-retailer`). */
  readonly retailerSwitches: RetailerSwitch[] = [];
  /** Some customer chooses among every retailer's tariffs. */
  readonly retailCompetition: boolean;
  /** Some customer's switches take notice (`tariffChoice.noticeDays` > 0). */
  readonly switchNotice: boolean;
  /**
   * Per customer that switched: the retailers (agent indices) of the tariffs it left and took.
   * `retailersOfCustomer` reads it; a scan of `switches` per customer was customers × switches
   * (20,000 customers switching over a month: billions of comparisons at the run's end).
   */
  private readonly switchedRetailers = new Map<number, Set<number>>();
  /** The run's billing days: the site's local calendar days (engine/billingDays.ts). */
  readonly days: BillingDays;
  /** Set on a communication plane: bills wait here for the MDMS's reads (`billFromMdms`). */
  private pending: PendingBill[] | undefined;
  /**
   * Per retailer (agent index): Σ over the days billed from the MDMS of the bill's total minus
   * the total the meter phase's registers would have billed — what the retailer's
   * interval-by-interval charges (`cost_extra`, from the meter phase) miss; zero with every
   * read intact. Filled by `billFromMdms`.
   */
  readonly billingTrueUp = new Map<number, Decimal>();
  /** The market's quantum, kW, exact (metered energy is built from it: `quantaKwh`). */
  private readonly quantum: Money;

  constructor(
    tariffs: readonly Tariff[],
    retailerOf: ReadonlyMap<string, number>,
    specs: readonly CustomerSpec[],
    buses: number,
    private readonly clock: ClockSpec,
    private readonly rules: MarketRules,
    /** The site's holidays: a time-of-use tariff's `holidayPeriod` prices them, a demand charge with `demandOnHolidays: false` skips them (default: none). */
    private readonly calendar: SiteCalendar = NO_CALENDAR,
    /** The billing days (default: the local days of the calendar's zone over the clock's run). */
    days?: BillingDays,
  ) {
    this.tariffs = new Map(tariffs.map((t) => [t.id, t]));
    this.retailerOf = retailerOf;
    this.days = days ?? billingDays(clock, calendar.zone);
    const ipd = this.days.maxIntervals;
    this.customers = specs.map((s) => ({
      ...s,
      tariff: this.tariffs.get(s.tariffId)!,
      importQ: new Float64Array(ipd),
      exportQ: new Float64Array(ipd),
      consumedQ: new Float64Array(ipd),
      generatedQ: new Float64Array(ipd),
      peakKw: 0,
      windowBlock: -1,
      windowSumKw: 0,
      peakMonth: undefined,
      demandToDate: undefined,
      notice: undefined,
      leftMonths: undefined,
    }));
    for (const c of this.customers) this.byParty.set(c.party, c);
    this.retailCompetition = this.customers.some((c) => c.choice?.among === 'every-retailer');
    this.switchNotice = this.customers.some((c) => (c.choice?.noticeDays ?? 0) > 0);
    this.prices = Array.from({ length: buses }, () => new Float64Array(clock.intervals).fill(NaN));
    this.quantum = money(rules.quantumKw);
  }

  /**
   * The warm-up is over (engine/warmUp.ts): bills and tariff and retailer switches so far are not the run's, and each
   * customer's month-to-date demand peak starts from zero, as bills start at the reported `start`. The customers'
   * tariffs (choices made in the warm-up) carry on, and so does a daily demand charge's running peak: where `start` is
   * off local midnight the local day goes on (its first reported bill is the part from start), and `take` must see that
   * day's peak as the run started earlier does, or the warm-up run would consume otherwise (fuzz seeds 8009, 8039).
   * At a local midnight the day's close has already reset it.
   */
  startReporting(): void {
    this.bills.length = 0;
    this.switches.length = 0;
    // A move to another retailer decided in the warm-up is followed from start (the customer starts there), not counted.
    this.retailerSwitches.length = 0;
    for (const c of this.customers) {
      if (c.tariff.type === 'demand-charge' && monthlyDemand(c.tariff)) {
        c.peakKw = 0;
        c.windowBlock = -1;
        c.windowSumKw = 0;
      }
      c.peakMonth = undefined;
      c.demandToDate = undefined;
      // A return after the warm-up to a tariff left in it starts from zero, as the run's months do.
      c.leftMonths = undefined;
    }
  }

  isCustomer(party: number): boolean {
    return this.byParty.has(party);
  }

  /** Every retailer (agent index) a customer has bought from during the run: its tariff's now and before each switch. */
  retailersOfCustomer(party: number): number[] {
    const out = new Set<number>([this.retailerOfCustomer(party).retailer]);
    for (const r of this.switchedRetailers.get(party) ?? []) out.add(r);
    return [...out].sort((a, b) => a - b);
  }

  /** Every retailer (agent index) offering a tariff, ascending. */
  retailers(): number[] {
    return [...new Set(this.retailerOf.values())].sort((a, b) => a - b);
  }

  /** The retailer (agent index) that offers a tariff. */
  retailerIndexOfTariff(tariffId: string): number {
    return this.retailerOf.get(tariffId)!;
  }

  /** The retailer a customer buys from now, and its tariff. */
  retailerOfCustomer(party: number): { retailer: number; tariffId: string } {
    const c = this.byParty.get(party)!;
    return { retailer: this.retailerOf.get(c.tariff.id)!, tariffId: c.tariff.id };
  }

  /** Customers by retailer and bus, for the retailers' books: those it supplies in interval `atInterval` (default: now). */
  customersOf(retailer: number, atInterval = -1): Map<BusId, number[]> {
    const out = new Map<BusId, number[]>();
    const atDay = atInterval < 0 ? -1 : this.days.dayOf(atInterval);
    for (const c of this.customers) {
      // A switch under notice is known to both retailers: from its day on the customer is the new one's.
      const tariff = c.notice !== undefined && atDay >= c.notice.day ? c.notice.tariffId : c.tariff.id;
      if (this.retailerOf.get(tariff) !== retailer) continue;
      let list = out.get(c.bus);
      if (!list) out.set(c.bus, (list = []));
      list.push(c.party);
    }
    return out;
  }

  /**
   * What a customer sees when it bids: its tariff's price now and ahead (currency/MWh),
   * in place of the market's. Shared by every customer of a tariff at a bus.
   */
  view(party: number, interval: MarketInterval, market: MarketView): MarketView {
    if (interval.index !== this.signalInterval) {
      this.signals.clear();
      this.signalInterval = interval.index;
    }
    const c = this.byParty.get(party)!;
    const key = `${c.tariff.id}\u0001${c.bus}`;
    let v = this.signals.get(key);
    if (!v) {
      const step = this.clock.intervalMinutes * 60_000;
      const times = market.priceForecastMwh.map((_, k) => simTime(interval.start + k * step));
      const priceForecast: MarketPrice[] = market.priceForecastMwh.map((p, k) => ({ start: times[k]!, durationH: interval.durationH, priceMwh: Number.isNaN(p) ? 0 : p }));
      const perKwh = retailPriceForecast(c.tariff, times, { now: interval.start, priceForecast, calendar: this.calendar });
      // Per MWh as take compares them (pricesAt): the exact price × 1000, so a bid at the price shown is a bid at the price.
      const forecast = Object.freeze(perKwh.map(perMwh));
      v = Object.freeze({ ...market, lastPriceMwh: optionalPrice(forecast[0]), priceForecastMwh: pricesPerMwh(forecast) });
      this.signals.set(key, v);
    }
    return v;
  }

  /** Records the interval's settled market prices (bus order), for real-time tariffs. */
  recordPrices(interval: MarketInterval, busPrices: Float64Array): void {
    for (let b = 0; b < busPrices.length; b++) this.prices[b]![interval.index] = busPrices[b]!;
  }

  /**
   * What a customer's curve takes this interval at its retail price (its plan, before any
   * command): load bid at the price cap (inelastic) whatever the tariff, other buys priced at
   * or above the retail price, sells at or below the export price, and under a demand charge
   * flexible load above the day's running peak only where worth it.
   */
  take(party: number, interval: MarketInterval, segments: readonly BidSegment[]): RetailTake {
    const c = this.byParty.get(party)!;
    const { price, exportPerKwh } = this.pricesAt(c, interval);
    const priceMwh = perMwh(price);
    const exportMwh = perMwh(exportPerKwh);
    const demandCharge = demandChargePerKwAt(c.tariff, interval.start, this.calendar);
    const windowH = c.tariff.type === 'demand-charge' ? c.tariff.demandWindowMinutes / 60 : 1;
    const runningPeakKw = demandCharge > 0 ? this.runningPeakKw(c, interval.start) : 0;
    const capMwh = this.rules.priceCapMwh;
    // Room under the running peak, kW this interval: the window's average must stay at or below the peak, counting the
    // window's intervals metered so far and, for its later intervals, this interval's load at the cap again (which they
    // will take whatever the tariff). One interval per window: the peak itself.
    let roomKw = runningPeakKw;
    if (demandCharge > 0 && c.tariff.type === 'demand-charge') {
      const { n, j, block } = this.windowPlace(c.tariff, interval.start);
      if (n > 1) {
        const inelasticKw = segments.reduce((sum, s) => (s.side === 'buy' && s.quantityKw > 0 && s.priceMwh >= capMwh ? sum + s.quantityKw : sum), 0);
        roomKw = n * runningPeakKw - (c.windowBlock === block ? c.windowSumKw : 0) - (n - j - 1) * inelasticKw;
      }
    }
    let buyKw = 0;
    let sellKw = 0;
    // Buys, most valuable first, so the demand-charge threshold applies to the least valuable load.
    const buys = segments.filter((s) => s.side === 'buy' && s.quantityKw > 0).sort((a, b) => b.priceMwh - a.priceMwh);
    for (const s of buys) {
      // Load bid at the price cap is inelastic (valued at the value of lost load, e.g. a home's base load): a retail
      // customer is supplied it whatever its tariff; its price and demand charge weigh only on its flexible load.
      // Before, a demand charge above the cap's margin (1 per kW a day over 15-minute windows: 4000 /MWh) left it unserved.
      if (s.priceMwh >= capMwh) {
        buyKw += s.quantityKw;
        continue;
      }
      if (s.priceMwh < priceMwh) break;
      if (demandCharge > 0) {
        const underPeak = Math.max(0, Math.min(s.quantityKw, roomKw - buyKw));
        const abovePeakWorth = s.priceMwh >= priceMwh + (demandCharge / windowH) * 1000;
        buyKw += abovePeakWorth ? s.quantityKw : underPeak;
      } else buyKw += s.quantityKw;
    }
    for (const s of segments) if (s.side === 'sell' && s.quantityKw > 0 && s.priceMwh <= exportMwh) sellKw += s.quantityKw;
    const { quantumKw } = this.rules;
    return { buyQuanta: Math.round(buyKw / quantumKw), sellQuanta: Math.round(sellKw / quantumKw), retailPriceMwh: priceMwh };
  }

  /**
   * Records what the customer's meter measured this interval and returns the energy charge
   * it accrues under its tariff (exact): import × retail price − export × export price, on
   * the net registers, or on the gross ones under buy-all/sell-all.
   */
  meter(party: number, interval: MarketInterval, reading: SiteReading): Decimal {
    const c = this.byParty.get(party)!;
    const k = interval.index - this.days.localDayStarts[this.days.dayOf(interval.index)]!;
    c.importQ[k] = reading.importQuanta;
    c.exportQ[k] = reading.exportQuanta;
    c.consumedQ[k] = reading.consumedQuanta;
    c.generatedQ[k] = reading.generatedQuanta;
    const { quantumKw } = this.rules;
    if (demandChargePerKwAt(c.tariff, interval.start, this.calendar) > 0) {
      const kw = reading.importQuanta * quantumKw;
      if (c.tariff.type === 'demand-charge' && c.tariff.demandWindowMinutes > this.clock.intervalMinutes) {
        // A window of several intervals: the peak is its average (so far: its metered energy over the whole window).
        const { n, block } = this.windowPlace(c.tariff, interval.start);
        c.windowSumKw = (c.windowBlock === block ? c.windowSumKw : 0) + kw;
        c.windowBlock = block;
        c.peakKw = Math.max(this.runningPeakKw(c, interval.start), c.windowSumKw / n);
      } else c.peakKw = Math.max(this.runningPeakKw(c, interval.start), kw);
      if (c.tariff.type === 'demand-charge' && monthlyDemand(c.tariff)) c.peakMonth = this.windowMonth(c.tariff, interval.start);
    }
    const gross = c.tariff.export?.type === 'buy-all-sell-all';
    const inQ = gross ? reading.consumedQuanta : reading.importQuanta;
    const outQ = gross ? reading.generatedQuanta : reading.exportQuanta;
    const { price, exportPerKwh } = this.pricesAt(c, interval);
    // Exact from the whole quanta, rounded once (core/money.ts): never the float product, whose last bits decide a Wh tie.
    const intervalMs = interval.end - interval.start;
    const imp = energyKwh(quantaKwh(inQ, this.quantum, intervalMs));
    const exp = energyKwh(quantaKwh(outQ, this.quantum, intervalMs));
    return imp.times(price).minus(exp.isZero() || exportPerKwh === 0 ? ZERO : exp.times(rate(exportPerKwh)));
  }

  /** The customer's running peak as load at `t` meets it, kW: 0 in a month the peak is not of (a monthly demand charge). */
  private runningPeakKw(c: Customer, t: number): number {
    if (c.tariff.type !== 'demand-charge' || !monthlyDemand(c.tariff)) return c.peakKw;
    return c.peakMonth === this.windowMonth(c.tariff, t) ? c.peakKw : 0;
  }

  /**
   * The demand window holding `t`, on the tariff's grid (the local clock's for a tariff read from local hours:
   * `demandWindowStart`, as the bill places it): its start `block` (ms), its intervals `n` and the place `j` (0 … n − 1)
   * of the interval starting at `t`.
   */
  private windowPlace(tariff: DemandChargeTariff, t: number): { n: number; j: number; block: number } {
    const windowMs = tariff.demandWindowMinutes * 60_000;
    const intervalMs = this.clock.intervalMinutes * 60_000;
    const block = demandWindowStart(tariff, t);
    return { n: Math.round(windowMs / intervalMs), j: Math.floor((t - block) / intervalMs), block };
  }

  /** The month of the demand window holding `t` (a window belongs to the month of its start). */
  private windowMonth(tariff: DemandChargeTariff, t: number): string {
    return demandMonthAt(tariff, demandWindowStart(tariff, t)).month;
  }

  /** The retail price (exact) and the export price per kWh of a customer's interval; `take` compares bids with them per MWh (`perMwh`). */
  private pricesAt(c: Customer, interval: MarketInterval): { price: Decimal; exportPerKwh: number } {
    const t = interval.start;
    const end = simTime(t + interval.durationH * MS_PER_HOUR);
    const marketPrice = this.prices[c.busIndex]![interval.index]!;
    const price = this.pricer(c.tariff, interval, marketPrice).interval(t, end).pricePerKwh;
    const exportPerKwh = exportPriceAt(c.tariff, t, { now: t, priceForecast: [{ start: t, durationH: interval.durationH, priceMwh: Number.isNaN(marketPrice) ? 0 : marketPrice }], calendar: this.calendar });
    return { price, exportPerKwh };
  }

  /**
   * Closes a day: bills every customer for it (one bill per customer and day, the
   * authoritative amount) and lets customers with tariff choice re-choose. Returns the customers
   * that moved to another retailer (`tariffChoice.among: every-retailer`), from the next day on: the
   * engine routes their energy and imbalance to the new retailer from then (Simulation.followRetailers).
   */
  closeDay(day: number): RetailerSwitch[] {
    const moved: RetailerSwitch[] = [];
    if (day < 0 || day >= this.days.count) return moved;
    const from = this.days.starts[day]!;
    const to = this.days.starts[day + 1]!;
    const period = { start: this.timeOf(from), end: this.timeOf(to) };
    const calendarDayMs = this.days.calendarDayMs[day]!;
    const date = this.days.dates[day]!;
    for (const c of this.customers) {
      const { readings, prices } = this.meterOf(c, from, to);
      if (this.pending) this.pending.push({ party: c.party, day, tariff: c.tariff, period, calendarDayMs, readings, sentKwh: this.sentOf(c, from, to), prices });
      else {
        const bill = computeBill(c.tariff, readings, { period, calendarDayMs, marketPrices: prices, calendar: this.calendar, demandToDate: c.demandToDate });
        c.demandToDate = monthToDate(bill);
        this.bills.push({ party: c.party, day, date, bill });
      }
      // A monthly demand charge's running peak lasts the month (runningPeakKw drops it when the month changes); a daily one
      // the local day, which a break (the reported start after a warm-up) does not end.
      if (!(c.tariff.type === 'demand-charge' && monthlyDemand(c.tariff)) && this.days.endsLocalDay[day]) {
        c.peakKw = 0;
        // A new billing day starts a new window (validate refuses a run whose days would start inside one).
        c.windowBlock = -1;
      }
      // Customers choose at a local day's close, on the whole local day's use: not where the reported start (after a warm-up)
      // cuts a day in two bills, so that a run with warm-up chooses as the longer run does (engine/warmUp.ts).
      if (!c.choice || to >= this.clock.intervals || !this.days.endsLocalDay[day]) continue;
      // A switch serving its notice is made at the close of its last day; until then the customer does not look again.
      if (c.notice !== undefined) {
        if (c.notice.day === day + 1) {
          this.switchTo(c, c.notice.tariffId, day + 1, moved);
          c.notice = undefined;
        }
        continue;
      }
      // Among its own retailer's tariffs, or every retailer's: a move to another retailer is returned, and the engine
      // routes the customer's purchases and imbalance to it from the day the switch takes effect, as its bills go (one
      // retailer's books each day).
      const retailer = this.retailerOf.get(c.tariff.id);
      const everyRetailer = c.choice.among === 'every-retailer';
      const localFrom = this.days.localDayStarts[day]!;
      const seen = localFrom === from ? { readings, prices } : this.meterOf(c, localFrom, to);
      const localDay = { start: this.timeOf(localFrom), end: period.end };
      const offers = [...this.retailerOf.keys()].filter((id) => everyRetailer || this.retailerOf.get(id) === retailer).map((id) => ({
        tariffId: id,
        expectedBill: expectedBill(this.tariffs.get(id)!, seen.readings, { period: localDay, calendarDayMs, marketPrices: seen.prices, calendar: this.calendar }),
      }));
      const choice = chooseTariff(offers, c.tariff.id, { rationality: c.choice.rationality, inertia: c.choice.inertia }, c.choice.rng);
      if (choice.tariffId !== c.tariff.id) {
        const noticeDays = c.choice.noticeDays ?? 0;
        if (noticeDays === 0) this.switchTo(c, choice.tariffId, day + 1, moved);
        else c.notice = { tariffId: choice.tariffId, day: this.localDayAfter(day, noticeDays + 1) };
      }
    }
    appendAll(this.retailerSwitches, moved);
    return moved;
  }

  /**
   * The billing day that starts the `n`-th local day after billing day `day`'s, or a day past the run's last. Notice is
   * served in local days: the reported start after a warm-up opens a billing day but no local day (engine/billingDays.ts),
   * so counting billing days there put a switch's day on that break, which no local day's close reaches (fuzz --tariffs
   * seed 20136: the switch never took effect, and the retailers' books followed the customer from the break on).
   */
  private localDayAfter(day: number, n: number): number {
    let j = day;
    while (n > 0 && ++j < this.days.count) if (this.days.localDayStarts[j] === this.days.starts[j]) n--;
    return j;
  }

  /** `c` takes `tariffId` from the start of `day` (closing the day before); a move to another retailer goes to `moved`. */
  private switchTo(c: Customer, tariffId: string, day: number, moved: RetailerSwitch[]): void {
    const retailer = this.retailerOf.get(c.tariff.id)!;
    this.switches.push({ party: c.party, day, from: c.tariff.id, to: tariffId });
    const retailers = this.switchedRetailers.get(c.party) ?? this.switchedRetailers.set(c.party, new Set()).get(c.party)!;
    const next = this.retailerOf.get(tariffId)!;
    retailers.add(retailer).add(next);
    if (next !== retailer) moved.push({ party: c.party, day, from: retailer, to: next });
    // The month on a monthly demand-charge tariff continues per tariff: a return within the month resumes its month-to-date
    // peak, so the month's bills on the tariff add up to rate × the month's peak over the days on it, as an unbroken month's
    // do (tariffs/bill.ts). A first entry (a new contract) starts from zero.
    if (c.tariff.type === 'demand-charge' && monthlyDemand(c.tariff)) {
      (c.leftMonths ??= new Map()).set(c.tariff.id, { peakKw: c.peakKw, peakMonth: c.peakMonth, demandToDate: c.demandToDate });
    }
    c.tariff = this.tariffs.get(tariffId)!;
    const resumed = c.leftMonths?.get(tariffId);
    c.peakKw = resumed?.peakKw ?? 0;
    // Switches take effect at a billing day's start, which is a window's (validate): no window is under way.
    c.windowBlock = -1;
    c.peakMonth = resumed?.peakMonth;
    c.demandToDate = resumed?.demandToDate;
  }

  /** Switches chosen but still serving their notice (`tariffChoice.noticeDays`): at the run's end, those that never took effect. */
  switchesUnderNotice(): number {
    let n = 0;
    for (const c of this.customers) if (c.notice !== undefined) n++;
    return n;
  }

  /**
   * On a communication plane, bills come from the MDMS: `closeDay` keeps each day's bill
   * pending (the tariff in force that day, the meter phase's registers for tariff choice)
   * until `billFromMdms`, which the engine calls once every read has arrived (run end).
   */
  billFromMdmsAtRunEnd(): void {
    this.pending ??= [];
  }

  /**
   * Bills every pending day from the MDMS's validated series of each customer (one entry
   * per interval of the day, in order): import and export are the MDMS's (actual,
   * interpolated or estimated by VEE; a `missing` interval bills zero energy); the gross
   * registers that buy-all/sell-all bills use are not in a read and stay the meter phase's.
   * `series` is asked with the billing retailer (agent index), so the engine reads through
   * that retailer's view of the MDMS (metering/privacy.ts). Returns how many billed
   * intervals were of each quality.
   */
  billFromMdms(series: (party: number, fromMs: number, toMs: number, retailer: number) => readonly BilledInterval[]): Record<ReadQuality, number> {
    const counts: Record<ReadQuality, number> = { actual: 0, interpolated: 0, estimated: 0, missing: 0 };
    // A monthly demand charge's month-to-date peak per party and tariff, carried from day to day (pending bills are in day
    // order): of the MDMS's bills, and of the meter phase's (the true-up compares the two chains). Kept per tariff as
    // `switchTo` keeps the plain bills' month: a return to a tariff within its month resumes it.
    const toDate = new Map<number, Map<string, { mdms: DemandToDate | undefined; meter: DemandToDate | undefined }>>();
    for (const p of this.pending ?? []) {
      let byTariff = toDate.get(p.party);
      if (!byTariff) toDate.set(p.party, (byTariff = new Map()));
      let carried = byTariff.get(p.tariff.id);
      if (!carried) byTariff.set(p.tariff.id, (carried = { mdms: undefined, meter: undefined }));
      // Read by the retailer that bills the day (the one offering the tariff then in force): its own customer.
      const s = series(p.party, p.period.start, p.period.end, this.retailerOf.get(p.tariff.id)!);
      if (s.length !== p.readings.length) throw new Error(`MDMS series of party ${p.party}, day ${p.day}: ${s.length} intervals, expected ${p.readings.length}`);
      let differs = false;
      const readings = p.readings.map((r, k) => {
        const v = s[k]!;
        counts[v.quality]++;
        const importKwh = v.importKwh ?? 0;
        const exportKwh = v.exportKwh ?? 0;
        // A read equal to the register as the meter sent it is that register: it bills the register's exact energy (the
        // float is only how the read travels; its last bits would decide a Wh tie). Any other value (estimated,
        // interpolated, missing, altered) is the MDMS's number, entering the bill through its shortest decimal.
        const sameImport = importKwh === p.sentKwh[2 * k];
        const sameExport = exportKwh === p.sentKwh[2 * k + 1];
        if (sameImport && sameExport) return r;
        differs = true;
        return { ...r, importKwh: sameImport ? r.importKwh : importKwh, exportKwh: sameExport ? r.exportKwh : exportKwh };
      });
      const bill = computeBill(p.tariff, readings, { period: p.period, calendarDayMs: p.calendarDayMs, marketPrices: p.prices, calendar: this.calendar, demandToDate: carried.mdms });
      this.bills.push({ party: p.party, day: p.day, date: this.days.dates[p.day]!, bill });
      const retailer = this.retailerOf.get(p.tariff.id)!;
      // The meter phase's bill is needed only where a read differs from its register (an estimate, a gap), or its
      // month-to-date peak has parted from the MDMS's: else the true-up is zero.
      const meterBill = differs || !sameToDate(carried.mdms, carried.meter) ? computeBill(p.tariff, p.readings, { period: p.period, calendarDayMs: p.calendarDayMs, marketPrices: p.prices, calendar: this.calendar, demandToDate: carried.meter }) : bill;
      const trueUp = meterBill === bill ? ZERO : bill.total.minus(meterBill.total);
      carried.mdms = monthToDate(bill);
      carried.meter = monthToDate(meterBill);
      this.billingTrueUp.set(retailer, (this.billingTrueUp.get(retailer) ?? ZERO).plus(trueUp));
    }
    if (this.pending) this.pending = [];
    return counts;
  }

  /** A customer's registers over intervals [from, to) of the run, as exact energies (`quantaKwh`: built from the whole quanta, never a float product), and its bus's market prices. */
  private meterOf(c: Customer, from: number, to: number): { readings: MeterReading[]; prices: MarketPrice[] } {
    const durationH = this.clock.intervalMinutes / 60;
    const ms = this.clock.intervalMinutes * 60_000;
    const q = this.quantum;
    const readings: MeterReading[] = [];
    const prices: MarketPrice[] = [];
    const base = this.days.localDayStarts[this.days.dayOf(from)]!;
    for (let k = from; k < to; k++) {
      const start = this.timeOf(k);
      const d = k - base;
      readings.push({
        start,
        durationH,
        importKwh: quantaKwh(c.importQ[d]!, q, ms),
        exportKwh: quantaKwh(c.exportQ[d]!, q, ms),
        consumedKwh: quantaKwh(c.consumedQ[d]!, q, ms),
        generatedKwh: quantaKwh(c.generatedQ[d]!, q, ms),
      });
      const p = this.prices[c.busIndex]![k]!;
      prices.push({ start, durationH, priceMwh: Number.isNaN(p) ? 0 : p });
    }
    return { readings, prices };
  }

  /** The net registers over intervals [from, to) as the meter's reads carry them (`meterReadKwh`: a float, quanta × kW × hours): import, export per interval. */
  private sentOf(c: Customer, from: number, to: number): Float64Array {
    const ms = this.clock.intervalMinutes * 60_000;
    const q = this.rules.quantumKw;
    const out = new Float64Array(2 * (to - from));
    const base = this.days.localDayStarts[this.days.dayOf(from)]!;
    for (let k = from; k < to; k++) {
      const d = k - base;
      out[2 * (k - from)] = Math.max(0, meterReadKwh(String(c.party), ms, c.importQ[d]! * q));
      out[2 * (k - from) + 1] = Math.max(0, meterReadKwh(String(c.party), ms, c.exportQ[d]! * q));
    }
    return out;
  }

  private timeOf(k: number): SimTime {
    return simTime(this.clock.start + k * this.clock.intervalMinutes * 60_000);
  }

  /** The pricer bills use (every critical-peak event known; the interval's market price for real-time). */
  private pricer(tariff: Tariff, interval: MarketInterval, marketPriceMwh: number): Pricer {
    if (tariff.type === 'real-time') {
      return makePricer(tariff, { marketPrices: [{ start: interval.start, durationH: interval.durationH, priceMwh: Number.isNaN(marketPriceMwh) ? 0 : marketPriceMwh }], knownBy: Infinity, calendar: this.calendar });
    }
    let p = this.pricers.get(tariff.id);
    if (!p) this.pricers.set(tariff.id, (p = makePricer(tariff, { knownBy: Infinity, calendar: this.calendar })));
    return p;
  }
}

/** The month-to-date peak a bill ends on (a monthly demand charge), for the next bill; undefined for other tariffs. */
function monthToDate(bill: Bill): DemandToDate | undefined {
  const last = bill.demand?.months?.at(-1);
  return last === undefined ? undefined : { month: last.month, peakKw: last.peakKw, ...(last.peakStart === undefined ? {} : { peakStart: last.peakStart }) };
}

const sameToDate = (a: DemandToDate | undefined, b: DemandToDate | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.month === b.month && a.peakKw.eq(b.peakKw) && a.peakStart === b.peakStart);

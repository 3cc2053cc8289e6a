/**
 * Who may see which meter data. A customer's retailer and aggregator see that
 * customer's validated interval series; every other party (the operator, the
 * market, another retailer, a researcher) sees only aggregates that satisfy the
 * "15/15" rule California regulators apply to releases of customer energy data:
 * at least 15 customers, and no single customer more than 15 % of the aggregate
 * (docs/comms.md §Privacy gives the rule and its source).
 *
 * Enforced twice:
 * - by types: an `AggregateView` has no method that returns per-customer data, and
 *   an `AggregateOnly` value carries a brand only this module can apply, so it can
 *   neither be forged nor passed where a `CustomerSeries` is expected;
 * - at runtime: a view object for a third party has no per-customer method at all
 *   (casting does not help), an owner's view refuses other parties' customers, and
 *   an aggregate that breaks the rule throws a `PrivacyError` with the reason.
 *
 * Known limit: two aggregates that differ by one customer reveal that customer by
 * subtraction; releases over fixed, published groups avoid it and are the engine's
 * job when it wires reports in.
 */
import type { Mdms } from './mdms.ts';
import { QUALITY_CODE, type ValidatedColumns, type ValidatedInterval } from './vee.ts';

declare const aggregateOnly: unique symbol;

/** Sums over a group of customers; carries no customer identity. */
export interface AggregateOnly {
  readonly [aggregateOnly]: true;
  readonly customerCount: number;
  readonly intervals: readonly { readonly intervalStartMs: number; readonly importKwh: number; readonly exportKwh: number; readonly missingReads: number }[];
}

/** One customer's validated series: only its retailer or aggregator ever holds one. */
export interface CustomerSeries {
  readonly customer: string;
  readonly meterId: string;
  readonly intervals: readonly ValidatedInterval[];
  /** The same series as columns (vee.ts `ValidatedColumns`): what the run end reads for every meter. */
  readonly columns: ValidatedColumns;
}

export interface Customer {
  readonly id: string;
  readonly meterId: string;
  readonly retailer?: string;
  readonly aggregator?: string;
  /**
   * Other parties the customer has authorised to read its series one by one, each for a
   * stated purpose (engine/settlementRunEnd.ts builds them): a retailer it was billed by before
   * switching, and the market's settlement for a site that trades in the market itself (its meter
   * is its own settlement data). Nobody else.
   */
  readonly authorised?: readonly string[];
  /**
   * Parties authorised to read the series one by one within a window only, [fromMs, toMs): the
   * operator of a demand-response programme the customer opted in to, from the run's start (the
   * baseline's history) to the end of the last interval it commanded — settling those commands needs
   * nothing later, so it reads nothing later (data minimisation).
   */
  readonly authorisedWindows?: readonly AuthorisedWindow[];
  /**
   * A customer that changed retailer (`tariffChoice.among: every-retailer`): who supplied it when,
   * [fromMs, toMs). Each retailer named here reads the customer's series one by one only within its
   * own periods: it billed and settled those, and has no contract covering the others.
   */
  readonly supply?: readonly SupplyPeriod[];
}

/** A party's authorisation to read a customer's series within [fromMs, toMs). */
export interface AuthorisedWindow {
  readonly party: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/** One retailer's supply of a customer, [fromMs, toMs). */
export interface SupplyPeriod {
  readonly retailer: string;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface AggregationRule {
  /** At least this many distinct customers (default 15). */
  readonly minCustomers: number;
  /** No customer above this share of the aggregate's energy (default 0.15). */
  readonly maxCustomerShare: number;
}
export const FIFTEEN_FIFTEEN: AggregationRule = { minCustomers: 15, maxCustomerShare: 0.15 };

export type PrivacyViolation = 'not-own-customer' | 'outside-supply' | 'outside-authorisation' | 'too-few-customers' | 'dominant-customer' | 'unknown-customer';
export class PrivacyError extends Error {
  override readonly name = 'PrivacyError';
  constructor(
    readonly reason: PrivacyViolation,
    message: string,
  ) {
    super(message);
  }
}

/** What any party may do: aggregates that satisfy the rule. */
export interface AggregateView {
  readonly party: string;
  readonly access: 'aggregate-only';
  aggregate(customers: readonly string[], fromMs: number, toMs: number): AggregateOnly;
}

/** A retailer's or aggregator's view: its own customers one by one, and aggregates. */
export interface OwnCustomersView {
  readonly party: string;
  readonly access: 'own-customers';
  readonly customers: readonly string[];
  customerSeries(customer: string, fromMs: number, toMs: number): CustomerSeries;
  aggregate(customers: readonly string[], fromMs: number, toMs: number): AggregateOnly;
}

export class MeterDataAccess {
  private readonly byId: ReadonlyMap<string, Customer>;

  constructor(
    private readonly mdms: Mdms,
    customers: readonly Customer[],
    private readonly rule: AggregationRule = FIFTEEN_FIFTEEN,
  ) {
    this.byId = new Map(customers.map((c) => [c.id, c]));
  }

  /** The view a party is entitled to: its own customers' series if it has any, else aggregates only. */
  viewFor(party: string): AggregateView | OwnCustomersView {
    const own = [...this.byId.values()].filter((c) => c.retailer === party || c.aggregator === party || (c.authorised?.includes(party) ?? false) || (c.supply?.some((p) => p.retailer === party) ?? false) || (c.authorisedWindows?.some((w) => w.party === party) ?? false)).map((c) => c.id);
    if (own.length === 0) return this.thirdPartyView(party);
    return new OwnerView(party, own, (ids, from, to) => this.aggregateFor(party, ids, from, to), (id, from, to) => this.seriesOf(id, from, to, party));
  }

  /**
   * A read by `party` of a customer it reads only as one of its past or later retailers (`supply`): refused unless
   * [fromMs, toMs) lies within its supply (its periods are contiguous where it supplied the customer without a break).
   */
  private checkSupply(c: Customer, party: string, fromMs: number, toMs: number): void {
    if (c.retailer === party || c.aggregator === party || c.authorised?.includes(party)) return;
    if (c.supply?.some((s) => s.retailer === party)) {
      const periods = c.supply.filter((s) => s.retailer === party);
      if (!covers(periods, fromMs, toMs)) throw new PrivacyError('outside-supply', `${party} supplied '${c.id}' only from ${spans(periods)}: it may not read ${spans([{ fromMs, toMs }])}`);
      return;
    }
    const windows = c.authorisedWindows?.filter((w) => w.party === party) ?? [];
    if (windows.length > 0 && !covers(windows, fromMs, toMs)) {
      throw new PrivacyError('outside-authorisation', `${party} may read '${c.id}' only from ${spans(windows)} (to settle its demand-response commands): not ${spans([{ fromMs, toMs }])}`);
    }
  }

  /** The view of a party with no customers of its own (operator, market, researcher). */
  thirdPartyView(party: string): AggregateView {
    return new ThirdPartyView(party, (ids, from, to) => this.aggregateFor(party, ids, from, to));
  }

  /** The one place an AggregateOnly is made: after the rule has been checked. */
  private aggregateFor(party: string, customerIds: readonly string[], fromMs: number, toMs: number): AggregateOnly {
    const ids = [...new Set(customerIds)];
    if (ids.length < this.rule.minCustomers) throw new PrivacyError('too-few-customers', `${party}: an aggregate needs at least ${this.rule.minCustomers} customers, got ${ids.length}`);
    const series = ids.map((id) => this.columnsOf(id, fromMs, toMs));
    // One pass over each customer's series in turn (not each interval across 10,000 series),
    // summing every interval in customer order: the same additions in the same order, so the
    // same sums. A missing interval adds zero energy.
    const n = series[0]!.count;
    const importSum = new Float64Array(n);
    const exportSum = new Float64Array(n);
    const missing = new Int32Array(n);
    const energy: number[] = [];
    for (const s of series) {
      const { quality, importKwh, exportKwh } = s;
      let e = 0;
      for (let i = 0; i < quality.length; i++) {
        const gap = quality[i] === QUALITY_CODE.missing;
        const imp = gap ? 0 : importKwh[i]!;
        const exp = gap ? 0 : exportKwh[i]!;
        e = e + imp + exp;
        if (i >= n) continue;
        importSum[i]! += imp;
        exportSum[i]! += exp;
        if (gap) missing[i]!++;
      }
      energy.push(e);
    }
    const total = energy.reduce((a, b) => a + b, 0);
    const top = Math.max(...energy);
    if (total > 0 && top / total > this.rule.maxCustomerShare) {
      throw new PrivacyError('dominant-customer', `${party}: one customer is ${(100 * top / total).toFixed(1)} % of the aggregate; at most ${100 * this.rule.maxCustomerShare} % allowed`);
    }
    const first = series[0]!;
    const intervals = Array.from(importSum, (importKwh, i) => ({ intervalStartMs: first.startMs + i * first.stepMs, importKwh, exportKwh: exportSum[i]!, missingReads: missing[i]! }));
    return { customerCount: ids.length, intervals } as unknown as AggregateOnly;
  }

  private seriesOf(customer: string, fromMs: number, toMs: number, party?: string): CustomerSeries {
    const meterId = this.meterOf(customer);
    if (party !== undefined) this.checkSupply(this.byId.get(customer)!, party, fromMs, toMs);
    return new MeterSeries(customer, meterId, this.mdms.seriesColumns(meterId, fromMs, toMs));
  }

  private columnsOf(customer: string, fromMs: number, toMs: number): ValidatedColumns {
    return this.mdms.seriesColumns(this.meterOf(customer), fromMs, toMs);
  }

  private meterOf(customer: string): string {
    const c = this.byId.get(customer);
    if (!c) throw new PrivacyError('unknown-customer', `unknown customer '${customer}'`);
    return c.meterId;
  }
}

/** Whether `windows` (contiguous where they meet) cover [fromMs, toMs). */
function covers(windows: readonly { readonly fromMs: number; readonly toMs: number }[], fromMs: number, toMs: number): boolean {
  let covered = fromMs;
  for (const w of [...windows].sort((a, b) => a.fromMs - b.fromMs)) if (w.fromMs <= covered && w.toMs > covered) covered = w.toMs;
  return covered >= toMs;
}

const spans = (windows: readonly { readonly fromMs: number; readonly toMs: number }[]): string => windows.map((w) => `${new Date(w.fromMs).toISOString()} to ${new Date(w.toMs).toISOString()}`).join(', ');

/** A customer's series: its columns, and the same as interval objects made when first asked for (the run end reads the columns). */
class MeterSeries implements CustomerSeries {
  #intervals: readonly ValidatedInterval[] | undefined;
  constructor(
    readonly customer: string,
    readonly meterId: string,
    readonly columns: ValidatedColumns,
  ) {}
  get intervals(): readonly ValidatedInterval[] {
    return (this.#intervals ??= this.columns.intervals());
  }
}

type Aggregator = (customers: readonly string[], fromMs: number, toMs: number) => AggregateOnly;
type SeriesReader = (customer: string, fromMs: number, toMs: number) => CustomerSeries;

// Views hold closures in private fields, not the access object: nothing reachable from a
// third party's view returns one customer's data.
class ThirdPartyView implements AggregateView {
  readonly access = 'aggregate-only' as const;
  readonly #aggregate: Aggregator;
  constructor(
    readonly party: string,
    aggregate: Aggregator,
  ) {
    this.#aggregate = aggregate;
  }
  aggregate(customers: readonly string[], fromMs: number, toMs: number): AggregateOnly {
    return this.#aggregate(customers, fromMs, toMs);
  }
}

class OwnerView implements OwnCustomersView {
  readonly access = 'own-customers' as const;
  readonly #aggregate: Aggregator;
  readonly #series: SeriesReader;
  /** The customers as a set: a settlement asks once per customer, and a market may have thousands. */
  readonly #own: ReadonlySet<string>;
  constructor(
    readonly party: string,
    readonly customers: readonly string[],
    aggregate: Aggregator,
    series: SeriesReader,
  ) {
    this.#aggregate = aggregate;
    this.#series = series;
    this.#own = new Set(customers);
  }
  customerSeries(customer: string, fromMs: number, toMs: number): CustomerSeries {
    if (!this.#own.has(customer)) throw new PrivacyError('not-own-customer', `${this.party} is neither retailer nor aggregator of '${customer}'`);
    return this.#series(customer, fromMs, toMs);
  }
  aggregate(customers: readonly string[], fromMs: number, toMs: number): AggregateOnly {
    return this.#aggregate(customers, fromMs, toMs);
  }
}

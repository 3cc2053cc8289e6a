/**
 * The run end on a communication plane (engine/settlementRun.ts explains the final
 * settlement): who may see which meter (metering/privacy.ts), the retail bills through each
 * billing retailer's view, the final settlement through the settlers' and DR operators'
 * views, its books (engine/settlementBooks.ts) and its figures (`kpis.settlement`).
 */
import { type Money, ZERO } from '../core/money.ts';
import { type AggregateView, type AuthorisedWindow, type Customer, MeterDataAccess, type OwnCustomersView, PrivacyError } from '../metering/privacy.ts';
import type { Mdms } from '../metering/mdms.ts';
import { meterIdFor } from '../metering/meter.ts';
import type { ReadQuality } from '../metering/vee.ts';
import type { BookViolation } from './interval/books.ts';
import type { Party } from './interval/participants.ts';
import type { RetailDesk } from './retail.ts';
import { checkFinalBooks } from './settlementBooks.ts';
import { type OperatorDrTotals, operatorDrTotals } from './settlementDrTotals.ts';
import { drReadsUntilMs, type DrCommands, type FinalSettlement, finalSettlement, RECONCILIATION_OWNER, type SettlementCapture, type SettlementParties } from './settlementRun.ts';
import { byKey, byText } from '../core/textOrder.ts';

/** The run's metered customers as a third party sees them (the report's figure), or why it is withheld. */
export type MeteredAggregate =
  | { readonly customers: number; readonly importKwh: number; readonly exportKwh: number; readonly missingReads: number }
  | { readonly withheld: string };

/** The run's totals for summary.json (`kpis.settlement`). */
export function settlementKpis(
  fs: FinalSettlement,
  books: readonly BookViolation[],
  aggregate: MeteredAggregate,
  /** Its demand response per operator, when summed already for the books (one pass over the commands). */
  dr: ReadonlyMap<string, OperatorDrTotals> = operatorDrTotals(fs.demandResponse),
): Record<string, unknown> {
  const sum = (xs: Iterable<Money>): Money => {
    let s = ZERO;
    for (const x of xs) s = s.plus(x);
    return s;
  };
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    stage: 'final (MDMS reads)',
    closed: books.length === 0,
    siteIntervals: { ...fs.quality },
    sitesAdjusted: new Set(fs.sites.map((s) => s.party)).size,
    adjustedSiteIntervals: fs.sites.length,
    imbalanceAdjustmentPaid: sum([...fs.sites.filter((s) => s.paysTo < 0).map((s) => s.amount), ...fs.intermediaries.map((m) => m.amount)]).toFixed(),
    reconciliation: { owner: RECONCILIATION_OWNER, unaccountedKwh: sum(fs.account.map((a) => a.kwh)).toFixed(), received: sum(fs.account.map((a) => a.amount)).toFixed() },
    demandResponse: Object.fromEntries(
      [...dr].sort(byKey).map(([id, o]) => [id, { commands: o.commands, initialPaid: o.initialPaid.toFixed(), finalPaid: o.finalPaid.toFixed(), adjustment: o.finalPaid.minus(o.initialPaid).toFixed(), finalDeliveredKwh: r3(o.finalDeliveredKwh), finalCreditedKwh: r3(o.finalCreditedKwh), unmeasuredCommands: o.unmeasured }]),
    ),
    meteredCustomers: aggregate,
  };
}

/** The run's metered customers through a third party's view: an aggregate under the rule, or the reason it is withheld. */
export function meteredAggregate(view: AggregateView, customers: readonly string[], fromMs: number, toMs: number): MeteredAggregate {
  try {
    const a = view.aggregate(customers, fromMs, toMs);
    let importKwh = 0;
    let exportKwh = 0;
    let missingReads = 0;
    for (const v of a.intervals) {
      importKwh += v.importKwh;
      exportKwh += v.exportKwh;
      missingReads += v.missingReads;
    }
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    return { customers: a.customerCount, importKwh: r3(importKwh), exportKwh: r3(exportKwh), missingReads };
  } catch (err) {
    if (err instanceof Error && err.name === 'PrivacyError') return { withheld: err.message };
    throw err;
  }
}

/** What the final settlement hands to the recorder (and to a library caller, the run's meter data access). */
export interface MdmsRunEnd {
  readonly final: FinalSettlement;
  readonly books: readonly BookViolation[];
  readonly kpis: Record<string, unknown>;
  /** The access every read of the run-end went through: a test or a caller can ask it as any party would. */
  readonly access: MeterDataAccess;
}

/** A party's own-customers view, or a PrivacyError when it has no customer entitling it to one. */
export function ownView(access: MeterDataAccess, party: string, cache: Map<string, OwnCustomersView>): OwnCustomersView {
  let v = cache.get(party);
  if (!v) {
    const view = access.viewFor(party);
    if (view.access !== 'own-customers') throw new PrivacyError('not-own-customer', `${party} has no customer whose reads it may see`);
    cache.set(party, (v = view));
  }
  return v;
}

export interface RunEndInput {
  readonly parties: readonly Party[];
  readonly settlementParties: SettlementParties;
  readonly capture: SettlementCapture;
  readonly drCommands: DrCommands;
  readonly desk: RetailDesk | undefined;
  /** A customer that changed retailer: its retailers (agent indices) and the windows [fromMs, toMs) each supplied it, in run order; else undefined. */
  readonly supplyOf?: (party: number) => ReadonlyArray<{ readonly via: number; readonly fromMs: number; readonly toMs: number }> | undefined;
  readonly runStartMs: number;
  readonly runEndMs: number;
}

/**
 * The run end on a communication plane, once every read has arrived: builds who may see
 * which meter (metering/privacy.ts), bills the retail days through each billing retailer's
 * view, runs the final settlement through the settlers' and operators' views, checks its
 * books, and computes its figures (the metered-customer total through a third party's view).
 */
export function settleOnMdms(mdms: Mdms, x: RunEndInput): { billed: Record<ReadQuality, number>; end: MdmsRunEnd } {
  const { parties, settlementParties: sp, desk } = x;
  const ids = sp.ids;
  // Who opted in to whose commands, and how far each operator reads each customer (to its last command's end).
  const optedIn = new Map<number, AuthorisedWindow[]>();
  for (const [key, untilMs] of drReadsUntilMs(x.drCommands, x.runStartMs)) {
    const [operator, party] = key.split('\u0001') as [string, string];
    const windows = optedIn.get(Number(party)) ?? optedIn.set(Number(party), []).get(Number(party))!;
    windows.push({ party: operator, fromMs: x.runStartMs, toMs: Math.min(untilMs, x.runEndMs) });
  }
  const customers: Customer[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (!sp.hasMeter[i]) continue;
    const via = sp.viaOf[i]!;
    const route = sp.routeOf[i]!;
    const authorised = new Set<string>();
    const windows = optedIn.get(i)?.sort((a, b) => byText(a.party, b.party));
    if (route === 0) authorised.add(RECONCILIATION_OWNER);
    // A customer that changed retailer is each retailer's for the days it supplied it (`supply`), not the whole run's.
    const supply = route === 2 ? x.supplyOf?.(i) : undefined;
    if (route === 2 && desk?.isCustomer(i) && !supply) for (const r of desk.retailersOfCustomer(i)) authorised.add(ids[r]!);
    customers.push({
      id: ids[i]!,
      meterId: meterIdFor(ids[i]!),
      ...(supply ? { supply: supply.map((s) => ({ retailer: ids[s.via]!, fromMs: s.fromMs, toMs: s.toMs })) } : route === 2 && via >= 0 ? { retailer: ids[via]! } : {}),
      ...(route === 1 && via >= 0 ? { aggregator: ids[via]! } : {}),
      ...(authorised.size > 0 ? { authorised: [...authorised].sort() } : {}),
      ...(windows ? { authorisedWindows: windows } : {}),
    });
  }
  const access = new MeterDataAccess(mdms, customers);
  const views = new Map<string, OwnCustomersView>();
  const billed = desk ? desk.billFromMdms((party, fromMs, toMs, retailer) => ownView(access, ids[retailer]!, views).customerSeries(ids[party]!, fromMs, toMs).intervals) : { actual: 0, interpolated: 0, estimated: 0, missing: 0 };
  const settlerOf = (i: number): OwnCustomersView => ownView(access, sp.routeOf[i] === 0 || sp.viaOf[i]! < 0 ? RECONCILIATION_OWNER : ids[sp.viaOf[i]!]!, views);
  const settlersOf = (i: number) => x.supplyOf?.(i)?.map((s) => ({ view: ownView(access, ids[s.via]!, views), fromMs: s.fromMs, toMs: s.toMs }));
  const final = finalSettlement(sp, x.capture, x.drCommands, { settlerOf, settlersOf, operator: (id) => ownView(access, id, views) }, x.runStartMs, x.runEndMs);
  // The demand response summed once for the books and the figures: each read settles every command again (DrAdjustments).
  const dr = operatorDrTotals(final.demandResponse);
  const books = checkFinalBooks(final, sp, (i) => (parties[i]!.role === 'aggregator' ? 'aggregator' : parties[i]!.role === 'retailer' ? 'retailer' : 'agent'), dr);
  // The report's figure, for everyone: the metered customers (every site but the generators) as an aggregate.
  const reportCustomers = parties.filter((p, i) => sp.hasMeter[i] && p.kind !== 'generator').map((p) => p.id);
  const aggregate = meteredAggregate(access.thirdPartyView('report'), reportCustomers, x.runStartMs, x.runEndMs);
  // What the bills from the MDMS charged beyond the retailers' interval-by-interval charges from the meter phase (docs/comms.md).
  const trueUp = desk ? { retailBillingTrueUp: Object.fromEntries([...desk.billingTrueUp].map(([r, m]) => [ids[r]!, m.toFixed()] as const).sort(byKey)) } : {};
  return { billed, end: { final, books, kpis: { ...settlementKpis(final, books, aggregate, dr), ...trueUp }, access } };
}

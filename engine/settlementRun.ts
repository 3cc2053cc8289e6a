/**
 * The final settlement from the MDMS (issue 17 item 3), for runs on a communication plane.
 *
 * Real markets settle twice or more: an *initial* settlement soon after the day from the
 * data at hand, and *final* (re-)settlement runs weeks later once the meter data
 * management system holds validated reads (e.g. CAISO's Initial Settlement Statement
 * at T+3B and Recalculation Statements at T+12B, T+55B …; Great Britain's SF, R1 … RF runs;
 * docs/comms.md). gridbid does the same:
 *
 * - the **initial settlement** is what every interval already does: imbalance, DR payments
 *   and books from the meter phase (what the sites physically did); its books close every
 *   interval as before;
 * - the **final settlement** runs once, at run end, after every read still in flight has
 *   arrived or been lost (`CommsRun.finish`): it settles the same intervals again on the
 *   MDMS's validated series (actual reads, or VEE's interpolations and like-day estimates).
 *   Its statements are *adjustments* to the initial one, as real re-settlement statements
 *   are: with every read intact each adjustment is exactly zero.
 *
 * What it re-settles, per interval:
 * - **imbalance** (the real-time quantity actual − position, i.e. the part of actual −
 *   day-ahead that depends on the meter): each metered site's Δ = settled − physical kWh,
 *   at its bus's imbalance price. A site trading itself pays Δ × price to the market; an
 *   aggregator member pays its aggregator, which pays the market the same (pass-through);
 *   a retail customer's Δ is in its bill (bills come from the MDMS already) and its
 *   retailer in that interval (`viaAt`: customers may change retailer) pays the market Δ × price;
 * - **demand response**: each opted-in command again (agents/operations/drSettlement.ts),
 *   with the actual from the MDMS and, under a 10-of-10 baseline, the baseline from the
 *   MDMS's history (a counterfactual baseline is the model's, not a meter's: unchanged);
 *   the adjustment = final − initial net, paid between the operator and the agent.
 *
 * Estimated reads and the **reconciliation account**. The energy the sites physically
 * took balanced (the initial books prove it); an estimate that differs from the physical
 * meter makes the settled energy no longer balance. The difference is *unaccounted-for
 * energy* (UFE, as US ISOs call it; GB's GSP-group correction plays the same part), held in
 * a reconciliation account owned by the market operator (`RECONCILIATION_OWNER`): per
 * interval and bus it holds −Σ Δ kWh and receives what the parties pay for their Δ, so
 * energy and money balance exactly: Σ settled + account kWh = Σ physical = 0, and
 * Σ adjustments paid to the market = the account's money. The account's balance is what a
 * real market would later allocate to its load-serving entities; gridbid reports it.
 *
 * A `missing` interval (no read, no estimate) settles as zero energy, as the bill does,
 * and a DR command in it cannot be measured (not paid, no penalty).
 *
 * Who reads what (metering/privacy.ts): each read goes through the view of the party
 * entitled to it — a retailer its customers, an aggregator its members, a DR operator the
 * customers that opted in to its commands, the market's settlement the sites trading in
 * it — and the run's aggregate figures through a third party's view (≥ k customers).
 *
 * Money is exact: energies enter rounded once to 1e-6 kWh, prices are on the tick.
 * Its books: engine/settlementBooks.ts; the run end that reads, bills and settles:
 * engine/settlementRunEnd.ts.
 */
import { type Money, money, ZERO } from '../core/money.ts';
import { MS_PER_HOUR } from '../core/time.ts';
import type { DrCommand } from '../agents/operations/gridRoom.ts';
import { DrCommandLog } from '../agents/operations/drCommandLog.ts';
import { type DrSettlement, settleDrCommand } from '../agents/operations/drSettlement.ts';
import { tenOfTenBaseline } from '../agents/operations/baseline.ts';
import type { OwnCustomersView } from '../metering/privacy.ts';
import { QUALITIES, QUALITY_CODE, type ReadQuality, ValidatedColumns } from '../metering/vee.ts';
import type { IntervalLedger } from './interval/ledger.ts';

/** Who owns the reconciliation account (unaccounted-for energy): the market operator. */
export const RECONCILIATION_OWNER = 'market';

/** The parties as the settlement sees them (arrays in party order, as the simulation keeps them). */
export interface SettlementParties {
  readonly ids: readonly string[];
  /** Bus index per party (−1 intermediaries). */
  readonly busOf: Int32Array;
  /** For members and customers: their aggregator's or retailer's index; else −1 (a customer that changed retailer: the last). */
  readonly viaOf: Int32Array;
  /** For a customer that changed retailer during the run (`tariffChoice.among: every-retailer`), its retailer in interval k; else `viaOf`. */
  readonly viaAt?: (party: number, interval: number) => number;
  /** 1 aggregator member, 2 retail customer, 0 otherwise. */
  readonly routeOf: Uint8Array;
  readonly hasMeter: Uint8Array;
}

/** The opted-in commands to settle again: the grid room's log (columns, each command made when read), or a list. */
export type DrCommands = DrCommandLog | readonly DrCommand[];

/**
 * How far each operator reads each customer it commanded, by `operator \u0001 party`: to the end of the last interval it
 * commanded, ms. Settling a command reads its interval and the days before it (the 10-of-10 baseline and its same-day
 * adjustment), never a later one, so the customer authorises no later read (metering/privacy.ts `authorisedWindows`).
 */
export function drReadsUntilMs(drCommands: DrCommands, runStartMs: number): Map<string, number> {
  const until = new Map<string, number>();
  for (let k = 0; k < drCommands.length; k++) {
    const c = drCommands instanceof DrCommandLog ? drCommands.partyAt(k) : drCommands[k]!;
    const key = `${c.operator}\u0001${c.party}`;
    const end = runStartMs + Math.round((c.interval + 1) * c.durationH * MS_PER_HOUR);
    if (end > (until.get(key) ?? -Infinity)) until.set(key, end);
  }
  return until;
}

/** One interval of the initial settlement, as far as the final one needs it. */
interface CapturedInterval {
  readonly index: number;
  readonly startMs: number;
  readonly durationH: number;
  /** Metered net withdrawal per party, kW (NaN: no meter). */
  readonly physicalKw: Float64Array;
  /** Imbalance price per bus, currency/MWh (NaN: none). */
  readonly imbalancePriceMwh: Float64Array;
}

/** Keeps, interval by interval, what the initial settlement used (only on a plane). */
export class SettlementCapture {
  readonly intervals: CapturedInterval[] = [];

  record(index: number, startMs: number, durationH: number, ledger: IntervalLedger, imbalancePriceMwh: Float64Array): void {
    const q = ledger.quantumKw;
    // A loop, not `Float64Array.from(…, fn)`: that iterates, an iterator result and a boxed number per party per interval.
    const actual = ledger.actualQuanta;
    const physicalKw = new Float64Array(actual.length);
    for (let i = 0; i < actual.length; i++) physicalKw[i] = actual[i]! * q;
    this.intervals.push({ index, startMs, durationH, physicalKw, imbalancePriceMwh: imbalancePriceMwh.slice() });
  }
}

/** One metered site's adjustment in one interval (only where settled ≠ physical). */
export interface SiteAdjustment {
  readonly interval: number;
  readonly party: number;
  readonly bus: number;
  readonly physicalKwh: number;
  /** The MDMS's net kWh (0 when missing). */
  readonly settledKwh: number;
  readonly quality: ReadQuality;
  /** settled − physical, exact (each rounded to 1e-6 kWh first). */
  readonly deltaKwh: Money;
  readonly priceMwh: number;
  /** What the site pays (+) or receives (−): Δ × price; zero for a retail customer (its bill carries Δ). */
  readonly amount: Money;
  /** Whom it pays: its aggregator's index, or −1 the market; a retail customer: its retailer's index (through its bill). */
  readonly paysTo: number;
}

/** An intermediary's adjustment with the market at one bus in one interval. */
export interface IntermediaryAdjustment {
  readonly interval: number;
  readonly party: number;
  readonly bus: number;
  readonly deltaKwh: Money;
  readonly amount: Money;
}

/** The reconciliation account at one bus in one interval. */
export interface AccountEntry {
  readonly interval: number;
  readonly bus: number;
  /** Unaccounted-for energy: physical − settled, kWh. */
  readonly kwh: Money;
  /** What the parties paid it for their adjustments (+ received). */
  readonly amount: Money;
}

export interface DrAdjustment {
  readonly command: DrCommand;
  readonly baselineKw: number;
  /** The MDMS's net kW in the interval (NaN: missing). */
  readonly actualKw: number;
  readonly quality: ReadQuality;
  readonly final: DrSettlement;
  /** final.net − initial.net: what the agent pays the operator on top (+) or gets back (−). */
  readonly adjustment: Money;
}

export interface FinalSettlement {
  readonly sites: readonly SiteAdjustment[];
  readonly intermediaries: readonly IntermediaryAdjustment[];
  readonly account: readonly AccountEntry[];
  /** One per opted-in command, in the order they were settled; from the run, each settled again when read (`DrAdjustments`). */
  readonly demandResponse: Iterable<DrAdjustment> & { readonly length: number };
  /** Metered site-intervals settled on each quality of read. */
  readonly quality: Readonly<Record<ReadQuality, number>>;
  readonly intervals: number;
}

/**
 * The demand-response adjustments: one per command, worked out each time they are read (the
 * settlement's figures and its books read them once each). Kept as a list, they were ~1 KB per
 * command — the command, two settlements of three decimals each, the adjustment — all at once
 * at the run's end, ~1 GB for 8,000 homes commanded every interval of a day. Each read settles the
 * same numbers again (a pure function of the command and the operator's reads), so every read
 * gives the same decimals.
 */
export class DrAdjustments implements Iterable<DrAdjustment> {
  constructor(
    private readonly commands: DrCommands,
    private readonly adjust: (command: DrCommand) => DrAdjustment,
  ) {}

  get length(): number {
    return this.commands.length;
  }

  *[Symbol.iterator](): Iterator<DrAdjustment> {
    for (const command of this.commands) yield this.adjust(command);
  }
}

/** The views the final settlement reads through (metering/privacy.ts); a party with no customers of its own has none. */
export interface SettlementViews {
  /** The view of the party entitled to a site's series: its retailer, aggregator, or the market for a site trading itself. */
  readonly settlerOf: (party: number) => OwnCustomersView;
  /**
   * For a customer that changed retailer (`tariffChoice.among: every-retailer`): each retailer's view and the window
   * [fromMs, toMs) it supplied the customer, in run order, the windows covering the run; undefined for every other site.
   * Its series is read window by window through the retailer of the window, not the whole run through its last retailer.
   */
  readonly settlersOf?: (party: number) => ReadonlyArray<{ readonly view: OwnCustomersView; readonly fromMs: number; readonly toMs: number }> | undefined;
  /** A DR operator's view (its opted-in customers). */
  readonly operator: (operatorId: string) => OwnCustomersView;
}

const kwh6 = (x: number): Money => money(x.toFixed(6));

/**
 * Settles the captured intervals again on the MDMS's series. Pure apart from the reads it
 * makes through `views`. `runStartMs`/`runEndMs` bound the series read (one read per site).
 */
export function finalSettlement(parties: SettlementParties, capture: SettlementCapture, drCommands: DrCommands, views: SettlementViews, runStartMs: number, runEndMs: number): FinalSettlement {
  const n = parties.ids.length;
  const first = capture.intervals[0];
  const sites: SiteAdjustment[] = [];
  const intermediaries: IntermediaryAdjustment[] = [];
  const account: AccountEntry[] = [];
  // One series per metered site over the run, read by the party entitled to it.
  const series: Array<ValidatedColumns | undefined> = new Array(n);
  for (let i = 0; i < n; i++) {
    if (!parties.hasMeter[i]) continue;
    const stints = views.settlersOf?.(i);
    series[i] = stints ? ValidatedColumns.concat(stints.map((s) => s.view.customerSeries(parties.ids[i]!, s.fromMs, s.toMs).columns)) : views.settlerOf(i).customerSeries(parties.ids[i]!, runStartMs, runEndMs).columns;
  }
  // Every site's series read once, site by site, in its order (10,000 series read interval by interval
  // jumped between them for every site and interval): the qualities counted, and the site-intervals
  // whose settled energy differs from the physical one — the only ones that settle anything — kept
  // as interval × sites + site, so that sorted they come in the order the settlement goes (interval, then site).
  const m = capture.intervals.length;
  const qualityCount = [0, 0, 0, 0];
  const differs: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = series[i];
    if (!s) continue;
    for (let j = 0; j < m; j++) {
      const c = capture.intervals[j]!;
      const k = c.index; // the series starts at the run's first interval
      if (!(k < s.count)) throw new RangeError(`the MDMS series of ${parties.ids[i]} has ${s.count} intervals, interval ${k} settled`);
      qualityCount[s.quality[k]!]!++;
      const physicalKwh = c.physicalKw[i]! * c.durationH;
      if (s.netKwh(k) !== physicalKwh && !Number.isNaN(physicalKwh)) differs.push(j * n + i);
    }
  }
  differs.sort((a, b) => a - b);

  for (let d = 0; d < differs.length; ) {
    const j = Math.floor(differs[d]! / n);
    const c = capture.intervals[j]!;
    const k = c.index;
    const atBus = new Map<number, { kwh: Money; amount: Money }>();
    const viaAtBus = new Map<string, { party: number; bus: number; kwh: Money; amount: Money }>();
    for (; d < differs.length && differs[d]! < (j + 1) * n; d++) {
      const i = differs[d]! - j * n;
      const s = series[i]!;
      const physicalKwh = c.physicalKw[i]! * c.durationH;
      const settledKwh = s.netKwh(k);
      const b = parties.busOf[i]!;
      const priceMwh = c.imbalancePriceMwh[b]!;
      const deltaKwh = kwh6(settledKwh).minus(kwh6(physicalKwh));
      if (deltaKwh.isZero()) continue;
      const value = Number.isNaN(priceMwh) ? ZERO : deltaKwh.times(money(priceMwh)).div(1000);
      const via = parties.viaAt ? parties.viaAt(i, k) : parties.viaOf[i]!;
      const route = parties.routeOf[i]!;
      sites.push({ interval: c.index, party: i, bus: b, physicalKwh, settledKwh, quality: QUALITIES[s.quality[k]!]!, deltaKwh, priceMwh, amount: route === 2 ? ZERO : value, paysTo: via });
      if (via >= 0) {
        const key = `${via}\u0001${b}`;
        const e = viaAtBus.get(key) ?? { party: via, bus: b, kwh: ZERO, amount: ZERO };
        e.kwh = e.kwh.plus(deltaKwh);
        e.amount = e.amount.plus(value);
        viaAtBus.set(key, e);
      }
      const a = atBus.get(b) ?? { kwh: ZERO, amount: ZERO };
      a.kwh = a.kwh.minus(deltaKwh);
      a.amount = a.amount.plus(value);
      atBus.set(b, a);
    }
    for (const e of viaAtBus.values()) intermediaries.push({ interval: c.index, party: e.party, bus: e.bus, deltaKwh: e.kwh, amount: e.amount });
    for (const [bus, a] of [...atBus].sort(([x], [y]) => x - y)) account.push({ interval: c.index, bus, kwh: a.kwh, amount: a.amount });
  }
  const quality: Record<ReadQuality, number> = { actual: qualityCount[0]!, interpolated: qualityCount[1]!, estimated: qualityCount[2]!, missing: qualityCount[3]! };

  // Demand response: each command again, on the operator's reads of its opted-in customers.
  const history = new Map<string, Float64Array>();
  const readsUntil = drReadsUntilMs(drCommands, runStartMs);
  const historyOf = (command: { readonly operator: string; readonly party: number; readonly durationH: number }): Float64Array => {
    // Per operator and customer: each operator reads through its own view, up to its last command's end.
    const key = `${command.operator}\u0001${command.party}`;
    let h = history.get(key);
    if (!h) {
      const s = views.operator(command.operator).customerSeries(parties.ids[command.party]!, runStartMs, Math.min(runEndMs, readsUntil.get(key)!)).columns;
      h = new Float64Array(s.count);
      for (let k = 0; k < h.length; k++) h[k] = s.quality[k] === QUALITY_CODE.missing ? NaN : s.netKwh(k) / command.durationH;
      history.set(key, h);
    }
    return h;
  };
  const intervalsPerDay = first ? Math.round(24 / first.durationH) : 1;
  const adjust = (command: DrCommand): DrAdjustment => {
    const h = historyOf(command);
    const k = command.interval;
    const actualKw = h[k]!;
    const settled = series[command.party];
    const q: ReadQuality = settled !== undefined && k < settled.count ? QUALITIES[settled.quality[k]!]! : 'missing';
    const baselineKw = Number.isNaN(actualKw)
      ? NaN
      : command.counterfactualKw !== undefined
        ? command.counterfactualKw
        : tenOfTenBaseline(h, command.eventDays, intervalsPerDay, k, command.eventStart, command.businessDay).baselineKw;
    const final = settleDrCommand(command.sense * baselineKw, command.sense * (Number.isNaN(actualKw) ? 0 : actualKw), command.committedKwh, command.durationH, command.terms, command.sense * command.committedLevelKw, command.split);
    return { command, baselineKw, actualKw, quality: q, final, adjustment: final.net.minus(command.initial.net) };
  };
  // Each operator's reads of its customers, read once for every command (as before: the first command of each reads them).
  for (let k = 0; k < drCommands.length; k++) historyOf(drCommands instanceof DrCommandLog ? drCommands.partyAt(k) : drCommands[k]!);
  return { sites, intermediaries, account, demandResponse: new DrAdjustments(drCommands, adjust), quality, intervals: capture.intervals.length };
}

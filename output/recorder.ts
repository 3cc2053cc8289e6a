/**
 * Writes a run's output folder (DESIGN.md §4): intervals.csv, agents.csv,
 * flows.csv, events.csv, rejections.csv as the run goes, then summary.json and
 * report.html. Every file appears under its final name only once complete.
 */
import type { RunSummary } from './runSummary.ts';
import { FLOW_DECIMALS } from '../network/flows.ts';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSimTime, simTime } from '../core/time.ts';
import { formatMoney } from '../core/money.ts';
import type { RetailDesk } from '../engine/retail.ts';
import type { CommsRunEnd, IntervalOutcome, MdmsRunEnd, RunInfo, SimulationSink } from '../engine/interval/outcome.ts';
import type { Party } from '../engine/interval/participants.ts';
import type { MarketRules } from '../market/types.ts';
import { type CsvFile, csvText, decimalsOf, encodeField, fixed, SCALED_MAX_DECIMALS } from './csvFile.ts';
import type { OutputFormat } from './parquet.ts';
import { TableFiles } from './tableFiles.ts';
import type { ExtraColumns } from './tables.ts';
import { kvarOf } from '../market/reactiveSettlement.ts';
import { KpiAccumulator } from './kpis.ts';
import { FeederRecorder } from './feederOutputs.ts';
import { LOSSES_BUYER_ID, LOSSES_SELLER_ID, type LossesStage } from '../engine/interval/losses.ts';
import { busLines } from './chartBounds.ts';
import { type ChartSpec, escapeHtml, renderReport, type ReportData } from './report.ts';
import { retailSectionHtml } from './retailReport.ts';
import { type FaultRow, issuesSectionHtml, MAX_ROWS, type RejectionRow } from './issuesReport.ts';
import { machineShape, machineSvg } from './machineDiagram.ts';
import { machineOf } from './machines.ts';
import { CommsRecorder } from './commsRecorder.ts';
import { byKey } from '../core/textOrder.ts';

export const OUTPUT_FILES = ['summary.json', 'intervals.csv', 'agents.csv', 'flows.csv', 'events.csv', 'rejections.csv', 'bills.csv', 'report.html'] as const;

/**
 * The `n` branches with the highest loading over the run, most loaded first (ties in map
 * order), from each branch's per-interval loading (null: no flow that interval). Each peak by
 * a loop, once: `Math.max(...values)` passes the run's intervals as arguments and overflowed
 * the stack at about 150,000 of them (a network run of 160 days at 1-minute intervals failed at
 * its very end), and ran on every comparison of the sort.
 */
export function mostLoaded(loading: ReadonlyMap<string, ReadonlyArray<number | null>>, n: number): Array<readonly [string, ReadonlyArray<number | null>]> {
  const peak = (values: ReadonlyArray<number | null>): number => {
    let m = 0;
    for (const v of values) if (v !== null && v > m) m = v;
    return m;
  };
  return [...loading]
    .map(([id, values]) => ({ id, values, peak: peak(values) }))
    .sort((a, b) => b.peak - a.peak)
    .slice(0, n)
    .map(({ id, values }) => [id, values] as const);
}

export class Recorder implements SimulationSink {
  readonly kpis = new KpiAccumulator();
  /** The report's list of rejected bids (the first MAX_ROWS) and their count. */
  private readonly rejectionSample: RejectionRow[] = [];
  private rejectedCount = 0;
  private readonly intervalsCsv: CsvFile;
  private readonly agentsCsv: CsvFile;
  /** agents.csv has `kvar` and `reactive_price` (engine/run.ts `optionalColumns`: a feeder whose LP prices reactive power). */
  private readonly reactiveColumns: boolean;
  private readonly flowsCsv: CsvFile;
  private readonly eventsCsv: CsvFile;
  private readonly rejectionsCsv: CsvFile;
  /** The tables' destinations: CSV files, Parquet files written as the run goes, or both. */
  readonly tables: TableFiles;
  private readonly kwDecimals: number;
  /** kW per quantum (the rules' `quantumKw`, as every book of the run has it). */
  private readonly quantumKw: number;
  /** Quanta print exactly by shifting the decimal point when the quantum is 10^-k kW. */
  private readonly quantumIsPowerOfTen: boolean;
  private readonly priceDecimals: number;
  private readonly series = {
    t: [] as number[],
    demand: [] as number[],
    supply: [] as number[],
    baseline: [] as number[],
    consumption: [] as number[],
    prices: new Map<string, Array<number | null>>(),
    daPrices: new Map<string, Array<number | null>>(),
    imbalancePrices: new Map<string, Array<number | null>>(),
    /** Over the parties facing the market: Σ bought day-ahead and real-time, and Σ of their imbalances short (+) and long (−), kW. */
    daKw: [] as number[],
    rtKw: [] as number[],
    /** Σ metered withdrawal (actual_kw > 0) of the agents facing the market, kW. */
    actualKw: [] as number[],
    shortKw: [] as number[],
    longKw: [] as number[],
  };
  /** Per branch with a limit: loading in percent of the limit, per interval. */
  private readonly loading = new Map<string, Array<number | null>>();
  /** Per kind: mean state of charge and mean indoor temperature per interval (null when none has one). */
  private readonly socByKind = new Map<string, Array<number | null>>();
  private readonly tempByKind = new Map<string, Array<number | null>>();
  /** Per kind and state: agent-intervals spent there (for the state machine pictures). */
  private readonly stateTime = new Map<string, Map<string, number>>();
  private readonly eventCounts = new Map<string, number>();
  private readonly eventSample: string[][] = [];
  /** voltages.csv and the feeder's KPIs and charts, on LinDistFlow feeders only. */
  private feeder: FeederRecorder | undefined;
  /** messages.csv and the plane's KPIs and sections, with `comms:` a plane only (created by the first interval that has messages). */
  private comms: CommsRecorder | undefined;
  /** kpis.settlement: the final settlement from the MDMS (on a communication plane). */
  private settlementKpis: Record<string, unknown> | undefined;

  constructor(
    readonly outDir: string,
    private readonly info: RunInfo,
    rules: MarketRules,
    /** How the report shows time: the scenario's local time (its `site.utcOffsetHours`, or its `site.timeZone`'s table). */
    private readonly display: { readonly utcOffsetHours?: number | undefined; readonly localZone?: ReportData['localZone'] } = {},
    /** How the tables are written (output/tableFiles.ts); default CSV. */
    formats: readonly OutputFormat[] = ['csv'],
    /** The optional columns (output/tables.ts) the run's tables have (engine/run.ts `optionalColumns`). */
    extra: ExtraColumns = {},
  ) {
    mkdirSync(outDir, { recursive: true });
    this.tables = new TableFiles(outDir, formats, extra);
    const open = this.tables.open;
    this.kwDecimals = decimalsOf(rules.quantumKw);
    this.quantumKw = rules.quantumKw;
    this.quantumIsPowerOfTen = rules.quantumKw === Number(`1e-${this.kwDecimals}`);
    this.priceDecimals = decimalsOf(rules.priceTickMwh);
    this.intervalsCsv = open('intervals', [
      'interval_start', 'bus', 'price', 'demand_kw', 'supply_kw', 'mechanism', 'status', 'da_price', 'rt_price', 'imbalance_price', 'imbalance_kw', 'unserved_kw',
    ]);
    this.reactiveColumns = extra.agents?.includes('kvar') === true;
    this.agentsCsv = open('agents', [
      'interval_start', 'agent_id', 'kind', 'bus', 'state', 'award_kw', 'price', 'cost', 'soc_kwh', 'indoor_temp_c', 'baseline_kw', 'unserved_kwh',
      'da_kw', 'actual_kw', 'rt_kw', 'da_price', 'rt_price', 'imbalance_kw', 'imbalance_price', 'via', 'dr_cost',
      ...(this.reactiveColumns ? ['kvar', 'reactive_price'] : []),
    ]);
    this.flowsCsv = open('flows', ['interval_start', 'line_id', 'flow_kw', 'limit_kw', 'shadow_price']);
    this.eventsCsv = open('events', ['interval_start', 'issuer', 'target', 'type', 'requested_kw', 'response', 'delivered_kw', 'detail']);
    this.rejectionsCsv = open('rejections', ['interval_start', 'agent_id', 'bid_id', 'code', 'reason']);
    for (const b of info.buses) {
      this.series.prices.set(b, []);
      this.series.daPrices.set(b, []);
      this.series.imbalancePrices.set(b, []);
    }
  }

  interval(o: IntervalOutcome): void {
    // The output gate of a warm-up (engine/warmUp.ts): an interval before the reported start writes no row and adds
    // no figure; only its books' violations and its agent faults are kept (summary.json `books`, `warmUp`).
    if (o.interval.start < this.info.start) {
      this.kpis.addWarmUp(o);
      return;
    }
    this.kpis.add(o);
    if (o.comms) (this.comms ??= new CommsRecorder(this.tables.open)).interval(o.comms);
    const t = formatSimTime(o.interval.start);
    const { book, result } = o;
    const kwd = this.kwDecimals;
    const pd = this.priceDecimals;
    const q = book.rules.quantumKw;

    // Per bus: demand and supply from the cleared segments.
    const demand = new Float64Array(book.buses.length);
    const supply = new Float64Array(book.buses.length);
    awardedByBus(book, result.awardedQuanta, demand, supply);
    let totalDemand = 0;
    let totalSupply = 0;
    const imb = o.imbalance;
    for (let k = 0; k < book.buses.length; k++) {
      const price = result.busPriceMwh[k]!;
      const da = o.dayAhead?.busPriceMwh[k];
      this.intervalsCsv.row([
        t,
        csvText(book.buses[k]!),
        fixed(price, pd),
        fixed(demand[k]! * q, kwd),
        fixed(supply[k]! * q, kwd),
        result.mechanism,
        result.status,
        fixed(da, pd),
        fixed(price, pd),
        imb.redispatched ? fixed(imb.busPriceMwh[k], pd) : '',
        fixed(imb.busDeviationQuanta[k]! * q, kwd),
        fixed(imb.unservedQuanta[k]! * q, kwd),
      ]);
      appendTo(this.series.prices.get(book.buses[k]!), Number.isNaN(price) ? null : price);
      appendTo(this.series.daPrices.get(book.buses[k]!), da === undefined || Number.isNaN(da) ? null : da);
      appendTo(this.series.imbalancePrices.get(book.buses[k]!), imb.redispatched && !Number.isNaN(imb.busPriceMwh[k]!) ? imb.busPriceMwh[k]! : null);
      totalDemand += demand[k]! * q;
      totalSupply += supply[k]! * q;
    }
    if (result.feeder) (this.feeder ??= new FeederRecorder(this.tables.open, result.feeder.marginalLosses === true)).add(o.interval.start, result.feeder, result.busPriceMwh, o.interval.durationH, pd, o.losses ? { stage: o.losses, unit: o.settlement.unit, quantumKw: q } : undefined, o.meteredFeeder);
    if (o.reactive) this.feeder?.addReactive(o.reactive.stage);
    for (const f of result.flows) this.flowsCsv.row([t, csvText(f.id), fixed(f.flowKw, FLOW_DECIMALS), Number.isFinite(f.limitKw) ? fixed(f.limitKw, FLOW_DECIMALS) : '', fixed(f.shadowPriceMwh, 4)]);
    for (const r of o.rejections) {
      this.rejectionsCsv.row([t, csvText(r.agentId), csvText(r.bidId), r.code, csvText(r.reason)]);
      if (this.rejectionSample.length < MAX_ROWS) this.rejectionSample.push({ at: t, agentId: r.agentId, bidId: r.bidId, code: r.code, reason: r.reason });
      this.rejectedCount++;
    }
    for (const e of o.events) {
      this.eventsCsv.row([
        // Most events are at the interval's start (an operator's commands and reports: three per commanded agent), already formatted.
        e.at === o.interval.start ? t : formatSimTime(e.at),
        csvText(e.issuer),
        csvText(e.target),
        e.type,
        e.requestedKw === undefined ? '' : fixed(e.requestedKw, 3),
        csvText(e.response),
        e.deliveredKw === undefined || Number.isNaN(e.deliveredKw) ? '' : fixed(e.deliveredKw, 3),
        csvText(e.detail),
      ]);
    }
    for (const f of o.faults) {
      // A site whose bidding code crashed keeps its devices running (`own-control`); any other crash leaves the agent out (`isolated`).
      const [type, response] = f.phase === 'strategy' ? ['STRATEGY_FAULT', 'default-strategy'] : ['AGENT_CRASH', f.phase === 'bid' && o.parties.some((p) => p.id === f.agentId && p.role === 'agent') ? 'own-control' : 'isolated'];
      this.eventsCsv.row([formatSimTime(f.at), 'engine', csvText(f.agentId), type, '', response, '', csvText(`${f.phase}: ${f.message}`)]);
      // report.html's events section shows faults too: a throwing strategy is seen where people look.
      this.eventCounts.set(type, (this.eventCounts.get(type) ?? 0) + 1);
      if (this.eventSample.length < 200) this.eventSample.push([formatSimTime(f.at), 'engine', f.agentId, type, '', response, '', `${f.phase}: ${f.message}`]);
    }

    const facing = this.facingSums.fill(0);
    this.writeAgentRows(o, t, facing);
    if (o.losses) this.writeLossesRows(o, o.losses, t);
    this.stateRuns.close();
    this.series.daKw.push(facing[FACING_DA]! * q);
    this.series.rtKw.push(facing[FACING_RT]! * q);
    this.series.actualKw.push(facing[FACING_ACTUAL]! * q);
    this.series.shortKw.push(facing[FACING_SHORT]! * q);
    this.series.longKw.push(facing[FACING_LONG]! * q);
    this.collectForReport(o);
    this.series.t.push(o.interval.start / 1000);
    this.series.demand.push(totalDemand);
    this.series.supply.push(totalSupply);
    // Summed over the agents (not intermediaries) by the KPI pass above.
    this.series.baseline.push(this.kpis.lastBaselineKw);
    this.series.consumption.push(this.kpis.lastConsumedKw);
  }

  /**
   * agents.csv: one row per party; adds to `facing` the sums over the parties facing the market
   * (`FACING_DA`…`FACING_LONG`), quanta. A method of its own, not a loop inside
   * `interval`: V8 charges a loop's iterations to the function holding it, and `interval`, called
   * once per interval, was compiled whole by TurboFan, with the KPI pass and every writer inlined,
   * and recompiled three times over (node --trace-opt --trace-deopt, issue 16). Only this pass is hot.
   * Nothing after its loop needs type feedback (the caller closes `stateRuns`; the sums go straight
   * into `facing`): TurboFan compiles the loop on the stack during the first call, before code after
   * the loop has run, and such code (a closing map update, the returned object) deopted.
   */
  private writeAgentRows(o: IntervalOutcome, t: string, facing: Float64Array): void {
    const { book, result } = o;
    const kwd = this.kwDecimals;
    const pd = this.priceDecimals;
    const q = book.rules.quantumKw;
    const unit = o.settlement.unit;
    const { buyQuanta, sellQuanta, costUnits, costExtra, priceMwh } = o;
    const l = o.ledger;
    const redispatched = o.imbalance.redispatched;
    const busOf = this.busIndexOf(book.buses);
    let lastPrice = NaN;
    let lastPriceText = '';
    const csv = this.agentsCsv;
    const tBytes = encodeField(`${t},`);
    // The report's figures are gathered in the same pass (each agent's observation is read once):
    // time per state, and sums and counts of SoC and indoor temperature, per kind slot.
    const slots = this.kindSlots(o.parties);
    const m = this.kindNames.length;
    const acc = this.kindAcc.length === 4 * m ? this.kindAcc.fill(0) : (this.kindAcc = new Float64Array(4 * m));
    const partyBus = this.partyBuses(o.parties, book.buses, busOf);
    // rt_price repeats its bus's price on every agent's row: formatted once per bus.
    const busPriceText = result.busPriceMwh.length === this.busPriceText.length ? this.busPriceText : (this.busPriceText = new Array<string>(result.busPriceMwh.length));
    for (let k = 0; k < busPriceText.length; k++) busPriceText[k] = fixed(result.busPriceMwh[k], pd);
    const stateRuns = this.stateRuns;
    for (let i = 0; i < o.parties.length; i++) {
      const party = o.parties[i]!;
      const obs = o.observations[i]!;
      const slot = slots[i]!;
      const states = this.kindStates[slot]!;
      stateRuns.add(states, obs.state);
      if (obs.socKwh !== undefined) {
        acc[4 * slot]! += obs.socKwh;
        acc[4 * slot + 1]! += 1;
      }
      if (obs.indoorTempC !== undefined) {
        acc[4 * slot + 2]! += obs.indoorTempC;
        acc[4 * slot + 3]! += 1;
      }
      // interval_start, agent_id, kind, bus, state, award_kw, price, cost, soc_kwh, indoor_temp_c, baseline_kw, unserved_kwh
      csv.bytes(tBytes);
      csv.bytes(this.agentPrefix(i, party));
      csv.text(obs.state);
      csv.comma();
      const net = buyQuanta[i]! - sellQuanta[i]!;
      if (this.quantumIsPowerOfTen) csv.steps(net, kwd);
      else csv.text(fixed(net * q, kwd));
      csv.comma();
      const p = priceMwh[i]!;
      if (!Object.is(p, lastPrice)) [lastPrice, lastPriceText] = [p, fixed(p, pd)];
      csv.text(lastPriceText);
      csv.comma();
      const extra = costExtra[i];
      // Units with more decimals than scaledTrimmed writes (a 5- or 20-minute interval's) print through unit.format.
      const scaled = extra === undefined && unit.decimals <= SCALED_MAX_DECIMALS ? unit.scaled(costUnits[i]!) : NaN;
      if (scaled === scaled) csv.scaledTrimmed(scaled, unit.decimals);
      else csv.text(extra === undefined ? unit.format(costUnits[i]!) : formatMoney(unit.toMoney(costUnits[i]!).plus(extra)));
      csv.comma();
      this.observedFields(obs);
      // da_kw, actual_kw, rt_kw, da_price, rt_price, imbalance_kw, imbalance_price, via, dr_cost
      const da = l.daQuanta[i]!;
      const actual = l.actualQuanta[i]!;
      const metered = !Number.isNaN(actual);
      const dev = l.imbalanceQuanta[i]!;
      const physicalEquivalent = metered ? actual : net + (Number.isNaN(dev) ? 0 : dev);
      // NaN (no value) is left out here rather than in `quanta`: see there.
      if (o.dayAhead && da === da) this.quanta(da);
      csv.comma();
      if (metered) this.quanta(actual);
      csv.comma();
      const rt = physicalEquivalent - da;
      if (rt === rt) this.quanta(rt);
      csv.comma();
      const b = partyBus[i]!;
      csv.fixed(o.dayAhead && party.role === 'agent' ? l.daPriceMwh[i] : undefined, pd);
      csv.comma();
      if (b >= 0) csv.text(busPriceText[b]!);
      csv.comma();
      if (dev === dev) this.quanta(dev);
      csv.comma();
      csv.fixed(redispatched && party.role === 'agent' ? l.imbalancePriceMwh[i] : undefined, pd);
      csv.comma();
      if (party.via !== '') csv.text(this.viaText(party.via));
      csv.comma();
      const dr = l.drCost[i];
      if (dr) csv.text(formatMoney(dr));
      if (this.reactiveColumns) this.reactiveFields(o, i);
      csv.end();
      if (party.via === '') {
        if (da > 0) facing[FACING_DA]! += da;
        if (net > 0) facing[FACING_RT]! += net;
        if (actual > 0) facing[FACING_ACTUAL]! += actual;
        if (dev > 0) facing[FACING_SHORT]! += dev;
        else if (dev < 0) facing[FACING_LONG]! += dev;
      }
    }
  }

  /**
   * An agent row's `kvar` (its net reactive withdrawal as settled, exact: + absorbed/consumed, − injected) and
   * `reactive_price` (its bus's, currency/Mvarh, the price it settled at), with their commas; empty where the interval's
   * clearing priced no reactive power or the party had no bid (engine/interval/reactive.ts).
   */
  private reactiveFields(o: IntervalOutcome, i: number): void {
    const csv = this.agentsCsv;
    const r = o.reactive;
    const micro = r ? r.kvarMicro[i]! : NaN;
    csv.comma();
    if (micro === micro) {
      // Millionths of a quantum: with a power-of-ten quantum, an integer × 10^-(its decimals + 6), printed as digits.
      if (this.quantumIsPowerOfTen && this.kwDecimals + 6 <= SCALED_MAX_DECIMALS) csv.scaledTrimmed(micro, this.kwDecimals + 6);
      else csv.text(formatMoney(kvarOf(micro, this.quantumKw)));
    }
    csv.comma();
    if (micro === micro) csv.fixed(r!.priceMvarh[i], this.priceDecimals);
  }

  /**
   * agents.csv on a LinDistFlow feeder: the losses stage's two parties (engine/interval/losses.ts), at the
   * substation's bus — the distribution operator's losses account buying the AC losses (+, cost +) and the
   * grid behind the substation delivering them (−): award_kw the schedule's, at the substation's price,
   * actual_kw what flowed, imbalance_kw the difference, at its imbalance price (engine/interval/losses.ts).
   * `state` is the stage's status: `settled` at the substation's prices, `settled-at-lowest-offer` or
   * `settled-at-price-cap` where the market formed none there (losses.ts `unformedPrice`), or why it is not
   * settled, `ac-not-converged` (then award and cost are empty: the losses are unknown, not zero).
   */
  private writeLossesRows(o: IntervalOutcome, losses: LossesStage, t: string): void {
    const q = o.book.rules.quantumKw;
    // A stage not settled has no amounts (unknown, not zero): its state says why, the books list it.
    const settled = losses.status === 'settled';
    const kw = (quanta: number): string => (settled ? fixed((quanta || 0) * q, this.kwDecimals) : ''); // || 0: no "-0.000" 
    const price = fixed(losses.priceMwh, this.priceDecimals);
    // The difference's price only where there is one (as a party's imbalance_price: only where it deviated).
    const imbalancePrice = settled && losses.deviationQuanta !== 0 ? fixed(losses.imbalancePriceMwh, this.priceDecimals) : '';
    const bus = losses.busIndex >= 0 ? csvText(o.book.buses[losses.busIndex]!) : '';
    const state = settled && losses.priceBasis !== 'substation' ? `settled-at-${losses.priceBasis}` : losses.status;
    const unit = o.settlement.unit;
    for (const [id, kind, sign, units] of [[LOSSES_BUYER_ID, 'dso', 1, losses.buyerUnits], [LOSSES_SELLER_ID, 'upstream', -1, losses.sellerUnits]] as const) {
      // interval_start, agent_id, kind, bus, state, award_kw, price, cost, soc_kwh, indoor_temp_c, baseline_kw, unserved_kwh,
      // da_kw, actual_kw, rt_kw, da_price, rt_price, imbalance_kw, imbalance_price, via, dr_cost
      const award = kw(sign * losses.quanta);
      const actual = kw(sign * (losses.quanta + losses.deviationQuanta));
      this.agentsCsv.row([t, id, kind, bus, state, award, price, settled ? unit.format(units) : '', '', '', '', '', '', actual, '', '', price, kw(sign * losses.deviationQuanta), imbalancePrice, '', '', ...(this.reactiveColumns ? ['', ''] : [])]);
    }
  }

  private collectForReport(o: IntervalOutcome): void {
    const k = this.series.t.length;
    for (const f of o.result.flows) {
      if (!Number.isFinite(f.limitKw) || f.limitKw <= 0) continue;
      let list = this.loading.get(f.id);
      if (!list) this.loading.set(f.id, (list = new Array<number | null>(k).fill(null)));
      list.push((100 * Math.abs(f.flowKw)) / f.limitKw);
    }
    // Per kind: the sums and counts the agents' loop in `interval` gathered (`kindAcc`).
    const m = this.kindNames.length;
    const acc = this.kindAcc;
    const soc = new Map<string, [number, number]>();
    const temp = new Map<string, [number, number]>();
    for (let slot = 0; slot < m; slot++) {
      if (acc[4 * slot + 1]! > 0) soc.set(this.kindNames[slot]!, [acc[4 * slot]!, acc[4 * slot + 1]!]);
      if (acc[4 * slot + 3]! > 0) temp.set(this.kindNames[slot]!, [acc[4 * slot + 2]!, acc[4 * slot + 3]!]);
    }
    for (const [target, source] of [
      [this.socByKind, soc],
      [this.tempByKind, temp],
    ] as const) {
      for (const [kind, [sum, count]] of source) {
        let list = target.get(kind);
        if (!list) target.set(kind, (list = new Array<number | null>(k).fill(null)));
        list.push(sum / count);
      }
      for (const list of target.values()) if (list.length === k) list.push(null);
    }
    for (const list of this.loading.values()) if (list.length === k) list.push(null);
    for (const e of o.events) {
      this.eventCounts.set(e.type, (this.eventCounts.get(e.type) ?? 0) + 1);
      if (this.eventSample.length < 200) this.eventSample.push([formatSimTime(e.at), e.issuer, e.target, e.type, e.requestedKw === undefined ? '' : e.requestedKw.toFixed(3), e.response, e.deliveredKw === undefined ? '' : e.deliveredKw.toFixed(3), e.detail]);
    }
  }

  private busPriceText: string[] = [];
  private kindSlotOf: Int32Array | undefined;
  private readonly kindNames: string[] = [];
  private readonly kindStates: Array<Map<string, number>> = [];
  private readonly stateRuns = new StateRuns();
  /** The agents' pass's sums, `FACING_DA`…`FACING_LONG` (a Float64Array: fields starting at 0 would start as small integers and change hidden class on the first fraction). */
  private readonly facingSums = new Float64Array(5);
  private kindAcc = new Float64Array(0);
  /** Each party's kind as a slot (kinds numbered as they first appear); each kind's state counts in `stateTime`. */
  private kindSlots(parties: readonly Party[]): Int32Array {
    if (this.kindSlotOf?.length === parties.length) return this.kindSlotOf;
    const slots = new Int32Array(parties.length);
    parties.forEach((p, i) => {
      let slot = this.kindNames.indexOf(p.kind);
      if (slot < 0) {
        slot = this.kindNames.push(p.kind) - 1;
        let states = this.stateTime.get(p.kind);
        if (!states) this.stateTime.set(p.kind, (states = new Map()));
        this.kindStates.push(states);
      }
      slots[i] = slot;
    });
    return (this.kindSlotOf = slots);
  }

  private partyBusCache: { parties: readonly Party[]; buses: readonly string[]; index: Int32Array } | undefined;
  /** Each party's bus index in `buses` (−1: an intermediary, or a bus not there), kept while the parties and buses are the same arrays. */
  private partyBuses(parties: readonly Party[], buses: readonly string[], busOf: Map<string, number>): Int32Array {
    const c = this.partyBusCache;
    if (c && c.parties === parties && c.buses === buses) return c.index;
    const index = new Int32Array(parties.length);
    for (let i = 0; i < parties.length; i++) {
      const p = parties[i]!;
      index[i] = p.role === 'agent' ? (busOf.get(p.bus) ?? -1) : -1;
    }
    this.partyBusCache = { parties, buses, index };
    return index;
  }

  /**
   * A quantity in quanta as kW with the quantum's decimals; nothing for NaN. This call is not
   * inlined into `interval`, and a double argument that is not a small integer (the quantum 0.001,
   * a NaN) is boxed anew for every call: the quantum is a field, not an argument, and `interval`
   * tests for NaN before calling (4 calls per agent row: 19.1 -> 7.2 MB a run of 4000 homes,
   * V8's sampling heap profiler, garbage included).
   */
  private quanta(n: number): void {
    if (Number.isNaN(n)) return;
    if (this.quantumIsPowerOfTen) this.agentsCsv.steps(n, this.kwDecimals);
    else this.agentsCsv.text(fixed(n * this.quantumKw, this.kwDecimals));
  }

  /** An agent row's soc_kwh, indoor_temp_c, baseline_kw and unserved_kwh (NaN: no value), for `CsvFile.fixedAt`. */
  private readonly observed = new Float64Array(4);

  /**
   * soc_kwh, indoor_temp_c, baseline_kw, unserved_kwh and their commas, through a Float64Array:
   * passed to `CsvFile.fixed` one by one, each fractional value read from the observation was
   * boxed anew for the call (~6 MB a run of 4000 homes, V8's sampling heap profiler).
   */
  private observedFields(obs: IntervalOutcome['observations'][number]): void {
    const csv = this.agentsCsv;
    const v = this.observed;
    v[0] = obs.socKwh ?? NaN;
    v[1] = obs.indoorTempC ?? NaN;
    v[2] = obs.baselineKw;
    v[3] = obs.unservedKwh;
    csv.fixedAt(v, 0, 3);
    csv.comma();
    csv.fixedAt(v, 1, 2);
    csv.comma();
    csv.fixedAt(v, 2, 3);
    csv.comma();
    csv.fixedAt(v, 3, 3);
    csv.comma();
  }

  private readonly viaTexts = new Map<string, string>();
  private viaText(id: string): string {
    let t = this.viaTexts.get(id);
    if (t === undefined) this.viaTexts.set(id, (t = csvText(id)));
    return t;
  }

  private readonly prefixes: Uint8Array[] = [];
  /** `agent_id,kind,bus,` repeats every interval: format and encode it once per agent. */
  private agentPrefix(i: number, a: { id: string; kind: string; bus: string }): Uint8Array {
    return (this.prefixes[i] ??= encodeField(`${csvText(a.id)},${a.kind},${csvText(a.bus)},`));
  }

  private busIndexCache: { buses: readonly string[]; index: Map<string, number> } | undefined;
  private busIndexOf(buses: readonly string[]): Map<string, number> {
    if (this.busIndexCache?.buses !== buses) this.busIndexCache = { buses, index: new Map(buses.map((b, k) => [b, k])) };
    return this.busIndexCache.index;
  }

  /** After the last interval: the retail bills (bills.csv) and figures. */
  completed(retail: { readonly desk: RetailDesk | undefined; readonly parties: readonly Party[]; readonly operations: Record<string, unknown>; readonly comms?: CommsRunEnd; readonly settlement?: MdmsRunEnd }): void {
    if (retail.settlement) {
      const step = this.info.intervalMinutes * 60_000;
      this.kpis.addFinalSettlementBooks(retail.settlement.books, (k) => (k < 0 ? 'run' : formatSimTime(simTime(this.info.start + k * step))));
      this.settlementKpis = retail.settlement.kpis;
    }
    if (retail.comms) {
      (this.comms ??= new CommsRecorder(this.tables.open)).completed(retail.comms);
      for (const e of retail.comms.events) this.eventsCsv.row([formatSimTime(e.at), csvText(e.issuer), csvText(e.target), e.type, e.requestedKw === undefined ? '' : fixed(e.requestedKw, 3), csvText(e.response), '', csvText(e.detail)]);
    }
    this.kpis.addRetail(retail.desk, retail.parties);
    this.kpis.addOperations(retail.operations);
    const bills = this.tables.open('bills', [
      'day', 'agent_id', 'kind', 'tariff', 'import_kwh', 'export_kwh', 'energy_charge', 'demand_charge', 'fixed_charge', 'export_credit', 'total',
    ]);
    for (const { party, day, date, bill } of retail.desk?.bills ?? []) {
      const a = retail.parties[party]!;
      bills.row([
        // The billing day's local date (engine/billingDays.ts): the site's calendar day, not the UTC date of its start.
        date,
        csvText(a.id),
        a.kind,
        csvText(bill.tariffId),
        bill.importKwh.toFixed(),
        bill.exportKwh.toFixed(),
        bill.energyCharge.toFixed(),
        bill.demandCharge.toFixed(),
        bill.fixedCharge.toFixed(),
        bill.exportCredit.toFixed(),
        bill.total.toFixed(2),
      ]);
      void day;
    }
    bills.close();
  }

  /**
   * Ends an interrupted run: the CSV files keep every row written so far (whole
   * intervals) and stay under their `.partial` names; no summary.json or report.html.
   */
  abandon(): void {
    // Every file is let go even if one fails (a dead Parquet writer): the first failure is thrown after.
    const failures: unknown[] = [];
    const tables = [this.intervalsCsv, this.agentsCsv, this.flowsCsv, this.eventsCsv, this.rejectionsCsv, this.feeder, this.comms, this.tables];
    for (const f of tables) {
      try {
        f?.abandon();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Closes the CSV files and writes summary.json and report.html; returns the summary. */
  finish(extra: { scenarioFile: string; description?: string | undefined }): RunSummary {
    for (const f of [this.intervalsCsv, this.agentsCsv, this.flowsCsv, this.eventsCsv, this.rejectionsCsv]) f.close();
    this.feeder?.close();
    this.comms?.close();
    const summary: RunSummary = {
      scenario: { name: this.info.name, file: extra.scenarioFile, description: extra.description ?? '' },
      seed: this.info.seed,
      start: formatSimTime(this.info.start),
      intervals: this.info.intervals,
      intervalMinutes: this.info.intervalMinutes,
      agents: this.info.agentCount,
      buses: this.info.buses,
      stages: this.info.stages,
      books: this.kpis.books(),
      ...(this.info.warmUpIntervals ? { warmUp: { days: this.info.warmUpDays ?? this.info.warmUpIntervals / Math.round((24 * 60) / this.info.intervalMinutes), ...this.kpis.warmUp() } } : {}),
      kpis: { ...this.kpis.summary(), ...(this.feeder ? { feeder: this.feeder.kpis(), losses: this.feeder.lossesStage() } : {}), ...(this.comms ? { comms: this.comms.kpis() } : {}), ...(this.settlementKpis ? { settlement: this.settlementKpis } : {}) },
    };
    writeAtomic(join(this.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    writeAtomic(join(this.outDir, 'report.html'), renderReport(this.reportData(summary)));
    return summary;
  }

  private reportData(summary: RunSummary): ReportData {
    const s = this.series;
    const charts: ChartSpec[] = [
      (() => {
        const lines = busLines(s.prices, (bus) => bus, 'clearing prices', 'intervals.csv');
        return { id: 'prices', title: 'Clearing price by bus', ...(lines.caption ? { caption: lines.caption } : {}), yLabel: 'currency/MWh', x: s.t, series: lines.series };
      })(),
      {
        id: 'load',
        title: 'Load',
        yLabel: 'kW',
        x: s.t,
        series: [
          { label: 'cleared demand', values: s.demand },
          { label: 'cleared supply', values: s.supply },
          { label: 'no-flexibility baseline', values: s.baseline, dash: true },
          // Retailers buy their forecast of their customers' load and aggregators their members'
          // curves: then cleared demand is not what the agents consumed, which is what the
          // baseline compares with. Drawn only where the two differ.
          ...(s.consumption.some((c, i) => Math.abs(c - s.demand[i]!) > 1e-6) ? [{ label: 'agents\' consumption', values: s.consumption }] : []),
        ],
      },
    ];
    // The stages: day-ahead (where there is one), real-time and imbalance prices; positions and deviations.
    const imbalanceSeen = [...s.imbalancePrices.values()].some((v) => v.some((x) => x !== null));
    const daSeen = [...s.daPrices.values()].some((v) => v.some((x) => x !== null));
    if (imbalanceSeen || daSeen) {
      // A bus that never had an imbalance price (no re-dispatch there) gets no empty line.
      const priced = (byBus: ReadonlyMap<string, ReadonlyArray<number | null>>) => new Map([...byBus].filter(([, values]) => values.some((v) => v !== null)));
      const stages = [
        ...(daSeen ? [busLines(priced(s.daPrices), (bus) => `${bus} day-ahead`, 'day-ahead prices', 'intervals.csv', true)] : []),
        busLines(priced(s.prices), (bus) => `${bus} real-time`, 'real-time prices', 'intervals.csv'),
        busLines(priced(s.imbalancePrices), (bus) => `${bus} imbalance`, 'imbalance prices', 'intervals.csv', true),
      ];
      const captions = stages.flatMap((l) => (l.caption ? [l.caption] : []));
      charts.push({
        id: 'stages',
        title: 'Day-ahead, real-time and imbalance prices by bus',
        ...(captions.length > 0 ? { caption: captions.join(' ') } : {}),
        yLabel: 'currency/MWh',
        x: s.t,
        series: stages.flatMap((l) => l.series),
      });
      charts.push({
        id: 'positions',
        title: 'Positions and imbalances (parties facing the market)',
        yLabel: 'kW',
        x: s.t,
        series: [
          ...(daSeen ? [{ label: 'bought day-ahead', values: s.daKw, dash: true }] : []),
          { label: 'bought real-time', values: s.rtKw },
          { label: 'metered withdrawal (actual)', values: s.actualKw },
          { label: 'imbalance short (used more than bought)', values: s.shortKw },
          { label: 'imbalance long (used less, or injected more)', values: s.longKw },
        ],
      });
    }
    if (this.loading.size > 0) {
      // The ten most loaded branches, and the limit line; the caption says when that is not all of them.
      const top = mostLoaded(this.loading, 10);
      charts.push({
        id: 'loading',
        title: 'Branch loading against the limit',
        ...(this.loading.size > top.length ? { caption: `The ${top.length} most loaded of ${this.loading.size} branches with a limit (highest loading over the run); every branch is in flows.csv.` } : {}),
        yLabel: '% of limit',
        x: s.t,
        series: [...top.map(([id, values]) => ({ label: id, values })), { label: 'limit', values: s.t.map(() => 100), dash: true }],
      });
    }
    if (this.feeder) charts.push(...this.feeder.charts(s.t));
    if (this.socByKind.size > 0) charts.push({ id: 'soc', title: 'State of charge by kind (mean)', yLabel: 'kWh', x: s.t, series: [...this.socByKind].map(([kind, values]) => ({ label: kind, values })) });
    if (this.tempByKind.size > 0) charts.push({ id: 'temperature', title: 'Indoor temperature by kind (mean)', yLabel: '°C', x: s.t, series: [...this.tempByKind].map(([kind, values]) => ({ label: kind, values })) });
    const machines = [...this.stateTime]
      .sort(byKey)
      .map(([kind, states]) => {
        const machine = machineOf(kind);
        if (!machine) return '';
        const total = [...states.values()].reduce((a, b) => a + b, 0);
        const share = new Map([...states].map(([state, n]) => [state, n / total]));
        const shape = machineShape(machine);
        // agents.csv states that are not the machine's (a site on its own control, one left out): said below the
        // diagram, whose shares would otherwise not add up to 100 % with nothing to tell where the rest went.
        const known = new Set(shape.states);
        const other = [...share].filter(([state]) => !known.has(state)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        const note = other.length === 0 ? '' : `<p class="machine-other">${other.map(([state, x]) => `${escapeHtml(state)}: ${(x * 100).toFixed(1)} % of time`).join(' · ')} (not a state of the machine: docs/markets.md, "Crashed agents")</p>`;
        return `<figure class="machine"><figcaption>${escapeHtml(kind)}</figcaption>${machineSvg(shape, share)}${note}</figure>`;
      })
      .join('');
    const eventsTable =
      this.eventCounts.size === 0
        ? '<p>No operator commands, reports or faults in this run.</p>'
        : `<p>${[...this.eventCounts].map(([type, n]) => `${escapeHtml(type)}: ${n}`).join(' · ')}</p>` +
          `<div class="table-scroll"><table class="events"><tr>${['time (UTC)', 'issuer', 'target', 'type', 'requested kW', 'response', 'delivered kW', 'detail'].map((h) => `<th>${h}</th>`).join('')}</tr>` +
          this.eventSample.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('') +
          '</table></div>' +
          (this.eventSample.length >= 200 ? '<p>(first 200 events; all are in events.csv)</p>' : '');
    const retail = retailSectionHtml(summary.kpis);
    return {
      title: `gridbid — ${this.info.name}`,
      subtitle: `${formatSimTime(this.info.start)} · ${this.info.intervals} intervals of ${this.info.intervalMinutes} min${summary.warmUp ? ` (after a ${summary.warmUp.days}-day warm-up, not shown)` : ''} · seed ${this.info.seed} · ${this.info.agentCount} agents`,
      kpis: summary.kpis,
      charts,
      utcOffsetHours: this.display.utcOffsetHours,
      ...(this.display.localZone ? { localZone: this.display.localZone } : {}),
      sections: [
        { title: 'Agent lifecycles (drawn from each machine definition; share of agent-time in each state)', html: `<div class="machines">${machines}</div>` },
        ...(retail ? [{ title: 'Retail bills and margins', html: retail }] : []),
        { title: 'Operator commands, reports and faults', html: eventsTable },
        ...(this.comms?.sections() ?? []),
        { title: 'Strategy faults and rejected bids', html: issuesSectionHtml((summary.kpis.agentFaults ?? []) as FaultRow[], summary.kpis.agentFaultCount ?? 0, this.rejectionSample, this.rejectedCount) },
      ],
    };
  }
}

/**
 * Appends `value` to a price series (none: the bus has no series). By index, not push: a series
 * changes kind as values come (small integers, then fractional prices, then null for an interval
 * without a price), and optimised `interval` bailed out at the push on the first such change
 * ("wrong map"); a keyed store's feedback records the transition and optimised code makes it.
 */
function appendTo(series: Array<number | null> | undefined, value: number | null): void {
  if (series) series[series.length] = value;
}

export function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.partial`, text);
  renameSync(`${path}.partial`, path);
}

/** `Recorder.facingSums`' slots: over the parties facing the market, day-ahead, real-time and actual withdrawal, short and long deviation (≤ 0), quanta. */
const FACING_DA = 0;
const FACING_RT = 1;
const FACING_ACTUAL = 2;
const FACING_SHORT = 3;
const FACING_LONG = 4;

/** Adds each awarded segment's quanta to its bus's `demand` (buys) or `supply` (sells). */
function awardedByBus(book: IntervalOutcome['book'], awardedQuanta: Float64Array, demand: Float64Array, supply: Float64Array): void {
  for (let i = 0; i < book.size; i++) {
    const a = awardedQuanta[i]!;
    if (a === 0) continue;
    if (book.isBuy[i]) demand[book.busIndex[i]!]! += a;
    else supply[book.busIndex[i]!]! += a;
  }
}

/**
 * Time per state, counted by runs: neighbours in agents.csv mostly share kind and state, so one
 * map update per run, in order of first appearance. `close` counts the open run; the interval's
 * caller closes it once the agents' pass is over.
 */
class StateRuns {
  private states: Map<string, number> | undefined;
  private state = '';
  private count = 0;

  /** One agent in `state`, counted in `states` (its kind's). */
  add(states: Map<string, number>, state: string): void {
    if (states !== this.states || state !== this.state) {
      this.close();
      this.states = states;
      this.state = state;
    }
    this.count++;
  }

  close(): void {
    if (this.states) this.states.set(this.state, (this.states.get(this.state) ?? 0) + this.count);
    this.states = undefined;
    this.state = '';
    this.count = 0;
  }
}

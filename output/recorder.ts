/**
 * Writes a run's output folder (DESIGN.md §4): intervals.csv, agents.csv,
 * flows.csv, events.csv, rejections.csv as the run goes, then summary.json and
 * report.html. Every file appears under its final name only once complete.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSimTime } from '../core/time.ts';
import { formatMoney } from '../core/money.ts';
import type { RetailDesk } from '../engine/retail.ts';
import type { IntervalOutcome, Party, RunInfo, SimulationSink } from '../engine/simulation.ts';
import type { MarketRules } from '../market/types.ts';
import { CsvFile, csvText, decimalsOf, fixed, formatSteps } from './csvFile.ts';
import { KpiAccumulator } from './kpis.ts';
import { renderReport, type ReportData } from './report.ts';

export const OUTPUT_FILES = ['summary.json', 'intervals.csv', 'agents.csv', 'flows.csv', 'events.csv', 'rejections.csv', 'bills.csv', 'report.html'] as const;

export class Recorder implements SimulationSink {
  readonly kpis = new KpiAccumulator();
  private readonly intervalsCsv: CsvFile;
  private readonly agentsCsv: CsvFile;
  private readonly flowsCsv: CsvFile;
  private readonly eventsCsv: CsvFile;
  private readonly rejectionsCsv: CsvFile;
  private readonly kwDecimals: number;
  /** Quanta print exactly by shifting the decimal point when the quantum is 10^-k kW. */
  private readonly quantumIsPowerOfTen: boolean;
  private readonly priceDecimals: number;
  private readonly series = { t: [] as number[], demand: [] as number[], supply: [] as number[], baseline: [] as number[], prices: new Map<string, Array<number | null>>() };

  constructor(
    readonly outDir: string,
    private readonly info: RunInfo,
    rules: MarketRules,
  ) {
    mkdirSync(outDir, { recursive: true });
    this.kwDecimals = decimalsOf(rules.quantumKw);
    this.quantumIsPowerOfTen = rules.quantumKw === Number(`1e-${this.kwDecimals}`);
    this.priceDecimals = decimalsOf(rules.priceTickMwh);
    this.intervalsCsv = new CsvFile(join(outDir, 'intervals.csv'), ['interval_start', 'bus', 'price', 'demand_kw', 'supply_kw', 'mechanism', 'status']);
    this.agentsCsv = new CsvFile(join(outDir, 'agents.csv'), [
      'interval_start', 'agent_id', 'kind', 'bus', 'state', 'award_kw', 'price', 'cost', 'soc_kwh', 'indoor_temp_c', 'baseline_kw', 'unserved_kwh',
    ]);
    this.flowsCsv = new CsvFile(join(outDir, 'flows.csv'), ['interval_start', 'line_id', 'flow_kw', 'limit_kw', 'shadow_price']);
    this.eventsCsv = new CsvFile(join(outDir, 'events.csv'), ['interval_start', 'issuer', 'target', 'type', 'requested_kw', 'response', 'delivered_kw', 'detail']);
    this.rejectionsCsv = new CsvFile(join(outDir, 'rejections.csv'), ['interval_start', 'agent_id', 'bid_id', 'code', 'reason']);
    for (const b of info.buses) this.series.prices.set(b, []);
  }

  interval(o: IntervalOutcome): void {
    this.kpis.add(o);
    const t = formatSimTime(o.interval.start);
    const { book, result } = o;
    const kwd = this.kwDecimals;
    const pd = this.priceDecimals;
    const q = book.rules.quantumKw;

    // Per bus: demand and supply from the cleared segments.
    const demand = new Float64Array(book.buses.length);
    const supply = new Float64Array(book.buses.length);
    for (let i = 0; i < book.size; i++) {
      const a = result.awardedQuanta[i]!;
      if (a === 0) continue;
      if (book.isBuy[i]) demand[book.busIndex[i]!]! += a;
      else supply[book.busIndex[i]!]! += a;
    }
    let totalDemand = 0;
    let totalSupply = 0;
    for (let k = 0; k < book.buses.length; k++) {
      const price = result.busPriceMwh[k]!;
      this.intervalsCsv.row([t, csvText(book.buses[k]!), fixed(price, pd), fixed(demand[k]! * q, kwd), fixed(supply[k]! * q, kwd), result.mechanism, result.status]);
      this.series.prices.get(book.buses[k]!)?.push(Number.isNaN(price) ? null : price);
      totalDemand += demand[k]! * q;
      totalSupply += supply[k]! * q;
    }
    for (const f of result.flows) this.flowsCsv.row([t, csvText(f.id), fixed(f.flowKw, 3), Number.isFinite(f.limitKw) ? fixed(f.limitKw, 3) : '', fixed(f.shadowPriceMwh, 4)]);
    for (const r of o.rejections) this.rejectionsCsv.row([t, csvText(r.agentId), csvText(r.bidId), r.code, csvText(r.reason)]);
    for (const e of o.events) {
      this.eventsCsv.row([
        formatSimTime(e.at),
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
      const [type, response] = f.phase === 'strategy' ? ['STRATEGY_FAULT', 'default-strategy'] : ['AGENT_CRASH', 'isolated'];
      this.eventsCsv.row([formatSimTime(f.at), 'engine', csvText(f.agentId), type, '', response, '', csvText(`${f.phase}: ${f.message}`)]);
    }

    let baseline = 0;
    const unit = o.settlement.unit;
    const { buyQuanta, sellQuanta, costUnits, costExtra, priceMwh } = o;
    let lastPrice = NaN;
    let lastPriceText = '';
    for (let i = 0; i < o.parties.length; i++) {
      const party = o.parties[i]!;
      const obs = o.observations[i]!;
      if (party.role === 'agent') baseline += obs.baselineKw;
      const extra = costExtra[i];
      const cost = extra === undefined ? unit.format(costUnits[i]!) : formatMoney(unit.toMoney(costUnits[i]!).plus(extra));
      const net = buyQuanta[i]! - sellQuanta[i]!;
      const award = this.quantumIsPowerOfTen ? formatSteps(net, kwd) : fixed(net * q, kwd);
      const p = priceMwh[i]!;
      if (!Object.is(p, lastPrice)) [lastPrice, lastPriceText] = [p, fixed(p, pd)];
      const soc = obs.socKwh === undefined ? '' : fixed(obs.socKwh, 3);
      const temp = obs.indoorTempC === undefined ? '' : fixed(obs.indoorTempC, 2);
      this.agentsCsv.line(`${t},${this.agentPrefix(i, party)},${obs.state},${award},${lastPriceText},${cost},${soc},${temp},${fixed(obs.baselineKw, 3)},${fixed(obs.unservedKwh, 3)}\n`);
    }
    this.series.t.push(o.interval.start / 1000);
    this.series.demand.push(totalDemand);
    this.series.supply.push(totalSupply);
    this.series.baseline.push(baseline);
  }

  private readonly prefixes: string[] = [];
  /** `agent_id,kind,bus` repeats every interval: format it once per agent. */
  private agentPrefix(i: number, a: { id: string; kind: string; bus: string }): string {
    return (this.prefixes[i] ??= `${csvText(a.id)},${a.kind},${csvText(a.bus)}`);
  }

  private busIndexCache: { buses: readonly string[]; index: Map<string, number> } | undefined;
  private busIndexOf(buses: readonly string[]): Map<string, number> {
    if (this.busIndexCache?.buses !== buses) this.busIndexCache = { buses, index: new Map(buses.map((b, k) => [b, k])) };
    return this.busIndexCache.index;
  }

  /** After the last interval: the retail bills (bills.csv) and figures. */
  completed(retail: { readonly desk: RetailDesk | undefined; readonly parties: readonly Party[]; readonly operations: Record<string, unknown> }): void {
    this.kpis.addRetail(retail.desk, retail.parties);
    this.kpis.addOperations(retail.operations);
    const bills = new CsvFile(join(this.outDir, 'bills.csv'), [
      'day', 'agent_id', 'kind', 'tariff', 'import_kwh', 'export_kwh', 'energy_charge', 'demand_charge', 'fixed_charge', 'export_credit', 'total',
    ]);
    for (const { party, day, bill } of retail.desk?.bills ?? []) {
      const a = retail.parties[party]!;
      bills.row([
        formatSimTime(bill.period.start).slice(0, 10),
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

  /** Closes the CSV files and writes summary.json and report.html; returns the summary. */
  finish(extra: { scenarioFile: string; description?: string | undefined }): Record<string, unknown> {
    for (const f of [this.intervalsCsv, this.agentsCsv, this.flowsCsv, this.eventsCsv, this.rejectionsCsv]) f.close();
    const summary = {
      scenario: { name: this.info.name, file: extra.scenarioFile, description: extra.description ?? '' },
      seed: this.info.seed,
      start: formatSimTime(this.info.start),
      intervals: this.info.intervals,
      intervalMinutes: this.info.intervalMinutes,
      agents: this.info.agentCount,
      buses: this.info.buses,
      kpis: this.kpis.summary(),
    };
    writeAtomic(join(this.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    writeAtomic(join(this.outDir, 'report.html'), renderReport(this.reportData(summary)));
    return summary;
  }

  private reportData(summary: { kpis: Record<string, unknown> } & Record<string, unknown>): ReportData {
    const s = this.series;
    return {
      title: `gridbid — ${this.info.name}`,
      subtitle: `${formatSimTime(this.info.start)} · ${this.info.intervals} intervals of ${this.info.intervalMinutes} min · seed ${this.info.seed} · ${this.info.agentCount} agents`,
      kpis: summary.kpis,
      charts: [
        { id: 'prices', title: 'Clearing price by bus', yLabel: 'currency/MWh', x: s.t, series: [...s.prices].map(([bus, values]) => ({ label: bus, values })) },
        {
          id: 'load',
          title: 'Load',
          yLabel: 'kW',
          x: s.t,
          series: [
            { label: 'cleared demand', values: s.demand },
            { label: 'cleared supply', values: s.supply },
            { label: 'no-flexibility baseline', values: s.baseline, dash: true },
          ],
        },
      ],
    };
  }
}

export function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.partial`, text);
  renameSync(`${path}.partial`, path);
}

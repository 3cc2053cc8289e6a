/**
 * Oracle checks of a run's span and its bills (audit A-fuzz3), for every fuzzed run (the tariff mode draws what they
 * exercise most): each recomputes a number the engine wrote from the scenario and the run's other files, by the
 * formulas README and tariffs/bill.ts state, never from the engine's own code paths.
 *
 * - `checkRunSpan`: the run's intervals are `start` + k × intervalMinutes up to the end `days` calendar days of the
 *   site's clock later (docs/time.md: 23 or 25 hours a day across a change), summary.json's count is theirs, and no row
 *   of any per-interval table lies outside the run or off its grid;
 * - `checkBillDays`: a customer has one bill for each local day it was supplied in, and none other;
 * - `checkBillArithmetic`: total = Σ of the parts rounded to the cent half-up; the fixed charge is the daily charge × the
 *   share of the local day the run covers (a 23-hour day's 23 hours are a whole day); the export credit under
 *   net-billing / feed-in / buy-all-sell-all is −export_kwh × its price; under net-metering on a flat price it is the
 *   netting of tariffs/bill.ts's header; a flat energy price bills import_kwh × price;
 * - `checkRealTimeEnergy`: a real-time tariff bills Σ whole-Wh import × clamp(bus price ÷ 1000 + adder, floor, cap);
 * - `checkCriticalPeakEnergy`: a critical-peak tariff on a flat price bills Σ whole-Wh import × the event price (or the
 *   price + adder) where the interval starts in an event's window on the tariff's clock (its date and hours), else the price;
 * - `checkMeterReads`: on a communication plane no read the meters send is rejected as misaligned;
 * - `checkRetailerBooks`: a retailer's agents.csv cost is its marketCost + imbalanceCost, and margin is revenue − both.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Decimal as D } from 'decimal.js';
import type { ScenarioConfig } from '../../engine/scenario/schema.ts';
import { billingDays, siteClock, tariffClock, type RunFiles } from './check.ts';

const Decimal = D.clone({ precision: 80 });
type Decimal = InstanceType<typeof Decimal>;
type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true });
const DAY_MS = 86_400_000;

/** The run's reported span: `days` calendar days of the site's clock from `start`, a fraction as elapsed time after them. */
export function runSpan(config: ScenarioConfig): { startMs: number; endMs: number; stepMs: number } {
  const start = config.start as unknown;
  const startMs = start instanceof Date ? start.getTime() : Date.parse(String(start));
  const whole = Math.floor(config.days);
  const endMs = siteClock(config).wallDaysAfter(startMs, whole) + Math.round((config.days - whole) * DAY_MS);
  return { startMs, endMs, stepMs: config.intervalMinutes * 60_000 };
}

/** Intervals on the grid from start to end; summary.json's count; no per-interval row outside them. */
export function checkRunSpan(dir: string, run: RunFiles, config: ScenarioConfig): string[] {
  const problems: string[] = [];
  const { startMs, endMs, stepMs } = runSpan(config);
  const expected = (endMs - startMs) / stepMs;
  if (run.summary.intervals !== expected) problems.push(`summary.json intervals ${run.summary.intervals}, but ${config.days} day(s) of the site's clock from ${new Date(startMs).toISOString()} are ${(endMs - startMs) / 3_600_000} h = ${expected} intervals of ${config.intervalMinutes} min`);
  const starts = new Set(run.agents.map((r) => r.interval_start!));
  if (starts.size !== expected) problems.push(`agents.csv has ${starts.size} intervals, the run ${expected}`);
  // Every per-interval table: each row's interval_start within [start, end) and on the grid.
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.csv'))) {
    const rows = readCsv(join(dir, f));
    if (rows.length === 0 || !('interval_start' in rows[0]!)) continue;
    for (const r of rows) {
      if (r.interval_start === '') continue;
      const t = Date.parse(r.interval_start!);
      if (!(t >= startMs && t < endMs) || (t - startMs) % stepMs !== 0) {
        problems.push(`${f}: a row at ${r.interval_start}, outside the run [${new Date(startMs).toISOString()}, ${new Date(endMs).toISOString()}) or off its ${config.intervalMinutes}-minute grid`);
        break;
      }
    }
  }
  return problems;
}

/** The customers of retailers: agent → the local days of the intervals it was supplied in (via a retailer). */
function suppliedDays(run: RunFiles, config: ScenarioConfig): Map<string, Map<string, number[]>> {
  const retailers = new Set(config.agents.filter((a) => a.kind === 'retailer').map((a) => (a as { id: string }).id));
  const days = billingDays(config);
  const out = new Map<string, Map<string, number[]>>();
  for (const r of run.agents) {
    if (!retailers.has(r.via!)) continue;
    const t = Date.parse(r.interval_start!);
    const m = out.get(r.agent_id!) ?? new Map<string, number[]>();
    out.set(r.agent_id!, m);
    const d = days.dayOf(t);
    m.set(d, [...(m.get(d) ?? []), t]);
  }
  return out;
}

/** One bill per customer and local day supplied, none for a day it was not (nor outside the run). */
export function checkBillDays(run: RunFiles, config: ScenarioConfig): string[] {
  if (run.bills.length === 0 && !config.agents.some((a) => a.kind === 'retailer')) return [];
  const problems: string[] = [];
  const supplied = suppliedDays(run, config);
  const billed = new Map<string, number>();
  for (const b of run.bills) billed.set(`${b.agent_id}|${b.day}`, (billed.get(`${b.agent_id}|${b.day}`) ?? 0) + 1);
  for (const [key, n] of billed) {
    const [id, day] = key.split('|') as [string, string];
    if (n > 1) problems.push(`${id} has ${n} bills for ${day}`);
    if (!supplied.get(id)?.has(day)) problems.push(`${id} billed for ${day}, a local day it was not supplied in (run ${run.summary.start}, ${config.days} day(s))`);
  }
  // Where bills come from the meters (the ideal plane; on a plane the MDMS's reads, which may lose a day).
  if (config.comms === 'ideal') for (const [id, days] of supplied) for (const day of days.keys()) if (!billed.has(`${id}|${day}`)) problems.push(`${id} supplied on ${day} but has no bill for it`);
  return problems.slice(0, 5);
}

const cent = (x: Decimal): Decimal => x.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/** Σ parts → total; fixed charge × the day's share; export credits; flat energy. */
export function checkBillArithmetic(run: RunFiles, config: ScenarioConfig, seen?: Set<string>): string[] {
  if (run.bills.length === 0) return [];
  const problems: string[] = [];
  const tariffs = new Map((config.tariffs ?? []).map((t: any) => [t.id as string, t]));
  const days = billingDays(config);
  const supplied = suppliedDays(run, config);
  const stepMs = config.intervalMinutes * 60_000;
  for (const b of run.bills) {
    const t = tariffs.get(b.tariff!);
    const parts = new Decimal(b.energy_charge!).plus(b.demand_charge!).plus(b.fixed_charge!).plus(b.export_credit!);
    if (!cent(parts).eq(b.total!)) problems.push(`${b.day} ${b.agent_id}: total ${b.total} ≠ round_cent(${b.energy_charge} + ${b.demand_charge} + ${b.fixed_charge} + ${b.export_credit}) = ${cent(parts).toFixed(2)}`);
    if (t === undefined) continue;
    // The fixed charge: the daily charge × the share of the local day billed (its intervals' time over the day's length).
    const span = days.span(b.day!);
    const f = new Decimal(t.fixedChargePerDay ?? 0);
    if (config.comms === 'ideal') {
      if (!f.isZero()) seen?.add('oracle:fixed-charge');
      const times = supplied.get(b.agent_id!)?.get(b.day!) ?? [];
      // An interval is billed on the local day it starts in, whole (docs/time.md: hourly intervals at UTC+5:45; fuzz
      // --tariffs seed 20540: a 30-minute interval from 23:45 at Chatham's +12:45 is its first day's 30 minutes).
      const billedMs = times.length * stepMs;
      // (Written to 18 decimals, half-even: tariffs/bill.ts FIXED_CHARGE_DECIMALS.)
      const expected = f.times(billedMs).div(span.toMs - span.fromMs).toDecimalPlaces(18, Decimal.ROUND_HALF_EVEN);
      if (!expected.eq(b.fixed_charge!)) problems.push(`${b.day} ${b.agent_id} (${t.id}): fixed_charge ${b.fixed_charge} ≠ ${f} × ${billedMs / 3_600_000} h ÷ the day's ${(span.toMs - span.fromMs) / 3_600_000} h = ${expected.toSignificantDigits(25)}`);
    }
    const x = new Decimal(b.export_kwh!);
    const m = new Decimal(b.import_kwh!);
    const rule = t.export as { type: string; exportPricePerKwh?: number; netExportCreditPerKwh?: number } | undefined;
    if (rule === undefined) {
      if (!new Decimal(b.export_credit!).isZero()) problems.push(`${b.day} ${b.agent_id} (${t.id}): export_credit ${b.export_credit} without an export rule`);
    } else if (rule.type !== 'net-metering') {
      if (!x.isZero()) seen?.add('oracle:export-credit');
      const expected = x.times(rule.exportPricePerKwh!).negated();
      if (!expected.eq(b.export_credit!)) problems.push(`${b.day} ${b.agent_id} (${t.id}, ${rule.type}): export_credit ${b.export_credit} ≠ −${b.export_kwh} kWh × ${rule.exportPricePerKwh} = ${expected}`);
    }
    // A flat energy price (flat, or a demand charge's flat energy): energy = import × price, and net-metering's netting.
    const flatPrice = t.type === 'flat' ? t.energyPricePerKwh : t.type === 'demand-charge' && t.energy.type === 'flat' ? t.energy.energyPricePerKwh : undefined;
    if (flatPrice !== undefined) {
      const e = m.times(flatPrice);
      if (!e.eq(b.energy_charge!)) problems.push(`${b.day} ${b.agent_id} (${t.id}): energy_charge ${b.energy_charge} ≠ ${b.import_kwh} kWh × ${flatPrice} = ${e}`);
      if (rule?.type === 'net-metering') {
        if (!x.isZero()) seen?.add('oracle:net-metering');
        const offset = Decimal.min(x.times(flatPrice), Decimal.max(e, 0));
        const surplus = Decimal.max(0, x.minus(m)).times(rule.netExportCreditPerKwh ?? 0);
        const expected = offset.plus(surplus).negated();
        if (!expected.eq(b.export_credit!)) problems.push(`${b.day} ${b.agent_id} (${t.id}, net-metering): export_credit ${b.export_credit} ≠ −(min(X·p, E) + max(0, X − M)·c) = ${expected}`);
      }
    }
    for (const [k, v] of [['energy_charge', b.energy_charge], ['demand_charge', b.demand_charge], ['fixed_charge', b.fixed_charge]] as const) {
      if (new Decimal(v!).isNegative() && !(k === 'energy_charge' && t.type === 'real-time')) problems.push(`${b.day} ${b.agent_id} (${t.id}): ${k} ${v} < 0`);
    }
  }
  return problems.slice(0, 6);
}

/**
 * A real-time tariff's energy charge: Σ over the day's intervals of the whole-Wh import × the retail price, the bus's
 * real-time price ÷ 1000 + adder within the floor and cap (an interval without a price: 0, as retail.ts's meter reads it).
 */
export function checkRealTimeEnergy(dir: string, run: RunFiles, config: ScenarioConfig, seen?: Set<string>): string[] {
  const rtps = new Map((config.tariffs ?? []).filter((t: any) => t.type === 'real-time' && t.export?.type !== 'buy-all-sell-all').map((t: any) => [t.id as string, t]));
  if (rtps.size === 0 || config.comms !== 'ideal' || run.bills.length === 0) return [];
  const prices = new Map<string, string>();
  for (const r of readCsv(join(dir, 'intervals.csv'))) prices.set(`${r.interval_start}|${r.bus}`, r.rt_price !== undefined && r.rt_price !== '' ? r.rt_price : r.price!);
  const days = billingDays(config);
  const billOf = new Map(run.bills.map((b) => [`${b.day}|${b.agent_id}`, b]));
  const charged = new Map<string, Decimal>();
  for (const r of run.agents) {
    if (r.kind === 'retailer' || r.via === '' || r.actual_kw === '') continue;
    const key = `${days.dayOf(Date.parse(r.interval_start!))}|${r.agent_id}`;
    const t = rtps.get(billOf.get(key)?.tariff ?? '');
    if (t === undefined) continue;
    const wh = new Decimal(r.actual_kw!).times(config.intervalMinutes).div(60).times(1000).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
    if (wh.lte(0)) {
      charged.set(key, charged.get(key) ?? new Decimal(0));
      continue;
    }
    const mwh = prices.get(`${r.interval_start}|${r.bus}`);
    seen?.add(Number(mwh) / 1000 + Number(t.adderPerKwh) < 0 ? 'oracle:rtp-below-zero' : 'oracle:rtp-energy');
    let p = new Decimal(mwh === undefined || mwh === '' ? 0 : mwh).div(1000).plus(t.adderPerKwh);
    if (t.floorPerKwh !== undefined && p.lt(t.floorPerKwh)) p = new Decimal(t.floorPerKwh);
    if (t.capPerKwh !== undefined && p.gt(t.capPerKwh)) p = new Decimal(t.capPerKwh);
    charged.set(key, (charged.get(key) ?? new Decimal(0)).plus(wh.div(1000).times(p)));
  }
  const problems: string[] = [];
  for (const [key, expected] of charged) {
    const b = billOf.get(key)!;
    if (!new Decimal(b.energy_charge!).eq(expected)) problems.push(`${b.day} ${b.agent_id} (${b.tariff}): energy_charge ${b.energy_charge} ≠ Σ import × clamp(bus price ÷ 1000 + adder) = ${expected}`);
  }
  return problems.slice(0, 5);
}

/** A retailer's agents.csv cost = marketCost + imbalanceCost (summary.json), margin = revenue − both, exactly. */
export function checkRetailerBooks(run: RunFiles): string[] {
  const problems: string[] = [];
  const retailers = (run.summary.kpis.retailers ?? {}) as Record<string, { revenue: string; marketCost: string; imbalanceCost: string; margin: string }>;
  for (const [id, k] of Object.entries(retailers)) {
    let cost = new Decimal(0);
    for (const r of run.agents) if (r.agent_id === id && r.cost !== '') cost = cost.plus(r.cost!);
    const books = new Decimal(k.marketCost).plus(k.imbalanceCost);
    const slack = new Decimal(run.agents.length).times('1e-20');
    if (cost.minus(books).abs().gt(slack)) problems.push(`retailer ${id}: Σ agents.csv cost ${cost} ≠ marketCost + imbalanceCost ${books}`);
    const margin = new Decimal(k.revenue).minus(k.marketCost).minus(k.imbalanceCost);
    // (Each figure written to 20 decimals: a repeating decimal's three roundings may differ in the last.)
    if (margin.minus(k.margin).abs().gt('3e-20')) problems.push(`retailer ${id}: margin ${k.margin} ≠ revenue − marketCost − imbalanceCost = ${margin}`);
  }
  return problems;
}

/**
 * A critical-peak tariff on a flat energy price, its events scheduled (announced `noticeHours` before the window, so in
 * effect all of it: tariffs/events.ts): each bill's energy charge is Σ of the whole-Wh import × the event price (or the
 * flat price + adder) where the interval starts on an event's date within the window's hours on the tariff's clock
 * (`tariffClock`: UTC, or the site's wall with `hours: local`, so 17:00 is 17:00 on a 23- or 25-hour day), else × the
 * flat price.
 */
export function checkCriticalPeakEnergy(run: RunFiles, config: ScenarioConfig, seen?: Set<string>): string[] {
  const cpps = new Map(
    (config.tariffs ?? [])
      .filter((t: any) => t.type === 'critical-peak' && t.energy.type === 'flat' && t.export?.type !== 'buy-all-sell-all' && (t.events ?? []).every((e: any) => e.announcedAt === undefined))
      .map((t: any) => [t.id as string, t]),
  );
  if (cpps.size === 0 || config.comms !== 'ideal' || run.bills.length === 0) return [];
  const days = billingDays(config);
  const billOf = new Map(run.bills.map((b) => [`${b.day}|${b.agent_id}`, b]));
  const charged = new Map<string, Decimal>();
  for (const r of run.agents) {
    if (r.kind === 'retailer' || r.via === '' || r.actual_kw === '') continue;
    const tMs = Date.parse(r.interval_start!);
    const key = `${days.dayOf(tMs)}|${r.agent_id}`;
    const t = cpps.get(billOf.get(key)?.tariff ?? '');
    if (t === undefined) continue;
    const wh = new Decimal(r.actual_kw!).times(config.intervalMinutes).div(60).times(1000).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
    if (wh.lte(0)) {
      charged.set(key, charged.get(key) ?? new Decimal(0));
      continue;
    }
    const w = new Date(tariffClock(config, t).localMs(tMs));
    const hour = w.getUTCHours() + w.getUTCMinutes() / 60;
    const onEvent = (t.events as { date: string }[]).some((e) => e.date === w.toISOString().slice(0, 10)) && hour >= t.eventWindow.fromHour && hour < t.eventWindow.toHour;
    if (onEvent) seen?.add('oracle:cpp-event-energy');
    const base = new Decimal(t.energy.energyPricePerKwh);
    const p = !onEvent ? base : t.eventPricePerKwh !== undefined ? new Decimal(t.eventPricePerKwh) : base.plus(t.eventAdderPerKwh);
    charged.set(key, (charged.get(key) ?? new Decimal(0)).plus(wh.div(1000).times(p)));
  }
  const problems: string[] = [];
  for (const [key, expected] of charged) {
    const b = billOf.get(key)!;
    if (!new Decimal(b.energy_charge!).eq(expected)) problems.push(`${b.day} ${b.agent_id} (${b.tariff}, ${tariffClock(config, cpps.get(b.tariff!)).name}): energy_charge ${b.energy_charge} ≠ Σ import × the flat or event price on the tariff's clock = ${expected}`);
  }
  return problems.slice(0, 5);
}

/**
 * On a communication plane the MDMS validates the meters' reads on the run's own interval grid: a read the engine's
 * meters send is never `misaligned` (fuzz --feeder seed 20041: every read of a run from :30 with hourly intervals was).
 */
export function checkMeterReads(run: RunFiles): string[] {
  const rejected = run.summary.kpis?.comms?.meterReadsRejected as Record<string, number> | undefined;
  return rejected?.misaligned ? [`the MDMS rejected ${rejected.misaligned} meter reads as misaligned (kpis.comms.meterReadsRejected)`] : [];
}

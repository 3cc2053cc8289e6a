/**
 * The invariants a fuzzed scenario's run must keep (audit A-fuzz3): what README and docs/markets.md
 * promise of every run, checked on the files it wrote. Each check returns the problems it found as
 * text (empty: none), so that the fuzz driver can print all of a run's problems with its seed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Decimal as D } from 'decimal.js';
import { SiteZone } from '../../core/siteZone.ts';
import type { ScenarioConfig } from '../../engine/scenario/schema.ts';

// Sums of amounts with 20 decimals need more than decimal.js's default 20 significant digits.
const Decimal = D.clone({ precision: 80 });
type Decimal = InstanceType<typeof Decimal>;
type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true });

export interface RunFiles {
  readonly summary: any;
  readonly agents: Row[];
  readonly bills: Row[];
}

export function readRun(dir: string): RunFiles {
  const files = readdirSync(dir);
  return {
    summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')),
    agents: readCsv(join(dir, 'agents.csv')),
    bills: files.includes('bills.csv') ? readCsv(join(dir, 'bills.csv')) : [],
  };
}

/** books.closed, and Σ actual_kw over the metered sites is zero in every interval (exactly, in watts). */
export function checkBooks(run: RunFiles): string[] {
  const problems: string[] = [];
  const books = run.summary.books;
  // A feeder's losses where an AC sweep did not converge (a dispatch, or what flowed, past voltage collapse), or where
  // the substation has no price to buy them at (nothing traded there: say the only plant crashed while inverters' reactive
  // power still made losses), are not settled and leave the books open, by design (README, "Radial feeders";
  // docs/markets.md, "Feeder losses"; exit 4): documented, not a failure, when that is every violation
  // (test/fuzz/feederChecks.ts confirms the collapse with its own power flow, and the missing price from intervals.csv).
  const documented = (v: { identity: string; detail: string }): boolean => v.identity === 'losses' && /did not converge|but no (real-time|imbalance) price at the substation/.test(v.detail);
  const open = (books.violations ?? []).filter((v: { identity: string; detail: string }) => !documented(v));
  if (!books.closed && (open.length > 0 || books.violationCount > (books.violations ?? []).length)) problems.push(`books open in ${books.openIntervals ?? '?'} intervals: ${JSON.stringify(open.slice(0, 3))}`);
  const sums = new Map<string, number>();
  for (const r of run.agents) {
    if (r.actual_kw === '') {
      // The losses stage's two rows have no actual where it was not settled (their state says why).
      if ((r.kind === 'dso' || r.kind === 'upstream') && r.state !== 'settled') continue;
      if (r.kind !== 'aggregator' && r.kind !== 'retailer') problems.push(`${r.interval_start} ${r.agent_id}: a ${r.kind} without a meter reading`);
      continue;
    }
    sums.set(r.interval_start!, (sums.get(r.interval_start!) ?? 0) + Math.round(Number(r.actual_kw) * 1000));
  }
  // On a communication plane the final settlement from the MDMS's reads keeps its own books (kpis.settlement).
  const settlement = run.summary.kpis?.settlement;
  if (settlement !== undefined && settlement.closed !== true) problems.push(`the final settlement's books are open: ${JSON.stringify(settlement).slice(0, 300)}`);
  for (const [t, w] of sums) if (w !== 0) problems.push(`Σ actual_kw at ${t} = ${w / 1000} kW, not 0`);
  if (sums.size !== run.summary.intervals) problems.push(`agents.csv has ${sums.size} intervals with meters, summary.json ${run.summary.intervals}`);
  return problems;
}

/**
 * Σ cost of the parties facing the market (via empty) over the run = Σ over the stages of
 * (buyers paid − sellers received) (docs/markets.md, "The stages in summary.json"), exactly.
 */
export function checkMoney(run: RunFiles): string[] {
  const k = run.summary.kpis;
  let cost = new Decimal(0);
  for (const r of run.agents) if (r.via === '' && r.cost !== '') cost = cost.plus(r.cost!);
  let stages = new Decimal(k.totalCost).minus(k.sellersRevenue);
  if (k.dayAhead) stages = stages.plus(k.dayAhead.buyersPay).minus(k.dayAhead.sellersReceive);
  stages = stages.plus(k.imbalance.buyersPay).minus(k.imbalance.sellersReceive);
  // On a feeder whose LP prices reactive power, the parties' kvar at the reactive prices is in their cost too (docs/markets.md, "Reactive energy").
  const feeder = (k as { feeder?: { reactiveBuyersPay?: string; reactiveSellersReceive?: string } }).feeder;
  if (feeder?.reactiveBuyersPay !== undefined) stages = stages.plus(feeder.reactiveBuyersPay).minus(feeder.reactiveSellersReceive!);
  // Repeating decimals (5- and 20-minute intervals) are written rounded to 20 decimals, so allow their rounding.
  const slack = new Decimal(run.agents.length).times('1e-20');
  return cost.minus(stages).abs().gt(slack) ? [`Σ cost of the parties facing the market ${cost.toString()} ≠ the stages' paid − received ${stages.toString()}`] : [];
}

/** soc_kwh within [0, capacity] for cars and within the SoC bounds for batteries (what the generator gave them). */
export function checkSoc(run: RunFiles, config: ScenarioConfig): string[] {
  const problems: string[] = [];
  const bounds = new Map<string, { lo: number; hi: number }>();
  for (const g of config.agents as any[]) {
    if (g.kind !== 'storage' && g.kind !== 'ev') continue;
    const prefix = g.idPrefix ?? g.id;
    const cap = g.kind === 'storage' ? g.capacityKwh : g.battery.capacityKwh;
    const lo = g.kind === 'storage' ? cap * g.minSocFraction : 0;
    const hi = g.kind === 'storage' ? cap * g.maxSocFraction : cap;
    bounds.set(prefix, { lo, hi });
  }
  for (const r of run.agents) {
    if (r.soc_kwh === '' || r.soc_kwh === undefined) continue;
    const prefix = r.agent_id!.replace(/-\d+$/, '');
    const b = bounds.get(prefix) ?? bounds.get(r.agent_id!);
    if (!b) continue;
    const soc = Number(r.soc_kwh);
    if (!(soc >= b.lo - 2e-3 && soc <= b.hi + 2e-3)) problems.push(`${r.interval_start} ${r.agent_id}: soc ${soc} kWh outside [${b.lo}, ${b.hi}]`);
  }
  return problems;
}

/** A scenario's start, days, warm-up and site, as the clocks below need them. */
interface ClockConfig {
  readonly start: string | Date;
  readonly days: number;
  readonly warmUpDays?: number | undefined;
  readonly site: { readonly utcOffsetHours?: number | undefined; readonly timeZone?: string | undefined };
}

/**
 * The site's clock of a scenario, built by the fuzzer itself through core/siteZone.ts: `SiteZone.fixed` of
 * `site.utcOffsetHours`, or `SiteZone.iana` of `site.timeZone` read from Intl over the run, its warm-up and 60 days
 * either side (its own table, not the engine's `siteZoneOf`: the checks share the zone arithmetic, not the span).
 */
export function siteClock(config: ClockConfig): SiteZone {
  if (config.site.timeZone === undefined) return SiteZone.fixed(config.site.utcOffsetHours ?? 0);
  const startMs = Date.parse(String(config.start instanceof Date ? config.start.toISOString() : config.start));
  const from = startMs - ((config.warmUpDays ?? 0) + 60) * 86_400_000;
  return SiteZone.iana(config.site.timeZone, from, startMs + (config.days + 60) * 86_400_000);
}

/** The clock a tariff's hours are read on: the site's for `hours: local`, UTC for the rest. */
export function tariffClock(config: ClockConfig, tariff: { readonly hours?: string | undefined }): SiteZone {
  return tariff.hours === 'local' ? siteClock(config) : SiteZone.fixed(0);
}

/** The billing days of a run: which day an instant is billed on, and the span of the day a bill names. */
export interface BillingDays {
  /** The `day` of bills.csv that bills the interval starting at `tMs`. */
  dayOf(tMs: number): string;
  /** The UTC span `[fromMs, toMs)` of the billing day bills.csv calls `day`. */
  span(day: string): { readonly fromMs: number; readonly toMs: number };
}

/**
 * Where the fuzz checks take the engine's billing days from — the one place (checkDemandCharges, checkBillEnergy,
 * checkRetailers and the warm-up oracle's bill comparison read it). The rule (docs/time.md, "Billing days"): a billing
 * day is the site's local calendar day, local midnight to local midnight on the site's clock (23 or 25 hours across a
 * daylight-saving change; where a change skips midnight, from the day's first instant), and a bill's `day` is its local
 * date; an interval is billed on the day it starts in. A run that starts (or a warm-up's reported part that begins) off
 * local midnight bills a partial first day: `span` is the whole local day, so a partial day's span starts before
 * `start` (the warm-up oracle leaves it out: the longer run bills that day whole).
 */
export function billingDays(config: ClockConfig): BillingDays {
  const zone = siteClock(config);
  return {
    dayOf: (tMs) => new Date(zone.localDayNumber(tMs) * 86_400_000).toISOString().slice(0, 10),
    span: (day) => {
      const n = Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
      return { fromMs: zone.dayStartMs(n), toMs: zone.dayStartMs(n + 1) };
    },
  };
}

/** The local calendar date (`YYYY-MM-DD`) and the wall-clock reading of the instant `tMs` on `clock`. */
const wall = (clock: SiteZone, tMs: number): Date => new Date(clock.localMs(tMs));

/**
 * Demand charges, recomputed from agents.csv: a window's demand is its metered import (max(0, actual_kw) × h,
 * whole watts) over the window's hours, rounded to the watt. `day`: each billing day's demand_charge = rate × its
 * highest window. `month`: Σ over the run's days = rate × Σ over the months of the month's highest window (each window
 * in the month of its start, in the tariff's clock), and no day's charge is negative. Checked for customers that kept
 * the demand tariff all run, where every window counts (no demandHours, no holiday exclusion) and bills come from the
 * meters (no communication plane: there from the MDMS's reads).
 *
 * The tariff's clock (`tariffClock`: UTC, or the site's fixed offset or zone for `hours: local`) places everything local:
 * a window is the block of `demandWindowMinutes` of that clock's wall holding the interval (across a daylight-saving
 * change of a whole number of windows the same UTC grid, which validate requires), `demandHours` are the wall's weekday
 * and hour at the window's start, holidays the site's local dates, months the wall's calendar months.
 */
export function checkDemandCharges(run: RunFiles, config: ScenarioConfig): string[] {
  const tariff = (config.tariffs ?? []).find((t: any) => t.type === 'demand-charge') as any;
  // Under buy-all/sell-all the peak is the gross consumption register's (tariffs/bill.ts), which agents.csv does not show.
  if (!tariff || config.comms !== 'ideal' || tariff.export?.type === 'buy-all-sell-all') return [];
  const problems: string[] = [];
  const minutes = config.intervalMinutes;
  const windowMs = tariff.demandWindowMinutes * 60_000;
  const clock = tariffClock(config, tariff);
  const site = siteClock(config);
  const days = billingDays(config);
  const rate = new Decimal(tariff.demandChargePerKw);
  const byCustomer = new Map<string, Row[]>();
  for (const b of run.bills) byCustomer.set(b.agent_id!, [...(byCustomer.get(b.agent_id!) ?? []), b]);
  const holidays = new Set(config.site.holidays ?? []);
  // A window counts when it starts within demandHours (weekdays and hours on the tariff's wall clock) and, with
  // demandOnHolidays: false, not on one of the site's holidays (local dates).
  const counts = (wsMs: number): boolean => {
    if (tariff.demandOnHolidays === false && holidays.has(wall(site, wsMs).toISOString().slice(0, 10))) return false;
    if (tariff.demandHours === undefined) return true;
    const t = wall(clock, wsMs);
    const hour = t.getUTCHours() + t.getUTCMinutes() / 60;
    return (tariff.demandHours as { days: string[]; fromHour: number; toHour: number }[]).some(
      (h) => h.days.includes(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][t.getUTCDay()]!) && hour >= h.fromHour && hour < h.toHour,
    );
  };
  for (const [id, bills] of byCustomer) {
    if (!bills.some((b) => b.tariff === tariff.id)) continue;
    // Window energies (W × min) by the window's start, UTC ms.
    const windows = new Map<number, number>();
    for (const r of run.agents) {
      if (r.agent_id !== id) continue;
      const t = Date.parse(r.interval_start!);
      const local = clock.localMs(t);
      const ws = t - (((local % windowMs) + windowMs) % windowMs);
      if (!counts(ws)) continue;
      const wh = Math.max(0, Math.round(Number(r.actual_kw) * 1000)) * minutes; // W × min
      windows.set(ws, (windows.get(ws) ?? 0) + wh);
    }
    const kwOf = (wmin: number): Decimal => new Decimal(wmin).div(tariff.demandWindowMinutes).div(1000).toDecimalPlaces(3, Decimal.ROUND_HALF_EVEN);
    const onTariff = bills.filter((b) => b.tariff === tariff.id);
    for (const b of bills) if (b.tariff !== tariff.id && !new Decimal(b.demand_charge!).isZero()) problems.push(`${id} ${b.day}: a demand charge ${b.demand_charge} on tariff ${b.tariff}`);
    if (tariff.demandPeriod === 'month') {
      // Every day on the tariff, each stint's: a return within the month resumes it, so a month's demand_charge on the
      // tariff adds up to rate × its peak over them (README: a customer that returns to a monthly tariff). Months and
      // billing days on the site's clock (A-dst: core/siteZone.ts through tariffClock and billingDays).
      const spans = onTariff.map((b) => days.span(b.day!));
      const peaks = new Map<string, Decimal>();
      for (const [ws, e] of windows) {
        if (!spans.some((d) => ws >= d.fromMs && ws < d.toMs)) continue;
        const month = wall(clock, ws).toISOString().slice(0, 7);
        const kw = kwOf(e);
        if (!peaks.has(month) || kw.gt(peaks.get(month)!)) peaks.set(month, kw);
      }
      const charged = onTariff.reduce((s, b) => s.plus(b.demand_charge!), new Decimal(0));
      const expected = [...peaks.values()].reduce((s, p) => s.plus(p.times(rate)), new Decimal(0));
      if (!charged.eq(expected)) problems.push(`${id} on ${tariff.id}: Σ demand_charge ${charged} ≠ rate × Σ monthly peaks ${expected} (${[...peaks].map(([m, p]) => `${m} ${p} kW`).join(', ')})`);
      for (const b of onTariff) if (new Decimal(b.demand_charge!).isNegative()) problems.push(`${id} ${b.day}: demand_charge ${b.demand_charge} < 0`);
    } else {
      for (const b of onTariff) {
        const { fromMs, toMs } = days.span(b.day!);
        let peak = new Decimal(0);
        for (const [ws, e] of windows) if (ws >= fromMs && ws < toMs && kwOf(e).gt(peak)) peak = kwOf(e);
        if (!new Decimal(b.demand_charge!).eq(peak.times(rate))) problems.push(`${id} ${b.day}: demand_charge ${b.demand_charge} ≠ rate × the day's peak ${peak} kW = ${peak.times(rate)}`);
      }
    }
  }
  return problems;
}

/** Every output file of two runs of the same scenario and seed, byte for byte. */
export function checkSameFiles(a: string, b: string): string[] {
  const fa = readdirSync(a).sort();
  const fb = readdirSync(b).sort();
  if (fa.join() !== fb.join()) return [`different files: ${fa.join(' ')} / ${fb.join(' ')}`];
  return fa.filter((f) => !readFileSync(join(a, f)).equals(readFileSync(join(b, f)))).map((f) => `${f} differs between two runs of the same seed`);
}

/**
 * A party facing the market (uniform pricing) pays q_RT × p_RT + (actual − q_RT) × p_imb (+ q_DA × p_DA − q_DA × p_RT)
 * (docs/markets.md, "Imbalance settlement"), + kvar × ρ on a feeder whose LP prices reactive power ("Reactive energy"):
 * each agents.csv row's cost, recomputed from its award_kw, price, actual_kw and imbalance_price (none where the
 * interval was not re-dispatched: then actual = award), and its kvar and reactive_price.
 */
export function checkPartyCosts(run: RunFiles, config: ScenarioConfig): string[] {
  if (config.market.pricing !== 'uniform') return [];
  const hours = new Decimal(config.intervalMinutes).div(60);
  const problems: string[] = [];
  for (const r of run.agents) {
    if (r.via !== '' || r.actual_kw === '' || r.kind === 'aggregator' || r.kind === 'retailer' || r.cost === '') continue;
    const award = new Decimal(r.award_kw!);
    const dev = new Decimal(r.actual_kw!).minus(award);
    if (r.imbalance_price === '' && !dev.isZero()) {
      problems.push(`${r.interval_start} ${r.agent_id}: actual ${r.actual_kw} ≠ award ${r.award_kw} without an imbalance price`);
      continue;
    }
    const imb = r.imbalance_price === '' ? new Decimal(0) : dev.times(r.imbalance_price!);
    // With a day-ahead stage: q_DA × p_DA + (q_RT − q_DA) × p_RT + (actual − q_RT) × p_imb (docs/markets.md).
    const da = new Decimal(r.da_kw === '' || r.da_kw === undefined ? 0 : r.da_kw);
    const daMoney = da.isZero() ? new Decimal(0) : da.times(r.da_price === '' ? 0 : r.da_price!);
    const rtPrice = r.rt_price === '' || r.rt_price === undefined ? (r.price === '' ? 0 : r.price!) : r.rt_price;
    // On a feeder whose LP prices reactive power: + kvar × reactive_price (docs/markets.md, "Reactive energy").
    // (kvar 0 where nothing was priced — an interval without a price — is written with an empty reactive_price: nothing to settle.)
    const kvar = r.kvar === undefined || r.kvar === '' ? new Decimal(0) : new Decimal(r.kvar);
    if (!kvar.isZero() && (r.reactive_price === undefined || r.reactive_price === '')) {
      problems.push(`${r.interval_start} ${r.agent_id}: ${r.kvar} kvar without a reactive price`);
      continue;
    }
    const reactive = kvar.isZero() ? new Decimal(0) : kvar.times(r.reactive_price!);
    const expected = daMoney.plus(award.minus(da).times(rtPrice)).plus(imb).plus(reactive).times(hours).div(1000);
    if (expected.minus(r.cost!).abs().gt('1e-18')) problems.push(`${r.interval_start} ${r.agent_id} (${r.state}): cost ${r.cost} ≠ award × price + (actual − award) × imbalance price${reactive.isZero() ? '' : ' + kvar × reactive price'} = ${expected.toString()}`);
  }
  return problems.slice(0, 5);
}

/**
 * How far a battery's (or car's) SoC may move from its metered energy: 2 Wh for the soc_kwh column's three decimals, plus
 * half a quantum of the market over the interval through the efficiency, since the meter reads the device's gross
 * consumption or generation rounded to whole quanta of `market.quantumKw` (engine/interval/meter.ts): at the default
 * quantum (1 W) that is at most 0.5 Wh an hour, at 0.5 kW a battery that took 0.445 kW is metered 0.5 (fuzz --mix 50052).
 */
function meterSlackKwh(config: ScenarioConfig, kw: number, g: { etaC: number; etaD: number }): number {
  const halfQuantumKwh = (config.market.quantumKw / 2) * (config.intervalMinutes / 60);
  return 2e-3 + (kw >= 0 ? halfQuantumKwh * g.etaC : halfQuantumKwh / g.etaD);
}

/**
 * A battery's SoC moves with its metered energy: + actual × h × η_c when it charged, + actual × h ÷ η_d when it
 * discharged (docs/markets.md: the meter reads the site's net, in whole quanta: `meterSlackKwh`), between two intervals of the run.
 */
export function checkStorageEnergy(run: RunFiles, config: ScenarioConfig): string[] {
  const problems: string[] = [];
  const groups = new Map<string, { etaC: number; etaD: number }>();
  for (const g of config.agents as any[]) if (g.kind === 'storage') groups.set(g.idPrefix ?? g.id, { etaC: g.chargeEfficiency, etaD: g.dischargeEfficiency });
  const hours = config.intervalMinutes / 60;
  const last = new Map<string, number>();
  for (const r of run.agents) {
    if (r.kind !== 'storage' || r.soc_kwh === '') continue;
    const g = groups.get(r.agent_id!.replace(/-\d+$/, '')) ?? groups.get(r.agent_id!);
    const prev = last.get(r.agent_id!);
    const soc = Number(r.soc_kwh);
    last.set(r.agent_id!, soc);
    if (!g || prev === undefined) continue;
    const kw = Number(r.actual_kw);
    const expected = prev + (kw >= 0 ? kw * hours * g.etaC : (kw * hours) / g.etaD);
    if (Math.abs(expected - soc) > meterSlackKwh(config, kw, g)) problems.push(`${r.interval_start} ${r.agent_id} (${r.state}): soc ${prev} → ${soc} kWh with actual ${kw} kW over ${hours} h (expected ${expected.toFixed(4)})`);
  }
  return problems.slice(0, 5);
}

/** A customer's bills.csv import and export kWh are Σ of its metered net import and export over the billing day. */
export function checkBillEnergy(run: RunFiles, config: ScenarioConfig): string[] {
  if (config.comms !== 'ideal' || run.bills.length === 0) return [];
  const days = billingDays(config);
  const sums = new Map<string, { imp: number; exp: number }>();
  for (const r of run.agents) {
    if (r.kind === 'retailer' || r.via === '' || r.actual_kw === '') continue;
    const key = `${days.dayOf(Date.parse(r.interval_start!))}|${r.agent_id}`;
    // Each reading is billed on the Wh, rounded half-even (tariffs/bill.ts: mᵢ = round_Wh(eᵢ)).
    const wh = new Decimal(r.actual_kw!).times(config.intervalMinutes).div(60).times(1000).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toNumber();
    const s = sums.get(key) ?? { imp: 0, exp: 0 };
    if (wh > 0) s.imp += wh;
    else s.exp -= wh;
    sums.set(key, s);
  }
  const problems: string[] = [];
  // total = round_cent_half_up(energy + demand + fixed − export credit) (tariffs/bill.ts); the credit is written ≥ 0 or < 0 by sign.
  for (const b of run.bills) {
    const sum = new Decimal(b.energy_charge!).plus(b.demand_charge!).plus(b.fixed_charge!).minus(new Decimal(b.export_credit!).abs());
    if (!sum.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).eq(b.total!)) problems.push(`${b.day} ${b.agent_id}: total ${b.total} ≠ round(${b.energy_charge} + ${b.demand_charge} + ${b.fixed_charge} − ${b.export_credit})`);
  }
  const buyAll = (config.tariffs ?? []).filter((t: any) => t.export?.type === 'buy-all-sell-all').map((t: any) => t.id);
  for (const b of run.bills) {
    if (buyAll.includes(b.tariff)) continue;
    const s = sums.get(`${b.day}|${b.agent_id}`);
    if (!s) continue; // an aggregator's member has no bill; a customer has one per day
    const imp = s.imp / 1000;
    const exp = s.exp / 1000;
    if (Math.abs(imp - Number(b.import_kwh)) > 1e-9 || Math.abs(exp - Number(b.export_kwh)) > 1e-9)
      problems.push(`${b.day} ${b.agent_id}: billed ${b.import_kwh} kWh in, ${b.export_kwh} out; metered ${imp} in, ${exp} out`);
  }
  return problems.slice(0, 5);
}

/**
 * An `agent-crash` fault isolates its agent from the crash on (README, "Operators and faults"): its agents.csv
 * state is own-control (a site on its devices' own control) or crashed (left out, its meter reading zero) in every
 * interval from its `at`, and neither before; a site on its own control has no position (award 0).
 */
export function checkCrashes(run: RunFiles, config: ScenarioConfig): string[] {
  const at = new Map<string, number>();
  for (const f of config.faults as any[]) if (f.type === 'agent-crash') at.set(f.agent, Math.min(at.get(f.agent) ?? Infinity, Date.parse(f.at)));
  const problems: string[] = [];
  for (const r of run.agents) {
    const crashed = r.state === 'own-control' || r.state === 'crashed';
    const t = at.get(r.agent_id!);
    const due = t !== undefined && Date.parse(r.interval_start!) >= t;
    if (crashed !== due && !(crashed && t === undefined)) problems.push(`${r.interval_start} ${r.agent_id}: state ${r.state}${t !== undefined ? `, crashed at ${new Date(t).toISOString()}` : ''}`);
    if (r.state === 'crashed' && r.actual_kw !== '' && Number(r.actual_kw) !== 0) problems.push(`${r.interval_start} ${r.agent_id}: left out after a crash but metered ${r.actual_kw} kW`);
    if (r.state === 'own-control' && r.via === '' && Number(r.award_kw) !== 0) problems.push(`${r.interval_start} ${r.agent_id}: on its own control with a position of ${r.award_kw} kW`);
  }
  return problems.slice(0, 5);
}

/**
 * Where load was shed, deviations settle at the price cap (docs/markets.md, "Load shedding": "the imbalance
 * price … is the cap at a bus where load was shed"): every agents.csv row at that bus and interval with an
 * imbalance price shows the cap, and a site that was shed has an imbalance price.
 */
export function checkShedPrices(run: RunFiles, events: readonly Row[], config: ScenarioConfig): string[] {
  const cap = config.market.priceCapMwh;
  const busOf = new Map<string, string>();
  for (const r of run.agents) busOf.set(r.agent_id!, r.bus!);
  const shedAt = new Set(events.filter((e) => e.type === 'LOAD_SHED').map((e) => `${e.interval_start}|${busOf.get(e.target!)}`));
  const problems: string[] = [];
  for (const r of run.agents) {
    if (!shedAt.has(`${r.interval_start}|${r.bus}`) || r.kind === 'retailer' || r.kind === 'aggregator') continue;
    if (Number(r.imbalance_kw) !== 0 && (r.imbalance_price === '' || Number(r.imbalance_price) !== cap))
      problems.push(`${r.interval_start} ${r.agent_id} at ${r.bus}, where load was shed: imbalance price '${r.imbalance_price}' for a deviation of ${r.imbalance_kw} kW, not the cap ${cap}`);
  }
  return problems.slice(0, 5);
}

/** No output file holds NaN, Infinity or undefined (a number that escaped its checks), and summary.json no null KPI. */
export function checkNoNonNumbers(dir: string): string[] {
  const problems: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.csv') && f !== 'summary.json') continue;
    const text = readFileSync(join(dir, f), 'utf8');
    const m = /(^|[,:\s"])(NaN|-?Infinity|undefined)([,\s"}]|$)/m.exec(text);
    if (m) problems.push(`${f} holds ${m[2]}: …${text.slice(Math.max(0, m.index - 80), m.index + 40).replace(/\n/g, '⏎')}…`);
  }
  const nulls: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (v === null && !/peakAt|At$|Start$|owner|restorationMinutes|PriceMwh$/.test(path)) nulls.push(path);
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  const kpis = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).kpis;
  walk(kpis, 'kpis');
  // Documented nulls on a feeder (README, "Radial feeders"): the voltage extremes have no value where a sweep did not
  // converge, and the largest marginal-loss gap none where a clearing failed (output/feederOutputs.ts).
  const f = kpis.feeder ?? {};
  const documented = (path: string): boolean =>
    (f.acSweepsNotConverged > 0 && /^kpis\.feeder\.(worstVoltagePu|highestVoltagePu|maxLinDistFlowErrorPu)\.value$/.test(path)) ||
    (f.meteredSweepsNotConverged > 0 && /^kpis\.feeder\.metered(Worst|Highest)VoltagePu\.value$/.test(path)) ||
    ((kpis.clearingProblemCount > 0 || f.acSweepsNotConverged > 0) && path === 'kpis.feeder.marginalLossMaxGapMwh');
  nulls.splice(0, nulls.length, ...nulls.filter((p) => !documented(p)));
  if (nulls.length > 0) problems.push(`summary.json: null at ${nulls.slice(0, 5).join(', ')}`);
  return problems;
}

/**
 * Positions and intermediaries (docs/markets.md, "The books"): in every interval the real-time positions of the
 * parties facing the market sum to zero (and so do the day-ahead ones), and an aggregator's or retailer's
 * imbalance_kw is its members' or customers' Σ actual_kw − its award_kw.
 */
export function checkPositions(run: RunFiles): string[] {
  const problems: string[] = [];
  const byInterval = new Map<string, Row[]>();
  for (const r of run.agents) byInterval.set(r.interval_start!, [...(byInterval.get(r.interval_start!) ?? []), r]);
  const w = (x: string | undefined): number => (x === undefined || x === '' ? 0 : Math.round(Number(x) * 1000));
  for (const [t, rows] of byInterval) {
    const facing = rows.filter((r) => r.via === '');
    const rt = facing.reduce((s, r) => s + w(r.award_kw), 0);
    if (rt !== 0) problems.push(`${t}: Σ award_kw of the parties facing the market = ${rt / 1000} kW`);
    const da = facing.reduce((s, r) => s + w(r.da_kw), 0);
    if (da !== 0) problems.push(`${t}: Σ da_kw of the parties facing the market = ${da / 1000} kW`);
    for (const m of facing.filter((r) => r.kind === 'aggregator' || r.kind === 'retailer')) {
      const actual = rows.filter((r) => r.via === m.agent_id).reduce((s, r) => s + w(r.actual_kw), 0);
      if (actual - w(m.award_kw) !== w(m.imbalance_kw)) problems.push(`${t} ${m.agent_id}: imbalance_kw ${m.imbalance_kw} ≠ Σ actual ${actual / 1000} − award ${m.award_kw}`);
    }
  }
  return problems.slice(0, 5);
}

/**
 * Shedding and curtailment (docs/markets.md): a site shed never turns into an exporter (actual ≥ 0), one curtailed
 * never into a consumer (actual ≤ 0), summary.json's shedKwh and curtailedKwh are the events' kW × h, and no
 * operator command reaches an agent after it crashed (it is isolated from the operators).
 */
export function checkCuts(run: RunFiles, events: readonly Row[], config: ScenarioConfig): string[] {
  const problems: string[] = [];
  const hours = config.intervalMinutes / 60;
  const actual = new Map(run.agents.map((r) => [`${r.interval_start}|${r.agent_id}`, r.actual_kw!]));
  let shed = 0;
  let curtailed = 0;
  for (const e of events) {
    const a = Number(actual.get(`${e.interval_start}|${e.target}`));
    if (e.type === 'LOAD_SHED') {
      shed += Number(e.delivered_kw) * hours;
      if (a < 0) problems.push(`${e.interval_start} ${e.target}: shed ${e.delivered_kw} kW and metered ${a} kW, an export`);
    }
    if (e.type === 'SPILL_CURTAILED') {
      curtailed += Number(e.delivered_kw) * hours;
      if (a > 0) problems.push(`${e.interval_start} ${e.target}: curtailed ${e.delivered_kw} kW and metered ${a} kW, a withdrawal`);
    }
  }
  const k = run.summary.kpis.imbalance;
  if (Math.abs(k.shedKwh - shed) > 2e-3) problems.push(`summary shedKwh ${k.shedKwh} ≠ Σ LOAD_SHED kW × h ${shed.toFixed(4)}`);
  if (Math.abs(k.curtailedKwh - curtailed) > 2e-3) problems.push(`summary curtailedKwh ${k.curtailedKwh} ≠ Σ SPILL_CURTAILED kW × h ${curtailed.toFixed(4)}`);
  const crashedAt = new Map<string, number>();
  for (const f of config.faults as any[]) if (f.type === 'agent-crash') crashedAt.set(f.agent, Math.min(crashedAt.get(f.agent) ?? Infinity, Date.parse(f.at)));
  const commands = new Set(['DISPATCH_SETPOINT', 'IMPORT_CAPACITY_LIMIT', 'CHARGE_STATE_SETPOINT']);
  for (const e of events) {
    const t = crashedAt.get(e.target!);
    if (t !== undefined && commands.has(e.type!) && Date.parse(e.interval_start!) >= t && e.response === 'opt-in') problems.push(`${e.interval_start} ${e.target}: ${e.type} answered opt-in after its crash`);
  }
  return problems.slice(0, 5);
}

/** A car's SoC moves with its metered energy as a battery's does, between two intervals it spent plugged in. */
export function checkEvEnergy(run: RunFiles, config: ScenarioConfig): string[] {
  const plugged = new Set(['plugged-idle', 'charging', 'discharging', 'full']);
  const groups = new Map<string, { etaC: number; etaD: number }>();
  for (const g of config.agents as any[]) if (g.kind === 'ev') groups.set(g.idPrefix ?? g.id, { etaC: g.battery.chargeEfficiency, etaD: g.battery.dischargeEfficiency });
  const hours = config.intervalMinutes / 60;
  const last = new Map<string, Row>();
  const problems: string[] = [];
  for (const r of run.agents) {
    if (r.kind !== 'ev') continue;
    const prev = last.get(r.agent_id!);
    last.set(r.agent_id!, r);
    const g = groups.get(r.agent_id!.replace(/-\d+$/, ''));
    if (!g || !prev || !plugged.has(prev.state!) || !plugged.has(r.state!) || prev.soc_kwh === '' || r.soc_kwh === '') continue;
    const kw = Number(r.actual_kw);
    const expected = Number(prev.soc_kwh) + (kw >= 0 ? kw * hours * g.etaC : (kw * hours) / g.etaD);
    if (Math.abs(expected - Number(r.soc_kwh)) > meterSlackKwh(config, kw, g)) problems.push(`${r.interval_start} ${r.agent_id} (${prev.state} → ${r.state}): soc ${prev.soc_kwh} → ${r.soc_kwh} kWh with actual ${kw} kW (expected ${expected.toFixed(4)})`);
  }
  return problems.slice(0, 5);
}

/**
 * With retailers: each customer interval of agents.csv trades through (`via`) the retailer whose tariff bills the customer that
 * billing day (customers may change retailer: `tariffChoice.among: every-retailer`), and each retailer's `revenue` in
 * summary.json is Σ of the bills under its tariffs, exactly.
 */
export function checkRetailers(run: RunFiles, config: ScenarioConfig): string[] {
  if (run.bills.length === 0) return [];
  const retailerOf = new Map<string, string>();
  for (const a of config.agents) if (a.kind === 'retailer') for (const t of (a as { tariffs: string[] }).tariffs) retailerOf.set(t, (a as { id: string }).id);
  const retailers = new Set(retailerOf.values());
  const days = billingDays(config);
  const tariffOn = new Map(run.bills.map((b) => [`${b.day}|${b.agent_id}`, b.tariff!]));
  const problems: string[] = [];
  for (const r of run.agents) {
    if (!retailers.has(r.via!)) continue;
    const tariff = tariffOn.get(`${days.dayOf(Date.parse(r.interval_start!))}|${r.agent_id}`);
    if (tariff !== undefined && retailerOf.get(tariff) !== r.via) problems.push(`${r.interval_start} ${r.agent_id}: via ${r.via}, but that day's bill is under ${tariff}, ${retailerOf.get(tariff)}'s`);
  }
  const billed = new Map<string, Decimal>();
  for (const b of run.bills) billed.set(retailerOf.get(b.tariff!)!, (billed.get(retailerOf.get(b.tariff!)!) ?? new Decimal(0)).plus(b.total!));
  for (const [id, k] of Object.entries((run.summary.kpis.retailers ?? {}) as Record<string, { revenue: string }>)) {
    if (!new Decimal(k.revenue).eq(billed.get(id) ?? 0)) problems.push(`retailer ${id}: revenue ${k.revenue}, its bills ${(billed.get(id) ?? new Decimal(0)).toFixed()}`);
  }
  return problems;
}

/**
 * Each aggregator in summary.json against agents.csv: its `marketPayment` is Σ of its own rows' cost (its market money,
 * every stage), its `memberPayments` Σ of its members' cost (what each pays it), and its books' identity holds:
 * market payment + fee income = member payments + own-position cost + the pay-as-bid spread it bears (docs/markets.md,
 * "Aggregators" and "Pay-as-bid"; the spread is in summary.json only under pay-as-bid, and is 0 under uniform pricing).
 */
export function checkAggregators(run: RunFiles): string[] {
  const aggregators = (run.summary.kpis.aggregators ?? {}) as Record<string, Record<string, string | number>>;
  const problems: string[] = [];
  const own = new Map<string, Decimal>();
  const members = new Map<string, Decimal>();
  for (const r of run.agents) {
    if (r.cost === '') continue;
    if (r.kind === 'aggregator') own.set(r.agent_id!, (own.get(r.agent_id!) ?? new Decimal(0)).plus(r.cost!));
    else if (r.via !== '' && aggregators[r.via!]) members.set(r.via!, (members.get(r.via!) ?? new Decimal(0)).plus(r.cost!));
  }
  // Repeating decimals (5- and 20-minute intervals) are written rounded to 20 decimals, row by row.
  const slack = new Decimal(run.agents.length).times('1e-20');
  for (const [id, k] of Object.entries(aggregators)) {
    const d = (key: string): Decimal => new Decimal(k[key] ?? 0);
    if (d('marketPayment').minus(own.get(id) ?? 0).abs().gt(slack)) problems.push(`aggregator ${id}: marketPayment ${k.marketPayment} ≠ Σ its agents.csv cost ${(own.get(id) ?? new Decimal(0)).toFixed()}`);
    if (d('memberPayments').minus(members.get(id) ?? 0).abs().gt(slack)) problems.push(`aggregator ${id}: memberPayments ${k.memberPayments} ≠ Σ its members' agents.csv cost ${(members.get(id) ?? new Decimal(0)).toFixed()}`);
    const gap = d('marketPayment').plus(d('feeIncome')).minus(d('memberPayments')).minus(d('ownPositionCost')).minus(d('payAsBidSpread'));
    if (gap.abs().gt('1e-19')) problems.push(`aggregator ${id}: marketPayment + feeIncome − memberPayments − ownPositionCost${k.payAsBidSpread === undefined ? '' : ' − payAsBidSpread'} = ${gap.toFixed()}, not 0`);
  }
  return problems;
}

const WEEK = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const daysOf = (days: unknown): readonly string[] =>
  days === undefined || days === 'all' ? WEEK : days === 'weekdays' ? WEEK.slice(1, 6) : days === 'weekend' ? ['sat', 'sun'] : (days as string[]);

/**
 * Time-of-use energy charges, recomputed from agents.csv on the tariff's wall clock (audit A-dst): each bill under a
 * time-of-use tariff charges Σ over its billing day's intervals of the metered import (whole Wh, half-even) × the price of
 * the period whose rule holds the interval's start — weekday and hour of the tariff's clock (`tariffClock`: UTC, the
 * fixed offset, or the zone's wall, so 17:00 is 17:00 on both sides of a daylight-saving change), the first period
 * listing it, else the default — or, on one of the site's holidays (its local date) with a `holidayPeriod`, that period.
 */
export function checkTouEnergy(run: RunFiles, config: ScenarioConfig): string[] {
  if (config.comms !== 'ideal' || run.bills.length === 0) return [];
  const tous = new Map((config.tariffs ?? []).filter((t: any) => t.type === 'time-of-use' && t.export?.type !== 'buy-all-sell-all').map((t: any) => [t.id as string, t]));
  if (tous.size === 0) return [];
  const site = siteClock(config);
  const days = billingDays(config);
  const holidays = new Set(config.site.holidays ?? []);
  const priceAt = (t: any, tMs: number): Decimal => {
    const period = (name: string) => t.periods.find((p: any) => p.name === name);
    if (t.holidayPeriod !== undefined && holidays.has(wall(site, tMs).toISOString().slice(0, 10))) return new Decimal(period(t.holidayPeriod).energyPricePerKwh);
    const w = wall(tariffClock(config, t), tMs);
    const day = WEEK[w.getUTCDay()]!;
    const hour = w.getUTCHours() + w.getUTCMinutes() / 60;
    const p = t.periods.find((p: any) => (p.rules ?? []).some((r: any) => daysOf(r.days).includes(day) && hour >= r.fromHour && hour < r.toHour)) ?? period(t.defaultPeriod);
    return new Decimal(p.energyPricePerKwh);
  };
  const billOf = new Map(run.bills.map((b) => [`${b.day}|${b.agent_id}`, b]));
  const charged = new Map<string, Decimal>();
  for (const r of run.agents) {
    if (r.kind === 'retailer' || r.via === '' || r.actual_kw === '') continue;
    const key = `${days.dayOf(Date.parse(r.interval_start!))}|${r.agent_id}`;
    const tariff = tous.get(billOf.get(key)?.tariff ?? '');
    if (tariff === undefined) continue;
    const wh = new Decimal(r.actual_kw!).times(config.intervalMinutes).div(60).times(1000).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
    if (wh.lte(0)) continue;
    charged.set(key, (charged.get(key) ?? new Decimal(0)).plus(wh.div(1000).times(priceAt(tariff, Date.parse(r.interval_start!)))));
  }
  const problems: string[] = [];
  for (const [key, expected] of charged) {
    const b = billOf.get(key)!;
    if (!new Decimal(b.energy_charge!).eq(expected)) problems.push(`${b.day} ${b.agent_id} (${b.tariff}, ${tariffClock(config, tous.get(b.tariff!)).name}): energy_charge ${b.energy_charge} ≠ Σ import × the period's price on the tariff's clock ${expected.toString()}`);
  }
  return problems.slice(0, 5);
}

/**
 * The invariants of a run on a radial feeder (`network.model: lindistflow`) that the fuzzer checks with its own
 * physics (audit A-fuzzfeeder): an AC power flow written here, not the engine's (network/acSweep.ts), fed with what
 * voltages.csv says each bus withdrew, must give the voltages it reports and the losses the `losses` stage settled —
 * for the schedule (`net_kw`) and for what the meters read (`metered_kw`, each bus's Σ of its sites' actual_kw); the
 * losses stage's money and KPIs add up; and with `feeder.losses: marginal`, where the clearing says it converged, each
 * bus's `dlmp_loss` is λ · ∂Loss/∂p_k of this power flow (docs/markets.md, "Marginal losses in the DLMPs").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Decimal as D } from 'decimal.js';
import type { ScenarioConfig } from '../../engine/scenario/schema.ts';
import type { RunFiles } from './check.ts';

const Decimal = D.clone({ precision: 80 });
type Row = Record<string, string>;

/** A radial feeder as this oracle sees it: buses in breadth-first order from the substation, each with its parent branch. */
interface Tree {
  readonly order: number[];
  readonly parent: Int32Array;
  readonly r: Float64Array;
  readonly x: Float64Array;
  readonly energised: boolean[];
}

/**
 * The ties a self-healing operator closed, in force at `tMs`, from events.csv: closed from the interval of its TIE_CLOSED
 * row until the operator's NORMAL_CONFIGURATION (repaired: its ties reopened). Switching is the engine's decision, so it is
 * read from what the run wrote; the outages themselves come from the scenario's faults.
 */
function closedTiesAt(events: readonly Row[], tMs: number): Set<string> {
  const closed = new Set<string>();
  for (const e of events) {
    if (Date.parse(e.interval_start!) > tMs) break;
    if (e.type === 'TIE_CLOSED') closed.add(e.target!);
    if (e.type === 'NORMAL_CONFIGURATION') for (const tie of [...closed]) if (e.detail?.includes(tie)) closed.delete(tie);
  }
  return closed;
}

/** The tree of the in-service branches at `tMs`: the configured ones less the line outages then in force, plus the ties closed. */
function treeAt(config: ScenarioConfig, busIndex: Map<string, number>, tMs: number, closedTies: ReadonlySet<string> = new Set()): Tree {
  const net = config.network!;
  const n = net.buses.length;
  const out = new Set<string>();
  for (const f of (config.faults ?? []) as any[]) {
    if (f.type !== 'line-outage') continue;
    const from = Date.parse(f.at instanceof Date ? f.at.toISOString() : f.at);
    const until = f.until === undefined ? Infinity : Date.parse(f.until instanceof Date ? f.until.toISOString() : f.until);
    if (tMs >= from && tMs < until) out.add(f.branch);
  }
  const adj: { to: number; r: number; x: number }[][] = Array.from({ length: n }, () => []);
  for (const b of net.branches) {
    if ((b.inService === false && !closedTies.has(b.id)) || out.has(b.id)) continue;
    const i = busIndex.get(b.from)!;
    const j = busIndex.get(b.to)!;
    adj[i]!.push({ to: j, r: b.resistancePu ?? 0, x: b.reactancePu });
    adj[j]!.push({ to: i, r: b.resistancePu ?? 0, x: b.reactancePu });
  }
  const root = net.buses.findIndex((b) => b.reference === true);
  const parent = new Int32Array(n).fill(-1);
  const r = new Float64Array(n);
  const x = new Float64Array(n);
  const energised = Array.from({ length: n }, () => false);
  const order = [root];
  energised[root] = true;
  for (let q = 0; q < order.length; q++) {
    const k = order[q]!;
    for (const e of adj[k]!) {
      if (energised[e.to]) continue;
      energised[e.to] = true;
      parent[e.to] = k;
      r[e.to] = e.r;
      x[e.to] = e.x;
      order.push(e.to);
    }
  }
  return { order, parent, r, x, energised };
}

interface Flow {
  readonly converged: boolean;
  readonly vm: Float64Array;
  readonly lossesKw: number;
}

/**
 * AC power flow of constant-power withdrawals (kW, kvar; + consumption) on the tree: backward/forward sweep in complex
 * per-unit arithmetic, to 1e-12 p.u., at most 500 sweeps; not converged when a voltage goes to NaN (past collapse).
 */
function powerFlow(tree: Tree, baseKva: number, v0: number, pKw: ArrayLike<number>, qKvar: ArrayLike<number>): Flow {
  const n = tree.parent.length;
  const vr = new Float64Array(n).fill(v0);
  const vi = new Float64Array(n);
  const jr = new Float64Array(n);
  const ji = new Float64Array(n);
  const { order, parent, r, x } = tree;
  let converged = false;
  for (let it = 0; it < 500; it++) {
    jr.fill(0);
    ji.fill(0);
    for (let q = order.length - 1; q > 0; q--) {
      const k = order[q]!;
      const p = pKw[k]! / baseKva;
      const s = qKvar[k]! / baseKva;
      const d = vr[k]! ** 2 + vi[k]! ** 2;
      // I = conj(S / V) = (p − j s) / (vr − j vi) = ((p vr + s vi) + j (p vi − s vr)) / |V|².
      jr[k]! += (p * vr[k]! + s * vi[k]!) / d;
      ji[k]! += (p * vi[k]! - s * vr[k]!) / d;
      jr[parent[k]!]! += jr[k]!;
      ji[parent[k]!]! += ji[k]!;
    }
    let change = 0;
    for (let q = 1; q < order.length; q++) {
      const k = order[q]!;
      const a = vr[parent[k]!]! - (r[k]! * jr[k]! - x[k]! * ji[k]!);
      const b = vi[parent[k]!]! - (r[k]! * ji[k]! + x[k]! * jr[k]!);
      change = Math.max(change, Math.abs(a - vr[k]!) + Math.abs(b - vi[k]!));
      if (Number.isNaN(a) || Number.isNaN(b)) change = NaN;
      vr[k] = a;
      vi[k] = b;
    }
    if (Number.isNaN(change) || !Number.isFinite(change)) break;
    if (change < 1e-12) {
      converged = true;
      break;
    }
  }
  const vm = new Float64Array(n).fill(NaN);
  let losses = 0;
  for (let q = 0; q < order.length; q++) {
    const k = order[q]!;
    vm[k] = Math.hypot(vr[k]!, vi[k]!);
    if (q > 0) losses += (jr[k]! ** 2 + ji[k]! ** 2) * r[k]!;
  }
  return { converged: converged && vm.every((v, k) => !tree.energised[k] || v > 0), vm, lossesKw: losses * baseKva };
}

const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true });
const num = (s: string | undefined): number => (s === undefined || s === '' ? NaN : Number(s));

/** events.csv in time order (the switching the self-healing operators did). */
const eventsOf = (dir: string): Row[] => readCsv(join(dir, 'events.csv')).sort((a, b) => Date.parse(a.interval_start!) - Date.parse(b.interval_start!));

/**
 * The feeder's AC power flow and losses, recomputed: per interval, this file's own sweep of voltages.csv's `net_kw`,
 * `net_kvar` (the schedule) gives `vm_ac` (within 1e-5 p.u.: written to 6 decimals, and near collapse the engine's sweep stops at a change of 1e-10 per sweep while still ~3e-6 away: fuzz --feeder seed 10052) and dso-losses' `award_kw`
 * (within half a quantum and the kW rounding of the inputs); the sweep of `metered_kw` with the same kvar gives
 * `vm_metered` and dso-losses' `actual_kw`; and each bus's `metered_kw` is Σ actual_kw of the sites metered there. A bus
 * an outage cut off has no voltage and no current. The topology: the configured branches less the outages in force, plus
 * the ties self-healing operators closed (events.csv).
 */
export function checkFeederPowerFlow(dir: string, run: RunFiles, config: ScenarioConfig, seen?: Set<string>): string[] {
  if (config.network?.model !== 'lindistflow') return [];
  const events = eventsOf(dir);
  const net = config.network;
  const feeder = (net as any).feeder ?? {};
  const v0 = feeder.substationVoltagePu ?? 1;
  const quantum = (config.market as any).quantumKw ?? 0.001;
  const busIndex = new Map(net.buses.map((b, i) => [b.id, i]));
  const rows = readCsv(join(dir, 'voltages.csv'));
  const byInterval = new Map<string, Row[]>();
  for (const r of rows) byInterval.set(r.interval_start!, [...(byInterval.get(r.interval_start!) ?? []), r]);
  const losses = new Map(run.agents.filter((r) => r.agent_id === 'dso-losses').map((r) => [r.interval_start!, r]));
  const sites = new Map<string, number>();
  for (const r of run.agents) {
    if (r.actual_kw === '' || ['aggregator', 'retailer', 'dso', 'upstream'].includes(r.kind!)) continue;
    const key = `${r.interval_start}|${r.bus}`;
    sites.set(key, (sites.get(key) ?? 0) + Math.round(Number(r.actual_kw) * 1000));
  }
  const problems: string[] = [];
  const n = net.buses.length;
  for (const [t, busRows] of byInterval) {
    const tree = treeAt(config, busIndex, Date.parse(t), closedTiesAt(events, Date.parse(t)));
    const p = new Float64Array(n);
    const pm = new Float64Array(n);
    const q = new Float64Array(n);
    for (const r of busRows) {
      const k = busIndex.get(r.bus!)!;
      p[k] = num(r.net_kw);
      pm[k] = num(r.metered_kw);
      q[k] = num(r.net_kvar);
      const metered = (sites.get(`${t}|${r.bus}`) ?? 0) / 1000;
      if (Math.abs(metered - pm[k]!) > 6e-4) problems.push(`${t} ${r.bus}: metered_kw ${r.metered_kw} ≠ Σ actual_kw of its sites ${metered}`);
      if (!tree.energised[k] && (r.vm_ac !== '' || r.vm_metered !== '')) problems.push(`${t} ${r.bus}: cut off from the substation, yet vm_ac '${r.vm_ac}', vm_metered '${r.vm_metered}'`);
    }
    const l = losses.get(t);
    // Where the engine found no AC solution (the losses stage not settled for it), this power flow must not find one either.
    const collapsed = (run.summary.books.violations ?? []).some((v: { interval: string; identity: string; detail: string }) => v.interval === t && v.identity === 'losses' && /did not converge/.test(v.detail));
    let anyDiverged = false;
    for (const [what, withdrawal, vmCol, lossCol] of [['schedule', p, 'vm_ac', 'award_kw'], ['metered', pm, 'vm_metered', 'actual_kw']] as const) {
      if (withdrawal.some((w, k) => tree.energised[k] && Number.isNaN(w))) continue;
      // Dead buses draw nothing (their sites are cut off): their withdrawal, if written, does not flow.
      const flow = powerFlow(tree, net.baseKva, v0, withdrawal.map((w, k) => (tree.energised[k] ? w : 0)), q.map((w, k) => (tree.energised[k] && Number.isFinite(w) ? w : 0)));
      const written = busRows.filter((r) => r[vmCol] !== '');
      if (!flow.converged) {
        anyDiverged = true;
        if (written.some((r) => busIndex.get(r.bus!) !== net.buses.findIndex((b) => b.reference))) problems.push(`${t} (${what}): the oracle's AC power flow does not converge (collapse), yet ${vmCol} is written`);
        if (l !== undefined && l.state === 'settled') problems.push(`${t} (${what}): past voltage collapse, yet the losses were settled (${l[lossCol]} kW)`);
        continue;
      }
      for (const r of written) {
        const k = busIndex.get(r.bus!)!;
        // The inputs are written to the watt and the var: n buses' ±0.5 W and ±0.5 var move V_k by up to Σ over its path
        // of (r + x) × n × 0.5 W ÷ base (÷ V ≥ 0.8), negligible on ordinary lines but 1.3e-4 p.u. on 20× heavy ones
        // (fuzz --feeder seeds 20131, 20179: r + x = 4.35 p.u. to the far bus, the oracle 1.1–1.8e-5 off).
        let z = 0;
        for (let j = k; tree.parent[j]! >= 0; j = tree.parent[j]!) z += Math.abs(tree.r[j]!) + Math.abs(tree.x[j]!);
        const tol = 1e-5 + (z * n * 5e-4) / net.baseKva / 0.8;
        if (Math.abs(num(r[vmCol]) - flow.vm[k]!) > tol) problems.push(`${t} ${r.bus} (${what}): ${vmCol} ${r[vmCol]}, the oracle's AC power flow ${flow.vm[k]!.toFixed(7)}`);
      }
      seen?.add(`oracle:${what}-voltages`);
      if (l === undefined || l.state !== 'settled' || l[lossCol] === '') continue;
      seen?.add(`oracle:${what}-losses`);
      // The inputs are written to the watt: each bus's ±0.5 W moves the losses by ≤ LF × 0.5 W; LF < 1.
      const tol = quantum / 2 + 5e-4 * n * 0.5 + 1e-9;
      if (Math.abs(num(l[lossCol]) - flow.lossesKw) > tol) problems.push(`${t} (${what}): dso-losses ${lossCol} ${l[lossCol]} kW, the oracle's AC losses ${flow.lossesKw.toFixed(6)} kW`);
    }
    if (collapsed) seen?.add('oracle:collapse-confirmed');
    if (collapsed && !anyDiverged) problems.push(`${t}: the books say an AC sweep did not converge, but the oracle's power flow converges for the schedule and for what flowed`);
  }
  return problems.slice(0, 8);
}

/**
 * The losses stage's money and KPIs (docs/markets.md, "Feeder losses"): per interval `transmission` is dso-losses
 * negated; dso-losses' actual = award + imbalance; its price is the substation's (the reference bus's price in
 * voltages.csv); and summary.json's kpis.losses and kpis.feeder add up its rows exactly.
 */
export function checkLossesStage(dir: string, run: RunFiles, config: ScenarioConfig): string[] {
  if (config.network?.model !== 'lindistflow') return [];
  const hours = new Decimal(config.intervalMinutes).div(60);
  const root = config.network.buses.find((b) => b.reference === true)!.id;
  const rootPrice = new Map(readCsv(join(dir, 'voltages.csv')).filter((r) => r.bus === root).map((r) => [r.interval_start!, r.price!]));
  const rootImbalance = new Map(readCsv(join(dir, 'intervals.csv')).filter((r) => r.bus === root).map((r) => [r.interval_start!, r.imbalance_price ?? '']));
  const dso = run.agents.filter((r) => r.agent_id === 'dso-losses');
  const tx = new Map(run.agents.filter((r) => r.agent_id === 'transmission').map((r) => [r.interval_start!, r]));
  const problems: string[] = [];
  let kwh = new Decimal(0);
  let beyond = new Decimal(0);
  let paid = new Decimal(0);
  let received = new Decimal(0);
  const neg = (s: string | undefined): string => (s === undefined || s === '' ? '' : new Decimal(s).neg().toString());
  const same = (a: string | undefined, b: string | undefined): boolean => (a === '' || a === undefined ? b === '' || b === undefined : b !== '' && b !== undefined && new Decimal(a).eq(b));
  for (const d of dso) {
    const t = tx.get(d.interval_start!);
    if (!t) {
      problems.push(`${d.interval_start}: dso-losses without a transmission row`);
      continue;
    }
    for (const col of ['award_kw', 'actual_kw', 'imbalance_kw', 'cost'] as const) if (!same(neg(d[col]), t[col])) problems.push(`${d.interval_start}: transmission ${col} ${t[col]} is not dso-losses' ${d[col]} negated`);
    // A stand-in price only where the market formed none at the substation (real-time, or imbalance where what flowed differed);
    // at the cap exactly where it says so; and the market's price wherever it formed one.
    const standIn = d.state === 'settled-at-lowest-offer' || d.state === 'settled-at-price-cap';
    if (standIn && rootPrice.get(d.interval_start!) !== '' && rootImbalance.get(d.interval_start!) !== '') problems.push(`${d.interval_start}: dso-losses ${d.state}, but the substation has a price ${rootPrice.get(d.interval_start!)} and an imbalance price ${rootImbalance.get(d.interval_start!)}`);
    if (d.state === 'settled-at-price-cap' && !new Decimal(d.price!).eq(config.market?.priceCapMwh ?? 3000)) problems.push(`${d.interval_start}: dso-losses settled at the price cap, but at ${d.price}`);
    if (d.state === 'settled' || standIn) {
      if (!new Decimal(d.award_kw!).plus(d.imbalance_kw || 0).eq(d.actual_kw!)) problems.push(`${d.interval_start}: dso-losses actual ${d.actual_kw} ≠ award ${d.award_kw} + imbalance ${d.imbalance_kw}`);
      const p = rootPrice.get(d.interval_start!);
      if (!standIn && p !== undefined && p !== '' && !new Decimal(p).eq(d.price!)) problems.push(`${d.interval_start}: dso-losses bought at ${d.price}, the substation's price is ${p}`);
      kwh = kwh.plus(new Decimal(d.actual_kw!).times(hours));
      beyond = beyond.plus(new Decimal(d.imbalance_kw || 0).times(hours));
    }
    if (d.cost !== '') paid = paid.plus(d.cost!);
    if (t.cost !== '') received = received.minus(t.cost!);
  }
  const k = run.summary.kpis;
  // Repeating decimals (5- and 20-minute intervals) are written rounded to 20 decimals in agents.csv (as checkMoney allows).
  const slack = new Decimal(dso.length).times('1e-20');
  const eq = (a: string, b: InstanceType<typeof Decimal>): boolean => new Decimal(a).minus(b).abs().lte(slack);
  if (k.losses) {
    if (!eq(k.losses.buyersPay, paid)) problems.push(`kpis.losses.buyersPay ${k.losses.buyersPay} ≠ Σ dso-losses cost ${paid}`);
    if (!eq(k.losses.sellersReceive, received)) problems.push(`kpis.losses.sellersReceive ${k.losses.sellersReceive} ≠ −Σ transmission cost ${received}`);
    if (Math.abs(k.losses.kwh - kwh.toNumber()) > 5e-4 + 1e-9) problems.push(`kpis.losses.kwh ${k.losses.kwh} ≠ Σ dso-losses actual × h ${kwh}`);
  }
  if (k.feeder) {
    if (k.feeder.lossesCost !== undefined && !eq(k.feeder.lossesCost, paid)) problems.push(`kpis.feeder.lossesCost ${k.feeder.lossesCost} ≠ Σ dso-losses cost ${paid}`);
    if (k.feeder.lossesBeyondScheduleKwh !== undefined && Math.abs(k.feeder.lossesBeyondScheduleKwh - beyond.toNumber()) > 5e-4 + 1e-9) problems.push(`kpis.feeder.lossesBeyondScheduleKwh ${k.feeder.lossesBeyondScheduleKwh} ≠ Σ dso-losses imbalance × h ${beyond}`);
  }
  return problems.slice(0, 8);
}

/**
 * Marginal losses (docs/markets.md, "Marginal losses in the DLMPs"): where kpis.feeder says every interval converged,
 * each energised bus's `dlmp_loss` = `dlmp_energy` × LF_k, LF_k = ∂Loss/∂p_k of this file's power flow at the
 * schedule (central differences, ±0.01 kW), within the reported gap (`marginalLossMaxGapMwh`) and the rounding of the
 * written columns; and price = energy + loss + congestion + voltage within a cent.
 */
export function checkMarginalLosses(dir: string, run: RunFiles, config: ScenarioConfig, seen?: Set<string>): string[] {
  if (config.network?.model !== 'lindistflow' || (config.network as any).feeder?.losses !== 'marginal') return [];
  const events = eventsOf(dir);
  const f = run.summary.kpis.feeder ?? {};
  const problems: string[] = [];
  const rows = readCsv(join(dir, 'voltages.csv'));
  if (rows.length > 0 && !('dlmp_loss' in rows[0]!)) return ['voltages.csv has no dlmp_loss column under feeder.losses: marginal'];
  // The parts are the LP's, written to 4 decimals; the price is rounded once to the tick (docs/clear.md, "DLMPs and their
  // parts"): half a tick apart at most (fuzz --mix --feeder seed 12558: 20 at a tick of 5, the parts 20.4543).
  const halfTick = (config.market.priceTickMwh ?? 0.01) / 2;
  for (const r of rows) {
    if (r.price === '' || r.dlmp_loss === '') continue;
    const sum = num(r.dlmp_energy) + num(r.dlmp_loss) + num(r.dlmp_congestion) + num(r.dlmp_voltage);
    if (Math.abs(sum - num(r.price)) > halfTick + 1e-4 + 2e-4) problems.push(`${r.interval_start} ${r.bus}: price ${r.price} ≠ energy + loss + congestion + voltage ${sum.toFixed(4)}`);
  }
  if (f.marginalLossUnconvergedIntervals !== 0) return problems.slice(0, 8);
  const net = config.network;
  const v0 = (net as any).feeder?.substationVoltagePu ?? 1;
  const busIndex = new Map(net.buses.map((b, i) => [b.id, i]));
  const n = net.buses.length;
  const byInterval = new Map<string, Row[]>();
  for (const r of rows) byInterval.set(r.interval_start!, [...(byInterval.get(r.interval_start!) ?? []), r]);
  const gap = Number(f.marginalLossMaxGapMwh ?? 0);
  for (const [t, busRows] of byInterval) {
    const tree = treeAt(config, busIndex, Date.parse(t), closedTiesAt(events, Date.parse(t)));
    const p = new Float64Array(n);
    const q = new Float64Array(n);
    for (const r of busRows) {
      const k = busIndex.get(r.bus!)!;
      p[k] = tree.energised[k] ? num(r.net_kw) : 0;
      q[k] = tree.energised[k] ? num(r.net_kvar) : 0;
    }
    if (p.some(Number.isNaN) || q.some(Number.isNaN)) continue;
    const base = powerFlow(tree, net.baseKva, v0, p, q);
    if (!base.converged) continue;
    const h = 0.01;
    for (const r of busRows) {
      const k = busIndex.get(r.bus!)!;
      if (!tree.energised[k] || r.dlmp_loss === '' || r.dlmp_energy === '' || tree.parent[k] === -1) continue;
      const up = Float64Array.from(p);
      const down = Float64Array.from(p);
      up[k]! += h;
      down[k]! -= h;
      const a = powerFlow(tree, net.baseKva, v0, up, q);
      const b = powerFlow(tree, net.baseKva, v0, down, q);
      if (!a.converged || !b.converged) continue;
      const lf = (a.lossesKw - b.lossesKw) / (2 * h);
      const expected = num(r.dlmp_energy) * lf;
      // The clearing's factors are those of its operating point, within the gap it reports of the dispatch's; the
      // dispatch is written to the watt (a kW step moves LF by ≈ 2r/|V|², ×0.0005) and dlmp_loss to 4 decimals.
      // On heavy lines that step is no longer small: Σ of the path's r × n buses' ±0.5 W (fuzz --feeder seed 20255: r = 1.6
      // p.u. to the bus on a 100 kVA base, 8e-4 off at λ = 62 with the gap 0). With a quantum coarser than the watt the
      // written dispatch is whole quanta, ±half a quantum from the operating point whose factors the clearing used (fuzz
      // --mix --feeder seed 12502: quantum 0.5 kW, dlmp_loss 0.5400 against 0.5358 at λ = 31, the gap 2e-4).
      const halfStepKw = Math.max(5e-4, (config.market.quantumKw ?? 0.001) / 2);
      let rPath = 0;
      for (let j = k; tree.parent[j]! >= 0; j = tree.parent[j]!) rPath += Math.abs(tree.r[j]!);
      const tol = gap + 1e-4 + Math.abs(num(r.dlmp_energy)) * Math.max(1e-5, (2 * rPath * n * halfStepKw) / net.baseKva / 0.64);
      if (num(r.dlmp_loss) !== 0) seen?.add('oracle:marginal-dlmp');
      if (Math.abs(expected - num(r.dlmp_loss)) > tol) problems.push(`${t} ${r.bus}: dlmp_loss ${r.dlmp_loss}, λ × LF = ${r.dlmp_energy} × ${lf.toFixed(7)} = ${expected.toFixed(4)} (gap reported ${gap})`);
    }
  }
  return problems.slice(0, 8);
}

/**
 * The LP keeps every bus in its band (README, "Radial feeders": a bus's own `vMinPu` / `vMaxPu`, else the feeder's
 * `voltageLimitsPu`): in each interval the LP cleared (intervals.csv: lp-dispatch, cleared), each energised bus's
 * `vm_lindistflow` lies in that band, within 1e-5 p.u. (the awards are rounded to whole quanta after the LP), plus, with a
 * quantum coarser than the watt, what rounding n buses' kW (and their kvar, up to tan φ ≤ 2 times as much) by half a
 * quantum moves a voltage on the worst path: Σ over the branches of (r + 2x) × n × ½ quantum ÷ base (fuzz --mix --feeder
 * seed 12602: quantum 0.1 kW, b1 at 1.030038 in a band to 1.03).
 */
export function checkVoltageBands(dir: string, config: ScenarioConfig, seen?: Set<string>): string[] {
  if (config.network?.model !== 'lindistflow') return [];
  const feeder = (config.network as any).feeder ?? {};
  const band = new Map(config.network.buses.map((b) => [b.id, { lo: b.vMinPu ?? feeder.voltageLimitsPu?.min ?? 0.95, hi: b.vMaxPu ?? feeder.voltageLimitsPu?.max ?? 1.05 }]));
  const cleared = new Set(readCsv(join(dir, 'intervals.csv')).filter((r) => r.mechanism === 'lp-dispatch' && r.status === 'cleared').map((r) => r.interval_start!));
  const problems: string[] = [];
  const net = config.network;
  const zMax = net.branches.reduce((z, br: any) => z + Math.abs(br.resistancePu ?? 0) + 2 * Math.abs(br.reactancePu ?? 0), 0);
  const tol = 1e-5 + (Math.max(0, (config.market.quantumKw ?? 0.001) - 0.001) / 2) * net.buses.length * zMax / net.baseKva;
  for (const r of readCsv(join(dir, 'voltages.csv'))) {
    if (!cleared.has(r.interval_start!) || r.vm_lindistflow === '' || r.vm_ac === '') continue;
    const b = band.get(r.bus!)!;
    const v = num(r.vm_lindistflow);
    seen?.add('oracle:voltage-bands');
    if (v < b.lo - tol || v > b.hi + tol) problems.push(`${r.interval_start} ${r.bus}: the LP cleared with vm_lindistflow ${r.vm_lindistflow} outside its band [${b.lo}, ${b.hi}]`);
  }
  return problems.slice(0, 8);
}

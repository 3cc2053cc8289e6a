/**
 * What `gridbid clear` runs (its definition and help: cli/commands/clear.ts): loads a case
 * file, clears it and formats the answer. Loaded only by that command: it imports the
 * market clearing, the MATPOWER readers and the LP solvers.
 *
 * `--model lindistflow` solves a MATPOWER radial feeder as a LinDistFlow OPF (DLMPs with
 * their parts, voltages; `--ac` adds the AC check): cli/commands/clearFeeder.ts. A native case
 * clears under its network's model (`model: lindistflow`, or `--model lindistflow`): on a feeder
 * as a run clears one (`clearOnFeeder`), day-ahead on the feeder's LinDistFlow grid.
 */
import { extname } from 'node:path';
import { UserError } from '../../core/errors.ts';
import { NetworkError } from '../../network/validate.ts';
import { clearNetworkDetailed } from '../../market/clearNetwork.ts';
import { settle } from '../../market/settlement.ts';
import { clearOnFeeder, feederOf, type FeederGrid } from '../../market/clearFeeder.ts';
import { feederGrid } from '../../market/feederGrid.ts';
import { matpowerOpf, type OpfProblem, readMatpowerFile, solveOpf, type OpfResult } from '../../market/lp/cases/matpower.ts';
import { clearDayAhead } from '../../market/dayAhead/clear.ts';
import { type NativeCase, type NativeDayAheadCase, readClearCaseFile } from '../../market/lp/cases/native.ts';
import { InputFileError } from '../../core/errors.ts';
import { loadSolver } from '../../market/lp/loadSolver.ts';
import type { SolverName } from '../../market/lp/solver.ts';
import type { BranchModel } from '../../network/types.ts';
import type { ClearingResult, MarketRules, OrderBook } from '../../market/types.ts';
import { acCheckJson, type AcCheckJson, feederBusesJson, feederDispatchJson, feederFlowsJson, type FeederBusJson, runFeederClear } from './clearFeeder.ts';

export interface ClearOptions {
  readonly json?: boolean;
  readonly solver: SolverName;
  readonly branchModel: BranchModel;
  readonly model?: 'dc' | 'lindistflow';
  readonly ac?: boolean;
  /** The options given on the command line rather than defaulted (commander's value source 'cli'). */
  readonly given?: ReadonlySet<'branchModel' | 'model'>;
}

/** The `--json` document (both case kinds share its shape; units differ, see `units`). */
export interface ClearJson {
  readonly case: string;
  readonly kind: 'matpower' | 'native';
  readonly solver: SolverName;
  readonly branchModel: BranchModel;
  /** MATPOWER: optimal | infeasible | unbounded | solver-error; native: cleared | infeasible | unbounded | solver-error. */
  readonly status: string;
  readonly message: string;
  /** MATPOWER: total cost, $/h; native: welfare, currency over the interval. */
  readonly objective: number | null;
  readonly units: { readonly power: 'MW' | 'kW'; readonly price: string; readonly objective: string };
  /** lindistflow: also `vm`, `components` { energy, congestion, voltage } and `reactivePrice` (FeederBusJson). */
  readonly buses: readonly ({ readonly id: number | string; readonly price: number | null } | FeederBusJson)[];
  readonly dispatch: readonly Record<string, number | string | null>[];
  /** `inService: false`: a branch out of service (status 0), flow 0, left out of the table. */
  readonly flows: readonly { readonly id: string; readonly from: number | string; readonly to: number | string; readonly flow: number | null; readonly limit: number | null; readonly shadowPrice: number | null; readonly angleShadowPrice?: number | null; readonly inService: boolean }[];
  readonly congestionRent: number | null;
  /** `--model`: dc (default) or lindistflow. */
  readonly model?: 'dc' | 'lindistflow';
  /** MATPOWER: the unit conversions the case's own code asked for and gridbid applied. */
  readonly conversions?: readonly string[];
  /**
   * MATPOWER: the isolated (type 4) buses left out of the solve, as MATPOWER leaves them out, with
   * their fixed load (MW) and the gen and branch rows (1-based) that went with them; absent when none.
   */
  readonly isolatedBuses?: readonly { readonly bus: number; readonly loadMw: number; readonly generators: readonly number[]; readonly branches: readonly number[] }[];
  /** lindistflow: buses the in-service branches do not connect to the substation. */
  readonly islandedBuses?: readonly (number | string)[];
  /** `--ac`: the AC power flow at the cleared dispatch. */
  readonly ac?: AcCheckJson;
}

/** `gridbid clear`'s action (cli/commands/clear.ts): clears the case, prints it, fails with exit code 1 when not optimal. */
export async function clearCase(file: string, opts: ClearOptions): Promise<void> {
  const out = await runClear(file, opts);
  process.stdout.write(opts.json ? `${JSON.stringify(out, null, 2)}\n` : out.kind === 'native-day-ahead' ? formatDayAheadTables(out) : formatTables(out));
  if (out.status !== 'optimal' && out.status !== 'cleared') throw new UserError(`${file}: ${out.message.startsWith(out.status) ? out.message : `${out.status}: ${out.message}`}`);
}

/** Loads, solves and reports a case; throws `UserError` for unreadable or invalid files. */
export async function runClear(file: string, opts: ClearOptions): Promise<ClearJson | DayAheadClearJson> {
  const ext = extname(file).toLowerCase();
  if (opts.ac && opts.model !== 'lindistflow' && ext === '.m') throw new UserError('--ac checks a LinDistFlow dispatch: add --model lindistflow');
  if (opts.model === 'lindistflow' && ext === '.m') {
    refuseBranchModelOnFeeder(opts);
    const mpc = readMatpowerFile(file);
    const { result, isolated, ac } = runFeederClear(mpc, await loadSolver(opts.solver), opts.ac === true);
    return {
      case: file,
      kind: 'matpower',
      solver: opts.solver,
      branchModel: opts.branchModel,
      model: 'lindistflow',
      status: result.status,
      message: result.message,
      objective: num(result.objective),
      units: { power: 'MW', price: '$/MWh', objective: '$/h' },
      buses: feederBusesJson(result),
      dispatch: feederDispatchJson(result),
      flows: feederFlowsJson(result),
      congestionRent: num(result.dispatch.congestionRentPerH),
      conversions: mpc.conversions ?? [],
      islandedBuses: result.islandedBuses,
      ...isolatedJson(isolated),
      ...(ac ? { ac } : {}),
    };
  }
  if (ext === '.m') {
    const mpc = readMatpowerFile(file);
    const opf = matpowerOpf(mpc, opts.branchModel);
    const result = solveOpf(opf, await loadSolver(opts.solver));
    return { ...matpowerJson(file, opts, result), ...(mpc.conversions && mpc.conversions.length > 0 ? { conversions: mpc.conversions } : {}), ...isolatedJson(opf.isolated) };
  }
  if (['.json', '.yaml', '.yml'].includes(ext)) {
    const c = readClearCaseFile(file);
    // A native case clears under its network's model; `--model lindistflow` makes any radial one a feeder.
    // An explicit --model dc would be overruled by the case's own model: refuse it rather than clear a feeder unasked.
    if (c.case.networkConfig.model === 'lindistflow' && opts.model === 'dc' && opts.given?.has('model')) throw new UserError(`${file}: --model dc: the case's network says model: lindistflow, which clears as a feeder; remove --model dc, or the network's model and feeder options to clear it by DC power flow`);
    const feeder = c.case.networkConfig.model === 'lindistflow' || opts.model === 'lindistflow' ? feederGrid(c.case.networkConfig, new Map()) : undefined;
    if (feeder) refuseBranchModelOnFeeder(opts, `${file}: `);
    // Feeder options on a DC clearing would be ignored: say so, as a scenario's validation does.
    if (!feeder && c.case.networkConfig.feeder) throw new UserError(`${file}: network.feeder: feeder options need model: lindistflow (in the case's network, or --model lindistflow)`);
    if (opts.ac && !feeder) throw new UserError('--ac checks a LinDistFlow dispatch: add --model lindistflow (or model: lindistflow in the case\'s network)');
    if (c.kind === 'day-ahead' && opts.ac) throw new UserError('--ac checks one interval\'s dispatch; a day-ahead case has many');
    if (c.kind === 'day-ahead' && feeder?.marginalLosses) throw new UserError(`${file}: network.feeder.losses: marginal losses are priced in real time only: the day-ahead programme on a feeder is lossless; use settled`);
    const solver = await loadSolver(opts.solver);
    try {
      if (c.kind === 'day-ahead') return dayAheadJson(file, opts, c.case, solver, feeder);
      return feeder ? nativeFeederJson(file, opts, c.case, solver, feeder) : nativeDcJson(file, opts, c.case, solver);
    } catch (err) {
      // `--model lindistflow` on a network the case did not declare a feeder (a loop): say which file.
      if (err instanceof NetworkError) throw new UserError(`${file}: --model lindistflow: ${err.message}`);
      throw err;
    }
  }
  throw new UserError(`${file}: expected a .m (MATPOWER) or .json/.yaml/.yml (native gridbid) case file`);
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The `isolatedBuses` entry of a MATPOWER case's JSON: none when no bus is type 4. */
function isolatedJson(isolated: OpfProblem['isolated']): Pick<ClearJson, 'isolatedBuses'> {
  if (isolated.length === 0) return {};
  return { isolatedBuses: isolated.map((i) => ({ bus: i.bus, loadMw: i.loadMw, generators: i.genRows, branches: i.branchRows })) };
}

/** --branch-model chooses a DC susceptance; a LinDistFlow feeder has none (it uses r and x), so the flag would change nothing. */
function refuseBranchModelOnFeeder(opts: ClearOptions, where = ''): void {
  if (opts.given?.has('branchModel')) throw new UserError(`${where}--branch-model ${opts.branchModel} sets the DC power flow's branch susceptance; a LinDistFlow feeder has none (it uses r and x): leave it out`);
}

function matpowerJson(file: string, opts: ClearOptions, r: OpfResult): ClearJson {
  return {
    case: file,
    kind: 'matpower',
    solver: opts.solver,
    branchModel: opts.branchModel,
    status: r.status,
    message: r.message,
    objective: num(r.objective),
    units: { power: 'MW', price: '$/MWh', objective: '$/h' },
    buses: r.buses.map((b) => ({ id: b.id, price: num(b.lmp) })),
    dispatch: r.generators.map((g) => ({ id: g.row, bus: g.bus, pg: num(g.pgMw), pmin: g.pminMw, pmax: g.pmaxMw, muPmin: num(g.muPmin), muPmax: num(g.muPmax) })),
    flows: r.branches.map((b) => ({ id: b.id, from: b.from, to: b.to, flow: num(b.flowMw), limit: b.limitMw, shadowPrice: num(b.shadowPrice), angleShadowPrice: num(b.angleShadowPrice), inService: b.inService })),
    congestionRent: num(r.dispatch.congestionRentPerH),
  };
}

/** One row per book segment (in book order, numbered within its bid): what it asked and what it was awarded, kW and currency/MWh. */
function segmentDispatch(book: OrderBook, awardedQuanta: ArrayLike<number>, rules: MarketRules, round: (v: number) => number) {
  const rows = [];
  const segmentOfBid = new Map<number, number>();
  for (let i = 0; i < book.size; i++) {
    const b = book.bidIndex[i]!;
    const k = segmentOfBid.get(b) ?? 0;
    segmentOfBid.set(b, k + 1);
    const bid = book.bids[b]!;
    rows.push({
      bid: bid.id,
      agent: bid.agentId,
      segment: k,
      bus: bid.bus,
      side: book.isBuy[i] ? 'buy' : 'sell',
      price: round(book.priceTicks[i]! * rules.priceTickMwh),
      quantity: round(book.quantityQuanta[i]! * rules.quantumKw),
      awarded: round(awardedQuanta[i]! * rules.quantumKw),
    });
  }
  return rows;
}

/** A native case under DC power flow as the `--json` document. */
function nativeDcJson(file: string, opts: ClearOptions, c: NativeCase, solver: Awaited<ReturnType<typeof loadSolver>>): ClearJson {
  const { result } = clearNetworkDetailed(c.book, c.network, solver, { branchModel: opts.branchModel });
  return nativeJson(file, opts, c, result, awardedRent(c.book, result));
}

/**
 * Σ_bus price × (bought − sold) over the interval, currency, at the prices and awards the result
 * reports (whole ticks and quanta): the money settlement keeps at uniform prices, exactly. The LP's
 * own rent, at its unrounded prices, differed from it (6.381 against 6.38095317 when a price of
 * 73.175 is reported as 73.17). NaN unless cleared.
 */
function awardedRent(book: OrderBook, result: ClearingResult): number {
  if (result.status !== 'cleared') return NaN;
  return settle({ ...book, rules: { ...book.rules, pricing: 'uniform' } }, result).merchandisingSurplus.toNumber();
}

/** The `--json` document of a native case's clearing `result`, with its congestion rent over the interval, currency. */
function nativeJson(file: string, opts: ClearOptions, c: NativeCase, result: ClearingResult, rent: number): ClearJson {
  const { book, network, rules } = c;
  const dispatch = segmentDispatch(book, result.awardedQuanta, rules, (v) => Number(v.toPrecision(12)));
  return {
    case: file,
    kind: 'native',
    solver: opts.solver,
    branchModel: opts.branchModel,
    status: result.status,
    message: result.message,
    objective: num(result.welfare),
    units: { power: 'kW', price: 'currency/MWh', objective: `currency over the ${book.durationH} h interval (welfare)` },
    buses: book.buses.map((id, k) => ({ id, price: num(result.busPriceMwh[k]!) })),
    dispatch,
    flows: result.flows.map((f, i) => ({
      id: f.id,
      from: network.branches[i]!.from,
      to: network.branches[i]!.to,
      flow: num(f.flowKw),
      limit: Number.isFinite(f.limitKw) ? f.limitKw : null,
      shadowPrice: num(f.shadowPriceMwh),
      inService: network.branches[i]!.inService,
    })),
    congestionRent: num(rent),
  };
}

/** A native case on a radial feeder (LinDistFlow): DLMPs with their parts, voltages, and with `--ac` the AC check. */
function nativeFeederJson(file: string, opts: ClearOptions, c: NativeCase, solver: Awaited<ReturnType<typeof loadSolver>>, grid: FeederGrid): ClearJson {
  const { book, network } = c;
  const result = clearOnFeeder(book, 'lp', network, solver, grid);
  const f = result.feeder!;
  const feeder = feederOf(network, grid);
  const at = (k: number): number => feeder.busIndex.get(book.buses[k]!) ?? -1;
  const cleared = result.status === 'cleared';
  const ac = opts.ac && cleared ? acCheckJson(feeder, f.netKw, f.netKvar, f.vmLinDistFlowPu, feeder.busIds, 'kW', grid.lineLimit) : undefined;
  return {
    // What buyers pay beyond what sellers get (lossless: the congestion and voltage rent).
    ...nativeJson(file, opts, c, result, awardedRent(book, result)),
    model: 'lindistflow',
    buses: book.buses.map((id, k) => ({
      id,
      price: num(result.busPriceMwh[k]!),
      vm: num(f.vmLinDistFlowPu[at(k)]!),
      components: { energy: num(f.energyMwh[at(k)]!), congestion: num(f.congestionMwh[at(k)]!), voltage: num(f.voltageMwh[at(k)]!), ...(f.marginalLosses ? { loss: num(f.lossMwh[at(k)]!) } : {}) },
      reactivePrice: num(f.reactivePriceMvarh[at(k)]!),
    })),
    islandedBuses: [...feeder.islanded],
    ...(ac ? { ac } : {}),
  };
}

function formatTables(r: ClearJson): string {
  const p = r.units.power;
  const fmt = (v: number | string | null | undefined, digits = 4): string => {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'string') return v;
    const s = v.toFixed(digits);
    return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
  };
  const lines: string[] = [];
  lines.push(`${r.case} (${r.kind}, solver ${r.solver}, ${r.model === 'lindistflow' ? 'LinDistFlow feeder' : `branch model ${r.branchModel}`})`);
  lines.push(`status: ${r.status}${r.message ? ` — ${r.message}` : ''}`);
  lines.push(`objective: ${fmt(r.objective)} ${r.units.objective}`);
  if (r.conversions && r.conversions.length > 0) lines.push(`unit conversions applied (the case's own code): ${r.conversions.join('; ')}`);
  if (r.isolatedBuses && r.isolatedBuses.length > 0) {
    // Their load is in no figure below: say so, with what went with them.
    const what = r.isolatedBuses.map((i) => `${i.bus} (load ${fmt(i.loadMw)} MW${i.generators.length > 0 ? `, gen ${i.generators.join(', ')}` : ''}${i.branches.length > 0 ? `, branch rows ${i.branches.join(', ')}` : ''})`);
    lines.push(`isolated buses (type 4) left out with their load, generators and branches: ${what.join('; ')}`);
  }
  if (r.islandedBuses && r.islandedBuses.length > 0) lines.push(`islanded buses (unserved): ${r.islandedBuses.join(', ')}`);
  if (r.congestionRent !== null) lines.push(`congestion rent: ${fmt(r.congestionRent)} ${r.kind === 'matpower' ? '$/h' : 'currency'}`);
  // Who was dispatched: a MATPOWER case's generators (with Q on a feeder), a native case's bids.
  const dispatchTable =
    r.kind === 'native'
      ? table(['bid', 'bus', 'side', `price (${r.units.price})`, `quantity (${p})`, `awarded (${p})`], r.dispatch.map((d) => [String(d.bid), String(d.bus), String(d.side), fmt(d.price, 2), fmt(d.quantity, 3), fmt(d.awarded, 3)]))
      : r.model === 'lindistflow'
        ? table(['gen', 'bus', `Pg (${p})`, 'Qg (Mvar)', 'Pmin', 'Pmax', 'Qmin', 'Qmax'], r.dispatch.map((d) => [String(d.id), String(d.bus), ...[d.pg, d.qg, d.pmin, d.pmax, d.qmin, d.qmax].map((v) => fmt(v))]))
        : table(['gen', 'bus', `Pg (${p})`, 'Pmin', 'Pmax', 'mu Pmin', 'mu Pmax'], r.dispatch.map((d) => [String(d.id), String(d.bus), ...[d.pg, d.pmin, d.pmax, d.muPmin, d.muPmax].map((v) => fmt(v))]));
  if (r.model === 'lindistflow') {
    // Marginal losses (a native case's network.feeder.losses: marginal): the DLMP's fourth part.
    const lossColumn = (r.buses as FeederBusJson[]).some((b) => b.components.loss !== undefined);
    const reactiveUnit = r.kind === 'matpower' ? '$/Mvarh' : 'currency/Mvarh';
    lines.push(
      '',
      table(
        ['bus', `DLMP (${r.units.price})`, 'energy', 'congestion', 'voltage', ...(lossColumn ? ['loss'] : []), `reactive (${reactiveUnit})`, 'vm (p.u.)', ...(r.ac ? ['vm AC (p.u.)'] : [])],
        (r.buses as FeederBusJson[]).map((b, k) => [String(b.id), fmt(b.price), fmt(b.components.energy), fmt(b.components.congestion), fmt(b.components.voltage), ...(lossColumn ? [fmt(b.components.loss)] : []), fmt(b.reactivePrice), fmt(b.vm, 5), ...(r.ac ? [fmt(r.ac.buses[k]!.vm, 5)] : [])]),
      ),
      '',
      dispatchTable,
    );
    if (r.ac && !r.ac.converged) {
      lines.push('', `AC check (backward/forward sweep, ${r.ac.iterations} iterations, NOT converged): no AC solution at this dispatch (past voltage collapse): no AC voltages, losses or limit checks`);
    } else if (r.ac) {
      const a = r.ac;
      lines.push(
        '',
        `AC check (backward/forward sweep, ${a.iterations} iterations): losses ${a.lossesKw!.toFixed(2)} kW, ${a.lossesKvar!.toFixed(2)} kvar; ` +
          `voltage ${a.minVm.vm!.toFixed(5)} p.u. (min, bus ${a.minVm.bus}) to ${a.maxVm.vm!.toFixed(5)} (max, bus ${a.maxVm.bus}); largest LinDistFlow error ${a.maxLinDistFlowError.pu!.toFixed(5)} p.u. at bus ${a.maxLinDistFlowError.bus}`,
        a.violations.length === 0 ? 'limits the linear model missed: none' : `limits the linear model missed:\n  ${a.violations.join('\n  ')}`,
      );
    }
  } else lines.push('', table(['bus', `price (${r.units.price})`], r.buses.map((b) => [String(b.id), fmt(b.price)])), '', dispatchTable);
  lines.push(
    '',
    table(
      ['branch', 'from', 'to', `flow (${p})`, `limit (${p})`, 'loading', `shadow (${r.units.price})`],
      r.flows.filter((f) => f.inService).map((f) => [
        f.id,
        String(f.from),
        String(f.to),
        fmt(f.flow),
        fmt(f.limit),
        f.limit && f.flow !== null ? `${((Math.abs(f.flow) / f.limit) * 100).toFixed(1)}%` : '—',
        fmt(f.shadowPrice),
      ]),
    ),
  );
  // The shadow column is the thermal limit's: a binding angle-difference limit is named here.
  const angle = r.flows.filter((f) => (f.angleShadowPrice ?? 0) > 0).map((f) => `${f.id} (shadow ${fmt(f.angleShadowPrice)} ${r.units.price})`);
  if (angle.length > 0) lines.push(`angle-difference limits binding: ${angle.join(', ')}`);
  // Out of service branches carry nothing and are not in the table: named, so none looks forgotten.
  const out = r.flows.filter((f) => !f.inService).map((f) => f.id);
  if (out.length > 0) lines.push(`out of service: ${out.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The `--json` document of a multi-interval (day-ahead) native case (docs/clear.md). */
export interface DayAheadClearJson {
  readonly case: string;
  readonly kind: 'native-day-ahead';
  /** dc, or lindistflow (the case's network model, or `--model lindistflow`): prices are then DLMPs. */
  readonly model: 'dc' | 'lindistflow';
  readonly solver: SolverName;
  readonly branchModel: BranchModel;
  /** cleared | infeasible | unbounded | solver-error, for the whole horizon. */
  readonly status: string;
  readonly message: string;
  /** Welfare over the horizon (simple bids and intertemporal valuations), currency; null unless cleared. */
  readonly objective: number | null;
  readonly units: { readonly power: 'kW'; readonly energy: 'kWh'; readonly price: 'currency/MWh'; readonly objective: string };
  readonly durationH: number;
  readonly integerRule: string;
  readonly size: { readonly rows: number; readonly cols: number; readonly nonzeros: number };
  readonly intervals: readonly {
    readonly interval: number;
    /** On a feeder (`model: lindistflow`): also the LinDistFlow voltage magnitude, p.u. */
    readonly prices: readonly { readonly bus: string; readonly price: number | null; readonly vm?: number | null }[];
    readonly dispatch: readonly { readonly bid: string; readonly agent: string; readonly segment: number; readonly bus: string; readonly side: string; readonly price: number; readonly quantity: number; readonly awarded: number }[];
    readonly flows: readonly { readonly id: string; readonly flow: number | null; readonly limit: number | null; readonly shadowPrice: number | null }[];
  }[];
  /** Per intertemporal bid, per interval: net kW (+ withdrawal, − injection) and SoC at the interval's end (storage, EV). */
  readonly schedules: readonly {
    readonly bid: string;
    readonly agent: string;
    readonly kind: string;
    readonly bus: string;
    readonly netKw: readonly (number | null)[];
    readonly socKwh: readonly (number | null)[] | null;
    readonly shortfallKwh: number | null;
    readonly value: number | null;
    readonly surplus: number | null;
  }[];
}

function dayAheadJson(file: string, opts: ClearOptions, c: NativeDayAheadCase, solver: Awaited<ReturnType<typeof loadSolver>>, grid: FeederGrid | undefined): DayAheadClearJson {
  const r = clearDayAhead(c.book, { network: c.network, solver, branchModel: opts.branchModel, ...(grid ? { feeder: feederOf(c.network, grid) } : {}) });
  // A rejected bid is an error in a case file, located like the single-interval case's.
  if (r.rejections.length > 0) throw new InputFileError(file, r.rejections.map(c.locate));
  const rules = c.book.rules;
  const round = (v: number): number | null => (Number.isFinite(v) ? Number(v.toPrecision(12)) + 0 : null);
  return {
    case: file,
    kind: 'native-day-ahead',
    model: grid ? 'lindistflow' : 'dc',
    solver: opts.solver,
    branchModel: opts.branchModel,
    status: r.status,
    message: r.message,
    objective: round(r.welfare),
    units: { power: 'kW', energy: 'kWh', price: 'currency/MWh', objective: 'currency over the horizon (welfare)' },
    durationH: c.book.horizon.durationH,
    integerRule: r.integerRule,
    size: { rows: r.size.rows, cols: r.size.cols, nonzeros: r.size.nonzeros },
    intervals: r.intervals.map((iv) => {
      const dispatch = segmentDispatch(iv.book, iv.awardedQuanta, rules, (v) => round(v)!);
      return {
        interval: iv.interval,
        prices: r.buses.map((bus, k) => ({ bus, price: round(iv.busPriceMwh[k]!), ...(iv.voltagePu ? { vm: round(iv.voltagePu[k]!) } : {}) })),
        dispatch,
        flows: iv.flows.map((f) => ({ id: f.id, flow: round(f.flowKw), limit: Number.isFinite(f.limitKw) ? f.limitKw : null, shadowPrice: round(f.shadowPriceMwh) })),
      };
    }),
    schedules: r.schedules.map((s) => ({
      bid: s.bidId,
      agent: s.agentId,
      kind: s.kind,
      bus: s.bus,
      netKw: Array.from(s.netKw, round),
      socKwh: s.socKwh ? Array.from(s.socKwh, round) : null,
      shortfallKwh: round(s.shortfallKwh),
      value: round(s.value),
      surplus: round(s.surplus),
    })),
  };
}

function formatDayAheadTables(r: DayAheadClearJson): string {
  const fmt = (v: number | null | undefined, digits = 3): string => {
    if (v === null || v === undefined) return '—';
    const s = v.toFixed(digits);
    return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
  };
  const lines: string[] = [];
  lines.push(`${r.case} (native day-ahead, ${r.intervals.length} intervals of ${r.durationH} h, solver ${r.solver}, ${r.model === 'lindistflow' ? 'LinDistFlow feeder' : `branch model ${r.branchModel}`})`);
  lines.push(`status: ${r.status}${r.message ? ` — ${r.message}` : ''}`);
  lines.push(`objective: ${fmt(r.objective, 4)} ${r.units.objective}`);
  const buses = r.intervals[0]?.prices.map((p) => p.bus) ?? [];
  lines.push('', 'prices (currency/MWh)', table(['interval', ...buses], r.intervals.map((iv) => [String(iv.interval), ...iv.prices.map((p) => fmt(p.price, 2))])));
  // A feeder's voltages are what its prices are about: the band they were cleared within.
  if (r.model === 'lindistflow') lines.push('', 'LinDistFlow voltage (p.u.)', table(['interval', ...buses], r.intervals.map((iv) => [String(iv.interval), ...iv.prices.map((p) => fmt(p.vm, 5))])));
  if (r.schedules.length > 0) {
    const ivs = r.intervals.map((iv) => String(iv.interval));
    lines.push('', 'schedules (kW: + withdrawal, − injection)', table(['bid', 'kind', 'bus', ...ivs], r.schedules.map((s) => [s.bid, s.kind, s.bus, ...s.netKw.map((v) => fmt(v))])));
    const withSoc = r.schedules.filter((s) => s.socKwh);
    if (withSoc.length > 0) lines.push('', 'state of charge at the end of each interval (kWh)', table(['bid', ...ivs], withSoc.map((s) => [s.bid, ...s.socKwh!.map((v) => fmt(v))])));
  }
  const awarded = r.intervals.flatMap((iv) => iv.dispatch.filter((d) => d.awarded !== 0).map((d) => [String(iv.interval), d.bid, d.bus, d.side, fmt(d.price, 2), fmt(d.quantity), fmt(d.awarded)]));
  lines.push('', 'awarded simple segments', table(['interval', 'bid', 'bus', 'side', 'price', 'quantity (kW)', 'awarded (kW)'], awarded));
  const flows = r.intervals.flatMap((iv) => iv.flows.map((f) => [String(iv.interval), f.id, fmt(f.flow), fmt(f.limit), fmt(f.shadowPrice, 2)]));
  if (flows.length > 0) lines.push('', table(['interval', 'branch', 'flow (kW)', 'limit (kW)', 'shadow (currency/MWh)'], flows));
  return `${lines.join('\n')}\n`;
}

/**
 * A MATPOWER distribution case (case33bw, case69, case141 …) as a LinDistFlow
 * optimal power flow, and its AC check. Reads the same data as the DC-OPF
 * (market/lp/cases/matpower.ts, unit conversions applied) and adds what a radial
 * feeder needs:
 *
 * - bus VMIN/VMAX as voltage limits; the substation (type-3 bus) held at its
 *   generator's voltage set point VG (1 p.u. when it has none);
 * - fixed withdrawals Pd + Gs (kW) and Qd − Bs (kvar), shunts at 1 p.u.;
 * - each in-service generator's reactive output a decision within [Qmin, Qmax] at
 *   no cost (fixed when Qmin = Qmax); active costs as in the DC-OPF (gencost type 2
 *   linear or quadratic, type 1 piecewise linear);
 * - RATE_A as |P| ≤ limit (or, with `lineLimit: 'apparent'`, the polygon of |S| ≤ limit);
 * - out-of-service branches (case33bw's five ties) kept in the network as open switches.
 *
 * Problems are reported with the file and line: a loop among the in-service
 * branches, a branch with r = x = 0, VMIN above VMAX, a transformer tap other than 0 or 1.
 */
import { InputFileError, type InputIssue } from '../../../core/errors.ts';
import { acSweep, type AcSweepResult } from '../../../network/acSweep.ts';
import { linDistFlow } from '../../../network/linDistFlow.ts';
import { type RadialFeeder, radialFeeder } from '../../../network/radial.ts';
import { createNetwork, NetworkError } from '../../../network/validate.ts';
import { dispatchFeeder, type FeederDispatchResult, type FeederProblem } from '../feederDispatch.ts';
import type { LineLimitForm } from '../linDistFlowBlock.ts';
import type { LpSolver } from '../solver.ts';
import { type MatpowerCase, matpowerOpf, type OpfProblem } from './matpower.ts';

// MATPOWER columns (0-based).
const BUS_TYPE = 1, PD = 2, QD = 3, GS = 4, BS = 5, VMAX = 11, VMIN = 12;
const GEN_BUS = 0, QMAX = 3, QMIN = 4, VG = 5, GEN_STATUS = 7;
const BR_R = 2, BR_X = 3, BR_STATUS = 10;
const REF = 3;

export interface FeederOpfOptions {
  readonly lineLimit?: LineLimitForm;
  readonly polygonSides?: number;
}

export interface FeederOpf {
  readonly dc: OpfProblem;
  readonly feeder: RadialFeeder;
  readonly problem: FeederProblem;
  /** Per in-service generator (the DC-OPF's order): reactive limits, Mvar. */
  readonly qLimitsMvar: readonly { readonly qmin: number; readonly qmax: number }[];
}

export function matpowerFeederOpf(mpc: MatpowerCase, opts: FeederOpfOptions = {}): FeederOpf {
  const issues: InputIssue[] = [];
  const lineOf = (name: 'bus' | 'branch' | 'gen', r: number): { line?: number } => (mpc.lines[name][r] !== undefined ? { line: mpc.lines[name][r] } : {});
  mpc.branch.forEach((br, r) => {
    if (br[BR_STATUS] !== 0 && br[BR_R] === 0 && br[BR_X] === 0)
      issues.push({ path: `branch[${r + 1}]`, ...lineOf('branch', r), message: `branch ${br[0]}-${br[1]} has r = x = 0: no impedance, so no voltage drop to model (merge its buses, or set its status to 0)` });
  });
  mpc.bus.forEach((b, r) => {
    if (b.length > VMIN && b[BUS_TYPE] !== REF && !(b[VMIN]! <= b[VMAX]!)) issues.push({ path: `bus[${r + 1}]`, ...lineOf('bus', r), message: `bus ${b[0]}: VMIN ${b[VMIN]} p.u. is above VMAX ${b[VMAX]} p.u.` });
  });
  if (issues.length > 0) throw new InputFileError(mpc.file, issues);
  const dc = matpowerOpf(mpc, 'matpower');
  const rowOfBus = new Map(mpc.bus.map((b, r) => [b[0]!, r]));
  const refRow = mpc.bus.findIndex((b) => b[BUS_TYPE] === REF);
  const refGen = mpc.gen.find((g) => g[GEN_BUS] === mpc.bus[refRow]?.[0] && g[GEN_STATUS]! > 0);
  const vSet = refGen?.[VG] ?? 1;
  const network = createNetwork(
    {
      ...dc.network,
      buses: dc.network.buses.map((b) => {
        const row = mpc.bus[rowOfBus.get(Number(b.id))!]!;
        return row.length > VMIN && !b.reference ? { ...b, vMinPu: row[VMIN]!, vMaxPu: row[VMAX]! } : { ...b };
      }),
    },
    { allowNegativeReactance: true },
  );
  let feeder: RadialFeeder;
  try {
    feeder = radialFeeder(network, { substationVoltagePu: vSet });
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    throw new InputFileError(
      mpc.file,
      err.issues.map((i) => {
        const [what, index] = i.path;
        const row = what === 'branches' && typeof index === 'number' ? dc.branchRows[index]! - 1 : what === 'buses' && typeof index === 'number' ? rowOfBus.get(dc.busNumbers[index]!)! : -1;
        return { path: row >= 0 ? `${what === 'branches' ? 'branch' : 'bus'}[${row + 1}]` : i.element, ...(row >= 0 ? lineOf(what === 'branches' ? 'branch' : 'bus', row) : {}), message: i.message.replace('network model lindistflow', '--model lindistflow').replace('inService: false, a normally-open tie', 'status 0: a normally-open tie').replace('or use model dc', 'or use --model dc').replace('set tapRatio to 1', 'set TAP to 0') };
      }),
    );
  }
  const kvar = new Float64Array(feeder.busCount);
  dc.busNumbers.forEach((id, k) => {
    const row = mpc.bus[rowOfBus.get(id)!]!;
    kvar[k] = (row[QD]! - row[BS]!) * 1000;
  });
  void GS; // Pd + Gs is in the DC-OPF's fixed load already.
  void PD;
  const gens = mpc.gen.filter((g) => g[GEN_STATUS]! > 0 && !dc.case.bus.some((b) => b[0] === g[GEN_BUS] && b[BUS_TYPE] === 4));
  const busIndex = new Map(dc.busNumbers.map((b, k) => [b, k]));
  const qLimitsMvar = gens.map((g) => ({ qmin: g[QMIN]!, qmax: g[QMAX]! }));
  const problem: FeederProblem = {
    feeder,
    unitKw: 1000,
    offers: dc.problem.offers,
    ...(dc.problem.groups ? { groups: dc.problem.groups } : {}),
    fixedLoadKw: dc.problem.fixedLoadKw!,
    fixedLoadKvar: kvar,
    constantCostPerH: dc.problem.constantCostPerH ?? 0,
    reactiveSources: {
      count: gens.length,
      bus: Int32Array.from(gens, (g) => busIndex.get(g[GEN_BUS]!)!),
      lowerKvar: Float64Array.from(qLimitsMvar, (q) => Math.min(q.qmin, q.qmax) * 1000),
      upperKvar: Float64Array.from(qLimitsMvar, (q) => Math.max(q.qmin, q.qmax) * 1000),
    },
    block: { lineLimit: opts.lineLimit ?? 'active', ...(opts.polygonSides ? { polygonSides: opts.polygonSides } : {}), substationReactive: false },
  };
  return { dc, feeder, problem, qLimitsMvar };
}

export interface FeederOpfBus {
  readonly id: number;
  /** $/MWh: the DLMP and its parts (energy + congestion + voltage = price). */
  readonly price: number;
  readonly components: { readonly energy: number; readonly congestion: number; readonly voltage: number };
  /** $/Mvarh. */
  readonly reactivePrice: number;
  /** LinDistFlow voltage magnitude, p.u. */
  readonly vm: number;
  readonly vmin: number;
  readonly vmax: number;
}

export interface FeederOpfResult {
  readonly status: FeederDispatchResult['status'];
  readonly message: string;
  /** $/h, constant terms included; NaN unless optimal. */
  readonly objective: number;
  readonly buses: readonly FeederOpfBus[];
  readonly generators: readonly { readonly row: number; readonly bus: number; readonly pgMw: number; readonly qgMvar: number; readonly pminMw: number; readonly pmaxMw: number; readonly qminMvar: number; readonly qmaxMvar: number; readonly muPmin: number; readonly muPmax: number }[];
  readonly branches: readonly { readonly id: string; readonly row: number; readonly from: number; readonly to: number; readonly inService: boolean; readonly flowMw: number; readonly flowMvar: number; readonly limitMw: number | null; readonly shadowPrice: number }[];
  readonly islandedBuses: readonly number[];
  readonly dispatch: FeederDispatchResult;
}

export function solveFeederOpf(f: FeederOpf, solver: LpSolver): FeederOpfResult {
  const res = dispatchFeeder(f.problem, solver);
  const { feeder } = f;
  const r = res.feeder;
  const branchFlowMvar = new Float64Array(feeder.network.branches.length);
  for (let k = 0; k < feeder.busCount; k++) if (feeder.parentBranch[k]! >= 0) branchFlowMvar[feeder.parentBranch[k]!] = (feeder.orientation[k]! * r.qFlowKvar[k]!) / 1000;
  return {
    status: res.status,
    message: res.message,
    objective: -res.welfarePerH,
    buses: f.dc.busNumbers.map((id, k) => ({
      id,
      price: r.priceMwh[k]!,
      components: { energy: r.energyMwh[k]!, congestion: r.congestionMwh[k]!, voltage: r.voltageMwh[k]! },
      reactivePrice: r.reactivePriceMvarh[k]!,
      vm: r.vmPu[k]!,
      vmin: feeder.vMinPu[k]!,
      vmax: feeder.vMaxPu[k]!,
    })),
    generators: f.dc.generators.map((g, i) => ({
      row: g.row,
      bus: g.bus,
      pgMw: res.groupKw[i]! / 1000,
      qgMvar: r.sourceKvar[i]! / 1000,
      pminMw: g.pminMw,
      pmaxMw: g.pmaxMw,
      qminMvar: f.qLimitsMvar[i]!.qmin,
      qmaxMvar: f.qLimitsMvar[i]!.qmax,
      muPmin: res.groupLowerDualMwh[i]!,
      muPmax: res.groupUpperDualMwh[i]!,
    })),
    branches: feeder.network.branches.map((br, i) => ({
      id: br.id,
      row: f.dc.branchRows[i]!,
      from: Number(br.from),
      to: Number(br.to),
      inService: br.inService,
      flowMw: br.inService ? res.flowKw[i]! / 1000 : 0,
      flowMvar: br.inService ? branchFlowMvar[i]! : 0,
      limitMw: Number.isFinite(br.limitKw) ? br.limitKw / 1000 : null,
      shadowPrice: br.inService ? res.flowShadowMwh[i]! : 0,
    })),
    islandedBuses: feeder.islanded.map(Number),
    dispatch: res,
  };
}

/** Net withdrawals per bus (kW, kvar) of a solved feeder OPF: fixed loads minus generation. */
export function feederWithdrawals(f: FeederOpf, res: FeederDispatchResult): { kw: Float64Array; kvar: Float64Array } {
  const kw = Float64Array.from(f.problem.fixedLoadKw!);
  const kvar = Float64Array.from(f.problem.fixedLoadKvar!);
  const { offers } = f.problem;
  for (let j = 0; j < offers.count; j++) kw[offers.bus[j]!]! += (offers.isBuy[j] ? 1 : -1) * res.quantityKw[j]!;
  const src = f.problem.reactiveSources!;
  for (let s = 0; s < src.count; s++) kvar[src.bus[s]!]! -= res.feeder.sourceKvar[s]!;
  return { kw, kvar };
}

/** The case's loads at the substation's set point, without any dispatch: LinDistFlow and the AC sweep (the refcases' reference figures). */
export function feederPowerFlow(f: FeederOpf): { linDistFlow: ReturnType<typeof linDistFlow>; ac: AcSweepResult } {
  const kw = f.problem.fixedLoadKw!;
  const kvar = f.problem.fixedLoadKvar!;
  return { linDistFlow: linDistFlow(f.feeder, kw, kvar), ac: acSweep(f.feeder, kw, kvar) };
}

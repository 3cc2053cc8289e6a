/**
 * `gridbid clear <case.m> --model lindistflow [--ac] [--json]`: a MATPOWER
 * distribution case as a LinDistFlow OPF (market/lp/cases/matpowerFeeder.ts):
 * objective, per bus the DLMP with its energy / congestion / voltage parts, the
 * reactive price and the voltage magnitude; generators' P and Q; branch P and Q.
 * `--ac` adds the AC power flow (backward/forward sweep) at the cleared dispatch:
 * actual voltages, losses, the largest LinDistFlow-vs-AC voltage error, and every
 * limit the linear model missed.
 */
import { acSweep } from '../../network/acSweep.ts';
import { feederWithdrawals, type FeederOpfResult, matpowerFeederOpf, solveFeederOpf } from '../../market/lp/cases/matpowerFeeder.ts';
import type { MatpowerCase, OpfProblem } from '../../market/lp/cases/matpower.ts';
import type { LpSolver } from '../../market/lp/solver.ts';
import type { LineLimitForm } from '../../market/lp/linDistFlowBlock.ts';
import type { RadialFeeder } from '../../network/radial.ts';

export interface FeederBusJson {
  readonly id: number | string;
  /** DLMP, $/MWh; null when not defined (islanded, or not optimal). */
  readonly price: number | null;
  /** LinDistFlow voltage magnitude, p.u. */
  readonly vm: number | null;
  /** With `network.feeder.losses: marginal` (native cases) also `loss`, λ · ∂Loss/∂p. */
  readonly components: { readonly energy: number | null; readonly congestion: number | null; readonly voltage: number | null; readonly loss?: number | null };
  /** $/Mvarh. */
  readonly reactivePrice: number | null;
}

export interface AcCheckJson {
  readonly converged: boolean;
  readonly iterations: number;
  /** Losses, extremes and errors: null (and bus '') when the sweep did not converge: its last iterate is no measurement. */
  readonly lossesKw: number | null;
  readonly lossesKvar: number | null;
  readonly minVm: { readonly bus: number | string; readonly vm: number | null };
  readonly maxVm: { readonly bus: number | string; readonly vm: number | null };
  /** max_k |vm_lindistflow − vm_ac|, p.u., and where. */
  readonly maxLinDistFlowError: { readonly bus: number | string; readonly pu: number | null };
  readonly buses: readonly { readonly id: number | string; readonly vm: number | null }[];
  /** Limits the AC flow breaks although the LinDistFlow dispatch kept them. */
  readonly violations: readonly string[];
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function runFeederClear(mpc: MatpowerCase, solver: LpSolver, ac: boolean): { result: FeederOpfResult; isolated: OpfProblem['isolated']; ac?: AcCheckJson } {
  const opf = matpowerFeederOpf(mpc);
  const result = solveFeederOpf(opf, solver);
  const isolated = opf.dc.isolated;
  if (!ac || result.status !== 'optimal') return { result, isolated };
  const { kw, kvar } = feederWithdrawals(opf, result.dispatch);
  // MATPOWER's RATE_A is an MVA rating: the AC check holds |S| to it, whatever form the LP's limit took.
  return { result, isolated, ac: acCheckJson(opf.feeder, kw, kvar, result.dispatch.feeder.vmPu, opf.dc.busNumbers, 'MW', 'apparent') };
}

/**
 * The AC power flow (backward/forward sweep) at a cleared dispatch's net withdrawals (kW, kvar per
 * bus) against its LinDistFlow voltages `vmLinDistFlow`: voltages, losses, the largest linear-model
 * error, and every voltage band or branch limit the AC flow breaks; buses named by `ids`.
 */
export function acCheckJson(
  f: RadialFeeder,
  kw: ArrayLike<number>,
  kvar: ArrayLike<number>,
  vmLinDistFlow: ArrayLike<number>,
  ids: readonly (number | string)[],
  power: 'MW' | 'kW',
  limitOn: LineLimitForm,
): AcCheckJson {
  const sweep = acSweep(f, kw, kvar);
  if (!sweep.converged) {
    // Past voltage collapse the sweep can stop on finite numbers (oscillating for its 100 iterations): they are no
    // voltages, losses or flows, so none are reported, and no limit is checked against them; the substation keeps its set point.
    return {
      converged: false,
      iterations: sweep.iterations,
      lossesKw: null,
      lossesKvar: null,
      minVm: { bus: '', vm: null },
      maxVm: { bus: '', vm: null },
      maxLinDistFlowError: { bus: '', pu: null },
      buses: ids.map((id, k) => ({ id, vm: k === f.root ? num(sweep.vmPu[k]!) : null })),
      violations: [`the sweep did not converge in ${sweep.iterations} iterations: no AC solution at this dispatch (past voltage collapse), so no AC voltages, losses or limit checks`],
    };
  }
  const scale = power === 'MW' ? 1000 : 1;
  // A limit on apparent power is held to |S| at the sending end (MVA, kVA), one on active power to |P|.
  const unit = limitOn === 'apparent' ? (power === 'MW' ? 'MVA' : 'kVA') : power;
  let lo = -1;
  let hi = -1;
  let err = -1;
  let errPu = 0;
  const violations: string[] = [];
  for (const k of f.order) {
    const v = sweep.vmPu[k]!;
    if (lo < 0 || v < sweep.vmPu[lo]!) lo = k;
    if (hi < 0 || v > sweep.vmPu[hi]!) hi = k;
    const e = Math.abs(vmLinDistFlow[k]! - v);
    if (e > errPu) [err, errPu] = [k, e];
    if (k === f.root) continue;
    if (v < f.vMinPu[k]! - 1e-9) violations.push(`bus ${ids[k]}: voltage ${v.toFixed(5)} p.u. below vmin ${f.vMinPu[k]} (LinDistFlow ${vmLinDistFlow[k]!.toFixed(5)})`);
    if (v > f.vMaxPu[k]! + 1e-9) violations.push(`bus ${ids[k]}: voltage ${v.toFixed(5)} p.u. above vmax ${f.vMaxPu[k]} (LinDistFlow ${vmLinDistFlow[k]!.toFixed(5)})`);
    const limit = f.limitKw[k]!;
    const flow = limitOn === 'apparent' ? Math.hypot(sweep.pKw[k]!, sweep.qKvar[k]!) : Math.abs(sweep.pKw[k]!);
    if (Number.isFinite(limit) && flow > limit * (1 + 1e-9)) {
      const br = f.network.branches[f.parentBranch[k]!]!;
      violations.push(`branch ${br.id}: ${(flow / scale).toFixed(4)} ${unit} above its ${(limit / scale).toFixed(4)} ${unit} limit`);
    }
  }
  return {
    converged: true,
    iterations: sweep.iterations,
    lossesKw: sweep.lossesKw,
    lossesKvar: sweep.lossesKvar,
    minVm: { bus: ids[lo]!, vm: sweep.vmPu[lo]! },
    maxVm: { bus: ids[hi]!, vm: sweep.vmPu[hi]! },
    maxLinDistFlowError: { bus: ids[Math.max(0, err)]!, pu: errPu },
    buses: ids.map((id, k) => ({ id, vm: num(sweep.vmPu[k]!) })),
    violations,
  };
}

export function feederBusesJson(r: FeederOpfResult): FeederBusJson[] {
  return r.buses.map((b) => ({
    id: b.id,
    price: num(b.price),
    vm: num(b.vm),
    components: { energy: num(b.components.energy), congestion: num(b.components.congestion), voltage: num(b.components.voltage) },
    reactivePrice: num(b.reactivePrice),
  }));
}

export function feederDispatchJson(r: FeederOpfResult): Record<string, number | string | null>[] {
  return r.generators.map((g) => ({ id: g.row, bus: g.bus, pg: num(g.pgMw), qg: num(g.qgMvar), pmin: g.pminMw, pmax: g.pmaxMw, qmin: g.qminMvar, qmax: g.qmaxMvar, muPmin: num(g.muPmin), muPmax: num(g.muPmax) }));
}

export function feederFlowsJson(r: FeederOpfResult): { id: string; from: number; to: number; flow: number | null; flowMvar: number | null; limit: number | null; shadowPrice: number | null; inService: boolean }[] {
  return r.branches.map((b) => ({ id: b.id, from: b.from, to: b.to, flow: num(b.flowMw), flowMvar: num(b.flowMvar), limit: b.limitMw, shadowPrice: num(b.shadowPrice), inService: b.inService }));
}

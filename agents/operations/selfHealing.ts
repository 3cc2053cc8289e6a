/**
 * Self-healing of a radial feeder (FLISR: fault location, isolation and service
 * restoration), for an operator with `selfHealing:` on a `lindistflow` network.
 *
 * - **Isolation.** A `line-outage` fault is a fault on that branch: the switches at
 *   its two ends open (every branch of the feeder is taken to have them, as in Baran
 *   & Wu's reconfiguration studies), so the faulted section is the branch itself.
 *   Everything downstream of it loses supply at once.
 * - **Restoration**, `restoreAfterMinutes` after the fault (from the first interval
 *   that starts then or later): the healthy de-energised buses are re-supplied through
 *   the normally-open ties — the branches out of service in the scenario's network.
 *   The rule, greedy and deterministic: among the ties with one end energised and the
 *   other de-energised, close the one that restores the most load (kW, at each bus's
 *   last supplied load) while the AC power flow of the resulting feeder keeps every bus
 *   inside its voltage band and every branch within its limit; ties broken by the
 *   higher lowest voltage, then by tie id. Repeat until no tie restores more. (Closing
 *   one tie into a de-energised part keeps the feeder radial; a second tie into the
 *   same part would close a loop, so it is never a candidate.) A bus no tie can supply
 *   within limits stays islanded: its demand is unserved and reported.
 * - **Repair** (the fault's `until`): the normal configuration returns.
 * - **A faulted tie** (a `line-outage` on a normally-open branch) is no candidate while
 *   its fault is in force, and a tie a restoration closed that faults later opens with its
 *   fault (its section dark again) and closes again at its repair if the restoration it
 *   served still holds: a switch never closes onto a faulted branch.
 *
 * The configuration chosen for a fault is kept until its repair (operators do not
 * reconfigure every interval). Pure arithmetic on the network values; no clock.
 */
import type { SimTime } from '../../core/time.ts';
import { acSweep } from '../../network/acSweep.ts';
import { radialFeeder, type FeederLimits } from '../../network/radial.ts';
import type { Network } from '../../network/types.ts';
import { findIslandedBuses, withBranchInService } from '../../network/validate.ts';

export interface SwitchingEvent {
  readonly type: 'FAULT_ISOLATED' | 'TIE_CLOSED' | 'SECTION_UNSERVED' | 'NORMAL_CONFIGURATION';
  readonly target: string;
  readonly detail: string;
}

export interface Restoration {
  readonly branch: string;
  readonly faultAt: SimTime;
  /** When the ties closed (undefined: none could, or the fault was repaired first). */
  readonly restoredAt?: SimTime;
  readonly ties: readonly string[];
  /** Buses still without supply after restoration. */
  readonly unserved: readonly string[];
}

export class SelfHealing {
  /** Last supplied withdrawal per bus (kW, kvar): the loads a restoration must carry. */
  private readonly loadKw: Float64Array;
  private readonly loadKvar: Float64Array;
  private readonly chosen = new Map<string, { ties: string[]; unserved: string[] }>();
  readonly restorations: Restoration[] = [];

  constructor(
    private readonly base: Network,
    private readonly limits: FeederLimits,
    private readonly restoreAfterMs: number,
  ) {
    this.loadKw = new Float64Array(base.buses.length);
    this.loadKvar = new Float64Array(base.buses.length);
  }

  /** Records the supplied withdrawals of an interval (energised buses only keep their last load). */
  record(network: Network, netKw: ArrayLike<number>, netKvar: ArrayLike<number>): void {
    const out = new Set(findIslandedBuses(network.buses, network.branches, network.referenceBus));
    network.buses.forEach((b, k) => {
      if (out.has(b.id)) return;
      this.loadKw[k] = netKw[k]!;
      this.loadKvar[k] = netKvar[k]!;
    });
  }

  /**
   * The configuration in force at `t`, given the network with its faulted branches out
   * (`faults`: branch and fault start, those in force now), and the switching events of `t`.
   */
  apply(t: SimTime, network: Network, faults: readonly { readonly branch: string; readonly at: SimTime }[], events: SwitchingEvent[]): Network {
    let net = network;
    // Branches faulted now, ties among them: none may be closed (fuzz --feeder seed 48009 closed a tie under its own outage; --mix --feeder seed 12823 too, audit A-fuzz4).
    const faulted = new Set(faults.map((f) => f.branch));
    for (const f of faults) {
      const key = `${f.branch}@${f.at}`;
      if (t === f.at) {
        const dark = findIslandedBuses(net.buses, net.branches, net.referenceBus);
        events.push({ type: 'FAULT_ISOLATED', target: f.branch, detail: `switches at both ends opened; ${dark.length} bus(es) without supply: ${dark.join(', ')}` });
      }
      if (t < f.at + this.restoreAfterMs) continue;
      let plan = this.chosen.get(key);
      if (!plan) {
        plan = this.search(net, faulted);
        this.chosen.set(key, plan);
        this.restorations.push({ branch: f.branch, faultAt: f.at, ...(plan.ties.length > 0 ? { restoredAt: t } : {}), ties: plan.ties, unserved: plan.unserved });
        for (const tie of plan.ties) events.push({ type: 'TIE_CLOSED', target: tie, detail: `restores supply around the fault on ${f.branch}` });
        if (plan.unserved.length > 0) events.push({ type: 'SECTION_UNSERVED', target: f.branch, detail: `no tie can supply ${plan.unserved.join(', ')} within voltage and thermal limits: demand unserved until repair` });
      }
      for (const tie of plan.ties) if (!faulted.has(tie)) net = withBranchInService(net, tie, true, { allowIslands: true });
    }
    return net;
  }

  /** Ends the faults repaired at `t`: the normal configuration returns. */
  repaired(branch: string, at: SimTime, events: SwitchingEvent[]): void {
    const key = `${branch}@${at}`;
    const plan = this.chosen.get(key);
    if (plan && plan.ties.length > 0) events.push({ type: 'NORMAL_CONFIGURATION', target: branch, detail: `repaired; tie(s) ${plan.ties.join(', ')} reopened` });
    const r = this.restorations.find((x) => x.branch === branch && x.faultAt === at);
    if (!r) this.restorations.push({ branch, faultAt: at, ties: [], unserved: [] });
  }

  /** The greedy tie search of the module comment. */
  private search(network: Network, faulted: ReadonlySet<string>): { ties: string[]; unserved: string[] } {
    let net = network;
    const ties: string[] = [];
    const tieIds = this.base.branches.filter((b) => !b.inService && !faulted.has(b.id)).map((b) => b.id);
    for (;;) {
      const dark = new Set(findIslandedBuses(net.buses, net.branches, net.referenceBus));
      if (dark.size === 0) break;
      let best: { id: string; kw: number; vmin: number; net: Network } | undefined;
      for (const id of tieIds) {
        const br = net.branches.find((b) => b.id === id)!;
        if (br.inService || dark.has(br.from) === dark.has(br.to)) continue;
        const trial = withBranchInService(net, id, true, { allowIslands: true });
        const check = this.feasible(trial);
        if (!check) continue;
        let kw = 0;
        const still = new Set(findIslandedBuses(trial.buses, trial.branches, trial.referenceBus));
        trial.buses.forEach((b, k) => {
          if (dark.has(b.id) && !still.has(b.id)) kw += Math.max(0, this.loadKw[k]!);
        });
        if (!best || kw > best.kw + 1e-9 || (Math.abs(kw - best.kw) <= 1e-9 && (check.vmin > best.vmin + 1e-12 || (Math.abs(check.vmin - best.vmin) <= 1e-12 && id < best.id)))) best = { id, kw, vmin: check.vmin, net: trial };
      }
      if (!best) break;
      ties.push(best.id);
      net = best.net;
    }
    return { ties, unserved: findIslandedBuses(net.buses, net.branches, net.referenceBus) };
  }

  /** The AC flow of `net` at the recorded loads within every voltage band and branch limit: its lowest voltage; else undefined. */
  private feasible(net: Network): { vmin: number } | undefined {
    const f = radialFeeder(net, this.limits);
    const ac = acSweep(f, this.loadKw, this.loadKvar);
    if (!ac.converged) return undefined;
    let vmin = Infinity;
    for (const k of f.order) {
      const v = ac.vmPu[k]!;
      vmin = Math.min(vmin, v);
      if (k === f.root) continue;
      if (v < f.vMinPu[k]! - 1e-9 || v > f.vMaxPu[k]! + 1e-9) return undefined;
      if (Math.abs(ac.pKw[k]!) > f.limitKw[k]! * (1 + 1e-9)) return undefined;
    }
    return { vmin };
  }
}

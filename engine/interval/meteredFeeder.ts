/**
 * The AC check of what a radial feeder carried (`network.model: lindistflow`): the backward/forward
 * sweep of the metered net withdrawals, beside the clearing's sweep of the cleared dispatch.
 *
 * Why a second sweep. The clearing's AC check (market/clearFeeder.ts) is of the schedule: every
 * party exactly at its award. What the sites then do differs: an operator's command changes what a
 * site does, never its position (a curtailment relieving a low voltage shows only in the meters);
 * a site on its own control, a late command on a plane, a crash, forecast error — each moves the
 * flows away from the schedule. So `vm_ac` says what the market expected the voltages to be, and
 * this sweep what they were: the voltages a customer saw, the losses the substation delivered.
 *
 * Its inputs. Active power: each bus's Σ of its sites' physical meters (the ledger's, not the
 * MDMS's: a read lost on a plane does not change what flowed); an intermediary has no meter of its
 * own (its members' and customers' meters count) and a site left out after a crash (its load
 * unknown) counts 0. Reactive power: the schedule's, per bus (`FeederOutcome.netKvar`: the buys at
 * their power factors less the inverters' cleared Q): the meters read active energy only, as AMI
 * interval meters do, so the sweep takes each bus's reactive withdrawal as cleared. Where nothing
 * deviated the metered withdrawals equal the cleared ones and the two sweeps agree exactly.
 *
 * Pure: reads the feeder, the clearing's outcome and the meters.
 */
import { acSweep } from '../../network/acSweep.ts';
import type { RadialFeeder } from '../../network/radial.ts';
import type { FeederOutcome } from '../../market/types.ts';

export interface MeteredFeeder {
  /** Per bus, in `FeederOutcome.busIds`' order: the metered net withdrawal, kW (+ consumption). */
  readonly netKw: Float64Array;
  /** Per bus: the AC voltage magnitude of the metered withdrawals, p.u. (NaN where islanded, or where the sweep did not converge). */
  readonly vmPu: Float64Array;
  readonly converged: boolean;
  /** AC series losses of the metered withdrawals, kW (NaN when the sweep did not converge). */
  readonly lossesKw: number;
  /** Active power the substation sent into the feeder, kW: Σ metered net withdrawal downstream + `lossesKw` (NaN when the sweep did not converge). */
  readonly substationImportKw: number;
  /** Buses whose metered AC voltage is outside their band (NaN when the sweep did not converge: not assessed). */
  readonly voltageViolations: number;
}

/**
 * The metered sweep: `partyNetKw` per party (NaN: no meter of its own), `busOf` each party's index in
 * `buses` (the run's bus ids). Example (one line r = 0.02 p.u. on 100 kVA, a 100 kW load that a
 * command cut to 50 kW): the clearing's sweep carries 100 kW, this one 50 kW, so its far-end voltage
 * is the higher and its losses about a quarter.
 */
export function meteredFeeder(feeder: RadialFeeder, cleared: FeederOutcome, partyNetKw: ArrayLike<number>, busOf: ArrayLike<number>, buses: readonly string[]): MeteredFeeder {
  const n = cleared.busIds.length;
  const feederIndexOf = new Map<string, number>();
  cleared.busIds.forEach((id, k) => feederIndexOf.set(id, k));
  const atRunBus = buses.map((id) => feederIndexOf.get(id) ?? -1);
  const netKw = new Float64Array(n);
  for (let i = 0; i < partyNetKw.length; i++) {
    const kw = partyNetKw[i]!;
    const k = atRunBus[busOf[i]!]!;
    if (Number.isNaN(kw) || k < 0) continue;
    netKw[k]! += kw;
  }
  const ac = acSweep(feeder, netKw, cleared.netKvar);
  let violations = 0;
  let importKw = 0;
  if (ac.converged) {
    for (const k of feeder.order) {
      if (k === feeder.root) continue;
      if (feeder.parent[k] === feeder.root) importKw += ac.pKw[k]!;
      const v = ac.vmPu[k]!;
      if (v < feeder.vMinPu[k]! - 1e-9 || v > feeder.vMaxPu[k]! + 1e-9) violations++;
    }
  }
  return {
    netKw,
    vmPu: ac.converged ? ac.vmPu : new Float64Array(n).fill(NaN),
    converged: ac.converged,
    lossesKw: ac.converged ? ac.lossesKw : NaN,
    substationImportKw: ac.converged ? importKw : NaN,
    voltageViolations: ac.converged ? violations : NaN,
  };
}

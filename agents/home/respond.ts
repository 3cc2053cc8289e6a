/**
 * A home's answer to an operator's `DISPATCH_SETPOINT` (agents/types.ts), or to an
 * `IMPORT_CAPACITY_LIMIT` as the reduction down to the cap (agents/commandResponse.ts): a pure
 * function of its needs this interval and its room.
 *
 * Rules (the request is a change of net consumption, ≤ 0; a setpoint above zero asks a home
 * exporting PV to curtail the export: `curtailExport` below):
 * - a faulted home declines; a home not buying (its PV covers it) has nothing to reduce;
 * - it sheds, cheapest need first as its purchase is split (`shed.ts`): pre-conditioning,
 *   the HVAC blocks between the setpoint and the band edge, its flexible load and
 *   appliance runs that can still wait — never its inelastic base load, appliance runs
 *   that must run now to finish by their deadline, nor the HVAC power that keeps the
 *   room inside its comfort band (`hvac-keep`);
 * - it commits to min(|asked|, purchase − what those protected needs take), in whole
 *   quanta. With PV the purchase is not known apart from the sale, so it counts only
 *   the net purchase: the cut comes off the purchase first (engine), which is at least
 *   that, so the protected needs stay whole;
 * - when nothing is left it declines: "at comfort limit: 24.6 °C (band 20–25 °C), …"
 *   when HVAC holds the room at its band, else "nothing flexible left: …".
 *
 * Settling the changed award (runtime) splits the smaller purchase over the needs by the
 * same rule, so the room ends the interval inside its band, and the home is `curtailed`.
 */
import { askedIncreaseKw, askedReductionKw, decline, floorToQuantum, nothingAsked } from '../commandResponse.ts';
import type { CommandResponse, OperatorCommand } from '../types.ts';
import { cutByNeed, describeCut, type NeedShare, protectedKw } from '../flexibility/shed.ts';

export interface HomeCommandState {
  readonly faulted: boolean;
  /** This interval's needs as bid (`protected` per the rules above; see `homeNeedProtected`). */
  readonly needs: readonly NeedShare[];
  readonly quantumKw: number;
  /** The room, when the home has HVAC. */
  readonly room?: { readonly mode: 'cool' | 'heat'; readonly indoorC: number; readonly band: { readonly lowC: number; readonly highC: number } } | undefined;
}

/** Whether a home need must survive a cut: base load, HVAC keeping the band, appliance runs that must run now. */
export function homeNeedProtected(name: string, mustRun: boolean): boolean {
  return name === 'base' || name === 'hvac-keep' || (name === 'appliance' && mustRun);
}

const LABELS: Record<string, string> = {
  'base-flex': 'flexible load',
  appliance: 'deferred appliance runs',
  hvac: 'HVAC comfort margin',
  precondition: 'pre-conditioning',
};
const label = (name: string): string => LABELS[name] ?? name;

export function respondHome(s: HomeCommandState, command: Pick<OperatorCommand, 'value' | 'type'>, plannedNetKw: number): CommandResponse {
  const up = askedIncreaseKw(command);
  if (up > 0) return curtailExport(s, up, plannedNetKw);
  const asked = askedReductionKw(command, plannedNetKw, 'home');
  if (typeof asked !== 'number') return asked;
  if (s.faulted) return decline('faulted: out of service');
  if (!(asked > 0)) return decline(nothingAsked(command, plannedNetKw));
  const buy = Math.max(0, plannedNetKw);
  if (!(buy > 0)) return decline(`not buying (net ${plannedNetKw.toFixed(2)} kW): nothing to reduce`);
  const keep = protectedKw(s.needs, s.quantumKw);
  const give = floorToQuantum(Math.min(asked, buy - keep), s.quantumKw);
  const hvacKeepKw = s.needs.reduce((sum, n) => sum + (n.name === 'hvac-keep' ? n.kw : 0), 0);
  if (!(give > 0)) {
    const r = s.room;
    if (r && hvacKeepKw > 0) {
      return decline(`at comfort limit: ${r.indoorC.toFixed(1)} °C (band ${r.band.lowC}–${r.band.highC} °C); ${hvacKeepKw.toFixed(2)} kW of ${r.mode === 'cool' ? 'cooling' : 'heating'} keeps it inside`);
    }
    return decline(`nothing flexible left: ${keep.toFixed(2)} kW of base load and appliance runs due now must be served`);
  }
  const cut = describeCut(s.needs, cutByNeed(s.needs, buy, buy - give, s.quantumKw), label);
  const limit = give < asked - 1e-9 ? `; no more: ${keep.toFixed(2)} kW keeps ${s.room ? 'the room in its band, ' : ''}the base load and due appliances` : '';
  return { optIn: true, reason: `sheds ${cut || `${give.toFixed(2)} kW`}${limit}`, deliverKw: -give };
}

/**
 * A setpoint above zero to a home (an operator with `curtailExport`: a reverse flow): a home that
 * exports its PV curtails the export, down to none; it never buys more to oblige. The engine takes
 * the change off its sale, and the panels make only what it then sells (runtime `settle`).
 */
function curtailExport(s: HomeCommandState, asked: number, plannedNetKw: number): CommandResponse {
  if (s.faulted) return decline('faulted: out of service');
  if (!(plannedNetKw < 0)) return decline(`not exporting (net ${plannedNetKw.toFixed(2)} kW): no PV export to curtail`);
  const give = floorToQuantum(Math.min(asked, -plannedNetKw), s.quantumKw);
  if (!(give > 0)) return decline(`exporting less than a quantum (${(-plannedNetKw).toFixed(3)} kW)`);
  const limit = give < asked - 1e-9 ? `; no more: its whole export is ${(-plannedNetKw).toFixed(2)} kW` : '';
  return { optIn: true, reason: `curtails its PV export by ${give.toFixed(2)} kW${limit}`, deliverKw: give };
}

/**
 * A building's answer to an operator's `DISPATCH_SETPOINT` (agents/types.ts), or to an
 * `IMPORT_CAPACITY_LIMIT` as the reduction down to the cap (agents/commandResponse.ts): a pure
 * function of its needs this interval, its contract and its room.
 *
 * Rules (the request is a change of net consumption, ≤ 0; a setpoint above zero is declined:
 * an office takes reductions only):
 * - only a building under a curtailment contract takes part (the contract is its
 *   enrolment in the program); a faulted one declines;
 * - it sheds, cheapest first as its purchase is split (`flexibility/shed.ts`): pre-conditioning,
 *   the HVAC setpoint relaxation and lighting dimming its contract allows
 *   (`curve.ts`: the relaxed setpoint never passes the band's inset edge) — never its
 *   plugs and undimmed lighting (`base`) nor the HVAC that holds the relaxed setpoint
 *   in the band in force (`hvac`: the occupied band while occupied or starting up, the
 *   setback band otherwise);
 * - it commits to min(|asked|, contract kW, purchase − those protected needs), in whole
 *   quanta; when nothing is left it declines, "at comfort limit: 23.9 °C (occupied
 *   band 21–24 °C)" while occupied.
 *
 * Settling the changed award (runtime) splits the smaller purchase over the needs by
 * the same rule (lighting dimmed by what its need lost), and the building is `curtailed`.
 */
import { askedReductionKw, decline, floorToQuantum, nothingAsked } from '../commandResponse.ts';
import { cutByNeed, describeCut, type NeedShare, protectedKw } from '../flexibility/shed.ts';
import type { CommandResponse, OperatorCommand } from '../types.ts';

export interface BuildingCommandState {
  readonly faulted: boolean;
  /** Contracted curtailable kW; undefined without a contract. */
  readonly contractKw: number | undefined;
  /** The occupied band is in force (occupied, or starting up before occupancy). */
  readonly comfortMode: boolean;
  readonly needs: readonly NeedShare[];
  readonly quantumKw: number;
  readonly room: { readonly mode: 'cool' | 'heat'; readonly indoorC: number; readonly band: { readonly lowC: number; readonly highC: number } };
}

/** Whether a building need must survive a cut: plugs and undimmed lighting, and the HVAC holding the band. */
export const buildingNeedProtected = (name: string): boolean => name === 'base' || name === 'hvac';

const LABELS: Record<string, string> = {
  'hvac-relax': 'HVAC setpoint relaxation',
  dimming: 'lighting dimmed',
  precondition: 'pre-conditioning',
};
const label = (name: string): string => LABELS[name] ?? name;

export function respondBuilding(s: BuildingCommandState, command: Pick<OperatorCommand, 'value' | 'type'>, plannedNetKw: number): CommandResponse {
  const asked = askedReductionKw(command, plannedNetKw, 'building');
  if (typeof asked !== 'number') return asked;
  if (s.faulted) return decline('faulted: out of service');
  if (s.contractKw === undefined || !(s.contractKw > 0)) return decline('no curtailment contract: not enrolled in the program');
  if (!(asked > 0)) return decline(nothingAsked(command, plannedNetKw));
  const buy = Math.max(0, plannedNetKw);
  const keep = protectedKw(s.needs, s.quantumKw);
  const give = floorToQuantum(Math.min(asked, s.contractKw, buy - keep), s.quantumKw);
  const r = s.room;
  if (!(give > 0)) {
    if (s.comfortMode) return decline(`at comfort limit: ${r.indoorC.toFixed(1)} °C (occupied band ${r.band.lowC}–${r.band.highC} °C); its curtailable share is already off`);
    return decline(`unoccupied: nothing curtailable beyond holding the setback band (${r.indoorC.toFixed(1)} °C, band ${r.band.lowC}–${r.band.highC} °C)`);
  }
  const cut = describeCut(s.needs, cutByNeed(s.needs, buy, buy - give, s.quantumKw), label);
  const limit =
    give < asked - 1e-9 ? (give >= s.contractKw - 1e-9 ? `; no more: contract ${s.contractKw} kW` : `; no more: ${keep.toFixed(2)} kW holds the ${s.comfortMode ? 'occupied' : 'setback'} band and the base load`) : '';
  return { optIn: true, reason: `sheds ${cut || `${give.toFixed(2)} kW`}${limit}`, deliverKw: -give };
}

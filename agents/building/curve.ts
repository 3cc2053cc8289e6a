/**
 * A building's needs in one interval, from its physics: pure functions over plain
 * numbers (`agents/physics/hvac.ts` does the HVAC arithmetic).
 *
 * With P(T) the electric kW that brings the room to T by the end of the interval
 * (0 if it gets there alone, clipped to the rating), S the setpoint in force, R the
 * relaxed setpoint (S moved `relaxC` towards the near band edge, never past the band's
 * inset target), L lighting and G plug power:
 *
 *   hvac wanted      = P(S)
 *   hvac curtailable = min(P(S) − P(R), contract)
 *   dimming          = min(maxDimming · L, contract − hvac curtailable)
 *   must-serve       = G + L − dimming  (base)   and   P(S) − hvac curtailable  (hvac), at the cap
 *   precondition     = P(far target) − P(S)
 *
 * The curtailable part (HVAC first, then lighting) is bid in `blocks` equal blocks at
 * values v_j = min + (max − min)·(j + ½)/B, j = 0 … B−1, lowest first: the HVAC
 * relaxation is given up first, lighting last.
 */
import type { ComfortBand } from '../physics/thermal.ts';
import { COMFORT_INSET_C, nearEdgeC, type Room } from '../physics/hvac.ts';
import type { NeedList } from '../flexibility/needs.ts';
import type { BuildingNeed } from '../../strategies/building/view.ts';

export interface BuildingCurveInput {
  /** The room, set to the interval's step. */
  readonly room: Room;
  /** The band in force (occupied or setback) and the setpoint in force. */
  readonly band: ComfortBand;
  readonly setpointC: number;
  /** How far the setpoint may be relaxed under the contract, °C (0 when the building is unoccupied). */
  readonly relaxC: number;
  /** Where pre-conditioning may take the room, °C. */
  readonly preconditionTargetC: number;
  readonly indoorC: number;
  readonly outdoorC: number;
  /** Gains for the targets on the near side (keep, setpoint, relaxed): the ones that make comfort hardest. */
  readonly gainsKw: number;
  /** Gains for the pre-conditioning target: the ones that push furthest towards the far edge (default `gainsKw`). */
  readonly farGainsKw?: number;
  readonly lightingKw: number;
  readonly plugKw: number;
  /** Share of lighting that may be dimmed, 0–1. */
  readonly maxDimming: number;
  readonly contractKw: number;
}

export interface BuildingCurve {
  /** HVAC kW to end inside the band in force. */
  readonly keepKw: number;
  /** HVAC kW to reach (or hold) the setpoint in force. */
  readonly setpointKw: number;
  /** Must-serve HVAC kW (setpoint less the contracted relaxation). */
  readonly hvacMustKw: number;
  readonly hvacCurtailableKw: number;
  readonly dimmableKw: number;
  /** Plugs plus the lighting that is not dimmed, kW. */
  readonly baseKw: number;
  readonly preconditionKw: number;
}

/** The interval's needs (see the file header). */
export function buildingCurve(i: BuildingCurveInput): BuildingCurve {
  const room = i.room;
  const cool = room.sign < 0;
  const nearTarget = nearEdgeC(room.unit.mode, i.band) + (cool ? -COMFORT_INSET_C : COMFORT_INSET_C);
  const s = cool ? Math.min(i.setpointC, nearTarget) : Math.max(i.setpointC, nearTarget);
  const r = cool ? Math.min(s + i.relaxC, nearTarget) : Math.max(s - i.relaxC, nearTarget);
  const keep = room.electricToReach(i.indoorC, i.outdoorC, i.gainsKw, nearTarget);
  const set = Math.max(keep, room.electricToReach(i.indoorC, i.outdoorC, i.gainsKw, s));
  const relaxed = Math.min(set, Math.max(keep, room.electricToReach(i.indoorC, i.outdoorC, i.gainsKw, r)));
  const contract = Math.max(0, i.contractKw);
  const hvacCurt = Math.min(set - relaxed, contract);
  const dim = Math.min(Math.max(0, i.maxDimming) * i.lightingKw, contract - hvacCurt);
  const far = room.electricToReach(i.indoorC, i.outdoorC, i.farGainsKw ?? i.gainsKw, i.preconditionTargetC);
  return {
    keepKw: keep,
    setpointKw: set,
    hvacMustKw: set - hvacCurt,
    hvacCurtailableKw: hvacCurt,
    dimmableKw: dim,
    baseKw: i.plugKw + i.lightingKw - dim,
    preconditionKw: far > set ? far - set : 0,
  };
}

/** Value of curtailable block j of B, currency/MWh: min + (max − min)·(j + ½)/B. */
export const curtailBlockValueMwh = (j: number, blocks: number, minMwh: number, maxMwh: number): number => minMwh + ((maxMwh - minMwh) * (j + 0.5)) / blocks;

/**
 * Pushes a curve onto a building's need list: the must-serve part at the cap, the
 * curtailable part in `blocks` blocks (HVAC relaxation in the cheapest, then dimming;
 * a block that straddles the two becomes two needs at the block's value), then the
 * pre-conditioning at 0.
 */
/** The building's needs, by code (index into `BUILDING_NEEDS`). */
export const BUILDING_NEEDS: readonly BuildingNeed[] = Object.freeze(['base', 'hvac', 'hvac-relax', 'dimming', 'precondition']);
export const B_BASE = 0;
export const B_HVAC = 1;
export const B_RELAX = 2;
export const B_DIM = 3;
export const B_PRECONDITION = 4;

export function pushBuildingNeeds(needs: NeedList<BuildingNeed>, c: BuildingCurve, capMwh: number, blocks: number, minMwh: number, maxMwh: number): void {
  needs.push(B_BASE, c.baseKw, capMwh, true);
  needs.push(B_HVAC, c.hvacMustKw, capMwh, true);
  const total = c.hvacCurtailableKw + c.dimmableKw;
  if (total > 0) {
    const block = total / blocks;
    let hvacLeft = c.hvacCurtailableKw;
    let dimLeft = c.dimmableKw;
    for (let j = 0; j < blocks; j++) {
      const v = curtailBlockValueMwh(j, blocks, minMwh, maxMwh);
      const fromHvac = j === blocks - 1 ? hvacLeft : Math.min(block, hvacLeft);
      hvacLeft -= fromHvac;
      const fromDim = j === blocks - 1 ? dimLeft : Math.min(block - fromHvac, dimLeft);
      dimLeft -= fromDim;
      needs.push(B_RELAX, fromHvac, v, true);
      needs.push(B_DIM, fromDim, v, true);
    }
  }
  needs.push(B_PRECONDITION, c.preconditionKw, 0, false);
}

/**
 * The cheapest check of an infeasible dispatch: what all the offers together can supply and
 * take, against the fixed load. No network, no solve: if the fixed load and the buys' minimums
 * exceed every sell at its upper bound (or generators' minimums exceed everything that can take
 * them), no network limit is to blame. Shared by the DC dispatch's and the feeder's diagnoses
 * (market/lp/dispatch.ts, market/lp/feederInfeasibility.ts).
 *
 * Pure. Structural types (not dispatch.ts's `Offers`), so both can import it without a cycle.
 */

/** The fields of an order book's columns the bounds read (market/lp/dispatch.ts `Offers`). */
export interface BoundedOffers {
  readonly count: number;
  readonly bus: Int32Array;
  readonly isBuy: Uint8Array;
  readonly lowerKw: Float64Array;
  readonly upperKw: Float64Array;
  readonly group?: Int32Array;
}

/** Bounds on each group's sum (a generator's Pmin and Pmax), kW. */
export interface BoundedGroups {
  readonly count: number;
  readonly lowerKw: Float64Array;
  readonly upperKw: Float64Array;
}

/** kW, over the buses counted (every bus, or the energised ones). */
export interface SupplyBounds {
  /** Σ fixed withdrawals. */
  readonly fixedLoadKw: number;
  /** Σ of the buys' lower bounds (demand that must be served). */
  readonly minimumDemandKw: number;
  /** Every sell at its upper bound, a group's segments capped at the group's upper bound. */
  readonly supplyKw: number;
  /** Σ of the groups' and ungrouped sells' lower bounds. */
  readonly minimumGenerationKw: number;
  /** The fixed load plus every buy at its upper bound. */
  readonly maximumDemandKw: number;
}

/**
 * The bounds of `offers`, `groups` and `fixedLoadKw` (per bus); `counts(bus)` false leaves a
 * bus out (an islanded bus on a feeder: its offers are held at zero, its load is unserved).
 * Example: a 100 kW fixed load and one sell of at most 80 kW: supplyKw 80 < fixedLoadKw 100.
 */
export function supplyBounds(offers: BoundedOffers, groups: BoundedGroups | undefined, fixedLoadKw: ArrayLike<number> | undefined, counts: (bus: number) => boolean = () => true): SupplyBounds {
  let load = 0;
  if (fixedLoadKw) for (let k = 0; k < fixedLoadKw.length; k++) if (counts(k)) load += fixedLoadKw[k]!;
  let supply = 0;
  let minimumDemand = 0;
  let maximumDemand = load;
  const segUpper = groups ? new Float64Array(groups.count) : undefined;
  for (let j = 0; j < offers.count; j++) {
    if (!counts(offers.bus[j]!)) continue;
    const g = offers.group?.[j] ?? -1;
    if (offers.isBuy[j]) {
      minimumDemand += Math.max(0, offers.lowerKw[j]!);
      maximumDemand += offers.upperKw[j]!;
    } else if (segUpper && g >= 0) segUpper[g]! += offers.upperKw[j]!;
    else supply += offers.upperKw[j]!;
  }
  let minimumGeneration = 0;
  if (groups && segUpper) {
    // A generator's upper bound caps its segments' sum.
    for (let g = 0; g < groups.count; g++) {
      supply += Math.min(segUpper[g]!, groups.upperKw[g]!);
      minimumGeneration += Math.max(0, groups.lowerKw[g]!);
    }
  }
  // Then the ungrouped sells' minimums (a grouped segment's lower bound is within its group's).
  for (let j = 0; j < offers.count; j++) if (counts(offers.bus[j]!) && !offers.isBuy[j] && (offers.group?.[j] ?? -1) < 0) minimumGeneration += Math.max(0, offers.lowerKw[j]!);
  return { fixedLoadKw: load, minimumDemandKw: minimumDemand, supplyKw: supply, minimumGenerationKw: minimumGeneration, maximumDemandKw: maximumDemand };
}

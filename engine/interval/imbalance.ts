/**
 * Phases 7 and 9, re-dispatch and imbalance settlement (docs/markets.md).
 *
 * What every party actually did (the meters) is compared with its real-time position.
 * An intermediary's actual at a bus is the sum of its members' or customers' actual
 * there. Wherever anything deviates, the real-time market re-dispatches: everything with
 * physics is fixed at its metered actual and the generators facing the market move along
 * their regulation offers (market/redispatch.ts), which gives the imbalance price at each
 * bus. With no deviation anywhere — the common case — nothing is re-dispatched.
 *
 * Every deviation (actual − position) then settles at its bus's imbalance price, in
 * whole settlement units: agents trading themselves and intermediaries with the market,
 * aggregator members with their aggregator (pass-through). Retail customers pay their
 * retailer by their meter and tariff; the retailer carries the deviation of its
 * customers' total from what it bought.
 */
import type { BusId } from '../../core/units.ts';
import type { Grid, Mechanism } from '../../market/clear.ts';
import { type RedispatchResult, redispatch, type RegulatingUnit } from '../../market/redispatch.ts';
import type { MarketRules } from '../../market/types.ts';
import type { ValueSegment } from '../../strategies/types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import { type IntervalLedger, ticksOf } from './ledger.ts';

/** What the imbalance phases need to know about each party (arrays in party order). */
export interface ImbalanceParties {
  /** Bus index of each agent; −1 for intermediaries. */
  readonly busOf: Int32Array;
  /** For members and customers: the index of their aggregator or retailer; else −1. */
  readonly viaOf: Int32Array;
  /** 1 for aggregator members (settle their deviation with the aggregator), 2 for retail customers, 0 otherwise. */
  readonly routeOf: Uint8Array;
  /** 1 for agents with a meter (devices). */
  readonly hasMeter: Uint8Array;
}

/** A generator facing the market that re-dispatch may move. */
export interface Regulator {
  readonly party: number;
  readonly unit: Omit<RegulatingUnit, 'positionQuanta'>;
}

/**
 * Sums members' and customers' actual (and members' shares) into their intermediary's bus
 * positions, and says whether anything deviates: a party facing the market whose actual
 * differs from its position (generators in `regulating` excluded: re-dispatch sets them),
 * an intermediary whose members' or customers' total differs from its position, or a
 * member whose actual differs from its share.
 */
export function anyDeviation(ledger: IntervalLedger, parties: ImbalanceParties, regulating: Uint8Array, buses: readonly BusId[]): boolean {
  const { busOf, viaOf, routeOf, hasMeter } = parties;
  let deviates = false;
  for (let i = 0; i < busOf.length; i++) {
    if (!hasMeter[i]) continue;
    const actual = ledger.actualQuanta[i]!;
    const via = viaOf[i]!;
    if (via >= 0) {
      const b = busOf[i]!;
      const pos = ledger.busPosition(via, buses[b]!, b);
      pos.actualQuanta += actual;
      if (routeOf[i] === 1) {
        const share = ledger.positionQuanta(i);
        pos.sharedQuanta += share;
        if (actual !== share) deviates = true;
      }
    } else if (!regulating[i] && actual !== ledger.positionQuanta(i)) deviates = true;
  }
  for (const pos of ledger.busPositions) if (pos.actualQuanta !== pos.buyQuanta - pos.sellQuanta) deviates = true;
  return deviates;
}

/**
 * Re-dispatches the interval: per bus, the fixed net withdrawal of every metered agent
 * except the regulating generators; the regulators along their regulation offers around
 * their positions. Returns the market's answer (outputs per regulator, in `regulators` order).
 */
export function redispatchInterval(
  ledger: IntervalLedger,
  parties: ImbalanceParties,
  regulators: readonly Regulator[],
  regulating: Uint8Array,
  interval: MarketInterval,
  buses: readonly BusId[],
  rules: MarketRules,
  market: { readonly mechanism: Mechanism; readonly grid: Grid | undefined; readonly spreadMwh: number },
): RedispatchResult {
  const fixedNetQuanta = new Float64Array(buses.length);
  for (let i = 0; i < parties.busOf.length; i++) if (parties.hasMeter[i] && !regulating[i]) fixedNetQuanta[parties.busOf[i]!]! += ledger.actualQuanta[i]!;
  return redispatch({
    interval: interval.index,
    durationH: interval.durationH,
    rules,
    buses,
    fixedNetQuanta,
    units: regulators.map((r) => ({ ...r.unit, positionQuanta: -ledger.positionQuanta(r.party) })),
    spreadMwh: market.spreadMwh,
    mechanism: market.mechanism,
    grid: market.grid,
  });
}

/**
 * The imbalance prices where re-dispatch cut energy off, per bus (docs/markets.md, "Load shedding", "Spill
 * curtailment"): the cap where load was shed (`shedQuanta` > 0), as scarcity is priced where load is shed;
 * the floor where export was curtailed and the re-dispatch after it defines no price (nothing left to trade
 * there). Elsewhere `priceMwh` as it is. Without this, a book with no supply at all (the only plant crashed)
 * defined no price where load was shed: deviations settled at the real-time price, or at none (0) when
 * nothing had cleared, so a neighbour's PV was taken for free (audit A-fuzz3).
 */
export function pricesWhereCut(
  priceMwh: Float64Array,
  shedQuanta: Float64Array | undefined,
  curtailedQuanta: Float64Array | undefined,
  rules: { readonly priceCapMwh: number; readonly priceFloorMwh: number },
): Float64Array {
  return Float64Array.from(priceMwh, (p, b) =>
    shedQuanta !== undefined && shedQuanta[b]! > 0 ? rules.priceCapMwh : curtailedQuanta !== undefined && curtailedQuanta[b]! > 0 && Number.isNaN(p) ? rules.priceFloorMwh : p,
  );
}

/**
 * The price deviations settle at, per bus: re-dispatch's, and where it defines none (nothing
 * was re-dispatched, or nothing traded there) the bus's real-time price — a deviation that
 * needed no regulation is worth what energy is worth there.
 */
export function effectiveImbalancePrices(redispatchPriceMwh: Float64Array | undefined, rtBusPriceMwh: Float64Array): Float64Array {
  return Float64Array.from(rtBusPriceMwh, (p, b) => (redispatchPriceMwh && !Number.isNaN(redispatchPriceMwh[b]!) ? redispatchPriceMwh[b]! : p));
}

/**
 * Settles every deviation at its bus's imbalance price (`busPriceMwh`, see
 * `effectiveImbalancePrices`), in whole units: `imbalanceQuanta`, `imbalancePriceMwh` and
 * `imbalanceUnits` of every metered agent (customers get the quantity only, actual − what
 * they planned to take: they pay their retailer by their meter and tariff) and of every intermediary's bus positions (summed into
 * the intermediary's row).
 */
export function settleImbalance(ledger: IntervalLedger, parties: ImbalanceParties, busPriceMwh: Float64Array, tickMwh: number): void {
  const { busOf, routeOf, hasMeter } = parties;
  const priceAt = (b: number): number => busPriceMwh[b]!;
  for (let i = 0; i < busOf.length; i++) {
    if (!hasMeter[i]) continue;
    const dev = ledger.actualQuanta[i]! - ledger.positionQuanta(i);
    ledger.imbalanceQuanta[i] = dev;
    const price = priceAt(busOf[i]!);
    ledger.imbalancePriceMwh[i] = price;
    if (routeOf[i] !== 2) ledger.imbalanceUnits[i] = dev * ticksOf(price, tickMwh);
  }
  for (const pos of ledger.busPositions) {
    pos.imbalanceQuanta = pos.actualQuanta - (pos.buyQuanta - pos.sellQuanta);
    pos.imbalanceUnits = pos.imbalanceQuanta * ticksOf(priceAt(pos.busIndex), tickMwh);
    const i = pos.party;
    ledger.imbalanceQuanta[i] = (Number.isNaN(ledger.imbalanceQuanta[i]!) ? 0 : ledger.imbalanceQuanta[i]!) + pos.imbalanceQuanta;
    ledger.imbalanceUnits[i]! += pos.imbalanceUnits;
  }
}

/** A generator's physical blocks as re-dispatch takes them. */
export const offerBlocks = (segments: readonly ValueSegment[]): RegulatingUnit['blocks'] => segments.map((s) => ({ kw: s.kw, valueMwh: s.valueMwh }));

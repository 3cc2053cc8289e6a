/**
 * Checks intertemporal bids and ramp limits where they enter the day-ahead market:
 * finite numbers in range, a known bus and agent, a window inside the horizon, and
 * feasibility on its own (a final SoC reachable from the initial one within the power
 * limits; an EV need the window and charger can deliver; a shiftable load no longer
 * than its window). A bid that fails is rejected whole with a code and a reason
 * naming the field; the others clear. Pure.
 */
import { MAX_ENERGY_KWH, MAX_POWER_KW, MAX_PRICE_MWH } from '../../core/bounds.ts';
import type { MarketRules, RejectionCode } from '../types.ts';
import type { DayAheadHorizon, DayAheadRejection, GeneratorRamp, IntertemporalBid } from './types.ts';

export interface Problem {
  readonly code: RejectionCode;
  readonly reason: string;
}

export interface ValidationContext {
  readonly horizon: DayAheadHorizon;
  readonly rules: MarketRules;
  readonly isKnownBus: (bus: string) => boolean;
  readonly isKnownAgent: (agentId: string) => boolean;
}

/** Why `bid` cannot enter the book on its own, or undefined. Linked-block parents are checked by `validateIntertemporalBids`. */
export function intertemporalBidProblem(bid: IntertemporalBid, ctx: ValidationContext): Problem | undefined {
  const { horizon, rules } = ctx;
  if (!ctx.isKnownAgent(bid.agentId)) return { code: 'unknown-agent', reason: `agent '${bid.agentId}' is not registered in this market` };
  if (!ctx.isKnownBus(bid.bus)) return { code: 'unknown-bus', reason: `bus '${bid.bus}' is not in the network` };
  const size = sizeProblem(bid);
  if (size) return size;
  const last = horizon.firstInterval + horizon.intervalCount - 1;
  const inPriceRange = (name: string, v: number | undefined): Problem | undefined =>
    v === undefined ? undefined : !Number.isFinite(v) || v > rules.priceCapMwh || v < rules.priceFloorMwh ? invalid(name, `must be a price within [${rules.priceFloorMwh}, ${rules.priceCapMwh}], got ${String(v)}`) : undefined;
  const window = (first: number, lastOf: number): Problem | undefined => {
    if (!Number.isInteger(first) || !Number.isInteger(lastOf)) return invalid('firstInterval/lastInterval', `must be whole interval numbers, got ${String(first)} and ${String(lastOf)}`);
    if (first > lastOf) return invalid('firstInterval', `${first} is after lastInterval ${lastOf}`);
    if (first < horizon.firstInterval || lastOf > last)
      return { code: 'outside-horizon', reason: `window ${first}–${lastOf} is not inside the horizon ${horizon.firstInterval}–${last}` };
    return undefined;
  };
  switch (bid.kind) {
    case 'storage':
    case 'ev': {
      const battery = batteryProblem(bid);
      if (battery) return battery;
      const need = inPriceRange('needValueMwh', bid.needValueMwh);
      if (need) return need;
      const steps = bid.kind === 'storage' ? horizon.intervalCount : bid.lastInterval - bid.firstInterval + 1;
      if (bid.kind === 'ev') {
        const w = window(bid.firstInterval, bid.lastInterval);
        if (w) return w;
        if (!nonNegative(bid.energyNeededKwh)) return invalid('energyNeededKwh', `must be a finite number ≥ 0, got ${String(bid.energyNeededKwh)}`);
      } else {
        const tv = inPriceRange('terminalValueMwh', bid.terminalValueMwh);
        if (tv) return tv;
        if (bid.terminalValueMwh === undefined) return invalid('terminalValueMwh', 'is required');
        const f = bid.finalSocMinKwh;
        if (f !== undefined && !(Number.isFinite(f) && f >= bid.minSocKwh && f <= bid.maxSocKwh))
          return invalid('finalSocMinKwh', `must lie within [minSocKwh, maxSocKwh] = [${bid.minSocKwh}, ${bid.maxSocKwh}], got ${String(f)}`);
      }
      // What the charger can add over the horizon (or window), kWh in the cells.
      const reachable = Math.min(bid.maxSocKwh, bid.initialSocKwh + bid.chargeEfficiency * bid.maxChargeKw * horizon.durationH * steps);
      if (bid.kind === 'storage') {
        const f = bid.finalSocMinKwh ?? bid.minSocKwh;
        if (f > reachable * (1 + FEASIBILITY_TOLERANCE))
          return {
            code: 'final-soc-unreachable',
            reason: `final SoC ${f} kWh cannot be reached: from ${bid.initialSocKwh} kWh, charging at most ${bid.maxChargeKw} kW for ${steps} intervals of ${horizon.durationH} h at η_c ${bid.chargeEfficiency} reaches ${round6(reachable)} kWh`,
          };
      } else {
        const target = bid.initialSocKwh + bid.energyNeededKwh;
        if (target > bid.maxSocKwh * (1 + FEASIBILITY_TOLERANCE))
          return { code: 'energy-need-unreachable', reason: `needs ${bid.energyNeededKwh} kWh on top of ${bid.initialSocKwh} kWh, above maxSocKwh ${bid.maxSocKwh}` };
        if (target > reachable * (1 + FEASIBILITY_TOLERANCE))
          return {
            code: 'energy-need-unreachable',
            reason: `needs ${bid.energyNeededKwh} kWh but ${steps} interval(s) of ${horizon.durationH} h at ${bid.maxChargeKw} kW and η_c ${bid.chargeEfficiency} deliver at most ${round6(reachable - bid.initialSocKwh)} kWh`,
          };
      }
      return undefined;
    }
    case 'shiftable': {
      if (!(Number.isFinite(bid.powerKw) && bid.powerKw > 0)) return invalid('powerKw', `must be a finite number > 0, got ${String(bid.powerKw)}`);
      if (!(Number.isInteger(bid.runIntervals) && bid.runIntervals >= 1)) return invalid('runIntervals', `must be a whole number ≥ 1, got ${String(bid.runIntervals)}`);
      const w = window(bid.firstInterval, bid.lastInterval);
      if (w) return w;
      const p = inPriceRange('valueMwh', bid.valueMwh);
      if (p) return p;
      if (bid.valueMwh === undefined) return invalid('valueMwh', 'is required');
      const length = bid.lastInterval - bid.firstInterval + 1;
      if (bid.runIntervals > length) return { code: 'block-longer-than-window', reason: `runs ${bid.runIntervals} intervals but its window ${bid.firstInterval}–${bid.lastInterval} has ${length}` };
      return undefined;
    }
    case 'block': {
      if (bid.side !== 'buy' && bid.side !== 'sell') return { code: 'invalid-side', reason: `side must be 'buy' or 'sell', got ${JSON.stringify(bid.side)}` };
      if (!Array.isArray(bid.quantitiesKw) || bid.quantitiesKw.length === 0) return { code: 'empty-curve', reason: 'quantitiesKw is empty' };
      for (let i = 0; i < bid.quantitiesKw.length; i++)
        if (!nonNegative(bid.quantitiesKw[i]!)) return invalid(`quantitiesKw[${i}]`, `must be a finite number ≥ 0, got ${String(bid.quantitiesKw[i])}`);
      if (!bid.quantitiesKw.some((q) => q / rules.quantumKw >= 0.5)) return { code: 'empty-curve', reason: 'every quantity is below half a quantum' };
      const w = window(bid.firstInterval, bid.firstInterval + bid.quantitiesKw.length - 1);
      if (w) return w;
      const p = inPriceRange('priceMwh', bid.priceMwh);
      if (p) return p;
      if (bid.priceMwh === undefined) return invalid('priceMwh', 'is required');
      return undefined;
    }
    default:
      return invalid('kind', `must be 'storage', 'ev', 'shiftable' or 'block', got ${JSON.stringify((bid as { kind?: unknown }).kind)}`);
  }
}

/**
 * Checks every bid; duplicate ids (among these, or `simpleIds`: the ids of the book's simple bids
 * these share, whose awards and rejections they would be confused with) and linked blocks whose
 * parent is missing or rejected are rejected too.
 */
export function validateIntertemporalBids(bids: readonly IntertemporalBid[], ctx: ValidationContext, simpleIds: ReadonlySet<string> = new Set()): { accepted: IntertemporalBid[]; rejections: DayAheadRejection[] } {
  const rejections: DayAheadRejection[] = [];
  const seen = new Set<string>();
  const ok: IntertemporalBid[] = [];
  for (const bid of bids) {
    let p: Problem | undefined = seen.has(bid.id)
      ? { code: 'duplicate-bid-id', reason: `bid id '${bid.id}' was already used by another intertemporal bid` }
      : simpleIds.has(bid.id)
        ? { code: 'duplicate-bid-id', reason: `bid id '${bid.id}' was already used by a simple bid` }
        : undefined;
    seen.add(bid.id);
    p ??= intertemporalBidProblem(bid, ctx);
    if (p) rejections.push(reject(bid, ctx.horizon, p));
    else ok.push(bid);
  }
  // Linked blocks: the parent must be an accepted block (repeat until no more fall, as a rejected parent rejects its children).
  let accepted = ok;
  for (;;) {
    const blocks = new Set(accepted.filter((b) => b.kind === 'block').map((b) => b.id));
    const next = accepted.filter((b) => {
      if (b.kind !== 'block' || b.parentId === undefined) return true;
      if (b.parentId !== b.id && blocks.has(b.parentId)) return true;
      rejections.push(reject(b, ctx.horizon, { code: 'unknown-parent-block', reason: `parent block '${b.parentId}' is not an accepted block order of this book` }));
      return false;
    });
    if (next.length === accepted.length) break;
    accepted = next;
  }
  return { accepted, rejections };
}

/** Checks a ramp limit's own fields. */
export function rampProblem(ramp: GeneratorRamp): Problem | undefined {
  const size = sizeProblem(ramp);
  if (size) return size;
  if (!(ramp.rampUpKw >= 0)) return invalid('rampUpKw', `must be ≥ 0 kW per interval, got ${String(ramp.rampUpKw)}`);
  if (!(ramp.rampDownKw >= 0)) return invalid('rampDownKw', `must be ≥ 0 kW per interval, got ${String(ramp.rampDownKw)}`);
  if (ramp.initialKw !== undefined && !nonNegative(ramp.initialKw)) return invalid('initialKw', `must be a finite number ≥ 0, got ${String(ramp.initialKw)}`);
  return undefined;
}

/**
 * Whether a generator offering `offeredKw[t]` (its sell segments' total) in each interval
 * can follow its ramp limits from `initialKw`: the reachable output range, carried
 * forward interval by interval, never empties.
 */
export function rampFollowable(ramp: GeneratorRamp, offeredKw: Float64Array): Problem | undefined {
  if (ramp.initialKw === undefined) return undefined; // zero output is always a path
  let lo = ramp.initialKw;
  let hi = ramp.initialKw;
  for (let t = 0; t < offeredKw.length; t++) {
    lo = Math.max(0, lo - ramp.rampDownKw);
    hi = Math.min(offeredKw[t]!, hi + ramp.rampUpKw);
    if (lo > hi * (1 + FEASIBILITY_TOLERANCE) + FEASIBILITY_TOLERANCE)
      return {
        code: 'ramp-infeasible',
        reason: `from ${ramp.initialKw} kW, ramping down at most ${ramp.rampDownKw} kW per interval, it must still produce ${round6(lo)} kW in horizon interval ${t} where its offers total ${round6(offeredKw[t]!)} kW`,
      };
  }
  return undefined;
}

/** Relative slack in the feasibility checks, so a requirement computed to equal a limit is not rejected for float noise. */
const FEASIBILITY_TOLERANCE = 1e-9;

function batteryProblem(b: {
  readonly capacityKwh: number;
  readonly minSocKwh: number;
  readonly maxSocKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  readonly initialSocKwh: number;
  readonly degradationCostPerMwh?: number | undefined;
}): Problem | undefined {
  if (!(Number.isFinite(b.capacityKwh) && b.capacityKwh > 0)) return invalid('capacityKwh', `must be a finite number > 0, got ${String(b.capacityKwh)}`);
  if (!(nonNegative(b.minSocKwh) && Number.isFinite(b.maxSocKwh) && b.minSocKwh <= b.maxSocKwh && b.maxSocKwh <= b.capacityKwh))
    return invalid('minSocKwh/maxSocKwh', `need 0 ≤ minSocKwh ≤ maxSocKwh ≤ capacityKwh, got ${String(b.minSocKwh)}, ${String(b.maxSocKwh)}, ${b.capacityKwh}`);
  if (!nonNegative(b.maxChargeKw)) return invalid('maxChargeKw', `must be a finite number ≥ 0, got ${String(b.maxChargeKw)}`);
  if (!nonNegative(b.maxDischargeKw)) return invalid('maxDischargeKw', `must be a finite number ≥ 0, got ${String(b.maxDischargeKw)}`);
  for (const k of ['chargeEfficiency', 'dischargeEfficiency'] as const)
    if (!(Number.isFinite(b[k]) && b[k] > 0 && b[k] <= 1)) return invalid(k, `must lie in (0, 1], got ${String(b[k])}`);
  if (!(Number.isFinite(b.initialSocKwh) && b.initialSocKwh >= b.minSocKwh && b.initialSocKwh <= b.maxSocKwh))
    return invalid('initialSocKwh', `must lie within [minSocKwh, maxSocKwh] = [${b.minSocKwh}, ${b.maxSocKwh}], got ${String(b.initialSocKwh)}`);
  if (b.degradationCostPerMwh !== undefined && !nonNegative(b.degradationCostPerMwh))
    return invalid('degradationCostPerMwh', `must be a finite number ≥ 0, got ${String(b.degradationCostPerMwh)}`);
  return undefined;
}

/** The largest size of a field, by the unit its name ends in (core/bounds.ts: what the engine represents exactly). */
const boundOf = (field: string): number | undefined => (field.endsWith('Kwh') ? MAX_ENERGY_KWH : field.endsWith('Kw') ? MAX_POWER_KW : field.endsWith('Mwh') ? MAX_PRICE_MWH : undefined);

/** The first number (or list entry) whose size is past its unit's bound: a value the engine cannot compute with exactly. */
function sizeProblem(fields: object): Problem | undefined {
  for (const [k, v] of Object.entries(fields)) {
    const max = boundOf(k);
    if (max === undefined) continue;
    const values: readonly unknown[] = Array.isArray(v) ? v : [v];
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (typeof x === 'number' && Math.abs(x) > max) return invalid(Array.isArray(v) ? `${k}[${i}]` : k, `must be at most ${max} in size, got ${x}`);
    }
  }
  return undefined;
}

const nonNegative = (v: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const invalid = (field: string, what: string): Problem => ({ code: 'invalid-parameter', reason: `${field} ${what}` });
const round6 = (v: number): number => Number(v.toPrecision(6));

function reject(bid: IntertemporalBid, horizon: DayAheadHorizon, p: Problem): DayAheadRejection {
  const first = 'firstInterval' in bid && Number.isInteger(bid.firstInterval) ? bid.firstInterval : horizon.firstInterval;
  return { bidId: String(bid.id), agentId: String(bid.agentId), interval: first, code: p.code, reason: p.reason };
}

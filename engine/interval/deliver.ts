/**
 * Phase 5b, deliver: each agent gets its own award — what it is to do this interval,
 * its position plus any commanded change — as exactly one call (one lifecycle event at
 * most), then its state is read once for every consumer of the outcome. An agent that
 * throws is left out (participants.ts `Crashes`) and reported; one on its own control after a
 * crash while bidding is settled as a site without a position.
 */
import type { AgentObservation, AgentRuntime, Award } from '../../agents/types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { MemberFallback } from './comms.ts';
import type { IntervalLedger } from './ledger.ts';
import type { Crashes, Participant } from './participants.ts';

export const CRASHED: AgentObservation = Object.freeze({ state: 'crashed', baselineKw: 0, unservedKwh: 0 });

/**
 * The state agents.csv shows for a site on its own control after its bidding code crashed: its devices'
 * figures (SoC, indoor temperature, what they draw) are read as usual, but its lifecycle state is that of
 * the energy manager that crashed, so the row says what the site is instead ("crashed" for one left out).
 */
export const OWN_CONTROL_STATE = 'own-control';

/** `observation` of party i as agents.csv shows it: with state OWN_CONTROL_STATE while the site is on its own control. */
export function markOwnControl(observation: AgentObservation, i: number, crashes: Crashes): AgentObservation {
  // Rare (a site on its own control): a copy rather than a write into an object the agent made.
  return crashes.ownControl[i] === 1 ? { ...observation, state: OWN_CONTROL_STATE } : observation;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The award objects one `deliverAwards` / `deliverAndObserve` call hands to its agents, one after
 * the other, rewritten before each `settle` (no agent keeps its award: `AgentRuntime.settle`).
 * A fresh literal per agent and interval was ~100 B with its boxed kW and price (40 MB per
 * warm run of the 4000-home scenario, measured, issue 16). Two objects, one shape each: with
 * and without `commandedKw`, as the literals were (an agent may test for it).
 */
class AwardScratch {
  readonly plain: Mutable<Award>;
  readonly commanded: Mutable<Award> & { commandedKw: number };
  constructor(interval: MarketInterval) {
    // NaN, not 0: the kW and price fields are doubles from the start (no field representation change later).
    this.plain = { interval, buyKw: NaN, sellKw: NaN, priceMwh: NaN, bidAccepted: false, ownControl: false };
    this.commanded = { interval, buyKw: NaN, sellKw: NaN, priceMwh: NaN, bidAccepted: false, ownControl: false, commandedKw: NaN };
  }
}

/**
 * Settles the agents whose `regulating[i]` is `regulators` (1: the generators re-dispatch moves, 0: everyone else).
 * A mask, not a predicate: a closure made per interval was a new call target each time, and
 * TurboFan threw away the optimised loop that had inlined the last one ("wrong call target", measured). The setpoint in quanta is the position plus the
 * commanded change; a reduction comes off the purchase first, then adds to the injection
 * (a discharge), and an increase the other way round. On a communication plane, a member
 * whose aggregator's split has not reached it (`fallback.missed`) starts from its fallback
 * schedule instead of its position (comms.ts, `MemberFallback`).
 */
export function deliverAwards(parts: readonly Participant[], ledger: IntervalLedger, interval: MarketInterval, crashes: Crashes, regulating: Uint8Array, regulators: 0 | 1, memberOf: Int32Array, fallback?: MemberFallback, ownControl?: Uint8Array): void {
  const awards = new AwardScratch(interval);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.role !== 'agent' || crashes.crashed[i] || regulating[i] !== regulators) continue;
    settleOne(p.runtime, i, ledger, awards, crashes, memberOf, fallback, ownControl);
  }
}

/**
 * `deliverAwards` (the agents with `regulating[i] === regulators`), then every party's state after the award, read once (crashed parties, and
 * any that throw now, read as `CRASHED`), in one pass over the agents: each agent is read right
 * after it settles, while its state is still in the CPU caches (a second pass over 10k agents
 * found it gone). Agents do not see each other's state, so the order changes nothing; the
 * intermediaries are read after every agent has settled. `into`: the last interval's
 * observations, no longer read (engine/simulation.ts `reuseIntervalArrays`): the array is
 * refilled, and an agent with `observeInto` writes its figures into its own last observation.
 */
export function deliverAndObserve(parts: readonly Participant[], ledger: IntervalLedger, interval: MarketInterval, crashes: Crashes, regulating: Uint8Array, regulators: 0 | 1, memberOf: Int32Array, fallback: MemberFallback | undefined, into?: AgentObservation[], ownControl?: Uint8Array): AgentObservation[] {
  const out = into ?? new Array<AgentObservation>(parts.length);
  const intermediaries: number[] = [];
  const awards = new AwardScratch(interval);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.role !== 'agent') {
      intermediaries.push(i);
      continue;
    }
    if (!crashes.crashed[i] && regulating[i] === regulators) settleOne(p.runtime, i, ledger, awards, crashes, memberOf, fallback, ownControl);
    out[i] = observeOne(p.runtime, i, crashes, into?.[i]);
  }
  for (const i of intermediaries) out[i] = observeOne(parts[i]!.runtime, i, crashes, into?.[i]);
  return out;
}

/**
 * Settles agent i (see `deliverAwards`); one that throws is crashed. An agent without a position
 * (`ownControl[i]`, engine/interval/noPosition.ts) is told so: it runs on its own control whatever
 * its fallback schedule would be, since there was no award to follow or to miss.
 */
function settleOne(runtime: AgentRuntime, i: number, ledger: IntervalLedger, awards: AwardScratch, crashes: Crashes, memberOf: Int32Array, fallback: MemberFallback | undefined, ownControl: Uint8Array | undefined): void {
  const q = ledger.quantumKw;
  const change = ledger.commandedQuanta[i]!;
  const noPosition = ownControl !== undefined && ownControl[i] === 1;
  const own = !noPosition && fallback !== undefined && fallback.missed[i] === 1;
  let buy = own ? fallback.buyQuanta[i]! : ledger.buyQuanta[i]!;
  let sell = own ? fallback.sellQuanta[i]! : ledger.sellQuanta[i]!;
  if (change < 0) {
    const fromBuy = Math.max(change, -buy);
    buy += fromBuy;
    sell -= change - fromBuy;
  } else if (change > 0) {
    const fromSell = Math.min(change, sell);
    sell -= fromSell;
    buy += change - fromSell;
  }
  const buyKw = buy * q;
  const sellKw = sell * q;
  const priceMwh = ledger.priceMwh[i]!;
  const bidAccepted = ledger.buyQuanta[i]! + ledger.sellQuanta[i]! > 0 || memberOf[i]! >= 0;
  try {
    let award: Mutable<Award>;
    if (change !== 0) {
      const a = awards.commanded;
      a.commandedKw = change * q;
      award = a;
    } else award = awards.plain;
    award.buyKw = buyKw;
    award.sellKw = sellKw;
    award.priceMwh = priceMwh;
    award.bidAccepted = bidAccepted;
    award.ownControl = noPosition;
    runtime.settle(award);
  } catch (err) {
    crashes.crash(i, 'settle', err);
  }
}

/** Party i's observation (`deliverAndObserve`): CRASHED when crashed or when it throws now; state OWN_CONTROL_STATE on its own control; into its own `last` one when it can. */
function observeOne(runtime: Pick<AgentRuntime, 'observe' | 'observeInto'>, i: number, crashes: Crashes, last: AgentObservation | undefined): AgentObservation {
  if (crashes.crashed[i]) return CRASHED;
  try {
    const o = last !== undefined && last !== CRASHED && runtime.observeInto !== undefined ? runtime.observeInto(last) : runtime.observe();
    return markOwnControl(o, i, crashes);
  } catch (err) {
    crashes.crash(i, 'settle', err);
    return CRASHED;
  }
}


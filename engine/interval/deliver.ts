/**
 * Phase 5b, deliver: each agent gets its own award — what it is to do this interval,
 * its position plus any commanded change — as exactly one call (one lifecycle event at
 * most), then its state is read once for every consumer of the outcome. An agent that
 * throws is isolated (crashed) and reported.
 */
import type { AgentObservation, AgentRuntime } from '../../agents/types.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { MemberFallback } from './comms.ts';
import type { IntervalLedger } from './ledger.ts';
import type { Crashes, Participant } from './participants.ts';

export const CRASHED: AgentObservation = Object.freeze({ state: 'crashed', baselineKw: 0, unservedKwh: 0 });

/**
 * Settles the agents `which(i)` selects. The setpoint in quanta is the position plus the
 * commanded change; a reduction comes off the purchase first, then adds to the injection
 * (a discharge), and an increase the other way round. On a communication plane, a member
 * whose aggregator's split has not reached it (`fallback.missed`) starts from its fallback
 * schedule instead of its position (comms.ts, `MemberFallback`).
 */
export function deliverAwards(parts: readonly Participant[], ledger: IntervalLedger, interval: MarketInterval, crashes: Crashes, which: (i: number) => boolean, memberOf: Int32Array, fallback?: MemberFallback): void {
  const q = ledger.quantumKw;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.role !== 'agent' || crashes.crashed[i] || !which(i)) continue;
    const change = ledger.commandedQuanta[i]!;
    const own = fallback !== undefined && fallback.missed[i] === 1;
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
      // Two literals, not a spread of an optional part: a spread builds an extra object per agent per interval.
      p.runtime.settle(change !== 0 ? { interval, buyKw, sellKw, priceMwh, bidAccepted, commandedKw: change * q } : { interval, buyKw, sellKw, priceMwh, bidAccepted });
    } catch (err) {
      crashes.crash(i, 'settle', err);
    }
  }
}

/**
 * Every party's state after the award, read once; crashed parties (and any that throw now) read as `CRASHED`.
 * `into`: the last interval's observations, no longer read (engine/simulation.ts `reuseIntervalArrays`): the
 * array is refilled, and an agent with `observeInto` writes its figures into its own last observation.
 */
export function observeAll(parts: readonly Participant[], crashes: Crashes, into?: AgentObservation[]): AgentObservation[] {
  const out = into ?? new Array<AgentObservation>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    if (crashes.crashed[i]) {
      out[i] = CRASHED;
      continue;
    }
    try {
      const r = parts[i]!.runtime as Pick<AgentRuntime, 'observe' | 'observeInto'>;
      const last = into?.[i];
      out[i] = last !== undefined && last !== CRASHED && r.observeInto !== undefined ? r.observeInto(last) : r.observe();
    } catch (err) {
      crashes.crash(i, 'settle', err);
      out[i] = CRASHED;
    }
  }
  return out;
}

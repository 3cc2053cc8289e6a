/**
 * The real-time interval's passes over every party, each a small function with one job.
 *
 * Why they are not loops inline in `Simulation.realTime` (engine/simulation.ts): V8 charges a
 * loop's iterations to the function that holds it. realTime runs once per interval, but its
 * loops over thousands of parties used up its budget, so TurboFan compiled the whole
 * orchestrator with everything inlined into it (~50 ms of a batch worker's first run, on its
 * own thread under `--single-threaded`; measured with `node --trace-opt --trace-deopt`). Out
 * here only these loops get hot, each compiles in a few milliseconds, and the orchestrator
 * stays in the baseline tiers, where a once-per-interval call costs next to nothing.
 *
 * Each pass is one loop, its arrays allocated by the caller: a function hot enough to be compiled
 * during its first call is compiled before the code around its loop has any type feedback, and an
 * allocation or a second loop there deopted it once more.
 */
import type { AgentObservation } from '../../agents/types.ts';
import type { ClearingResult, OrderBook } from '../../market/types.ts';
import type { IntervalLedger } from './ledger.ts';

/** `routeOf` values (engine/simulation.ts): an aggregator's member, a retailer's customer. */
export const ROUTE_MEMBER = 1;
export const ROUTE_CUSTOMER = 2;

/** Aggregator members face their bus's price: fills `out[i]` from `busPriceMwh` for each member. */
export function priceMembersAtBus(out: Float64Array, routeOf: Uint8Array, busOf: Int32Array, busPriceMwh: Float64Array): void {
  for (let i = 0; i < out.length; i++) if (routeOf[i] === ROUTE_MEMBER) out[i] = busPriceMwh[busOf[i]!]!;
}

/** The parties regulating this interval (1) — regulators that have not crashed — into `out`. */
export function regulatingNow(regulating: Uint8Array, crashed: Uint8Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < out.length; i++) {
    // Both read for every party, not `regulating[i] && !crashed[i]`: where regulators are few, the short-circuited
    // read had no type feedback when TurboFan compiled this loop, and the first regulator deopted it (measured).
    const live = crashed[i] === 0;
    out[i] = regulating[i] === 1 && live ? 1 : 0;
  }
  return out;
}

/** The parties still running (not crashed), in order. */
export function liveParties(crashed: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < crashed.length; i++) if (!crashed[i]) out.push(i);
  return out;
}

/** Per party, the injection its site could curtail, quanta: metered sites that neither regulate nor crashed. */
export function curtailableQuanta(observations: readonly AgentObservation[], hasMeter: Uint8Array, regulating: Uint8Array, crashed: Uint8Array, quantumKw: number): Float64Array {
  const out = new Float64Array(observations.length);
  for (let i = 0; i < out.length; i++) out[i] = hasMeter[i] && !regulating[i] && !crashed[i] ? Math.round((observations[i]!.curtailableKw ?? 0) / quantumKw) : 0;
  return out;
}

/**
 * Per party, the consumption its site could go without, quanta: metered sites that neither
 * regulate nor crashed. Rounded as the meters round (engine/interval/meter.ts), so a site
 * whose whole consumption is sheddable can be shed to exactly zero.
 */
export function sheddableQuanta(observations: readonly AgentObservation[], hasMeter: Uint8Array, regulating: Uint8Array, crashed: Uint8Array, quantumKw: number): Float64Array {
  const out = new Float64Array(observations.length);
  for (let i = 0; i < out.length; i++) out[i] = hasMeter[i] && !regulating[i] && !crashed[i] ? Math.round((observations[i]!.sheddableKw ?? 0) / quantumKw) : 0;
  return out;
}

/**
 * Per party, what more its site could be shed once its free load is gone (`deviceSheddableKw`:
 * HVAC, charging, …), quanta, for the same sites as `sheddableQuanta` (`free`, its result):
 * the two tiers rounded together, as the meters round, so that a site whose whole
 * consumption is sheddable can be shed to exactly zero.
 */
export function deviceSheddableQuanta(observations: readonly AgentObservation[], free: Float64Array, hasMeter: Uint8Array, regulating: Uint8Array, crashed: Uint8Array, quantumKw: number): Float64Array {
  const out = new Float64Array(observations.length);
  for (let i = 0; i < out.length; i++) {
    const o = observations[i]!;
    if (!hasMeter[i] || regulating[i] || crashed[i] || !(o.deviceSheddableKw! > 0)) continue;
    out[i] = Math.max(0, Math.round(((o.sheddableKw ?? 0) + o.deviceSheddableKw!) / quantumKw) - free[i]!);
  }
  return out;
}

/** Each party's metered net withdrawal, kW, into `out` (NaN for intermediaries, which have no meter). */
export function netWithdrawalKw(ledger: IntervalLedger, out: Float64Array): Float64Array {
  const actual = ledger.actualQuanta;
  const q = ledger.quantumKw;
  for (let i = 0; i < out.length; i++) out[i] = actual[i]! * q;
  return out;
}

/** Per bus: what the metered sites did beyond what the clearing awarded there (net withdrawal), quanta, into `out` (zeros, one per bus). */
export function busDeviationQuanta(ledger: IntervalLedger, hasMeter: Uint8Array, busOf: Int32Array, book: OrderBook, result: ClearingResult, out: Float64Array): Float64Array {
  return lessAwarded(book, result.awardedQuanta, meteredByBus(ledger.actualQuanta, hasMeter, busOf, out));
}

/** Adds each metered site's actual net withdrawal to its bus in `out`, quanta. */
function meteredByBus(actualQuanta: Float64Array, hasMeter: Uint8Array, busOf: Int32Array, out: Float64Array): Float64Array {
  for (let i = 0; i < actualQuanta.length; i++) if (hasMeter[i]) out[busOf[i]!]! += actualQuanta[i]!;
  return out;
}

/** Takes each awarded segment's net withdrawal off its bus in `out`, quanta. */
function lessAwarded(book: OrderBook, awardedQuanta: Float64Array, out: Float64Array): Float64Array {
  for (let s = 0; s < book.size; s++) out[book.busIndex[s]!]! -= book.isBuy[s] ? awardedQuanta[s]! : -awardedQuanta[s]!;
  return out;
}

/** Σ |imbalance| over the parties facing the market on their own (not members, not customers), quanta. */
export function absoluteDeviationQuanta(ledger: IntervalLedger, routeOf: Uint8Array): number {
  const imbalance = ledger.imbalanceQuanta;
  let sum = 0;
  for (let i = 0; i < imbalance.length; i++) {
    const d = imbalance[i]!;
    if (routeOf[i] === 0 && !Number.isNaN(d)) sum += Math.abs(d);
  }
  return sum;
}

/** Each party's payment this interval in whole settlement units, into `out`. */
export function costUnitsOf(ledger: IntervalLedger, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = ledger.costUnits(i);
  return out;
}

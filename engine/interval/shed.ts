/**
 * Phase 7c, load shedding: when re-dispatch cannot cover a withdrawal at a bus (every
 * generator there is at its limit and nothing more can reach it), the operator sheds load
 * at the consuming sites there, as real operators do in a shortage (rota disconnection,
 * under-frequency load shedding), so that what the meters read is what the network
 * delivered and the physical books close. The mirror of spill curtailment (curtail.ts).
 *
 * The rule (docs/markets.md, "Load shedding"): at each bus, the unserved quanta U are taken
 * in two tiers, each **pro rata** in whole quanta by largest remainder (ties to the earlier
 * party in scenario order), never beyond a site's metered net withdrawal (so a site never
 * turns into an exporter):
 *
 * 1. the sites' **free sheddable consumption**, what nothing else in the model depends on
 *    (`AgentObservation.sheddableKw`: a home's base load, a building's plug load);
 * 2. only when all of that at the bus is gone, the rest of what they can be shed
 *    (`AgentObservation.deviceSheddableKw`: HVAC, lighting, appliance runs, a car's or a
 *    battery's charging), whose loss the devices feel: the agent recomputes their state
 *    (indoor temperature, state of charge) from what it was actually delivered.
 *
 * The agent is told the total (`AgentRuntime.shed`), takes it off its free load first (as
 * the tiers do: a site reaches tier 2 only with none of its tier 1 left) and counts the
 * energy as unserved. What no site can shed (a site without meter, crashed or regulating, or an agent
 * kind that reports neither) stays unserved, and the books say so.
 *
 * The shed energy is not delivered: the site's actual (and its gross consumption, so its
 * bill) drops by it, its deviation from its position settles at the imbalance price like
 * any other, and it is reported (`imbalance.shedKwh` in summary.json, a `LOAD_SHED` row per
 * site in events.csv). Pure apart from the ledger it corrects.
 */
import { type CurtailSite, takeProRataAtBus } from './curtail.ts';
import type { IntervalLedger } from './ledger.ts';

/**
 * Sheds `unservedQuanta` (per bus) off the sites there (rule above), correcting the ledger's
 * actual and consumed quanta (and their intermediaries' bus positions) and adding to
 * `shedQuanta`. `sheddableQuanta[i]`: what party i can go without, whole quanta (tier 1);
 * `deviceQuanta[i]`: what more it can be shed (tier 2), whole quanta; both 0 for every party
 * that is not a metered, non-regulating site. Returns the quanta shed per bus.
 * Example (quantum 1 kW): 8 unserved over sites with (free, device) (2, 6) and (1, 3): tier 1
 * sheds 2 and 1, tier 2 the 5 left pro rata to 6 and 3 → 3.33, 1.67 → 3 and 2: shed 5 and 3.
 */
export function shedLoad(ledger: IntervalLedger, unservedQuanta: Float64Array, sites: CurtailSite, sheddableQuanta: Float64Array, deviceQuanta?: Float64Array): Float64Array {
  const done = new Float64Array(unservedQuanta.length);
  const take = (k: number) => (i: number, c: number) => {
    ledger.actualQuanta[i]! -= c;
    ledger.consumedQuanta[i]! -= c;
    ledger.shedQuanta[i]! += c;
    const via = sites.viaOf[i]!;
    if (via >= 0) for (const pos of ledger.busPositions) if (pos.party === via && pos.busIndex === k) pos.actualQuanta -= c;
  };
  // What party i can still be shed within `limit` quanta in all (its tiers so far), less what was shed, within its metered withdrawal.
  const room = (i: number, limit: number): number => (limit > 0 ? Math.min(limit - ledger.shedQuanta[i]!, Math.max(0, ledger.actualQuanta[i]!)) : 0);
  for (let k = 0; k < unservedQuanta.length; k++) {
    if (!(unservedQuanta[k]! > 0)) continue;
    done[k] = takeProRataAtBus(k, unservedQuanta[k]!, sites, (i) => room(i, sheddableQuanta[i]!), take(k));
    const left = unservedQuanta[k]! - done[k]!;
    // Tier 2 only once tier 1 is gone: a bus reaches it only when every site there lost all its free load (or its whole withdrawal).
    if (left > 0 && deviceQuanta) done[k]! += takeProRataAtBus(k, left, sites, (i) => (deviceQuanta[i]! > 0 ? room(i, sheddableQuanta[i]! + deviceQuanta[i]!) : 0), take(k));
  }
  return done;
}

/**
 * Of the quanta `shedLoad` took per bus (`shedAtBus`), those at buses an outage cut off (`islanded`, of `buses`): there
 * is nothing to supply them at any price, so they are not a shortage's shed load but the outage's unserved demand.
 * Zeroes them in `shedAtBus` (which then prices scarcity and counts `imbalance.shedKwh` only where supply fell short) and
 * returns a mask of those buses (1 = cut off, something taken there), or undefined when nothing was taken at one.
 * Example: taken [0, 2, 3] at buses [grid, b1, b2], b2 cut off → shedAtBus [0, 2, 0], mask [0, 0, 1].
 * The same for the export `curtailSpill` took per bus: nothing takes it there at any price (no floor price, not
 * `imbalance.curtailedKwh`).
 */
export function cutOffAtBuses(shedAtBus: Float64Array, islanded: readonly string[], buses: readonly string[]): Uint8Array | undefined {
  if (islanded.length === 0) return undefined;
  const dark = new Set(islanded);
  let mask: Uint8Array | undefined;
  for (let k = 0; k < shedAtBus.length; k++) {
    if (!(shedAtBus[k]! > 0) || !dark.has(buses[k]!)) continue;
    (mask ??= new Uint8Array(shedAtBus.length))[k] = 1;
    shedAtBus[k] = 0;
  }
  return mask;
}

/**
 * The buses an outage cut off (`islanded`, of `buses`) as a mask (1 = cut off), or undefined when none is: nothing else
 * to do in the common case.
 */
export function deadBusMask(islanded: readonly string[], buses: readonly string[]): Uint8Array | undefined {
  if (islanded.length === 0) return undefined;
  const dead = new Uint8Array(buses.length);
  for (let k = 0; k < buses.length; k++) if (islanded.includes(buses[k]!)) dead[k] = 1;
  return dead;
}

/**
 * What 7b must curtail per bus (`spilledQuanta`, from re-dispatch: the net surplus nobody took), with, at every bus an
 * outage cut off (`dead`, from `deadBusMask`), the whole metered injection there instead of the net, and at least every
 * site's curtailable generation there (`curtailableQuanta`). Nothing flows on a dead bus, so one site's export cannot feed
 * another's consumption beside it: netted, a crashed PV home's export fed a car charging on its own control at the dead
 * bus, neither was cut, and their deviations had no price (fuzz seed 8065: the books stayed open). Nor does a PV inverter
 * run there to serve its own site's load behind the meter: grid-following inverters stop within seconds of losing the
 * grid (anti-islanding, IEEE 1547-2018 §8.1), so 7b takes a site's whole generation there, not only its export
 * (`curtailSpill`'s `dead`), and 7c then sheds its whole load as the outage's. Returns `spilledQuanta` itself when no bus
 * is cut off. Example: spilled [0, 0], actual quanta [+5 at b2, −3 at b2], curtailable [0, 4], b2 cut off → [0, 4].
 */
export function grossAtDeadBuses(spilledQuanta: Float64Array, actualQuanta: ArrayLike<number>, busOf: ArrayLike<number>, dead: Uint8Array | undefined, curtailableQuanta?: ArrayLike<number>): Float64Array {
  if (dead === undefined) return spilledQuanta;
  const injection = new Float64Array(dead.length);
  const generation = new Float64Array(dead.length);
  for (let i = 0; i < actualQuanta.length; i++) {
    const k = busOf[i]!;
    if (k < 0 || dead[k] !== 1) continue;
    const a = actualQuanta[i]!;
    if (a < 0) injection[k]! -= a;
    if (curtailableQuanta) generation[k]! += curtailableQuanta[i]!;
  }
  const out = Float64Array.from(spilledQuanta);
  for (let k = 0; k < out.length; k++) if (dead[k] === 1) out[k] = Math.max(out[k]!, injection[k]!, generation[k]!);
  return out;
}

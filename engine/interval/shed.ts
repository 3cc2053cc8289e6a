/**
 * Phase 7c, load shedding: when re-dispatch cannot cover a withdrawal at a bus (every
 * generator there is at its limit and nothing more can reach it), the operator sheds load
 * at the consuming sites there, as real operators do in a shortage (rota disconnection,
 * under-frequency load shedding), so that what the meters read is what the network
 * delivered and the physical books close. The mirror of spill curtailment (curtail.ts).
 *
 * The rule (docs/markets.md, "Load shedding"): at each bus, the unserved quanta U are taken
 * off the sites' **sheddable consumption** — min(what the site's agent reports it can go
 * without, `AgentObservation.sheddableKw` (a home's base load, a building's plug load), its
 * metered net withdrawal)
 * — **pro rata** to it, in whole quanta by largest remainder (ties to the earlier party in
 * scenario order). A site is never shed beyond its own withdrawal, so it never turns into
 * an exporter. The agent is told (`AgentRuntime.shed`) and counts the energy as unserved.
 * What no site can shed (a building's HVAC, a car's or a battery's charging) stays
 * unserved, and the books say so.
 *
 * The shed energy is not delivered: the site's actual (and its gross consumption, so its
 * bill) drops by it, its deviation from its position settles at the imbalance price like
 * any other, and it is reported (`imbalance.shedKwh` in summary.json, a `LOAD_SHED` row per
 * site in events.csv). Pure apart from the ledger it corrects.
 */
import { type CurtailSite, takeProRataAtBus } from './curtail.ts';
import type { IntervalLedger } from './ledger.ts';

/**
 * Sheds `unservedQuanta` (per bus) off the sheddable sites there (rule above), correcting
 * the ledger's actual and consumed quanta (and their intermediaries' bus positions) and
 * adding to `shedQuanta`. `sheddableQuanta[i]`: what party i can go without, whole quanta
 * (0 for every party that is not a metered, non-regulating site). Returns the quanta shed per bus.
 */
export function shedLoad(ledger: IntervalLedger, unservedQuanta: Float64Array, sites: CurtailSite, sheddableQuanta: Float64Array): Float64Array {
  const done = new Float64Array(unservedQuanta.length);
  for (let k = 0; k < unservedQuanta.length; k++) {
    if (!(unservedQuanta[k]! > 0)) continue;
    done[k] = takeProRataAtBus(
      k,
      unservedQuanta[k]!,
      sites,
      // Sheddable load: what it reported, less what was shed already, within its metered withdrawal.
      (i) => (sheddableQuanta[i]! > 0 ? Math.min(sheddableQuanta[i]! - ledger.shedQuanta[i]!, Math.max(0, ledger.actualQuanta[i]!)) : 0),
      (i, c) => {
        ledger.actualQuanta[i]! -= c;
        ledger.consumedQuanta[i]! -= c;
        ledger.shedQuanta[i]! += c;
        const via = sites.viaOf[i]!;
        if (via >= 0) for (const pos of ledger.busPositions) if (pos.party === via && pos.busIndex === k) pos.actualQuanta -= c;
      },
    );
  }
  return done;
}

/**
 * Phase 7b, spill curtailment: when re-dispatch cannot place an injection surplus at a bus
 * (no generator there can come down further and nothing takes exports), the operator
 * curtails the injecting sites there, as real operators do (export limitation of PV
 * inverters), so what the meters read is what the network delivered and the physical
 * books close.
 *
 * The rule (docs/markets.md, "Spill curtailment"): at each bus, the spilled quanta S are
 * taken off the sites' **curtailable export** — min(what the site's agent reports it can
 * curtail, `AgentObservation.curtailableKw` (a home's PV, a battery's discharge, a
 * plugged-in car's V2G discharge), its metered net export) — **pro rata** to that export, in
 * whole quanta by largest remainder (ties to the earlier party in scenario order). A site is
 * never curtailed beyond its own export, so it never turns into an importer. An agent whose
 * state the curtailment changes (a battery or a car keeps what it did not discharge) is told
 * (`AgentRuntime.curtail`). Generators report nothing curtailable (re-dispatch moves them), nor
 * does a car in the interval it leaves: a surplus only they make stays spilled (the books then
 * say so).
 *
 * The curtailed energy is not delivered: the site's actual (and its gross generation) drops
 * by it, its deviation from its position settles at the imbalance price like any other, and
 * the curtailed kWh are reported (`imbalance.curtailedKwh` in summary.json, a
 * `SPILL_CURTAILED` row per site in events.csv). Pure apart from the ledger it corrects.
 */
import type { IntervalLedger } from './ledger.ts';

export interface CurtailSite {
  /** Bus index of each party (−1: intermediaries). */
  readonly busOf: Int32Array;
  /** For members and customers: their intermediary's index, else −1 (its bus position's actual follows theirs). */
  readonly viaOf: Int32Array;
}

/**
 * Splits `spill` quanta among `exports` (quanta ≥ 0) pro rata, in whole quanta by largest
 * remainder, ties to the lower index; never more than each export, in total min(spill, Σ exports).
 * Example: spill 5 over exports [6, 3, 1] → [3, 2, 0] (shares 3, 1.5, 0.5: the two halves
 * tie and the earlier site takes the quantum).
 */
export function proRataQuanta(spill: number, exports: readonly number[]): number[] {
  const total = exports.reduce((s, e) => s + e, 0);
  const take = Math.min(spill, total);
  if (take <= 0) return exports.map(() => 0);
  const out = exports.map((e) => Math.floor((take * e) / total));
  let left = take - out.reduce((s, x) => s + x, 0);
  const order = exports.map((e, i) => ({ i, rem: (take * e) % total })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    if (out[i]! < exports[i]!) {
      out[i]! += 1;
      left--;
    }
  }
  return out;
}

/**
 * Curtails `spilledQuanta` (per bus) off the curtailable sites there (rule above), correcting
 * the ledger's actual and generated quanta (and their intermediaries' bus positions) and
 * adding to `curtailedQuanta`. `curtailableQuanta[i]`: what party i can spill, whole quanta (0 for every party that is not a metered, non-regulating site).
 * Returns the quanta curtailed per bus.
 */
export function curtailSpill(ledger: IntervalLedger, spilledQuanta: Float64Array, sites: CurtailSite, curtailableQuanta: Float64Array, dead?: Uint8Array): Float64Array {
  const done = new Float64Array(spilledQuanta.length);
  for (let k = 0; k < spilledQuanta.length; k++) {
    if (!(spilledQuanta[k]! > 0)) continue;
    // At a bus an outage cut off (`dead`), the whole generation: an inverter stops when its grid is gone (shed.ts grossAtDeadBuses).
    const wholeGeneration = dead?.[k] === 1;
    done[k] = takeProRataAtBus(
      k,
      spilledQuanta[k]!,
      sites,
      // Curtailable export: what it reported, less what was curtailed already, within its metered export.
      (i) => (curtailableQuanta[i]! > 0 ? Math.min(curtailableQuanta[i]! - ledger.curtailedQuanta[i]!, wholeGeneration ? Infinity : Math.max(0, -ledger.actualQuanta[i]!)) : 0),
      (i, c) => {
        ledger.actualQuanta[i]! += c;
        ledger.generatedQuanta[i]! -= c;
        ledger.curtailedQuanta[i]! += c;
        const via = sites.viaOf[i]!;
        if (via >= 0) for (const pos of ledger.busPositions) if (pos.party === via && pos.busIndex === k) pos.actualQuanta += c;
      },
    );
  }
  return done;
}

/**
 * Takes `quanta` at bus `k` off the sites there pro rata to `room(i)` (what each can give, quanta;
 * ≤ 0: nothing), in whole quanta by largest remainder (`proRataQuanta`), calling `take(i, c)` for
 * each share c > 0; returns the quanta taken. Spill curtailment and load shedding (shed.ts) share it.
 */
export function takeProRataAtBus(k: number, quanta: number, sites: CurtailSite, room: (i: number) => number, take: (i: number, c: number) => void): number {
  const who: number[] = [];
  const rooms: number[] = [];
  for (let i = 0; i < sites.busOf.length; i++) {
    if (sites.busOf[i] !== k) continue;
    const r = room(i);
    if (r > 0) {
      who.push(i);
      rooms.push(r);
    }
  }
  let taken = 0;
  proRataQuanta(quanta, rooms).forEach((c, j) => {
    if (c === 0) return;
    take(who[j]!, c);
    taken += c;
  });
  return taken;
}

/**
 * Phase 6, meter: one meter per customer site (an agent with devices, at its connection
 * point) reads what the site actually did this interval, after the award and any
 * command: its gross consumption and generation as the agent reports them
 * (`AgentObservation.consumedKw` / `generatedKw`), each rounded to the market's quantum,
 * and the net withdrawal. A home's PV thus nets its own load within the interval. A site
 * whose bidding code crashed runs on its own control and is metered like any other; one the
 * engine left out after a crash (participants.ts `Crashes`: its load is unknown) reads zero.
 * Intermediaries have no meter.
 */
import type { IntervalLedger } from './ledger.ts';

/** What a site's meter reads from its agent (`AgentObservation`'s consumedKw and generatedKw), kW. */
export interface SiteReport {
  readonly consumedKw?: number | undefined;
  readonly generatedKw?: number | undefined;
}

/**
 * Writes `actualQuanta`, `consumedQuanta` and `generatedQuanta` of every agent with devices
 * (`hasMeter[i]`), and only those, from `observations`. An agent that reports neither
 * figure is metered at its setpoint (position + command): what it was told to do.
 */
export function meterSites(ledger: IntervalLedger, observations: readonly SiteReport[], hasMeter: Uint8Array, crashed: Uint8Array, quantumKw: number): void {
  for (let i = 0; i < observations.length; i++) {
    if (!hasMeter[i]) continue;
    let consumed = 0;
    let generated = 0;
    if (!crashed[i]) {
      const o = observations[i]!;
      if (o.consumedKw === undefined && o.generatedKw === undefined) {
        const setpoint = ledger.positionQuanta(i) + ledger.commandedQuanta[i]!;
        consumed = Math.max(0, setpoint);
        generated = Math.max(0, -setpoint);
      } else {
        consumed = Math.round((o.consumedKw ?? 0) / quantumKw);
        generated = Math.round((o.generatedKw ?? 0) / quantumKw);
      }
    }
    ledger.consumedQuanta[i] = consumed;
    ledger.generatedQuanta[i] = generated;
    ledger.actualQuanta[i] = consumed - generated;
  }
}

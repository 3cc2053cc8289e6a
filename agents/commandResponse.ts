/**
 * Helpers every kind's command responder shares (`agents/<kind>/respond.ts`): the
 * shape of a refusal, and commitments in whole market quanta.
 */
import type { CommandResponse } from './types.ts';

/** An opt-out with its reason; commits nothing. */
export const decline = (reason: string): CommandResponse => ({ optIn: false, reason, deliverKw: 0 });

/**
 * A magnitude floored to whole quanta (with 1e-9 quanta of slack against round-off), so
 * the engine's rounding of the change to the market's quantum never pushes an agent
 * past what it committed to. 0 for anything not > 0.
 */
export function floorToQuantum(kw: number, quantumKw: number): number {
  if (!(kw > 0)) return 0;
  return quantumKw > 0 ? Math.floor(kw / quantumKw + 1e-9) * quantumKw : kw;
}

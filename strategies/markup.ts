/**
 * Fixed markup: sellers offer at cost × (1 + m), buyers bid value × (1 − m).
 * Demand bid at the price cap (inelastic need) keeps the cap: the clamp to the
 * market's [floor, cap] applies after the markup.
 */
import * as z from 'zod';
import { valuationBids } from './truthful.ts';
import type { Strategy } from './types.ts';

export const markupParams = z.strictObject({
  /** Markup as a fraction, e.g. 0.1 for 10 %. */
  markup: z.number().min(-0.9).max(10),
});

export function markupStrategy(params: z.infer<typeof markupParams>): Strategy {
  return { id: 'markup', bid: (view, market) => valuationBids(view, market, params.markup) };
}

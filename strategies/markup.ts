/**
 * Fixed markup: sellers offer at cost × (1 + m), buyers bid value × (1 − m), then
 * clamped to the market's [floor, cap]; a negative value is shaded by its magnitude
 * (cost + m·|cost|, value − m·|value|), so a markup never offers below cost. So a need valued at the cap (an EV's must-run
 * power) is shaded too with m > 0 — 10 % bids it at 0.9 × cap, and supply dearer than
 * that leaves it unbought — and stays at the cap only with m ≤ 0.
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

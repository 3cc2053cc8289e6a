/**
 * The final settlement's demand response per operator, summed in one pass for both its readers:
 * the run's figures (`settlementKpis`, engine/settlementRunEnd.ts) and the books
 * (`checkFinalBooks`, engine/settlementBooks.ts). Each adjustment is settled again every time it is
 * read (`DrAdjustments`, engine/settlementRun.ts: kept, they were ~1 KB a command), so two passes
 * settled every command twice more — the initial and the final settlement, a third of a commanded
 * plane run's decimal work. The sums are those each reader made, in the same order (the
 * commands' order), so every figure is the same decimal.
 *
 * The books' path stays their own: the operator's side recomputed from the DR rule
 * (`operatorInitial`, `operatorFinal`), not taken from the adjustments it is checked against.
 */
import { type Money, ZERO } from '../core/money.ts';
import { settleDrCommand } from '../agents/operations/drSettlement.ts';
import type { DrAdjustment } from './settlementRun.ts';

export interface OperatorDrTotals {
  commands: number;
  /** Σ − initial net: what the operator paid out in the meter phase (the figures'). */
  initialPaid: Money;
  /** Σ − final net (the figures'). */
  finalPaid: Money;
  finalDeliveredKwh: number;
  finalCreditedKwh: number;
  /** Commands with no baseline in the final settlement. */
  unmeasured: number;
  /** Σ of its agents' adjustments (the books'). */
  agents: Money;
  /** Σ initial pay − penalty (the books'). */
  operatorInitial: Money;
  /** Σ pay − penalty of each command settled again by the rule from the final figures (the books'). */
  operatorFinal: Money;
}

/** Per operator id, in the order of each operator's first command. */
export function operatorDrTotals(demandResponse: Iterable<DrAdjustment>): Map<string, OperatorDrTotals> {
  const out = new Map<string, OperatorDrTotals>();
  for (const d of demandResponse) {
    let o = out.get(d.command.operator);
    if (!o) out.set(d.command.operator, (o = { commands: 0, initialPaid: ZERO, finalPaid: ZERO, finalDeliveredKwh: 0, finalCreditedKwh: 0, unmeasured: 0, agents: ZERO, operatorInitial: ZERO, operatorFinal: ZERO }));
    o.commands++;
    o.initialPaid = o.initialPaid.minus(d.command.initial.net);
    o.finalPaid = o.finalPaid.minus(d.final.net);
    o.finalDeliveredKwh += d.final.deliveredKwh;
    o.finalCreditedKwh += d.final.creditedKwh;
    if (!d.final.measured) o.unmeasured++;
    o.agents = o.agents.plus(d.adjustment);
    // The operator's side: what it paid out initially and finally (− net), recomputed by the rule.
    const again = settleDrCommand(d.command.sense * d.baselineKw, d.command.sense * (Number.isNaN(d.actualKw) ? 0 : d.actualKw), d.command.committedKwh, d.command.durationH, d.command.terms, d.command.sense * d.command.committedLevelKw, d.command.split);
    o.operatorInitial = o.operatorInitial.plus(d.command.initial.pay.minus(d.command.initial.penalty));
    o.operatorFinal = o.operatorFinal.plus(again.pay.minus(again.penalty));
  }
  return out;
}

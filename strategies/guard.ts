/**
 * A strategy behind a guard. A strategy is user code: it may throw, or return
 * something that is not a curve (NaN prices, negative quantities, a price above the
 * cap). The guard checks every answer; on a throw or an invalid answer it reports
 * the fault (with the agent and the reason) and answers, for that interval only,
 * with the agent kind's safe default strategy. The agent stays in the market.
 */
import { segmentProblem } from '../market/segment.ts';
import type { BidSegment } from '../market/types.ts';
import type { AgentViewBase, MarketView, Strategy } from './types.ts';

export type StrategyFaultReporter = (agentId: string, strategyId: string, message: string) => void;

/**
 * Why a strategy's answer is not a valid curve, or undefined when it is: an array of
 * segments each passing the order book's own segment check (market/segment.ts), so an
 * answer the guard lets through is never rejected by the book for its segments.
 */
export function invalidAnswer(answer: unknown, market: MarketView): string | undefined {
  if (!Array.isArray(answer)) return `expected an array of bid segments, got ${answer === null ? 'null' : typeof answer}`;
  for (let k = 0; k < answer.length; k++) {
    const problem = segmentProblem(answer[k], k, market);
    if (problem) return problem.reason;
  }
  return undefined;
}

/**
 * True when `x` is a Promise (or any thenable), which is then made quiet: an `async bid` answers
 * with one, and its rejection, unhandled, ended the process (exit 1, the module's stack) instead
 * of being reported as this strategy's fault like a throw.
 */
function quietPromise(x: unknown): boolean {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function') || typeof (x as { then?: unknown }).then !== 'function') return false;
  (x as PromiseLike<unknown>).then(undefined, () => undefined);
  return true;
}

const NOT_SYNC = 'returned a Promise: it must answer synchronously (an async function always returns a Promise)';

/** An array's segments copied to plain objects (side, price, quantity); anything else as it is. */
function plainSegments(answer: unknown): unknown {
  if (!Array.isArray(answer)) return answer;
  return Array.from(answer as unknown[], (s) => (s !== null && typeof s === 'object' ? { side: (s as BidSegment).side, priceMwh: (s as BidSegment).priceMwh, quantityKw: (s as BidSegment).quantityKw } : s));
}

/** `agentId` names the agent in reports from `observe` (which has no view); bids name theirs. */
export function guardStrategy<V extends AgentViewBase>(strategy: Strategy<V>, fallback: Strategy<V>, report: StrategyFaultReporter, agentId?: string): Strategy<V> {
  if (strategy === fallback) return strategy;
  return {
    id: strategy.id,
    bid(view, market) {
      let answer: unknown;
      try {
        // Read once, here, into plain segments: a getter that throws (or answers differently on each
        // read) is the strategy's fault now, not the order book's later, where it would take the agent down.
        const raw = strategy.bid(view, market);
        if (quietPromise(raw)) {
          report(view.agentId, strategy.id, NOT_SYNC);
          return fallback.bid(view, market);
        }
        answer = plainSegments(raw);
      } catch (err) {
        report(view.agentId, strategy.id, `threw: ${err instanceof Error ? err.message : String(err)}`);
        return fallback.bid(view, market);
      }
      const problem = invalidAnswer(answer, market);
      if (problem === undefined) return answer as readonly BidSegment[];
      report(view.agentId, strategy.id, `returned an invalid curve: ${problem}`);
      return fallback.bid(view, market);
    },
    ...(strategy.dayAheadValuation && {
      dayAheadValuation(view, market) {
        try {
          const v = strategy.dayAheadValuation!(view, market);
          if (quietPromise(v)) {
            report(view.agentId, strategy.id, `in dayAheadValuation ${NOT_SYNC}`);
            return undefined;
          }
          if (v === undefined || (Number.isFinite(v.terminalValueMwh) && Number.isFinite(v.finalSocMinKwh))) return v;
          report(view.agentId, strategy.id, `returned an invalid day-ahead valuation: ${JSON.stringify(v)}`);
        } catch (err) {
          report(view.agentId, strategy.id, `threw in dayAheadValuation: ${err instanceof Error ? err.message : String(err)}`);
        }
        return undefined;
      },
    }),
    // Feedback goes to the chosen strategy only (the fallback keeps no state); a throw is reported, never raised.
    ...(strategy.observe && {
      observe(outcome) {
        try {
          // A Promise from observe is not waited for: its feedback would arrive at no defined time.
          if (quietPromise(strategy.observe!(outcome) as unknown)) report(agentId ?? '', strategy.id, `in observe ${NOT_SYNC}`);
        } catch (err) {
          report(agentId ?? '', strategy.id, `threw in observe: ${err instanceof Error ? err.message : String(err)}`);
        }
      },
    }),
  };
}

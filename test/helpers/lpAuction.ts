/**
 * The single-node auction written as a linear programme and solved by
 * `javascript-lp-solver`, an independent cross-check of `doubleAuction`'s welfare:
 *
 *   max Σ p_b x_b − Σ p_s x_s   s.t.  Σ x_b − Σ x_s = 0,  0 ≤ x ≤ Q
 *
 * with p in currency/MWh and x in kW; the optimum is returned in currency over the
 * book's interval (× durationH / 1000), the unit of `ClearingResult.welfare`.
 * Dense-matrix solver: keep books to a few hundred segments.
 */
import jsLpSolver from 'javascript-lp-solver';
import type { Model, SolveResult, SolverAPI } from 'javascript-lp-solver';
import type { OrderBook } from '../../market/types.ts';

// Under `nodenext` TypeScript types the default import as the CommonJS module object (solver on
// `.default`), while tsx hands over the solver itself: the one-line shim of TOOLCHAIN.md, kept here only.
const lpModule = jsLpSolver as unknown as SolverAPI & { default?: SolverAPI };
const solver: SolverAPI = lpModule.default ?? lpModule;

export interface LpOptimum {
  readonly feasible: boolean;
  /** Optimal welfare, currency over the interval. */
  readonly welfare: number;
}

export function lpAuctionWelfare(book: OrderBook): LpOptimum {
  const { priceTickMwh, quantumKw } = book.rules;
  const constraints: Model['constraints'] = { balance: { equal: 0 } };
  const variables: Model['variables'] = {};
  for (let i = 0; i < book.size; i++) {
    const price = book.priceTicks[i]! * priceTickMwh;
    const kw = book.quantityQuanta[i]! * quantumKw;
    const buy = book.isBuy[i] === 1;
    constraints[`cap${i}`] = { max: kw };
    variables[`x${i}`] = { welfare: buy ? price : -price, balance: buy ? 1 : -1, [`cap${i}`]: 1 };
  }
  const out = solver.Solve({ optimize: 'welfare', opType: 'max', constraints, variables }) as SolveResult;
  return { feasible: out.feasible, welfare: ((out.result ?? 0) * book.durationH) / 1000 };
}

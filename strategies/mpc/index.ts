/**
 * `mpc`: model-predictive control. Every interval the agent plans a look-ahead
 * window against the public price forecast (its MarketView, nothing else) with a
 * linear programme, and bids only the first interval of the plan; the next
 * interval it plans again from where it is (rolling horizon):
 * - `storage`: maximise money less wear over the window (`storage.ts`, `batteryPlan.ts`);
 * - `ev`: minimise charging cost (less V2G revenue) subject to the departure target (`ev.ts`);
 * - `aggregator`: shift members' flexible demand to cheap intervals (`aggregator.ts`).
 * The first interval's plan becomes price-quantity segments that clear the plan at the
 * forecast price and stay sensible when the price differs (`bidFromPlan.ts`).
 *
 * The solver is injected, never imported: the LPs go through the `LpSolver` interface
 * (market/lp/solver.ts) the strategy is given. HiGHS loads its WebAssembly
 * asynchronously while strategies are created synchronously, so the engine preloads it
 * when a scenario names `mpc` (the factory sets `needsLpSolver`) and hands it over in
 * the `StrategyContext`. Created without one (`createStrategy('mpc')` outside a run),
 * the factory throws; tests and library users pass a solver themselves, e.g.
 * `jslpSolver`, synchronous and exact for these small LPs (a 24-interval storage
 * window is 72 columns) but slower on long windows.
 *
 * Stateless between intervals (the plan is recomputed from the view), so an instance
 * may serve several agents. Parameters: `params.ts`.
 */
import type { LpSolver } from '../../market/lp/solver.ts';
import type { EvView } from '../ev/view.ts';
import type { StorageView } from '../storage/view.ts';
import type { AgentViewBase, Strategy, StrategyContext, StrategyFactory } from '../types.ts';
import { type AggregateView, aggregatorMpcBid } from './aggregator.ts';
import { evMpcBid } from './ev.ts';
import { type MpcParams, mpcParams } from './params.ts';
import { storageDayAheadValuation, storageMpcBid } from './storage.ts';

export { mpcParams, type MpcParams } from './params.ts';

/** The `mpc` strategy planning with `solver` (HiGHS in a run; any `LpSolver`, e.g. `jslpSolver`, elsewhere). */
export function mpcStrategy(params: MpcParams, solver: LpSolver): Strategy<AgentViewBase> {
  return {
    id: 'mpc',
    bid(view, market) {
      switch (view.kind) {
        case 'storage':
          return storageMpcBid(view as StorageView, market, params, solver);
        case 'ev':
          return evMpcBid(view as EvView, market, params, solver);
        case 'aggregator':
          return aggregatorMpcBid(view as AggregateView, market, params, solver);
        default:
          throw new Error(`mpc plans for storage, ev and aggregator agents, not ${view.kind}`);
      }
    },
    // Day-ahead, a battery's programme is valued as its rolling plan values the end of its window (storage.ts).
    dayAheadValuation: (view, market) => (view.kind === 'storage' ? storageDayAheadValuation(view as StorageView, market, params) : undefined),
  };
}

/** Registry entry (`strategies/registry.ts`). */
export const mpcFactory: StrategyFactory = {
  params: mpcParams,
  kinds: ['storage', 'ev', 'aggregator'],
  needsLpSolver: true,
  create: (p, context?: StrategyContext) => {
    if (!context?.lpSolver) throw new Error("strategy 'mpc' plans with linear programmes: create it with an LP solver in its context (StrategyContext.lpSolver; a run hands one over)");
    return mpcStrategy(p as MpcParams, context.lpSolver);
  },
};

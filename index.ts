/**
 * gridbid's public API: everything a strategy author or a program driving gridbid
 * needs, from one entry point (`import { runScenario } from 'gridbid'`,
 * `import type { EvView, Strategy } from 'gridbid'`). Deep imports are not part of
 * the API (the package's `exports` map allows only this one).
 *
 * Units: power kW, energy kWh, prices currency per MWh, durations hours; every number
 * in these types names its unit (`socKwh`, `maxChargeKw`, `priceMwh`, `durationH`), and
 * identities and time are branded (`AgentId`, `BusId`, `SimTime`: a bare string or
 * number does not pass). The brand constructors (`kw`, `kwh`, `pricePerMwh` …) let
 * your own helpers take unit-typed arguments.
 */

// Units
export type { AgentId, Brand, BusId, Celsius, Hours, Kw, Kwh, PricePerMwh } from './core/units.ts';
export { agentId, busId, celsius, energyKwh, hours, kw, kwh, pricePerMwh } from './core/units.ts';
export type { SimTime } from './core/time.ts';
export { formatSimTime, parseSimTime, simTime } from './core/time.ts';

// Strategies: the plug-in contract, the views each agent kind shows, registration
export type { AgentViewBase, DayAheadValuation, MarketView, Strategy, StrategyContext, StrategyFactory, StrategyOutcome, ValueSegment } from './strategies/types.ts';
export type { HomeNeed, HomeView, HvacView } from './strategies/home/view.ts';
export type { BuildingNeed, BuildingView } from './strategies/building/view.ts';
export type { EvView } from './strategies/ev/view.ts';
export type { StorageView } from './strategies/storage/view.ts';
export type { AggregatorView } from './strategies/aggregator/view.ts';
export type { StrategyRef } from './strategies/registry.ts';
export { createStrategy, registerStrategy, strategyIds } from './strategies/registry.ts';
export { truthful } from './strategies/truthful.ts';

// Seeded randomness (a strategy draws only from `context.random.stream(agentId, purpose)`)
export type { Rng } from './core/rng.ts';
export { RandomService } from './core/rng.ts';

// The market: bids, clearing, settlement
export type { Bid, BidSegment, ClearingResult, ClearingStatus, MarketRules, OrderBook, PriceRule, Pricing, Rejection, RejectionCode, Side } from './market/types.ts';
export { DEFAULT_RULES } from './market/types.ts';
export type { Clearing, ClearOptions } from './market/clearBids.ts';
export { clearBids as clear } from './market/clearBids.ts';
export type { Mechanism } from './market/clear.ts';
export { doubleAuction } from './market/auction.ts';
export { clearNetwork } from './market/clearNetwork.ts';
export { buildOrderBook, OrderBookBuilder } from './market/orderBook.ts';
export { settle } from './market/settlement.ts';

// The LP solver interface (HiGHS by default, javascript-lp-solver for small cases)
export type { LinearProgram, LpSolution, LpSolveOptions, LpSolver, LpStatus, SolverName } from './market/lp/solver.ts';
export { loadSolver } from './market/lp/loadSolver.ts';
export { jslpSolver } from './market/lp/jslp.ts';

// Networks
export type { Branch, BranchFlow, Bus, Network } from './network/types.ts';
export type { BranchDefinition, BusDefinition, NetworkDefinition } from './network/validate.ts';
export { createNetwork } from './network/validate.ts';

// Scenarios and runs
export type { Scenario } from './engine/scenario/load.ts';
export type { ScenarioConfig, ScenarioInput } from './engine/scenario/schema.ts';
export { loadScenarioFile, loadScenarioFile as loadScenario, parseScenario } from './engine/scenario/load.ts';
export type { RunOptions, RunResult } from './engine/run.ts';
export type { AgentFaultRecord, KindFigures, RunKpis, RunSummary, StageMoney } from './output/runSummary.ts';
export { runScenario, runScenarioFile } from './engine/run.ts';
export type { RunPass } from './engine/interrupted.ts';
export { RunInterrupted } from './engine/interrupted.ts';

// Tariffs
export type { BillingContext, Tariff } from './tariffs/types.ts';
export { computeBill } from './tariffs/bill.ts';
export { utcTariff, utcTariffIn } from './tariffs/localHours.ts';
export type { SiteCalendar } from './core/calendar.ts';
export { holidaysOf } from './core/calendar.ts';
// The site's clock a SiteCalendar carries: SiteZone.fixed(hours), or SiteZone.iana(name, fromMs, toMs) (docs/time.md).
export { SiteZone } from './core/siteZone.ts';

// Errors: a UserError is bad input (its message says what and where); anything else is a bug
export { InputFileError, UserError } from './core/errors.ts';
